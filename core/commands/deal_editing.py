"""What the deal edit form needs beyond the deal page: where each stored field came from
(its source document id and page, so a confirmation can name the same source) and the
members of the organization a deal's owner is chosen from."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.store.schema import deal_fields, users

__all__ = ["FieldSource", "Member", "field_sources", "org_members"]


@dataclass(frozen=True, slots=True)
class FieldSource:
    field: str
    provenance: str
    document_id: str | None
    page: int | None


@dataclass(frozen=True, slots=True)
class Member:
    user_id: str
    display_name: str


def field_sources(ws: Workspace, deal_id: str) -> dict[str, FieldSource]:
    """Each stored field of the deal: its provenance and the document it was read from."""
    with reading(ws) as conn:
        rows = conn.execute(
            select(
                deal_fields.c.field,
                deal_fields.c.provenance,
                deal_fields.c.source_document_id,
                deal_fields.c.source_page,
            ).where(deal_fields.c.org_id == ws.org_id, deal_fields.c.deal_id == deal_id)
        ).all()
    return {
        str(field): FieldSource(
            str(field),
            str(provenance),
            None if document is None else str(document),
            None if page is None else int(page),
        )
        for field, provenance, document, page in rows
    }


def org_members(ws: Workspace) -> list[Member]:
    """Active users of the organization, by name."""
    with reading(ws) as conn:
        rows = conn.execute(
            select(users.c.user_id, users.c.display_name)
            .where(users.c.org_id == ws.org_id, users.c.active.is_(True))
            .order_by(users.c.display_name)
        ).all()
    return [Member(str(user_id), str(name)) for user_id, name in rows]
