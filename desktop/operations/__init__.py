"""Thin per-area op functions: each builds one core call and returns a BackgroundOp.

Keyword-only arguments, no widgets beyond the parent the op reports to; the caller adds
``success``/``failure`` and runs it (Anki's ``aqt/operations`` pattern).
"""
