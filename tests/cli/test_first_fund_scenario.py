"""README's "Your first fund", run with the real ``dealos`` commands only: from an empty
folder to an issued call, its payments (one typed in, one from a bank statement), a
waterfall distribution and an LP's statement.

Acme Capital's Fund I: Ash Pension commits $3,000,000.00 and Birch Family $1,000,000.00.
A call of $400,000.00 due in 30 days splits $300,000.00 / $100,000.00; both pay it today
(Ash by hand, Birch from the bank's CSV). The terms: European, 8 % simple pref, full
catch-up, 20 % carry. $500,000.00 distributed today from an exit: $400,000.00 returns the
capital, no pref has accrued in a day, and the $100,000.00 profit goes 20 % to the GP
after the full catch-up — $20,000.00 — and $80,000.00 to the LPs pro rata to their
contributions: Ash $60,000.00, Birch $20,000.00. So Ash receives $360,000.00 and Birch
$120,000.00 (worked by hand from the LPA's tiers, not by the product).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from setup_org import start_org

from core.ids import is_uuid

TODAY = dt.date.today()
DUE = (TODAY + dt.timedelta(days=30)).isoformat()
QUARTER = f"{TODAY.year}Q{(TODAY.month - 1) // 3 + 1}"


def _id(lines: list[str]) -> str:
    assert is_uuid(lines[0]), lines
    return lines[0]


def test_a_first_fund_from_an_empty_folder_to_a_statement_by_commands(tmp_path: Path) -> None:
    org = start_org(tmp_path)
    fund = _id(org.ok("fund", "create", "--name", "Fund I", "--currency", "USD"))
    org.ok("fund", "terms", "--fund", fund, "--style", "european", "--pref", "8%",
           "--compounding", "simple", "--carry", "20%", "--catch-up", "1",
           "--gp-name", "Acme GP LLC")  # fmt: skip
    ash = _id(org.ok("lp", "add", "--name", "Ash Pension", "--type", "institution"))
    birch = _id(org.ok("lp", "add", "--name", "Birch Family", "--type", "family_office"))
    for lp, amount in ((ash, "3000000.00"), (birch, "1000000.00")):
        org.ok("commitment", "add", "--fund", fund, "--lp", lp, "--amount", amount,
               "--on", "2026-01-15")  # fmt: skip

    call = _id(org.ok("call", "draft", "--fund", fund, "--amount", "400000.00", "--basis",
                      "commitment", "--date", TODAY.isoformat(), "--due", DUE,
                      "--purpose", "Cedar Shops acquisition"))  # fmt: skip
    assert org.ok("call", "issue", "--call", call, "--yes") == [
        call,
        f"Issued call 1 of Fund I: $400,000.00 from 2 LPs, due {DUE}. Each LP's notice: "
        f"dealos report notice --call {call} --lp LP_ID --out FILE.pdf",
    ]
    said = org.ok("payment", "record", "--call", call, "--lp", ash, "--amount", "300000.00",
                  "--on", TODAY.isoformat())  # fmt: skip
    assert said[1:] == [
        f"Recorded $300,000.00 from Ash Pension on call 1 of Fund I, received {TODAY}; Ash "
        "Pension still owes $0.00 on it."
    ]
    statement = tmp_path / "bank.csv"
    statement.write_text(
        f"Date,Amount,Reference,Payer\n{TODAY},100000.00,,Birch Family\n", encoding="utf-8"
    )
    preview = org.ok("payment", "import", statement)
    assert preview[-1] == (
        "Nothing recorded yet: 1 line matched; 0 lines unmatched (listed, not recorded). Run "
        "again with --confirm to record the matched lines."
    )
    assert "by amount: the only unpaid share of exactly $100,000.00" in preview[1]
    assert org.ok("payment", "import", statement, "--confirm")[-1] == (
        "Recorded 1 payment; 0 lines unmatched (listed, not recorded)."
    )
    shown = org.ok("call", "show", "--call", call)
    assert shown[0] == "Call 1 of Fund I: paid"
    assert "Paid       $400,000.00; outstanding $0.00; overdue $0.00" in shown

    dist = _id(org.ok("distribution", "draft", "--fund", fund, "--amount", "500000.00",
                      "--basis", "waterfall", "--date", TODAY.isoformat(),
                      "--source", "exit"))  # fmt: skip
    org.ok("distribution", "issue", "--distribution", dist, "--yes")
    lines = org.ok("distribution", "show", "--distribution", dist)
    assert "Amount     $500,000.00 by waterfall, to 2 LPs; the GP's carry $20,000.00" in lines
    paid_to = {
        line.split("  ")[0]: line.split()[-2]
        for line in lines
        if line.startswith(("Ash Pension", "Birch Family"))
    }
    assert paid_to == {"Ash Pension": "360,000.00", "Birch Family": "120,000.00"}

    out = tmp_path / "ash.pdf"
    org.ok("report", "statement", "--lp", ash, "--fund", fund, "--period", QUARTER,
           "--out", out)  # fmt: skip
    assert out.read_bytes().startswith(b"%PDF")
    performance = org.ok("report", "performance", "--fund", fund, "--lp", ash)
    row = next(line for line in performance if line.startswith("LP: Ash Pension"))
    assert row.split()[3:6] == ["3,000,000.00", "300,000.00", "360,000.00"]
