"""Document files beside the store (``<data>/blobs/``), and copying them to a folder.

A folder replica gets them through :func:`copy_new_files`; a bucket replica through
:mod:`core.operations.replica_documents`, which places downloads with :func:`place_file`.

Litestream replicates SQLite databases only. Document files are content-addressed (a
file's name is the hash of its bytes) and never change once written, so a copy is done
once a file of that name and size exists at the other end: each pass copies the files the
replica lacks, each to a temporary name first and renamed into place, so a replica never
holds half a file under a real name.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BLOBS_DIR",
    "PARTIAL_PREFIX",
    "CopyPass",
    "copy_new_files",
    "count_files",
    "list_files",
    "place_file",
]

BLOBS_DIR = "blobs"
PARTIAL_PREFIX = ".partial-"


@dataclass(frozen=True, slots=True)
class CopyPass:
    copied: int
    bytes: int
    present: int


def list_files(root: Path) -> list[Path]:
    """Every file under ``root``, relative to it, but temporary ones (a leading dot)."""
    if not root.is_dir():
        return []
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            if not name.startswith("."):  # a writer's or our own temporary file
                found.append(Path(folder, name).relative_to(root))
    return found


def count_files(root: Path) -> int:
    return len(list_files(root))


def place_file(destination: Path, length: int, write: Callable[[Path], object]) -> bool:
    """Put a file of ``length`` bytes at ``destination``: ``write`` fills a temporary name
    beside it, which is flushed to disk and renamed into place, so ``destination`` never
    holds half a file. False when a file of that size is there already (content-addressed
    files never change). What ``write`` raises goes to the caller, the temporary removed."""
    if destination.exists() and destination.stat().st_size == length:
        return False
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f"{PARTIAL_PREFIX}{destination.name}")
    try:
        write(partial)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, destination)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return True


def copy_new_files(source: Path, target: Path) -> CopyPass:
    """Copy every file under ``source`` that ``target`` lacks; returns what was done."""
    copied = size = present = 0
    for relative in list_files(source):
        origin = source / relative
        try:
            length = origin.stat().st_size
            placed = place_file(
                target / relative, length, functools.partial(shutil.copyfile, origin)
            )
        except FileNotFoundError:  # removed while we copied it
            continue
        if not placed:
            present += 1
            continue
        copied += 1
        size += length
    return CopyPass(copied, size, present)
