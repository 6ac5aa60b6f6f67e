"""The investor portal's server time for one LP of a 1,000-LP, 100,000-op organization.

The organization is built through the server's own push path in-process (as
bench/sync_bootstrap.py does): one fund, ``--lps`` LPs with commitments, eight issued calls
each paid by every LP, four issued distributions, a NAV mark, and the deal and document
mix of bench/op_mix.py up to ``--ops``. An LP user entitled to one LP gets a session; the
server runs in its own process, listening on 127.0.0.1 only, and each portal page is
asked for ``--rounds`` times in turn. Server time is what the server's own request log
says (``ms`` of each ``http.request`` line: from the request's arrival to its answer).

Printed per page: the first answer after the server started (nothing warm in it but the
connection pool), then p50 and p95 over the rounds, and each as a multiple of the same
run's baseline: the bare SQL reads of the LP's rows — its commitment, the fund's calls and
distributions, its allocations and payments, the ops that made them — by the server's own
role under row-level security, in one read-only transaction, with psycopg and nothing else.

    .venv/bin/python bench/lp_portal.py                          # 200 LPs, 20,000 ops
    .venv/bin/python bench/lp_portal.py --lps 1000 --ops 100000  # DESIGN §7's size
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import psycopg
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


def _baseline(db: Any, org_id: str, fund: str, lp: str, rounds: int) -> list[float]:
    """Milliseconds per round of the bare reads of the LP's rows, as the server's role."""
    reads = [
        ("SELECT * FROM funds WHERE org_id = %(org)s AND fund_id = %(fund)s", False),
        ("SELECT * FROM lps WHERE org_id = %(org)s AND lp_id = %(lp)s", False),
        (
            "SELECT * FROM commitments WHERE org_id = %(org)s AND lp_id = %(lp)s "
            "AND fund_id = %(fund)s",
            False,
        ),
        ("SELECT * FROM capital_calls WHERE org_id = %(org)s AND fund_id = %(fund)s", False),
        ("SELECT * FROM distributions WHERE org_id = %(org)s AND fund_id = %(fund)s", False),
        (
            "SELECT a.* FROM call_allocations a JOIN capital_calls c USING (org_id, call_id) "
            "WHERE a.org_id = %(org)s AND c.fund_id = %(fund)s AND a.lp_id = %(lp)s",
            False,
        ),
        ("SELECT * FROM payments WHERE org_id = %(org)s AND lp_id = %(lp)s", False),
        (
            "SELECT a.* FROM distribution_allocations a JOIN distributions d "
            "USING (org_id, distribution_id) "
            "WHERE a.org_id = %(org)s AND d.fund_id = %(fund)s AND a.lp_id = %(lp)s",
            False,
        ),
        (
            "SELECT op_id, kind, entity_id FROM op_log WHERE org_id = %(org)s "
            "AND kind = ANY(%(kinds)s) AND entity_id = ANY(%(ids)s)",
            True,
        ),
    ]
    kinds = ["commitment.create", "capital_call.create", "capital_call.issue"]
    kinds += ["distribution.create", "distribution.issue", "fund.nav.record"]
    taken = []
    with psycopg.connect(db.app_url) as conn:
        for _ in range(rounds + 1):
            start = time.perf_counter()
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                conn.execute("SELECT set_config('dealos.org_id', %s, true)", (org_id,))
                args: dict[str, Any] = {"org": org_id, "fund": fund, "lp": lp, "kinds": kinds}
                ids = [fund]
                for query, needs_ids in reads:
                    if needs_ids:
                        args["ids"] = ids
                    rows = conn.execute(query, args).fetchall()
                    ids += [str(r[1]) for r in rows if len(r) > 1 and isinstance(r[1], str)]
            taken.append((time.perf_counter() - start) * 1000)
    return taken[1:]  # the first round warms the connection


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=20_000)
    parser.add_argument("--lps", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
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
            offset = log.stat().st_size
            for path in pages.values():  # the first answers after the server started
                _get(base, path, token)
            time.sleep(0.5)
            first = _server_ms(log, offset)
            offset = log.stat().st_size
            for _ in range(args.rounds):
                for path in pages.values():
                    _get(base, path, token)
            time.sleep(0.5)
            measured = _server_ms(log, offset)
        baseline = _baseline(db, org.org_id, fund, lp, args.rounds)
        routes = {name: _route(path, lp, fund, call, dist) for name, path in pages.items()}
        b50, b95 = statistics.median(baseline), _p(baseline, 0.95)
        print(f"investor portal, one LP of {args.lps} LPs, {args.ops} ops, {args.rounds} rounds")
        print(f"baseline (bare SQL reads of the LP's rows): p50 {b50:.1f} ms, p95 {b95:.1f} ms")
        print(
            f"{'page':28} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8} {'p50/base':>9} "
            f"{'p95/base':>9}"
        )
        for name, route in routes.items():
            values = measured.get(route, [])
            if values:
                p50, p95 = statistics.median(values), _p(values, 0.95)
                cold = first.get(route, [float("nan")])[0]
                print(
                    f"{name:28} {cold:9.1f} {p50:8.1f} {p95:8.1f} {p50 / b50:8.1f}x "
                    f"{p95 / b95:8.1f}x"
                )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


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
