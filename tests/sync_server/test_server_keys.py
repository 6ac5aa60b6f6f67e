"""The server secret: created 0600 on first use, refused when others can read it, and one
distinct key per use and per organization derived from it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.ids import new_id
from sync_server.server_keys import ServerKeys


def test_the_secret_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "server.secret"
    first = ServerKeys.from_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    again = ServerKeys.from_file(path)
    assert again.redaction.public_key == first.redaction.public_key
    os.chmod(path, 0o644)
    with pytest.raises(PermissionError):
        ServerKeys.from_file(path)


def test_every_use_and_every_org_has_its_own_key(tmp_path: Path) -> None:
    keys = ServerKeys.from_file(tmp_path / "server.secret")
    a, b = new_id(), new_id()
    public = {
        keys.redaction.public_key,
        keys.audit_head.public_key,
        keys.service_device(a).public_key,
        keys.service_device(b).public_key,
    }
    assert len(public) == 4
    assert keys.service_device(a).public_key == keys.service_device(a).public_key
