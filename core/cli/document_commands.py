"""``dealos document``: add a file to a deal or a fund, list them, copy one out to read.

``add`` stores the file beside the local store (named by its SHA-256; the same file twice
is one file) and signs a ``document.add`` naming it; it prints the document's id alone on
its first line (``DOC=$(dealos document add om.pdf --deal … | head -n 1)``), then what it
did. ``--share-with-lps`` shares a fund's document with the fund's LPs. ``open`` copies the
file out, its bytes checked against the hash the signed op names. The next sync uploads
the file for the others, and fetches theirs (:mod:`core.sync.blobs`). ``extract`` and
``accept`` (:mod:`core.cli.document_extraction`) read a deal's terms out of a document.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core.cli.document_extraction import add_extraction_parsers
from core.cli.refusals import Refused, Words, actions_of, opened, refusal_of
from core.documents import add_document, list_documents, open_copy
from core.documents.intake import size_in_words
from core.errors import OpRejected

__all__ = ["register"]

SubParsers = argparse._SubParsersAction
_WORDS: Words = {
    "payload.deal_id": "--deal",
    "payload.fund_id": "--fund",
    "payload.title": "the title (--title)",
    "payload.filename": "the file's name",
    "payload.audience": "--share-with-lps",
}


def register(sub: SubParsers[argparse.ArgumentParser]) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", type=Path, default=argparse.SUPPRESS, help="folder of the local store"
    )
    group = sub.add_parser("document", help="documents of deals and funds (their files)")
    actions = actions_of(group, "document_command")

    p = actions.add_parser(
        "add", parents=[common], help="add a PDF, DOCX, XLSX or text file; prints its id"
    )
    p.add_argument("file", type=Path, metavar="FILE")
    owner = p.add_mutually_exclusive_group(required=True)
    owner.add_argument("--deal", metavar="DEAL_ID", help="the deal it belongs to")
    owner.add_argument("--fund", metavar="FUND_ID", help="the fund it belongs to")
    p.add_argument("--title", help="what people see it as (default: the file's name)")
    p.add_argument(
        "--share-with-lps",
        action="store_true",
        help="share this fund document with the fund's LPs (portal and their replicas)",
    )
    p.set_defaults(handler=_add)

    p = actions.add_parser("list", parents=[common], help="one line per document")
    owner = p.add_mutually_exclusive_group(required=True)
    owner.add_argument("--deal", metavar="DEAL_ID")
    owner.add_argument("--fund", metavar="FUND_ID")
    p.set_defaults(handler=_list)

    p = actions.add_parser("open", parents=[common], help="copy a document's file out")
    p.add_argument("document", metavar="DOC_ID")
    p.add_argument("--out", required=True, type=Path, metavar="FILE", help="where to write it")
    p.set_defaults(handler=_open)

    add_extraction_parsers(actions, common)


def _add(args: Any) -> int:
    if args.share_with_lps and args.fund is None:
        raise Refused("--share-with-lps: only a fund's document is shared with its LPs")
    with opened(args) as ws:
        try:
            added = add_document(
                ws,
                args.file,
                deal_id=args.deal,
                fund_id=args.fund,
                title=args.title,
                share_with_lps=args.share_with_lps,
            )
        except (ValidationError, OpRejected) as exc:
            raise refusal_of(exc, _WORDS) from None
    where = f"deal {args.deal}" if args.deal else f"fund {args.fund}"
    shared = ", shared with the fund's LPs" if added.audience == "lps" else ""
    print(added.document_id)
    print(
        f"added {added.filename} ({size_in_words(added.size_bytes)}, sha256 "
        f"{added.sha256[:12]}…) to {where}{shared}; the next sync sends it to the server"
    )
    return 0


def _list(args: Any) -> int:
    with opened(args) as ws:
        lines = list_documents(ws, deal_id=args.deal, fund_id=args.fund)
    if not lines:
        print("no documents")
        return 0
    for d in lines:
        here = "" if d.on_this_computer else "  (file not on this computer yet)"
        shared = "  shared with LPs" if d.shared_with_lps else ""
        print(
            f"{d.document_id}  {d.name:<40} {d.kind:<18} {size_in_words(d.size_bytes):>9}"
            f"{shared}{here}"
        )
    return 0


def _open(args: Any) -> int:
    with opened(args) as ws:
        line = open_copy(ws, args.document, args.out)
    print(f"wrote {args.out}: {line.name} ({size_in_words(line.size_bytes)}), checked")
    return 0
