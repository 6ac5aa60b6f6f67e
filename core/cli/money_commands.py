"""The money commands of ``dealos``: capital calls, payments received, distributions.

One registration for the three groups (:mod:`core.cli.call_commands`,
:mod:`core.cli.payment_commands`, :mod:`core.cli.distribution_commands`); what they share
at the terminal is :mod:`core.cli.money_terminal`.
"""

from __future__ import annotations

import argparse

from core.cli import call_commands, distribution_commands, payment_commands

__all__ = ["register"]


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: list[argparse.ArgumentParser],
) -> None:
    call_commands.register(sub, common)
    payment_commands.register(sub, common)
    distribution_commands.register(sub, common)
