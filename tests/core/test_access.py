"""Users, roles, devices and entitlements: the admin's rules, and the organization's birth.

Harbor Point Capital's admin (Maria, the founder) invites Sam the analyst, enrolls his
laptop, revokes it when it is stolen, and entitles outside counsel and an LP to what they
may see. Every refusal names its code and field and leaves the store as it was.
"""

from __future__ import annotations

import pytest
from fixtures_org import Actor, MemorySink, OrgBuilder

from core.ids import new_id
from core.ops.signing import DeviceKey


def test_a_revoked_device_can_sign_nothing_more(org: OrgBuilder) -> None:
    analyst = org.user("gp_analyst")
    org.deal(by=analyst)
    org.submit_wire("device.revoke", {"reason": "stolen"}, entity_id=analyst.device_id)
    refusal = org.refused("deal.create", {"name": "D", "currency": "USD"}, by=analyst)
    assert (refusal.code, refusal.field) == ("device_revoked", "device_id")
    again = org.refused("device.revoke", {}, entity_id=analyst.device_id)
    assert (again.code, again.field) == ("invariant_violation", "entity_id")


def test_the_actor_must_own_the_signing_device(org: OrgBuilder) -> None:
    analyst = org.user("gp_analyst")
    impostor = type(analyst)(org.founder.user_id, analyst.device_id, analyst.key, ())
    refusal = org.refused("fund.create", {"name": "F", "currency": "USD"}, by=impostor)
    assert (refusal.code, refusal.field) == ("actor_mismatch", "actor_id")


def test_the_last_admin_cannot_be_revoked(org: OrgBuilder) -> None:
    founder = org.founder.user_id
    last = org.refused("role.revoke", {"role": "admin"}, entity_id=founder)
    assert (last.code, last.field) == ("invariant_violation", "payload.role")
    deputy = org.user("admin")
    org.submit_wire("role.revoke", {"role": "admin"}, entity_id=founder)
    refusal = org.refused("role.revoke", {"role": "admin"}, by=deputy, entity_id=deputy.user_id)
    assert (refusal.code, refusal.field) == ("invariant_violation", "payload.role")
    assert [r["user_id"] for r in org.rows("memberships", role="admin")] == [deputy.user_id]


@pytest.mark.parametrize("role", ["gp", "gp_analyst", "admin", "auditor", "regulator"])
def test_entitlements_are_only_for_external_roles(org: OrgBuilder, role: str) -> None:
    staff = org.user(role)
    refusal = org.refused(
        "entitlement.grant",
        {"user_id": staff.user_id, "scope_type": "deal", "scope_id": org.deal()},
    )
    assert (refusal.code, refusal.field) == ("invariant_violation", "payload.user_id")


def test_only_an_lp_user_is_entitled_to_an_lp_position(org: OrgBuilder) -> None:
    lender, investor, lp_id = org.user("lender"), org.user("lp"), org.lp()
    refusal = org.refused(
        "entitlement.grant", {"user_id": lender.user_id, "scope_type": "lp", "scope_id": lp_id}
    )
    assert (refusal.code, refusal.field) == ("invariant_violation", "payload.scope_type")
    org.entitle(investor, "lp", lp_id)
    twice = org.refused(
        "entitlement.grant", {"user_id": investor.user_id, "scope_type": "lp", "scope_id": lp_id}
    )
    assert (twice.code, twice.field) == ("invariant_violation", "payload.scope_id")


def test_emails_public_keys_and_roles_are_not_duplicated(org: OrgBuilder) -> None:
    sam = org.user("gp_analyst", name="sam")
    email = org.refused(
        "user.invite",
        {"email": "SAM@harborpoint.example", "display_name": "Sam 2", "roles": ["lp"]},
    )
    assert (email.code, email.field) == ("invariant_violation", "payload.email")
    key = org.refused(
        "device.enroll", {"user_id": sam.user_id, "name": "again", "public_key": sam.key.public_key}
    )
    assert (key.code, key.field) == ("invariant_violation", "payload.public_key")
    role = org.refused("role.grant", {"role": "gp_analyst"}, entity_id=sam.user_id)
    assert (role.code, role.field) == ("invariant_violation", "payload.role")
    absent = org.refused("role.revoke", {"role": "gp"}, entity_id=sam.user_id)
    assert (absent.code, absent.field) == ("invariant_violation", "payload.role")


def test_the_organization_is_created_once(org: OrgBuilder) -> None:
    key = DeviceKey.generate()
    payload = {
        "name": "Again",
        "base_currency": "USD",
        "founder": {"email": "x@y.co", "display_name": "X"},
        "device": {"public_key": key.public_key, "name": "x"},
    }
    refusal = org.refused("org.create", payload, entity_id=org.org_id, base_version=None)
    assert refusal.code == "invariant_violation"


def _genesis(org: OrgBuilder, key: DeviceKey) -> dict[str, object]:
    return {
        "name": "Bayside Partners",
        "base_currency": "USD",
        "founder": {"email": "lee@bayside.example", "display_name": "Lee"},
        "device": {"public_key": key.public_key, "name": "Lee's laptop"},
    }


@pytest.mark.parametrize(
    ("clash", "field"),
    [("actor=org", "actor_id"), ("device=org", "device_id"), ("actor=device", "device_id")],
)
def test_genesis_ids_must_be_distinct(clash: str, field: str) -> None:
    org_id, user_id, device_id = new_id(), new_id(), new_id()
    if clash == "actor=org":
        user_id = org_id
    elif clash == "device=org":
        device_id = org_id
    else:
        device_id = user_id
    key = DeviceKey.generate()
    founder = Actor(user_id, device_id, key, ("gp", "admin"))
    org = OrgBuilder(MemorySink(org_id), org_id, founder)
    refusal = org.refused("org.create", _genesis(org, key), entity_id=org_id)
    assert (refusal.code, refusal.field) == ("invalid_payload", field)


def test_a_contact_id_belongs_to_one_lp(org: OrgBuilder) -> None:
    contact_id = new_id()
    contact = {"contact_id": contact_id, "name": "Ana Ruiz", "email": "ana@pension.example"}
    pension = org.submit_wire(
        "lp.create", {"name": "State Pension", "lp_type": "institution", "contacts": [contact]}
    )
    taken = org.refused(
        "lp.create", {"name": "Other LP", "lp_type": "individual", "contacts": [contact]}
    )
    assert (taken.code, taken.field) == ("invariant_violation", "payload.contacts.0.contact_id")
    other = org.lp("Okafor Family Office")
    moved = org.refused("lp.update", {"name": "Okafor FO", "contacts": [contact]}, entity_id=other)
    assert (moved.code, moved.field) == ("invariant_violation", "payload.contacts.0.contact_id")
    renamed = {**contact, "name": "Ana Ruiz-Okafor"}
    org.submit_wire("lp.update", {"contacts": [renamed]}, entity_id=pension)
    assert org.row("lp_contacts", contact_id=contact_id)["name"] == "Ana Ruiz-Okafor"
    empty = org.refused("lp.update", {}, entity_id=pension)
    assert (empty.code, empty.field) == ("invalid_payload", "payload")


def test_genesis_makes_the_founder_gp_and_admin_on_an_active_device(org: OrgBuilder) -> None:
    founder = org.founder
    roles = {r["role"] for r in org.rows("memberships", user_id=founder.user_id)}
    assert roles == {"gp", "admin"}
    device = org.row("devices", device_id=founder.device_id)
    assert (device["user_id"], device["status"]) == (founder.user_id, "active")
    assert device["public_key"] == founder.key.public_key
    organization = org.row("organizations")
    assert (organization["name"], organization["base_currency"]) == ("Harbor Point Capital", "USD")
    assert [org.version(i) for i in (org.org_id, founder.user_id, founder.device_id)] == [1, 1, 1]


def test_genesis_is_signed_by_the_device_it_enrolls() -> None:
    org_id = new_id()
    enrolled, signer = DeviceKey.generate(), DeviceKey.generate()
    founder = Actor(new_id(), new_id(), signer, ("gp", "admin"))
    org = OrgBuilder(MemorySink(org_id), org_id, founder)
    refusal = org.refused("org.create", _genesis(org, enrolled), entity_id=org_id)
    assert (refusal.code, refusal.field) == ("invalid_signature", "signature")
    elsewhere = org.refused("org.create", _genesis(org, signer), entity_id=new_id())
    assert (elsewhere.code, elsewhere.field) == ("invalid_payload", "entity_id")
    org.submit_wire("org.create", _genesis(org, signer), entity_id=org_id)
    assert org.row("organizations")["name"] == "Bayside Partners"
