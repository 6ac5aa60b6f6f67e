"""Which files Deal OS keeps as documents, and their media type: from the bytes and the name.

A GP's documents are offering memoranda and term sheets (PDF), memos (Word), rent rolls and
models (Excel) and plain notes or exports (text, CSV). The bytes decide: a PDF starts with
``%PDF-``; a Word document or an Excel workbook is a ZIP package holding
``word/document.xml`` or ``xl/workbook.xml``; text is UTF-8 without control bytes. The name's
extension must agree with what the bytes are, so a renamed file is not filed under a type
it is not. Anything else is refused in words that say what is accepted.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from core.errors import DealOSError

__all__ = ["ACCEPTED", "FileType", "UnsupportedFile", "file_type_of", "kind_in_words"]

PDF: Final = "application/pdf"
DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT: Final = "text/plain"
CSV: Final = "text/csv"
MARKDOWN: Final = "text/markdown"

_EXTENSIONS: Final = {
    ".pdf": PDF,
    ".docx": DOCX,
    ".xlsx": XLSX,
    ".txt": TEXT,
    ".text": TEXT,
    ".csv": CSV,
    ".md": MARKDOWN,
}
_WORDS: Final = {
    PDF: "a PDF",
    DOCX: "a Word document",
    XLSX: "an Excel workbook",
    TEXT: "a text file",
    CSV: "a CSV file",
    MARKDOWN: "a text file",
}
ACCEPTED: Final = (
    "a PDF, a Word document (.docx), an Excel workbook (.xlsx) or a text file (.txt, .csv, .md)"
)
_SNIFF: Final = 64 * 1024  # bytes read to tell text from binary


class UnsupportedFile(DealOSError):
    """A file Deal OS does not keep as a document, or whose bytes and name disagree."""


@dataclass(frozen=True, slots=True)
class FileType:
    media_type: str
    words: str  # "a PDF", "an Excel workbook"


def kind_in_words(media_type: str) -> str:
    return _WORDS.get(media_type, "a file")


def file_type_of(path: Path) -> FileType:
    """The media type of the document at ``path``, or :class:`UnsupportedFile`."""
    name = path.name
    claimed = _EXTENSIONS.get(path.suffix.lower())
    if claimed is None:
        raise UnsupportedFile(f"{name} is not a document Deal OS keeps: give {ACCEPTED}")
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF)
    except FileNotFoundError:
        raise UnsupportedFile(f"there is no file {path}") from None
    except IsADirectoryError:
        raise UnsupportedFile(f"{path} is a folder, not a file") from None
    found = _sniffed(path, head)
    if found is None:
        raise UnsupportedFile(
            f"{name} is named as {_WORDS[claimed]} but its contents are not one; give {ACCEPTED}"
        )
    same_family = found == claimed or (found == TEXT and claimed in (CSV, MARKDOWN))
    if not same_family:
        raise UnsupportedFile(
            f"{name} is named as {_WORDS[claimed]} but its contents are {_WORDS[found]}: "
            "rename it with the right extension"
        )
    return FileType(claimed, _WORDS[claimed])


def _sniffed(path: Path, head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _office_package(path)
    if _is_text(head):
        return TEXT
    return None


def _office_package(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError):
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sniffing window is still text.
        if exc.start < len(head) - 3:
            return False
        text = head[: exc.start].decode("utf-8")
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f")
    return controls == 0
