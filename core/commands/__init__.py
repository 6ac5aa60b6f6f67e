"""Changing an organization: the open :class:`~core.commands.workspace.Workspace`, whose
``submit`` signs a typed command and applies it through the shared reducers in one
transaction, and ``dry_run``, which does the same and rolls back.

Also here: :mod:`~core.commands.reading`, the read-only connection every read model
uses, and :mod:`~core.commands.deal_editing`, which turns edited deal fields into one
``deal.update``.
"""

from core.commands.workspace import OpResult, Workspace

__all__ = ["OpResult", "Workspace"]
