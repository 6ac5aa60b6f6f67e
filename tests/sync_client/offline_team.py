"""A small organization started offline whose log three devices signed, and the operator's
attach code for it.

Ada founded Acme Capital on her laptop, hired Alex (GP analyst) and Morgan (counsel),
each with a device of their own enrolled with its proof, and the three worked: Alex
created the LPs and a deal and took it to IC, Ada made the fund and the commitments on
Alex's LPs and approved the deal, Morgan signed it off. Ops of each device depend on the
others', as in the demo.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from live_server import LiveServer

from core.commands.workspace import Workspace
from core.demo.actors import Actor, Cast
from core.ids import new_id
from core.money import Money
from core.ops.payloads.access import EntitlementGrantPayload
from core.ops.payloads.deals import (
    ApprovalRecordPayload,
    DealCreatePayload,
    DealTransitionPayload,
    FundCreatePayload,
)
from core.ops.payloads.investors import CommitmentCreatePayload, LpCreatePayload
from sync_server.bootstrap import invite_org
from sync_server.database import owner_engine

__all__ = ["PASSWORD", "Team", "invite", "team_org"]

PASSWORD = "offline gp passphrase"


@dataclass
class Team:
    ws: Workspace
    analyst: Actor
    counsel: Actor
    analyst_ops: list[str]  # op ids Alex's device signed, in order


def invite(server: LiveServer, address: str) -> str:
    engine = owner_engine(server.settings.database_url)
    try:
        return invite_org(engine, admin_email=address, ttl_seconds=600)
    finally:
        engine.dispose()


def team_org(folder: Path, address: str) -> Team:
    ws = Workspace.init(folder, org_name="Acme Capital", email=address, display_name="Ada GP")
    cast = Cast(ws)
    gp = cast.founder()
    analyst = cast.hire(gp, email=f"alex.{address}", name="Alex Chen", roles=["gp_analyst"])
    counsel = cast.hire(gp, email=f"morgan.{address}", name="Morgan Lee", roles=["counsel"])
    fund = new_id()
    cast.do(gp, FundCreatePayload(name="Acme Fund I", currency="USD", vintage_year=2026), fund)
    analyst_ops = []
    for name, amount in (("Harbor Teachers", 2_500_000), ("Lowell Family", 500_000)):
        lp = new_id()
        made = cast.do(analyst, LpCreatePayload(name=name, lp_type="institution"), lp)
        analyst_ops.append(made.op_id)
        cast.do(
            gp,
            CommitmentCreatePayload(
                fund_id=fund,
                lp_id=lp,
                amount=Money(amount, "USD"),
                currency="USD",
                committed_on=dt.date(2026, 11, 20),
            ),
            new_id(),
        )
    deal = new_id()
    analyst_ops.append(
        cast.do(analyst, DealCreatePayload(name="Mill St", currency="USD"), deal).op_id
    )
    for stage in ("screening", "underwriting", "ic_review"):
        analyst_ops.append(cast.do(analyst, DealTransitionPayload(to=stage), deal).op_id)
    vote = ApprovalRecordPayload(
        approval_id=new_id(), approval_type="ic_vote", decision="approve", note="IC approves"
    )
    cast.do(gp, vote, deal)
    cast.do(gp, DealTransitionPayload(to="approved"), deal)
    cast.do(
        gp,
        EntitlementGrantPayload(user_id=counsel.user_id, scope_type="deal", scope_id=deal),
        new_id(),
    )
    signoff = ApprovalRecordPayload(
        approval_id=new_id(),
        approval_type="legal_signoff",
        decision="approve",
        note="Title and zoning reviewed",
    )
    cast.do(counsel, signoff, deal)
    return Team(ws, analyst, counsel, analyst_ops)
