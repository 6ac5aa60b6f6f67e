"""Error tracking: unexpected errors go to Sentry when ``DEALOS_SENTRY_DSN`` is set.

``sentry-sdk`` is an optional dependency (``pip install 'dealos[sentry]'``). It is started
with ``send_default_pii=False`` (no cookies, no authorization header, no client address,
no user) and no local variables, and every event passes :func:`scrub_event` before it
leaves: the person fields go, the request keeps its method, route and harmless headers,
and every string left — exception messages, breadcrumbs, headers, the URL — has emails,
bearer tokens and token-shaped strings masked, and values under sensitive keys replaced,
by the same :func:`sync_server.request_log.scrub` the JSON logs use.

``DEALOS_SENTRY_ENVIRONMENT`` names the deployment (``production``, ``staging``).
"""

from __future__ import annotations

import os
from typing import Any, Final

from sync_server.request_log import logger, scrub
from sync_server.settings import SettingsError

__all__ = ["DSN_ENV", "capture_error", "init_error_tracking", "scrub_event"]

DSN_ENV: Final = "DEALOS_SENTRY_DSN"
# Request headers an event may keep (values still masked); every other one is dropped.
_KEPT_HEADERS: Final = frozenset({"content-type", "content-length", "user-agent", "x-request-id"})
_started = False


def scrub_event(event: dict[str, Any], _hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """The event without personal data (Sentry's ``before_send``)."""
    event.pop("user", None)
    event.pop("server_name", None)  # a host name can name a person's machine
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("cookies", "data", "env", "query_string"):
            request.pop(key, None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                k: scrub(v) for k, v in headers.items() if str(k).lower() in _KEPT_HEADERS
            }
        if isinstance(request.get("url"), str):
            request["url"] = scrub(request["url"].split("?", 1)[0])
    for key in ("exception", "logentry", "message", "breadcrumbs", "extra", "tags"):
        if key in event:
            event[key] = scrub(event[key])
    return event


def init_error_tracking(dsn: str | None = None) -> bool:
    """Start Sentry for this process when a DSN is given (or set in the environment);
    False when error tracking is off."""
    global _started
    dsn = dsn if dsn is not None else os.environ.get(DSN_ENV, "").strip()
    if not dsn:
        return False
    try:
        import sentry_sdk
    except ImportError:
        raise SettingsError(
            f"{DSN_ENV} is set but sentry-sdk is not installed: pip install 'dealos[sentry]'"
        ) from None
    sentry_sdk.init(
        dsn=dsn,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,  # type: ignore[arg-type]
        before_send_transaction=scrub_event,  # type: ignore[arg-type]
        traces_sample_rate=0.0,
        environment=os.environ.get("DEALOS_SENTRY_ENVIRONMENT") or None,
    )
    _started = True
    logger().info("error_tracking.enabled", scrubbed=True)
    return True


def capture_error(error: BaseException) -> None:
    """Send ``error`` to Sentry when error tracking is on; nothing otherwise."""
    if not _started:
        return
    import sentry_sdk

    sentry_sdk.capture_exception(error)
