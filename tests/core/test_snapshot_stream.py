"""A snapshot read as it streams in gives exactly the rows of the whole document, whatever
its strings hold and however its bytes are cut, and its signature is checked over every
byte: a body laid out otherwise, cut short or changed is never taken as signed."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.canonical_json import jcs
from core.ids import new_id
from core.ops.signing import DeviceKey
from core.store.snapshot_stream import SnapshotLayoutError, SnapshotStream
from core.store.state_snapshot import SNAPSHOT_TABLES, SnapshotError, sign_snapshot

KEY = DeviceKey.generate()
ORG = new_id()
# Strings a row boundary could be mistaken in: brackets, commas, quotes, backslashes.
NASTY = st.text(alphabet=st.sampled_from(list('[],"\\ab\n\u00e9\u2028\x01')), max_size=12)
VALUE = st.one_of(NASTY, st.integers(-(2**40), 2**40), st.booleans(), st.none())


def _document(rows_of: dict[str, list[list[Any]]]) -> dict[str, Any]:
    return {
        "format": "dealos-snapshot-v1",
        "org_id": ORG,
        "server_seq": 41,
        "tables": [
            {"name": name, "columns": list(columns), "rows": rows_of.get(name, [])}
            for name, columns in SNAPSHOT_TABLES.items()
        ],
    }


def _body(document: dict[str, Any], key: DeviceKey = KEY) -> bytes:
    canonical = jcs(document)
    signature = sign_snapshot(canonical, key).encode("ascii")
    return b'{"signature":"' + signature + b'","snapshot":' + canonical + b"}"


def _cut(body: bytes, size: int) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


def _read(chunks: list[bytes], batch_bytes: int = 64) -> tuple[SnapshotStream, dict[str, Any]]:
    stream = SnapshotStream(chunks, batch_bytes=batch_bytes)
    assert stream.header(ORG) == 41
    rows: dict[str, list[list[Any]]] = {}
    for name, columns, batch in stream.batches():
        assert columns == SNAPSHOT_TABLES[name]
        assert batch, "no empty batch is handed on"
        rows.setdefault(name, []).extend(batch)
    return stream, rows


@st.composite
def _rows(draw: st.DrawFn) -> dict[str, list[list[Any]]]:
    picked = draw(st.lists(st.sampled_from(list(SNAPSHOT_TABLES)), max_size=4, unique=True))
    return {
        name: draw(
            st.lists(
                st.lists(
                    VALUE, min_size=len(SNAPSHOT_TABLES[name]), max_size=len(SNAPSHOT_TABLES[name])
                ),
                min_size=1,
                max_size=12,
            )
        )
        for name in picked
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_rows(), chunk=st.integers(1, 97), batch=st.integers(1, 300))
def test_streamed_rows_are_the_documents_rows_however_the_bytes_are_cut(
    rows: dict[str, list[list[Any]]], chunk: int, batch: int
) -> None:
    document = _document(rows)
    stream, got = _read(_cut(_body(document), chunk), batch)
    assert got == {name: r for name, r in rows.items()}
    assert stream.signed(KEY.public_key)
    assert not stream.signed(DeviceKey.generate().public_key)


def _deals() -> dict[str, list[list[Any]]]:
    width = len(SNAPSHOT_TABLES["deals"])
    return {"deals": [[f'Deal {i} ],[ "x" ]]', *([None] * (width - 1))] for i in range(50)]}


def test_a_byte_changed_in_place_is_read_but_never_signed() -> None:
    body = _body(_document(_deals())).replace(b"Deal 7 ", b"Deal 9 ", 1)
    stream, rows = _read(_cut(body, 100))
    assert rows["deals"][7][0].startswith("Deal 9")
    assert not stream.signed(KEY.public_key)


@pytest.mark.parametrize(
    "change",
    [
        lambda body: body[: len(body) // 2],  # cut short
        lambda body: body + b" ",  # more after the end
        lambda body: orjson.dumps(orjson.loads(body), option=orjson.OPT_INDENT_2),  # re-laid out
        lambda body: body.replace(b'"rows":[[', b'"rows": [[', 1),
    ],
    ids=["cut-short", "trailing", "indented", "a-space"],
)
def test_a_body_not_laid_out_as_the_server_writes_it_is_a_layout_error(change: Any) -> None:
    body = change(_body(_document(_deals())))
    with pytest.raises(SnapshotLayoutError):
        _read(_cut(body, 100))


def test_another_organization_or_another_schema_is_refused_in_words() -> None:
    other = {**_document({}), "org_id": new_id()}
    with pytest.raises(SnapshotError, match="another organization"):
        SnapshotStream([_body(other)]).header(ORG)
    document = _document({})
    document["tables"][0]["columns"].append("secret")
    stream = SnapshotStream([_body(document)])
    stream.header(ORG)
    with pytest.raises(SnapshotError, match="columns of organizations"):
        list(stream.batches())
    width = len(SNAPSHOT_TABLES["deals"])
    short = SnapshotStream([_body(_document({"deals": [[None] * (width - 1)]}))])
    short.header(ORG)
    with pytest.raises(SnapshotError, match="a row of deals"):
        list(short.batches())
