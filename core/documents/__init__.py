"""Documents are files: a content-addressed store beside the local database, the file
types it keeps, adding one (the file, then its signed op), and reading them back."""

from core.documents.blob_store import BlobError, BlobRef, BlobStore
from core.documents.file_types import UnsupportedFile, file_type_of
from core.documents.intake import MAX_DOCUMENT_BYTES, AddedDocument, add_document
from core.documents.listing import (
    DocumentLine,
    DocumentNotFound,
    document_line,
    list_documents,
    open_copy,
)

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "AddedDocument",
    "BlobError",
    "BlobRef",
    "BlobStore",
    "DocumentLine",
    "DocumentNotFound",
    "UnsupportedFile",
    "add_document",
    "document_line",
    "file_type_of",
    "list_documents",
    "open_copy",
]
