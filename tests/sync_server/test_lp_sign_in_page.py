"""The page a magic link opens spends nothing until a person clicks.

A mail scanner follows every link in the officer's inbox; the sign-in link must survive
it. The page is served under a strict content security policy and its script spends the
token with one POST.
"""

from __future__ import annotations

from mail_drop import wait_for_link
from scenario import Org
from test_magic_links import _consume, _request, lp_user

from sync_server.routes.lp_pages import PAGE_CSP


async def test_opening_the_link_burns_nothing_and_the_click_spends_it(org: Org) -> None:
    officer, _ = await lp_user(org)
    await _request(org, officer.email)
    [token] = await wait_for_link(org.world.settings.mail_drop_dir, officer.email)  # type: ignore[arg-type]
    client = org.world.client
    for path in ("/lp/sign-in", "/lp/sign-in.js", "/lp/sign-in.css"):  # the scanner's visit
        page = await client.get(path, params={"token": token})
        assert page.status == 200
        assert page.headers["Content-Security-Policy"] == PAGE_CSP
        assert page.headers["X-Frame-Options"] == "DENY"
    html = await (await client.get("/lp/sign-in")).text()
    assert '<script src="/lp/sign-in.js"></script>' in html
    assert "<script>" not in html  # no inline script: the policy allows only 'self'
    script = await (await client.get("/lp/sign-in.js")).text()
    assert '"/v1/auth/magic-link/consume"' in script
    assert 'method: "POST"' in script
    assert (await _consume(org, token)).status == 200  # still good after the scanner
    assert (await _consume(org, token)).status == 401
