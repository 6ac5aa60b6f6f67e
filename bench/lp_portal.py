"""The investor portal's server time for one LP of a 1,000-LP, 100,000-op organization.

The organization is built through the server's own push path in-process (as
bench/sync_bootstrap.py does): one fund, 1,000 LPs with commitments, eight issued calls
each paid by every LP, four issued distributions, a NAV mark, and the deal and document
mix of bench/op_mix.py up to the op count. An LP user entitled to one LP gets a session;
the server runs in its own process and each portal page is asked for ``--rounds`` times
in turn. Server time is what the server's own request log says (``ms`` of each
``http.request`` line: from the request's arrival to its answer), per page: p50 and p95.
Run:

    .venv/bin/python bench/portal.py [--ops 100000] [--lps 1000] [--rounds 40]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sync_fixture import bench_database, bench_org, running_server, signed_ops

from core.ids import new_id
from core.ops.envelope import Envelope, UnsignedOp
from core.ops.signing import DeviceKey, device_proof

__all__ = ["main"]

BATCH = 500
CALLS = 8
DISTRIBUTIONS = 4


class _Signer:
    def __init__(self, org: Any) -> None:
        self.org = org
        self.seq = itertools.count(1)
        self.ops: list[Envelope] = []

    def op(self, kind: str, entity: str, payload: dict[str, Any], base: int | None = None) -> str:
        assert self.org.key is not None
        self.ops.append(
            self.org.key.sign(
                UnsignedOp.new(
                    org_id=self.org.org_id,
                    device_id=self.org.device_id,
                    device_seq=next(self.seq),
                    actor_id=self.org.user_id,
                    kind=kind,
                    entity_id=entity,
                    base_version=base,
                    payload=payload,
                )
            )
        )
        return entity


def _fund_ops(s: _Signer, lps: int) -> tuple[str, str, str, str]:
    usd = {"currency": "USD"}
    fund = s.op("fund.create", new_id(), {"name": "Bench Fund I", **usd})
    lp_ids = []
    for i in range(lps):
        lp = s.op("lp.create", new_id(), {"name": f"Investor {i:04d}", "lp_type": "institution"})
        s.op(
            "commitment.create",
            new_id(),
            {
                "fund_id": fund,
                "lp_id": lp,
                "amount": f"{1_000_000 + 1_000 * i}.00",
                "committed_on": "2024-01-15",
                **usd,
            },
        )
        lp_ids.append(lp)
    total = sum(1_000_000 + 1_000 * i for i in range(lps))
    first_call = ""
    for n in range(CALLS):
        month = 2 + n
        call = s.op(
            "capital_call.create",
            new_id(),
            {
                "fund_id": fund,
                "amount": f"{total // 20}.00",
                "basis": "commitment",
                "call_date": f"2024-{month:02d}-01",
                "due_date": f"2024-{month:02d}-20",
                "purpose": f"Call {n + 1}",
                **usd,
            },
        )
        first_call = first_call or call
        s.op("capital_call.issue", call, {}, 1)
        # Every LP pays its share: 5% of its commitment, to the cent (no remainders: the
        # commitments are multiples of 1,000).
        for version, (i, lp) in enumerate(enumerate(lp_ids), start=2):
            s.op(
                "capital_call.payment",
                call,
                {
                    "payment_id": new_id(),
                    "lp_id": lp,
                    "amount": f"{(1_000_000 + 1_000 * i) // 20}.00",
                    "paid_on": f"2024-{month:02d}-15",
                    **usd,
                },
                version,
            )
    first_dist = ""
    for n in range(DISTRIBUTIONS):
        dist = s.op(
            "distribution.create",
            new_id(),
            {
                "fund_id": fund,
                "amount": f"{total // 50}.00",
                "basis": "paid_in",
                "distribution_date": f"2024-{9 + n:02d}-28",
                "source": "income",
                **usd,
            },
        )
        first_dist = first_dist or dist
        s.op("distribution.issue", dist, {}, 1)
    s.op(
        "fund.nav.record",
        fund,
        {"valuation_id": new_id(), "as_of": "2024-12-31", "nav": f"{total // 2}.00", **usd},
        1,
    )
    return fund, lp_ids[lps // 2], first_call, first_dist


def _build(db: Any, org: Any, ops: int, lps: int) -> tuple[str, str, str, str, str]:
    from sync_server.database import psycopg_url, tenant_tx
    from sync_server.devices import enroll_device
    from sync_server.push import push
    from sync_server.server_keys import ServerKeys
    from sync_server.sessions import Caller, create_session
    from sync_server.table_statistics import TableStatistics

    engine = create_engine(psycopg_url(db.app_url))
    keys = ServerKeys.from_file(db.root / "server.secret")
    org.key = DeviceKey.generate()
    caller = Caller("bench", org.org_id, org.user_id, None, "password")
    org.device_id = enroll_device(
        engine,
        keys,
        caller,
        public_key=org.key.public_key,
        name="gen",
        proof=device_proof(org.key, org.org_id, org.user_id),
    )
    caller = Caller("bench", org.org_id, org.user_id, org.device_id, "password")
    s = _Signer(org)
    fund, lp, call, dist = _fund_ops(s, lps)
    viewer = s.op(
        "user.invite",
        new_id(),
        {"email": "officer@investor.example", "display_name": "Officer", "roles": ["lp"]},
    )
    s.op("entitlement.grant", new_id(), {"user_id": viewer, "scope_type": "lp", "scope_id": lp})
    filler = signed_ops(org, max(0, ops - len(s.ops)), start_seq=next(s.seq))
    everything = s.ops + filler
    statistics_ = TableStatistics(every_ops=500)
    start = time.perf_counter()
    for i in range(0, len(everything), BATCH):
        outcome = push(
            engine, keys, caller, org.device_id, [o.wire() for o in everything[i : i + BATCH]]
        )
        assert set(outcome.counts) == {"accepted"}, outcome.counts
        if statistics_.accepted(outcome.counts["accepted"]):
            statistics_.refresh(engine)
    print(f"organization: {len(everything)} ops pushed in {time.perf_counter() - start:.1f} s")
    with tenant_tx(engine, org.org_id) as conn:
        session = create_session(conn, org.org_id, viewer, method="magic_link", ttl_seconds=3600)
    engine.dispose()
    return session.token, fund, lp, call, dist


def _server_ms(log: Path, offset: int) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    with log.open("rb") as f:
        f.seek(offset)
        for raw in f:
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if line.get("event") == "http.request" and str(line.get("route", "")).startswith(
                "/portal"
            ):
                found.setdefault(line["route"], []).append(float(line["ms"]))
    return found


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=100_000)
    parser.add_argument("--lps", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="dealos-bench-portal-") as tmp,
        bench_database(Path(tmp)) as db,
    ):
        org = bench_org(db)
        token, fund, lp, call, dist = _build(db, org, args.ops, args.lps)
        position = f"/portal/lp/{lp}/funds/{fund}"
        pages = {
            "overview": "/portal",
            "fund page": position,
            "call notice (PDF)": f"{position}/calls/{call}/notice.pdf",
            "distribution notice (PDF)": f"{position}/distributions/{dist}/notice.pdf",
            "statement 2024Q4 (PDF)": f"{position}/statements/2024Q4.pdf",
            "ledger (XLSX)": f"{position}/ledger.xlsx",
            "documents": "/portal/documents",
        }
        with running_server(db) as base:
            log = db.root / "server.log"
            for path in pages.values():  # warm up: connections, templates, fonts
                _get(base, path, token)
            offset = log.stat().st_size
            for _ in range(args.rounds):
                for path in pages.values():
                    _get(base, path, token)
            time.sleep(0.5)
            measured = _server_ms(log, offset)
        routes = {name: _route(path, lp, fund, call, dist) for name, path in pages.items()}
        print(f"investor portal, one LP of {args.lps} LPs, {args.ops} ops, {args.rounds} rounds")
        print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8}")
        for name, route in routes.items():
            values = measured.get(route, [])
            if values:
                print(f"{name:28} {statistics.median(values):8.1f} {_p(values, 0.95):8.1f}")


def _route(path: str, lp: str, fund: str, call: str, dist: str) -> str:
    """The route's canonical name, as the server logs it."""
    return (
        path.replace(lp, "{lp_id}")
        .replace(fund, "{fund_id}")
        .replace(call, "{call_id}")
        .replace(dist, "{distribution_id}")
        .replace("2024Q4", "{period}")
    )


def _get(base: str, path: str, token: str) -> None:
    request = urllib.request.Request(f"{base}{path}", headers={"Cookie": f"dealos_portal={token}"})
    with urllib.request.urlopen(request, timeout=60) as resp:
        assert resp.status == 200, (path, resp.status)
        resp.read()


if __name__ == "__main__":
    main()
