"""Pure fund math: XIRR, fund multiples and the distribution waterfall, in ``Decimal`` only.

Nothing here touches storage, the clock or the network; every function is a value in, value
out calculation that the desktop and the server run identically. Modules, by responsibility:

* :mod:`~core.fund_math.cashflows` — dated cash flows, the decimal context, the error tree;
* :mod:`~core.fund_math.xirr` — XIRR with a reason whenever there is no single answer;
* :mod:`~core.fund_math.metrics` — paid-in, distributed, unfunded, NAV, TVPI, DPI, RVPI, MOIC;
* :mod:`~core.fund_math.terms` — the LPA's distribution terms as a versioned value;
* :mod:`~core.fund_math.accounts` — LP positions, hurdle accounts, the tiers for one portion;
* :mod:`~core.fund_math.hurdles` — hurdle accounts rebuilt from each LP's dated history;
* :mod:`~core.fund_math.waterfall` — :class:`Waterfall` and its run;
* :mod:`~core.fund_math.statement` — the run's result and its plain-language explanation;
* :mod:`~core.fund_math.american` — deal-by-deal distributions over a fund's realizations;
* :mod:`~core.fund_math.whole_fund` — the whole-fund test: European carry on the same history;
* :mod:`~core.fund_math.clawback` — what the GP owes back after that test, and to which LPs.
"""

from core.fund_math.accounts import Contribution, LpPosition, PriorDistribution
from core.fund_math.american import AmericanRun, AmericanWaterfall, Realization
from core.fund_math.cashflows import (
    CashFlow,
    CashFlowError,
    FundMathError,
    MetricError,
    TermsError,
    WaterfallInputError,
    xnpv,
)
from core.fund_math.clawback import (
    ClawbackBasis,
    ClawbackResult,
    ClawbackTerms,
    LpClawback,
    assess_clawback,
)
from core.fund_math.metrics import (
    FundMetrics,
    distributed,
    dpi,
    moic,
    nav,
    nav_by_capital_account,
    paid_in,
    rvpi,
    tvpi,
    unfunded,
)
from core.fund_math.statement import LpAllocation, Tier, TierTotal, WaterfallResult
from core.fund_math.terms import Apportionment, FundTerms, PrefCompounding, WaterfallStyle
from core.fund_math.waterfall import Waterfall
from core.fund_math.xirr import XirrFailure, XirrResult, xirr

__all__ = [
    "AmericanRun",
    "AmericanWaterfall",
    "Apportionment",
    "CashFlow",
    "CashFlowError",
    "ClawbackBasis",
    "ClawbackResult",
    "ClawbackTerms",
    "Contribution",
    "FundMathError",
    "FundMetrics",
    "FundTerms",
    "LpAllocation",
    "LpClawback",
    "LpPosition",
    "MetricError",
    "PrefCompounding",
    "PriorDistribution",
    "Realization",
    "TermsError",
    "Tier",
    "TierTotal",
    "Waterfall",
    "WaterfallInputError",
    "WaterfallResult",
    "WaterfallStyle",
    "XirrFailure",
    "XirrResult",
    "assess_clawback",
    "distributed",
    "dpi",
    "moic",
    "nav",
    "nav_by_capital_account",
    "paid_in",
    "rvpi",
    "tvpi",
    "unfunded",
    "xirr",
    "xnpv",
]
