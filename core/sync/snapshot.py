"""The server's current value of an entity, as a conflict shows it beside a rejected op."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Connection, select

from core.store.schema import metadata

__all__ = ["ENTITY_TABLES", "entity_snapshot"]

# entity type → (projection table, key column) of its main row.
ENTITY_TABLES: Final[dict[str, tuple[str, str]]] = {
    "org": ("organizations", "org_id"),
    "user": ("users", "user_id"),
    "device": ("devices", "device_id"),
    "entitlement": ("entitlements", "entitlement_id"),
    "fund": ("funds", "fund_id"),
    "deal": ("deals", "deal_id"),
    "document": ("documents", "document_id"),
    "lp": ("lps", "lp_id"),
    "commitment": ("commitments", "commitment_id"),
    "capital_call": ("capital_calls", "call_id"),
    "distribution": ("distributions", "distribution_id"),
}


def entity_snapshot(conn: Connection, org_id: str, entity_id: str) -> dict[str, Any] | None:
    """``{"entity_type", "version", "row"}`` as confirmed state has it, or None if absent."""
    entities = metadata.tables["entities"]
    found = conn.execute(
        select(entities.c.entity_type, entities.c.version).where(
            entities.c.org_id == org_id, entities.c.entity_id == entity_id
        )
    ).first()
    if found is None:
        return None
    entity_type, version = found
    table_name, key = ENTITY_TABLES[entity_type]
    table = metadata.tables[table_name]
    row = (
        conn.execute(select(table).where(table.c.org_id == org_id, table.c[key] == entity_id))
        .mappings()
        .first()
    )
    return {
        "entity_type": entity_type,
        "version": version,
        "row": dict(row) if row is not None else None,
    }
