"""Document files at a store's replica: a folder's ``blobs/``, or an S3-compatible bucket.

Litestream replicates the database only; the supervisor and ``dealos restore`` copy the
document files through :func:`upload_documents` and :func:`download_documents`.

A store replicated to ``s3://bucket/path?…`` keeps its database where Litestream writes it
(``path/ltx/…``) and its document files under ``path/blobs/``, named as on disk
(``blobs/9f/9f86d0…``). The files are content-addressed and never change, so a pass lists
what the bucket holds once and uploads each file it lacks (or holds at another size); an
S3 PUT is all or nothing, so the bucket never shows half a file under a real name.

The URL's query says where the bucket is, as Litestream reads it: ``endpoint`` (for a
bucket that is not Amazon's), ``region`` and ``forcePathStyle``. Credentials are
Litestream's: ``LITESTREAM_ACCESS_KEY_ID`` and ``LITESTREAM_SECRET_ACCESS_KEY``, else the
AWS variables and files boto3 reads. boto3 loads only when a bucket is used.
"""

from __future__ import annotations

import contextlib
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from core.operations.document_files import (
    CopyPass,
    copy_new_files,
    count_files,
    list_files,
    place_file,
)
from core.operations.litestream import ReplicaTarget, bucket_refusal

__all__ = ["Bucket", "documents_there", "download_documents", "upload_documents"]


def _bucket(target: ReplicaTarget) -> Bucket | None:
    return Bucket.from_url(target.raw) if target.folder is None else None


def upload_documents(source: Path, target: ReplicaTarget) -> CopyPass | None:
    """Copy the files under ``source`` the replica lacks; None where no copy reaches (a
    replica URL other than ``s3://``). A failure is an ``OSError`` in words."""
    if target.blobs is not None:
        return copy_new_files(source, target.blobs)
    bucket = _bucket(target)
    return bucket.upload_new(source) if bucket is not None else None


def download_documents(target: ReplicaTarget, destination: Path) -> CopyPass | None:
    """Copy the replica's files ``destination`` lacks; None where the replica holds none."""
    if target.blobs is not None:
        return copy_new_files(target.blobs, destination)
    bucket = _bucket(target)
    return bucket.download_all(destination) if bucket is not None else None


def documents_there(target: ReplicaTarget) -> int | None:
    """How many files the replica holds; None where it holds none by design."""
    if target.blobs is not None:
        return count_files(target.blobs)
    bucket = _bucket(target)
    return bucket.count() if bucket is not None else None


_TRUE = {"1", "true", "yes", "on"}
# Files this process has seen in each bucket (by its words): they never change, so once
# there they need no second look.
_KNOWN: dict[str, set[str]] = {}


@dataclass(frozen=True, slots=True)
class Bucket:
    """Where a bucket replica keeps document files."""

    name: str
    prefix: str  # "path/blobs/", or "blobs/" for a replica at the bucket's root
    endpoint: str | None
    region: str | None
    path_style: bool

    @classmethod
    def from_url(cls, url: str) -> Bucket | None:
        """The bucket of an ``s3://`` replica URL; None for any other kind of URL."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            return None
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        endpoint = query.get("endpoint")
        if endpoint and "://" not in endpoint:
            local = endpoint.startswith(("localhost", "127.", "[::1]"))
            endpoint = f"{'http' if local else 'https'}://{endpoint}"
        path = parts.path.strip("/")
        style = query.get("forcePathStyle", query.get("force-path-style", ""))
        return cls(
            name=parts.netloc,
            prefix=f"{path}/blobs/" if path else "blobs/",
            endpoint=endpoint or None,
            region=query.get("region"),
            path_style=style.lower() in _TRUE or (endpoint is not None and not style),
        )

    @property
    def words(self) -> str:
        return f"s3://{self.name}/{self.prefix}"

    def _client(self) -> Any:
        import boto3  # a store replicated to a folder never loads it
        from botocore.config import Config

        key = os.environ.get("LITESTREAM_ACCESS_KEY_ID")
        secret = os.environ.get("LITESTREAM_SECRET_ACCESS_KEY")
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region or os.environ.get("AWS_REGION") or "us-east-1",
            aws_access_key_id=key if key and secret else None,
            aws_secret_access_key=secret if key and secret else None,
            config=Config(
                s3={"addressing_style": "path" if self.path_style else "auto"},
                retries={"max_attempts": 5, "mode": "standard"},
                connect_timeout=10,
                read_timeout=60,
            ),
        )

    def _held(self, client: Any) -> dict[str, int]:
        """Every file the bucket holds under the prefix: its name there → its size."""
        held: dict[str, int] = {}
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=self.prefix
        ):
            for item in page.get("Contents", []):
                held[str(item["Key"])[len(self.prefix) :]] = int(item["Size"])
        return held

    def count(self) -> int:
        with _in_words(self):
            return len(self._held(self._client()))

    def upload_new(self, source: Path) -> CopyPass:
        """Upload every file under ``source`` the bucket lacks; what was done. The bucket
        is listed only when a file appeared that this process has not seen there yet, so
        a replicating laptop does not send a request every pass (each one is billed)."""
        copied = size = present = 0
        known = _KNOWN.setdefault(self.words, set())
        local = list_files(source)
        if all(relative.as_posix() in known for relative in local):
            return CopyPass(0, 0, len(local))
        with _in_words(self):
            client = self._client()
            held = self._held(client)
            for relative in local:
                name = relative.as_posix()
                if name in known:
                    present += 1
                    continue
                try:
                    length = (source / relative).stat().st_size
                    if held.get(name) == length:
                        known.add(name)
                        present += 1
                        continue
                    client.upload_file(str(source / relative), self.name, self.prefix + name)
                except FileNotFoundError:  # removed while we looked
                    continue
                known.add(name)
                copied += 1
                size += length
        return CopyPass(copied, size, present)

    def _download(self, client: Any, key: str, partial: Path) -> None:
        client.download_file(self.name, key, str(partial))

    def download_all(self, target: Path) -> CopyPass:
        """Download every file the bucket holds that ``target`` lacks; what was done."""
        copied = size = present = 0
        with _in_words(self):
            client = self._client()
            for name, length in sorted(self._held(client).items()):
                fetch = functools.partial(self._download, client, self.prefix + name)
                if not place_file(target / name, length, fetch):
                    present += 1
                    continue
                copied += 1
                size += length
        return CopyPass(copied, size, present)


@contextlib.contextmanager
def _in_words(bucket: Bucket) -> Any:
    """A bucket's failure as an ``OSError`` whose message a person can act on."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "?"), error.get("Message", "")
        # A HEAD request's refusal carries the bare HTTP status as its code.
        named = {"404": "NoSuchBucket", "403": "AccessDenied"}.get(code, code)
        said = bucket_refusal(bucket.name, bucket.words, named)
        raise OSError(said or f"{bucket.words}: {code} {message}".strip()) from None
    except BotoCoreError as exc:
        raise OSError(f"{bucket.words}: {exc}") from None
