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

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, database_url: str, data_dir: Path, **overrides: object) -> Settings:
        env = os.environ
        base = cls(
            database_url=database_url,
            app_database_url=env.get("DEALOS_APP_DATABASE_URL") or None,
            app_role=env.get("DEALOS_APP_ROLE") or "dealos_app",
            secret_file=Path(env.get("DEALOS_SERVER_SECRET_FILE") or data_dir / "server.secret"),
            smtp_host=env.get("DEALOS_SMTP_HOST") or None,
            smtp_port=int(env.get("DEALOS_SMTP_PORT", "587")),
            smtp_user=env.get("DEALOS_SMTP_USER") or None,
            smtp_password=env.get("DEALOS_SMTP_PASSWORD") or None,
            mail_from=env.get("DEALOS_MAIL_FROM", "Deal OS <no-reply@dealos.invalid>"),
            mail_drop_dir=Path(env.get("DEALOS_MAIL_DROP_DIR") or data_dir / "outbox-mail"),
            rate_limits=RateLimits.from_env(env),
            verify_processes=_count(env, "DEALOS_VERIFY_PROCESSES", 1),
        )
        return base.with_(**overrides)
