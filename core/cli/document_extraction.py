"""``dealos document extract`` and ``dealos document accept``: a document's deal terms as
a draft proposed by a model, and the fields a person accepts into the deal.

``extract DOC_ID`` prints each proposed term with its page, its quote and whether the
quote was found on that page; nothing is written into the deal. When the endpoint cannot
be reached the document is queued, and ``extract --pending`` (or the next extract) asks
again. ``accept DOC_ID [--field F …]`` signs one ``deal.update`` with the verified terms
(or only those named), confirmed by the user of this computer. ``ai-key`` keeps the
OpenAI key in the keyring (read from standard input, never echoed).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any, Final

from core.cli.refusals import Refused, opened
from core.extraction import AiSettings, Draft, accept_fields, drain_pending, extract_document
from core.extraction.drafts import Proposal
from core.extraction.settings import API_KEY_SECRET
from core.extraction.terms import TERM_WORDS, TermName
from core.keys import KeyStore

__all__ = ["add_extraction_parsers"]

_QUOTE_SHOWN: Final = 90


def add_extraction_parsers(actions: Any, common: argparse.ArgumentParser) -> None:
    p = actions.add_parser(
        "extract",
        parents=[common],
        help="propose a deal document's terms with AI (a draft, never written into the deal)",
    )
    p.add_argument("document", metavar="DOC_ID", nargs="?")
    p.add_argument("--pending", action="store_true", help="ask again for every queued document")
    p.add_argument(
        "--fresh", action="store_true", help="ask the model again even when a draft is kept"
    )
    p.set_defaults(handler=_extract)

    p = actions.add_parser(
        "accept",
        parents=[common],
        help="write a draft's verified terms into the deal, signed as confirmed by you",
    )
    p.add_argument("document", metavar="DOC_ID")
    p.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="F",
        help="accept only this term (repeatable): " + ", ".join(t.value for t in TermName),
    )
    p.set_defaults(handler=_accept)

    p = actions.add_parser(
        "ai-key", help="keep the OpenAI API key in the keyring (read from standard input)"
    )
    p.set_defaults(handler=_ai_key)


def _quoted(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) > _QUOTE_SHOWN:
        flat = flat[: _QUOTE_SHOWN - 1] + "…"
    return f"“{flat}”"


def _line(p: Proposal) -> str:
    label = TERM_WORDS[TermName(p.term)]
    check = "verified" if p.verified else f"NOT VERIFIED: the quote is not on page {p.page}"
    return f"  {label:<22} {p.value:<24} page {p.page:<3} {_quoted(p.quote)}  {check}"


def _print_draft(draft: Draft) -> None:
    cached = ", kept from an earlier reading" if draft.from_cache else ""
    print(
        f"{draft.document.name}: {len(draft.proposals)} terms proposed by {draft.model}"
        f"{cached} (a draft: nothing is written into the deal)"
    )
    for proposal in draft.proposals:
        print(_line(proposal))
    for note in draft.notes:
        print(f"note: {note}")
    if any(not p.verified for p in draft.proposals):
        print("an unverified term is not shown as fact and cannot be accepted; type it by hand")


def _extract(args: Any) -> int:
    if not args.pending and args.document is None:
        raise Refused("name the document to extract (DOC_ID), or use --pending")
    settings = AiSettings.from_environment()
    waiting = 0
    with opened(args) as ws:
        if args.document is not None:
            outcome = extract_document(ws, args.document, settings, fresh=args.fresh)
            if outcome.draft is not None:
                _print_draft(outcome.draft)
            else:
                print(f"queued: {outcome.queued_because}")
                print("it is read when the endpoint answers: dealos document extract --pending")
                waiting += 1
        if args.pending or (args.document is not None and waiting == 0):
            for outcome in drain_pending(ws, settings):
                if outcome.draft is not None:
                    _print_draft(outcome.draft)
                elif outcome.problem is not None:
                    print(f"not extracted, and no longer queued: {outcome.problem}")
                elif outcome.queued_because is not None:
                    print(f"still queued: {outcome.queued_because}")
                    waiting += 1
    return 3 if waiting else 0


def _accept(args: Any) -> int:
    settings = AiSettings.from_environment()
    with opened(args) as ws:
        done = accept_fields(ws, args.document, settings, args.field)
    for p in done.accepted:
        label = TERM_WORDS[TermName(p.term)]
        print(f"accepted {label}: {p.value} (page {p.page})")
    for p, why in done.skipped:
        print(f"not accepted {TERM_WORDS[TermName(p.term)]}: {why}")
    if done.result is None:
        print("nothing was written into the deal")
        return 1
    print(f"signed one deal update with {len(done.accepted)} confirmed terms")
    return 0


def _ai_key(args: Any) -> int:
    key = getpass.getpass("OpenAI API key: ") if sys.stdin.isatty() else sys.stdin.readline()
    key = key.strip()
    if not key:
        raise Refused("no key was given; nothing was stored")
    KeyStore().save_secret(API_KEY_SECRET, key)
    print("the key is in the keyring; extraction uses it from now on")
    return 0
