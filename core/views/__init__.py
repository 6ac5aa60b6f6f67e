"""Read models: what the desktop's screens and the CLI's listings show, read from the
projections through the read-only connection and returned as frozen values. Nothing here
writes; changes go through :mod:`core.commands`."""
