"""The server's secret and the Ed25519 keys derived from it.

One 32-byte secret, in a 0600 file outside the database, yields every key the server
signs with: the key that signs redacted ops and snapshots (published at
``GET /v1/server-key``; the two messages carry different prefixes) and, per
organization, the device key of the server's service account. Nothing that can sign
is stored in Postgres, so a copy of the database cannot forge an op any replica accepts.
Each key has its own derivation label, so no signature made for one use is valid for
another.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from core.ops.signing import DeviceKey

__all__ = ["ServerKeys", "load_or_create_secret"]


def load_or_create_secret(path: Path) -> bytes:
    """Read the secret, creating it (mode 0600) on first use; refuse a readable one."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place: two servers starting at once agree on one
        # secret, and neither ever reads a half-written file.
        staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
        try:
            os.link(staging, path)
        except FileExistsError:
            pass
        finally:
            staging.unlink()
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PermissionError(f"{path} must be readable by its owner only (chmod 600)")
    raw = bytes.fromhex(path.read_text("ascii").strip())
    if len(raw) != 32:
        raise ValueError(f"{path} does not hold a 32-byte hex secret")
    return raw


class ServerKeys:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self.redaction = self._derive(b"dealos/redacted-ops/v1")
        self.audit_head = self._derive(b"dealos/audit-head/v1")

    @classmethod
    def from_file(cls, path: Path) -> ServerKeys:
        return cls(load_or_create_secret(path))

    def _derive(self, label: bytes) -> DeviceKey:
        return DeviceKey.from_seed(hmac.new(self._secret, label, hashlib.sha256).digest())

    def rate_limit_key(self) -> bytes:
        """The key rate-limit buckets' names are hashed with (sync_server.rate_limits)."""
        return hmac.new(self._secret, b"dealos/rate-limit-buckets/v1", hashlib.sha256).digest()

    def service_device(self, org_id: str) -> DeviceKey:
        """The key of the server's service-account device in ``org_id``."""
        return self._derive(b"dealos/service-device/v1/" + org_id.encode("ascii"))
