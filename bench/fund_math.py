"""Benchmarks for fund math: a 5,000-LP capital call, a 200-deal, 500-LP waterfall, and the
clawback test of an American waterfall over 200 realized deals and 500 LPs.

Run: ``.venv/bin/python bench/fund_math.py``. Each case prints the median of several runs
next to a naive baseline doing the same arithmetic with plain ``Decimal`` (no largest
remainder, no explanation lines), so the cost of exact cents and the statement is visible.
Targets: capital call < 20 ms; waterfall < 200 ms; clawback test < 300 ms.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from core.allocation import allocate_pro_rata
from core.fund_math import (
    AmericanWaterfall,
    Contribution,
    FundTerms,
    LpPosition,
    PrefCompounding,
    PriorDistribution,
    Realization,
    Waterfall,
    WaterfallStyle,
)
from core.fund_math.cashflows import FUND_MATH_CONTEXT, compound_growth

CENT = Decimal("0.01")
START = date(2020, 1, 6)
RUNS = 9


def timed(action: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """(first run, median of the rest) in milliseconds."""
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        action()
        samples.append((time.perf_counter() - begin) * 1000)
    return samples[0], statistics.median(samples[1:])


def commitments(count: int, seed: int) -> dict[str, Decimal]:
    rng = random.Random(seed)
    return {f"lp{i:05d}": Decimal(rng.randint(100_000, 50_000_000)) for i in range(count)}


def naive_pro_rata(amount: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    total = sum(weights.values(), Decimal(0))
    return {k: (amount * w / total).quantize(CENT, ROUND_HALF_EVEN) for k, w in weights.items()}


def bench_capital_call() -> None:
    weights = commitments(5_000, seed=1)
    amount = Decimal("123456789.01")
    _, exact = timed(lambda: allocate_pro_rata(amount, weights, "USD"))
    _, naive = timed(lambda: naive_pro_rata(amount, weights))
    drift = sum(naive_pro_rata(amount, weights).values(), Decimal(0)) - amount
    print(f"capital call, 5,000 LPs, allocate_pro_rata: median {exact:7.2f} ms (target < 20)")
    print(
        f"  naive Decimal pro rata (rounded each):    median {naive:7.2f} ms; "
        f"ratio {exact / naive:.2f}x; the naive split misses the call by USD {drift}"
    )


def build_fund(lps: int, deals: int) -> tuple[list[LpPosition], list[tuple[date, Decimal]]]:
    """A fund that called capital for ``deals`` deals, a week apart, pro rata to commitment,
    and returned capital on 20 of them."""
    weights = commitments(lps, seed=2)
    rng = random.Random(3)
    paid: dict[str, list[Contribution]] = {lp: [] for lp in weights}
    returned: dict[str, list[PriorDistribution]] = {lp: [] for lp in weights}
    calls = []
    for k in range(deals):
        day = START + timedelta(days=7 * k)
        size = Decimal(rng.randint(1_000_000, 20_000_000))
        calls.append((day, size))
        for lp, share in allocate_pro_rata(size, weights, "USD").items():
            paid[lp].append(Contribution(day, share, f"deal{k:03d}"))
        if k % 10 == 5:
            back = START + timedelta(days=7 * k + 300)
            for lp, share in allocate_pro_rata(size / 2, weights, "USD").items():
                returned[lp].append(PriorDistribution(back, share, deal_id=f"deal{k:03d}"))
    fund = [
        LpPosition(lp, f"Investor {lp}", weights[lp], tuple(paid[lp]), tuple(returned[lp]))
        for lp in weights
    ]
    return fund, calls


def naive_waterfall(fund: list[LpPosition], terms: FundTerms, amount: Decimal, on: date) -> None:
    """The tier arithmetic alone: per-LP capital and compound pref summed with plain
    ``Decimal``, each portion poured through the tiers, nothing rounded or explained."""
    rate, share, catch_up = terms.preferred_return, terms.carried_interest, terms.catch_up or 1
    with localcontext(FUND_MATH_CONTEXT):
        weights = [sum((c.amount for c in p.contributions), Decimal(0)) for p in fund]
        total = sum(weights, Decimal(0))
        for position, weight in zip(fund, weights, strict=True):
            capital = weight - sum((d.to_lp for d in position.distributions), Decimal(0))
            grown = sum(
                (
                    c.amount * compound_growth(rate, (on - c.date).days)
                    for c in position.contributions
                ),
                Decimal(0),
            )
            pref = grown - weight
            portion = amount * weight / total
            rest = portion - min(portion, capital)
            paid_pref = min(rest, pref)
            rest -= paid_pref
            tier = min(rest, share * paid_pref / (catch_up - share))
            rest -= tier
            _ = (portion - rest * share - tier * catch_up, rest * share + tier * catch_up)


def bench_waterfall() -> None:
    fund, calls = build_fund(500, 200)
    terms = FundTerms(
        1,
        "USD",
        WaterfallStyle.EUROPEAN,
        Decimal("0.08"),
        PrefCompounding.COMPOUND,
        Decimal("0.20"),
        Decimal(1),
    )
    on = calls[-1][0] + timedelta(days=400)
    amount = sum((size for _, size in calls), Decimal(0)) * 2
    compound_growth.cache_clear()
    cold, warm = timed(lambda: Waterfall(terms).run(fund, amount=amount, on=on))
    _, naive = timed(lambda: naive_waterfall(fund, terms, amount, on))
    result = Waterfall(terms).run(fund, amount=amount, on=on)
    assert result.total_allocated == amount
    print(
        f"waterfall, European, 200 deals x 500 LPs: median {warm:7.2f} ms "
        f"(first run {cold:.2f} ms with cold growth cache; target < 200)"
    )
    print(
        f"  naive Decimal tiers (no cents, no text):  median {naive:7.2f} ms; "
        f"ratio {warm / naive:.2f}x; {len(result.explanation):,} explanation lines"
    )


def american_history(lps: int, deals: int) -> tuple[AmericanWaterfall, list[LpPosition], date]:
    """A fund that called capital for ``deals`` deals, a week apart, pro rata to commitment,
    and realized each one 2 to 6 years later at 0x to 3x — so early winners pay carry that
    later losers claw back — distributed deal by deal through the American waterfall."""
    weights = commitments(lps, seed=4)
    rng = random.Random(5)
    paid: dict[str, list[Contribution]] = {lp: [] for lp in weights}
    exits = []
    for k in range(deals):
        day = START + timedelta(days=7 * k)
        size = Decimal(rng.randint(1_000_000, 20_000_000))
        for lp, share in allocate_pro_rata(size, weights, "USD").items():
            paid[lp].append(Contribution(day, share, f"deal{k:03d}"))
        multiple = Decimal(rng.randint(0, 300)) / 100
        held = timedelta(days=rng.randint(730, 2190))
        exits.append(Realization(f"deal{k:03d}", day + held, (size * multiple).quantize(CENT)))
    fund = [LpPosition(lp, f"Investor {lp}", weights[lp], tuple(paid[lp])) for lp in weights]
    terms = FundTerms(
        1,
        "USD",
        WaterfallStyle.AMERICAN,
        Decimal("0.08"),
        PrefCompounding.COMPOUND,
        Decimal("0.20"),
        Decimal(1),
    )
    waterfall = AmericanWaterfall(terms)
    begin = time.perf_counter()
    history = waterfall.run(fund, exits)
    took = time.perf_counter() - begin
    print(
        f"american, {deals} realizations x {lps} LPs distributed deal by deal: "
        f"{took:.1f} s ({took / deals * 1000:.1f} ms a distribution; setup, not the target)"
    )
    return waterfall, list(history.positions), max(r.on for r in exits)


def naive_clawback(fund: list[LpPosition], terms: FundTerms, as_of: date) -> Decimal:
    """The same arithmetic in plain ``Decimal`` loops: carry received, each LP's
    distributions through the whole-fund tiers, the excess — nothing validated, rounded,
    allocated or explained."""
    rate, share, catch_up = terms.preferred_return, terms.carried_interest, terms.catch_up or 1
    excess = Decimal(0)
    with localcontext(FUND_MATH_CONTEXT):
        for position in fund:
            paid = sorted((c.date, c.amount) for c in position.contributions)
            capital = pref = profit = carry = received = Decimal(0)
            since: date | None = None
            taken = 0
            for record in sorted(position.distributions, key=lambda d: d.date):
                received += record.carry
                if since is not None:
                    pool = (capital + pref) * compound_growth(rate, (record.date - since).days)
                    pref = pool - capital
                while taken < len(paid) and paid[taken][0] <= record.date:
                    when, amount = paid[taken]
                    pref += amount * (compound_growth(rate, (record.date - when).days) - 1)
                    capital += amount
                    taken += 1
                since = record.date
                portion = record.gross
                back = min(portion, capital)
                rest = portion - back
                paid_pref = min(rest, pref)
                rest -= paid_pref
                capital -= back
                pref -= paid_pref
                tier = min(
                    rest, max((share * (profit + paid_pref) - carry) / (catch_up - share), 0)
                )
                carry += tier * catch_up + (rest - tier) * share
                profit += portion - back
            excess += max(received - carry.quantize(CENT), Decimal(0))
    return excess


def bench_clawback() -> None:
    waterfall, history, as_of = american_history(500, 200)
    compound_growth.cache_clear()
    cold, warm = timed(lambda: waterfall.clawback(history, as_of=as_of))
    _, naive = timed(lambda: naive_clawback(history, waterfall.terms, as_of))
    result = waterfall.clawback(history, as_of=as_of)
    assert result.total_allocated == result.distributed
    assert naive_clawback(history, waterfall.terms, as_of) == result.excess
    print(
        f"clawback test, American, 200 deals x 500 LPs: median {warm:7.2f} ms "
        f"(first run {cold:.2f} ms with cold growth cache; target < 300)"
    )
    print(
        f"  naive Decimal loops (no cents, no text):  median {naive:7.2f} ms; "
        f"ratio {warm / naive:.2f}x; carry {result.gp_carry:,}, whole-fund "
        f"{result.whole_fund_carry:,}, clawback {result.clawback:,} to "
        f"{sum(1 for lp in result.lps if lp.share):,} LPs"
    )


if __name__ == "__main__":
    bench_capital_call()
    bench_waterfall()
    bench_clawback()
