"""Capital calls and payments at the command line, as Gail Park runs them.

Ash Fund I: Ash Pension committed $1,000,000.00, Birch Trust $2,000,000.00, Cedar Family
Office $3,000,000.00. Gail calls $60,000.00 pro rata to commitments, due in two weeks: each
LP's share is previewed ($10,000.00, $20,000.00, $30,000.00), the call is drafted, issued
once she types "issue" at her terminal, and paid; paying more than is owed is refused in
words. Above the fund's four-eyes threshold a second GP, Sam, approves before she issues.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from money_fund import AshFund, ash_fund, days_from_today

from core.ids import is_uuid
from core.money import Money
from core.ops.payloads.funds import FundFourEyesSetPayload

TODAY = dt.date.today().isoformat()
DUE = days_from_today(14)


@pytest.fixture
def fund(tmp_path: Path) -> AshFund:
    return ash_fund(tmp_path)


def draft(fund: AshFund, amount: str = "60000.00", *extra: str) -> list[str]:
    proc = fund.ok(
        "call",
        "draft",
        "--fund",
        fund.fund_id,
        "--amount",
        amount,
        "--basis",
        "commitment",
        "--date",
        TODAY,
        "--due",
        DUE,
        *extra,
    )
    return [proc.stdout, proc.stderr]


def issued_call(fund: AshFund) -> str:
    call_id = draft(fund)[0].splitlines()[0]
    fund.ok("call", "issue", "--call", call_id, "--yes")
    return call_id


def row(text: str, starts: str) -> list[str]:
    """The cells of the line of ``text`` that starts with ``starts``."""
    line = next(line for line in text.splitlines() if line.startswith(starts))
    return line[len(starts) :].split()


def test_a_call_is_previewed_drafted_and_issued_once_confirmed(fund: AshFund) -> None:
    out, preview = draft(fund, "60000.00", "--purpose", "Harbor Point acquisition")
    call_id, done = out.splitlines()
    assert is_uuid(call_id)
    assert done == (
        f"Drafted a capital call of $60,000.00 from 3 LPs of Ash Fund I, dated {TODAY}, due "
        f"{DUE}. Issue it with: dealos call issue --call {call_id}"
    )
    # The preview is the reducers' own allocation, with each LP's commitment and unfunded.
    assert preview.startswith(
        "Preview of the call of $60,000.00: each LP's share, as the reducers allocate it "
        "(dry run)\n"
    )
    assert row(preview, "Ash Pension") == ["1,000,000.00", "1,000,000.00", "10,000.00"]
    assert row(preview, "Birch Trust") == ["2,000,000.00", "2,000,000.00", "20,000.00"]
    assert row(preview, "Cedar Family Office") == ["3,000,000.00", "3,000,000.00", "30,000.00"]
    assert row(preview, "Total to LPs") == ["60,000.00"]

    plan = f"Issue call 1: $60,000.00 from 3 LPs, due {DUE}"
    # No terminal and no --yes: nothing is issued.
    assert fund.refused("call", "issue", "--call", call_id) == (
        f"{plan}\ndealos: not issued: this needs your confirmation; run it in a terminal "
        "and type issue, or pass --yes\n"
    )
    # At a terminal, anything but the word stops it.
    stopped = fund.at_terminal("call", "issue", "--call", call_id, typed="yes\n")
    assert stopped.returncode == 1
    assert stopped.stderr == (
        f"{plan}\nType issue to go ahead, anything else to stop: dealos: not issued: you "
        "typed 'yes', not issue; nothing was changed\n"
    )
    issued = fund.at_terminal("call", "issue", "--call", call_id, typed="issue\n")
    assert issued.returncode == 0, issued.stderr
    assert issued.stderr == f"{plan}\nType issue to go ahead, anything else to stop: "
    assert issued.stdout.splitlines() == [
        call_id,
        f"Issued call 1 of Ash Fund I: $60,000.00 from 3 LPs, due {DUE}. Each LP's notice: "
        f"dealos report notice --call {call_id} --lp LP_ID --out FILE.pdf",
    ]
    assert fund.refused("call", "issue", "--call", call_id, "--yes") == (
        "dealos: call 1 of Ash Fund I (--call): the capital call is already issued\n"
    )

    listing = fund.ok("call", "list", "--fund", fund.fund_id).stdout.splitlines()
    assert listing[0] == "Ash Fund I (USD)"
    assert listing[1].split() == [
        "No.", "Date", "Due", "Amount", "(USD)", "Paid", "Status", "Overdue", "Id"
    ]  # fmt: skip
    assert listing[2].split() == ["1", TODAY, DUE, "60,000.00", "0.00", "issued", call_id]

    shown = fund.ok("call", "show", "--call", call_id).stdout
    assert shown.startswith(f"Call 1 of Ash Fund I: issued\nId         {call_id}\n")
    assert "Purpose    Harbor Point acquisition" in shown
    ash = fund.lp_ids["Ash Pension"]
    assert row(shown, "Ash Pension") == [
        "10,000.00", "0.00", "10,000.00", "AFI-C01-LP001", ash
    ]  # fmt: skip


def test_a_bad_draft_is_refused_naming_the_option_and_the_rule(fund: AshFund) -> None:
    base = ["call", "draft", "--fund", fund.fund_id, "--basis", "commitment", "--date", TODAY]
    gone = days_from_today(-1)
    assert fund.refused(*base, "--amount", "60000.00", "--due", gone) == (
        f"dealos: the due date (--due): {gone} has passed (today is {TODAY}); an LP cannot pay "
        "on time by a day already gone. Pass --allow-past-due to draft it anyway, e.g. to "
        "record a call made before Deal OS\n"
    )
    assert fund.refused(*base, "--amount", "60000.005", "--due", DUE) == (
        "dealos: the amount (--amount): USD amounts have at most 2 decimal places; "
        "60000.005 has 3\n"
    )
    assert fund.refused(*base, "--amount", "60000", "--due", "20-12-2026") == (
        "dealos call draft: --due: 20-12-2026 is not a date as YYYY-MM-DD, such as 2026-01-15 "
        "(see dealos call draft --help)\n"
    )
    assert fund.refused(
        "call",
        "draft",
        "--fund",
        fund.fund_id,
        "--amount",
        "1",
        "--basis",
        "everything",
        "--date",
        TODAY,
        "--due",
        DUE,
    ) == (
        "dealos call draft: --basis: invalid choice: 'everything' (choose from 'commitment', "
        "'unfunded') (see dealos call draft --help)\n"
    )
    # The ceiling of commitments is the reducer's, in its words.
    assert fund.refused(*base, "--amount", "60000000.00", "--due", DUE) == (
        "dealos: the amount (--amount): calls never exceed commitments: Ash Pension would be "
        "called $10,000,000.00 with $1,000,000.00 of its commitment left to call, "
        "$9,000,000.00 too much (issued and draft calls count)\n"
    )
    nobody = "01936f0e-8c2a-7c1e-9a55-3f1c2b7d4e10"
    assert fund.refused(*base, "--amount", "6.00", "--due", DUE, "--exclude", nobody) == (
        f"dealos: the excluded LPs (--exclude): no LP {nobody} with a commitment to this fund "
        f"by {TODAY}\n"
    )
    other = ["call", "draft", "--fund", nobody, "--amount", "1", "--basis", "unfunded"]
    assert fund.refused(*other, "--date", TODAY, "--due", DUE) == (
        f"dealos: the fund (--fund): no fund '{nobody}' in this organization\n"
    )
    # A call made before Deal OS can still be recorded, on purpose.
    early = days_from_today(-30)
    old = [*base[:-1], early, "--amount", "600.00", "--due", gone, "--allow-past-due"]
    assert f"dated {early}, due {gone}." in fund.ok(*old).stdout.splitlines()[1]


def test_payments_are_recorded_and_an_overpayment_is_refused_in_words(fund: AshFund) -> None:
    call_id = issued_call(fund)
    ash = fund.lp_ids["Ash Pension"]
    paid = fund.ok(
        "payment", "record", "--call", call_id, "--lp", ash, "--amount", "4000.00", "--on", TODAY
    ).stdout.splitlines()
    assert is_uuid(paid[0])
    assert paid[1] == (
        f"Recorded $4,000.00 from Ash Pension on call 1 of Ash Fund I, received {TODAY}; "
        "Ash Pension still owes $6,000.00 on it."
    )
    pay = ["payment", "record", "--call", call_id, "--lp", ash, "--on", TODAY]
    assert fund.refused(*pay, "--amount", "6500.00") == (
        "dealos: the amount (--amount) on call 1 of Ash Fund I: $6,500.00 exceeds Ash "
        "Pension's outstanding $6,000.00 on this call by $500.00: payments never exceed what "
        "was called\n"
    )
    assert fund.refused(*pay, "--amount", "0") == (
        "dealos: the amount (--amount) on call 1 of Ash Fund I: the amount must be positive\n"
    )
    not_called = fund.fund_id
    assert fund.refused(
        "payment",
        "record",
        "--call",
        call_id,
        "--lp",
        not_called,
        "--amount",
        "1.00",
        "--on",
        TODAY,
    ) == (
        "dealos: the LP (--lp) on call 1 of Ash Fund I: that LP was not called by this "
        "capital call\n"
    )
    shown = fund.ok("call", "show", "--call", call_id).stdout
    assert row(shown, "Ash Pension")[:3] == ["10,000.00", "4,000.00", "6,000.00"]
    assert "Paid       $4,000.00; outstanding $56,000.00; overdue $0.00" in shown


def test_above_the_threshold_a_second_gp_approves_before_the_call_is_issued(
    fund: AshFund,
) -> None:
    ws = fund.open()
    try:
        ws.submit(
            FundFourEyesSetPayload(threshold=Money.parse("50000.00", "USD"), currency="USD"),
            entity_id=fund.fund_id,
            base_version=1,
        )
    finally:
        ws.close()
    call_id = draft(fund)[0].splitlines()[0]
    draft_call = f"the draft call of {TODAY} of Ash Fund I (--call)"
    assert fund.refused("call", "issue", "--call", call_id, "--yes") == (
        f"Issue call 1: $60,000.00 from 3 LPs, due {DUE}\n"
        f"dealos: {draft_call}: the capital call of $60,000.00 is above the fund's four-eyes "
        "threshold of $50,000.00: a second GP must approve it before it is issued\n"
    )
    assert fund.refused("call", "approve", "--call", call_id) == (
        f"dealos: {draft_call}: the GP who drafted the capital call cannot also approve it: "
        "a second GP must\n"
    )
    assert "needs a second GP" in fund.ok("call", "show", "--call", call_id).stdout

    gail = fund.identity()
    sam = fund.add_gp("sam@ash.example", "Sam Okafor")
    fund.work_as(*sam)
    approved = fund.ok("call", "approve", "--call", call_id).stdout.splitlines()
    assert approved == [
        call_id,
        f"Approved the draft call of {TODAY} of Ash Fund I ($60,000.00) as the second GP; a GP "
        f"may now issue it: dealos call issue --call {call_id}",
    ]
    fund.work_as(*gail)
    assert "approved by Sam Okafor" in fund.ok("call", "list").stdout
    fund.ok("call", "issue", "--call", call_id, "--yes")
    assert row(fund.ok("call", "list").stdout, "1 ")[:5] == [
        TODAY, DUE, "60,000.00", "0.00", "issued"
    ]  # fmt: skip
