"""An operator's settings from the environment: rate limits are raised or lowered by
``DEALOS_RATE_*``, signature helpers set by ``DEALOS_VERIFY_PROCESSES``; a value that
cannot be used is refused by name, as is ``dealos serve --workers 0`` — before anything
starts; a database that cannot be reached is said in one line, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sync_server.settings import RateLimits, Settings, SettingsError


def test_rate_limits_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DEALOS_RATE_LOGIN_PER_IP", "500")
    monkeypatch.setenv("DEALOS_RATE_SNAPSHOT_PER_ACCOUNT", "3")
    limits = Settings.from_env("postgresql://x@localhost/db", tmp_path).rate_limits
    assert limits.login_per_ip == 500
    assert limits.snapshot_per_account == 3
    assert limits.login_per_account_ip == RateLimits().login_per_account_ip  # untouched


def test_a_rate_limit_that_does_not_exist_is_refused_by_name() -> None:
    # A renamed limit left in an operator's environment must not be silently ignored.
    with pytest.raises(SettingsError, match="DEALOS_RATE_LOGIN_PER_ACCOUNT: no such rate limit"):
        RateLimits.from_env({"DEALOS_RATE_LOGIN_PER_ACCOUNT": "10"})


@pytest.mark.parametrize("value", ["0", "-4", "ten", "1.5", ""])
def test_a_limit_that_is_not_a_positive_integer_is_refused_by_name(value: str) -> None:
    with pytest.raises(SettingsError, match="DEALOS_RATE_LOGIN_PER_IP must be a positive"):
        RateLimits.from_env({"DEALOS_RATE_LOGIN_PER_IP": value})


def test_verify_processes_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = "postgresql://x@localhost/db"
    assert Settings.from_env(url, tmp_path).verify_processes == 1
    monkeypatch.setenv("DEALOS_VERIFY_PROCESSES", "0")
    assert Settings.from_env(url, tmp_path).verify_processes == 0
    monkeypatch.setenv("DEALOS_VERIFY_PROCESSES", "two")
    with pytest.raises(SettingsError, match="DEALOS_VERIFY_PROCESSES must be a whole number"):
        Settings.from_env(url, tmp_path)


def test_serve_refuses_a_bad_limit_and_zero_workers_in_one_line(tmp_path: Path) -> None:
    for env, args, named in (
        ({"DEALOS_RATE_LOGIN_PER_IP": "many"}, [], "DEALOS_RATE_LOGIN_PER_IP"),
        ({}, ["--workers", "0"], "--workers"),
        ({}, [], "cannot reach the database"),
    ):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "sync_server",
                "--data-dir",
                str(tmp_path),
                "serve",
                "--database-url",
                "postgresql://nobody@127.0.0.1:1/none",
                *args,
            ],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode != 0
        assert "Traceback" not in done.stderr
        assert named in done.stderr
