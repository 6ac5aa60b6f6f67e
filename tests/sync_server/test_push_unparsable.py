"""Pushes in which no op parses, or that hold no op at all, are answered per PROTOCOL.md:
200 with one rejection per op (or none), never a 500, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from scenario import Org


def _without(op: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in op.items() if k != field}


async def test_an_empty_push_answers_no_results(org: Org) -> None:
    resp = await org.push()
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {"results": []}


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        (lambda op: _without(op, "issued_at"), "invalid_payload", "issued_at"),
        (lambda op: {**op, "priority": "high"}, "unknown_field", "priority"),
        (lambda op: {**op, "device_seq": "7"}, "invalid_payload", "device_seq"),
        (lambda op: "not an op", "invalid_payload", None),
    ],
    ids=["no issued_at", "unknown top-level field", "device_seq as text", "a string"],
)
async def test_a_push_whose_only_op_does_not_parse_is_refused_op_by_op(
    org: Org, change: Any, code: str, field: str | None
) -> None:
    before = len(await org.pull_all())
    op = change(org.op("deal.create", {"name": "Mill St", "currency": "USD"}).wire())
    resp = await org.push(op)
    assert resp.status == 200, await resp.text()
    [result] = (await resp.json())["results"]
    assert result["status"] == "rejected"
    assert result["error"]["code"] == code
    assert result["error"]["field"] == field
    assert len(await org.pull_all()) == before
