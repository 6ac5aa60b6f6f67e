"""An LP's view does not move when another LP, or the GP on that LP's behalf, acts.

Pension Fund's officer (LP A) reads everything an LP can read — the pull feed, its state,
its snapshot answer, every portal page and download of its position, its fund's letter.
Then Granite (LP B) and the GP act on Granite alone: Granite pays its share of the call
both owe and the call only Granite owes, the GP renames Granite and changes its contact,
draws and issues a call from Granite alone, and Granite's officer signs in, reads its own
pages, pulls, tries an op it may not make, and signs out everywhere. Pension's view, read
again, is byte for byte what it was, but for ``server_seq`` (which counts the whole
organization's ops by design, PROTOCOL "Gaps in server_seq are normal") and what is new
in every response (CSRF tokens, nonces).

The control: the GP then records a payment of Pension's own, and Pension's view changes —
so the comparison sees a change when there is one.
"""

from __future__ import annotations

import io
import re
import zipfile

from reliability_figures import record
from siege_world import Member, Siege

from core.ids import new_id

_VARYING = re.compile(rb'(csrf[^>]*?value="|nonce-|nonce=")[^"\']+')
_SEQ = re.compile(r'"(server_seq|next_after|last_seq)": ?\d+')
# When a file was made, not what it says: a PDF's dates and id, a workbook's dates.
_MADE = re.compile(
    rb"/(CreationDate|ModDate) *\([^)]*\)|/ID *\[[^\]]*\]|<dcterms:(created|modified)[^<]*<"
)


def _content(body: bytes) -> bytes:
    """A file's content without the moment it was made; a workbook's parts unzipped."""
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            body = b"\n".join(n.encode() + b"\n" + book.read(n) for n in sorted(book.namelist()))
    return _MADE.sub(rb"<made>", body)


def _views(siege: Siege, who: Member) -> dict[str, bytes]:
    """Everything ``who`` (an LP user) can read, as the bytes the server sent."""
    http, own = siege.home.http, siege.own
    position = f"/portal/lp/{own['lp']}/funds/{own['fund']}"
    paths = [
        "/v1/sync/pull?after=0&limit=1000", "/v1/sync/state", "/v1/sync/snapshot",
        "/v1/invitations", f"/v1/blobs/{own['sha256']}",
        "/portal", position, "/portal/documents", f"/portal/documents/{own['document']}",
        f"{position}/calls/{own['call']}/notice.pdf",
        f"{position}/distributions/{own['distribution']}/notice.pdf",
        f"{position}/statements/2026Q1.pdf", f"{position}/ledger.xlsx",
    ]  # fmt: skip
    headers = {**who.auth, "Cookie": f"dealos_portal={who.token}"}
    views = {}
    for path in paths:
        resp = http.get(path, headers=headers)
        assert resp.status_code < 500, (path, resp.status_code)
        body = _VARYING.sub(rb"\1<varies>", _content(resp.content))
        if path.startswith("/v1/sync/"):
            body = _SEQ.sub(r'"\1": <seq>', body.decode()).encode()
        views[path] = f"{resp.status_code} {resp.headers.get('content-type')}\n".encode() + body
    return views


def _granite_acts(siege: Siege) -> int:
    """Granite and the GP act on Granite alone; the number of things done."""
    home, granite = siege.home, siege.other_lp["lp"]
    officer = siege.home.fresh_session(siege.granite_officer)
    done = 0
    for call, amount in ((siege.own["call"], "300000.00"), (siege.other_lp["call"], "50000.00")):
        home.submit(
            "capital_call.payment",
            {"payment_id": new_id(), "lp_id": granite, "amount": amount, "currency": "USD",
             "paid_on": "2026-03-20"},
            entity_id=call,
        )  # fmt: skip
        done += 1
    contact = {"contact_id": new_id(), "name": "Granite Treasury", "email": "t@granite.example"}
    home.submit(
        "lp.update", {"name": "Granite Family Office II", "contacts": [contact]}, entity_id=granite
    )
    home.call(siege.own["fund"], "25000.00", excluded_lp_ids=[siege.own["lp"]])
    done += 3
    done += len(_views(siege, officer))  # Granite's officer reads all it may
    refused = home.op("deal.create", {"name": "Granite's deal", "currency": "USD"}, by=officer)
    [result] = home.results([refused], by=officer)
    assert result["status"] == "rejected"
    resp = home.http.post("/v1/auth/logout-all", headers=officer.auth)
    assert resp.status_code == 204
    return done + 2


def test_an_lps_view_is_unchanged_by_what_another_lp_and_the_gp_do_for_it(
    siege: Siege,
) -> None:
    pension = siege.home.fresh_session(siege.people["lp"])
    before = _views(siege, pension)
    assert _views(siege, pension) == before  # stable when nothing happens
    acts = _granite_acts(siege)
    after = _views(siege, pension)
    changed = sorted(path for path in before if after[path] != before[path])
    # Each view read again after each of Granite's acts is one channel that could count.
    record(
        "counting channels",
        attempted=acts * len(before),
        refused=acts * (len(before) - len(changed)),
    )
    assert changed == []
    # The control: Pension's own payment shows in its view.
    siege.home.submit(
        "capital_call.payment",
        {"payment_id": new_id(), "lp_id": siege.own["lp"], "amount": "1000.00",
         "currency": "USD", "paid_on": "2026-03-21"},
        entity_id=siege.own["call"],
    )  # fmt: skip
    moved = _views(siege, pension)
    assert moved["/v1/sync/pull?after=0&limit=1000"] != after["/v1/sync/pull?after=0&limit=1000"]
    assert any(moved[p] != after[p] for p in moved if p.startswith("/portal/lp/"))
