"""Document files beside the local store, named by the SHA-256 of their bytes.

``<data>/blobs/ab/cdef…``: the first two hex digits are a folder, the other 62 the file's
name, so no folder holds more than a few thousand files. A file is written to a hidden
temporary name in its folder (``.partial-…``, which the snapshot copy skips), flushed to
disk, and renamed into place, so a crash never leaves half a file under a real name; the
same bytes twice are one file. Every read checks the bytes against their name: a file
changed on disk is refused, never handed out as the document.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from core.errors import DealOSError

__all__ = ["BLOBS_DIR", "CHUNK", "BlobError", "BlobRef", "BlobStore", "is_sha256"]

BLOBS_DIR: Final = "blobs"
CHUNK: Final = 1024 * 1024
_PARTIAL: Final = ".partial-"
_SHA256: Final = re.compile(r"^[0-9a-f]{64}$")


class BlobError(DealOSError):
    """A document file that cannot be stored or read as it should (said in words)."""


def is_sha256(text: str) -> bool:
    return bool(_SHA256.match(text))


@dataclass(frozen=True, slots=True)
class BlobRef:
    """A stored file: the SHA-256 of its bytes (lowercase hex) and its size."""

    sha256: str
    size_bytes: int


def _fsync_dir(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk too (POSIX).
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class BlobStore:
    """The content-addressed files under ``root`` (``<data>/blobs``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def beside(cls, data_dir: Path) -> BlobStore:
        """The store of the local database in ``data_dir``."""
        return cls(data_dir / BLOBS_DIR)

    # -- where ---------------------------------------------------------------------------

    def path_of(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise BlobError(f"{sha256!r} is not a SHA-256 in lowercase hex")
        return self.root / sha256[:2] / sha256[2:]

    def partial_path(self, sha256: str) -> Path:
        """Where a download of ``sha256`` collects its bytes until they are whole."""
        target = self.path_of(sha256)
        return target.with_name(f"{_PARTIAL}{target.name}")

    def has(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def missing(self, hashes: Iterable[str]) -> list[str]:
        """The hashes among ``hashes`` this store holds no file for, sorted, once each."""
        return sorted({h for h in hashes if not self.has(h)})

    # -- writing -------------------------------------------------------------------------

    def put_bytes(self, data: bytes) -> BlobRef:
        return self._put_chunks(iter((data,)))

    def put_file(self, source: Path) -> BlobRef:
        """Copy the file at ``source`` in, a chunk at a time (never whole in memory)."""
        try:
            with open(source, "rb") as handle:
                return self._put_chunks(_chunks(handle))
        except FileNotFoundError:
            raise BlobError(f"there is no file {source}") from None
        except IsADirectoryError:
            raise BlobError(f"{source} is a folder, not a file") from None
        except PermissionError:
            raise BlobError(f"{source} cannot be read: permission denied") from None

    def _put_chunks(self, chunks: Iterator[bytes]) -> BlobRef:
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f"{_PARTIAL}{os.getpid()}-{id(chunks)}"
        digest = hashlib.sha256()
        size = 0
        try:
            with open(temporary, "wb") as out:
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            ref = BlobRef(digest.hexdigest(), size)
            self.adopt(temporary, ref.sha256)
            return ref
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()

    def adopt(self, complete: Path, sha256: str) -> Path:
        """Move ``complete`` (on the same disk, its bytes already checked to hash to
        ``sha256`` and flushed) into place; an existing file of that name is kept."""
        target = self.path_of(sha256)
        if target.is_file():
            complete.unlink(missing_ok=True)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(complete, target)
        _fsync_dir(target.parent)
        return target

    # -- reading -------------------------------------------------------------------------

    def read_verified(self, sha256: str) -> bytes:
        """The whole file, checked against its hash."""
        path = self._existing(sha256)
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise _altered(sha256)
        return data

    def copy_out(self, sha256: str, target: Path) -> int:
        """Copy the file to ``target`` (replaced only once the copy is whole and checked);
        returns its size."""
        path = self._existing(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.partial")
        digest = hashlib.sha256()
        size = 0
        try:
            with open(path, "rb") as src, open(temporary, "wb") as out:
                for chunk in _chunks(src):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != sha256:
                raise _altered(sha256)
            os.replace(temporary, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
        return size

    def verify(self, sha256: str) -> bool:
        """Whether the stored file's bytes still hash to its name."""
        try:
            path = self._existing(sha256)
        except BlobError:
            return False
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in _chunks(handle):
                digest.update(chunk)
        return digest.hexdigest() == sha256

    def _existing(self, sha256: str) -> Path:
        path = self.path_of(sha256)
        if not path.is_file():
            raise BlobError(
                f"the file of this document ({sha256[:12]}…) is not on this computer yet: "
                "sync to fetch it"
            )
        return path


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk


def _altered(sha256: str) -> BlobError:
    return BlobError(
        f"the stored file of this document ({sha256[:12]}…) has changed on disk since it "
        "was added; it is not the document. Sync to fetch it again, or restore it."
    )
