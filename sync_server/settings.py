"""Everything a running server is configured with, in one frozen value.

Defaults suit a laptop trying sync; an operator overrides them with ``dealos serve``
flags or ``DEALOS_*`` environment variables (:meth:`Settings.from_env`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Final

from core.errors import DealOSError

__all__ = ["MIB", "PasswordCost", "RateLimits", "Settings", "SettingsError"]

MIB: Final = 1024 * 1024


@dataclass(frozen=True, slots=True)
class PasswordCost:
    """argon2id parameters (RFC 9106's second recommended option by default)."""

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 2


class SettingsError(DealOSError):
    """A setting the operator gave cannot be used (shown as one line)."""


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Attempts let through in any span of ``window_seconds`` (a sliding window), per
    client address (``_per_ip``) and per account from one address (``_per_account_ip``).

    Every credential check counts against both: an attacker at one address runs out of
    guesses at an account without stopping its owner, who signs in from another address;
    a right password or current password clears its account-and-address count.
    """

    login_per_ip: int = 30
    login_per_account_ip: int = 10
    password_change_per_ip: int = 10
    password_change_per_account_ip: int = 5
    magic_link_per_ip: int = 10
    magic_link_per_address_ip: int = 5
    magic_link_consume_per_ip: int = 30
    attach_per_ip: int = 30
    attach_per_code_ip: int = 10
    invitation_accept_per_ip: int = 30
    invitation_accept_per_account_ip: int = 10
    # A waiting desktop polls every few seconds for up to 15 minutes (desktop_sign_in.py).
    desktop_link_poll_per_ip: int = 2000
    desktop_link_poll_per_request: int = 600
    snapshot_per_account: int = 20
    window_seconds: int = 15 * 60

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RateLimits:
        """Each limit from ``DEALOS_RATE_<FIELD>`` (e.g. ``DEALOS_RATE_LOGIN_PER_IP``) when
        set: behind a proxy that hides client addresses, per-IP limits need raising. A
        ``DEALOS_RATE_*`` name that is no limit (a misspelling, a renamed one) is refused."""
        names = {f"DEALOS_RATE_{f.name.upper()}": f.name for f in fields(cls)}
        unknown = sorted(k for k in env if k.startswith("DEALOS_RATE_") and k not in names)
        if unknown:
            raise SettingsError(
                f"{', '.join(unknown)}: no such rate limit; the limits are {', '.join(names)}"
            )
        values = {}
        for var, name in names.items():
            raw = env.get(var)
            if raw is not None:
                if not raw.isdigit() or int(raw) < 1:
                    raise SettingsError(f"{var} must be a positive integer, not {raw!r}")
                values[name] = int(raw)
        return cls(**values)


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise SettingsError(f"{name} must be a whole number (0 or more), not {raw!r}")
    return int(raw)


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < 10**7:
        raise SettingsError(f"{name} must be a number of seconds (0 or more), not {raw!r}")
    return value


# (STARTTLS, implicit TLS) for each DEALOS_SMTP_SECURITY.
_SMTP_SECURITY: Final = {"starttls": (True, False), "tls": (False, True), "none": (False, False)}


def _smtp_security(env: Mapping[str, str]) -> tuple[bool, bool]:
    """``DEALOS_SMTP_SECURITY``: ``starttls`` (the default, port 587), ``tls`` (implicit
    TLS, port 465) or ``none`` (a relay on the same host or network only)."""
    raw = env.get("DEALOS_SMTP_SECURITY", "starttls").strip().lower()
    if raw not in _SMTP_SECURITY:
        raise SettingsError(
            f"DEALOS_SMTP_SECURITY must be one of {', '.join(_SMTP_SECURITY)}, not {raw!r}"
        )
    return _SMTP_SECURITY[raw]


@dataclass(frozen=True, slots=True)
class Settings:
    # The owner's URL: migrations and the bootstrap commands run with it, never a request.
    database_url: str
    # What the running server logs in as: a role that is neither superuser nor BYPASSRLS,
    # nor the tables' owner, nor a member of it (checked on every connection; see
    # sync_server/app_role.py). ``dealos serve`` sets it, to an operator's URL or to
    # ``app_role`` logging in with its password; the app refuses to start without it.
    app_database_url: str | None = None
    # The login role ``dealos serve`` creates (or finds) when no app URL is given.
    app_role: str = "dealos_app"
    # Holds the server secret every server key is derived from (0600, created on demand).
    secret_file: Path = Path("dealos-server.secret")
    host: str = "127.0.0.1"
    port: int = 8787
    public_url: str = "http://127.0.0.1:8787"
    pool_size: int = 8
    max_body_bytes: int = 5 * MIB
    max_ops_per_push: int = 500
    # Helper processes that check a large push's signatures while it is judged
    # (core.ops.verify_process); 0 checks every signature in line.
    verify_processes: int = 1
    # Accepted ops between two asks to ANALYZE the tables pushes grew (table_statistics.py).
    statistics_every_ops: int = 500
    session_ttl_seconds: int = 7 * 24 * 3600
    lp_session_ttl_seconds: int = 12 * 3600
    magic_link_ttl_seconds: int = 15 * 60
    attach_code_ttl_seconds: int = 7 * 24 * 3600
    # A staff invitation's sign-in code (sync_server/invitations.py) works once, this long.
    invitation_code_ttl_seconds: int = 7 * 24 * 3600
    password_cost: PasswordCost = field(default_factory=PasswordCost)
    rate_limits: RateLimits = field(default_factory=RateLimits)
    # Magic-link mail: SMTP when ``smtp_host`` is set, else .eml files in ``mail_drop_dir``.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str | None = None
    smtp_password: str | None = None
    mail_from: str = "Deal OS <no-reply@dealos.invalid>"
    mail_drop_dir: Path | None = None
    # TLS from the first byte (SMTPS, usually port 465) instead of STARTTLS.
    smtp_implicit_tls: bool = False
    smtp_timeout_seconds: float = 20.0
    # Where people reach the server (behind a proxy: its https address); links in mail
    # point there. Unset, ``public_url`` (the address it listens on) is used.
    public_base_url: str | None = None
    # Notices by email (sync_server/notifications): how often the sender looks for mail
    # due (0: this process sends none), how long a claimed message is its sender's before
    # another process may recover it, the first retry's wait (doubling up to the longest)
    # and the attempts before a message is given up as failed.
    notice_poll_seconds: float = 5.0
    notice_lease_seconds: float = 300.0
    notice_retry_seconds: float = 30.0
    notice_retry_max_seconds: float = 3600.0
    notice_max_attempts: int = 10
    # Document files (PROTOCOL "Document blobs"), a folder per organization; unset, the
    # folder "blobs" beside the secret file (the data directory of ``dealos serve``).
    blob_dir: Path | None = None

    @property
    def blob_root(self) -> Path:
        return self.blob_dir or self.secret_file.parent / "blobs"

    @property
    def link_base(self) -> str:
        """The address links in mail start with, without a trailing slash."""
        return (self.public_base_url or self.public_url).rstrip("/")

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, database_url: str, data_dir: Path, **overrides: object) -> Settings:
        env = os.environ
        starttls, implicit_tls = _smtp_security(env)
        base = cls(
            database_url=database_url,
            app_database_url=env.get("DEALOS_APP_DATABASE_URL") or None,
            app_role=env.get("DEALOS_APP_ROLE") or "dealos_app",
            secret_file=Path(env.get("DEALOS_SERVER_SECRET_FILE") or data_dir / "server.secret"),
            smtp_host=env.get("DEALOS_SMTP_HOST") or None,
            smtp_port=_count(env, "DEALOS_SMTP_PORT", 587),
            smtp_starttls=starttls,
            smtp_implicit_tls=implicit_tls,
            public_base_url=env.get("DEALOS_PUBLIC_URL") or None,
            notice_poll_seconds=_seconds(env, "DEALOS_NOTICE_POLL_SECONDS", 5.0),
            notice_lease_seconds=_seconds(env, "DEALOS_NOTICE_LEASE_SECONDS", 300.0),
            notice_retry_seconds=_seconds(env, "DEALOS_NOTICE_RETRY_SECONDS", 30.0),
            notice_max_attempts=max(1, _count(env, "DEALOS_NOTICE_MAX_ATTEMPTS", 10)),
            smtp_user=env.get("DEALOS_SMTP_USER") or None,
            smtp_password=env.get("DEALOS_SMTP_PASSWORD") or None,
            mail_from=env.get("DEALOS_MAIL_FROM", "Deal OS <no-reply@dealos.invalid>"),
            mail_drop_dir=Path(env.get("DEALOS_MAIL_DROP_DIR") or data_dir / "outbox-mail"),
            rate_limits=RateLimits.from_env(env),
            verify_processes=_count(env, "DEALOS_VERIFY_PROCESSES", 1),
            blob_dir=Path(env.get("DEALOS_BLOB_DIR") or data_dir / "blobs"),
        )
        return base.with_(**overrides)
