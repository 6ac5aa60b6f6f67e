"""An investor opens the sign-in link in a real browser (headless Chromium).

The page must not spend the token on load, must drop it from the address bar, and must
sign in on the click; opening the same link again must say it was already used.
"""

from __future__ import annotations

import email
import re
import shutil
import time
from pathlib import Path

import pytest
from live_server import LiveServer, create_org

from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.onboarding import enroll_device
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine

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


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    return live_server


def _investor(server: LiveServer, tmp_path: Path) -> str:
    gp_email = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(server.settings, name="Harbor Point", email=gp_email, password="x" * 16)
    gp, _ = enroll_device(
        tmp_path / "gp", server=server.url, email=gp_email, password="x" * 16, device_name="gp"
    )
    lp, user = new_id(), new_id()
    investor = f"officer+{new_id()[-12:]}@pension.example"
    gp.submit_wire("lp.create", entity_id=lp, payload={"name": "Pension", "lp_type": "institution"})
    gp.submit_wire(
        "user.invite",
        entity_id=user,
        payload={"email": investor, "display_name": "Officer", "roles": ["lp"]},
    )
    gp.submit_wire(
        "entitlement.grant",
        entity_id=new_id(),
        payload={"user_id": user, "scope_type": "lp", "scope_id": lp},
    )
    client = SyncClient(server.url, token=gp.keys.secret(f"session:{gp.device_id}"))
    SyncEngine(gp, client).run_once()
    client.request_magic_link(investor)
    client.close()
    return investor


def _token(folder: Path, to: str) -> str:
    for _ in range(200):
        for path in sorted(folder.glob("*.eml")):
            msg = email.message_from_bytes(path.read_bytes())
            body = msg.get_payload(decode=True)
            if msg["To"] == to and isinstance(body, bytes):
                found = re.search(r"/lp/sign-in#token=([A-Za-z0-9_-]+)", body.decode())
                if found:
                    return found.group(1)
        time.sleep(0.05)
    raise AssertionError("no link mailed")


def test_the_link_signs_in_on_the_click_and_only_once(
    server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    investor = _investor(server, tmp_path)
    token = _token(server.settings.mail_drop_dir, investor)
    link = f"{server.url}/lp/sign-in#token={token}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.goto(link)  # what a mail scanner does, too
        page.wait_for_selector("#confirm:not([disabled])")
        assert "token" not in page.url
        page.screenshot(path=str(ARTIFACTS / "lp-sign-in.png"))
        page.click("#confirm")
        page.wait_for_selector("#status:has-text('signed in')")
        assert page.inner_text("#status") == "You are signed in."
        session = page.evaluate("() => sessionStorage.getItem('dealos.session')")
        assert isinstance(session, str)
        assert len(session) > 20
        again = browser.new_page()
        again.goto(link)
        again.click("#confirm")
        again.wait_for_selector("#status:has-text('already used')")
        bare = browser.new_page()
        bare.goto(f"{server.url}/lp/sign-in")
        assert bare.is_disabled("#confirm")
        browser.close()
