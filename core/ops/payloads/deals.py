"""Payloads of fund, deal, document and approval operations."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, Strict, model_validator

from core.domain.deal_fields import DEAL_FIELDS, Provenance, check_field_value
from core.domain.lifecycle import Stage
from core.ops.fields import CurrencyCode, LongText, Sha256Hex, ShortText, Uuid
from core.ops.payloads.base import Payload

__all__ = [
    "ApprovalRecordPayload",
    "DealCreatePayload",
    "DealFieldValue",
    "DealTransitionPayload",
    "DealUpdatePayload",
    "DocumentAddPayload",
    "FundCreatePayload",
]


class FundCreatePayload(Payload):
    name: ShortText
    currency: CurrencyCode
    vintage_year: Annotated[int, Field(ge=1900, le=2200)] | None = None


class DealFieldValue(Payload):
    """One descriptive field's new value (``None`` clears it) and where it came from."""

    value: LongText | None
    # Enums arrive as JSON strings; strictness stays on for every other field.
    provenance: Annotated[Provenance, Strict(False)] = Provenance.MANUAL
    source_document_id: Uuid | None = None
    source_page: Annotated[int, Field(ge=1, le=100_000)] | None = None

    @model_validator(mode="after")
    def _source(self) -> DealFieldValue:
        if self.provenance is Provenance.MANUAL and self.source_document_id is not None:
            raise ValueError("a manual value has no source document")
        if self.provenance is not Provenance.MANUAL and self.source_document_id is None:
            raise ValueError("an extracted or confirmed value names its source document")
        if self.source_page is not None and self.source_document_id is None:
            raise ValueError("a source page needs a source document")
        return self


def _check_fields(fields: dict[str, DealFieldValue]) -> dict[str, DealFieldValue]:
    for name, item in fields.items():
        spec = DEAL_FIELDS.get(name)
        if spec is None:
            known = ", ".join(sorted(DEAL_FIELDS))
            raise ValueError(f"unknown deal field {name!r}; fields are {known}")
        if item.value is not None:
            problem = check_field_value(spec, item.value)
            if problem:
                raise ValueError(f"{name} {problem}")
    return fields


# Checked as a field (not on the whole model) so a refusal names payload.fields.
DealFields = Annotated[
    dict[str, DealFieldValue], Field(max_length=len(DEAL_FIELDS)), AfterValidator(_check_fields)
]


class DealCreatePayload(Payload):
    name: ShortText
    currency: CurrencyCode
    fund_id: Uuid | None = None
    fields: DealFields = Field(default_factory=dict)


class DealUpdatePayload(Payload):
    name: ShortText | None = None
    fields: DealFields = Field(default_factory=dict)

    @model_validator(mode="after")
    def _fields(self) -> DealUpdatePayload:
        if self.name is None and not self.fields:
            raise ValueError("an update changes the name or at least one field")
        return self


class DealTransitionPayload(Payload):
    to: Annotated[Stage, Strict(False)]
    fund_id: Uuid | None = None
    note: LongText = ""


class DocumentAddPayload(Payload):
    deal_id: Uuid | None = None
    fund_id: Uuid | None = None
    filename: ShortText
    title: ShortText | None = None
    media_type: Annotated[str, Field(pattern=r"^[a-z]+/[a-z0-9.+-]+$", max_length=100)]
    size_bytes: Annotated[int, Field(ge=0, le=10 * 2**30)]
    sha256: Sha256Hex

    @model_validator(mode="after")
    def _owner(self) -> DocumentAddPayload:
        if (self.deal_id is None) == (self.fund_id is None):
            raise ValueError("a document belongs to exactly one deal or one fund")
        return self


class ApprovalRecordPayload(Payload):
    approval_id: Uuid
    approval_type: Literal["ic_vote", "legal_signoff"]
    decision: Literal["approve", "reject", "abstain"]
    note: LongText = ""
