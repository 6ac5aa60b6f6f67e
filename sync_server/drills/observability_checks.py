"""``scripts/validate-observability.py``: is a running server observable as an on-call
person needs it?

- ``/healthz`` answers 200 ``{"status": "ok"}`` (the process lives) and ``/readyz`` 200
  ``{"status": "ready"}`` (its database answers and is migrated; 503 ``not_ready``
  otherwise — the operations validator provokes that);
- ``/metrics`` is Prometheus text whose names follow Prometheus's conventions:
  snake_case under ``dealos_``, counters ending ``_total``, durations and sizes naming
  their unit (``_seconds``, ``_bytes``), the request, latency and push families present;
- the log file holds JSON lines, each with a level and an event, the probe request's
  line carries its ``X-Request-ID``, and the email the probe sent appears nowhere;
- error tracking is on: ``DEALOS_SENTRY_DSN`` set, ``sentry-sdk`` installed, the server's
  log says it started it, and an event sent through the server's own set-up to a local
  Sentry endpoint arrives with its email and token masked.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
from pathlib import Path
from typing import Any, Final

import httpx

from sync_server.drills.checklist import Checklist, DrillError
from sync_server.drills.sentry_receiver import SentryReceiver

__all__ = ["main", "validate_observability"]

_SNAKE: Final = re.compile(r"^[a-z][a-z0-9_]*$")
_UNITS: Final = ("_seconds", "_bytes", "_ratio", "_total", "_info")
REQUIRED_FAMILIES: Final = (
    "dealos_http_requests",
    "dealos_http_request_seconds",
    "dealos_push_ops",
)


def _health(server: str) -> str:
    resp = httpx.get(f"{server}/healthz", timeout=10)
    if resp.status_code != 200 or resp.json() != {"status": "ok"}:
        raise DrillError(f"/healthz answered {resp.status_code} {resp.text[:200]}")
    return "/healthz 200 ok"


def _readiness(server: str) -> str:
    resp = httpx.get(f"{server}/readyz", timeout=15)
    if resp.status_code != 200:
        raise DrillError(f"/readyz answered {resp.status_code}: {resp.text[:200]}")
    if resp.json() != {"status": "ready"}:
        raise DrillError(f"/readyz answered 200 with {resp.text[:200]}")
    return "/readyz 200 ready"


def metric_name_problems(text: str) -> tuple[list[str], set[str]]:
    """What in a Prometheus exposition breaks the naming conventions, and the families."""
    from prometheus_client.parser import text_string_to_metric_families

    problems: list[str] = []
    families: set[str] = set()
    for family in text_string_to_metric_families(text):
        families.add(family.name)
        name = family.name
        if not _SNAKE.match(name):
            problems.append(f"{name}: not snake_case")
        if not name.startswith("dealos_"):
            problems.append(f"{name}: not under the dealos_ prefix")
        if family.type == "counter":
            bad = [s.name for s in family.samples if s.name.endswith("_created")]
            plain = [s.name for s in family.samples if s.name not in (*bad, f"{name}_total")]
            if plain:
                problems.append(f"{name}: a counter whose samples do not end in _total")
        elif name.endswith("_total"):
            problems.append(f"{name}: ends in _total but is a {family.type}")
        if family.type in ("histogram", "summary") and not name.endswith(_UNITS):
            problems.append(f"{name}: a {family.type} without its unit (_seconds, _bytes)")
        if not family.documentation:
            problems.append(f"{name}: no HELP text")
    return problems, families


def _metrics(server: str) -> str:
    resp = httpx.get(f"{server}/metrics", timeout=10)
    if resp.status_code != 200 or not resp.headers.get("content-type", "").startswith("text/plain"):
        raise DrillError(f"/metrics answered {resp.status_code} {resp.headers.get('content-type')}")
    problems, families = metric_name_problems(resp.text)
    missing = [f for f in REQUIRED_FAMILIES if f not in families]
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    if problems:
        raise DrillError("; ".join(problems))
    shown = sorted(f for f in families if not f.endswith("_created"))
    return f"{len(shown)} families, all by convention: {', '.join(shown)}"


def _log_lines(log_file: Path) -> list[dict[str, Any]]:
    if not log_file.is_file():
        raise DrillError(f"no log file at {log_file}")
    lines = []
    for number, raw in enumerate(log_file.read_text("utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            raise DrillError(f"line {number} of the log is not JSON: {raw[:120]}") from None
        if not isinstance(line, dict) or "event" not in line or "level" not in line:
            raise DrillError(f"line {number} of the log has no event or level: {raw[:120]}")
        lines.append(line)
    return lines


def _logs(server: str, log_file: Path) -> str:
    request_id = f"validator-{secrets.token_hex(8)}"
    email = f"validator.probe+{secrets.token_hex(4)}@example.com"
    httpx.post(
        f"{server}/v1/auth/login",
        json={"email": email, "password": "not the password of anyone"},
        headers={"X-Request-ID": request_id, "X-Contact": email},
        timeout=30,
    )
    text = log_file.read_text("utf-8") if log_file.is_file() else ""
    lines = _log_lines(log_file)
    ours = [line for line in lines if line.get("request_id") == request_id]
    if not ours:
        raise DrillError(f"no log line carries the probe's request id {request_id}")
    if email in text or email.split("@")[0] in text:
        raise DrillError("the probe's email address is in the log in clear")
    return f"{len(lines)} JSON lines; the probe's line has its request id, its email is masked"


def _error_tracking(log_file: Path, dsn: str) -> str:
    if not dsn:
        raise DrillError("DEALOS_SENTRY_DSN is not set, so errors reach nobody")
    try:
        import sentry_sdk
    except ImportError:
        raise DrillError("sentry-sdk is not installed") from None
    if not any(line.get("event") == "error_tracking.enabled" for line in _log_lines(log_file)):
        raise DrillError("the server's log never says error tracking started")
    from sync_server.error_tracking import init_error_tracking

    email, token = "probe.person@example.com", secrets.token_urlsafe(32)
    with SentryReceiver() as local:
        init_error_tracking(local.dsn)  # the server's own set-up, sent here
        try:
            raise RuntimeError(f"probe: mail to {email} failed with Bearer {token}")
        except RuntimeError as exc:
            sentry_sdk.capture_exception(exc)
        sentry_sdk.flush(timeout=10)
        events = local.wait_for_event()
    if not events:
        raise DrillError("the probe event never reached the local Sentry endpoint")
    sent = json.dumps(events)
    if email in sent or token in sent:
        raise DrillError("the probe event left with its email or token in clear")
    return f"sentry-sdk {sentry_sdk.VERSION} started by the server; a probe event arrives scrubbed"


def validate_observability(
    server: str, log_file: Path, *, sentry_dsn: str, out: Any = None
) -> Checklist:
    checks = Checklist(f"Observability of {server}", out=out)
    server = server.rstrip("/")
    checks.run("health", lambda: _health(server), fix="is the server process running?")
    checks.run(
        "readiness",
        lambda: _readiness(server),
        fix="/readyz says why: start the database, or run dealos serve --migrate-only",
    )
    checks.run(
        "logs",
        lambda: _logs(server, log_file),
        fix="start the server with DEALOS_LOG_FILE set; its lines are masked by "
        "sync_server/request_log.py",
    )
    checks.run(
        "metrics",
        lambda: _metrics(server),
        fix="name metrics dealos_<what>_<unit>, counters without _total in code "
        "(prometheus_client adds it)",
    )
    checks.run(
        "error tracking",
        lambda: _error_tracking(log_file, sentry_dsn),
        fix="pip install 'dealos[sentry]' and set DEALOS_SENTRY_DSN for the server and here",
    )
    return checks


def main(argv: list[str] | None = None) -> int:
    import os

    parser = argparse.ArgumentParser(prog="validate-observability", description=__doc__)
    parser.add_argument(
        "--server", required=True, help="the server's URL, e.g. http://127.0.0.1:8787"
    )
    parser.add_argument("--log-file", type=Path, required=True, help="the server's DEALOS_LOG_FILE")
    args = parser.parse_args(argv)
    checks = validate_observability(
        args.server,
        args.log_file,
        sentry_dsn=os.environ.get("DEALOS_SENTRY_DSN", "").strip(),
        out=sys.stdout,
    )
    print()
    print(checks.table())
    return 0 if checks.ok else 1
