"""Document files through the server (PROTOCOL "Document blobs"), after the ops.

The ops say which files exist (a ``document.add`` names one by SHA-256); the bytes travel
here, separately, so a large file never holds up the log:

- **up**: each document whose op the server has accepted, whose file is on this computer
  and which the server is not known to hold, is uploaded (``PUT``), streamed from disk;
- **down**: each document this replica shows whose file is not on this computer is
  fetched (``GET``) into a hidden partial file; a transfer cut by a bad link resumes from
  the bytes already there (``Range``, with ``If-Range`` naming the file's hash) and the
  whole is checked against its hash before it is renamed into the store.

Transient failures (a dropped connection, a timeout, 5xx, 429) are retried with backoff
(tenacity). A file that still fails — the server down, the file not uploaded by its author
yet, a refusal — never fails the sync: it is written down (``blob_transfers.problem``) and
reported in the sync's summary. The server down: every file is tried again next round. A
file the server does not have, or refuses, is asked for again after a wait that doubles
with each answer (:data:`FIRST_WAIT` up to :data:`LONGEST_WAIT`), and a round stops asking
after :data:`MISSES_PER_ROUND` such answers in a row: an organization whose files were
never uploaded (a demo attached to a server, say) costs each round a few requests, not one
per document.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx
from sqlalchemy import Row, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from core.commands.workspace import Workspace
from core.documents.blob_store import CHUNK, BlobStore
from core.documents.file_types import kind_in_words
from core.store.local_schema import blob_transfers, op_log
from core.store.schema import documents
from core.sync.tls import tls_context

__all__ = [
    "FIRST_WAIT",
    "LONGEST_WAIT",
    "MISSES_PER_ROUND",
    "BlobReport",
    "BlobTransfer",
    "wait_after",
]

_UP_STATUSES: Final = ("confirmed",)  # ops this replica signed and the server accepted
FIRST_WAIT: Final = dt.timedelta(seconds=30)
LONGEST_WAIT: Final = dt.timedelta(hours=6)
MISSES_PER_ROUND: Final = 25


@dataclass(frozen=True, slots=True)
class BlobReport:
    """What one sync did with document files, and what waits for the next one."""

    uploaded: int = 0
    downloaded: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    waiting: list[str] = field(default_factory=list)  # each file still to move, in words
    later: int = 0  # files not asked for this round: the server lacked them lately

    @property
    def moved_or_waiting(self) -> bool:
        return bool(self.uploaded or self.downloaded or self.waiting or self.later)

    def summary(self) -> str:
        moved = f"document files: sent {self.uploaded}, fetched {self.downloaded}"
        if self.waiting:
            shown = self.waiting[:_NAMED]
            more = len(self.waiting) - len(shown)
            moved += f"; {len(self.waiting)} waiting: " + "; ".join(shown)
            moved += f"; and {more} more" if more else ""
        if self.later:
            moved += f"; {self.later} more the server did not have lately, asked for again later"
        return moved


class _Retry(Exception):
    """A transfer that may succeed if tried again shortly."""


_NAMED: Final = 10  # waiting files a summary names; the rest are counted


class _Stop(Exception):
    """A transfer that will not succeed now; ``why`` is what the person reads."""

    def __init__(self, why: str, *, server_down: bool = False) -> None:
        super().__init__(why)
        self.why = why
        self.server_down = server_down


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stamp(at: dt.datetime) -> str:
    return at.isoformat(timespec="seconds")


def wait_after(refusals: int) -> dt.timedelta:
    """How long a file the server lacked (or refused) ``refusals`` times in a row waits."""
    doubled = FIRST_WAIT * (1 << min(max(refusals - 1, 0), 20))
    return min(doubled, LONGEST_WAIT)


@dataclass(frozen=True, slots=True)
class _File:
    sha256: str
    name: str
    media_type: str
    size_bytes: int


class BlobTransfer:
    """Moves this replica's document files to and from one server, as one session."""

    def __init__(
        self,
        ws: Workspace,
        base_url: str,
        token: str | None,
        *,
        timeout: float = 60.0,
        attempts: int = 4,
        wait_max: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.ws = ws
        self.store = BlobStore.beside(ws.store.data_dir)
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._timeout = timeout
        self._attempts = attempts
        self._wait_max = wait_max
        self._transport = transport
        self._http: httpx.Client | None = None

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    # -- what to move ------------------------------------------------------------------

    def _to_upload(self) -> list[_File]:
        with self.ws.store.transaction() as conn:
            accepted = (
                select(op_log.c.entity_id)
                .where(op_log.c.kind == "document.add", op_log.c.status.in_(_UP_STATUSES))
                .scalar_subquery()
            )
            on_server = select(blob_transfers.c.sha256).where(blob_transfers.c.on_server == 1)
            rows = conn.execute(
                select(
                    documents.c.sha256,
                    documents.c.filename,
                    documents.c.media_type,
                    documents.c.size_bytes,
                )
                .where(
                    documents.c.org_id == self.ws.org_id,
                    documents.c.document_id.in_(accepted),
                    documents.c.sha256.not_in(on_server),
                )
                .order_by(documents.c.sha256)
            ).all()
        return _distinct(rows, lambda sha: self.store.has(sha))

    def _to_download(self) -> tuple[list[_File], int]:
        """The files to fetch this round, and how many wait for a later one."""
        with self.ws.store.transaction() as conn:
            resting = set(
                conn.execute(
                    select(blob_transfers.c.sha256).where(
                        blob_transfers.c.next_try_at > _stamp(_now())
                    )
                ).scalars()
            )
            rows = conn.execute(
                select(
                    documents.c.sha256,
                    documents.c.filename,
                    documents.c.media_type,
                    documents.c.size_bytes,
                )
                .where(documents.c.org_id == self.ws.org_id)
                .order_by(documents.c.sha256)
            ).all()
        missing = _distinct(rows, lambda sha: not self.store.has(sha))
        now = [f for f in missing if f.sha256 not in resting]
        return now, len(missing) - len(now)

    # -- one round -----------------------------------------------------------------------

    def run(self) -> BlobReport:
        """Upload what the server lacks, then fetch what this computer lacks."""
        if self.token is None:
            return BlobReport()
        up, (down, later) = self._to_upload(), self._to_download()
        if not up and not down:
            return BlobReport(later=later)
        waiting: list[str] = []
        uploaded = downloaded = bytes_up = bytes_down = 0
        server_down = False
        misses = 0
        for item in up:
            if server_down:
                waiting.append(self._note(item, "to send: the server is unreachable"))
                continue
            try:
                self._retrying(functools.partial(self._upload, item))
            except _Stop as stop:
                server_down = stop.server_down
                waiting.append(self._note(item, f"to send: {stop.why}"))
                continue
            self._mark(item.sha256, on_server=True)
            uploaded += 1
            bytes_up += item.size_bytes
        for item in down:
            if server_down:
                waiting.append(self._note(item, "to fetch: the server is unreachable"))
                continue
            if misses >= MISSES_PER_ROUND:
                later += 1  # the server lacked the last few in a row: the rest wait a round
                continue
            try:
                self._retrying(functools.partial(self._download, item))
            except _Stop as stop:
                server_down = stop.server_down
                misses += not server_down
                waiting.append(self._note(item, f"to fetch: {stop.why}", rest=not stop.server_down))
                continue
            misses = 0
            self._mark(item.sha256, on_server=True)
            downloaded += 1
            bytes_down += item.size_bytes
        return BlobReport(uploaded, downloaded, bytes_up, bytes_down, waiting, later)

    def _note(self, item: _File, why: str, *, rest: bool = False) -> str:
        """Write down why ``item`` waits; ``rest``: ask for it again only after a wait."""
        words = f"{item.name} ({kind_in_words(item.media_type)}) {why}"
        self._mark(item.sha256, on_server=None, problem=words, rest=rest)
        return words

    def _mark(
        self,
        sha256: str,
        *,
        on_server: bool | None,
        problem: str | None = None,
        rest: bool = False,
    ) -> None:
        with self.ws.store.transaction() as conn:
            found = conn.execute(
                select(blob_transfers.c.on_server, blob_transfers.c.attempts).where(
                    blob_transfers.c.sha256 == sha256
                )
            ).first()
            known = bool(found.on_server) if found is not None else False
            attempts = (int(found.attempts) if found is not None else 0) + (problem is not None)
            values = {
                "sha256": sha256,
                "on_server": int(known if on_server is None else on_server),
                "attempts": attempts,
                "problem": problem,
                "next_try_at": _stamp(_now() + wait_after(attempts)) if rest else None,
            }
            stmt = sqlite_insert(blob_transfers).values(**values)
            conn.execute(stmt.on_conflict_do_update(index_elements=["sha256"], set_=values))

    # -- HTTP ----------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                base_url=self.base_url,
                timeout=self._timeout,
                transport=self._transport,
                verify=tls_context(),
            )
        return self._http

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def _retrying(self, attempt: Callable[[], None]) -> None:
        retrying = Retrying(
            retry=retry_if_exception(lambda exc: isinstance(exc, _Retry)),
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential_jitter(multiplier=0.2, max=self._wait_max),
            reraise=True,
        )
        try:
            retrying(attempt)
        except _Retry as exc:
            raise _Stop(str(exc), server_down=True) from None

    def _upload(self, item: _File) -> None:
        path = self.store.path_of(item.sha256)
        size = path.stat().st_size
        headers = {
            **self._headers(),
            "Content-Type": item.media_type,
            "Content-Length": str(size),
        }
        try:
            response = self._client().put(
                f"/v1/blobs/{item.sha256}", content=_read_chunks(path), headers=headers
            )
        except httpx.TransportError as exc:
            raise _Retry(f"the server is unreachable ({type(exc).__name__})") from None
        if response.status_code in (200, 201):
            return
        raise _refusal(response, "send")

    def _download(self, item: _File) -> None:
        partial = self.store.partial_path(item.sha256)
        partial.parent.mkdir(parents=True, exist_ok=True)
        have = partial.stat().st_size if partial.exists() else 0
        headers = self._headers()
        if have:
            headers |= {"Range": f"bytes={have}-", "If-Range": f'"{item.sha256}"'}
        try:
            with self._client().stream(
                "GET", f"/v1/blobs/{item.sha256}", headers=headers
            ) as response:
                if response.status_code == 416 and have:
                    partial.unlink()  # what is there is not a prefix of the file
                    raise _Retry("the partial file did not match; starting again")
                if response.status_code not in (200, 206):
                    response.read()
                    raise _refusal(response, "fetch")
                mode = "ab" if response.status_code == 206 else "wb"
                with open(partial, mode) as out:
                    for chunk in response.iter_bytes():  # as it arrives: a cut keeps it
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
        except httpx.TransportError as exc:
            # What arrived stays in the partial file: the next attempt asks for the rest.
            raise _Retry(f"the server is unreachable ({type(exc).__name__})") from None
        if _sha256_of(partial) != item.sha256:
            partial.unlink()
            raise _Stop("the file fetched does not match its hash; it will be fetched again")
        self.store.adopt(partial, item.sha256)


def _distinct(
    rows: Sequence[Row[Any, Any, Any, Any]], wanted: Callable[[str], bool]
) -> list[_File]:
    seen: set[str] = set()
    found = []
    for row in rows:
        sha, name, media_type, size = row
        if sha in seen or not wanted(sha):
            continue
        seen.add(sha)
        found.append(_File(sha, name, media_type, int(size)))
    return found


def _read_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _refusal(response: httpx.Response, doing: str) -> Exception:
    status = response.status_code
    if status >= 500 or status == 429:
        return _Retry(f"the server answered {status}; it will be tried again")
    if status == 404:
        return _Stop("the server does not have it yet (its author has not synced since adding it)")
    message = ""
    with contextlib.suppress(ValueError, KeyError, TypeError):
        message = str(response.json()["error"]["message"])
    return _Stop(f"the server refused to {doing} it ({status}{': ' + message if message else ''})")
