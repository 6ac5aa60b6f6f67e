"""`dealos` as a person runs it: a real process over a real SQLite file and keyring file.

A demo organization is built once for the module; each test runs the console script
against it and reads what a person would read.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

DEALOS = [sys.executable, "-m", "core.cli.main"]


def run(
    *args: str | Path, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [*DEALOS, *map(str, args)], env=env, capture_output=True, text=True, timeout=120
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"dealos {args} failed ({proc.returncode}): {proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("cli")
    return {
        **os.environ,
        "DEALOS_KEYRING_FILE": str(root / "keyring.json"),
        "DEALOS_DATA_DIR": str(root / "unused-default"),
    }


@pytest.fixture(scope="module")
def demo(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("demo") / "org"
    out = run("demo", "--data-dir", data, env=env).stdout
    assert "44 deals, 120 LPs, 7 capital calls, 3 distributions" in out
    return data


def test_init_creates_an_org_offline(env: dict[str, str], tmp_path: Path) -> None:
    out = run(
        "init",
        "--org",
        "Acme Capital",
        "--user",
        "gp@acme.example",
        "--data-dir",
        tmp_path / "acme",
        env=env,
    ).stdout
    assert "created 'Acme Capital'" in out
    assert (tmp_path / "acme" / "dealos.db").exists()
    # A second init in the same folder is refused with a readable line.
    again = run(
        "init",
        "--org",
        "Acme",
        "--user",
        "gp@acme.example",
        "--data-dir",
        tmp_path / "acme",
        env=env,
        check=False,
    )
    assert again.returncode == 1
    assert "already holds a Deal OS store" in again.stderr
    assert "Traceback" not in again.stderr


def test_init_refuses_a_bad_email_naming_the_field(env: dict[str, str], tmp_path: Path) -> None:
    bad = run(
        "init",
        "--org",
        "Acme",
        "--user",
        "not-an-email",
        "--data-dir",
        tmp_path / "x",
        env=env,
        check=False,
    )
    assert bad.returncode == 1
    assert "payload.founder.email" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_rebuild_reproduces_the_digest(env: dict[str, str], demo: Path) -> None:
    before = run("digest", "--data-dir", demo, env=env).stdout.strip()
    assert len(before) == 64
    after = run("rebuild", "--data-dir", demo, env=env).stdout.strip()
    assert after == before
    # The data dir may also come before the command.
    assert run("--data-dir", demo, "digest", env=env).stdout.strip() == before


def test_demo_covers_every_stage_and_the_ledger(env: dict[str, str], demo: Path) -> None:
    deals = run("deal", "list", "--data-dir", demo, env=env).stdout.splitlines()
    assert len(deals) == 44
    stages = {line.split()[1] for line in deals}
    assert stages == {
        "draft",
        "screening",
        "underwriting",
        "ic_review",
        "approved",
        "closing",
        "closed",
        "exited",
        "dead",
    }
    lps = run("lp", "list", "--data-dir", demo, env=env).stdout.splitlines()
    assert len(lps) == 120
    con = sqlite3.connect(demo / "dealos.db")
    try:
        calls = dict(con.execute("SELECT status, count(*) FROM capital_calls GROUP BY status"))
        issued = con.execute(
            "SELECT a.amount, a.paid FROM call_allocations a JOIN capital_calls c "
            "ON c.call_id = a.call_id WHERE c.status = 'issued'"
        ).fetchall()
        partly_paid = sum(1 for amount, paid in issued if Decimal(paid) < Decimal(amount))
        dists = con.execute("SELECT count(*) FROM distributions WHERE status='issued'").fetchone()
        grants = dict(
            con.execute(
                "SELECT m.role, count(*) FROM entitlements e JOIN memberships m "
                "ON m.user_id = e.user_id GROUP BY m.role"
            )
        )
        extracted = con.execute(
            "SELECT count(*) FROM deal_fields WHERE provenance != 'manual'"
        ).fetchone()[0]
        docs = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        con.close()
    assert calls == {"issued": 6, "draft": 1}
    assert partly_paid > 0
    assert dists[0] == 3
    assert grants["counsel"] > 0
    assert grants["lender"] == 3
    assert grants["lp"] == 3
    assert extracted >= 44 * 3
    assert docs == 44


def test_ops_list_newest_first_and_by_kind(env: dict[str, str], demo: Path) -> None:
    lines = run("ops", "list", "--limit", "5", "--data-dir", demo, env=env).stdout.splitlines()
    assert len(lines) == 5
    stamps = [line.split()[0] for line in lines]
    assert stamps == sorted(stamps, reverse=True)
    issues = run(
        "ops", "list", "--kind", "capital_call.issue", "--data-dir", demo, env=env
    ).stdout.splitlines()
    assert len(issues) == 6
    assert all("capital_call.issue" in line for line in issues)
    bad = run("ops", "list", "--limit", "0", "--data-dir", demo, env=env, check=False)
    assert bad.returncode == 2
    assert "at least 1" in bad.stderr


def test_audit_verify_names_the_first_tampered_entry(
    env: dict[str, str], demo: Path, tmp_path: Path
) -> None:
    ok = run("audit", "verify", "--data-dir", demo, env=env)
    assert ok.stdout.startswith("audit chain intact: 1239 entries")
    copy = tmp_path / "copy"
    copy.mkdir()
    src = sqlite3.connect(demo / "dealos.db")
    dst = sqlite3.connect(copy / "dealos.db")
    src.backup(dst)
    src.close()
    dst.execute("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 500")
    dst.commit()
    dst.close()
    broken = run("audit", "verify", "--data-dir", copy, env=env, check=False)
    assert broken.returncode == 1
    assert broken.stdout.strip().startswith("audit chain broken at entry 500:")


def test_a_missing_store_is_one_readable_line(env: dict[str, str], tmp_path: Path) -> None:
    proc = run("digest", "--data-dir", tmp_path / "nowhere", env=env, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"dealos: no Deal OS store in {tmp_path / 'nowhere'}: run `dealos init` or `dealos demo`"
    )
