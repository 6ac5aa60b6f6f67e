"""Structured JSON logs, one line per event, with the request id and without PII.

Lines go to standard error and, when ``DEALOS_LOG_FILE`` names a file, are appended to it
too (every process of ``--workers`` appends whole lines to the same file).

Every line carries the request id bound for the request (``X-Request-ID``). Before a line
is written, values under sensitive keys (emails, names, passwords, tokens, amounts,
contacts) are replaced, and anything shaped like an email address or a bearer token in
any other string is masked, so a log shipped to a third party leaks no personal data.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import MutableMapping
from pathlib import Path
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
    """Whatever ``sys.stderr`` is when a line is written (it may be replaced after setup),
    and the log file when there is one."""

    def __init__(self, log_file: Path | None = None) -> None:
        self._file: TextIO | None = None
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            # Line-buffered appends: each line reaches the file whole, in one write.
            self._file = log_file.open("a", encoding="utf-8", buffering=1)

    def write(self, text: str) -> int:
        if self._file is not None:
            self._file.write(text)
        return sys.stderr.write(text)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()
        sys.stderr.flush()


_configured = False


def configure_logging(level: int = logging.INFO, log_file: Path | None = None) -> None:
    """Once per process; ``log_file`` defaults to ``DEALOS_LOG_FILE``."""
    global _configured
    if _configured:
        return
    if log_file is None and os.environ.get("DEALOS_LOG_FILE"):
        log_file = Path(os.environ["DEALOS_LOG_FILE"])
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
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, _Stderr(log_file))),
        cache_logger_on_first_use=True,
    )
    _configured = True


def logger() -> Any:
    return structlog.get_logger("dealos.sync")
