"""Whether the store's write-ahead log holds a commit Litestream has not read yet.

Litestream reads the WAL a fraction of a second after a commit. Until it does, its own
position (``litestream status``) and the replica's agree, and a status built only from
them says "up to date" while the newest changes exist on this disk alone. An operator
who shuts the laptop then, or a test that kills it, loses them without a word.

Litestream records where each read ended: the header of every LTX file it writes beside
the store names the WAL offset and size it read and the WAL's salts at the time (the
LTX format of github.com/superfly/ltx). The WAL names its own salts in its header, and
every frame repeats them (SQLite's file format, section 4). A commit frame with the
WAL's current salts past Litestream's last read is a commit it has not read.
"""

from __future__ import annotations

import struct
from pathlib import Path

__all__ = ["litestream_meta_dir", "unread_commit"]

_LTX_HEADER = struct.Struct(">4sIIIQQqQqqII")  # magic … WALOffset, WALSize, salt1, salt2
_WAL_HEADER_SIZE = 32
_FRAME_HEADER = struct.Struct(">IIII")  # page number, commit size, salt1, salt2
_FRAME_HEADER_SIZE = 24


def litestream_meta_dir(db_path: Path) -> Path:
    """Where Litestream keeps its local LTX files for ``db_path``."""
    return db_path.parent / f".{db_path.name}-litestream"


def _last_read(db_path: Path) -> tuple[int, int, int, int] | None:
    """(WAL offset, size, salt1, salt2) of Litestream's newest read; None before any."""
    level0 = litestream_meta_dir(db_path) / "ltx" / "0"
    newest: tuple[int, Path] | None = None
    for path in level0.glob("*.ltx") if level0.exists() else []:
        try:
            txid = int(path.stem.split("-")[-1], 16)
        except ValueError:
            continue
        if newest is None or txid > newest[0]:
            newest = (txid, path)
    if newest is None:
        return None
    try:
        with newest[1].open("rb") as f:
            raw = f.read(_LTX_HEADER.size)
    except FileNotFoundError:  # retention removed it between the listing and the read
        return None
    if len(raw) < _LTX_HEADER.size:
        return None
    fields = _LTX_HEADER.unpack(raw)
    if fields[0] != b"LTX1":
        return None
    offset, size, salt1, salt2 = fields[8], fields[9], fields[10], fields[11]
    return offset, size, salt1, salt2


def unread_commit(db_path: Path) -> bool | None:
    """True when the WAL holds a commit past Litestream's newest read; False when it
    holds none; None when Litestream has read nothing of this store yet."""
    last = _last_read(db_path)
    if last is None:
        return None
    offset, size, ltx_salt1, ltx_salt2 = last
    wal = db_path.parent / f"{db_path.name}-wal"
    try:
        with wal.open("rb") as f:
            header = f.read(_WAL_HEADER_SIZE)
            if len(header) < _WAL_HEADER_SIZE:
                return False
            page_size = struct.unpack(">I", header[8:12])[0]
            page_size = 65536 if page_size == 1 else page_size
            salts = struct.unpack(">II", header[16:24])
            # Litestream read this WAL up to offset + size; a WAL restarted since (new
            # salts) is unread from its first frame.
            position = offset + size if (ltx_salt1, ltx_salt2) == salts else _WAL_HEADER_SIZE
            frame_size = _FRAME_HEADER_SIZE + page_size
            while True:
                f.seek(position)
                raw = f.read(_FRAME_HEADER.size)
                if len(raw) < _FRAME_HEADER.size:
                    return False
                _page, commit_size, salt1, salt2 = _FRAME_HEADER.unpack(raw)
                if (salt1, salt2) != salts:
                    return False  # a frame of an earlier generation of the WAL: the end
                if commit_size:
                    return True
                position += frame_size
    except FileNotFoundError:
        return False
