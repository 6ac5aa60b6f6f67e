"""Signatures of a pulled batch are checked in a helper process; nothing slips through.

Alex, an analyst, drafts 40 deals on his laptop; they arrive at Maria's workstation as one
batch, as a sync pull delivers them.
"""

from __future__ import annotations

import pytest
from fixtures_org import OrgBuilder
from signed_batches import signed_items, wait_ready

from core.commands.workspace import Workspace
from core.errors import OpRejected
from core.ops.batch_verify import shared_verifiers
from core.ops.envelope import Envelope
from core.ops.signing import DeviceKey
from core.ops.verify_process import MIN_OPS


@pytest.fixture(autouse=True)
def _helper_ready() -> None:
    """The batches below are checked by a running helper, not in line while it starts."""
    wait_ready(shared_verifiers(), signed_items(MIN_OPS))


def _drafts(org: OrgBuilder, n: int = 40) -> tuple[list[Envelope], object]:
    alex = org.user("gp_analyst", name="Alex")
    batch = [
        org.envelope("deal.create", {"name": f"Deal {i}", "currency": "USD"}, by=alex)
        for i in range(n)
    ]
    return batch, alex


def test_a_clean_batch_applies_whole(workspace: Workspace) -> None:
    org = OrgBuilder.on_workspace(workspace)
    batch, _ = _drafts(org)
    assert len(batch) >= MIN_OPS
    results = workspace.apply_signed(batch)
    assert [r.entity_id for r in results] == [e.entity_id for e in batch]


@pytest.mark.parametrize("position", [0, 17, 39])
def test_one_forged_signature_refuses_the_batch(workspace: Workspace, position: int) -> None:
    org = OrgBuilder.on_workspace(workspace)
    batch, _ = _drafts(org)
    forger = DeviceKey.generate()
    forged = batch[position].model_dump()
    forged["signature"] = forger.sign_bytes(batch[position].canonical())
    batch[position] = Envelope.model_validate(forged)
    before = workspace.digest()
    with pytest.raises(OpRejected) as refused:
        workspace.apply_signed(batch)
    assert refused.value.code == "invalid_signature"
    assert workspace.digest() == before


def test_a_device_revoked_inside_the_batch_is_refused_after_it(workspace: Workspace) -> None:
    org = OrgBuilder.on_workspace(workspace)
    batch, alex = _drafts(org)
    revoke = org.envelope(
        "device.revoke", {"reason": "laptop stolen"}, entity_id=alex.device_id, base_version=1
    )  # type: ignore[attr-defined]
    before = workspace.digest()
    with pytest.raises(OpRejected) as refused:
        workspace.apply_signed([*batch[:20], revoke, *batch[20:]])
    assert refused.value.code == "device_revoked"
    assert workspace.digest() == before
