"""``dealos report positions`` on a small fund, run as a person runs it: a real process.

Cedar Row Fund (USD), in a real SQLite store. Ana Pension commits 2,000,000.00 and Bo
Family Office 1,000,000.00 on 2026-01-15. A call of 300,000.00 dated 2026-03-01 (due
2026-03-31) is issued: 200,000.00 from Ana, 100,000.00 from Bo. Ana pays in full on
2026-03-20; Bo pays 60,000.00 then, and 40,000.00 only on 2026-10-15. The fund's NAV is
marked at 520,000.00 on 2026-06-30. On 2026-09-30 the fund distributes 26,000.00 pro
rata to paid-in, after Bo's late payment was recorded: 20,000.00 to Ana, 6,000.00 to Bo.

As of 2026-09-30 Ana has 1,800,000.00 unfunded and nothing called not paid; Bo has
900,000.00 unfunded and 40,000.00 called not paid, all of it overdue (due 2026-03-31).
NAV shares: 400,000.00 and 120,000.00.
"""

from __future__ import annotations

import csv
import io
import subprocess
from decimal import Decimal
from pathlib import Path

from cli_run import dealos_on
from fixtures_org import OrgBuilder

from core.commands.workspace import Workspace
from core.ids import new_id

D = Decimal


def _cedar_row(org: OrgBuilder) -> str:
    fund_id = org.fund()
    ana, bo = org.lp("Ana Pension"), org.lp("Bo Family Office")
    org.commit(fund_id, ana, "2000000.00")
    org.commit(fund_id, bo, "1000000.00")
    call_id = org.call(fund_id, "300000.00")
    org.issue(call_id)
    org.pay(call_id, ana, "200000.00", paid_on="2026-03-20")
    org.pay(call_id, bo, "60000.00", paid_on="2026-03-20")
    org.pay(call_id, bo, "40000.00", paid_on="2026-10-15")
    mark = {"valuation_id": new_id(), "as_of": "2026-06-30", "nav": "520000.00", "currency": "USD"}
    org.submit_wire("fund.nav.record", mark, entity_id=fund_id)
    org.issue(org.distribution(fund_id, "26000.00"))
    return fund_id


def _dealos(workspace: Workspace, keyring: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert workspace.org_id
    return dealos_on(keyring, *args)


def test_positions_as_of_the_distribution_date(
    workspace: Workspace, ws_org: OrgBuilder, keyring_file: Path
) -> None:
    fund_id = _cedar_row(ws_org)
    done = _dealos(workspace, keyring_file, "report", "positions", "--fund", fund_id,
                   "--as-of", "2026-09-30", "--csv")  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = {r["LP"]: r for r in csv.DictReader(io.StringIO(done.stdout))}
    assert set(rows) == {"Ana Pension", "Bo Family Office"}
    terms = ("Commitment", "Called", "Paid-in", "Called not paid", "Overdue", "Distributed")
    terms = (*terms, "Unfunded")
    ana = {t: D(rows["Ana Pension"][t]) for t in (*terms, "NAV share")}
    bo = {t: D(rows["Bo Family Office"][t]) for t in (*terms, "NAV share")}
    assert ana == {
        "Commitment": D("2000000.00"),
        "Called": D("200000.00"),
        "Paid-in": D("200000.00"),
        "Called not paid": D("0.00"),
        "Overdue": D("0.00"),
        "Distributed": D("20000.00"),
        "Unfunded": D("1800000.00"),
        "NAV share": D("400000.00"),
    }
    assert bo == {
        "Commitment": D("1000000.00"),
        "Called": D("100000.00"),
        "Paid-in": D("60000.00"),
        "Called not paid": D("40000.00"),
        "Overdue": D("40000.00"),
        "Distributed": D("6000.00"),
        "Unfunded": D("900000.00"),
        "NAV share": D("120000.00"),
    }
    assert {r["Currency"] for r in rows.values()} == {"USD"}

    table = _dealos(workspace, keyring_file, "report", "positions", "--fund", fund_id,
                    "--as-of", "2026-09-30")  # fmt: skip
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert "positions as of 2026-09-30: NAV as of 2026-06-30" in lines[0]
    bo_line = next(line for line in lines if line.startswith("Bo Family Office"))
    assert bo_line.split() == [
        "Bo", "Family", "Office", "$1,000,000.00", "$100,000.00", "$60,000.00",
        "$40,000.00", "$40,000.00", "$6,000.00", "$900,000.00", "$120,000.00",
    ]  # fmt: skip
    assert any(line.startswith("Fund total") and "$2,700,000.00" in line for line in lines)


def test_before_the_call_nothing_is_called_and_a_late_payment_counts_once_received(
    workspace: Workspace, ws_org: OrgBuilder, keyring_file: Path
) -> None:
    fund_id = _cedar_row(ws_org)
    before = _dealos(workspace, keyring_file, "report", "positions", "--fund", fund_id,
                     "--as-of", "2026-02-01", "--csv")  # fmt: skip
    rows = {r["LP"]: r for r in csv.DictReader(io.StringIO(before.stdout))}
    assert D(rows["Bo Family Office"]["Called"]) == D(0)
    assert D(rows["Bo Family Office"]["Unfunded"]) == D("1000000.00")
    assert rows["Bo Family Office"]["NAV share"] == ""
    later = _dealos(workspace, keyring_file, "report", "positions", "--fund", fund_id,
                    "--as-of", "2026-10-15", "--csv")  # fmt: skip
    rows = {r["LP"]: r for r in csv.DictReader(io.StringIO(later.stdout))}
    assert D(rows["Bo Family Office"]["Paid-in"]) == D("100000.00")
    assert D(rows["Bo Family Office"]["Called not paid"]) == D(0)


def test_bad_input_is_one_line_naming_the_option(
    workspace: Workspace, ws_org: OrgBuilder, keyring_file: Path
) -> None:
    fund_id = _cedar_row(ws_org)
    unknown = _dealos(workspace, keyring_file, "report", "positions", "--fund", "no-such-fund",
                      "--as-of", "2026-09-30")  # fmt: skip
    assert unknown.returncode == 1
    assert unknown.stderr == "dealos: --fund 'no-such-fund': no such fund in this organization\n"
    malformed = _dealos(workspace, keyring_file, "report", "positions", "--fund", fund_id,
                        "--as-of", "2026-02-30")  # fmt: skip
    assert malformed.returncode == 1
    assert malformed.stderr == "dealos: --as-of '2026-02-30': give a date as YYYY-MM-DD\n"
    assert unknown.stdout == malformed.stdout == ""
