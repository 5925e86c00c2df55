"""API: donation receipts. Thin: parse, look up, call one service or query.

Recording a receipt is idempotent with a key (the `Idempotency-Key` header, or the
`idempotency_key` field): sent again with the same key, the first receipt is answered with
200 instead of 201 and nothing is recorded twice."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kindred.api.auth import org_endpoint
from kindred.api.pagination import PagePagination
from kindred.core.api import ERRORS
from kindred.core.models import Site
from kindred.core.roles import Action
from kindred.core.services import Invalid, NotFound

from ..models import DonationReceipt
from ..queries import intake as queries
from ..services import intake as services
from .common import ORG, item_type_of, location_of, router

MAX_ID = 2**63 - 1
RECEIPTS = ORG + "/goods/receipts"
ChannelName = Literal["drop_off", "pickup", "company", "container"]
DonorKindName = Literal["anonymous", "person", "contact", "named"]
GradeName = Literal["new", "good", "used", "worn", "unsorted"]
SortName = Literal["newest", "oldest", "date", "-date", "site"]


class DonationLineIn(Schema):
    item_type_id: int | None = Field(None, ge=1, le=MAX_ID, description="The item type's id…")
    item_type: str = Field("", max_length=60, description="…or its code, e.g. toy.")
    size: str = Field("", max_length=10, description="In the item type's size system.")
    grade: GradeName = "good"
    quantity: Decimal = Field(..., gt=0, max_digits=14, decimal_places=3)
    location_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="At the receipt's site; default: its first room."
    )
    weight_kg: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=3)
    description: str = Field("", max_length=200)


class ReceiptIn(Schema):
    site_id: int = Field(..., ge=1, le=MAX_ID)
    channel: ChannelName = "drop_off"
    donor_kind: DonorKindName = "anonymous"
    donor_person_id: int | None = Field(None, ge=1, le=MAX_ID)
    donor_contact_id: int | None = Field(None, ge=1, le=MAX_ID)
    donor_name: str = Field("", max_length=200, description="Only for named donors.")
    received_on: date | None = Field(None, description="Default: today.")
    note: str = Field("", max_length=2000)
    idempotency_key: str = Field(
        "", max_length=64, description="Or the Idempotency-Key header: one receipt per key."
    )
    lines: list[DonationLineIn] = Field(..., min_length=1, max_length=services.MAX_LINES)


class ReceiptCorrectionIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)
    lines: list[DonationLineIn] = Field(..., min_length=1, max_length=services.MAX_LINES)


class LineOut(Schema):
    id: int
    item_type_id: int
    item_type: str = Field(..., description="The translated name.")
    size: str
    grade: str
    quantity: Decimal
    weight_kg: Decimal | None
    location_id: int
    description: str
    voided: bool


class ReceiptOut(Schema):
    id: int
    number: int
    reference: str
    site_id: int
    received_on: date
    channel: str
    donor_kind: str
    donor_person_id: int | None
    donor_contact_id: int | None
    donor_name: str
    donor: str = Field(..., description="Who gave, as the receipt shows it.")
    note: str
    revision: int
    thank_you_sent_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_donor(obj) -> str:
        return obj["donor"] if isinstance(obj, dict) else queries.donor_label(obj)


class ReceiptDetailOut(ReceiptOut):
    lines: list[LineOut]
    total_kg: Decimal
    total_value: Decimal
    currency: str


class ReceiptFilter(Schema):
    q: str = Field("", max_length=100, description="The number or the donor's name.")
    site: int | None = Field(None, ge=1, le=MAX_ID)
    channel: ChannelName | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: SortName = "newest"


def _out(receipt: DonationReceipt) -> dict:
    return {
        **{f: getattr(receipt, f) for f in ReceiptOut.model_fields if f != "donor"},
        "donor": queries.donor_label(receipt),
    }


def _detail(receipt: DonationReceipt) -> dict:
    summary = queries.receipt_summary(receipt)
    lines = [
        {
            "id": line.pk,
            "item_type_id": line.item_type_id,
            "item_type": str(line.item_type.label),
            "size": line.size,
            "grade": line.grade,
            "quantity": line.quantity,
            "weight_kg": line.weight_kg,
            "location_id": line.location_id,
            "description": line.description,
            "voided": line.voided,
        }
        for line in queries.receipt_lines(receipt)
    ]
    return {
        **_out(receipt),
        "lines": lines,
        "total_kg": summary.total_kg,
        "total_value": summary.total_value,
        "currency": summary.currency,
    }


def _lines(
    request: HttpRequest, site: Site, lines: list[DonationLineIn]
) -> list[services.ReceiptLineIn]:
    org = request.org
    default = queries.default_location(site)
    result = []
    for i, line in enumerate(lines):
        ref = line.item_type_id if line.item_type_id is not None else line.item_type
        item_type = item_type_of(org, ref, f"lines.{i}.item_type")
        if item_type is None:
            raise Invalid(_("Choose an item type of the catalogue."), field=f"lines.{i}.item_type")
        location = location_of(org, line.location_id, f"lines.{i}.location_id") or default
        if location is None:
            raise Invalid(_("Choose a storage location."), field=f"lines.{i}.location_id")
        result.append(
            services.ReceiptLineIn(
                item_type=item_type,
                size=line.size,
                grade=line.grade,
                quantity=line.quantity,
                location=location,
                weight_kg=line.weight_kg,
                description=line.description,
            )
        )
    return result


def _receipt(request: HttpRequest, receipt_id: int) -> DonationReceipt:
    return get_object_or_404(
        DonationReceipt.objects.select_related("site", "donor_person", "donor_contact"),
        organization=request.org,
        pk=receipt_id,
    )


@router.post(
    RECEIPTS,
    response={200: ReceiptDetailOut, 201: ReceiptDetailOut, **ERRORS},
    summary="Record a donation (idempotent with a key)",
)
@org_endpoint(Action.RECORD_INTAKE)
def receipt_create(request: HttpRequest, slug: str, payload: ReceiptIn):
    org = request.org
    key = request.headers.get("Idempotency-Key", "").strip() or payload.idempotency_key.strip()
    if len(key) > 64:
        raise Invalid(
            _("The idempotency key is longer than 64 characters."), field="idempotency_key"
        )
    site = Site.objects.filter(organization=org, pk=payload.site_id).first()
    if site is None:
        raise NotFound(_("There is no such site."), field="site_id")
    receipt = services.record_donation(
        org=org,
        membership=request.membership,
        command=services.RecordReceipt(
            site_id=site.pk,
            lines=_lines(request, site, payload.lines),
            donor=services.DonorIn(
                kind=payload.donor_kind,
                person_id=payload.donor_person_id,
                contact_id=payload.donor_contact_id,
                name=payload.donor_name,
            ),
            channel=payload.channel,
            received_on=payload.received_on,
            note=payload.note,
            idempotency_key=key,
        ),
    )
    return Status(200 if getattr(receipt, "replayed", False) else 201, _detail(receipt))


@router.get(RECEIPTS, response={200: list[ReceiptOut], **ERRORS}, summary="Donation receipts")
@org_endpoint(Action.VIEW_STOCK)
@paginate(PagePagination)
def receipt_list(request: HttpRequest, slug: str, filters: Query[ReceiptFilter]):
    qs = queries.receipts(
        request.org,
        search=filters.q,
        site=filters.site,
        channel=filters.channel or "",
        date_from=filters.date_from,
        date_to=filters.date_to,
        sort=filters.sort,
    )
    return qs


@router.get(
    RECEIPTS + "/{receipt_id}",
    response={200: ReceiptDetailOut, **ERRORS},
    summary="One donation receipt, with its lines (void ones too)",
)
@org_endpoint(Action.VIEW_STOCK)
def receipt_detail(request: HttpRequest, slug: str, receipt_id: int):
    return _detail(_receipt(request, receipt_id))


@router.post(
    RECEIPTS + "/{receipt_id}/correct",
    response={200: ReceiptDetailOut, **ERRORS},
    summary="Correct a receipt: its lines are reversed and replaced",
)
@org_endpoint(Action.ADJUST_STOCK)
def receipt_correct(request: HttpRequest, slug: str, receipt_id: int, payload: ReceiptCorrectionIn):
    receipt = _receipt(request, receipt_id)
    receipt = services.correct_receipt(
        org=request.org,
        receipt=receipt,
        lines=_lines(request, receipt.site, payload.lines),
        reason=payload.reason,
        actor=request.user,
    )
    return _detail(_receipt(request, receipt.pk))
