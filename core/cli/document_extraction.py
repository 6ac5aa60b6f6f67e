"""``dealos document extract`` and ``dealos document accept``: a document's deal terms as
a draft proposed by a model, and the fields a person accepts into the deal.

``extract DOC_ID`` prints each proposed term with its page, its quote and whether the
quote was found on that page; nothing is written into the deal. When the endpoint cannot
be reached the document is queued, and ``extract --pending`` (or the next extract) asks
again. ``review DOC_ID`` shows each proposed term's state (to review, accepted,
rejected, unverified). ``accept DOC_ID [--field F …] [--set F=VALUE …]`` signs one
``deal.update`` with the verified terms (or only those named; ``--set`` takes the value
the reviewer typed beside the quote), confirmed by the user of this computer. ``reject
DOC_ID --field F [--undo]`` marks proposals rejected in the draft. ``source --deal D
--field F`` prints where a deal field's value came from: the document, page and quote,
and the chain to the financial ops that used it (core.extraction.provenance).
``ai-key`` keeps the OpenAI key in the keyring (read from standard input, never echoed).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any, Final

from core.cli.refusals import Refused, opened
from core.domain.deal_fields import DEAL_FIELDS
from core.extraction import (
    AiSettings,
    Draft,
    accept_fields,
    drain_pending,
    extract_document,
    reject_fields,
    review_lines,
)
from core.extraction.drafts import Proposal
from core.extraction.provenance import field_provenance
from core.extraction.settings import API_KEY_SECRET
from core.extraction.terms import TERM_WORDS, TermName
from core.keys import KeyStore
from core.views.viewer import current_viewer

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
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="F=VALUE",
        help="accept this term with the value you typed (repeatable), e.g. --set noi=2910000",
    )
    p.set_defaults(handler=_accept)

    p = actions.add_parser(
        "reject", parents=[common], help="mark a draft's proposed terms rejected"
    )
    p.add_argument("document", metavar="DOC_ID")
    p.add_argument("--field", action="append", default=[], metavar="F", required=True)
    p.add_argument("--undo", action="store_true", help="put the terms back to review")
    p.set_defaults(handler=_reject)

    p = actions.add_parser(
        "review", parents=[common], help="each proposed term of a draft and where it stands"
    )
    p.add_argument("document", metavar="DOC_ID")
    p.set_defaults(handler=_review)

    p = actions.add_parser(
        "source",
        parents=[common],
        help="where a deal field's value came from: document, page, quote, and what used it",
    )
    p.add_argument("--deal", required=True, metavar="DEAL_ID")
    p.add_argument(
        "--field", required=True, metavar="F", help="a deal field: " + ", ".join(DEAL_FIELDS)
    )
    p.set_defaults(handler=_source)

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


def _typed(pairs: list[str]) -> dict[str, str]:
    typed: dict[str, str] = {}
    for pair in pairs:
        term, equals, value = pair.partition("=")
        if not equals or not term.strip():
            raise Refused(f"--set {pair}: give the term and the value as F=VALUE")
        typed[term.strip()] = value
    return typed


def _accept(args: Any) -> int:
    settings = AiSettings.from_environment()
    typed = _typed(args.set)
    with opened(args) as ws:
        done = accept_fields(ws, args.document, settings, args.field, edits=typed)
    by_word = {k.strip().casefold(): v for k, v in typed.items()}
    for p in done.accepted:
        label = TERM_WORDS[TermName(p.term)]
        value = by_word.get(p.term, by_word.get(label.casefold()))
        if value is None:
            print(f"accepted {label}: {p.value} (page {p.page})")
        else:
            where = f", page {p.page}" if p.verified else ", its quote not found"
            print(f"accepted {label}: {value.strip()} (typed by you{where})")
    for p, why in done.skipped:
        print(f"not accepted {TERM_WORDS[TermName(p.term)]}: {why}")
    if done.result is None:
        print("nothing was written into the deal")
        return 1
    print(f"signed one deal update with {len(done.accepted)} confirmed terms")
    return 0


def _reject(args: Any) -> int:
    settings = AiSettings.from_environment()
    with opened(args) as ws:
        marked = reject_fields(ws, args.document, settings, args.field, undo=args.undo)
    state = "back to review" if args.undo else "rejected"
    for p in marked:
        print(f"{state}: {TERM_WORDS[TermName(p.term)]} {p.value} (page {p.page})")
    return 0


def _review(args: Any) -> int:
    settings = AiSettings.from_environment()
    with opened(args) as ws:
        draft, lines = review_lines(ws, args.document, settings)
    print(f"{draft.document.name}: {len(lines)} terms proposed by {draft.model}")
    for line in lines:
        p = line.proposal
        print(
            f"  {line.label:<22} {p.value:<24} page {p.page:<3} {_quoted(p.quote)}  "
            f"{line.state.value}"
        )
    return 0


def _source(args: Any) -> int:
    with opened(args) as ws:
        found = field_provenance(ws, current_viewer(ws), args.deal, args.field)
    line = found.field
    print(f"{found.deal_name} · {line.label}: {line.display}")
    source = found.source
    if source is not None:
        page = "" if source.page is None else f", page {source.page}"
        print(f"source: {source.document_name}{page}")
        if source.quote is not None:
            print(f"quote: {_quoted(source.quote)}")
        elif source.page_text is None:
            print("quote: the file is not on this computer yet; sync, then ask again")
    for link in found.chain:
        at = f" ({link.at[:10]})" if link.at else ""
        print(f"{link.step}: {link.text}{at}")
    return 0


def _ai_key(args: Any) -> int:
    key = getpass.getpass("OpenAI API key: ") if sys.stdin.isatty() else sys.stdin.readline()
    key = key.strip()
    if not key:
        raise Refused("no key was given; nothing was stored")
    KeyStore().save_secret(API_KEY_SECRET, key)
    print("the key is in the keyring; extraction uses it from now on")
    return 0
