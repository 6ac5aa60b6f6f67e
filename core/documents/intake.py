"""Adding a document: the file goes into the local blob store, then a signed
``document.add`` names it by hash, size, media type and file name.

The file is stored first: an op never names bytes this computer does not hold. A file
stored whose op is then refused is harmless (nothing refers to it, and adding it again
finds it). The sync uploads it to the server after the op is accepted
(:mod:`core.sync.blobs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from core.commands.workspace import OpResult, Workspace
from core.documents.blob_store import BlobStore
from core.documents.file_types import UnsupportedFile, file_type_of
from core.ops.payloads.deals import Audience, DocumentAddPayload

__all__ = ["MAX_DOCUMENT_BYTES", "AddedDocument", "add_document", "size_in_words"]

# The most the server takes in one upload (PROTOCOL "Document blobs"): a larger file could
# never reach anyone else, so it is refused here rather than kept on one computer.
MAX_DOCUMENT_BYTES: Final = 100 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class AddedDocument:
    document_id: str
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    audience: Audience
    result: OpResult


def size_in_words(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def add_document(
    ws: Workspace,
    source: Path,
    *,
    deal_id: str | None = None,
    fund_id: str | None = None,
    title: str | None = None,
    share_with_lps: bool = False,
) -> AddedDocument:
    """Store the file at ``source`` and attach it to the deal or the fund; with
    ``share_with_lps`` (a fund's document only) the fund's LPs see it too."""
    kind = file_type_of(source)
    size = source.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise UnsupportedFile(
            f"{source.name} is {size_in_words(size)}; a document can be at most "
            f"{size_in_words(MAX_DOCUMENT_BYTES)}, the most the server takes"
        )
    audience: Audience = "lps" if share_with_lps else "internal"
    # The command is built (and so checked) before the file is copied in.
    command = DocumentAddPayload(
        deal_id=deal_id,
        fund_id=fund_id,
        filename=source.name,
        title=title or None,
        media_type=kind.media_type,
        size_bytes=size,
        sha256="0" * 64,
        audience=audience,
    )
    stored = BlobStore.beside(ws.store.data_dir).put_file(source)
    fields = command.model_dump(exclude_unset=True)
    fields.update(size_bytes=stored.size_bytes, sha256=stored.sha256)
    if not share_with_lps:
        fields.pop("audience", None)  # "internal" is what an op without it means
    result = ws.submit(DocumentAddPayload(**fields))
    return AddedDocument(
        document_id=result.entity_id,
        filename=source.name,
        media_type=kind.media_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        audience=audience,
        result=result,
    )
