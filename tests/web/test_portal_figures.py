"""Every investor of the demo reads in the portal the figures the GP's desktop and the GP's
statements state, to the cent.

Harbor Peak Capital (``core.demo.seed``: two funds, 120 LPs — 110 in Fund I, 40 in Fund
II, 30 of them in both —, six issued calls, some partly paid, a draft, three
distributions) is built on Gina's laptop and attached to a real server, as ``dealos
attach`` does. Gina then records NAV marks chosen to walk every branch of an LP's NAV
share: Fund I on 15 Feb 2024 (after the commitments, before any payment: split by
commitment) and on 31 Dec 2025 (split by paid-in); Fund II on 31 Jan 2026 (before any
commitment: nobody holds a share of it) and on 30 Jun 2026 (nothing paid in: by
commitment). She invites the officer of an investor in both funds.

For every LP and every fund it is in, the portal's own functions over Postgres
(:func:`position_keys`, :func:`summarize`, :func:`read_ledger`, :func:`nav_lookup`) give:

* the overview's performance block, equal to the desktop's fund performance line for the
  LP (``core.views.fund_performance``), as of today;
* committed, called, paid in, unfunded and distributed, which summed over the LP's funds
  equal its line on the desktop's Investors page (``core.views.investors_view``);
* this quarter's capital account statement, equal — every column, the NAV share and its
  op, the performance block — to the one the GP's desktop builds
  (``core.reports.documents.lp_statement``), whose closing figures equal the overview's;
* the NAV share on each mark's day, the day before and today, equal to the desktop's
  (``core.positions.positions_as_of``, which tallies every LP), and traced to the same
  op on the statements.

And the officer's overview, asked for over HTTP, shows the desktop's figures.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
from live_server import LiveServer
from sqlalchemy import create_engine, select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.demo.seed import build_demo
from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.onboarding import attach_to_server
from core.positions import positions_as_of
from core.reports.capital_account import build_statement
from core.reports.documents import lp_statement
from core.reports.presentation import money_text
from core.store.schema import funds
from core.store.sql_projection import SqlProjection
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine
from core.views.fund_admin import entity_version
from core.views.fund_performance import fund_performance
from core.views.investors_view import list_investors
from core.views.viewer import current_viewer
from core.visibility import Scope
from sync_server.bootstrap import invite_org
from sync_server.database import owner_engine, psycopg_url, tenant_tx
from sync_server.portal.investor_access import PortalViewer, portal_read, server_op_log
from sync_server.portal.investor_positions import (
    PositionKey,
    nav_lookup,
    position_keys,
    read_ledger,
    statement_periods,
    summarize,
)
from sync_server.portal.nav_shares import NavShares
from sync_server.sessions import Caller, create_session

FOUNDER = "gina@harborpeak.example"
PASSWORD = "harbor peak passphrase"
OFFICER = "officer@northwind-lp.example"
MARKS = {  # fund name -> (as of, NAV)
    "Harbor Peak Real Estate Fund I": [
        ("2024-02-15", "60000000.00"),
        ("2025-12-31", "71234567.89"),
    ],
    "Harbor Peak Real Estate Fund II": [("2026-01-31", "1000000.00"), ("2026-06-30", "1234567.91")],
}
ZERO = Decimal(0)


def _attach_demo(server: LiveServer, folder: Path) -> Workspace:
    build_demo(folder)
    engine = owner_engine(server.settings.database_url)
    try:
        code = invite_org(engine, admin_email=FOUNDER, ttl_seconds=600)
    finally:
        engine.dispose()
    ws = Workspace.open(folder)
    report = attach_to_server(ws, server=server.url, code=code, password=PASSWORD)
    assert (report.pending, report.conflicts) == (0, [])
    return ws


def _sync(ws: Workspace, server: LiveServer) -> None:
    client = SyncClient(server.url, token=ws.keys.secret(f"session:{ws.device_id}"))
    try:
        report = SyncEngine(ws, client).run_once()
    finally:
        client.close()
    assert report.conflicts == []


def _fund_ids(ws: Workspace) -> dict[str, str]:
    with reading(ws) as conn:
        rows = conn.execute(
            select(funds.c.name, funds.c.fund_id).where(funds.c.org_id == ws.org_id)
        )
        return {str(name): str(fund_id) for name, fund_id in rows}


def _record_marks(ws: Workspace, fund_ids: dict[str, str]) -> None:
    for name, marks in MARKS.items():
        for as_of, nav in marks:
            fund = fund_ids[name]
            ws.submit_wire(
                "fund.nav.record",
                entity_id=fund,
                payload={"valuation_id": new_id(), "as_of": as_of, "nav": nav, "currency": "USD"},
                base_version=entity_version(ws, fund),
            )


def _invite_officer(ws: Workspace, lp_id: str) -> str:
    user = new_id()
    ws.submit_wire(
        "user.invite",
        entity_id=user,
        payload={"email": OFFICER, "display_name": "Northwind officer", "roles": ["lp"]},
    )
    ws.submit_wire(
        "entitlement.grant",
        entity_id=new_id(),
        payload={"user_id": user, "scope_type": "lp", "scope_id": lp_id},
    )
    return user


def _nav_days(fund_name: str, today: dt.date) -> list[dt.date]:
    days = [today]
    for as_of, _ in MARKS[fund_name]:
        day = dt.date.fromisoformat(as_of)
        days += [day - dt.timedelta(days=1), day]
    return days


def test_every_investor_of_the_demo_reads_the_gps_figures(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    ws = _attach_demo(live_server, tmp_path / "laptop")
    fund_ids = _fund_ids(ws)
    _record_marks(ws, fund_ids)
    gp = current_viewer(ws)
    lines = {line.lp_id: line for line in list_investors(ws, gp)}
    in_both = next(lp for lp, line in sorted(lines.items()) if line.funds == 2)
    officer = _invite_officer(ws, in_both)
    _sync(ws, live_server)
    org = ws.org_id
    today = dt.date.today()
    desktop = {
        fund: {lp.lp_id: lp.metrics for lp in fund_performance(ws, fund, as_of=today).lps}
        for fund in fund_ids.values()
    }
    with reading(ws) as local:  # every LP's position, NAV share included, on each day
        desktop_splits = {
            fund_ids[name]: {
                day: positions_as_of(SqlProjection(local, ws.org_id), fund_ids[name], day)
                for day in _nav_days(name, today)
            }
            for name in MARKS
        }

    engine = create_engine(psycopg_url(live_server.settings.app_database_url))
    positions: dict[str, list[PositionKey]] = {}
    compared = 0
    with portal_read(engine, org) as conn:
        for lp_id, line in sorted(lines.items()):
            caller = Caller("figures", org, gp.user_id, None, "magic_link")
            viewer = PortalViewer(caller, Scope(whole_org=False, lps=frozenset({lp_id})))
            keys = positions[lp_id] = position_keys(conn, viewer)
            assert len(keys) == line.funds
            totals = dict.fromkeys(("committed", "called", "paid", "unfunded", "distributed"), ZERO)
            for key in keys:
                summary = summarize(conn, viewer, key, today)
                m = summary.metrics
                assert m == desktop[key.fund_id][lp_id], (line.name, key.fund_name)
                assert summary.nav is not None
                assert m.nav == summary.nav.amount
                called = summary.called_not_paid + m.paid_in
                for term, value in zip(
                    totals, (m.committed, called, m.paid_in, m.unfunded, m.distributed), strict=True
                ):
                    totals[term] += value

                ledger = read_ledger(conn, viewer, lp_id, key.fund_id)
                period = statement_periods(ledger, today)[0]
                portal_statement = build_statement(
                    ledger, period, nav=nav_lookup(conn, viewer, ledger), today=today
                )
                gp_statement = lp_statement(ws, lp_id, period, fund_id=key.fund_id, today=today)
                assert portal_statement == gp_statement, (line.name, key.fund_name)
                closing = gp_statement.performance
                assert closing is not None
                assert gp_statement.nav == summary.nav
                assert (
                    closing.committed,
                    closing.paid_in,
                    closing.distributed,
                    closing.unfunded,
                ) == (m.committed, m.paid_in, m.distributed, m.unfunded)

                shares = NavShares(conn, org, key.fund_id, lp_id, server_op_log(org))
                for day, split in desktop_splits[key.fund_id].items():
                    found = shares.on(day)
                    position = split.positions.get(lp_id)
                    if split.nav_as_of is None or position is None:
                        assert found is None, (line.name, key.fund_name, day)
                    else:
                        assert found is not None, (line.name, key.fund_name, day)
                        assert (found.as_of, found.amount) == (
                            split.nav_as_of,
                            position.nav_share,
                        ), (line.name, key.fund_name, day)
                compared += 1
            assert totals == {
                "committed": line.committed.get("USD", ZERO),
                "called": line.called.get("USD", ZERO),
                "paid": line.paid.get("USD", ZERO),
                "unfunded": line.unfunded.get("USD", ZERO),
                "distributed": line.distributed.get("USD", ZERO),
            }, line.name
    assert compared == 150  # 110 positions in Fund I, 40 in Fund II

    with tenant_tx(engine, org) as conn:
        session = create_session(conn, org, officer, method="magic_link", ttl_seconds=600)
    request = urllib.request.Request(
        f"{live_server.url}/portal", headers={"Cookie": f"dealos_portal={session.token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        assert resp.status == 200
        html = resp.read().decode()
    engine.dispose()
    shown = re.findall(r'data-figure="([a-z-]+)">([^<]*)<', html)
    expected = []
    for key in positions[in_both]:  # by fund name, as the page lists them
        m = desktop[key.fund_id][in_both]
        expected += [
            ("commitment", money_text(m.committed, "USD")),
            ("paid-in", money_text(m.paid_in, "USD")),
            ("unfunded", money_text(m.unfunded, "USD")),
            ("distributed", money_text(m.distributed, "USD")),
            ("nav", money_text(m.nav, "USD") if m.nav is not None else "n/a"),
            ("tvpi", f"{m.tvpi}x" if m.tvpi is not None else "n/a"),
            ("dpi", f"{m.dpi}x" if m.dpi is not None else "n/a"),
            ("irr", m.irr.percent()),
        ]
    assert shown == expected
    ws.close()
