"""The document files beside a store: named by their hash, written whole or not at all,
checked on every read, and only the kinds of file a GP's documents are.

A folder holds an offering memorandum (PDF), a memo (Word), a rent roll (Excel and CSV)
and notes (text), plus what must be refused: a program, a PDF renamed as a Word document,
a spreadsheet package without a workbook.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from core.documents import BlobError, BlobStore, UnsupportedFile, file_type_of
from core.documents.blob_store import CHUNK
from core.operations.document_files import copy_new_files


def _office(path: Path, part: str) -> Path:
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(part, "<document/>")
    return path


def test_the_same_bytes_are_one_file_named_by_their_hash(tmp_path: Path) -> None:
    store = BlobStore.beside(tmp_path)
    data = b"%PDF-1.7 offering memorandum"
    first = store.put_bytes(data)
    again = store.put_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    assert first == again
    assert (first.sha256, first.size_bytes) == (sha, len(data))
    assert store.path_of(sha) == tmp_path / "blobs" / sha[:2] / sha[2:]
    assert [p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == [sha[2:]]
    assert store.read_verified(sha) == data


def test_a_large_file_is_copied_in_by_chunks_and_out_checked(tmp_path: Path) -> None:
    source = tmp_path / "model.pdf"
    data = b"%PDF-" + bytes(range(256)) * (3 * CHUNK // 256)
    source.write_bytes(data)
    store = BlobStore(tmp_path / "store")
    ref = store.put_file(source)
    assert ref.size_bytes == len(data)
    out = tmp_path / "out" / "copy.pdf"
    assert store.copy_out(ref.sha256, out) == len(data)
    assert out.read_bytes() == data
    assert store.verify(ref.sha256)
    assert not [p for p in (tmp_path / "store").rglob(".*")]  # no temporary file left


def test_a_file_changed_on_disk_is_refused_never_handed_out(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    ref = store.put_bytes(b"the signed bytes")
    store.path_of(ref.sha256).write_bytes(b"the signed byteZ")
    with pytest.raises(BlobError, match="has changed on disk since it was added"):
        store.read_verified(ref.sha256)
    out = tmp_path / "copy.txt"
    with pytest.raises(BlobError, match="has changed on disk"):
        store.copy_out(ref.sha256, out)
    assert not out.exists()
    assert not store.verify(ref.sha256)


def test_missing_files_are_listed_and_named_in_words(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    held = store.put_bytes(b"held").sha256
    absent = hashlib.sha256(b"absent").hexdigest()
    assert store.missing([held, absent, absent]) == [absent]
    with pytest.raises(BlobError, match="is not on this computer yet: sync to fetch it"):
        store.read_verified(absent)
    with pytest.raises(BlobError, match="is not a SHA-256"):
        store.path_of("../../etc/passwd")


def test_the_snapshot_copy_skips_a_download_in_progress(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    sha = store.put_bytes(b"whole").sha256
    partial = store.partial_path(hashlib.sha256(b"half").hexdigest())
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(b"ha")
    copied = copy_new_files(tmp_path / "blobs", tmp_path / "replica")
    assert copied.copied == 1
    assert (tmp_path / "replica" / sha[:2] / sha[2:]).read_bytes() == b"whole"


@pytest.mark.parametrize(
    ("name", "make", "media_type"),
    [
        ("om.pdf", lambda p: p.write_bytes(b"%PDF-1.4\n..."), "application/pdf"),
        (
            "memo.docx",
            lambda p: _office(p, "word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "rent roll.xlsx",
            lambda p: _office(p, "xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("rent-roll.csv", lambda p: p.write_text("unit,rent\n101,2150.00\n"), "text/csv"),
        (
            "notes.txt",
            lambda p: p.write_text("Site visit: roof replaced 2019 — café\n"),
            "text/plain",
        ),
        ("notes.md", lambda p: p.write_text("# IC memo\n"), "text/markdown"),
    ],
)
def test_the_kinds_a_gp_keeps_are_known_by_their_bytes(
    tmp_path: Path, name: str, make: object, media_type: str
) -> None:
    path = tmp_path / name
    make(path)  # type: ignore[operator]
    assert file_type_of(path).media_type == media_type


@pytest.mark.parametrize(
    ("name", "make", "said"),
    [
        (
            "setup.exe",
            lambda p: p.write_bytes(b"MZ\x90\x00"),
            "setup.exe is not a document Deal OS keeps: give a PDF, a Word document (.docx), "
            "an Excel workbook (.xlsx) or a text file (.txt, .csv, .md)",
        ),
        (
            "memo.docx",
            lambda p: p.write_bytes(b"%PDF-1.4"),
            "memo.docx is named as a Word document but its contents are a PDF: rename it "
            "with the right extension",
        ),
        (
            "roll.xlsx",
            lambda p: _office(p, "word/document.xml"),
            "roll.xlsx is named as an Excel workbook but its contents are a Word document: "
            "rename it with the right extension",
        ),
        (
            "scan.pdf",
            lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00"),
            "scan.pdf is named as a PDF but its contents are not one; give a PDF, a Word "
            "document (.docx), an Excel workbook (.xlsx) or a text file (.txt, .csv, .md)",
        ),
    ],
)
def test_other_files_are_refused_in_words(
    tmp_path: Path, name: str, make: object, said: str
) -> None:
    path = tmp_path / name
    make(path)  # type: ignore[operator]
    with pytest.raises(UnsupportedFile) as refused:
        file_type_of(path)
    assert str(refused.value) == said
