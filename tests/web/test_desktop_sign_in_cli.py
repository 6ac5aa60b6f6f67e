"""``dealos lp-signin`` waits for the emailed approval: no token is pasted anywhere.

Pension Fund's officer (tests/web/portal_world.py) runs ``dealos lp-signin --server URL
--email E`` in a terminal of their own. It says a link is on its way and waits; the link is
read from a local SMTP server and approved — once by a form POST as a browser sends it,
once by clicking Approve in headless Chromium (screenshots of the approval page and of
its answer in test-artifacts/web/). The command then makes the LP's replica: its
share of the calls, and nothing of Granite, the other LP.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from desktop_approval import approval_letter, press, wait_for_approval_link
from portal_mailbox import Inbox, portal_server
from portal_world import PortalWorld, build_world

from core.keys import KEYRING_FILE_ENV

__all__ = ["portal_server"]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"


@pytest.fixture
def world(
    portal_server: tuple[Any, Inbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[PortalWorld, Inbox]:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    server, inbox = portal_server
    return build_world(server, tmp_path), inbox


def _lp_signin(world: PortalWorld, folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "core.cli.main",
            "lp-signin",
            "--server",
            world.server.url,
            "--email",
            world.investor,
            "--device-name",
            "Officer's laptop",
            "--data-dir",
            str(folder),
        ],
        env={**os.environ, KEYRING_FILE_ENV: str(world.keyring)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _replica_holds_pension_only(world: PortalWorld, folder: Path) -> None:
    calls = subprocess.run(
        [sys.executable, "-m", "core.cli.main", "--data-dir", str(folder), "call", "list"],
        env={**os.environ, KEYRING_FILE_ENV: str(world.keyring)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert calls.returncode == 0, calls.stderr
    # Call No. 1 at Pension Fund's own share; Granite's $300,000.00 is nowhere.
    assert "Harbor Point Fund I" in calls.stdout
    assert "100,000.00" in calls.stdout
    assert "300,000.00" not in calls.stdout


def test_lp_signin_waits_for_the_approval_then_makes_the_replica(
    world: tuple[PortalWorld, Inbox], tmp_path: Path
) -> None:
    w, inbox = world
    proc = _lp_signin(w, tmp_path / "lp")
    try:
        assert proc.stdout is not None
        said = proc.stdout.readline()
        assert said.startswith(
            f"a sign-in link is on its way to {w.investor}; open it and press Approve"
        )
        assert said.rstrip().endswith("waiting…")
        link = wait_for_approval_link(inbox, w.investor)
        code = said.split("check code: ")[1].split(")")[0]
        assert f"Check code: {code}" in approval_letter(inbox, w.investor)
        with httpx.Client(base_url=w.server.url, follow_redirects=False) as browser:
            _, approved = press(browser, link)
        assert approved.status_code == 200
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "signed in as LP reader of org" in out
    assert "Traceback" not in err
    _replica_holds_pension_only(w, tmp_path / "lp")


@pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)"
)
def test_approve_is_clicked_in_a_real_browser(
    world: tuple[PortalWorld, Inbox], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    w, inbox = world
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    proc = _lp_signin(w, tmp_path / "lp")
    try:
        link = wait_for_approval_link(inbox, w.investor)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(link)
            page.wait_for_selector("#approve:not([disabled])")
            assert "token" not in page.url  # taken off the address bar
            assert page.inner_text("#device") == "Officer's laptop"
            page.screenshot(path=str(ARTIFACTS / "desktop-approve-device.png"), full_page=True)
            page.get_by_role("button", name="Approve").click()
            page.wait_for_selector("text=Your computer is signing in")
            page.screenshot(path=str(ARTIFACTS / "desktop-approved.png"), full_page=True)
            browser.close()
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "signed in as LP reader of org" in out
    _replica_holds_pension_only(w, tmp_path / "lp")
