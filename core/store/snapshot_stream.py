"""A server-signed snapshot read as it arrives, in batches of rows, never whole.

A ``GET /v1/sync/snapshot`` body is RFC 8785 bytes as the server writes them
(:mod:`core.store.state_snapshot`)::

    {"signature":"…","snapshot":{"format":"dealos-snapshot-v1","org_id":"…",
     "server_seq":N,"tables":[{"columns":[…],"name":"…","rows":[[…],…]},…]}}

Keys sorted, no whitespace: the signature comes first, then the document, whose bytes are
hashed as they stream past; rows are cut into batches at row boundaries and each batch is
parsed by orjson and checked (width, scalars) before it is handed on. The signature covers
the hash of the whole document, so it can be checked only at the end: a caller loads the
batches inside a transaction it commits only if :meth:`SnapshotStream.signed` holds.

A row boundary is a ``],[`` outside any string. Inside a string every ``"`` is escaped
and every backslash starts an escape, so a position is outside strings exactly when the
bytes before it hold an even number of unescaped quotes (:func:`_quotes`, counted in C).
Anything not laid out exactly so — whitespace, another key order, a body cut short — is a
:class:`SnapshotLayoutError`: the caller then reads the body whole, as a client that
canonicalizes it again (``verified_snapshot``) does.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from typing import Any, Final

import orjson

from core.store.state_snapshot import (
    SNAPSHOT_FORMAT,
    SNAPSHOT_TABLES,
    SnapshotError,
    checked_rows,
    signed_digest,
)

__all__ = ["SnapshotLayoutError", "SnapshotStream"]

_BATCH: Final = 1 << 18  # bytes of rows parsed at once (a few MB as Python objects)
_HEAD_MAX: Final = 1 << 16  # no header (body, document or table) is longer
_STRING: Final = rb'"(?:[^"\\]|\\.)*"'
_BODY_HEAD: Final = re.compile(rb'\{"signature":"([A-Za-z0-9+/=_-]{1,256})","snapshot":')
_DOCUMENT_HEAD: Final = re.compile(
    rb'\{"format":"'
    + re.escape(SNAPSHOT_FORMAT.encode("ascii"))
    + rb'","org_id":('
    + _STRING
    + rb'),"server_seq":(0|[1-9][0-9]{0,18}),"tables":\['
)
_TABLE_HEAD: Final = re.compile(rb'\{"columns":(\[[^\]]*\]),"name":(' + _STRING + rb'),"rows":\[')


class SnapshotLayoutError(SnapshotError):
    """The body is not laid out as the server writes it (or is cut short)."""


def _quotes(data: bytes) -> int:
    """Unescaped ``"`` in ``data``, a run of bytes that begins and ends outside an escape."""
    if b"\\" in data:
        data = data.replace(b"\\\\", b"")
        return data.count(b'"') - data.count(b'\\"')
    return data.count(b'"')


class SnapshotStream:
    """One snapshot body, read from ``chunks`` (bytes as they arrive)."""

    def __init__(self, chunks: Iterable[bytes], *, batch_bytes: int = _BATCH) -> None:
        self._chunks = iter(chunks)
        self._batch = batch_bytes
        self._buf = bytearray()
        self._hash = hashlib.sha256()
        self._hashing = False
        self._done = False
        self.signature = ""
        self.server_seq = -1

    # -- bytes in ------------------------------------------------------------------------

    def _more(self) -> bool:
        for chunk in self._chunks:
            if chunk:
                self._buf += chunk
                return True
        return False

    def _fill(self, size: int) -> bool:
        while len(self._buf) < size:
            if not self._more():
                return False
        return True

    def _consume(self, n: int) -> bytes:
        taken = bytes(self._buf[:n])
        if self._hashing:
            self._hash.update(taken)
        del self._buf[:n]
        return taken

    def _expect(self, literal: bytes) -> None:
        if not self._fill(len(literal)) or not self._buf.startswith(literal):
            raise SnapshotLayoutError("the snapshot is not laid out as the server writes it")
        self._consume(len(literal))

    def _head(self, pattern: re.Pattern[bytes]) -> re.Match[bytes]:
        """``pattern`` matched at the start of the buffer, filling it as needed."""
        while True:
            found = pattern.match(bytes(self._buf[:_HEAD_MAX]))  # a copy: the buffer moves on
            if found is not None:
                self._consume(found.end())
                return found
            if len(self._buf) > _HEAD_MAX or not self._more():
                raise SnapshotLayoutError("the snapshot is not laid out as the server writes it")

    # -- the document --------------------------------------------------------------------

    def header(self, org_id: str) -> int:
        """Read through the document's head; its ``server_seq``. :class:`SnapshotError`
        names what is wrong (another organization, another format)."""
        self.signature = self._head(_BODY_HEAD).group(1).decode("ascii")
        self._hashing = True
        found = self._head(_DOCUMENT_HEAD)
        if orjson.loads(found.group(1)) != org_id:
            raise SnapshotError("the snapshot is of another organization")
        self.server_seq = int(found.group(2))
        return self.server_seq

    def batches(self) -> Iterator[tuple[str, tuple[str, ...], list[list[Any]]]]:
        """(table, columns, rows) for every batch of rows, tables in this build's order."""
        for n, (name, columns) in enumerate(SNAPSHOT_TABLES.items()):
            if n:
                self._expect(b",")
            found = self._head(_TABLE_HEAD)
            if orjson.loads(found.group(2)) != name:
                raise SnapshotError(
                    "the snapshot does not list this build's projection tables in order"
                )
            if orjson.loads(found.group(1)) != list(columns):
                raise SnapshotError(f"the snapshot's columns of {name} differ from this build's")
            for rows in self._rows():
                yield name, columns, checked_rows(name, rows)
            self._expect(b"}")
        self._expect(b"]}")
        self._hashing = False
        self._expect(b"}")
        if self._buf or self._more():
            raise SnapshotLayoutError("the snapshot goes on past its end")
        self._done = True

    def _rows(self) -> Iterator[list[list[Any]]]:
        """The rows of one table, a batch at a time, through its closing ``]``."""
        if not self._fill(1):
            raise SnapshotLayoutError("the snapshot ends inside a table")
        if self._buf[0:1] == b"]":  # no rows
            self._consume(1)
            return
        while True:
            ended = self._fill(self._batch) is False
            data = bytes(self._buf)
            end = self._closing(data)
            if end >= 0:  # the last row's "]", then the rows' "]"
                yield self._parsed(end + 1)
                self._consume(1)
                return
            cut = self._last_boundary(data)
            if cut >= 0:
                yield self._parsed(cut + 1)
                self._consume(1)  # the "," between rows
            elif ended or not self._more():  # else one row longer than a batch: read on
                raise SnapshotLayoutError("the snapshot ends inside a table")

    @staticmethod
    def _closing(data: bytes) -> int:
        """Where the first ``]]`` outside strings starts (the table's last row), or -1."""
        seen, start = 0, 0
        at = data.find(b"]]")
        while at >= 0:
            seen += _quotes(data[start:at])
            if seen % 2 == 0:
                return at
            start = at
            at = data.find(b"]]", at + 1)
        return -1

    @staticmethod
    def _last_boundary(data: bytes) -> int:
        """Where the last ``],[`` outside strings starts, or -1."""
        end = len(data)
        total = _quotes(data)
        at = data.rfind(b"],[")
        while at >= 0:
            total -= _quotes(data[at:end])
            if total % 2 == 0:
                return at
            end = at
            at = data.rfind(b"],[", 0, at)
        return -1

    def _parsed(self, n: int) -> list[list[Any]]:
        text = self._consume(n)
        try:
            rows = orjson.loads(b"[" + text + b"]")
        except orjson.JSONDecodeError:
            raise SnapshotLayoutError("the snapshot's rows are not JSON") from None
        return rows  # type: ignore[no-any-return]

    def signed(self, public_key: str) -> bool:
        """True once every batch was read and the server's signature covers the bytes."""
        return self._done and signed_digest(self._hash.hexdigest(), self.signature, public_key)
