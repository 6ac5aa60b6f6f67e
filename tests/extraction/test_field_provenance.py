"""A deal field's provenance chain, told in words for every way a value got there.

On Gail's Harbor Point deal (a real local store, the memorandum's file beside it): a net
operating income extracted from page 2 and not yet confirmed, a sponsor typed by hand, and
an asking price confirmed from page 2 with the quote's characters. Each chain says what
happened, and the quote shown is the file's own characters.
"""

from __future__ import annotations

from harbor_deal import DealWithMemo

from core.documents.blob_store import BlobStore
from core.documents.file_types import PDF
from core.documents.text_pages import text_of
from core.domain.deal_fields import Provenance
from core.extraction.provenance import field_provenance
from core.extraction.quotes import find_quote
from core.ops.payloads.deals import DealFieldValue, DealUpdatePayload, QuoteSource
from core.views.viewer import current_viewer

PAGE_TWO = "Asking price: $48,500,000"


def test_each_way_a_value_got_there_reads_as_what_happened(deal: DealWithMemo) -> None:
    ws = deal.ws
    memo = BlobStore.beside(ws.store.data_dir).read_verified(deal.memo_sha256)
    page = text_of(memo, PDF).page(2)
    assert page is not None
    span = find_quote(page.text, PAGE_TWO)
    assert span is not None
    fields = {
        "noi": DealFieldValue(
            value="2910000",
            provenance=Provenance.EXTRACTED,
            source_document_id=deal.memo_id,
            source_page=2,
        ),
        "sponsor": DealFieldValue(value="Meridian Residential Partners"),
        "asking_price": DealFieldValue(
            value="48500000",
            provenance=Provenance.CONFIRMED,
            source_document_id=deal.memo_id,
            source_page=2,
            quote=QuoteSource(
                sha256=deal.memo_sha256, start=span[0], end=span[1], method="ai", model_name="m-1"
            ),
        ),
    }
    ws.submit(DealUpdatePayload(fields=fields), entity_id=deal.deal_id, base_version=1)
    viewer = current_viewer(ws)

    noi = field_provenance(ws, viewer, deal.deal_id, "noi")
    assert [link.step for link in noi.chain] == ["Document", "Extracted"]
    assert noi.chain[1].text.endswith("(extracted from the document, not yet confirmed)")
    assert noi.source is not None
    assert noi.source.quote is None  # no span was signed: nothing is marked as its quote

    sponsor = field_provenance(ws, viewer, deal.deal_id, "sponsor")
    assert sponsor.source is None
    assert [(link.step, link.text) for link in sponsor.chain] == [
        ("Set", "Gail Park signed sponsor = Meridian Residential Partners (typed by hand)")
    ]

    price = field_provenance(ws, viewer, deal.deal_id, "asking_price")
    assert price.source is not None
    assert (price.source.page, price.source.quote) == (2, PAGE_TWO)
    assert [link.step for link in price.chain] == ["Document", "Extraction", "Confirmed"]
    assert price.chain[1].text == "m-1 proposed it (read on another computer)"
    assert price.chain[2].text.endswith("(as the model read it)")

    unset = field_provenance(ws, viewer, deal.deal_id, "key_dates")
    assert [link.text for link in unset.chain] == [
        "No signed change on this computer sets this field yet."
    ]
