"""Device keys and credentials in the OS keyring, or a 0600 file where the OS has none.

The keyring entry holds the device's Ed25519 seed. It never goes into the SQLite file, so
a copy of the database (a Litestream replica, a support bundle) cannot sign ops, and the
audit head signed with it cannot be forged by editing the database.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import fail
from platformdirs import user_config_dir

from core.errors import KeyStoreError
from core.ops.signing import DeviceKey

__all__ = ["FileKeyring", "KeyStore", "default_keyring"]

SERVICE = "dealos"
KEYRING_FILE_ENV = "DEALOS_KEYRING_FILE"


class FileKeyring(keyring.backend.KeyringBackend):
    """A JSON file readable only by its owner (0600), for machines without a keychain."""

    priority = 0.5

    def __init__(self, path: Path) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.path = path

    def _load(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        mode = self.path.stat().st_mode & 0o777
        if mode & 0o077:
            raise KeyStoreError(
                f"keyring file {self.path} is readable by others (mode "
                f"{mode:o}); run: chmod 600 {self.path}"
            )
        data: dict[str, dict[str, str]] = json.loads(self.path.read_text("utf-8"))
        return data

    def _save(self, data: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data.setdefault(service, {})[username] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if username not in data.get(service, {}):
            raise keyring.errors.PasswordDeleteError(username)
        del data[service][username]
        self._save(data)


def default_keyring() -> keyring.backend.KeyringBackend:
    """The OS keychain, unless ``DEALOS_KEYRING_FILE`` is set or the OS has none."""
    path = os.environ.get(KEYRING_FILE_ENV)
    if path:
        return FileKeyring(Path(path))
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or (
        type(backend).__name__ == "ChainerBackend" and not (getattr(backend, "backends", None))
    ):
        return FileKeyring(Path(user_config_dir("dealos")) / "keyring.json")
    return backend


class KeyStore:
    """The secrets of one local organization: its device key and its sync session."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self.backend = backend or default_keyring()

    def _get(self, name: str) -> str | None:
        try:
            return self.backend.get_password(SERVICE, name)
        except keyring.errors.KeyringError as exc:
            raise KeyStoreError(f"cannot read {name} from the keyring: {exc}") from exc

    def _set(self, name: str, value: str) -> None:
        try:
            self.backend.set_password(SERVICE, name, value)
        except keyring.errors.KeyringError as exc:
            raise KeyStoreError(f"cannot write {name} to the keyring: {exc}") from exc

    def save_device_key(self, device_id: str, key: DeviceKey) -> None:
        self._set(f"device:{device_id}", base64.b64encode(key.seed).decode("ascii"))

    def device_key(self, device_id: str) -> DeviceKey:
        raw = self._get(f"device:{device_id}")
        if raw is None:
            raise KeyStoreError(
                f"the key of device {device_id} is not in this machine's keyring; this data "
                "folder was copied from another machine or the keyring was reset — restore "
                "the keyring or enroll this machine as a new device"
            )
        return DeviceKey.from_seed(base64.b64decode(raw))

    def save_secret(self, name: str, value: str) -> None:
        self._set(name, value)

    def secret(self, name: str) -> str | None:
        return self._get(name)
