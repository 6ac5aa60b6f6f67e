"""Investors: LPs, their contacts, commitments and capital accounts."""
