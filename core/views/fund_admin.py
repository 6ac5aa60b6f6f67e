"""What setting up a fund reads: each fund with its figures, terms, payment instructions
and four-eyes threshold; each LP with its contacts and commitments; the version of the
record a change is written against.

Figures (committed, called, paid-in) come from :mod:`core.positions`, counting every
record whatever its date, so a fund's line agrees with every other screen and report.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from decimal import Decimal

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.money import money_text
from core.positions import positions_as_of
from core.store.projection import Projection, Row
from core.store.sql_projection import SqlProjection

__all__ = [
    "CommitmentRecord",
    "ContactRecord",
    "FundRecord",
    "FundTermsRecord",
    "LpRecord",
    "NavMark",
    "PaymentDetails",
    "entity_version",
    "four_eyes_in_words",
    "fund_record",
    "fund_records",
    "lp_record",
    "lp_records",
    "payment_in_words",
    "percent",
    "terms_in_words",
]


@dataclass(frozen=True, slots=True)
class FundTermsRecord:
    """The fund's current LPA distribution terms; rates are fractions (0.08 for 8 %)."""

    version: int
    style: str
    preferred_return: Decimal
    compounding: str
    carried_interest: Decimal
    catch_up: Decimal | None
    apportionment: str
    gp_name: str
    gp_commitment_lp_id: str | None
    gp_commitment_lp_name: str | None
    label: str
    withholding_rate: Decimal | None
    clawback_tax_rate: Decimal | None
    # The day this version takes effect; None: from the fund's start.
    effective_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class PaymentDetails:
    """The bank details LPs pay calls into, as printed on call notices."""

    bank_name: str
    account_name: str
    account_number: str
    routing: str | None
    swift: str | None
    reference: str | None


@dataclass(frozen=True, slots=True)
class NavMark:
    valuation_id: str
    as_of: dt.date
    nav: Decimal
    note: str


@dataclass(frozen=True, slots=True)
class FundRecord:
    """One fund as its set-up shows it; ``version`` is what the next change is written
    against. ``four_eyes`` is the threshold above which a second GP approves (None: no
    such control)."""

    fund_id: str
    name: str
    currency: str
    vintage_year: int | None
    version: int
    committed: Decimal
    called: Decimal
    paid_in: Decimal
    lps: int
    terms: FundTermsRecord | None
    payment: PaymentDetails | None
    four_eyes: Decimal | None
    navs: tuple[NavMark, ...]
    # The fund's final close; None while it still takes new commitments.
    final_close: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ContactRecord:
    contact_id: str
    name: str
    email: str
    phone: str | None
    title: str | None


@dataclass(frozen=True, slots=True)
class CommitmentRecord:
    commitment_id: str
    fund_id: str
    fund_name: str
    amount: Decimal
    currency: str
    committed_on: dt.date


@dataclass(frozen=True, slots=True)
class LpRecord:
    """One LP with its contacts and its commitments, by fund name."""

    lp_id: str
    name: str
    lp_type: str
    version: int
    contacts: tuple[ContactRecord, ...]
    commitments: tuple[CommitmentRecord, ...]

    def commitment_to(self, fund_id: str) -> CommitmentRecord | None:
        """The LP's commitment to the fund: its own, plus transfers in, less transfers out
        (dated by the first); None when it never committed."""
        held = [c for c in self.commitments if c.fund_id == fund_id]
        if not held:
            return None
        first = min(held, key=lambda c: (c.committed_on, c.commitment_id))
        return replace(first, amount=sum((c.amount for c in held), Decimal(0)))


def _rate(raw: str | None) -> Decimal | None:
    return None if raw is None else Decimal(raw)


def _version(store: Projection, entity_id: str) -> int:
    row = store.get("entities", {"entity_id": entity_id})
    return 0 if row is None else int(row["version"])


def _terms(store: Projection, fund_id: str) -> FundTermsRecord | None:
    rows = store.rows("fund_terms", {"fund_id": fund_id})
    if not rows:
        return None
    t = max(rows, key=lambda r: int(r["version"]))
    gp_lp = t["gp_commitment_lp_id"]
    lp = store.get("lps", {"lp_id": gp_lp}) if gp_lp else None
    return FundTermsRecord(
        version=int(t["version"]),
        style=t["style"],
        preferred_return=Decimal(t["preferred_return"]),
        compounding=t["compounding"],
        carried_interest=Decimal(t["carried_interest"]),
        catch_up=_rate(t["catch_up"]),
        apportionment=t["apportionment"],
        gp_name=t["gp_name"],
        gp_commitment_lp_id=gp_lp,
        gp_commitment_lp_name=None if lp is None else str(lp["name"]),
        label=t["label"],
        withholding_rate=_rate(t["withholding_rate"]),
        clawback_tax_rate=_rate(t["clawback_tax_rate"]),
        effective_date=_date(t.get("effective_date")),
    )


def _date(raw: object) -> dt.date | None:
    return None if not raw else dt.date.fromisoformat(str(raw))


def _payment(raw: str | None) -> PaymentDetails | None:
    if not raw:
        return None
    data = json.loads(raw)
    return PaymentDetails(
        bank_name=data["bank_name"],
        account_name=data["account_name"],
        account_number=data["account_number"],
        routing=data.get("routing"),
        swift=data.get("swift"),
        reference=data.get("reference"),
    )


def _fund(store: Projection, row: Row) -> FundRecord:
    fund_id = str(row["fund_id"])
    book = positions_as_of(store, fund_id, None, with_nav=False)
    threshold = row["four_eyes_threshold"]
    navs = sorted(
        (
            NavMark(
                v["valuation_id"], dt.date.fromisoformat(v["as_of"]), Decimal(v["nav"]), v["note"]
            )
            for v in store.rows("fund_valuations", {"fund_id": fund_id})
        ),
        key=lambda m: m.as_of,
    )
    return FundRecord(
        fund_id=fund_id,
        name=row["name"],
        currency=row["currency"],
        vintage_year=row["vintage_year"],
        version=_version(store, fund_id),
        committed=book.total("commitment"),
        called=book.total("called"),
        paid_in=book.total("paid_in"),
        lps=len(book.positions),
        terms=_terms(store, fund_id),
        payment=_payment(row["payment_instructions"]),
        four_eyes=None if threshold is None else Decimal(threshold),
        navs=tuple(navs),
        final_close=_date(row.get("final_close_date")),
    )


def fund_records(ws: Workspace) -> list[FundRecord]:
    """Every fund of the organization, by name."""
    with reading(ws) as conn:
        store = SqlProjection(conn, ws.org_id)
        rows = sorted(store.rows("funds", {}), key=lambda r: (r["name"], r["fund_id"]))
        return [_fund(store, r) for r in rows]


def fund_record(ws: Workspace, fund_id: str) -> FundRecord | None:
    """The fund ``fund_id``; None when the organization has no such fund."""
    with reading(ws) as conn:
        store = SqlProjection(conn, ws.org_id)
        row = store.get("funds", {"fund_id": fund_id})
        return None if row is None else _fund(store, row)


def _lp(store: Projection, row: Row, fund_names: dict[str, str]) -> LpRecord:
    lp_id = str(row["lp_id"])
    contacts = sorted(
        (
            ContactRecord(c["contact_id"], c["name"], c["email"], c["phone"], c["title"])
            for c in store.rows("lp_contacts", {"lp_id": lp_id})
        ),
        key=lambda c: (c.name, c.contact_id),
    )
    commitments = sorted(
        (
            CommitmentRecord(
                c["commitment_id"],
                c["fund_id"],
                fund_names.get(c["fund_id"], str(c["fund_id"])),
                Decimal(c["amount"]),
                c["currency"],
                dt.date.fromisoformat(c["committed_on"]),
            )
            for c in store.rows("commitments", {"lp_id": lp_id})
        ),
        key=lambda c: (c.fund_name, c.commitment_id),
    )
    return LpRecord(
        lp_id,
        row["name"],
        row["lp_type"],
        _version(store, lp_id),
        tuple(contacts),
        tuple(commitments),
    )


def _fund_names(store: Projection) -> dict[str, str]:
    return {str(f["fund_id"]): str(f["name"]) for f in store.rows("funds", {})}


def lp_records(ws: Workspace, *, fund_id: str | None = None) -> list[LpRecord]:
    """Every LP by name with its contacts and commitments; with ``fund_id``, only the LPs
    committed to that fund."""
    with reading(ws) as conn:
        store = SqlProjection(conn, ws.org_id)
        names = _fund_names(store)
        rows = sorted(store.rows("lps", {}), key=lambda r: (r["name"], r["lp_id"]))
        found = [_lp(store, r, names) for r in rows]
    if fund_id is None:
        return found
    return [lp for lp in found if lp.commitment_to(fund_id) is not None]


def lp_record(ws: Workspace, lp_id: str) -> LpRecord | None:
    """The LP ``lp_id``; None when the organization has no such LP."""
    with reading(ws) as conn:
        store = SqlProjection(conn, ws.org_id)
        row = store.get("lps", {"lp_id": lp_id})
        return None if row is None else _lp(store, row, _fund_names(store))


def entity_version(ws: Workspace, entity_id: str) -> int | None:
    """The current version of any record (a user, an entitlement…); None if unknown."""
    with reading(ws) as conn:
        row = SqlProjection(conn, ws.org_id).get("entities", {"entity_id": entity_id})
    return None if row is None else int(row["version"])


def percent(rate: Decimal) -> str:
    """``Decimal("0.08")`` → ``8%``: a rate of the terms as the set-up screens print it."""
    return f"{format((rate * 100).normalize(), 'f')}%"


def terms_in_words(t: FundTermsRecord) -> str:
    """The terms in one sentence, as ``dealos fund show`` and the Funds page say them."""
    style = "European (whole-fund)" if t.style == "european" else "American (deal-by-deal)"
    parts = [
        f"{style} waterfall",
        f"{percent(t.preferred_return)} preferred return, {t.compounding}",
        "no GP catch-up" if t.catch_up is None else f"{percent(t.catch_up)} GP catch-up",
        f"{percent(t.carried_interest)} carried interest to {t.gp_name}",
        f"apportioned by {t.apportionment}",
    ]
    if t.gp_commitment_lp_name:
        parts.append(f"the GP's own commitment is held by {t.gp_commitment_lp_name}")
    if t.withholding_rate is not None:
        parts.append(f"{percent(t.withholding_rate)} withheld from each LP's distribution")
    if t.clawback_tax_rate is not None:
        parts.append(f"clawback net of taxes at {percent(t.clawback_tax_rate)}")
    label = f", {t.label}" if t.label else ""
    since = f", in force from {t.effective_date}" if t.effective_date else ""
    return "; ".join(parts) + f" (version {t.version}{label}{since})"


def payment_in_words(p: PaymentDetails) -> str:
    parts = [p.bank_name, f"account {p.account_name}, number {p.account_number}"]
    parts += [f"{k} {v}" for k, v in (("routing", p.routing), ("SWIFT", p.swift)) if v]
    if p.reference:
        parts.append(f"reference {p.reference}")
    return "; ".join(parts)


def four_eyes_in_words(f: FundRecord) -> str:
    if f.four_eyes is None:
        return "off: one GP issues calls and distributions alone"
    if f.four_eyes == 0:
        return "every call and distribution needs a second GP's approval"
    return (
        f"calls and distributions above {money_text(f.four_eyes, f.currency)} "
        "need a second GP's approval"
    )


def transferable(ws: Workspace, lp_id: str) -> dict[str, Decimal]:
    """What ``lp_id`` may still transfer of its commitment to each fund it holds one in:
    unfunded commitment less what draft calls reserve, by fund id."""
    with reading(ws) as conn:
        store = SqlProjection(conn, ws.org_id)
        funds = sorted({str(c["fund_id"]) for c in store.rows("commitments", {"lp_id": lp_id})})
        return {
            fund_id: positions_as_of(store, fund_id, None, with_nav=False)
            .of(lp_id)
            .available_to_call
            for fund_id in funds
        }
