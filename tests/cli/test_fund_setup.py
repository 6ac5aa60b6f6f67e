"""A GP sets up a fund from an empty folder with the real ``dealos`` commands, reads every
confirmation, and is refused in words for every bad input, with nothing written.

Acme Capital (founder Gail Park, GP and admin) creates Fund I in USD, vintage 2026, with
wire instructions, European terms (8 % simple preferred return, full catch-up, 20 %
carry), a four-eyes threshold of $1,000,000.00; adds Ash Pension ($1,000,000.00) and Birch
Family ($2,000,000.00), both committed in January 2026, and a NAV of $12,500,000.00.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from setup_org import SetupOrg, start_org

from core.ids import is_uuid

FUND_I = ("fund", "create", "--name", "Fund I", "--currency", "USD", "--vintage", "2026")
TERMS = (
    "European (whole-fund) waterfall; 8% preferred return, simple; 100% GP catch-up; "
    "20% carried interest to Acme GP LLC; apportioned by contributions (version 1, LPA §8)"
)
WIRE = (
    "First Bank; account Acme Fund I LP, number 12345678; routing 021000021; "
    "SWIFT CHASUS33; reference FUND-I"
)


def _id_then(lines: list[str]) -> tuple[str, list[str]]:
    """The id a command prints alone on its first line, and what it says after it."""
    assert is_uuid(lines[0]), lines
    return lines[0], lines[1:]


def test_a_gp_sets_up_a_fund_from_an_empty_folder(tmp_path: Path) -> None:
    org = start_org(tmp_path)
    assert org.ok("fund", "list") == [
        "no funds yet: create one with dealos fund create --name NAME --currency USD"
    ]
    fund, said = _id_then(org.ok(*FUND_I))
    assert said == ["created fund Fund I in USD, vintage 2026"]

    wire = ("--bank-name", "First Bank", "--account-name", "Acme Fund I LP")
    wire += ("--account-number", "12345678", "--routing", "021000021", "--swift", "CHASUS33")
    said = org.ok("fund", "edit", "--fund", fund, *wire, "--reference", "FUND-I")
    assert said == [fund, f"updated fund Fund I: payment instructions: {WIRE}"]

    said = org.ok(
        "fund", "terms", "--fund", fund, "--style", "european", "--pref", "0.08",
        "--compounding", "simple", "--carry", "0.20", "--catch-up", "1",
        "--gp-name", "Acme GP LLC", "--label", "LPA §8",
    )  # fmt: skip
    assert said == [fund, f"set the LPA terms of Fund I: {TERMS}"]

    said = org.ok("fund", "four-eyes", "--fund", fund, "--threshold", "1000000")
    assert said == [
        fund,
        "four-eyes for Fund I: calls and distributions above $1,000,000.00 need a second "
        "GP's approval",
    ]

    ash, said = _id_then(
        org.ok("lp", "add", "--name", "Ash Pension", "--type", "institution",
               "--contact", "Jane Roe <jane@ash.example>")
    )  # fmt: skip
    assert said == ["added LP Ash Pension (institution) with contact Jane Roe <jane@ash.example>"]
    birch, said = _id_then(
        org.ok("lp", "add", "--name", "Birch Family", "--type", "family_office",
               "--contact", "Bo Birch <Bo@Birch.example>",
               "--contact", "Al Birch <al@birch.example>")
    )  # fmt: skip
    assert said == [
        "added LP Birch Family (family office) with contacts Bo Birch <bo@birch.example>, "
        "Al Birch <al@birch.example>"
    ]

    one, said = _id_then(
        org.ok("commitment", "add", "--fund", fund, "--lp", ash, "--amount", "1000000.00",
               "--on", "2026-01-15")
    )  # fmt: skip
    assert said == [
        "recorded Ash Pension's commitment of $1,000,000.00 to Fund I, dated 2026-01-15"
    ]
    _, said = _id_then(
        org.ok("commitment", "add", "--fund", fund, "--lp", birch, "--amount", "2,000,000",
               "--on", "2026-01-20")
    )  # fmt: skip
    assert said == [
        "recorded Birch Family's commitment of $2,000,000.00 to Fund I, dated 2026-01-20"
    ]

    mark, said = _id_then(
        org.ok("nav", "record", "--fund", fund, "--as-of", "2026-09-30",
               "--nav", "12500000.00", "--note", "Q3 2026 valuation")
    )  # fmt: skip
    assert said == ["recorded the NAV of Fund I as of 2026-09-30: $12,500,000.00"]

    assert org.ok("fund", "list") == [
        f"Fund I  USD  {fund}  committed 3,000,000.00  called 0.00  paid-in 0.00  2 LPs"
    ]
    assert org.ok("fund", "show", "--fund", fund) == [
        "Fund I (USD, vintage 2026)",
        f"id         {fund}",
        "figures    committed $3,000,000.00 by 2 LPs; called $0.00; paid-in $0.00",
        f"terms      {TERMS}",
        f"payment    {WIRE}",
        "four-eyes  calls and distributions above $1,000,000.00 need a second GP's approval",
        "close      open to new commitments (dealos fund close holds the final close)",
        "NAV        $12,500,000.00 as of 2026-09-30 (Q3 2026 valuation)",
    ]
    assert org.ok("lp", "list", "--fund", fund) == [
        f"{ash}  institution   {'Ash Pension':<44} committed USD 1,000,000.00 on 2026-01-15",
        f"{birch}  family_office {'Birch Family':<44} committed USD 2,000,000.00 on 2026-01-20",
    ]

    # Each change is one signed op of its kind; the rows it wrote are the projection's.
    kinds = [k for (k,) in org.rows("SELECT kind FROM op_log ORDER BY local_seq")]
    assert kinds == [
        "org.create", "fund.create", "fund.update", "fund.terms.set", "fund.four_eyes.set",
        "lp.create", "lp.create", "commitment.create", "commitment.create", "fund.nav.record",
    ]  # fmt: skip
    assert org.rows(f"SELECT amount FROM commitments WHERE commitment_id = '{one}'") == [
        ("1000000.00",)
    ]
    assert org.rows("SELECT valuation_id, nav FROM fund_valuations") == [(mark, "12500000.00")]
    digest = org.ok("digest")
    assert org.ok("rebuild") == digest
    assert org.ok("audit", "verify")[0].startswith("audit chain intact: 10 entries")


def test_renaming_and_changing_wire_details_keeps_the_rest(tmp_path: Path) -> None:
    org = start_org(tmp_path)
    fund, _ = _id_then(org.ok(*FUND_I))
    org.ok("fund", "edit", "--fund", fund, "--bank-name", "First Bank",
           "--account-name", "Acme Fund I LP", "--account-number", "12345678")  # fmt: skip
    said = org.ok("fund", "edit", "--fund", fund, "--name", "Acme Fund I", "--reference", "AF1")
    assert said == [
        fund,
        "updated fund Acme Fund I: renamed Fund I to Acme Fund I; payment instructions: "
        "First Bank; account Acme Fund I LP, number 12345678; reference AF1",
    ]
    assert org.ok("fund", "four-eyes", "--fund", fund, "--threshold", "0")[1] == (
        "four-eyes for Acme Fund I: every call and distribution needs a second GP's approval"
    )
    assert org.ok("fund", "four-eyes", "--fund", fund, "--threshold", "none")[1] == (
        "four-eyes for Acme Fund I: off: one GP issues calls and distributions alone"
    )
    lp, _ = _id_then(org.ok("lp", "add", "--name", "Ash", "--type", "individual"))
    said = org.ok("lp", "edit", "--lp", lp, "--name", "Ash Pension",
                  "--contact", "Jane Roe <jane@ash.example>")  # fmt: skip
    assert said == [
        lp,
        "updated LP Ash Pension: renamed Ash to Ash Pension; contacts: Jane Roe <jane@ash.example>",
    ]
    assert org.ok("lp", "list") == [f"{lp}  individual    {'Ash Pension':<44} committed -"]
    twin = org.dealos("lp", "add", "--name", "Ash Pension", "--type", "institution")
    assert twin.returncode == 0
    assert twin.stderr.strip() == (
        f"note: 1 other LP is named Ash Pension ({lp}); an import cannot tell them apart"
    )


def test_an_admin_invites_people_and_grants_what_they_see(tmp_path: Path) -> None:
    org = start_org(tmp_path)
    fund, _ = _id_then(org.ok(*FUND_I))
    lp, _ = _id_then(org.ok("lp", "add", "--name", "Ash Pension", "--type", "institution"))
    kim, said = _id_then(
        org.ok("user", "invite", "--email", "Kim@Law.example", "--name", "Kim Law",
               "--role", "counsel")
    )  # fmt: skip
    assert said == ["invited Kim Law <kim@law.example> as counsel"]
    jo, said = _id_then(
        org.ok("user", "invite", "--email", "jo@ash.example", "--name", "Jo Ash", "--role", "lp")
    )
    assert said == ["invited Jo Ash <jo@ash.example> as LP"]
    assert org.ok("user", "role", "--user", kim, "--grant", "lender") == [
        kim,
        "granted lender to Kim Law; roles now: counsel, lender",
    ]
    assert org.ok("user", "role", "--user", kim, "--revoke", "lender") == [
        kim,
        "revoked lender from Kim Law; roles now: counsel",
    ]
    gail = org.rows("SELECT user_id FROM users WHERE email = 'gail@acme.example'")[0][0]
    assert org.ok("user", "list") == [
        f"{gail}  Gail Park  gail@acme.example  admin, GP",
        f"{jo}  Jo Ash     jo@ash.example  LP",
        f"{kim}  Kim Law    kim@law.example  counsel",
    ]
    seen, said = _id_then(org.ok("entitlement", "grant", "--user", kim, "--fund", fund))
    assert said == ["Kim Law (counsel) may now see fund Fund I"]
    own, said = _id_then(org.ok("entitlement", "grant", "--user", jo, "--lp", lp))
    assert said == ["Jo Ash (LP) may now see the position of LP Ash Pension"]
    assert org.ok("entitlement", "revoke", "--entitlement", seen, "--reason", "matter closed") == [
        seen,
        "Kim Law may no longer see fund Fund I",
    ]
    assert org.ok("entitlement", "list") == [
        f"{own}  active   Jo Ash  sees the position of LP Ash Pension ({lp})",
        f"{seen}  revoked  Kim Law  sees fund Fund I ({fund})",
    ]


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> tuple[SetupOrg, dict[str, str]]:
    """Fund I with Ash Pension committed $1,000,000.00, a NAV as of 2026-09-30, and Kim
    Law, counsel."""
    org = start_org(tmp_path_factory.mktemp("refusals"))
    fund = org.ok(*FUND_I)[0]
    lp = org.ok("lp", "add", "--name", "Ash Pension", "--type", "institution")[0]
    org.ok("commitment", "add", "--fund", fund, "--lp", lp, "--amount", "1000000", "--on",
           "2026-01-15")  # fmt: skip
    org.ok("nav", "record", "--fund", fund, "--as-of", "2026-09-30", "--nav", "100.00")
    kim = org.ok("user", "invite", "--email", "kim@law.example", "--name", "Kim Law",
                 "--role", "counsel")[0]  # fmt: skip
    gail = str(org.rows("SELECT user_id FROM users WHERE email = 'gail@acme.example'")[0][0])
    return org, {"fund": fund, "lp": lp, "kim": kim, "gail": gail}


NO_FUND = "01936f0e-8c2a-7c1e-9a55-3f1c2b7d4e10"
Args = Callable[[dict[str, str]], list[str]]
TERMS_ARGS = ["--style", "european", "--compounding", "simple", "--gp-name", "Acme GP"]
REFUSALS: list[tuple[str, Args, str]] = [
    (
        "an amount finer than the currency's minor unit",
        lambda i: ["commitment", "add", "--fund", i["fund"], "--lp", i["lp"],
                   "--amount", "1000.005", "--on", "2026-01-15"],
        "dealos: the commitment amount (--amount): USD amounts have at most 2 decimal places; "
        "1000.005 has 3",
    ),
    (
        "a second commitment of one LP to one fund",
        lambda i: ["commitment", "add", "--fund", i["fund"], "--lp", i["lp"],
                   "--amount", "5", "--on", "2026-01-15"],
        "dealos: the LP (--lp): the LP already has a commitment to this fund",
    ),
    (
        "an amount that is not a number",
        lambda i: ["commitment", "add", "--fund", i["fund"], "--lp", i["lp"],
                   "--amount", "$5", "--on", "2026-01-15"],
        "dealos commitment add: --amount: $5 is not an amount: give digits such as 1000000.00 "
        "(no currency sign) (see dealos commitment add --help)",
    ),
    (
        "a date in another form",
        lambda i: ["commitment", "add", "--fund", i["fund"], "--lp", i["lp"],
                   "--amount", "5", "--on", "15/01/2026"],
        "dealos commitment add: --on: 15/01/2026 is not a date as YYYY-MM-DD, such as "
        "2026-01-15 (see dealos commitment add --help)",
    ),
    (
        "missing options",
        lambda i: ["commitment", "add", "--fund", i["fund"], "--amount", "5"],
        "dealos commitment add: --lp and --on must be given (see dealos commitment add --help)",
    ),
    (
        "a fund the organization does not have",
        lambda i: ["commitment", "add", "--fund", NO_FUND, "--lp", i["lp"],
                   "--amount", "5", "--on", "2026-01-15"],
        f"dealos: --fund: no fund {NO_FUND} in this organization (dealos fund list)",
    ),
    (
        "an unknown currency",
        lambda i: ["fund", "create", "--name", "Fund X", "--currency", "XYZ"],
        "dealos: the currency (--currency): must be a supported ISO 4217 currency code such "
        "as USD",
    ),
    (
        "a name past 200 characters",
        lambda i: ["fund", "create", "--name", "F" * 201, "--currency", "USD"],
        "dealos: the fund's name (--name): must be at most 200 characters",
    ),
    (
        "a rate given as a whole percentage",
        lambda i: ["fund", "terms", "--fund", i["fund"], *TERMS_ARGS, "--pref", "8",
                   "--carry", "0.2"],
        "dealos fund terms: --pref: 8 is not a rate between 0 and 1: give 0.08 or 8% for 8 % "
        "(see dealos fund terms --help)",
    ),
    (
        "a catch-up that never completes",
        lambda i: ["fund", "terms", "--fund", i["fund"], *TERMS_ARGS, "--pref", "8%",
                   "--carry", "0.2", "--catch-up", "0.1"],
        "dealos: the terms: the terms do not hold together: the catch-up (10 %) must exceed the "
        "carried interest share (20 %), or the catch-up never completes",
    ),
    (
        "an LP for the GP's commitment that does not exist",
        lambda i: ["fund", "terms", "--fund", i["fund"], *TERMS_ARGS, "--pref", "0.08",
                   "--carry", "0.2", "--gp-commitment-lp", NO_FUND],
        f"dealos: the GP's commitment LP (--gp-commitment-lp): no lp {NO_FUND}",
    ),
    (
        "a malformed SWIFT code",
        lambda i: ["fund", "edit", "--fund", i["fund"], "--bank-name", "B", "--account-name",
                   "A", "--account-number", "1234", "--swift", "bad"],
        "dealos: the SWIFT/BIC code (--swift): must be 8 or 11 capital letters and digits, "
        "such as CHASUS33",
    ),
    (
        "half the payment instructions",
        lambda i: ["fund", "edit", "--fund", i["fund"], "--swift", "CHASUS33"],
        "dealos: payment instructions need --bank-name, --account-name, --account-number too: "
        "the fund has none yet",
    ),
    (
        "an edit that changes nothing",
        lambda i: ["fund", "edit", "--fund", i["fund"]],
        "dealos: nothing to change: give --name, or the payment instructions (--bank-name, "
        "--account-name, --account-number, --routing, --swift, --reference)",
    ),
    (
        "a threshold finer than cents",
        lambda i: ["fund", "four-eyes", "--fund", i["fund"], "--threshold", "10.001"],
        "dealos: the threshold (--threshold): USD amounts have at most 2 decimal places; "
        "10.001 has 3",
    ),
    (
        "a second NAV on the same date",
        lambda i: ["nav", "record", "--fund", i["fund"], "--as-of", "2026-09-30",
                   "--nav", "1.00"],
        "dealos: the NAV date (--as-of): the fund already has a NAV as of 2026-09-30",
    ),
    (
        "an LP type the domain does not know",
        lambda i: ["lp", "add", "--name", "Bank", "--type", "bank"],
        "dealos lp add: --type: invalid choice: 'bank' (choose from 'institution', "
        "'individual', 'family_office', 'fund_of_funds', 'gp') (see dealos lp add --help)",
    ),
    (
        "a contact without an email",
        lambda i: ["lp", "add", "--name", "Oak", "--type", "individual", "--contact", "Jim"],
        "dealos lp add: --contact: 'Jim' is not a contact: give it as \"Name <email>\", such "
        'as "Jane Roe <jane@ash.example>" (see dealos lp add --help)',
    ),
    (
        "a contact's email that is not one",
        lambda i: ["lp", "add", "--name", "Oak", "--type", "individual", "--contact",
                   "Jim Oak <jim>"],
        "dealos: the email of contact 1 (--contact Jim Oak <jim>): must be an email address "
        "such as name@example.com",
    ),
    (
        "an LP the organization does not have",
        lambda i: ["lp", "edit", "--lp", NO_FUND, "--name", "X"],
        f"dealos: --lp: no LP {NO_FUND} in this organization (dealos lp list)",
    ),
    (
        "a second user with the same email",
        lambda i: ["user", "invite", "--email", "KIM@law.example", "--name", "Kim", "--role",
                   "lender"],
        "dealos: the email (--email): kim@law.example is already a user of the organization",
    ),
    (
        "a role granted twice",
        lambda i: ["user", "role", "--user", i["kim"], "--grant", "counsel"],
        "dealos: the role (--grant): the user already holds counsel",
    ),
    (
        "the last admin's admin role",
        lambda i: ["user", "role", "--user", i["gail"], "--revoke", "admin"],
        "dealos: the role (--revoke): the organization must keep at least one admin",
    ),
    (
        "a role change with neither grant nor revoke",
        lambda i: ["user", "role", "--user", i["kim"]],
        "dealos user role: give --grant or --revoke (see dealos user role --help)",
    ),
    (
        "an entitlement for staff",
        lambda i: ["entitlement", "grant", "--user", i["gail"], "--fund", i["fund"]],
        "dealos: --user (Gail Park, admin, GP): entitlements are for counsel, lenders and "
        "LPs; staff read the whole organization",
    ),
    (
        "an LP position for counsel",
        lambda i: ["entitlement", "grant", "--user", i["kim"], "--lp", i["lp"]],
        "dealos: --lp: only an LP user is entitled to an LP position",
    ),
    (
        "an entitlement that does not exist",
        lambda i: ["entitlement", "revoke", "--entitlement", NO_FUND],
        f"dealos: --entitlement: no entitlement {NO_FUND} in this organization "
        "(dealos entitlement list)",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "said"), [(a, s) for _, a, s in REFUSALS], ids=[why for why, _, _ in REFUSALS]
)
def test_bad_input_is_refused_in_words_and_writes_nothing(
    acme: tuple[SetupOrg, dict[str, str]], args: Args, said: str
) -> None:
    org, ids = acme
    assert org.refused(*args(ids)) == said
