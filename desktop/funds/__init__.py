"""Funds: each fund's figures and its set-up (terms, wire details, four-eyes, NAV)."""
