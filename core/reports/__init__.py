"""The numbers LPs receive: capital call and distribution notices, capital account
statements, and the fund's exports — every line traceable to the op it derives from.

Modules, by responsibility:

* :mod:`~core.reports.ledger_reader`, :mod:`~core.reports.ledger_index`,
  :mod:`~core.reports.op_trail` — read an LP's ledger in a fund, with op ids;
* :mod:`~core.reports.ledger_values` — the frozen ledger values;
* :mod:`~core.reports.fund_records` — NAV, waterfall tiers, explanations and payment
  instructions: the hooks for records other parts of Deal OS are adding;
* :mod:`~core.reports.capital_account` — the statement and its reconciliation;
* :mod:`~core.reports.notices` — call and distribution notices;
* :mod:`~core.reports.pdf_layout`, :mod:`~core.reports.pdf_notices`,
  :mod:`~core.reports.pdf_statement` — PDF rendering (reportlab);
* :mod:`~core.reports.exports`, :mod:`~core.reports.spreadsheets` — CSV and XLSX;
* :mod:`~core.reports.documents` — from a workspace to a file, atomically.
"""

from core.reports.capital_account import (
    AccountColumn,
    CapitalAccountStatement,
    NavLookup,
    build_statement,
    reconcile,
)
from core.reports.documents import (
    EXPORT_KINDS,
    call_notice,
    distribution_notice,
    export_table,
    lp_statement,
    write_call_notice,
    write_distribution_notice,
    write_export,
    write_statement,
)
from core.reports.errors import (
    PeriodError,
    RecordNotFound,
    ReportError,
    ReportOutputError,
    TraceabilityError,
)
from core.reports.fund_records import PaymentInstructions
from core.reports.ledger_reader import read_fund_ledger
from core.reports.ledger_values import FundLedger, LpLedger, NavShare
from core.reports.notices import (
    CallNotice,
    DistributionNotice,
    build_call_notice,
    build_distribution_notice,
)
from core.reports.periods import ReportPeriod, parse_period

__all__ = [
    "EXPORT_KINDS",
    "AccountColumn",
    "CallNotice",
    "CapitalAccountStatement",
    "DistributionNotice",
    "FundLedger",
    "LpLedger",
    "NavLookup",
    "NavShare",
    "PaymentInstructions",
    "PeriodError",
    "RecordNotFound",
    "ReportError",
    "ReportOutputError",
    "ReportPeriod",
    "TraceabilityError",
    "build_call_notice",
    "build_distribution_notice",
    "build_statement",
    "call_notice",
    "distribution_notice",
    "export_table",
    "lp_statement",
    "parse_period",
    "read_fund_ledger",
    "reconcile",
    "write_call_notice",
    "write_distribution_notice",
    "write_export",
    "write_statement",
]
