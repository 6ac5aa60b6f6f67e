"""Document files travel with the ops, to exactly those who may see them.

Harbor Point Capital runs Fund I, which holds the Riverside Commons deal. Maria (GP) adds
the deal's offering memorandum (a 3 MB PDF), a letter to the fund's LPs that she shares
with them, and the fund's internal rent-roll export (CSV). Morgan (outside counsel) is
entitled to the deal; Acme Pension is committed to Fund I and its officer signs in by
magic link. After one sync each, on the real server over Postgres:

- Maria's computer has sent the three files; the server keeps them in Harbor Point's own
  folder;
- Morgan's replica has fetched the memorandum and nothing else;
- Acme's replica has fetched the letter and nothing else, and Acme's officer asking the
  server for the memorandum or the rent roll by hash gets a 404, each in the audit log;
- a download cut mid-way by a bad link resumes where it stopped (``Range``) and ends with
  the right bytes;
- an upload whose bytes do not match the hash is refused (422), one over 100 MiB is
  refused (413) without the server holding it in memory, and an LP may upload nothing.
"""

from __future__ import annotations

import email
import hashlib
import random
import re
import resource
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from bad_link import BadLink
from live_server import LiveServer, create_org, free_port, settings_for
from sqlalchemy import create_engine, text

from core.commands.workspace import Workspace
from core.documents import BlobStore, add_document, list_documents, open_copy
from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.onboarding import enroll_device, join_as_reader
from core.ops.payloads.access import EntitlementGrantPayload, UserInvitePayload
from core.ops.payloads.deals import DealCreatePayload, FundCreatePayload
from core.ops.payloads.investors import CommitmentCreatePayload, LpCreatePayload
from core.sync.blobs import BlobTransfer
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine, SyncReport
from sync_server.database import psycopg_url

PASSWORD = "correct horse battery staple"
MIB = 1024 * 1024


def _pdf(size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    return b"%PDF-1.7\n" + rng.randbytes(size - 9)


@dataclass
class Harbor:
    server: LiveServer
    gp: Workspace
    counsel: Workspace
    lp: Workspace
    lp_user: str
    memorandum: bytes
    letter: bytes
    rent_roll: bytes
    docs: dict[str, str]
    reports: dict[str, SyncReport]
    org_id: str


def _sync(ws: Workspace, url: str) -> SyncReport:
    client = SyncClient(url, token=_token(ws))
    try:
        return SyncEngine(ws, client).run_once()
    finally:
        client.close()


def _token(ws: Workspace) -> str:
    return ws.keys.secret(f"session:{ws.device_id}")


def _mailed(folder: Path, to: str, pattern: str) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
            message = email.message_from_bytes(path.read_bytes())
            if to not in str(message["To"]):
                continue
            for part in message.walk():
                body = part.get_payload(decode=True)
                found = re.search(pattern, body.decode()) if isinstance(body, bytes) else None
                if found:
                    return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"nothing mailed to {to}")


def _signed_in_reader(server: LiveServer, address: str, folder: Path) -> tuple[Workspace, Any]:
    """An external reader's replica, signed in by the emailed link (counsel and LPs alike)."""
    client = SyncClient(server.url)
    client.request_magic_link(address)
    client.close()
    mail = server.settings.mail_drop_dir
    assert mail is not None
    token = _mailed(mail, address, r"#token=([A-Za-z0-9_-]+)")
    return join_as_reader(folder, server=server.url, token=token)


@pytest.fixture
def server(pg_database: Any, tmp_path: Path) -> Iterator[LiveServer]:
    port = free_port()
    settings = settings_for(pg_database, tmp_path / "server", port).with_(notice_poll_seconds=0.1)
    live = LiveServer(settings, port)
    live.start()
    yield live
    live.close()


@pytest.fixture
def harbor(server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Harbor:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    maria = f"maria+{new_id()[-12:]}@harborpoint.example"
    org_id = create_org(
        server.settings, name="Harbor Point Capital", email=maria, password=PASSWORD
    )
    gp, _ = enroll_device(
        tmp_path / "maria", server=server.url, email=maria, password=PASSWORD, device_name="m"
    )
    fund = gp.submit(FundCreatePayload(name="Harbor Point Fund I", currency="USD")).entity_id
    deal = gp.submit(
        DealCreatePayload(name="Riverside Commons", currency="USD", fund_id=fund)
    ).entity_id
    acme = gp.submit(LpCreatePayload(name="Acme Pension", lp_type="institution")).entity_id
    gp.submit(
        CommitmentCreatePayload(
            fund_id=fund, lp_id=acme, amount="5000000.00", currency="USD", committed_on="2025-01-15"
        )
    )
    morgan = f"morgan+{new_id()[-12:]}@counsel.example"
    counsel_user = gp.submit(
        UserInvitePayload(email=morgan, display_name="Morgan Lee", roles=["counsel"])
    ).entity_id
    gp.submit(EntitlementGrantPayload(user_id=counsel_user, scope_type="deal", scope_id=deal))
    officer = f"officer+{new_id()[-12:]}@acme.example"
    lp_user = gp.submit(
        UserInvitePayload(email=officer, display_name="Acme Officer", roles=["lp"])
    ).entity_id
    gp.submit(EntitlementGrantPayload(user_id=lp_user, scope_type="lp", scope_id=acme))

    files = tmp_path / "files"
    files.mkdir()
    memorandum, letter = _pdf(3 * MIB, 1), _pdf(200_000, 2)
    rent_roll = b"unit,tenant,rent\n101,Rivera,2150.00\n102,Okafor,2300.00\n"
    (files / "Riverside OM.pdf").write_bytes(memorandum)
    (files / "Q4 letter.pdf").write_bytes(letter)
    (files / "rent-roll.csv").write_bytes(rent_roll)
    docs = {
        "memorandum": add_document(gp, files / "Riverside OM.pdf", deal_id=deal).document_id,
        "letter": add_document(
            gp, files / "Q4 letter.pdf", fund_id=fund, share_with_lps=True
        ).document_id,
        "rent_roll": add_document(gp, files / "rent-roll.csv", fund_id=fund).document_id,
        "deal": deal,
        "fund": fund,
    }
    reports = {"gp": _sync(gp, server.url)}

    counsel, reports["counsel"] = _signed_in_reader(server, morgan, tmp_path / "morgan")
    lp, reports["lp"] = _signed_in_reader(server, officer, tmp_path / "acme")
    return Harbor(
        server, gp, counsel, lp, lp_user, memorandum, letter, rent_roll, docs, reports, org_id
    )


def _audit(h: Harbor, event: str) -> list[tuple[str | None, str]]:
    engine = create_engine(psycopg_url(h.server.settings.database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT actor_id, detail FROM server_audit WHERE org_id = :o AND event = :e "
                    "ORDER BY seq"
                ),
                {"o": h.org_id, "e": event},
            )
            return [(r[0], r[1]) for r in rows]
    finally:
        engine.dispose()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_each_reader_fetches_the_files_it_may_see_and_no_other(
    harbor: Harbor, tmp_path: Path
) -> None:
    h = harbor
    om, letter, roll = _sha(h.memorandum), _sha(h.letter), _sha(h.rent_roll)
    gp_files = h.reports["gp"].files
    assert gp_files is not None
    assert (gp_files.uploaded, gp_files.waiting) == (3, [])
    assert "document files: sent 3, fetched 0" in h.reports["gp"].summary()
    org_folder = h.server.settings.blob_root / h.org_id
    for sha in (om, letter, roll):
        assert (org_folder / sha[:2] / sha[2:]).is_file()

    # Counsel: the memorandum of its deal, checked, and nothing else.
    counsel_files = h.reports["counsel"].files
    assert counsel_files is not None
    assert (counsel_files.downloaded, counsel_files.waiting) == (1, [])
    counsel_store = BlobStore.beside(h.counsel.store.data_dir)
    assert counsel_store.missing([om, letter, roll]) == sorted([letter, roll])
    listed = list_documents(h.counsel, deal_id=h.docs["deal"])
    assert [(d.name, d.on_this_computer) for d in listed] == [("Riverside OM.pdf", True)]
    opened = open_copy(h.counsel, h.docs["memorandum"], tmp_path / "om-copy.pdf")
    assert (tmp_path / "om-copy.pdf").read_bytes() == h.memorandum
    assert opened.size_bytes == 3 * MIB

    # The LP: the letter shared with Fund I's LPs, and nothing else.
    lp_files = h.reports["lp"].files
    assert lp_files is not None
    assert (lp_files.downloaded, lp_files.waiting) == (1, [])
    lp_store = BlobStore.beside(h.lp.store.data_dir)
    assert lp_store.read_verified(letter) == h.letter
    assert lp_store.missing([om, letter, roll]) == sorted([om, roll])
    shown = list_documents(h.lp, fund_id=h.docs["fund"])
    assert [(d.name, d.shared_with_lps) for d in shown] == [("Q4 letter.pdf", True)]
    assert list_documents(h.lp, deal_id=h.docs["deal"]) == []

    # The LP asks the server for the memorandum and the rent roll by hash: 404, audited.
    refused_before = len(_audit(h, "blob.not_found"))
    with httpx.Client(base_url=h.server.url) as http:
        auth = {"Authorization": f"Bearer {_token(h.lp)}"}
        for sha in (om, roll, "0" * 64):
            answer = http.get(f"/v1/blobs/{sha}", headers=auth)
            assert answer.status_code == 404
            assert answer.json()["error"]["code"] == "not_found"
            assert h.memorandum[:4096] not in answer.content
        shared = http.get(f"/v1/blobs/{letter}", headers=auth)
        assert shared.status_code == 200
        assert shared.headers["ETag"] == f'"{letter}"'
        assert shared.headers["Content-Type"] == "application/pdf"
        assert shared.content == h.letter
    refused = _audit(h, "blob.not_found")[refused_before:]
    assert [actor for actor, _ in refused] == [h.lp_user] * 3
    assert f"document file {om} asked for and answered 404" in refused[0][1]
    reads = _audit(h, "blob.read")
    assert any(f"document file {letter} read (the whole file)" in d for _, d in reads)
    # Counsel's fetch, the LP's fetch, the LP's direct read.
    assert [actor for actor, _ in reads] == [h.counsel.user_id, h.lp_user, h.lp_user]

    # A second sync moves nothing again.
    again = _sync(h.lp, h.server.url)
    assert again.files is not None
    assert (again.files.uploaded, again.files.downloaded) == (0, 0)


def test_a_download_cut_by_a_bad_link_resumes_where_it_stopped(harbor: Harbor) -> None:
    h = harbor
    om = _sha(h.memorandum)
    store = BlobStore.beside(h.counsel.store.data_dir)
    store.path_of(om).unlink()  # as if the first fetch had never happened
    link = BadLink(h.server.port, cut_after=1 * MIB, cuts=1)
    link.start()
    transfer = BlobTransfer(h.counsel, link.url, _token(h.counsel), wait_max=0.5)
    try:
        report = transfer.run()
    finally:
        transfer.close()
        link.close()
    assert (report.downloaded, report.waiting) == (1, [])
    assert store.read_verified(om) == h.memorandum
    assert not store.partial_path(om).exists()
    heads = [r.decode("latin-1") for r in link.requests if r.startswith(b"GET /v1/blobs/")]
    assert len(heads) == 2
    assert "range:" not in heads[0].lower()
    resumed = re.search(r"(?im)^range: bytes=(\d+)-\r?$", heads[1])
    assert resumed is not None, heads[1]
    start = int(resumed.group(1))
    assert MIB // 2 < start <= MIB  # what arrived before the cut was kept
    assert f'if-range: "{om}"' in heads[1].lower()
    details = [d for _, d in _audit(h, "blob.read") if om in d]
    assert details[-1].endswith(f"read (bytes {start}-)")


def test_uploads_that_do_not_match_are_too_large_or_not_a_gps_are_refused(
    harbor: Harbor,
) -> None:
    h = harbor
    gp = {"Authorization": f"Bearer {_token(h.gp)}"}
    stored_before = {p.name for p in (h.server.settings.blob_root / h.org_id).rglob("*")}
    with httpx.Client(base_url=h.server.url, timeout=120) as http:
        wrong = http.put(
            f"/v1/blobs/{_sha(b'the signed bytes')}",
            content=b"other bytes",
            headers={**gp, "Content-Type": "text/plain"},
        )
        assert wrong.status_code == 422
        error = wrong.json()["error"]
        assert error["code"] == "hash_mismatch"
        assert error["details"]["received_sha256"] == _sha(b"other bytes")

        # A body declared over the limit is refused before a byte of it is read.
        with socket.create_connection(("127.0.0.1", h.server.port)) as raw:
            raw.sendall(
                f"PUT /v1/blobs/{'a' * 64} HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: {gp['Authorization']}\r\n"
                f"Content-Length: {100 * MIB + 1}\r\n\r\n".encode()
            )
            declared = raw.recv(65536).decode("latin-1")
        assert declared.startswith("HTTP/1.1 413 "), declared
        assert '"code":"body_too_large"' in declared.replace(" ", "")

        def over_the_limit() -> Iterator[bytes]:
            chunk = b"\0" * MIB
            for _ in range(100):
                yield chunk
            yield b"one byte too many"

        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        streamed = http.put(f"/v1/blobs/{'b' * 64}", content=over_the_limit(), headers=gp)
        grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
        assert streamed.status_code == 413
        assert streamed.json()["error"]["code"] == "body_too_large"
        assert grown_kib < 40 * 1024  # streamed to disk, never held whole

        again = http.put(
            f"/v1/blobs/{_sha(h.letter)}",
            content=h.letter,
            headers={**gp, "Content-Type": "application/pdf"},
        )
        assert again.status_code == 200
        assert again.json() == {
            "sha256": _sha(h.letter),
            "size_bytes": len(h.letter),
            "outcome": "already_stored",
        }

        # The uploader goes away mid-file: nothing of it is kept.
        with socket.create_connection(("127.0.0.1", h.server.port)) as raw:
            raw.sendall(
                f"PUT /v1/blobs/{'c' * 64} HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: {gp['Authorization']}\r\n"
                f"Content-Length: {MIB}\r\n\r\n".encode()
                + b"%PDF-" * 1000
            )
        time.sleep(0.5)

        lp = {"Authorization": f"Bearer {_token(h.lp)}"}
        forbidden = http.put(f"/v1/blobs/{_sha(b'mine')}", content=b"mine", headers=lp)
        assert forbidden.status_code == 403
        assert forbidden.json()["error"]["message"] == "only a GP or a GP analyst adds documents"
        bad_name = http.get("/v1/blobs/NOT-A-HASH", headers=lp)
        assert bad_name.status_code == 422
    stored_after = {p.name for p in (h.server.settings.blob_root / h.org_id).rglob("*")}
    assert stored_after == stored_before  # nothing refused was kept, no partial file left
    assert [a for a, _ in _audit(h, "blob.refused")] == [h.lp_user]


def test_a_file_that_cannot_be_sent_waits_for_the_next_sync(harbor: Harbor, tmp_path: Path) -> None:
    h = harbor
    term_sheet = tmp_path / "term sheet.pdf"
    term_sheet.write_bytes(_pdf(50_000, 3))
    add_document(h.gp, term_sheet, deal_id=h.docs["deal"])
    # The op is pushed; then the link to the server goes down before the file is sent.
    offline = BlobTransfer(
        h.gp, f"http://127.0.0.1:{free_port()}", _token(h.gp), attempts=2, wait_max=0.05
    )
    client = SyncClient(h.server.url, token=_token(h.gp))
    try:
        pushed = SyncEngine(h.gp, client, files=False).run_once()
        report = offline.run()
    finally:
        client.close()
        offline.close()
    assert pushed.accepted == 1
    assert report.uploaded == 0
    assert report.waiting == [
        "term sheet.pdf (a PDF) to send: the server is unreachable (ConnectError)"
    ]
    # The next sync sends it, and says so.
    again = _sync(h.gp, h.server.url)
    assert again.files is not None
    assert (again.files.uploaded, again.files.waiting) == (1, [])
    assert again.summary().endswith("; document files: sent 1, fetched 0")
    fetched = _sync(h.counsel, h.server.url)
    assert fetched.files is not None
    assert fetched.files.downloaded == 1
