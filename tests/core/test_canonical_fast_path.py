"""The fast JCS path gives byte-for-byte what the rfc8785 package gives.

``core.canonical_json.jcs`` serializes with the standard library when it can prove the
result is the same; these properties check that claim against the reference package on
generated documents, including non-ASCII text, astral-plane keys and integer edges.
"""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from core.canonical_json import jcs

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | text
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=2000, deadline=None)
@given(documents)
def test_fast_path_matches_rfc8785(doc: object) -> None:
    assert jcs(doc) == rfc8785.dumps(doc)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(text, st.floats(allow_nan=False, allow_infinity=False), max_size=4))
def test_floats_take_the_reference_path(doc: dict[str, float]) -> None:
    assert jcs(doc) == rfc8785.dumps(doc)


def test_keys_sort_by_utf16_code_units() -> None:
    # U+1F600 is a surrogate pair (D83D DE00) in UTF-16 and so sorts before U+FB33.
    doc = {"\ufb33": 1, "\U0001f600": 2, "\u20ac": 3, "\r": 4, "1": 5, "\u0080": 6}
    expected = '{"\\r":4,"1":5,"\u0080":6,"\u20ac":3,"\U0001f600":2,"\ufb33":1}'
    assert jcs(doc) == expected.encode("utf-8")
    assert jcs(doc) == rfc8785.dumps(doc)


def test_values_without_a_canonical_form_are_refused() -> None:
    with pytest.raises(ValueError, match="canonical"):
        jcs({"a": "\ud800"})
    with pytest.raises(ValueError, match="canonical"):
        jcs({"a": 2**53})
