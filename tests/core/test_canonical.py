"""Canonical bytes (RFC 8785) and Ed25519 signatures over them (PROTOCOL.md, the envelope).

The vectors are the published ones from RFC 8785 and the cyberphone
json-canonicalization test data, minus their floating-point numbers: Deal OS never signs a
float (money is a decimal string). Then Maria, the GP at Harbor Point, signs a capital
call on her laptop: changing any byte of what she signed, or presenting it under another
device's key, gets it refused.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from fixtures_org import OrgBuilder
from hypothesis import given, settings
from hypothesis import strategies as st

from core.canonical_json import jcs
from core.errors import OpRejected
from core.ids import new_id
from core.ops.envelope import OP_SIGNING_PREFIX, Envelope, canonical_bytes
from core.ops.signing import DeviceKey, verify_envelope, verify_signature

# (input as published, expected canonical output as published)
RFC8785_VECTORS = {
    # RFC 8785 §3.2.3 / cyberphone testdata weird.json: keys sort by UTF-16 code units, so
    # the emoji (surrogates D83D DE00) sorts before U+FB33 although its code point is larger.
    "weird": (
        r"""{"\u20ac": "Euro Sign", "\r": "Carriage Return",
             "\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",
             "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
             "\u00f6": "Latin Small Letter O With Diaeresis"}""",
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    ),
    # RFC 8785 §3.2.4 without its "numbers" member: string escaping and literals.
    "values": (
        r"""{"string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
             "literals": [null, true, false]}""",
        '{"literals":[null,true,false],"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    ),
    "arrays": ('[56, {"d": true, "10": null, "1": [ ]}]', '[56,{"1":[],"10":null,"d":true}]'),
    "french": (
        """{"peach": "This sorting order", "p\u00e9ch\u00e9": "is wrong according to French",
            "p\u00eache": "but canonicalization MUST", "sin": "ignore locale"}""",
        '{"peach":"This sorting order","p\u00e9ch\u00e9":"is wrong according to French",'
        '"p\u00eache":"but canonicalization MUST","sin":"ignore locale"}',
    ),
    # structures.json with its 56.0 written as the integer 56.
    "structures": (
        """{"1": {"f": {"f": "hi", "F": 5}, "\\n": 56}, "10": { }, "": "empty", "a": { },
            "111": [ {"e": "yes", "E": "no"} ], "A": { }}""",
        '{"":"empty","1":{"\\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{"E":"no","e":"yes"}],'
        '"A":{},"a":{}}',
    ),
    # unicode.json: no normalization, A + COMBINING RING stays two code points.
    "unicode": ('{"Unnormalized Unicode":"A\\u030a"}', '{"Unnormalized Unicode":"A\u030a"}'),
}


@pytest.mark.parametrize("name", sorted(RFC8785_VECTORS))
def test_published_rfc8785_vectors(name: str) -> None:
    given_text, expected = RFC8785_VECTORS[name]
    value = json.loads(given_text)
    want = expected.encode("utf-8")
    assert jcs(value) == want
    if isinstance(value, dict):
        assert canonical_bytes(value) == OP_SIGNING_PREFIX + want


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("\b", "\\b"),
        ("\t", "\\t"),
        ("\n", "\\n"),
        ("\f", "\\f"),
        ("\r", "\\r"),
        ("\x00", "\\u0000"),
        ("\x1f", "\\u001f"),
        ("\x0b", "\\u000b"),
        ('"', '\\"'),
        ("\\", "\\\\"),
        ("/", "/"),
        ("\x7f", "\x7f"),
        ("\u2028", "\u2028"),
        ("é", "é"),
    ],
)
def test_strings_escape_only_quote_backslash_and_control_characters(
    text: str, escaped: str
) -> None:
    # JCS itself; the signed bytes refuse U+0000 (test_nul_text.py), Postgres cannot store it
    assert jcs({"k": text}) == f'{{"k":"{escaped}"}}'.encode()


def test_canonical_bytes_never_cover_a_signature() -> None:
    with pytest.raises(ValueError, match="without the signature"):
        canonical_bytes({"signature": "x"})


JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53) + 1, 2**53 - 1),
    st.text(max_size=12),
    st.text(alphabet='\x00\x1f\x7f"\\/aZ\u20ac\U0001f600\ufb33', max_size=6),
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(max_size=6) | st.sampled_from(["\r", "\ufb33", "\U0001f600"]), inner, max_size=4
        )
    ),
    max_leaves=20,
)


@settings(max_examples=400)
@given(value=JSON_VALUES)
def test_the_fast_canonicalizer_agrees_with_the_rfc8785_package(value: Any) -> None:
    assert jcs(value) == rfc8785.dumps(value)


# -- signatures ------------------------------------------------------------------------


@pytest.fixture
def signed_call(org: OrgBuilder) -> Envelope:
    """Maria signs a draft capital call with a nested, non-ASCII payload."""
    return org.envelope(
        "capital_call.create",
        {
            "fund_id": new_id(),
            "amount": "2500000.00",
            "currency": "EUR",
            "basis": "commitment",
            "call_date": "2026-03-01",
            "due_date": "2026-03-31",
            "purpose": "Acquisition — Lyon",
            "excluded_lp_ids": [new_id(), new_id()],
            "meta": {"nested": {"deeper": [1, True, None, "z"]}},
        },
    )


def test_a_signed_op_verifies_under_its_device_key(org: OrgBuilder, signed_call: Envelope) -> None:
    verify_envelope(signed_call, org.founder.key.public_key)
    assert signed_call.canonical() == canonical_bytes(signed_call.unsigned().model_dump())


def test_flipping_any_byte_of_the_signed_bytes_breaks_the_signature(
    org: OrgBuilder, signed_call: Envelope
) -> None:
    public_key = org.founder.key.public_key
    message = signed_call.canonical()
    reached_envelope = 0
    for i in range(len(message)):
        tampered = bytearray(message)
        tampered[i] ^= 0x01
        assert not verify_signature(public_key, bytes(tampered), signed_call.signature), i
        forged = _as_envelope(bytes(tampered), signed_call.signature)
        if forged is not None:
            reached_envelope += 1
            with pytest.raises(OpRejected) as info:
                verify_envelope(forged, public_key)
            assert info.value.code == "invalid_signature"
            assert info.value.field == "signature"
    # Most single-bit changes still parse as an envelope; each was refused on its signature.
    assert reached_envelope > len(message) // 2


def _as_envelope(message: bytes, signature: str) -> Envelope | None:
    """The envelope whose canonical bytes are ``message``, if the bytes still make one."""
    if not message.startswith(OP_SIGNING_PREFIX):
        return None
    try:
        data = json.loads(message[len(OP_SIGNING_PREFIX) :].decode("utf-8"))
        envelope = Envelope.model_validate({**data, "signature": signature})
    except (ValueError, TypeError):
        return None
    return envelope if envelope.canonical() == message else None


def _tweak(value: Any) -> Any:
    """The same value with one character (or one unit) changed."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if value is None:
        return 0
    digits = [i for i, c in enumerate(value) if c.isdigit()]
    if digits:  # the last digit, so ids, dates and times stay well-formed
        i = digits[-1]
        return value[:i] + str((int(value[i]) + 1) % 10) + value[i + 1 :]
    return value[:-1] + ("b" if value[-1] == "a" else "a")


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _paths(v, (*path, i))]
    return [path]


def _replace(data: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = _replace(data[path[0]], path[1:], new)
    return copy


def test_changing_any_field_or_payload_value_or_key_breaks_the_signature(
    org: OrgBuilder, signed_call: Envelope
) -> None:
    public_key = org.founder.key.public_key
    wire = signed_call.wire()
    leaves = [p for p in _paths(wire) if p != ("signature",)]
    assert len(leaves) >= 18
    variants = []
    for path in leaves:
        current = wire
        for step in path:
            current = current[step]
        variants.append(_replace(wire, path, _tweak(current)))
    for key in wire["payload"]:  # rename each payload key by one character
        payload = {(_tweak(k) if k == key else k): v for k, v in wire["payload"].items()}
        variants.append({**wire, "payload": payload})
    for variant in variants:
        forged = Envelope.model_validate(variant)
        with pytest.raises(OpRejected) as info:
            verify_envelope(forged, public_key)
        assert info.value.code == "invalid_signature", variant


def test_changing_any_character_of_the_signature_is_refused(
    org: OrgBuilder, signed_call: Envelope
) -> None:
    public_key = org.founder.key.public_key
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    sig = signed_call.signature
    for i, char in enumerate(sig):
        for other in (
            alphabet[(alphabet.index(char) + 1) % 64],
            alphabet[(alphabet.index(char) + 32) % 64],
        ):
            forged = signed_call.model_copy(update={"signature": sig[:i] + other + sig[i + 1 :]})
            with pytest.raises(OpRejected) as info:
                verify_envelope(forged, public_key)
            assert info.value.code == "invalid_signature", (i, other)


def test_a_signature_by_another_devices_key_is_refused(
    org: OrgBuilder, signed_call: Envelope
) -> None:
    intruder = DeviceKey.generate()
    resigned = intruder.sign(signed_call.unsigned())
    verify_envelope(resigned, intruder.public_key)
    for envelope, key in ((signed_call, intruder), (resigned, org.founder.key)):
        with pytest.raises(OpRejected) as info:
            verify_envelope(envelope, key.public_key)
        assert info.value.code == "invalid_signature"
