"""The pipeline as the desktop's deal table needs it: counted, filtered, sorted and paged.

A table of 10,000 deals asks for the rows it shows and no more, so every call here is one
indexed query over ``deals`` joined to the few descriptive fields a row displays. Money
sorts exactly without ever becoming a float: canonical amounts of one currency have the
same number of decimals, so ordering by (length, text) is numeric order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import ColumnElement, Connection, Select, and_, case, func, or_, select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.domain.lifecycle import STAGE_ORDER
from core.store.schema import deal_fields, deals, entities, users
from core.views.viewer import Viewer

__all__ = [
    "SORT_COLUMNS",
    "DealFilter",
    "DealRow",
    "DealSort",
    "PipelineFacets",
    "StageTotal",
    "count_deals",
    "deal_ids",
    "deals_by_id",
    "fetch_deals",
    "pipeline_facets",
    "stage_totals",
]

SORT_COLUMNS: Final = (
    "name",
    "stage",
    "sponsor",
    "property_type",
    "city",
    "asking_price",
    "owner",
)


@dataclass(frozen=True, slots=True)
class DealFilter:
    text: str = ""
    stages: tuple[str, ...] = ()
    sponsor: str | None = None
    property_type: str | None = None
    owner_id: str | None = None


@dataclass(frozen=True, slots=True)
class DealSort:
    column: str = "name"
    descending: bool = False


@dataclass(frozen=True, slots=True)
class DealRow:
    deal_id: str
    name: str
    stage: str
    currency: str
    sponsor: str | None
    property_type: str | None
    city: str | None
    asking_price: Decimal | None
    owner_id: str | None
    owner_name: str | None
    fund_id: str | None
    version: int


@dataclass(frozen=True, slots=True)
class PipelineFacets:
    sponsors: tuple[str, ...]
    property_types: tuple[str, ...]
    owners: tuple[tuple[str, str], ...]  # (user id, display name)


@dataclass(frozen=True, slots=True)
class StageTotal:
    stage: str
    deals: int
    asking: dict[str, Decimal] = field(default_factory=dict)  # by currency


def _field(name: str) -> Any:
    return deal_fields.alias(f"f_{name}")


_SPONSOR, _TYPE, _CITY, _PRICE, _OWNER = (
    _field(n) for n in ("sponsor", "property_type", "city", "asking_price", "owner_id")
)
_OWNER_USER = users.alias("owner_user")
_STAGE_RANK = case({s.value: i for i, s in enumerate(STAGE_ORDER)}, value=deals.c.stage, else_=99)


_ALIASES: Final = {
    "sponsor": _SPONSOR,
    "property_type": _TYPE,
    "city": _CITY,
    "asking_price": _PRICE,
    "owner_id": _OWNER,
}
_SEARCHED: Final = ("sponsor", "city", "property_type")


def _joined(ws: Workspace, columns: list[Any], needed: set[str] | None = None) -> Select[Any]:
    """``deals`` with the descriptive fields in ``needed`` joined (all when None)."""
    stmt = select(*columns).select_from(deals)
    for name, alias in _ALIASES.items():
        if needed is not None and name not in needed:
            continue
        stmt = stmt.outerjoin(
            alias,
            and_(
                alias.c.org_id == deals.c.org_id,
                alias.c.deal_id == deals.c.deal_id,
                alias.c.field == name,
            ),
        )
    if needed is None or "owner" in needed:
        stmt = stmt.outerjoin(
            _OWNER_USER,
            and_(_OWNER_USER.c.org_id == deals.c.org_id, _OWNER_USER.c.user_id == _OWNER.c.value),
        )
    return stmt.where(deals.c.org_id == ws.org_id)


def _needed(flt: DealFilter, sort: DealSort | None = None) -> set[str]:
    """The joins a filter (and a sort) cannot do without: the fewer, the faster."""
    needed = set()
    if flt.sponsor is not None:
        needed.add("sponsor")
    if flt.property_type is not None:
        needed.add("property_type")
    if flt.owner_id is not None:
        needed.add("owner_id")
    if sort is not None and sort.column not in ("name", "stage"):
        needed.add("owner_id" if sort.column == "owner" else sort.column)
        if sort.column == "owner":
            needed.add("owner")
    return needed


def _visible(viewer: Viewer) -> ColumnElement[bool] | None:
    return viewer.scope.deal_clause(deals.c.deal_id, deals.c.fund_id)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(ws: Workspace, stmt: Select[Any], viewer: Viewer, flt: DealFilter) -> Select[Any]:
    visible = _visible(viewer)
    if visible is not None:
        stmt = stmt.where(visible)
    if flt.stages:
        stmt = stmt.where(deals.c.stage.in_(flt.stages))
    if flt.sponsor is not None:
        stmt = stmt.where(_SPONSOR.c.value == flt.sponsor)
    if flt.property_type is not None:
        stmt = stmt.where(_TYPE.c.value == flt.property_type)
    if flt.owner_id is not None:
        stmt = stmt.where(_OWNER.c.value == flt.owner_id)
    text = flt.text.strip()
    if text:
        # SQLite's LIKE ignores ASCII case already; one pass over the searched fields.
        pattern = _like(text)
        in_fields = select(deal_fields.c.deal_id).where(
            deal_fields.c.org_id == ws.org_id,
            deal_fields.c.field.in_(_SEARCHED),
            deal_fields.c.value.like(pattern, escape="\\"),
        )
        stmt = stmt.where(
            or_(deals.c.name.like(pattern, escape="\\"), deals.c.deal_id.in_(in_fields))
        )
    return stmt


def _order(sort: DealSort) -> list[Any]:
    keys: dict[str, list[Any]] = {
        "name": [deals.c.name],
        "stage": [_STAGE_RANK],
        "sponsor": [_SPONSOR.c.value.is_(None), _SPONSOR.c.value],
        "property_type": [_TYPE.c.value.is_(None), _TYPE.c.value],
        "city": [_CITY.c.value.is_(None), _CITY.c.value],
        "asking_price": [
            _PRICE.c.value.is_(None),
            func.length(_PRICE.c.value),
            _PRICE.c.value,
        ],
        "owner": [_OWNER_USER.c.display_name.is_(None), _OWNER_USER.c.display_name],
    }
    if sort.column not in keys:
        raise ValueError(f"cannot sort deals by {sort.column!r}; columns are {SORT_COLUMNS}")
    chosen = keys[sort.column]
    # Missing values stay last either way; only the values themselves flip.
    head = [chosen[0]] if len(chosen) > 1 else []
    body = chosen[1:] if len(chosen) > 1 else chosen
    if sort.descending:
        body = [c.desc() for c in body]
    return [*head, *body, deals.c.name, deals.c.deal_id]


def count_deals(ws: Workspace, viewer: Viewer, flt: DealFilter) -> int:
    stmt = _filtered(ws, _joined(ws, [func.count()], _needed(flt)), viewer, flt)
    with reading(ws) as conn:
        return int(conn.execute(stmt).scalar_one())


def _ids_stmt(ws: Workspace, viewer: Viewer, flt: DealFilter, sort: DealSort) -> Select[Any]:
    stmt = _filtered(ws, _joined(ws, [deals.c.deal_id], _needed(flt, sort)), viewer, flt)
    return stmt.order_by(*_order(sort))


def deal_ids(ws: Workspace, viewer: Viewer, flt: DealFilter, sort: DealSort) -> list[str]:
    """Every matching deal's id, in order: the table's index, one query per filter or sort.

    Rows themselves are read a page at a time with :func:`deals_by_id`.
    """
    with reading(ws) as conn:
        return [r[0] for r in conn.execute(_ids_stmt(ws, viewer, flt, sort)).all()]


def deals_by_id(ws: Workspace, ids: list[str]) -> list[DealRow]:
    """The deals named, in the order named (those that no longer exist are left out)."""
    with reading(ws) as conn:
        return _rows(conn, ws, ids)


def fetch_deals(
    ws: Workspace, viewer: Viewer, flt: DealFilter, sort: DealSort, *, offset: int, limit: int
) -> list[DealRow]:
    """One page: first the page's ids, with only the joins the filter and sort need; then
    those few deals in full."""
    ids_stmt = _ids_stmt(ws, viewer, flt, sort).offset(offset).limit(limit)
    with reading(ws) as conn:
        page = [r[0] for r in conn.execute(ids_stmt).all()]
        return _rows(conn, ws, page)


def _rows(conn: Connection, ws: Workspace, page: list[str]) -> list[DealRow]:
    if not page:
        return []
    columns = [
        deals.c.deal_id,
        deals.c.name,
        deals.c.stage,
        deals.c.currency,
        deals.c.fund_id,
        _SPONSOR.c.value.label("sponsor"),
        _TYPE.c.value.label("property_type"),
        _CITY.c.value.label("city"),
        _PRICE.c.value.label("asking_price"),
        _OWNER.c.value.label("owner_id"),
        _OWNER_USER.c.display_name.label("owner_name"),
        entities.c.version,
    ]
    stmt = _joined(ws, columns).join(
        entities,
        and_(entities.c.org_id == deals.c.org_id, entities.c.entity_id == deals.c.deal_id),
    )
    # .all(): one fetch, one release of the GIL (a reader on the UI thread competes with
    # a sync applying ops on a worker, and every re-acquisition can cost a switch interval).
    found = {r.deal_id: r for r in conn.execute(stmt.where(deals.c.deal_id.in_(page))).all()}
    rows = [found[d] for d in page if d in found]
    return [
        DealRow(
            deal_id=r.deal_id,
            name=r.name,
            stage=r.stage,
            currency=r.currency,
            sponsor=r.sponsor,
            property_type=r.property_type,
            city=r.city,
            asking_price=Decimal(r.asking_price) if r.asking_price is not None else None,
            owner_id=r.owner_id,
            owner_name=r.owner_name,
            fund_id=r.fund_id,
            version=int(r.version),
        )
        for r in rows
    ]


def pipeline_facets(ws: Workspace, viewer: Viewer) -> PipelineFacets:
    """The values the filters offer: sponsors, property types and owners of visible deals."""
    values: dict[str, set[str]] = defaultdict(set)
    stmt = select(deal_fields.c.field, deal_fields.c.value).where(
        deal_fields.c.org_id == ws.org_id,
        deal_fields.c.field.in_(("sponsor", "property_type", "owner_id")),
    )
    visible = _visible(viewer)
    if visible is not None:
        stmt = stmt.join(
            deals,
            and_(deals.c.org_id == deal_fields.c.org_id, deals.c.deal_id == deal_fields.c.deal_id),
        ).where(visible)
    with reading(ws) as conn:
        for name, value in conn.execute(stmt.distinct()):
            values[name].add(value)
        owners = conn.execute(
            select(users.c.user_id, users.c.display_name).where(
                users.c.org_id == ws.org_id, users.c.user_id.in_(sorted(values["owner_id"]))
            )
        ).all()
    return PipelineFacets(
        sponsors=tuple(sorted(values["sponsor"])),
        property_types=tuple(sorted(values["property_type"])),
        owners=tuple(sorted(((u, n) for u, n in owners), key=lambda o: o[1])),
    )


def stage_totals(ws: Workspace, viewer: Viewer) -> list[StageTotal]:
    """Deals and asking price per stage, in lifecycle order (every stage, even empty)."""
    stmt = _joined(ws, [deals.c.stage, deals.c.currency, _PRICE.c.value], {"asking_price"})
    visible = _visible(viewer)
    if visible is not None:
        stmt = stmt.where(visible)
    counts: dict[str, int] = defaultdict(int)
    asking: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    with reading(ws) as conn:
        for stage, currency, price in conn.execute(stmt):
            counts[stage] += 1
            if price is not None:
                asking[stage][currency] += Decimal(price)
    return [
        StageTotal(s.value, counts.get(s.value, 0), dict(asking.get(s.value, {})))
        for s in STAGE_ORDER
    ]
