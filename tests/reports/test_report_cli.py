"""``dealos report`` and ``dealos export`` as a person runs them: a real process.

The demo organization's folder and keyring file are handed to ``python -m core.cli.main``;
good input writes a readable file and one line of output, bad input one line on stderr
and exit status 1 — never a traceback, never a half-written file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from tests.reports.conftest import DemoOrg
from tests.reports.documents_read import pdf_text

DEALOS = [sys.executable, "-m", "core.cli.main"]


def dealos(demo: DemoOrg, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEALOS_KEYRING_FILE": str(demo.keyring)}
    return subprocess.run(
        [*DEALOS, *map(str, args), "--data-dir", str(demo.data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _ids(demo: DemoOrg) -> tuple[str, str, str, str]:
    """An LP of Fund I only, Fund I's id, its sixth call and its exit distribution."""
    ((lp_id, fund_id),) = demo.sql(
        "SELECT lp_id, MIN(fund_id) FROM commitments GROUP BY lp_id HAVING COUNT(*) = 1 "
        "ORDER BY lp_id LIMIT 1 OFFSET 4"
    )
    ((call_id,),) = demo.sql(
        "SELECT call_id FROM capital_calls ORDER BY call_date LIMIT 1 OFFSET 5"
    )
    ((dist_id,),) = demo.sql("SELECT distribution_id FROM distributions WHERE source = 'exit'")
    return str(lp_id), str(fund_id), str(call_id), str(dist_id)


def test_statement_notice_and_exports_end_to_end(demo: DemoOrg, tmp_path: Path) -> None:
    lp_id, fund_id, call_id, dist_id = _ids(demo)
    ((lp_name,),) = demo.sql("SELECT name FROM lps WHERE lp_id = ?", lp_id)

    done = dealos(
        demo,
        "report",
        "statement",
        "--lp",
        lp_id,
        "--period",
        "2026Q2",
        "--out",
        tmp_path / "statement.pdf",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {tmp_path / 'statement.pdf'}: capital account statement")
    assert len(done.stdout.splitlines()) == 1
    assert str(lp_name) in pdf_text((tmp_path / "statement.pdf").read_bytes())

    done = dealos(
        demo, "report", "notice", "--call", call_id, "--lp", lp_id, "--out", tmp_path / "n.pdf"
    )
    assert done.returncode == 0, done.stderr
    assert "Capital Call No. 6" in pdf_text((tmp_path / "n.pdf").read_bytes())

    done = dealos(
        demo,
        "report",
        "notice",
        "--distribution",
        dist_id,
        "--lp",
        lp_id,
        "--out",
        tmp_path / "d.pdf",
    )
    assert done.returncode == 0, done.stderr
    assert "Distribution Notice" in pdf_text((tmp_path / "d.pdf").read_bytes())

    done = dealos(
        demo,
        "export",
        "capital-accounts",
        "--fund",
        fund_id,
        "--as-of",
        "2026-06-30",
        "--out",
        tmp_path / "accounts.xlsx",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("capital accounts, 110 rows")
    assert openpyxl.load_workbook(tmp_path / "accounts.xlsx").worksheets[0].max_row == 111

    done = dealos(demo, "export", "calls", "--out", tmp_path / "calls.csv")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "calls.csv").read_text("utf-8-sig").startswith("Fund,Fund ID,LP,LP ID")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lp", "no-such-lp", "--period", "2026Q3"], "no LP 'no-such-lp' in this organization"),
        (["--period", "2026Q5"], "period 2026Q5: a quarter is Q1, Q2, Q3 or Q4"),
        (["--period", "Q3"], "period 'Q3': use a quarter such as 2026Q3"),
        (["--period", "2026Q3", "--fund", "nope"], "no fund 'nope' in this organization"),
    ],
)
def test_bad_statement_input_is_one_readable_line(
    demo: DemoOrg, tmp_path: Path, args: list[str], message: str
) -> None:
    lp_id = _ids(demo)[0]
    full = ["--lp", lp_id, *args] if "--lp" not in args else args
    done = dealos(demo, "report", "statement", *full, "--out", tmp_path / "s.pdf")
    assert done.returncode == 1
    assert done.stderr.strip() == f"dealos: {message}" or message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "s.pdf").exists()


def test_an_unwritable_path_is_one_readable_line(demo: DemoOrg, tmp_path: Path) -> None:
    lp_id, _, call_id, _ = _ids(demo)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for out, message in [
        (blocker / "n.pdf", "is a file, not a folder"),
        (tmp_path / "missing" / "n.pdf", "does not exist"),
        (tmp_path, "is a folder"),
        (tmp_path / "n.docx", "must end in .pdf"),
    ]:
        done = dealos(demo, "report", "notice", "--call", call_id, "--lp", lp_id, "--out", out)
        assert done.returncode == 1, out
        assert message in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_notice_for_an_lp_not_in_the_fund(demo: DemoOrg, tmp_path: Path) -> None:
    call_id = _ids(demo)[2]
    ((fund_ii_lp,),) = demo.sql(
        "SELECT lp_id FROM commitments GROUP BY lp_id HAVING COUNT(*) = 1 "
        "AND MIN(fund_id) <> (SELECT fund_id FROM capital_calls LIMIT 1) LIMIT 1"
    )
    done = dealos(
        demo,
        "report",
        "notice",
        "--call",
        call_id,
        "--lp",
        str(fund_ii_lp),
        "--out",
        tmp_path / "n.pdf",
    )
    assert done.returncode == 1
    assert "has no commitment to Harbor Peak Real Estate Fund I" in done.stderr
    assert "Traceback" not in done.stderr


def _quarter(day: date, ahead: int = 0) -> tuple[str, date, date]:
    """The quarter ``ahead`` quarters after the one holding ``day``: label, start, end."""
    index = day.year * 4 + (day.month - 1) // 3 + ahead
    year, q = divmod(index, 4)
    start = date(year, 3 * q + 1, 1)
    end = date(year + 1, 1, 1) if q == 3 else date(year, 3 * q + 4, 1)
    return f"{year}Q{q + 1}", start, end - timedelta(days=1)


def test_a_statement_of_the_running_quarter_says_it_is_preliminary(
    demo: DemoOrg, tmp_path: Path
) -> None:
    """The CLI runs on the clock's today: this quarter is preliminary, the one after next is
    refused in one line naming the day it starts, and no file is written for it."""
    lp_id, fund_id, _, _ = _ids(demo)
    label, _, end = _quarter(date.today())
    done = dealos(
        demo,
        "report",
        "statement",
        "--lp",
        lp_id,
        "--fund",
        fund_id,
        "--period",
        label,
        "--out",
        tmp_path / "now.pdf",
    )
    assert done.returncode == 0, done.stderr
    mark = f"Preliminary \u2014 period ends {end.day} {end:%B} {end.year}"
    assert f", {label} ({mark}), closing " in done.stdout
    assert mark in pdf_text((tmp_path / "now.pdf").read_bytes())

    later, start, _ = _quarter(date.today(), ahead=2)
    done = dealos(
        demo,
        "report",
        "statement",
        "--lp",
        lp_id,
        "--fund",
        fund_id,
        "--period",
        later,
        "--out",
        tmp_path / "later.pdf",
    )
    assert done.returncode == 1
    assert done.stderr.strip() == f"dealos: {later} has not begun; it starts {start.isoformat()}"
    assert not (tmp_path / "later.pdf").exists()
