"""Pages from the templates in ``resources/web/portal``: one jinja2 environment, the filters
that say amounts, dates and multiples the way LP documents do, and the portal's headers.

Autoescaping is on for every template; the only markup that is not escaped is the cash-flow
chart, which :mod:`sync_server.portal.chart` builds from numbers and escaped words.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from core.reports.presentation import long_date, money_text
from sync_server.app_context import KEYS
from sync_server.portal.browser_session import (
    BrowserKeys,
    browser_secret,
    set_browser_secret,
)

__all__ = ["PAGE_CSP", "WEB", "browser_keys", "page", "with_page_headers"]

# The project's resources/web folder: templates and styles a designer can edit.
WEB: Final = Path(__file__).resolve().parents[2] / "resources" / "web"
# No inline script or style anywhere: the chart is drawn with attributes, the styles and
# the one script (the confirm page's) are files of this origin.
PAGE_CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def _money(amount: Decimal | None, currency: str) -> str:
    return "n/a" if amount is None else money_text(amount, currency)


def _day(day: dt.date | None) -> str:
    return "" if day is None else long_date(day)


def _multiple(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value}x"


_ENV: Final = Environment(
    loader=FileSystemLoader(WEB / "portal"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters.update(money=_money, day=_day, multiple=_multiple)


def browser_keys(request: web.Request) -> BrowserKeys:
    return BrowserKeys(request.app[KEYS].rate_limit_key())


def with_page_headers(response: web.StreamResponse) -> web.StreamResponse:
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response


def page(
    request: web.Request,
    template: str,
    *,
    status: int = 200,
    session_id: str | None = None,
    signed_in: bool = False,
    active: str = "",
    headers: dict[str, str] | None = None,
    **context: Any,
) -> web.Response:
    """``template`` rendered with ``context``, the form token of this browser (and session),
    and the portal's headers; the browser's CSRF secret is set when it had none."""
    secret, new = browser_secret(request)
    html = _ENV.get_template(template).render(
        csrf=browser_keys(request).token(secret, session_id),
        signed_in=signed_in,
        active=active,
        **context,
    )
    response = web.Response(
        text=html, status=status, content_type="text/html", charset="utf-8", headers=headers
    )
    if new:
        set_browser_secret(response, request, secret)
    with_page_headers(response)
    return response
