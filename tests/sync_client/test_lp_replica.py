"""An LP's replica works: what its officer reads there is what the GP's replica states.

Harbor Point Capital runs two funds on its server. Fund I (European waterfall, 10 %
withholding) has Acme Pension (our LP), Bayview Endowment and Cobalt Family Office; Fund
II (pro rata) has Acme and Bayview. Over 2025 the GP issues calls, records payments (Acme
leaves part of its second call unpaid), marks the NAV, distributes exit proceeds through
the waterfall and income pro rata, and drafts two calls it never issues as drafted: one it
deletes, one it revises before issuing. Acme's officer signs in by magic link. On Acme's
replica every statement, notice, listing and performance figure of Acme equals the GP's to
the cent; nothing of Bayview or Cobalt is anywhere in it; two replicas of Acme agree and a
rebuild reproduces them; a redacted op with one byte changed is refused.
"""

from __future__ import annotations

import datetime as dt
import email
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from dealos_cli import dealos
from live_server import LiveServer, create_org
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select, update

from core.commands.reading import close_reading
from core.commands.workspace import Workspace
from core.errors import StoreError
from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.onboarding import enroll_device, join_as_reader
from core.ops.kinds import KINDS
from core.reports import parse_period
from core.reports.documents import call_notice, distribution_notice, lp_statement
from core.store.local_schema import op_log
from core.store.schema import PROJECTION_TABLES, entities, metadata
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine
from core.views.fund_performance import fund_performance
from core.views.viewer import current_viewer
from desktop.capital.page import CapitalPage
from desktop.investors.page import InvestorsPage
from desktop.main_window import MainWindow
from desktop.workspace_shell import PAGES

PASSWORD = "correct horse battery staple"
TODAY = dt.date(2026, 12, 6)
TERMS = {
    "style": "european",
    "preferred_return": "0.08",
    "compounding": "compound",
    "carried_interest": "0.20",
    "catch_up": "1",
    "gp_name": "Harbor Point GP",
    "withholding_rate": "0.10",
}


def _sync(ws: Workspace, url: str) -> None:
    client = SyncClient(url, token=ws.keys.secret(f"session:{ws.device_id}"))
    try:
        SyncEngine(ws, client).run_once()
    finally:
        client.close()


def _token(folder: Path, to: str, seen: set[str]) -> str:
    for _ in range(200):
        for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
            msg = email.message_from_bytes(path.read_bytes())
            body = msg.get_payload(decode=True)
            if msg["To"] == to and isinstance(body, bytes):
                match = re.search(r"#token=([A-Za-z0-9_-]+)", body.decode())
                if match and match.group(1) not in seen:
                    seen.add(match.group(1))
                    return match.group(1)
        time.sleep(0.05)
    raise AssertionError(f"no sign-in link mailed to {to}")


class Harbor:
    """The GP's replica and the ids of what it records."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.ids: dict[str, str] = {}

    def op(self, kind: str, payload: dict[str, Any], entity: str | None = None) -> str:
        entity = entity or new_id()
        version = None
        if KINDS[kind].concurrency != "create":
            with self.ws.store.transaction() as conn:
                version = conn.execute(
                    select(entities.c.version).where(entities.c.entity_id == entity)
                ).scalar_one()
        self.ws.submit_wire(kind, entity_id=entity, payload=payload, base_version=version)
        return entity

    def lp(self, name: str, email_address: str) -> str:
        contact = {"contact_id": new_id(), "name": f"{name} IR", "email": email_address}
        return self.op("lp.create", {"name": name, "lp_type": "institution", "contacts": [contact]})

    def commit(self, fund: str, lp: str, amount: str) -> str:
        return self.op(
            "commitment.create",
            {
                "fund_id": fund,
                "lp_id": lp,
                "amount": amount,
                "currency": "USD",
                "committed_on": "2025-01-10",
            },
        )

    def call(self, fund: str, amount: str, on: str, due: str, **extra: Any) -> str:
        return self.op(
            "capital_call.create",
            {
                "fund_id": fund,
                "amount": amount,
                "currency": "USD",
                "basis": "commitment",
                "call_date": on,
                "due_date": due,
                "split_rule": "as_of_date",
                **extra,
            },
        )

    def share(self, table: str, key: str, entity: str, lp: str) -> str:
        t = metadata.tables[table]
        with self.ws.store.transaction() as conn:
            return str(
                conn.execute(
                    select(t.c.amount).where(t.c[key] == entity, t.c.lp_id == lp)
                ).scalar_one()
            )

    def pay(self, call: str, lp: str, amount: str, on: str) -> None:
        payload = {"payment_id": new_id(), "lp_id": lp, "amount": amount, "currency": "USD"}
        self.op("capital_call.payment", {**payload, "paid_on": on}, entity=call)

    def distribute(self, fund: str, amount: str, on: str, **extra: Any) -> str:
        dist = self.op(
            "distribution.create",
            {
                "fund_id": fund,
                "amount": amount,
                "currency": "USD",
                "distribution_date": on,
                "split_rule": "as_of_date",
                **extra,
            },
        )
        self.op("distribution.issue", {}, entity=dist)
        return dist


def _build(harbor: Harbor) -> dict[str, Any]:
    h = harbor
    one = h.op("fund.create", {"name": "Harbor Fund I", "currency": "USD", "vintage_year": 2025})
    two = h.op("fund.create", {"name": "Harbor Fund II", "currency": "USD"})
    h.op("fund.terms.set", TERMS, entity=one)
    h.op(
        "fund.update",
        {
            "payment_instructions": {
                "bank_name": "First Harbor Bank",
                "account_name": "Harbor Fund I",
                "account_number": "00012345678",
                "swift": "FHBKUS33",
            }
        },
        entity=one,
    )
    acme = h.lp("Acme Pension", "ir@acme.example")
    bayview = h.lp("Bayview Endowment", "cfo@bayview.example")
    cobalt = h.lp("Cobalt Family Office", "office@cobalt.example")
    h.commit(one, acme, "2000000.00")
    h.commit(one, bayview, "3000000.00")
    h.commit(one, cobalt, "5000000.00")
    h.commit(two, acme, "1500000.00")
    h.commit(two, bayview, "2500000.00")
    # Fund I: a first call paid in full, a second Acme pays only in part.
    first = h.call(one, "1000000.00", "2025-02-01", "2025-02-28", purpose="First close")
    h.op("capital_call.issue", {"note": "Bayview asked for a week"}, entity=first)
    for lp in (acme, bayview, cobalt):
        h.pay(first, lp, h.share("call_allocations", "call_id", first, lp), "2025-02-20")
    dropped = h.call(one, "250000.00", "2025-03-01", "2025-03-31")
    h.op("capital_call.delete", {"reason": "drafted twice"}, entity=dropped)
    second = h.call(one, "400000.00", "2025-04-01", "2025-04-30")
    h.op(
        "capital_call.revise",
        {
            "amount": "500000.00",
            "currency": "USD",
            "basis": "commitment",
            "call_date": "2025-04-01",
            "due_date": "2025-04-30",
            "purpose": "Riverside Commons",
            "split_rule": "as_of_date",
        },
        entity=second,
    )
    h.op("capital_call.issue", {}, entity=second)
    h.pay(second, bayview, h.share("call_allocations", "call_id", second, bayview), "2025-04-15")
    h.pay(second, cobalt, h.share("call_allocations", "call_id", second, cobalt), "2025-04-20")
    h.pay(second, acme, "60000.00", "2025-04-25")  # of 100,000.00
    nav = {"valuation_id": new_id(), "as_of": "2025-06-30", "nav": "1725000.00", "currency": "USD"}
    h.op("fund.nav.record", nav, entity=one)
    exit_ = h.distribute(one, "1800000.00", "2025-09-30", basis="waterfall", source="exit")
    income = h.distribute(
        one,
        "90000.00",
        "2025-11-15",
        basis="paid_in",
        source="income",
        offset_unpaid_calls=True,
        recallable=True,
    )
    # Fund II: one call paid, income distributed by paid-in.
    third = h.call(two, "720000.00", "2025-05-01", "2025-05-31")
    h.op("capital_call.issue", {}, entity=third)
    for lp in (acme, bayview):
        h.pay(third, lp, h.share("call_allocations", "call_id", third, lp), "2025-05-20")
    fund_two_income = h.distribute(two, "64000.00", "2025-12-01", basis="paid_in", source="income")
    others = {bayview, cobalt}
    secrets = [bayview, cobalt, "Bayview", "Cobalt", "bayview.example", "cobalt.example"]
    secrets += ["3000000.00", "5000000.00", "2500000.00", "10000000.00"]  # others, totals
    secrets += ["1000000.00", "500000.00", "400000.00", "250000.00", "720000.00"]  # calls
    secrets += ["1800000.00", "90000.00", "64000.00", "1725000.00", dropped]
    for table, key, entity in (
        ("call_allocations", "call_id", first),
        ("call_allocations", "call_id", second),
        ("distribution_allocations", "distribution_id", exit_),
        ("distribution_allocations", "distribution_id", income),
    ):
        secrets += [h.share(table, key, entity, lp) for lp in sorted(others)]
    return {
        "funds": (one, two),
        "acme": acme,
        "calls": (first, second, third),
        "distributions": (exit_, income, fund_two_income),
        "secrets": secrets,
    }


def _invite(harbor: Harbor, acme: str) -> str:
    officer = f"officer+{new_id()[-12:]}@acme.example"
    user = harbor.op(
        "user.invite", {"email": officer, "display_name": "Acme Officer", "roles": ["lp"]}
    )
    harbor.op("entitlement.grant", {"user_id": user, "scope_type": "lp", "scope_id": acme})
    return officer


def _sign_in(server: LiveServer, officer: str, folder: Path, seen: set[str]) -> Workspace:
    client = SyncClient(server.url)
    client.request_magic_link(officer)
    client.close()
    assert server.settings.mail_drop_dir is not None
    token = _token(server.settings.mail_drop_dir, officer, seen)
    reader, report = join_as_reader(folder, server=server.url, token=token)
    assert report.applied > 0, report.summary()
    return reader


def _statement_figures(ws: Workspace, lp: str, fund: str, period: str) -> tuple[Any, ...]:
    s = lp_statement(ws, lp, parse_period(period), fund_id=fund, today=TODAY)
    return (s.columns, s.performance, s.irr_label, s.nav, s.notes, s.document_id, s.preliminary)


def _rows_text(ws: Workspace) -> str:
    with ws.store.transaction() as conn:
        return "\n".join(
            repr(tuple(row)) for table in PROJECTION_TABLES for row in conn.execute(select(table))
        )


def _holds(text: str, secret: str) -> bool:
    """Whether ``secret`` is in ``text`` as a whole value (500000.00 is not in 1500000.00)."""
    return re.search(rf"(?<![\w.]){re.escape(secret)}(?![\w])", text) is not None


@pytest.fixture
def world(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> dict[str, Any]:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    maria = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(live_server.settings, name="Harbor Point Capital", email=maria, password=PASSWORD)
    gp, _ = enroll_device(
        tmp_path / "gp", server=live_server.url, email=maria, password=PASSWORD, device_name="gp"
    )
    harbor = Harbor(gp)
    built = _build(harbor)
    officer = _invite(harbor, built["acme"])
    _sync(gp, live_server.url)
    seen: set[str] = set()
    acme = _sign_in(live_server, officer, tmp_path / "acme", seen)
    return {**built, "gp": gp, "lp": acme, "officer": officer, "seen": seen}


def test_the_lps_replica_states_its_figures_as_the_gp_does_and_nothing_else(
    live_server: LiveServer, world: dict[str, Any], tmp_path: Path
) -> None:
    gp, lp, acme = world["gp"], world["lp"], world["acme"]
    one, two = world["funds"]
    first, second, third = world["calls"]
    # The statements, to the cent and to the document id (which hashes every figure).
    for fund, period in ((one, "2025"), (one, "2025Q2"), (one, "2025Q4"), (two, "2025")):
        assert _statement_figures(lp, acme, fund, period) == _statement_figures(
            gp, acme, fund, period
        )
    statement = lp_statement(lp, acme, parse_period("2025"), fund_id=one, today=TODAY)
    labels = dict(statement.current.distributions)
    assert labels["Distributions: return of capital"] > 0  # the waterfall's tiers arrived
    assert any("remained unpaid" in note for note in statement.notes)
    # The notices: every line of each (the payment reference's investor number aside).
    for call in (first, second, third):
        assert call_notice(lp, call, acme).lines == call_notice(gp, call, acme).lines
    for dist in world["distributions"]:
        mine, theirs = distribution_notice(lp, dist, acme), distribution_notice(gp, dist, acme)
        assert (mine.lines, mine.classes) == (theirs.lines, theirs.classes)
        assert mine.distribution.tiers == theirs.distribution.tiers
    waterfall = distribution_notice(lp, world["distributions"][0], acme)
    assert waterfall.line("Less tax withheld").amount < 0
    assert waterfall.distribution.explanation  # the lines about Acme
    for fund in (one, two):
        mine_p = fund_performance(lp, fund, as_of=TODAY, lp_id=acme)
        theirs_p = fund_performance(gp, fund, as_of=TODAY, lp_id=acme)
        assert [x.metrics for x in mine_p.lps] == [x.metrics for x in theirs_p.lps]
    # Nothing of the other LPs, nor any total, in any projection table of the replica.
    text = _rows_text(lp)
    assert [s for s in world["secrets"] if _holds(text, s)] == []
    # The workspace knows whose it is and who is looking.
    viewer = current_viewer(lp)
    assert (viewer.org_name, viewer.role_names) == ("Harbor Point Capital", "LP")
    assert viewer.entitled_lps == frozenset({acme})


def test_the_command_line_reads_the_lps_replica_as_the_gps(
    live_server: LiveServer, world: dict[str, Any], tmp_path: Path
) -> None:
    gp, lp, acme = world["gp"], world["lp"], world["acme"]
    one, two = world["funds"]
    close_reading(gp)
    close_reading(lp)
    env = {**os.environ, "DEALOS_KEYRING_FILE": os.environ[KEYRING_FILE_ENV]}

    def run(ws: Workspace, *args: Any) -> str:
        done = dealos(*args, "--data-dir", ws.store.data_dir, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout.replace(str(tmp_path), "<tmp>")

    for fund in (one, two):
        out = ("report", "statement", "--lp", acme, "--period", "2025", "--fund", fund)
        mine = run(lp, *out, "--out", tmp_path / "lp.pdf")
        theirs = run(gp, *out, "--out", tmp_path / "gp.pdf")
        assert "capital account statement CAS-" in mine
        assert mine.replace("lp.pdf", "x.pdf") == theirs.replace("gp.pdf", "x.pdf")
    for flag, target in (
        ("--call", world["calls"][1]),
        ("--distribution", world["distributions"][0]),
    ):
        mine = run(lp, "report", "notice", flag, target, "--lp", acme, "--out", tmp_path / "n.pdf")
        assert mine.rstrip().endswith("to Acme Pension"), mine
    gp_lines = run(gp, "lp", "list").splitlines()
    assert run(lp, "lp", "list").splitlines() == [line for line in gp_lines if acme in line]
    funds = run(lp, "fund", "list")
    assert "Harbor Fund I " in funds
    assert "Harbor Fund II" in funds
    # On the LP's replica a fund's figures are the LP's own: its commitment, what it was
    # called, what it paid (a set-off of the income distribution included).
    assert "committed 2,000,000.00  called 300,000.00  paid-in 274,4" in funds
    assert "committed 1,500,000.00  called 270,000.00  paid-in 270,000.00  1 LP" in funds
    shown = run(lp, "fund", "show", "--fund", one)
    assert "European" in shown
    assert "First Harbor Bank" in shown


def test_two_replicas_of_one_lp_agree_and_a_rebuild_reproduces_them(
    live_server: LiveServer, world: dict[str, Any], tmp_path: Path
) -> None:
    lp = world["lp"]
    again = _sign_in(live_server, world["officer"], tmp_path / "acme-laptop", world["seen"])
    assert again.digest() == lp.digest()
    assert lp.rebuild() == again.digest()
    assert lp.digest() != world["gp"].digest()


def test_a_redacted_op_with_one_byte_changed_is_refused(
    live_server: LiveServer, world: dict[str, Any]
) -> None:
    lp = world["lp"]
    with lp.store.transaction() as conn:
        op_id, raw = conn.execute(
            select(op_log.c.op_id, op_log.c.envelope).where(op_log.c.kind == "capital_call.issue")
        ).first()  # type: ignore[misc]
        flipped = bytes(raw).replace(b'"call_date":"2025-02-01"', b'"call_date":"2025-02-02"')
        assert flipped != bytes(raw)
        conn.execute(update(op_log).where(op_log.c.op_id == op_id).values(envelope=flipped))
    with pytest.raises(StoreError, match="does not carry the server's signature"):
        lp.rebuild()


# -- the desktop on the LP's replica ------------------------------------------------------

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "desktop"


@pytest.mark.usefixtures("live_server")
def test_the_lp_reads_its_own_positions_in_the_desktop_offline(
    qtbot: QtBot,
    world: dict[str, Any],
    tmp_path: Path,
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    folder = tmp_path / "acme"
    window = MainWindow(folder, sync_interval=3600)
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == "Harbor Point Capital — Deal OS"
    assert "LP" in window.identity.text()
    assert "read-only" in window.identity.text()
    shell = window.shell
    assert shell is not None
    shown = [shell.nav.item(i).text() for i in range(shell.nav.count())]
    labels = dict(PAGES)
    assert labels["investors"] in shown
    assert labels["capital"] in shown
    assert labels["people"] not in shown
    assert labels["pipeline"] not in shown  # an investor reads positions, not deal flow
    assert shell.current_key() == "overview"

    investors = window.show_page("investors")
    assert isinstance(investors, InvestorsPage)
    assert [lp.name for lp in investors.lps.records] == ["Acme Pension"]
    assert not investors.add_button.isEnabled()
    assert not investors.transfer_button.isEnabled()
    QApplication.processEvents()
    assert window.grab().save(str(ARTIFACTS / "lp-investors.png"), "PNG")

    capital = window.show_page("capital")
    assert isinstance(capital, CapitalPage)
    statuses = {c.status for c in capital.calls.records}
    assert statuses == {"issued"}  # drafts are the GP's
    assert len(capital.calls.records) == len(world["calls"])
    assert not capital.new_call_button.isEnabled()
    assert not capital.payment_button.isEnabled()
    capital.select_call(capital.calls.records[0].call_id)
    QApplication.processEvents()
    assert [a.lp_name for a in capital.allocations.records] == ["Acme Pension"]
    assert not capital.call_emails_button.isEnabled()
    assert window.grab().save(str(ARTIFACTS / "lp-capital.png"), "PNG")

    overview = window.show_page("overview")
    QApplication.processEvents()
    assert overview is not None
    assert window.grab().save(str(ARTIFACTS / "lp-overview.png"), "PNG")
    assert "Your positions as an investor: 2 funds" in overview.headline.text()  # type: ignore[attr-defined]
    assert overview.fund.count() == 2  # type: ignore[attr-defined]
    kpis = overview.kpis.text()  # type: ignore[attr-defined]
    assert "paid-in" in kpis
    assert "TVPI" in kpis
    text = "\n".join(
        str(w.text()) for w in overview.findChildren(type(window.identity)) if w.text()
    )
    for other in ("Bayview", "Cobalt"):
        assert other not in text
