"""Pension Fund's officer uses the investor portal in a real browser (headless Chromium).

The fund is tests/web/portal_world.py's, kept by the GP's desktop and synced to the server.
The officer asks for a link, reads it from a local SMTP server, opens it (which spends
nothing), confirms, and reads the overview: every figure equals the GP's own command line
(``dealos report performance`` for the LP, today). They open the fund page, download Call
No. 2's notice and the Q2 2025 statement — the statement's text is exactly the one
``dealos report statement`` writes for the GP — and the ledger as XLSX; read the documents
page; edit an id in the address bar (the 404 page); sign out; and open the used link again
(the expired page, with "Send me a new link"). Each page is saved as a screenshot in
test-artifacts/web/, at a laptop's width and at a phone's.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from portal_mailbox import Inbox, portal_server
from portal_world import PortalWorld, build_world
from pypdf import PdfReader

from core.keys import KEYRING_FILE_ENV

__all__ = ["portal_server"]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)"
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world(
    portal_server: tuple[Any, Inbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[PortalWorld, Inbox]:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    server, inbox = portal_server
    return build_world(server, tmp_path), inbox


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def _download(page: Any, link_text: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_text).click()
    path = info.value.path()
    return Path(path).read_bytes()


def _gp_figures(world: PortalWorld) -> list[str]:
    """The LP's line of ``dealos report performance --fund F --lp L`` on the GP's store."""
    out = world.dealos("report", "performance", "--fund", world.fund, "--lp", world.pension)
    [line] = [row for row in out.splitlines() if row.startswith("LP: Pension Fund")]
    return re.split(r"\s{2,}", line.strip())[1:]


def test_an_investor_signs_in_and_reads_every_page(
    world: tuple[PortalWorld, Inbox], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    w, inbox = world
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    url = w.server.url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport=LAPTOP, accept_downloads=True)
        page = context.new_page()
        page.goto(f"{url}/")
        assert page.url == f"{url}/portal/sign-in"
        _shot(page, "portal-sign-in")
        page.get_by_label("Email address").fill(w.investor)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{url}/portal/sign-in/sent")
        assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
        _shot(page, "portal-link-sent")

        link = inbox.wait_for_link(w.investor)
        page.goto(link)  # what a mail scanner does too: nothing is spent
        page.wait_for_selector("#confirm:not([disabled])")
        assert "token" not in page.url
        _shot(page, "portal-confirm")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{url}/portal")
        [session] = [c for c in context.cookies() if c["name"] == "dealos_portal"]
        assert session["httpOnly"] is True
        assert session["sameSite"] == "Strict"
        assert session["secure"] is False  # plain HTTP in this test; Secure under TLS

        figures = {
            name: page.inner_text(f"[data-figure={name}]")
            for name in (
                "commitment",
                "paid-in",
                "distributed",
                "unfunded",
                "nav",
                "tvpi",
                "dpi",
                "irr",
            )
        }
        assert figures["commitment"] == "$1,000,000.00"
        assert figures["paid-in"] == "$120,000.00"
        assert figures["unfunded"] == "$850,000.00"
        # $80,000.00 pro rata to paid-in: 120,000 of 570,000; the NAV the same way.
        assert figures["distributed"] == "$16,842.11"
        assert figures["nav"] == "$252,631.58"
        committed, paid, distributed, unfunded, nav, tvpi, dpi, _rvpi, irr = _gp_figures(w)
        assert [committed, paid, distributed, unfunded, nav] == [
            figures[k].lstrip("$")
            for k in ("commitment", "paid-in", "distributed", "unfunded", "nav")
        ]
        assert [tvpi, dpi, irr] == [figures["tvpi"], figures["dpi"], figures["irr"]]
        assert "Called and not yet paid: $30,000.00." in page.inner_text("main")
        assert "Granite" not in page.content()
        _shot(page, "portal-overview")
        page.set_viewport_size(PHONE)
        _shot(page, "portal-overview-phone")
        page.set_viewport_size(LAPTOP)

        page.get_by_role("link", name="Calls, distributions and statements").click()
        page.wait_for_selector("h2#calls")
        rows = page.locator("section:has(h2#calls) tbody tr")
        assert rows.count() == 2  # Granite's own call is not Pension Fund's
        assert "Overdue" in rows.nth(0).inner_text()
        assert "Paid" in rows.nth(1).inner_text()
        _shot(page, "portal-fund")
        page.set_viewport_size(PHONE)
        _shot(page, "portal-fund-phone")
        page.set_viewport_size(LAPTOP)

        notice = _pdf_text(_download(page, "PDF notice of Capital Call No. 2"))
        assert "Capital Call No. 2" in notice
        assert "$50,000.00" in notice
        assert "Pension Fund" in notice
        assert "Granite" not in notice
        statement = _download(page, "Capital account statement, Q2 2025")
        gp_pdf = tmp_path / "gp-statement.pdf"
        w.dealos(
            "report",
            "statement",
            "--lp",
            w.pension,
            "--fund",
            w.fund,
            "--period",
            "2025Q2",
            "--out",
            str(gp_pdf),
        )
        assert _pdf_text(statement) == _pdf_text(gp_pdf.read_bytes())
        assert "$16,842.11" in _pdf_text(statement)
        sheet = openpyxl.load_workbook(io.BytesIO(_download(page, "Download your ledger (Excel)")))
        rows_read = list(sheet["Ledger"].iter_rows(values_only=True))
        assert rows_read[0][:3] == ("Date", "Entry", "Detail")
        entries = [r[1] for r in rows_read[1:]]
        assert entries == [
            "Commitment",
            "Capital Call No. 1",
            "Payment",
            "Capital Call No. 2",
            "Payment",
            "Distribution No. 1",
        ]
        money = [(r[1], [v for v in r[4:] if v is not None]) for r in rows_read[1:]]
        assert [float(v[0]) for _, v in money] == [
            1000000.0,
            100000.0,
            100000.0,
            50000.0,
            20000.0,
            16842.11,
        ]

        page.get_by_role("link", name="Documents").click()
        page.wait_for_url(f"{url}/portal/documents")
        assert "has not shared any documents" in page.inner_text("main")
        _shot(page, "portal-documents")

        page.goto(f"{url}/portal/lp/{w.granite}/funds/{w.fund}")  # another LP's position
        assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
        _shot(page, "portal-not-found")

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{url}/portal/signed-out")
        assert [c for c in context.cookies() if c["name"] == "dealos_portal"] == []
        page.goto(f"{url}/portal")
        assert page.url == f"{url}/portal/sign-in"

        page.goto(link)  # the used link
        page.wait_for_selector("#confirm:not([disabled])")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector("text=This link has expired")
        assert page.get_by_role("button", name="Send me a new link").is_visible()
        _shot(page, "portal-expired")
        page.get_by_label("Email address").fill(w.investor)
        page.get_by_role("button", name="Send me a new link").click()
        page.wait_for_url(f"{url}/portal/sign-in/sent")
        assert inbox.wait_for_link(w.investor, 2) != link
        browser.close()
