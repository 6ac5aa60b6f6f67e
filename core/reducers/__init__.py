"""Reducers: one pure function per op kind that validates the op and applies it.

The desktop and the sync server both run :func:`core.reducers.apply.apply_op`; a business
rule lives here once (DESIGN §2).
"""
