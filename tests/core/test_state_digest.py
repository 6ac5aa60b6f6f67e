"""The state digest hashes each row's RFC 8785 bytes. Rows read from the typed columns take
a fast path; whatever a tampered file holds (a float, a huge integer, a lone surrogate)
goes through the checked canonicalization — the digest is the same function either way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from core.ids import new_id
from core.store.digest import digest_of, sql_state_digest
from core.store.local import LocalStore
from core.store.schema import PROJECTION_TABLES, metadata


def _reference(conn: Any, org_id: str) -> str:
    """The digest by definition: every row through the checked ``jcs``."""

    def rows(table: Any) -> list[dict[str, Any]]:
        stmt = select(table).where(table.c.org_id == org_id).order_by(*table.primary_key.columns)
        return [{str(k): v for k, v in r.items()} for r in conn.execute(stmt).mappings()]

    return digest_of((t.name, rows(t)) for t in PROJECTION_TABLES)


def _outcome(digest: Any, conn: Any, org_id: str) -> str:
    try:
        return str(digest(conn, org_id))
    except ValueError:  # an integer JSON cannot carry exactly: no canonical form
        return "refused"


@pytest.mark.parametrize(
    "size_bytes",
    [1024, 2**53 - 1, 2**53, 100.0, "3 MB"],
    ids=["int", "largest-safe", "unsafe-int", "float", "text"],
)
def test_the_digest_is_jcs_whatever_the_file_holds(tmp_path: Path, size_bytes: Any) -> None:
    store = LocalStore.open(tmp_path, create=True)
    org = new_id()
    documents, deals = metadata.tables["documents"], metadata.tables["deals"]
    with store.transaction() as conn:
        conn.execute(
            insert(deals).values(
                org_id=org,
                deal_id=new_id(),
                name="Riverside Ü",
                stage="sourcing",
                stage_version=1,
                currency="USD",
                created_by=new_id(),
            )
        )
        # SQLite keeps what it is given, whatever the column's declared type.
        conn.exec_driver_sql(
            "INSERT INTO documents (org_id, document_id, filename, title, media_type, "
            "size_bytes, sha256) VALUES (?, ?, 'om.pdf', 'OM', 'application/pdf', ?, 'ab')",
            (org, new_id(), size_bytes),
        )
        assert conn.execute(select(documents.c.size_bytes)).scalar() == size_bytes
        assert _outcome(sql_state_digest, conn, org) == _outcome(_reference, conn, org)
    store.close()
