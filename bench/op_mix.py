"""The op mix the apply and sync benchmarks share: deals with descriptive fields, their
documents, LPs with a contact, and deal updates, in a fixed rotation."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from core.ids import new_id
from core.ops.envelope import Envelope, UnsignedOp
from core.ops.signing import DeviceKey

__all__ = ["signed_mix"]


def signed_mix(
    n: int, *, org_id: str, device_id: str, actor_id: str, key: DeviceKey, start_seq: int = 1
) -> list[Envelope]:
    """``n`` ops signed by ``key`` as ``device_id``/``actor_id``, ready to apply or push."""
    seq = itertools.count(start_seq)
    ops: list[Envelope] = []
    deals: list[str] = []

    def sign(kind: str, entity_id: str, payload: dict[str, Any], base: int | None) -> None:
        ops.append(
            key.sign(
                UnsignedOp.new(
                    org_id=org_id,
                    device_id=device_id,
                    device_seq=next(seq),
                    actor_id=actor_id,
                    kind=kind,
                    entity_id=entity_id,
                    base_version=base,
                    payload=payload,
                )
            )
        )

    for i in range(n):
        pick = i % 4
        if pick == 0 or not deals:
            deals.append(new_id())
            sign(
                "deal.create",
                deals[-1],
                {
                    "name": f"Deal {i}",
                    "currency": "USD",
                    "fields": {
                        "sponsor": {"value": "Crescent Ridge Partners"},
                        "property_type": {"value": "multifamily"},
                        "asking_price": {"value": f"{10_000_000 + i}.00"},
                    },
                },
                None,
            )
        elif pick == 1:
            sign(
                "document.add",
                new_id(),
                {
                    "deal_id": deals[-1],
                    "filename": f"om_{i}.pdf",
                    "media_type": "application/pdf",
                    "size_bytes": 1_000_000,
                    "sha256": hashlib.sha256(str(i).encode()).hexdigest(),
                },
                None,
            )
        elif pick == 2:
            sign(
                "lp.create",
                new_id(),
                {
                    "name": f"LP {i}",
                    "lp_type": "institution",
                    "contacts": [
                        {"contact_id": new_id(), "name": "IR Desk", "email": f"ir{i}@lp.example"}
                    ],
                },
                None,
            )
        else:
            sign("deal.update", deals[-1], {"fields": {"city": {"value": "Austin, TX"}}}, 1)
    return ops
