"""XIRR scenarios: the published Excel example, and every way a series can have no answer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from core.fund_math import CashFlow, CashFlowError, XirrFailure, xirr, xnpv


def flows(*pairs: tuple[date, str]) -> list[CashFlow]:
    return [CashFlow(day, Decimal(amount)) for day, amount in pairs]


EXCEL_EXAMPLE = flows(
    (date(2008, 1, 1), "-10000"),
    (date(2008, 3, 1), "2750"),
    (date(2008, 10, 30), "4250"),
    (date(2009, 2, 15), "3250"),
    (date(2009, 4, 1), "2750"),
)


def test_microsoft_excel_xirr_documentation_example() -> None:
    """Microsoft Support, "XIRR function" (Excel), worked example.

    Flows -10,000 on 2008-01-01, 2,750 on 2008-03-01, 4,250 on 2008-10-30, 3,250 on
    2009-02-15 and 2,750 on 2009-04-01; the page gives 0.373362535, i.e. 37.34 %. Excel
    iterates "until the result is accurate within 0.000001 percent", so its nine printed
    digits may differ from the exact root in the ninth place: the exact root is
    0.37336253351883..., and Excel's figure agrees with it to 1e-8.
    """
    result = xirr(EXCEL_EXAMPLE)

    assert result.rate is not None
    assert result.reason is None
    assert abs(result.rate - Decimal("0.373362535")) < Decimal("1e-8")
    assert abs(result.rate - Decimal("0.3733625335188315")) < Decimal("1e-15")
    assert result.percent() == "37.34 %"
    assert result.npv_at_rate is not None
    assert abs(result.npv_at_rate) < Decimal("1e-20")


def test_order_of_flows_does_not_matter() -> None:
    assert xirr(list(reversed(EXCEL_EXAMPLE))).rate == xirr(EXCEL_EXAMPLE).rate


def test_same_day_flows_are_netted() -> None:
    split = [
        *EXCEL_EXAMPLE,
        CashFlow(date(2008, 3, 1), Decimal("-750")),
        CashFlow(date(2008, 3, 1), Decimal("750")),
    ]
    assert xirr(split).rate == xirr(EXCEL_EXAMPLE).rate


def test_one_flow_has_no_rate() -> None:
    result = xirr(flows((date(2020, 1, 1), "-100")))
    assert result.rate is None
    assert result.reason is XirrFailure.TOO_FEW_FLOWS


def test_flows_that_cancel_on_one_day_leave_too_few_dates() -> None:
    result = xirr(flows((date(2020, 1, 1), "-100"), (date(2020, 1, 1), "100")))
    assert result.reason is XirrFailure.TOO_FEW_FLOWS


def test_all_outflows_have_no_rate() -> None:
    result = xirr(flows((date(2020, 1, 1), "-100"), (date(2021, 1, 1), "-50")))
    assert result.rate is None
    assert result.reason is XirrFailure.NO_SIGN_CHANGE
    assert "outflows" in result.message


def test_npv_that_never_crosses_zero_has_no_rate() -> None:
    """+100, -250, +160 a year apart: 100 - 250x + 160x^2 has a negative discriminant."""
    series = flows((date(2019, 1, 1), "100"), (date(2020, 1, 1), "-250"), (date(2021, 1, 1), "160"))
    result = xirr(series)

    assert result.rate is None
    assert result.reason is XirrFailure.NO_ROOT_IN_BRACKET
    # Evidence: the NPV stays positive across the whole realistic range of rates.
    for pct in range(-95, 1000, 5):
        assert xnpv(Decimal(pct) / 100, series) > 0


def test_two_roots_are_reported_as_ambiguous_with_both_candidates() -> None:
    """-100, +230, -132 exactly 365 days apart (2022 and 2023 are not leap years).

    Multiplying the NPV by (1+r)^2: -100(1+r)^2 + 230(1+r) - 132 = 0, so
    1+r = (230 ± sqrt(230^2 - 4*100*132)) / 200 = (230 ± 10) / 200: r = 10 % or r = 20 %.
    Both are genuine IRRs; no single number would be honest.
    """
    series = flows(
        (date(2021, 1, 1), "-100"), (date(2022, 1, 1), "230"), (date(2023, 1, 1), "-132")
    )
    result = xirr(series)

    assert result.rate is None
    assert result.reason is XirrFailure.AMBIGUOUS
    assert len(result.candidates) == 2
    low, high = result.candidates
    assert abs(low - Decimal("0.10")) < Decimal("1e-20")
    assert abs(high - Decimal("0.20")) < Decimal("1e-20")
    for rate in result.candidates:
        assert abs(xnpv(rate, series)) < Decimal("1e-20")


def test_a_one_day_doubling_is_an_enormous_but_exact_rate() -> None:
    """Money doubles in one day: (1+r)^(1/365) = 2, so r = 2^365 - 1 (about 7.5e109)."""
    result = xirr(flows((date(2020, 1, 1), "-100"), (date(2020, 1, 2), "200")))

    assert result.rate is not None
    expected = Decimal(2**365 - 1)
    assert abs(result.rate - expected) / expected < Decimal("1e-25")
    assert result.percent().startswith("751533626487626")


def test_a_near_total_loss_is_a_rate_near_minus_one() -> None:
    result = xirr(flows((date(2021, 1, 1), "-1000000"), (date(2022, 1, 1), "0.01")))
    assert result.rate is not None
    assert abs(result.rate - Decimal("-0.99999999")) < Decimal("1e-20")


def test_floats_and_datetimes_are_refused() -> None:
    with pytest.raises(CashFlowError, match="float"):
        CashFlow(date(2020, 1, 1), 1.5)  # type: ignore[arg-type]
    with pytest.raises(CashFlowError, match="date"):
        CashFlow(datetime(2020, 1, 1, 12), Decimal(1))
    with pytest.raises(CashFlowError, match="CashFlow"):
        xirr([(date(2020, 1, 1), Decimal(-1)), (date(2021, 1, 1), Decimal(2))])  # type: ignore[list-item]


def test_unsolved_result_reads_as_not_applicable() -> None:
    assert xirr([]).percent() == "n/a"
