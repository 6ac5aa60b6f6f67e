"""A realistic demo organization, built entirely through signed ops.

Harbor Peak Capital: two funds, 120 LPs with contacts and commitments, 44 deals spread
over every lifecycle stage with offering memoranda and extracted terms, IC votes and
counsel sign-offs, seven capital calls (some partly paid, one still a draft), three
distributions, and entitlements for counsel, a lender and LP users. Because it is all
ops, the op log and audit chain are complete and ``dealos rebuild`` reproduces it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from core.commands.workspace import Workspace
from core.demo.actors import Actor, Cast
from core.domain.deal_fields import Provenance
from core.domain.lifecycle import STAGE_ORDER, Stage
from core.ids import new_id
from core.keys import KeyStore
from core.money import Money
from core.ops.payloads.access import EntitlementGrantPayload
from core.ops.payloads.capital import (
    CapitalCallCreatePayload,
    CapitalCallIssuePayload,
    CapitalCallPaymentPayload,
    DistributionCreatePayload,
    DistributionIssuePayload,
)
from core.ops.payloads.deals import (
    ApprovalRecordPayload,
    DealCreatePayload,
    DealFieldValue,
    DealTransitionPayload,
    DealUpdatePayload,
    DocumentAddPayload,
    FundCreatePayload,
)
from core.ops.payloads.investors import CommitmentCreatePayload, LpCreatePayload
from core.views.queries import call_allocation_amounts, count_ops

__all__ = ["DemoSummary", "build_demo"]

_PLACES = [
    "Riverside",
    "Harbor",
    "Cedar",
    "Maple",
    "Summit",
    "Lakeshore",
    "Granite",
    "Willow",
    "Pioneer",
    "Beacon",
    "Stonebridge",
    "Oak Hollow",
    "Bayview",
    "Canyon",
    "Meridian",
    "Northgate",
    "Parkside",
    "Silverline",
    "Timberline",
    "Westfield",
    "Juniper",
    "Copper Ridge",
]
_TYPES = {
    "multifamily": ["Apartments", "Commons", "Residences"],
    "industrial": ["Logistics Center", "Distribution Park"],
    "office": ["Tower", "Plaza"],
    "retail": ["Marketplace", "Shops"],
    "self-storage": ["Self Storage"],
    "hospitality": ["Hotel"],
}
_CITIES = [
    "Austin, TX",
    "Denver, CO",
    "Charlotte, NC",
    "Phoenix, AZ",
    "Nashville, TN",
    "Tampa, FL",
    "Columbus, OH",
    "Raleigh, NC",
    "Salt Lake City, UT",
    "Boise, ID",
]
_SPONSORS = [
    "Crescent Ridge Partners",
    "Bluewater Development",
    "Ironwood Capital",
    "Northstar Realty",
    "Kestrel Property Group",
    "Larkspur Holdings",
]
_LP_KINDS = [
    ("{} Teachers' Retirement System", "institution"),
    ("{} University Endowment", "institution"),
    ("{} Family Office", "family_office"),
    ("{} Foundation", "institution"),
    ("{} Multi-Manager Fund", "fund_of_funds"),
]
_SURNAMES = [
    "Alder",
    "Brooks",
    "Calder",
    "Dawson",
    "Ellery",
    "Fairbanks",
    "Garrison",
    "Hollis",
    "Ingram",
    "Jensen",
    "Keller",
    "Lowell",
    "Mercer",
    "Norwood",
    "Oakley",
    "Prescott",
    "Quinlan",
    "Redford",
    "Sterling",
    "Thorne",
    "Underwood",
    "Vance",
    "Whitaker",
    "Yardley",
]
# How many deals end in each stage, and the path that gets them there.
_STAGE_PLAN = [
    (Stage.DRAFT, 5),
    (Stage.SCREENING, 6),
    (Stage.UNDERWRITING, 6),
    (Stage.IC_REVIEW, 5),
    (Stage.APPROVED, 4),
    (Stage.CLOSING, 4),
    (Stage.CLOSED, 8),
    (Stage.EXITED, 3),
    (Stage.DEAD, 3),
]


@dataclass(frozen=True, slots=True)
class DemoSummary:
    data_dir: Path
    deals: int
    lps: int
    calls: int
    distributions: int
    ops: int


@dataclass
class _People:
    gp: Actor
    analyst: Actor
    counsel: Actor
    lender: Actor
    lp_users: list[Actor]


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def build_demo(data_dir: Path, *, keys: KeyStore | None = None, seed: int = 7) -> DemoSummary:
    rng = random.Random(seed)
    ws = Workspace.init(
        data_dir,
        org_name="Harbor Peak Capital",
        email="gina@harborpeak.example",
        display_name="Gina Park",
        keys=keys,
    )
    cast = Cast(ws)
    gp = cast.founder()
    people = _People(
        gp=gp,
        analyst=cast.hire(
            gp, email="alex@harborpeak.example", name="Alex Chen", roles=["gp_analyst"]
        ),
        counsel=cast.hire(
            gp, email="morgan@lee-legal.example", name="Morgan Lee", roles=["counsel"]
        ),
        lender=cast.hire(gp, email="sam@firstharbor.example", name="Sam Ortiz", roles=["lender"]),
        lp_users=[],
    )
    cast.hire(gp, email="audit@ledgerline.example", name="Riley Hart", roles=["auditor"])
    fund_i, fund_ii = new_id(), new_id()
    cast.do(
        gp,
        FundCreatePayload(name="Harbor Peak Real Estate Fund I", currency="USD", vintage_year=2024),
        fund_i,
    )
    cast.do(
        gp,
        FundCreatePayload(
            name="Harbor Peak Real Estate Fund II", currency="USD", vintage_year=2026
        ),
        fund_ii,
    )
    lp_ids = _investors(cast, people, rng, fund_i, fund_ii)
    deals = _pipeline(cast, people, rng, fund_i)
    calls = _capital(cast, people, rng, fund_i, deals)
    ops = count_ops(ws)
    ws.close()
    return DemoSummary(data_dir, len(deals), len(lp_ids), calls, 3, ops)


def _investors(
    cast: Cast, people: _People, rng: random.Random, fund_i: str, fund_ii: str
) -> list[str]:
    gp = people.gp
    lp_ids: list[str] = []
    for i in range(120):
        surname = _SURNAMES[i % len(_SURNAMES)]
        if i == 0:
            name, lp_type = "Harbor Peak GP Commitment LLC", "gp"
        elif i % 4 == 3:
            name, lp_type = (
                f"{rng.choice(['Dr. ', 'Ms. ', 'Mr. '])}{chr(65 + i % 26)}. {surname}",
                "individual",
            )
        else:
            pattern, lp_type = _LP_KINDS[i % len(_LP_KINDS)]
            name = pattern.format(
                f"{surname} {['North', 'South', 'East', 'West', 'Central'][i % 5]}"
            )
        lp_id = new_id()
        contacts = [
            {
                "contact_id": new_id(),
                "name": f"{rng.choice(['Jordan', 'Taylor', 'Casey', 'Avery'])} {surname}",
                "email": f"ir{i}@{surname.lower()}-lp.example",
                "title": "Investor Relations",
            }
        ]
        cast.do(
            people.analyst, LpCreatePayload(name=name, lp_type=lp_type, contacts=contacts), lp_id
        )
        lp_ids.append(lp_id)
        if i < 110:
            amount = Decimal(rng.choice([250, 500, 750, 1000, 2000, 2500, 5000, 10000])) * 1000
            cast.do(
                gp,
                CommitmentCreatePayload(
                    fund_id=fund_i,
                    lp_id=lp_id,
                    amount=Money(amount, "USD"),
                    currency="USD",
                    committed_on=dt.date(2024, 1, 15),
                ),
                new_id(),
            )
        if i >= 80:
            amount = Decimal(rng.choice([500, 1000, 3000])) * 1000
            cast.do(
                gp,
                CommitmentCreatePayload(
                    fund_id=fund_ii,
                    lp_id=lp_id,
                    amount=Money(amount, "USD"),
                    currency="USD",
                    committed_on=dt.date(2026, 2, 1),
                ),
                new_id(),
            )
    for n, lp_id in enumerate(lp_ids[1:4]):
        user = cast.hire(
            gp, email=f"lp{n + 1}@investor.example", name=f"LP User {n + 1}", roles=["lp"]
        )
        cast.do(
            gp,
            EntitlementGrantPayload(user_id=user.user_id, scope_type="lp", scope_id=lp_id),
            new_id(),
        )
        people.lp_users.append(user)
    return lp_ids


def _deal(cast: Cast, people: _People, rng: random.Random, n: int) -> str:
    analyst = people.analyst
    ptype = rng.choice(list(_TYPES))
    name = f"{_PLACES[n % len(_PLACES)]} {rng.choice(_TYPES[ptype])}"
    if n >= len(_PLACES):
        name += f" {'II' if n < 2 * len(_PLACES) else 'III'}"
    price = Decimal(rng.randrange(8, 95)) * 1_000_000
    deal_id = new_id()
    fields = {
        "sponsor": {"value": rng.choice(_SPONSORS)},
        "property_type": {"value": ptype},
        "city": {"value": rng.choice(_CITIES)},
        "asking_price": {"value": _money(price)},
        "owner_id": {"value": analyst.user_id},
        "year_built": {"value": str(rng.randrange(1972, 2024))},
    }
    if ptype == "multifamily":
        fields["units"] = {"value": str(rng.randrange(80, 420))}
    else:
        fields["square_feet"] = {"value": str(rng.randrange(40, 600) * 1000)}
    cast.do(analyst, DealCreatePayload(name=name, currency="USD", fields=fields), deal_id)
    content = f"Offering memorandum: {name}".encode()
    doc_id = new_id()
    cast.do(
        analyst,
        DocumentAddPayload(
            deal_id=deal_id,
            filename=f"{name.replace(' ', '_')}_OM.pdf",
            title=f"{name} — Offering Memorandum",
            media_type="application/pdf",
            size_bytes=1_000_000 + rng.randrange(4_000_000),
            sha256=hashlib.sha256(content).hexdigest(),
        ),
        doc_id,
    )
    cap_rate = Decimal(rng.randrange(450, 725)) / 100
    noi = (price * cap_rate / 100).quantize(Decimal("0.01"))
    confirmed = Provenance.CONFIRMED if n % 2 else Provenance.EXTRACTED
    cast.do(
        analyst,
        DealUpdatePayload(
            fields={
                "noi": DealFieldValue(
                    value=_money(noi),
                    provenance=confirmed,
                    source_document_id=doc_id,
                    source_page=rng.randrange(3, 40),
                ),
                "cap_rate": DealFieldValue(
                    value=str(cap_rate),
                    provenance=confirmed,
                    source_document_id=doc_id,
                    source_page=rng.randrange(3, 40),
                ),
                "occupancy": DealFieldValue(
                    value=str(Decimal(rng.randrange(820, 990)) / 10),
                    provenance=Provenance.EXTRACTED,
                    source_document_id=doc_id,
                    source_page=rng.randrange(3, 40),
                ),
            }
        ),
        deal_id,
    )
    return deal_id


def _move(cast: Cast, people: _People, deal_id: str, target: Stage, fund_id: str) -> None:
    gp, analyst = people.gp, people.analyst
    path = list(STAGE_ORDER[1 : STAGE_ORDER.index(Stage.EXITED) + 1])
    for stage in path[: path.index(target) + 1] if target in path else []:
        if stage is Stage.APPROVED:
            cast.do(
                gp,
                ApprovalRecordPayload(
                    approval_id=new_id(),
                    approval_type="ic_vote",
                    decision="approve",
                    note="Approved at IC subject to final diligence",
                ),
                deal_id,
            )
        if stage is Stage.CLOSING:
            cast.do(
                gp,
                EntitlementGrantPayload(
                    user_id=people.counsel.user_id, scope_type="deal", scope_id=deal_id
                ),
                new_id(),
            )
            cast.do(
                people.counsel,
                ApprovalRecordPayload(
                    approval_id=new_id(),
                    approval_type="legal_signoff",
                    decision="approve",
                    note="PSA, title and loan documents reviewed",
                ),
                deal_id,
            )
        actor = analyst if stage in (Stage.SCREENING, Stage.UNDERWRITING, Stage.IC_REVIEW) else gp
        into_fund = {"fund_id": fund_id} if stage is Stage.CLOSED else {}
        cast.do(actor, DealTransitionPayload(to=stage, **into_fund), deal_id)


def _pipeline(cast: Cast, people: _People, rng: random.Random, fund_i: str) -> dict[str, Stage]:
    deals: dict[str, Stage] = {}
    n = 0
    for target, count in _STAGE_PLAN:
        for k in range(count):
            deal_id = _deal(cast, people, rng, n)
            n += 1
            if target is Stage.DEAD:
                _move(
                    cast,
                    people,
                    deal_id,
                    [Stage.SCREENING, Stage.UNDERWRITING, Stage.IC_REVIEW][k % 3],
                    fund_i,
                )
                cast.do(
                    people.gp,
                    DealTransitionPayload(
                        to=Stage.DEAD, note="Passed: pricing above our underwriting"
                    ),
                    deal_id,
                )
            else:
                _move(cast, people, deal_id, target, fund_i)
            deals[deal_id] = target
    closed = [d for d, s in deals.items() if s in (Stage.CLOSED, Stage.EXITED)]
    for deal_id in closed[:3]:
        cast.do(
            people.gp,
            EntitlementGrantPayload(
                user_id=people.lender.user_id, scope_type="deal", scope_id=deal_id
            ),
            new_id(),
        )
    return deals


def _capital(
    cast: Cast, people: _People, rng: random.Random, fund_i: str, deals: dict[str, Stage]
) -> int:
    gp = people.gp
    closed = [d for d, s in deals.items() if s in (Stage.CLOSED, Stage.EXITED)]
    dates = [
        "2024-03-01",
        "2024-07-01",
        "2024-11-01",
        "2025-03-03",
        "2025-08-01",
        "2026-01-15",
        "2026-06-01",
    ]
    amounts = [
        "9000000.00",
        "12500000.00",
        "8000000.00",
        "11000000.00",
        "7500000.00",
        "6000000.00",
        "5000000.00",
    ]
    for i, (date, amount) in enumerate(zip(dates, amounts, strict=True)):
        call_id = new_id()
        due = f"{date[:8]}{int(date[8:]) + 14:02d}"
        cast.do(
            people.analyst,
            CapitalCallCreatePayload(
                fund_id=fund_i,
                deal_id=closed[i % len(closed)],
                amount=amount,
                currency="USD",
                basis="commitment",
                call_date=date,
                due_date=due,
                purpose=f"Acquisition equity, call {i + 1}",
                split_rule="as_of_date",
            ),
            call_id,
        )
        if i == len(dates) - 1:
            break  # the last call stays a draft
        cast.do(gp, CapitalCallIssuePayload(), call_id)
        share_paid = Decimal(1) if i < 4 else Decimal("0.8") if i == 4 else Decimal("0.5")
        _payments(cast, gp, rng, call_id, due, share_paid)
    for j, (date, amount, source) in enumerate(
        [
            ("2025-06-30", "1800000.00", "income"),
            ("2025-12-31", "2400000.00", "income"),
            ("2026-05-15", "9500000.00", "exit"),
        ]
    ):
        dist_id = new_id()
        cast.do(
            people.analyst,
            DistributionCreatePayload(
                fund_id=fund_i,
                deal_id=closed[j],
                amount=amount,
                currency="USD",
                basis="paid_in",
                distribution_date=date,
                source=source,
                note="Quarterly operating income" if source == "income" else "Sale proceeds",
                split_rule="as_of_date",
            ),
            dist_id,
        )
        cast.do(gp, DistributionIssuePayload(), dist_id)
    return len(dates)


def _payments(
    cast: Cast, gp: Actor, rng: random.Random, call_id: str, due: str, share_paid: Decimal
) -> None:
    for lp_id, amount in call_allocation_amounts(cast.ws, call_id):
        roll = Decimal(rng.randrange(1000)) / 1000
        if roll < share_paid:
            pay = Decimal(amount)
        elif roll < share_paid + Decimal("0.1"):
            pay = (Decimal(amount) / 2).quantize(Decimal("0.01"))
        else:
            continue
        cast.do(
            gp,
            CapitalCallPaymentPayload(
                payment_id=new_id(),
                lp_id=lp_id,
                amount=Money(pay, "USD"),
                currency="USD",
                paid_on=due,
            ),
            call_id,
        )
