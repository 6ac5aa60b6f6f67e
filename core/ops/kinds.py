"""Every op kind: its payload model, the entity it acts on, how it meets concurrency,
and the permission (DESIGN §4) it needs.

Concurrency (DESIGN §3 rule 4):
- ``create``: ``base_version`` is null and the entity must not exist yet;
- ``checked``: financial records and stage transitions; a stale ``base_version`` is a
  ``version_conflict`` carrying the current version;
- ``merge``: descriptive changes; applied on top in server order, history kept in the log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from core.domain.roles import Action
from core.ops.changes import Area
from core.ops.payloads import access, capital, deals, funds, investors, readers
from core.ops.payloads.base import Payload

__all__ = ["KINDS", "Concurrency", "KindSpec", "spec_for", "spec_of"]

Concurrency = Literal["create", "checked", "merge"]


@dataclass(frozen=True, slots=True)
class KindSpec:
    kind: str
    payload: type[Payload]
    entity_type: str
    concurrency: Concurrency
    # The action the op needs; None where it depends on the payload or the entity's state
    # (deal.transition, approval.record), decided by the kind's reducer.
    action: Action | None
    summary: str
    # What an external reader is shown of the payload where that is not a valid payload of
    # the kind itself (core.redaction): an LP's own allocation in place of the call's total.
    redacted: type[Payload] | None = None
    # What the op changes, in the areas screens redraw by (core.ops.changes).
    areas: frozenset[Area] = frozenset()
    # What a person calls the op in a list: "Payment recorded", "Capital call issued".
    label: str = ""

    @property
    def schema_name(self) -> str:
        """``DealCreatePayload`` for ``deal.create``: the OpenAPI component name."""
        return self.payload.__name__

    @property
    def redacted_schema_name(self) -> str:
        """The schema a redacted payload of this kind validates against:
        ``<Kind>RedactedPayload`` where the view differs, else ``<Kind>Payload``."""
        return (self.redacted or self.payload).__name__


def _specs() -> dict[str, KindSpec]:
    a = Action
    s = KindSpec
    A = Area
    items = [
        s(
            "org.create",
            access.OrgCreatePayload,
            "org",
            "create",
            None,
            "Create the organization, its founder and the founder's device (genesis)",
            redacted=readers.OrgCreateRedactedPayload,
            areas=frozenset({A.ORGANIZATION, A.PEOPLE}),
            label="Organization created",
        ),
        s(
            "user.invite",
            access.UserInvitePayload,
            "user",
            "create",
            a.ADMINISTER,
            "Add a user to the organization with roles",
            areas=frozenset({A.PEOPLE}),
            label="User invited",
        ),
        s(
            "role.grant",
            access.RoleGrantPayload,
            "user",
            "checked",
            a.ADMINISTER,
            "Grant a role to a user",
            areas=frozenset({A.PEOPLE}),
            label="Role granted",
        ),
        s(
            "role.revoke",
            access.RoleRevokePayload,
            "user",
            "checked",
            a.ADMINISTER,
            "Revoke a role from a user",
            areas=frozenset({A.PEOPLE}),
            label="Role revoked",
        ),
        s(
            "device.enroll",
            access.DeviceEnrollPayload,
            "device",
            "create",
            a.ADMINISTER,
            "Register a device's public key for a user",
            areas=frozenset({A.PEOPLE}),
            label="Device enrolled",
        ),
        s(
            "device.revoke",
            access.DeviceRevokePayload,
            "device",
            "checked",
            a.ADMINISTER,
            "Revoke a device; its later ops are refused",
            areas=frozenset({A.PEOPLE}),
            label="Device revoked",
        ),
        s(
            "entitlement.grant",
            access.EntitlementGrantPayload,
            "entitlement",
            "create",
            a.ADMINISTER,
            "Let an external user see a deal, a fund or an LP position",
            areas=frozenset({A.PEOPLE}),
            label="Access granted",
        ),
        s(
            "entitlement.revoke",
            access.EntitlementRevokePayload,
            "entitlement",
            "checked",
            a.ADMINISTER,
            "Withdraw an entitlement",
            areas=frozenset({A.PEOPLE}),
            label="Access withdrawn",
        ),
        # Setting up a fund binds LP money to its terms: the GP's authority.
        s(
            "fund.create",
            deals.FundCreatePayload,
            "fund",
            "create",
            a.ISSUE_FINANCIAL,
            "Create a fund",
            areas=frozenset({A.FUNDS}),
            label="Fund created",
        ),
        s(
            "fund.update",
            funds.FundUpdatePayload,
            "fund",
            "merge",
            a.ISSUE_FINANCIAL,
            "Change a fund's name or the payment instructions printed on its notices",
            areas=frozenset({A.FUNDS}),
            label="Fund changed",
        ),
        # Who controls the GPs' money actions is an administrator's setting, apart from them.
        s(
            "fund.four_eyes.set",
            funds.FundFourEyesSetPayload,
            "fund",
            "checked",
            a.ADMINISTER,
            "Set the amount above which a second GP must approve a call or distribution",
            areas=frozenset({A.FUNDS}),
            label="Four-eyes threshold set",
        ),
        # LPA terms and NAV marks decide what LPs receive: financial, version-checked, GP only.
        s(
            "fund.terms.set",
            funds.FundTermsSetPayload,
            "fund",
            "checked",
            a.ISSUE_FINANCIAL,
            "Record a new version of the fund's distribution terms (LPA)",
            areas=frozenset({A.TERMS}),
            label="LPA terms recorded",
        ),
        s(
            "fund.close",
            funds.FundClosePayload,
            "fund",
            "checked",
            a.ISSUE_FINANCIAL,
            "Hold the fund's final close: no new commitments after the day",
            areas=frozenset({A.FUNDS}),
            label="Final close held",
        ),
        s(
            "fund.nav.record",
            funds.FundNavRecordPayload,
            "fund",
            "checked",
            a.ISSUE_FINANCIAL,
            "Record the fund's net asset value as of a date",
            redacted=readers.FundNavRecordRedactedPayload,
            areas=frozenset({A.NAV}),
            label="NAV recorded",
        ),
        s(
            "deal.create",
            deals.DealCreatePayload,
            "deal",
            "create",
            a.EDIT_DEAL,
            "Create a deal in the draft stage",
            areas=frozenset({A.DEALS}),
            label="Deal created",
        ),
        s(
            "deal.update",
            deals.DealUpdatePayload,
            "deal",
            "merge",
            a.EDIT_DEAL,
            "Change a deal's name or descriptive fields (merged per field)",
            areas=frozenset({A.DEALS}),
            label="Deal changed",
        ),
        s(
            "deal.transition",
            deals.DealTransitionPayload,
            "deal",
            "checked",
            None,
            "Move a deal to another lifecycle stage",
            areas=frozenset({A.DEALS}),
            label="Deal moved",
        ),
        s(
            "document.add",
            deals.DocumentAddPayload,
            "document",
            "create",
            a.EDIT_DEAL,
            "Attach a document (by SHA-256) to a deal or a fund",
            areas=frozenset({A.DOCUMENTS}),
            label="Document added",
        ),
        s(
            "approval.record",
            deals.ApprovalRecordPayload,
            "deal",
            "merge",
            None,
            "Record an IC vote (GP) or a legal sign-off (counsel) on a deal",
            areas=frozenset({A.DEALS}),
            label="Vote or sign-off recorded",
        ),
        s(
            "lp.create",
            investors.LpCreatePayload,
            "lp",
            "create",
            a.DRAFT_FINANCIAL,
            "Add an investor (LP) with its contacts",
            areas=frozenset({A.INVESTORS}),
            label="Investor added",
        ),
        s(
            "lp.update",
            investors.LpUpdatePayload,
            "lp",
            "merge",
            a.DRAFT_FINANCIAL,
            "Change an LP's name or contacts",
            areas=frozenset({A.INVESTORS}),
            label="Investor changed",
        ),
        s(
            "commitment.create",
            investors.CommitmentCreatePayload,
            "commitment",
            "create",
            a.ISSUE_FINANCIAL,
            "Record an LP's commitment to a fund",
            areas=frozenset({A.COMMITMENTS}),
            label="Commitment recorded",
        ),
        s(
            "commitment.transfer",
            investors.CommitmentTransferPayload,
            "commitment",
            "create",
            a.ISSUE_FINANCIAL,
            "Pass part of an LP's unfunded commitment to another LP",
            redacted=readers.CommitmentTransferRedactedPayload,
            areas=frozenset({A.COMMITMENTS}),
            label="Commitment transferred",
        ),
        s(
            "capital_call.create",
            capital.CapitalCallCreatePayload,
            "capital_call",
            "create",
            a.DRAFT_FINANCIAL,
            "Draft a capital call, allocated pro rata",
            capital.CapitalCallCreateRedactedPayload,
            areas=frozenset({A.CALLS}),
            label="Capital call drafted",
        ),
        # Four-eyes (DESIGN §4): a second GP approves a draft above the fund's threshold.
        s(
            "capital_call.approve",
            capital.CapitalCallApprovePayload,
            "capital_call",
            "checked",
            a.ISSUE_FINANCIAL,
            "Approve a drafted capital call as the second GP",
            areas=frozenset({A.CALLS}),
            label="Capital call approved",
        ),
        s(
            "capital_call.issue",
            capital.CapitalCallIssuePayload,
            "capital_call",
            "checked",
            a.ISSUE_FINANCIAL,
            "Issue a drafted capital call to its LPs",
            redacted=capital.CapitalCallIssueRedactedPayload,
            areas=frozenset({A.CALLS}),
            label="Capital call issued",
        ),
        s(
            "capital_call.revise",
            capital.CapitalCallRevisePayload,
            "capital_call",
            "checked",
            a.DRAFT_FINANCIAL,
            "Change a drafted capital call's terms; it is allocated again",
            capital.CapitalCallReviseRedactedPayload,
            areas=frozenset({A.CALLS}),
            label="Draft call changed",
        ),
        s(
            "capital_call.delete",
            capital.CapitalCallDeletePayload,
            "capital_call",
            "checked",
            a.DRAFT_FINANCIAL,
            "Delete a drafted capital call before it is issued",
            areas=frozenset({A.CALLS}),
            label="Draft call deleted",
        ),
        s(
            "capital_call.payment",
            capital.CapitalCallPaymentPayload,
            "capital_call",
            "checked",
            a.ISSUE_FINANCIAL,
            "Record an LP's payment against an issued call",
            areas=frozenset({A.CALLS}),
            label="Payment recorded",
        ),
        s(
            "distribution.create",
            capital.DistributionCreatePayload,
            "distribution",
            "create",
            a.DRAFT_FINANCIAL,
            "Draft a distribution, allocated pro rata",
            capital.DistributionCreateRedactedPayload,
            areas=frozenset({A.DISTRIBUTIONS}),
            label="Distribution drafted",
        ),
        s(
            "distribution.approve",
            capital.DistributionApprovePayload,
            "distribution",
            "checked",
            a.ISSUE_FINANCIAL,
            "Approve a drafted distribution as the second GP",
            areas=frozenset({A.DISTRIBUTIONS}),
            label="Distribution approved",
        ),
        s(
            "distribution.revise",
            capital.DistributionRevisePayload,
            "distribution",
            "checked",
            a.DRAFT_FINANCIAL,
            "Change a drafted distribution's terms; it is allocated again",
            capital.DistributionReviseRedactedPayload,
            areas=frozenset({A.DISTRIBUTIONS}),
            label="Draft distribution changed",
        ),
        s(
            "distribution.delete",
            capital.DistributionDeletePayload,
            "distribution",
            "checked",
            a.DRAFT_FINANCIAL,
            "Delete a drafted distribution before it is issued",
            areas=frozenset({A.DISTRIBUTIONS}),
            label="Draft distribution deleted",
        ),
        s(
            "distribution.issue",
            capital.DistributionIssuePayload,
            "distribution",
            "checked",
            a.ISSUE_FINANCIAL,
            "Issue a drafted distribution",
            redacted=capital.DistributionIssueRedactedPayload,
            areas=frozenset({A.DISTRIBUTIONS, A.CALLS}),
            label="Distribution issued",
        ),
    ]
    return {item.kind: item for item in items}


KINDS: Final[dict[str, KindSpec]] = _specs()


def spec_for(kind: str) -> KindSpec | None:
    return KINDS.get(kind)


def _by_payload() -> dict[type[Payload], KindSpec]:
    found: dict[type[Payload], KindSpec] = {}
    for spec in KINDS.values():
        if spec.payload in found:
            raise TypeError(f"{spec.payload.__name__} is the payload of two kinds")
        found[spec.payload] = spec
    return found


_BY_PAYLOAD: Final[dict[type[Payload], KindSpec]] = _by_payload()


def spec_of(command: Payload) -> KindSpec:
    """The kind a payload model is the command of: ``capital_call.create`` for a
    :class:`~core.ops.payloads.capital.CapitalCallCreatePayload`. Each kind has a payload
    class of its own, so the class names the kind and no caller spells it."""
    spec = _BY_PAYLOAD.get(type(command))
    if spec is None:
        raise TypeError(f"{type(command).__name__} is not the payload of any op kind")
    return spec


PayloadFactory = Callable[..., Payload]
