"""Structured JSON logs, one line per event, with the request id and without PII.

Every line carries the request id bound for the request (``X-Request-ID``). Before a line
is written, values under sensitive keys (emails, names, passwords, tokens, amounts,
contacts) are replaced, and anything shaped like an email address or a bearer token in
any other string is masked, so a log shipped to a third party leaks no personal data.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, Final, TextIO, cast

import structlog

__all__ = ["configure_logging", "logger", "scrub"]

SENSITIVE_KEYS: Final = frozenset(
    {
        "email",
        "password",
        "new_password",
        "current_password",
        "token",
        "session_token",
        "authorization",
        "name",
        "display_name",
        "amount",
        "amounts",
        "allocation",
        "phone",
        "contacts",
        "attach_code",
        "cookie",
    }
)
_EMAIL: Final = re.compile(r"[^@\s\"'<>]{1,64}@[^@\s\"'<>]{1,255}")
_BEARER: Final = re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+")
_TOKENISH: Final = re.compile(r"\b[A-Za-z0-9_-]{43}\b")


def scrub(value: Any, key: str | None = None) -> Any:
    if key is not None and key.lower() in SENSITIVE_KEYS:
        return "[redacted]"
    if isinstance(value, str):
        value = _BEARER.sub("Bearer [redacted]", value)
        value = _EMAIL.sub("[email]", value)
        return _TOKENISH.sub("[token]", value)
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def _redact(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if key in ("timestamp", "level", "request_id", "logger"):
            continue
        event[key] = scrub(event[key], key)
    return event


class _Stderr:
    """Whatever ``sys.stderr`` is when a line is written (it may be replaced after setup)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


_configured = False


def configure_logging(level: int = logging.INFO) -> None:
    global _configured
    if _configured:
        return
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            _redact,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, _Stderr())),
        cache_logger_on_first_use=True,
    )
    _configured = True


def logger() -> Any:
    return structlog.get_logger("dealos.sync")
