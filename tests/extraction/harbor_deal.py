"""Gail's Harbor Point deal with its offering memorandum, on a real local store."""

from __future__ import annotations

from dataclasses import dataclass

from core.commands.workspace import Workspace

__all__ = ["DealWithMemo"]


@dataclass
class DealWithMemo:
    ws: Workspace
    deal_id: str
    memo_id: str
    memo_sha256: str
