"""A GP files documents with the real ``dealos document`` commands and reads them back.

Acme Capital (founder Gail Park) creates Fund I and the Dock 9 deal in it. Gail adds the
deal's offering memorandum (PDF), the fund's quarterly letter shared with the fund's LPs,
and the same memorandum again under another name (one file on disk, two documents). She
lists both, copies the memorandum out and gets its exact bytes. A program, a deal
document "shared with LPs" and an unknown deal are refused in words, nothing written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from setup_org import SetupOrg, start_org

from core.commands.workspace import Workspace
from core.ids import is_uuid
from core.keys import KEYRING_FILE_ENV
from core.ops.payloads.deals import DealCreatePayload


def _deal(org: SetupOrg, fund: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The Dock 9 deal, made from the desktop's own command (the CLI has no deal create)."""
    monkeypatch.setenv(KEYRING_FILE_ENV, str(org.keyring))
    ws = Workspace.open(org.data)
    try:
        command = DealCreatePayload(name="Dock 9", currency="USD", fund_id=fund)
        return ws.submit(command).entity_id
    finally:
        ws.close()


def test_documents_are_added_listed_and_opened_by_their_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = start_org(tmp_path)
    fund = org.ok("fund", "create", "--name", "Fund I", "--currency", "USD")[0]
    deal = _deal(org, fund, monkeypatch)
    files = tmp_path / "files"
    files.mkdir()
    memorandum = b"%PDF-1.7\n" + bytes(range(256)) * 400
    (files / "Dock 9 OM.pdf").write_bytes(memorandum)
    (files / "Q4 letter.txt").write_text("Dear partners,\nthe fund called 10% this quarter.\n")
    (files / "copy of OM.pdf").write_bytes(memorandum)

    added = org.ok("document", "add", files / "Dock 9 OM.pdf", "--deal", deal)
    om = added[0]
    assert is_uuid(om)
    assert added[1].startswith("added Dock 9 OM.pdf (100.0 KB, sha256 ")
    assert added[1].endswith(f") to deal {deal}; the next sync sends it to the server")
    letter = org.ok(
        "document", "add", files / "Q4 letter.txt", "--fund", fund,
        "--title", "Q4 2026 letter", "--share-with-lps",
    )  # fmt: skip
    assert letter[1].endswith(
        f"to fund {fund}, shared with the fund's LPs; the next sync sends it to the server"
    )
    org.ok("document", "add", files / "copy of OM.pdf", "--deal", deal)
    blobs = [p for p in (org.data / "blobs").rglob("*") if p.is_file()]
    assert len(blobs) == 2  # the memorandum twice is one file

    deal_docs = org.ok("document", "list", "--deal", deal)
    assert [line.split()[1:] for line in deal_docs] == [
        ["Dock", "9", "OM.pdf", "a", "PDF", "100.0", "KB"],
        ["copy", "of", "OM.pdf", "a", "PDF", "100.0", "KB"],
    ]
    fund_docs = org.ok("document", "list", "--fund", fund)
    assert len(fund_docs) == 1
    assert fund_docs[0].startswith(f"{letter[0]}  Q4 2026 letter")
    assert fund_docs[0].endswith("shared with LPs")

    out = tmp_path / "read" / "om.pdf"
    assert org.ok("document", "open", om, "--out", out) == [
        f"wrote {out}: Dock 9 OM.pdf (100.0 KB), checked"
    ]
    assert out.read_bytes() == memorandum

    (files / "setup.exe").write_bytes(b"MZ\x90\x00")
    assert org.refused("document", "add", files / "setup.exe", "--deal", deal) == (
        "dealos: setup.exe is not a document Deal OS keeps: give a PDF, a Word document "
        "(.docx), an Excel workbook (.xlsx) or a text file (.txt, .csv, .md)"
    )
    assert (
        org.refused("document", "add", files / "Dock 9 OM.pdf", "--deal", deal, "--share-with-lps")
        == "dealos: --share-with-lps: only a fund's document is shared with its LPs"
    )
    unknown = "01936f0e-8c2a-7c1e-9a55-3f1c2b7d4e10"
    assert org.refused("document", "add", files / "Dock 9 OM.pdf", "--deal", unknown) == (
        f"dealos: --deal: no deal {unknown}"
    )
    assert org.refused("document", "open", unknown, "--out", out) == (
        f"dealos: no document {unknown} here"
    )
