"""A bank statement imported at the command line, matched to the calls' unpaid shares.

Ash Fund I has issued call 1 of $60,000.00: Ash Pension owes $10,000.00 (reference
AFI-C01-LP001), Birch Trust $20,000.00 (AFI-C01-LP002), Cedar Family Office $30,000.00
(AFI-C01-LP003). The bank's statement shows Ash's wire quoting its reference, Birch's
wire without one but of exactly what Birch owes, $7.00 from someone unknown, a fee paid
out, and $1,000.00 from Cedar quoting its reference with spaces. A statement with a
broken amount is refused whole, naming the line and the column; importing the good one
twice records its three payments once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from money_fund import AshFund, ash_fund, days_from_today

TODAY = dt.date.today().isoformat()


@pytest.fixture
def fund(tmp_path: Path) -> AshFund:
    return ash_fund(tmp_path)


def test_a_statement_is_matched_by_reference_then_amount_and_recorded_once(
    fund: AshFund, tmp_path: Path
) -> None:
    call_id = fund.ok(
        "call", "draft", "--fund", fund.fund_id, "--amount", "60000.00", "--basis",
        "commitment", "--date", TODAY, "--due", days_from_today(14),
    ).stdout.splitlines()[0]  # fmt: skip
    fund.ok("call", "issue", "--call", call_id, "--yes")

    broken = tmp_path / "broken.csv"
    broken.write_text(
        f"Date,Amount,Reference\n{TODAY},10000.00,AFI-C01-LP001\n{TODAY},20.000.00,\n"
    )
    assert fund.refused("payment", "import", str(broken), "--confirm") == (
        "dealos: broken.csv line 3, column 'Amount': '20.000.00' is not an amount in USD such "
        "as 12000.00 or 12,000.00 (USD amounts have at most 2 decimal places); nothing was "
        "recorded from the file\n"
    )
    undated = tmp_path / "undated.csv"
    undated.write_text("Booking Date,Credit,Payer\n06/12/2026,10.00,Ash Pension\n")
    assert fund.refused("payment", "import", str(undated)) == (
        "dealos: undated.csv line 2, column 'Booking Date': '06/12/2026' is not a date; write "
        "it as YYYY-MM-DD; nothing was recorded from the file\n"
    )

    statement = tmp_path / "statement.csv"
    statement.write_text(
        "Value Date,Amount,Payment Reference,Payer Name\n"
        f'{TODAY},"10,000.00",AFI-C01-LP001,ASH PENSION FUND\n'
        f"{TODAY},20000.00,,Birch Trust Co\n"
        f"{TODAY},7.00,,Unknown Sender\n"
        f"{TODAY},-15.00,,Bank fees\n"
        f"{TODAY},$1000.00,AFI C01 LP003,Cedar FO\n"
    )
    before = fund.digest()
    review = fund.ok("payment", "import", str(statement)).stdout.splitlines()
    assert fund.digest() == before  # a review records nothing
    assert review[0].split() == ["Line", "Date", "Amount", "(USD)", "Payer", "Match", "Reason"]
    lines = review[1:6]
    assert lines[0].split()[:3] == ["2", TODAY, "10,000.00"]
    assert lines[0].endswith(
        "Ash Pension, call 1 of Ash Fund I          by reference AFI-C01-LP001"
    )
    assert lines[1].endswith(
        "Birch Trust, call 1 of Ash Fund I          by amount: the only unpaid share of "
        "exactly $20,000.00"
    )
    assert lines[2].endswith(
        "unmatched                                  no payment reference, and no unpaid "
        "share is exactly $7.00"
    )
    assert lines[3].endswith(
        "unmatched                                  money paid out, not received"
    )
    assert lines[4].endswith(
        "Cedar Family Office, call 1 of Ash Fund I  by reference AFI-C01-LP003"
    )
    assert review[6] == (
        "Nothing recorded yet: 3 lines matched; 2 lines unmatched (listed, not recorded). "
        "Run again with --confirm to record the matched lines."
    )

    recorded = fund.ok("payment", "import", str(statement), "--confirm").stdout.splitlines()
    assert [line.split(": ", 1)[1] for line in recorded[6:9]] == [
        "$10,000.00 from Ash Pension on call 1 of Ash Fund I (line 2)",
        "$20,000.00 from Birch Trust on call 1 of Ash Fund I (line 3)",
        "$1,000.00 from Cedar Family Office on call 1 of Ash Fund I (line 6)",
    ]
    assert recorded[9] == "Recorded 3 payments; 2 lines unmatched (listed, not recorded)."
    shown = fund.ok("call", "show", "--call", call_id).stdout
    assert "Paid       $31,000.00; outstanding $29,000.00; overdue $0.00" in shown

    # The same statement again: every line it matched is already in the ledger.
    after = fund.digest()
    again = fund.ok("payment", "import", str(statement), "--confirm").stdout.splitlines()
    assert fund.digest() == after
    payment_id = recorded[6].split()[2].rstrip(":")
    assert again[1].endswith(f"already recorded  by an earlier import (payment {payment_id})")
    assert again[-1] == (
        "Nothing recorded: 3 lines were recorded by an earlier import of this statement; "
        "2 lines unmatched (listed, not recorded)."
    )
