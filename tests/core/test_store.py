"""The local SQLite store: its digest, rebuild, hash-chained audit log and device keyring.

Maria sets up Harbor Point Capital on her laptop: Fund I, two LPs, a capital call issued
and partly paid, a deal in screening, and one refused op. Then someone edits the database
file behind the app's back — every alteration of the audit log is pinned to the entry it
broke, and an altered op log refuses to rebuild.
"""

from __future__ import annotations

import json
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures_org import OrgBuilder

from core.audit import entry_hash
from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.errors import KeyStoreError, OpRejected, StoreError
from core.ids import new_id
from core.keys import FileKeyring, KeyStore
from core.store.local import LocalStore


def _fill(ws: Workspace) -> None:
    fund_id, pension, family, call_id, deal_id = (new_id() for _ in range(5))
    ws.submit_wire("fund.create", entity_id=fund_id, payload={"name": "Fund I", "currency": "USD"})
    for lp_id, name, amount in ((pension, "Pension", "6000000.00"), (family, "FO", "4000000.00")):
        ws.submit_wire(
            "lp.create", entity_id=lp_id, payload={"name": name, "lp_type": "institution"}
        )
        ws.submit_wire(
            "commitment.create",
            entity_id=new_id(),
            payload={
                "fund_id": fund_id,
                "lp_id": lp_id,
                "amount": amount,
                "currency": "USD",
                "committed_on": "2026-01-15",
            },
        )
    ws.submit_wire(
        "capital_call.create",
        entity_id=call_id,
        payload={
            "fund_id": fund_id,
            "amount": "1000000.00",
            "currency": "USD",
            "basis": "commitment",
            "call_date": "2026-03-01",
            "due_date": "2026-03-31",
        },
    )
    ws.submit_wire("capital_call.issue", entity_id=call_id, base_version=1, payload={})
    ws.submit_wire(
        "capital_call.payment",
        entity_id=call_id,
        base_version=2,
        payload={
            "payment_id": new_id(),
            "lp_id": pension,
            "amount": "600000.00",
            "currency": "USD",
            "paid_on": "2026-03-20",
        },
    )
    with pytest.raises(OpRejected):
        ws.submit_wire("capital_call.issue", entity_id=call_id, base_version=1, payload={})
    ws.submit_wire(
        "deal.create", entity_id=deal_id, payload={"name": "Riverside", "currency": "USD"}
    )
    ws.submit_wire(
        "deal.transition", entity_id=deal_id, base_version=1, payload={"to": "screening"}
    )


@pytest.fixture
def busy(workspace: Workspace) -> Workspace:
    _fill(workspace)
    return workspace


def _db(ws: Workspace) -> sqlite3.Connection:
    return sqlite3.connect(ws.store.data_dir / "dealos.db", isolation_level=None)


def _audit_len(ws: Workspace) -> int:
    with _db(ws) as raw:
        return int(raw.execute("SELECT count(*) FROM audit_log").fetchone()[0])


def test_the_store_is_sqlite_in_wal_mode(busy: Workspace) -> None:
    with _db(busy) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (busy.store.data_dir / "dealos.db-wal").exists()


def test_the_digest_is_stable_and_rebuild_reproduces_it(busy: Workspace, tmp_path: Path) -> None:
    digest = busy.digest()
    assert len(digest) == 64
    assert busy.digest() == digest
    assert busy.rebuild() == digest
    assert busy.digest() == digest
    busy.close()
    reopened = Workspace.open(busy.store.data_dir)
    assert reopened.digest() == digest
    reopened.submit_wire(
        "fund.create", entity_id=new_id(), payload={"name": "II", "currency": "USD"}
    )
    assert reopened.digest() != digest
    assert reopened.rebuild() == reopened.digest()
    reopened.close()


def test_the_audit_log_records_every_op_and_refusal_and_verifies(busy: Workspace) -> None:
    verdict = busy.verify_audit()
    assert verdict.ok, verdict.summary()
    assert verdict.entries == _audit_len(busy) == 12
    with _db(busy) as raw:
        events = [e for (e,) in raw.execute("SELECT event FROM audit_log ORDER BY seq")]
    assert events.count("op.refused") == 1
    assert events.count("op.accepted") == 11


# Each tamper edits the file with raw SQL and returns the entry the verifier must name.
Tamper = Callable[[sqlite3.Connection, int], int]


def _edit(raw: sqlite3.Connection, n: int) -> int:
    raw.execute("UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 5")
    return 5


def _edit_and_rehash(raw: sqlite3.Connection, n: int) -> int:
    row = raw.execute(
        "SELECT seq, at, event, op_id, kind, entity_id, actor_id, device_id, code, "
        "detail, prev_hash FROM audit_log WHERE seq = 5"
    ).fetchone()
    names = (
        "seq",
        "at",
        "event",
        "op_id",
        "kind",
        "entity_id",
        "actor_id",
        "device_id",
        "code",
        "detail",
    )
    fields = dict(zip(names, row[:10], strict=True)) | {"code": "forbidden"}
    raw.execute(
        "UPDATE audit_log SET code = 'forbidden', entry_hash = ? WHERE seq = 5",
        (entry_hash(row[10], fields),),
    )
    return 6  # entry 5 now hashes right; entry 6 no longer links to it


def _edit_field(column: str, value: object) -> Tamper:
    def tamper(raw: sqlite3.Connection, n: int) -> int:
        raw.execute(f"UPDATE audit_log SET {column} = ? WHERE seq = 7", (value,))
        return 7

    tamper.__name__ = f"_edit_{column}"
    return tamper


def _delete(raw: sqlite3.Connection, n: int) -> int:
    raw.execute("DELETE FROM audit_log WHERE seq = 4")
    return 4


def _delete_first(raw: sqlite3.Connection, n: int) -> int:
    raw.execute("DELETE FROM audit_log WHERE seq = 1")
    return 1


def _swap(raw: sqlite3.Connection, n: int) -> int:
    cols = (
        "at, event, op_id, kind, entity_id, actor_id, device_id, code, detail, prev_hash, "
        "entry_hash"
    )
    three = raw.execute(f"SELECT {cols} FROM audit_log WHERE seq = 3").fetchone()
    eight = raw.execute(f"SELECT {cols} FROM audit_log WHERE seq = 8").fetchone()
    sets = ", ".join(f"{c.strip()} = ?" for c in cols.split(","))
    raw.execute(f"UPDATE audit_log SET {sets} WHERE seq = 3", eight)
    raw.execute(f"UPDATE audit_log SET {sets} WHERE seq = 8", three)
    return 3


def _renumber(raw: sqlite3.Connection, n: int) -> int:
    raw.execute("UPDATE audit_log SET seq = 100 WHERE seq = 9")
    raw.execute("UPDATE audit_log SET seq = 9 WHERE seq = 10")
    raw.execute("UPDATE audit_log SET seq = 10 WHERE seq = 100")
    return 9


def _truncate(raw: sqlite3.Connection, n: int) -> int:
    raw.execute("DELETE FROM audit_log WHERE seq > ?", (n - 3,))
    return n - 2


def _truncate_and_forge_head(raw: sqlite3.Connection, n: int) -> int:
    raw.execute("DELETE FROM audit_log WHERE seq > ?", (n - 3,))
    (last,) = raw.execute("SELECT entry_hash FROM audit_log WHERE seq = ?", (n - 3,)).fetchone()
    raw.execute("UPDATE audit_head SET seq = ?, entry_hash = ?", (n - 3, last))
    return n - 3  # the head's signature no longer matches the head it claims


def _forge_head_hash(raw: sqlite3.Connection, n: int) -> int:
    raw.execute("UPDATE audit_head SET entry_hash = ?", ("f" * 64,))
    return n


def _append(raw: sqlite3.Connection, n: int) -> int:
    (prev,) = raw.execute("SELECT entry_hash FROM audit_log WHERE seq = ?", (n,)).fetchone()
    fields = {
        "seq": n + 1,
        "at": "2026-11-28T07:00:00.000Z",
        "event": "op.accepted",
        "op_id": None,
        "kind": None,
        "entity_id": None,
        "actor_id": None,
        "device_id": None,
        "code": None,
        "detail": "backdated",
    }
    raw.execute(
        "INSERT INTO audit_log (seq, at, event, op_id, kind, entity_id, actor_id, device_id, "
        "code, detail, prev_hash, entry_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (*fields.values(), prev, entry_hash(prev, fields)),
    )
    return n + 1


@pytest.mark.parametrize(
    "tamper",
    [
        _edit,
        _edit_and_rehash,
        _edit_field("at", "2020-01-01T00:00:00.000Z"),
        _edit_field("event", "op.refused"),
        _edit_field("kind", "fund.create"),
        _edit_field("prev_hash", "0" * 64),
        _delete,
        _delete_first,
        _swap,
        _renumber,
        _truncate,
        _truncate_and_forge_head,
        _forge_head_hash,
        _append,
    ],
    ids=lambda t: getattr(t, "__name__", "edit_field"),
)
def test_tampering_is_detected_at_the_exact_entry(busy: Workspace, tamper: Tamper) -> None:
    n = _audit_len(busy)
    assert busy.verify_audit().ok
    with _db(busy) as raw:
        first_bad = tamper(raw, n)
    verdict = busy.verify_audit()
    assert not verdict.ok
    assert verdict.first_bad_seq == first_bad, verdict.summary()
    assert verdict.problem


def _edit_envelope(ws: Workspace, kind: str, change: Callable[[bytes], bytes]) -> None:
    with _db(ws) as raw:
        (local_seq, envelope) = raw.execute(
            "SELECT local_seq, envelope FROM op_log WHERE kind = ? ORDER BY local_seq LIMIT 1",
            (kind,),
        ).fetchone()
        raw.execute(
            "UPDATE op_log SET envelope = ? WHERE local_seq = ?", (change(envelope), local_seq)
        )


def _more_money(raw: bytes) -> bytes:
    data = json.loads(raw)
    data["payload"]["amount"] = "6000000.01"
    return json.dumps(data).encode()


def _smuggle(raw: bytes) -> bytes:
    return json.dumps({**json.loads(raw), "role": "admin"}).encode()


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("commitment.create", _more_money),
        ("commitment.create", _smuggle),
        ("fund.create", lambda raw: raw[:-7]),
        ("capital_call.issue", lambda raw: b"\xff" + raw),
    ],
    ids=["amount-changed", "field-smuggled", "cut-short", "not-utf8"],
)
def test_an_altered_op_log_refuses_to_rebuild(
    busy: Workspace, kind: str, change: Callable[[bytes], bytes]
) -> None:
    digest = busy.digest()
    _edit_envelope(busy, kind, change)
    with pytest.raises(StoreError, match="op log was altered"):
        busy.rebuild()
    assert busy.digest() == digest  # the failed rebuild rolled back


def test_a_removed_op_makes_the_rest_unreplayable(busy: Workspace) -> None:
    with _db(busy) as raw:
        raw.execute("DELETE FROM op_log WHERE kind = 'fund.create'")
    with pytest.raises(StoreError, match="not_found"):
        busy.rebuild()


def test_the_keyring_file_is_private_to_its_owner(busy: Workspace, keyring_file: Path) -> None:
    assert stat.S_IMODE(keyring_file.stat().st_mode) == 0o600
    seed = json.loads(keyring_file.read_text())["dealos"][f"device:{busy.device_id}"]
    assert seed.encode() not in (busy.store.data_dir / "dealos.db").read_bytes()


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o666])
def test_a_keyring_file_others_can_read_is_refused(
    busy: Workspace, keyring_file: Path, mode: int
) -> None:
    data_dir = busy.store.data_dir
    busy.close()
    keyring_file.chmod(mode)
    with pytest.raises(KeyStoreError, match=r"readable by others .* chmod 600"):
        Workspace.open(data_dir)
    keyring_file.chmod(0o600)
    Workspace.open(data_dir).close()


def test_a_store_needs_its_key_and_is_created_once(busy: Workspace, tmp_path: Path) -> None:
    data_dir = busy.store.data_dir
    with pytest.raises(StoreError, match="already holds"):
        Workspace.init(data_dir, org_name="Again", email="a@b.co", display_name="A")
    with pytest.raises(StoreError, match="no Deal OS store"):
        Workspace.open(tmp_path / "elsewhere")
    with pytest.raises(KeyStoreError, match="not in this machine's keyring"):
        Workspace.open(data_dir, keys=KeyStore(FileKeyring(tmp_path / "other.json")))


def test_a_refused_op_from_another_device_is_audited_too(busy: Workspace) -> None:
    org = OrgBuilder.on_workspace(busy)
    auditor = org.user("auditor", name="olu")
    n, digest = _audit_len(busy), busy.digest()
    refusal = org.refused("fund.create", {"name": "Not mine", "currency": "USD"}, by=auditor)
    assert refusal.code == "forbidden"
    assert busy.digest() == digest
    with _db(busy) as raw:
        last = raw.execute(
            "SELECT seq, event, code, actor_id, device_id FROM audit_log ORDER BY seq DESC"
        ).fetchone()
    assert last == (n + 1, "op.refused", "forbidden", auditor.user_id, auditor.device_id)
    assert busy.verify_audit().ok


def test_a_snapshot_read_keeps_no_writer_waiting_and_sees_one_state(busy: Workspace) -> None:
    """The history check reads a whole log through ``core.commands.reading``: the GP's
    writes go on meanwhile, and the read sees the state it began with, not a mix."""
    before = busy.digest()
    with reading(busy) as conn:
        count = len(conn.exec_driver_sql("SELECT op_id FROM op_log").all())
        busy.submit_wire(
            "deal.create", entity_id=new_id(), payload={"name": "Meanwhile", "currency": "USD"}
        )
        raw = _db(busy)
        raw.execute("PRAGMA busy_timeout=0")  # a writer that would fail rather than wait
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("COMMIT")
        raw.close()
        assert len(conn.exec_driver_sql("SELECT op_id FROM op_log").all()) == count
    assert busy.digest() != before


def test_a_write_kept_waiting_too_long_says_the_store_is_busy_and_writes_nothing(
    busy: Workspace,
) -> None:
    """What a GP sees when a sync round or a repair holds the store past the busy timeout:
    a plain "busy, try again" error, not a driver's traceback, and no half-write."""
    hasty = LocalStore.open(busy.store.data_dir, busy_timeout_ms=50)
    before = busy.digest()
    raw = _db(busy)
    raw.execute("BEGIN IMMEDIATE")  # another writer holds the store
    try:
        with (
            pytest.raises(StoreError, match=r"busy.*nothing was written"),
            hasty.transaction() as conn,
        ):
            conn.exec_driver_sql("DELETE FROM deals")
    finally:
        raw.execute("ROLLBACK")
        raw.close()
        hasty.close()
    assert busy.digest() == before
