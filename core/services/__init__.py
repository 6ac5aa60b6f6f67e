"""Services the desktop and the CLI call: each builds, signs and applies one op."""

from core.services.workspace import OpResult, Workspace

__all__ = ["OpResult", "Workspace"]
