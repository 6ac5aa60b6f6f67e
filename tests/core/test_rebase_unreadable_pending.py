"""A pending op this build can no longer accept — made offline by an older build under
looser rules: text holding U+0000, an envelope field since removed — becomes a conflict
when the log is rebased (what a sync round does after pulling), instead of stopping the
rebase, and with it every sync round of the store."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection, select, update

from core.canonical_json import jcs
from core.commands.workspace import Workspace
from core.errors import OpRejected, StoreError
from core.ids import new_id
from core.keys import KeyStore
from core.ops.envelope import OP_SIGNING_PREFIX
from core.store.local_schema import op_log
from core.store.schema import metadata


def _nul_in_payload(data: dict[str, Any]) -> None:
    data["payload"]["name"] = "Cape\u0000Fear"


def _field_since_removed(data: dict[str, Any]) -> None:
    data["note"] = "a field of the envelope this build no longer has"


def _older_builds_op(ws: Workspace, change: Callable[[dict[str, Any]], None]) -> str:
    """A deal.create ``change``d, then signed by this device as an older build would have
    signed it (the current one refuses to)."""
    deal = new_id()
    ws.submit_wire(
        "deal.create", entity_id=deal, payload={"name": "Placeholder", "currency": "USD"}
    )
    with ws.store.transaction() as conn:
        op_id, raw = conn.execute(
            select(op_log.c.op_id, op_log.c.envelope).where(op_log.c.entity_id == deal)
        ).one()
        data = json.loads(raw)
        del data["signature"]
        change(data)
        key = KeyStore().device_key(data["device_id"])
        data["signature"] = key.sign_bytes(OP_SIGNING_PREFIX + jcs(data))
        conn.execute(update(op_log).where(op_log.c.op_id == op_id).values(envelope=jcs(data)))
    return str(op_id)


@pytest.mark.parametrize(
    ("change", "code"),
    [(_nul_in_payload, "invalid_payload"), (_field_since_removed, "unknown_field")],
)
def test_a_rebase_turns_it_into_a_conflict_and_the_rest_replays(
    workspace: Workspace, change: Callable[[dict[str, Any]], None], code: str
) -> None:
    kept = new_id()
    workspace.submit_wire(
        "deal.create", entity_id=kept, payload={"name": "Kept", "currency": "USD"}
    )
    bad = _older_builds_op(workspace, change)
    refused: list[tuple[str, str]] = []

    def on_refused(conn: Connection, op_id: str, exc: OpRejected) -> None:
        refused.append((op_id, exc.code))

    workspace.rebuild(on_refused_pending=on_refused)
    assert refused == [(bad, code)]
    with workspace.store.transaction() as conn:
        deals = metadata.tables["deals"]
        names = set(conn.execute(select(deals.c.name)).scalars())
    assert names == {"Kept"}  # the refused op left nothing behind


@pytest.mark.parametrize("change", [_nul_in_payload, _field_since_removed])
def test_a_plain_rebuild_still_stops_and_names_the_op(
    workspace: Workspace, change: Callable[[dict[str, Any]], None]
) -> None:
    bad = _older_builds_op(workspace, change)
    with pytest.raises(StoreError, match=bad):
        workspace.rebuild()
