"""Is a quote on its page? Exactly, or with only its spacing and line breaks differing
(a PDF's text breaks lines where the page did). The answer is the quote's characters
``[start, end)`` on the page, or None: a quote not found is unverified, never shown as
fact."""

from __future__ import annotations

__all__ = ["find_quote"]


def _squeezed(text: str) -> tuple[str, list[int]]:
    """``text`` with each run of whitespace as one space, and where each character was."""
    out: list[str] = []
    where: list[int] = []
    space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not space and out:
                out.append(" ")
                where.append(i)
            space = True
            continue
        space = False
        out.append(ch)
        where.append(i)
    return "".join(out), where


def find_quote(page_text: str, quote: str) -> tuple[int, int] | None:
    quote = quote.strip()
    if not quote:
        return None
    start = page_text.find(quote)
    if start >= 0:
        return start, start + len(quote)
    squeezed, where = _squeezed(page_text)
    wanted, _ = _squeezed(quote)
    wanted = wanted.strip()
    at = squeezed.find(wanted)
    if at < 0:
        at = squeezed.casefold().find(wanted.casefold())
        if at < 0 or len(squeezed.casefold()) != len(squeezed):
            return None
    return where[at], where[at + len(wanted) - 1] + 1
