"""The mail and notice settings an operator gives in the environment: a TLS mode or a
number of seconds that cannot be used is refused by name, before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync_server.settings import Settings, SettingsError

URL = "postgresql://x@localhost/db"


def test_mail_and_notice_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    default = Settings.from_env(URL, tmp_path)
    assert (default.smtp_starttls, default.smtp_implicit_tls) == (True, False)
    assert default.link_base == "http://127.0.0.1:8787"
    monkeypatch.setenv("DEALOS_SMTP_SECURITY", "tls")
    monkeypatch.setenv("DEALOS_SMTP_PORT", "465")
    monkeypatch.setenv("DEALOS_PUBLIC_URL", "https://investors.harborpoint.example/")
    monkeypatch.setenv("DEALOS_NOTICE_POLL_SECONDS", "0.5")
    monkeypatch.setenv("DEALOS_NOTICE_MAX_ATTEMPTS", "3")
    given = Settings.from_env(URL, tmp_path)
    assert (given.smtp_starttls, given.smtp_implicit_tls, given.smtp_port) == (False, True, 465)
    assert given.link_base == "https://investors.harborpoint.example"
    assert (given.notice_poll_seconds, given.notice_max_attempts) == (0.5, 3)


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("DEALOS_SMTP_SECURITY", "ssl", "DEALOS_SMTP_SECURITY must be one of starttls, tls, none"),
        ("DEALOS_NOTICE_POLL_SECONDS", "soon", "DEALOS_NOTICE_POLL_SECONDS must be a number"),
        ("DEALOS_NOTICE_LEASE_SECONDS", "-1", "DEALOS_NOTICE_LEASE_SECONDS must be a number"),
        ("DEALOS_SMTP_PORT", "smtp", "DEALOS_SMTP_PORT must be a whole number"),
    ],
)
def test_a_setting_that_cannot_be_used_is_refused_by_name(
    name: str, value: str, said: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=said):
        Settings.from_env(URL, tmp_path)
