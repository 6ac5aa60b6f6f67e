"""A waterfall distribution at the command line, and the LP statement that follows.

Ash Fund I called $60,000.00 today and every LP paid it today: Ash Pension $10,000.00,
Birch Trust $20,000.00, Cedar Family Office $30,000.00. Without LPA terms a waterfall is
refused by the reducer. Gail records European terms (8 % compounded preferred return, full
catch-up, 80/20) through the typed command, then distributes $100,000.00 from an exit
today: $60,000.00 returns capital, no preferred return has accrued in a day, and the
$40,000.00 of profit is split 80/20 after the catch-up, so the GP's carry is $8,000.00
and the LPs receive $92,000.00, pro rata $15,333.33, $30,666.67 and $46,000.00. Issued
with --yes, it appears in the list and in Ash Pension's statement for the year.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from money_fund import AshFund, ash_fund, days_from_today

from core.ops.payloads.funds import FundTermsSetPayload

TODAY = dt.date.today()


@pytest.fixture
def fund(tmp_path: Path) -> AshFund:
    """Ash Fund I with call 1 issued and paid in full today."""
    fund = ash_fund(tmp_path)
    call_id = fund.ok(
        "call", "draft", "--fund", fund.fund_id, "--amount", "60000.00", "--basis",
        "commitment", "--date", TODAY.isoformat(), "--due", days_from_today(14),
    ).stdout.splitlines()[0]  # fmt: skip
    fund.ok("call", "issue", "--call", call_id, "--yes")
    statement = tmp_path / "paid.csv"
    statement.write_text(
        "Date,Amount,Reference\n"
        + "".join(f"{TODAY},{a},AFI-C01-LP00{n}\n" for n, a in ((1, 10000), (2, 20000), (3, 30000)))
    )
    fund.ok("payment", "import", str(statement), "--confirm")
    return fund


def row(text: str, starts: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(starts))
    return line[len(starts) :].split()


def test_a_waterfall_distribution_is_previewed_issued_and_stated(
    fund: AshFund, tmp_path: Path
) -> None:
    draft = [
        "distribution", "draft", "--fund", fund.fund_id, "--amount", "100000.00",
        "--basis", "waterfall", "--date", TODAY.isoformat(), "--source", "exit",
    ]  # fmt: skip
    assert fund.refused(*draft) == (
        "dealos: the basis (--basis): the fund has no distribution terms yet: record its LPA "
        "terms before a waterfall distribution\n"
    )
    ws = fund.open()
    try:
        ws.submit(
            FundTermsSetPayload(
                style="european",
                preferred_return="0.08",
                compounding="compound",
                carried_interest="0.20",
                catch_up="1",
                gp_name="Ash Capital GP",
            ),
            entity_id=fund.fund_id,
            base_version=1,
        )
    finally:
        ws.close()

    drafted = fund.ok(*draft)
    distribution_id, said = drafted.stdout.splitlines()
    assert said == (
        "Drafted a distribution of $100,000.00 to 3 LPs of Ash Fund I, the GP's carry "
        f"$8,000.00, dated {TODAY}, from exit. Issue it with: dealos distribution issue "
        f"--distribution {distribution_id}"
    )
    preview = drafted.stderr
    assert preview.startswith(
        "Preview of the distribution of $100,000.00 (waterfall): each LP's share, as the "
        "reducers allocate it (dry run)\n"
    )
    assert row(preview, "LP") == ["Committed", "Paid-in", "Share", "(USD)", "GP", "carry"]
    assert row(preview, "Ash Pension") == ["1,000,000.00", "10,000.00", "15,333.33", "1,333.33"]
    assert row(preview, "Birch Trust") == ["2,000,000.00", "20,000.00", "30,666.67", "2,666.67"]
    assert row(preview, "Total to LPs") == ["92,000.00", "8,000.00"]
    assert preview.endswith("GP carry 8,000.00; LPs and GP together 100,000.00 USD\n")

    shown = fund.ok("distribution", "show", "--distribution", distribution_id).stdout
    assert shown.startswith("Draft distribution of Ash Fund I: draft\n")
    assert "To issue   it becomes distribution 1; no second GP needed" in shown

    issued = fund.ok("distribution", "issue", "--distribution", distribution_id, "--yes")
    assert issued.stderr == (
        f"Issue distribution 1: $100,000.00 to 3 LPs (the GP's carry $8,000.00 included), "
        f"dated {TODAY}\n"
    )
    assert issued.stdout.splitlines()[1].startswith(
        f"Issued distribution 1 of Ash Fund I: $100,000.00 to 3 LPs, dated {TODAY}."
    )
    assert fund.refused("distribution", "approve", "--distribution", distribution_id) == (
        "dealos: distribution 1 of Ash Fund I (--distribution): only a draft distribution is "
        "approved; this one is issued\n"
    )
    listing = fund.ok("distribution", "list").stdout
    assert row(listing, "1 ") == [
        TODAY.isoformat(), "100,000.00", "waterfall", "exit", "issued", distribution_id
    ]  # fmt: skip
    shown = fund.ok("distribution", "show", "--distribution", distribution_id).stdout
    ash = fund.lp_ids["Ash Pension"]
    assert row(shown, "Ash Pension") == [
        "15,333.33", "1,333.33", "0.00", "0.00", "15,333.33", ash
    ]  # fmt: skip

    pdf = tmp_path / "ash-statement.pdf"
    stated = fund.ok(
        "report", "statement", "--lp", ash, "--period", str(TODAY.year), "--out", str(pdf)
    ).stdout
    assert stated.startswith(f"wrote {pdf}: capital account statement ")
    assert f"for Ash Pension in Ash Fund I, {TODAY.year}" in stated
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_pro_rata_distribution_may_be_recallable_and_is_refused_in_words(
    fund: AshFund,
) -> None:
    base = ["distribution", "draft", "--fund", fund.fund_id, "--basis", "paid_in"]
    on = ["--date", TODAY.isoformat(), "--source", "income"]
    assert fund.refused(*base, *on, "--amount", "600.001") == (
        "dealos: the amount (--amount): USD amounts have at most 2 decimal places; 600.001 has 3\n"
    )
    assert fund.refused(
        *base, "--amount", "600", "--date", TODAY.isoformat(), "--source", "gift"
    ) == (
        "dealos distribution draft: --source: invalid choice: 'gift' (choose from 'income', "
        "'exit', 'return_of_capital', 'other') (see dealos distribution draft --help)\n"
    )
    dry = fund.ok(*base, *on, "--amount", "600.00", "--recallable", "--dry-run").stdout
    assert row(dry, "Cedar Family Office") == ["3,000,000.00", "30,000.00", "300.00"]
    assert dry.endswith("Dry run: nothing was drafted.\n")
    drafted = fund.ok(*base, *on, "--amount", "600.00", "--recallable").stdout.splitlines()
    listing = fund.ok("distribution", "list", "--fund", fund.fund_id).stdout
    assert row(listing, "-") == [
        TODAY.isoformat(), "600.00", "paid-in", "income", "draft", "recallable", drafted[0]
    ]  # fmt: skip
