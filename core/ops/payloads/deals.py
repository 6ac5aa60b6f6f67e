"""Payloads of fund, deal, document and approval operations."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, Field, Strict, model_validator

from core.domain.deal_fields import (
    DEAL_FIELDS,
    DealField,
    FieldType,
    Provenance,
    check_field_value,
)
from core.domain.lifecycle import Stage
from core.ops.fields import UUID_PATTERN, CurrencyCode, LongText, Sha256Hex, ShortText, Uuid
from core.ops.payloads.base import Payload

__all__ = [
    "ApprovalRecordPayload",
    "Audience",
    "DealCreatePayload",
    "DealFieldValue",
    "DealTransitionPayload",
    "DealUpdatePayload",
    "DocumentAddPayload",
    "FundCreatePayload",
    "QuoteSource",
]


class FundCreatePayload(Payload):
    name: ShortText
    currency: CurrencyCode
    vintage_year: Annotated[int, Field(ge=1900, le=2200)] | None = None


class QuoteSource(Payload):
    """Where in a document a confirmed value was read: the file's hash, the page's
    characters ``[start, end)`` of the quote (core.documents.text_pages), how it was read
    (``ai`` or ``manual``) and the model that proposed it. Who confirmed it is the op's
    signer. Absent from every op written before it, so old ops replay unchanged."""

    sha256: Sha256Hex
    start: Annotated[int, Field(ge=0, le=100_000_000)]
    end: Annotated[int, Field(ge=0, le=100_000_000)]
    method: Literal["ai", "manual"]
    model_name: ShortText | None = None

    @model_validator(mode="after")
    def _span(self) -> QuoteSource:
        if self.end < self.start:
            raise ValueError("a quote ends after it starts")
        if self.method == "ai" and self.model_name is None:
            raise ValueError("a value read by AI names its model")
        return self


class DealFieldValue(Payload):
    """One descriptive field's new value (``None`` clears it) and where it came from."""

    value: LongText | None
    # Enums arrive as JSON strings; strictness stays on for every other field.
    provenance: Annotated[Provenance, Strict(False)] = Provenance.MANUAL
    source_document_id: Uuid | None = None
    source_page: Annotated[int, Field(ge=1, le=100_000)] | None = None
    quote: QuoteSource | None = None

    @model_validator(mode="after")
    def _source(self) -> DealFieldValue:
        if self.provenance is Provenance.MANUAL and self.source_document_id is not None:
            raise ValueError("a manual value has no source document")
        if self.provenance is not Provenance.MANUAL and self.source_document_id is None:
            raise ValueError("an extracted or confirmed value names its source document")
        if self.source_page is not None and self.source_document_id is None:
            raise ValueError("a source page needs a source document")
        if self.quote is not None and self.source_page is None:
            raise ValueError("a quote names its source page")
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


_PLAIN_NUMBER = r"^[0-9]{1,18}(\.[0-9]{1,6})?$"
_VALUE_SHAPES: Final[dict[FieldType, dict[str, Any]]] = {
    FieldType.TEXT: {"type": "string", "minLength": 1, "maxLength": 200},
    FieldType.MONEY: {
        "type": "string",
        "pattern": _PLAIN_NUMBER,
        "description": "a decimal string in the deal's currency",
    },
    FieldType.PERCENT: {
        "type": "string",
        "pattern": _PLAIN_NUMBER,
        "description": "a percentage from 0 to 100 as a decimal string",
    },
    FieldType.INTEGER: {"type": "string", "pattern": r"^[0-9]{1,12}$"},
    FieldType.USER: {"type": "string", "format": "uuid", "pattern": UUID_PATTERN},
}


def _value_shape(spec: DealField) -> dict[str, Any]:
    shape = dict(_VALUE_SHAPES[spec.type])
    if spec.name == "notes":
        shape["maxLength"] = 4000
    return shape


def _fields_schema(schema: dict[str, Any]) -> None:
    """Publish each deal field by name, its value shaped by the field's type (what
    :func:`core.domain.deal_fields.check_field_value` accepts), so a client need not guess
    that ``owner_id`` is a user id or ``asking_price`` money."""
    item = schema.pop("additionalProperties")
    schema["additionalProperties"] = False
    schema["propertyNames"] = {"enum": sorted(DEAL_FIELDS)}
    schema["properties"] = {
        name: {
            "allOf": [
                item,
                {"properties": {"value": {"anyOf": [_value_shape(spec), {"type": "null"}]}}},
            ]
        }
        for name, spec in sorted(DEAL_FIELDS.items())
    }


# Checked as a field (not on the whole model) so a refusal names payload.fields.
DealFields = Annotated[
    dict[str, DealFieldValue],
    Field(max_length=len(DEAL_FIELDS), json_schema_extra=_fields_schema),
    AfterValidator(_check_fields),
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


# Who a document is for: the organization's own people and the external readers its deal
# or fund is granted to ("internal", what every op without the field means), or besides
# them the LPs of its fund ("lps", a fund's document only).
Audience = Literal["internal", "lps"]


class DocumentAddPayload(Payload):
    deal_id: Uuid | None = None
    fund_id: Uuid | None = None
    filename: ShortText
    title: ShortText | None = None
    media_type: Annotated[str, Field(pattern=r"^[a-z]+/[a-z0-9.+-]+$", max_length=100)]
    size_bytes: Annotated[int, Field(ge=0, le=10 * 2**30)]
    sha256: Sha256Hex
    audience: Audience = "internal"

    @model_validator(mode="after")
    def _owner(self) -> DocumentAddPayload:
        if (self.deal_id is None) == (self.fund_id is None):
            raise ValueError("a document belongs to exactly one deal or one fund")
        if self.audience == "lps" and self.fund_id is None:
            raise ValueError("only a fund's document is shared with its LPs")
        return self


class ApprovalRecordPayload(Payload):
    approval_id: Uuid
    approval_type: Literal["ic_vote", "legal_signoff"]
    decision: Literal["approve", "reject", "abstain"]
    note: LongText = ""
