"""``PUT /v1/blobs/{sha256}`` and ``GET /v1/blobs/{sha256}`` (PROTOCOL "Document blobs").

An upload is streamed to a hidden file in the organization's folder while it is hashed and
counted — never held in memory — refused with 413 past :data:`MAX_BLOB_BYTES` and with 422
``hash_mismatch`` when the bytes do not hash to the name; only then is it flushed and
renamed into place. A download streams the file with ``ETag`` = its hash, and honours one
``Range`` (``bytes=N-`` or ``bytes=N-M``, answered 206 with ``Content-Range``) so a
download cut by a bad link resumes where it stopped; ``If-Range`` with another tag gets
the whole file. Who may do either is :mod:`sync_server.blobs`' to say, and each attempt is
in the audit log.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from aiohttp import ClientPayloadError, web
from aiohttp.http_exceptions import HttpProcessingError

from core.sync.blob_messages import BlobStored
from sync_server.api_errors import ApiError
from sync_server.app_context import DB, KEYS, SETTINGS, require_caller, run_db
from sync_server.blobs import (
    MAX_BLOB_BYTES,
    BlobFolder,
    audit_refused_upload,
    may_upload,
    readable_blob,
    record_upload,
)
from sync_server.http_guard import REQUEST_ID
from sync_server.replies import reply
from sync_server.request_log import logger

__all__ = ["BLOB_PATH", "routes"]

routes = web.RouteTableDef()
BLOB_PATH: Final = "/v1/blobs/{sha256}"
_CHUNK: Final = 256 * 1024
_SHA256: Final = re.compile(r"^[0-9a-f]{64}$")
_MEDIA_TYPE: Final = re.compile(r"^[a-z]+/[a-z0-9.+-]{1,90}$")
_RANGE: Final = re.compile(r"^bytes=([0-9]{1,19})-([0-9]{0,19})$")


def _sha256(request: web.Request) -> str:
    sha = request.match_info["sha256"]
    if not _SHA256.match(sha):
        raise ApiError(
            422,
            "invalid_request",
            "a document file is named by the SHA-256 of its bytes: 64 lowercase hex digits",
            field="sha256",
        )
    return sha


def _folder(request: web.Request) -> BlobFolder:
    return BlobFolder(request.app[SETTINGS].blob_root)


# -- upload ---------------------------------------------------------------------------------


@routes.put(BLOB_PATH)
async def put_blob(request: web.Request) -> web.Response:
    caller = await require_caller(request)
    sha = _sha256(request)
    db = request.app[DB]
    if not await run_db(request, may_upload, caller):
        why = "only a GP or a GP analyst adds documents"
        await db.run(audit_refused_upload, db.engine, request.app[KEYS], caller, why)
        raise ApiError(403, "forbidden", why)
    media_type = request.content_type if _MEDIA_TYPE.match(request.content_type) else ""
    folder = _folder(request)
    partial = folder.incoming(caller.org_id)
    try:
        try:
            size, digest = await _receive(request, partial)
        except (ClientPayloadError, HttpProcessingError, ConnectionError):
            # The uploader went away mid-file: nothing is kept; its next sync sends it again.
            raise ApiError(
                400, "upload_incomplete", "the upload ended before the whole file arrived"
            ) from None
        if digest != sha:
            raise ApiError(
                422,
                "hash_mismatch",
                f"the bytes sent hash to {digest}, not to {sha}: the file changed or was cut "
                "on the way; send it again",
                field="sha256",
                details={"received_sha256": digest, "received_bytes": size},
            )
        await asyncio.get_running_loop().run_in_executor(
            None, _place, partial, folder.path(caller.org_id, sha)
        )
    finally:
        partial.unlink(missing_ok=True)
    created = await run_db(
        request,
        record_upload,
        request.app[KEYS],
        caller,
        sha,
        size,
        media_type or "application/octet-stream",
    )
    outcome = BlobStored(
        sha256=sha, size_bytes=size, outcome="created" if created else "already_stored"
    )
    return reply(outcome, status=201 if created else 200)


async def _receive(request: web.Request, partial: Path) -> tuple[int, str]:
    """Stream the body into ``partial``; its size and SHA-256."""
    digest = hashlib.sha256()
    size = 0
    loop = asyncio.get_running_loop()
    with open(partial, "wb") as out:
        async for chunk in request.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > MAX_BLOB_BYTES:
                raise ApiError(
                    413,
                    "body_too_large",
                    f"a document file is at most {MAX_BLOB_BYTES // (1024 * 1024)} MiB",
                    details={"max_bytes": MAX_BLOB_BYTES},
                )
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        await loop.run_in_executor(None, os.fsync, out.fileno())
    return size, digest.hexdigest()


def _place(partial: Path, target: Path) -> None:
    if target.is_file():  # the same bytes, uploaded before
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(partial, target)
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- download -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int | None  # inclusive; None: to the end


def _asked_span(request: web.Request, etag: str) -> _Span | None:
    """The one range asked for, or None for the whole file (no ``Range``, or an
    ``If-Range`` naming another version)."""
    header = request.headers.get("Range")
    if header is None:
        return None
    if_range = request.headers.get("If-Range")
    if if_range is not None and if_range != etag:
        return None
    found = _RANGE.match(header.strip())
    if found is None:
        raise ApiError(
            416,
            "range_not_satisfiable",
            "ask for one range of bytes, as bytes=START- or bytes=START-END",
            field="Range",
        )
    end = int(found.group(2)) if found.group(2) else None
    return _Span(int(found.group(1)), end)


def _in_words(span: _Span | None) -> str:
    if span is None:
        return "the whole file"
    return f"bytes {span.start}-{'' if span.end is None else span.end}"


@routes.get(BLOB_PATH)
async def get_blob(request: web.Request) -> web.StreamResponse:
    caller = await require_caller(request)
    sha = _sha256(request)
    etag = f'"{sha}"'
    span = _asked_span(request, etag)
    db = request.app[DB]
    grant = await db.run(readable_blob, db.engine, request.app[KEYS], caller, sha, _in_words(span))
    path = _folder(request).path(caller.org_id, sha)
    if grant is not None and not path.is_file():
        logger().error("blob.file_missing", sha256=sha, org_id=caller.org_id)
        grant = None
    if grant is None:
        raise ApiError(404, "not_found", "no such document file")
    size = path.stat().st_size
    start, end, status = 0, size - 1, 200
    if span is not None:
        if span.start >= size:
            raise ApiError(
                416,
                "range_not_satisfiable",
                f"the file is {size} bytes; a range starts before its end",
                field="Range",
                headers={"Content-Range": f"bytes */{size}"},
            )
        start, end, status = span.start, min(size - 1, span.end or size - 1), 206
        if span.end is not None and span.end < span.start:
            raise ApiError(416, "range_not_satisfiable", "a range ends after it starts")
    response = web.StreamResponse(status=status)
    response.headers["ETag"] = etag
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["Content-Type"] = grant.media_type
    response.headers["X-Request-ID"] = request[REQUEST_ID]
    if status == 206:
        response.headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    response.content_length = end - start + 1
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    with open(path, "rb") as handle:
        handle.seek(start)
        left = end - start + 1
        while left > 0:
            chunk = await loop.run_in_executor(None, handle.read, min(_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            await response.write(chunk)
    await response.write_eof()
    return response
