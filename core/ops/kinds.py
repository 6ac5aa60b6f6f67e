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
from core.ops.payloads import access, capital, deals, funds, investors
from core.ops.payloads.base import Payload

__all__ = ["KINDS", "Concurrency", "KindSpec", "spec_for"]

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
    items = [
        s(
            "org.create",
            access.OrgCreatePayload,
            "org",
            "create",
            None,
            "Create the organization, its founder and the founder's device (genesis)",
        ),
        s(
            "user.invite",
            access.UserInvitePayload,
            "user",
            "create",
            a.ADMINISTER,
            "Add a user to the organization with roles",
        ),
        s(
            "role.grant",
            access.RoleGrantPayload,
            "user",
            "checked",
            a.ADMINISTER,
            "Grant a role to a user",
        ),
        s(
            "role.revoke",
            access.RoleRevokePayload,
            "user",
            "checked",
            a.ADMINISTER,
            "Revoke a role from a user",
        ),
        s(
            "device.enroll",
            access.DeviceEnrollPayload,
            "device",
            "create",
            a.ADMINISTER,
            "Register a device's public key for a user",
        ),
        s(
            "device.revoke",
            access.DeviceRevokePayload,
            "device",
            "checked",
            a.ADMINISTER,
            "Revoke a device; its later ops are refused",
        ),
        s(
            "entitlement.grant",
            access.EntitlementGrantPayload,
            "entitlement",
            "create",
            a.ADMINISTER,
            "Let an external user see a deal, a fund or an LP position",
        ),
        s(
            "entitlement.revoke",
            access.EntitlementRevokePayload,
            "entitlement",
            "checked",
            a.ADMINISTER,
            "Withdraw an entitlement",
        ),
        # Setting up a fund binds LP money to its terms: the GP's authority.
        s(
            "fund.create",
            deals.FundCreatePayload,
            "fund",
            "create",
            a.ISSUE_FINANCIAL,
            "Create a fund",
        ),
        s(
            "fund.update",
            funds.FundUpdatePayload,
            "fund",
            "merge",
            a.ISSUE_FINANCIAL,
            "Change a fund's name or the payment instructions printed on its notices",
        ),
        # Who controls the GPs' money actions is an administrator's setting, apart from them.
        s(
            "fund.four_eyes.set",
            funds.FundFourEyesSetPayload,
            "fund",
            "checked",
            a.ADMINISTER,
            "Set the amount above which a second GP must approve a call or distribution",
        ),
        # LPA terms and NAV marks decide what LPs receive: financial, version-checked, GP only.
        s(
            "fund.terms.set",
            funds.FundTermsSetPayload,
            "fund",
            "checked",
            a.ISSUE_FINANCIAL,
            "Record a new version of the fund's distribution terms (LPA)",
        ),
        s(
            "fund.nav.record",
            funds.FundNavRecordPayload,
            "fund",
            "checked",
            a.ISSUE_FINANCIAL,
            "Record the fund's net asset value as of a date",
        ),
        s(
            "deal.create",
            deals.DealCreatePayload,
            "deal",
            "create",
            a.EDIT_DEAL,
            "Create a deal in the draft stage",
        ),
        s(
            "deal.update",
            deals.DealUpdatePayload,
            "deal",
            "merge",
            a.EDIT_DEAL,
            "Change a deal's name or descriptive fields (merged per field)",
        ),
        s(
            "deal.transition",
            deals.DealTransitionPayload,
            "deal",
            "checked",
            None,
            "Move a deal to another lifecycle stage",
        ),
        s(
            "document.add",
            deals.DocumentAddPayload,
            "document",
            "create",
            a.EDIT_DEAL,
            "Attach a document (by SHA-256) to a deal or a fund",
        ),
        s(
            "approval.record",
            deals.ApprovalRecordPayload,
            "deal",
            "merge",
            None,
            "Record an IC vote (GP) or a legal sign-off (counsel) on a deal",
        ),
        s(
            "lp.create",
            investors.LpCreatePayload,
            "lp",
            "create",
            a.DRAFT_FINANCIAL,
            "Add an investor (LP) with its contacts",
        ),
        s(
            "lp.update",
            investors.LpUpdatePayload,
            "lp",
            "merge",
            a.DRAFT_FINANCIAL,
            "Change an LP's name or contacts",
        ),
        s(
            "commitment.create",
            investors.CommitmentCreatePayload,
            "commitment",
            "create",
            a.ISSUE_FINANCIAL,
            "Record an LP's commitment to a fund",
        ),
        s(
            "capital_call.create",
            capital.CapitalCallCreatePayload,
            "capital_call",
            "create",
            a.DRAFT_FINANCIAL,
            "Draft a capital call, allocated pro rata",
            capital.CapitalCallCreateRedactedPayload,
        ),
        # Four-eyes (DESIGN §4): a second GP approves a draft above the fund's threshold.
        s(
            "capital_call.approve",
            capital.CapitalCallApprovePayload,
            "capital_call",
            "checked",
            a.ISSUE_FINANCIAL,
            "Approve a drafted capital call as the second GP",
        ),
        s(
            "capital_call.issue",
            capital.CapitalCallIssuePayload,
            "capital_call",
            "checked",
            a.ISSUE_FINANCIAL,
            "Issue a drafted capital call to its LPs",
        ),
        s(
            "capital_call.payment",
            capital.CapitalCallPaymentPayload,
            "capital_call",
            "checked",
            a.ISSUE_FINANCIAL,
            "Record an LP's payment against an issued call",
        ),
        s(
            "distribution.create",
            capital.DistributionCreatePayload,
            "distribution",
            "create",
            a.DRAFT_FINANCIAL,
            "Draft a distribution, allocated pro rata",
            capital.DistributionCreateRedactedPayload,
        ),
        s(
            "distribution.approve",
            capital.DistributionApprovePayload,
            "distribution",
            "checked",
            a.ISSUE_FINANCIAL,
            "Approve a drafted distribution as the second GP",
        ),
        s(
            "distribution.issue",
            capital.DistributionIssuePayload,
            "distribution",
            "checked",
            a.ISSUE_FINANCIAL,
            "Issue a drafted distribution",
        ),
    ]
    return {item.kind: item for item in items}


KINDS: Final[dict[str, KindSpec]] = _specs()


def spec_for(kind: str) -> KindSpec | None:
    return KINDS.get(kind)


PayloadFactory = Callable[..., Payload]
