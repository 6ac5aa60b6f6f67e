"""How values read on screen: money, dates, stages, provenance. Never a float."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from PySide6.QtGui import QColor

from core.domain.lifecycle import STAGE_LABELS
from core.money import money_text

__all__ = [
    "PROVENANCE_COLORS",
    "PROVENANCE_LABELS",
    "STAGE_COLORS",
    "STAGE_LABELS",
    "format_money",
    "format_short_money",
    "format_totals",
    "format_when",
    "stage_label",
]


STAGE_COLORS: Final[dict[str, QColor]] = {
    "draft": QColor("#9aa5b1"),
    "screening": QColor("#5b8def"),
    "underwriting": QColor("#3f6fd8"),
    "ic_review": QColor("#8e6bd8"),
    "approved": QColor("#2f9e8f"),
    "closing": QColor("#e0a030"),
    "closed": QColor("#2e8b57"),
    "exited": QColor("#1f5f3f"),
    "dead": QColor("#c0504d"),
}

PROVENANCE_LABELS: Final[dict[str, str]] = {
    "manual": "manual",
    "extracted": "extracted",
    "confirmed": "confirmed",
}

PROVENANCE_COLORS: Final[dict[str, str]] = {
    "manual": "#6b7785",
    "extracted": "#c77c02",
    "confirmed": "#2e8b57",
}


def stage_label(stage: str) -> str:
    return STAGE_LABELS.get(stage, stage)


def format_money(amount: Decimal | None, currency: str) -> str:
    """``USD 1,250,000.00``, ``KWD 1.125``, ``JPY 1,250``: core's one money format, with the
    currency's code (tables align on it); ``—`` for no amount."""
    if amount is None:
        return "—"
    return money_text(amount, currency, symbol=False)


def format_short_money(amount: Decimal, currency: str = "") -> str:
    """12.5M, 640K: for chart labels where the exact figure is a tooltip away."""
    sign = "-" if amount < 0 else ""
    value = abs(amount)
    for unit, size in (("B", Decimal("1e9")), ("M", Decimal("1e6")), ("K", Decimal("1e3"))):
        if value >= size:
            text = f"{sign}{(value / size).quantize(Decimal('0.1')):f}{unit}"
            break
    else:
        text = f"{sign}{value.quantize(Decimal('1')):f}"
    return f"{currency} {text}".strip()


def format_totals(totals: dict[str, Decimal]) -> str:
    """Amounts in several currencies, one after another; a dash when there are none."""
    if not totals:
        return "—"
    return " · ".join(format_money(totals[c], c) for c in sorted(totals))


def format_when(iso: str) -> str:
    """``2026-11-28T08:06:45.123Z`` → ``2026-11-28 08:06``."""
    return iso[:16].replace("T", " ") if len(iso) >= 16 else iso


_KINDS_OF_FILE = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "text/plain": "Text",
    "text/csv": "CSV",
    "text/markdown": "Text",
}


def file_kind(media_type: str) -> str:
    """What a person calls a file of ``media_type``: "PDF", "Word", "Excel"."""
    return _KINDS_OF_FILE.get(media_type, media_type.split("/")[-1].upper())


def file_size(size_bytes: int) -> str:
    """``812 bytes``, ``14 KB``, ``3.2 MB``: a size read at a glance."""
    if size_bytes < 1024:
        return f"{size_bytes} bytes"
    if size_bytes < 1_048_576:
        return f"{size_bytes / 1024:.0f} KB"
    return f"{size_bytes / 1_048_576:.1f} MB"
