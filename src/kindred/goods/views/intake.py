"""Intake pages: the intake table (lines validated one by one without a page reload, the
receipt saved once with an idempotency key), the receipts list, one receipt, its printable
thank-you and PDF, the thank-you e-mail and corrections."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.core.models import AuditEntry, Site
from kindred.core.numbers import parse_id
from kindred.core.roles import Action
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import form_error, paginate

from .. import pdf_receipt
from ..forms.intake import CorrectionForm, IntakeForm, build_line, line_rows
from ..models import DonationLine, DonationReceipt, Grade, ItemType, Location
from ..queries import intake as queries
from ..services import intake as services

ORG = "o/<slug:org_slug>/goods/"
SITE_KEY = "goods_intake_site"  # the last site used at the intake table, per browser session


def _sites(request: HttpRequest) -> list[Site]:
    return list(Site.objects.filter(organization=request.org, archived=False).order_by("name"))


def _receipt(request: HttpRequest, receipt_id: int) -> DonationReceipt:
    return get_object_or_404(
        DonationReceipt.objects.select_related("site", "donor_person", "donor_contact"),
        organization=request.org,
        pk=receipt_id,
    )


def _row_context(org, row: dict, *, site, error: DomainError | None = None) -> dict:
    """What one line row shows (a validated line, or one with its error)."""
    context = {
        "kg": "",
        "unit": "",
        "unit_label": "",
        "one_off": False,
        "description": "",
        "weight_kg": "",
        **row,
    }
    context["error"] = error.message if error else ""
    context["error_field"] = (error.field or "").rsplit(".", 1)[-1] if error else ""
    item_type = queries.find_item_type(org, row.get("item_type", ""))
    context["label"] = str(item_type.label) if item_type else row.get("item_type", "")
    if item_type is not None:
        context["item_type"] = item_type.pk
        context["one_off"] = item_type.one_off
        context["unit"] = item_type.unit
        context["unit_label"] = item_type.get_unit_display()
    context["grade_label"] = dict(Grade.choices).get(row.get("grade") or "", "")
    location_id = parse_id(row.get("location"))
    location = (
        Location.objects.filter(organization=org, pk=location_id).first() if location_id else None
    )
    context["location_label"] = location.label if location else ""
    return context


def _clean_row(org, site, row: dict, *, files=None, position: int = 0) -> dict:
    """Validate one line (raises DomainError naming lines.<position>.<field>) and return
    what its row shows."""
    line = build_line(
        org,
        row,
        files=files,
        position=position,
        default_location=queries.default_location(site),
    )
    clean = services.clean_line(org=org, site=site, line=line, index=position)
    return {
        **row,
        "item_type": clean.item_type.pk,
        "label": str(clean.item_type.label),
        "size": clean.size,
        "grade": clean.grade,
        "grade_label": dict(Grade.choices)[clean.grade],
        "quantity": f"{clean.quantity.normalize():f}",
        "unit": clean.item_type.unit,
        "unit_label": clean.item_type.get_unit_display(),
        "location": clean.location.pk,
        "location_label": clean.location.label,
        "weight_kg": "" if clean.weight_kg is None else f"{clean.weight_kg.normalize():f}",
        "kg": f"{queries.line_weight(clean).quantize(Decimal('0.001')).normalize():f}",
        "description": clean.description,
        "one_off": clean.item_type.one_off,
        "error": "",
    }


def _intake_context(request, form, rows, site) -> dict:
    org = request.org
    locations = list(queries.intake_locations(org))
    sites = _sites(request)
    defaults = {s.pk: getattr(queries.default_location(s), "pk", "") for s in sites}
    return {
        "form": form,
        "rows": rows,
        "site": site,
        "sites": sites,
        "catalogue": queries.intake_catalogue(org),
        "locations": locations,
        "default_locations": defaults,
        "grades": Grade.choices,
        "next_index": max((r["index"] for r in rows), default=-1) + 1,
    }


@org_view(Action.RECORD_INTAKE)
def intake(request: HttpRequest) -> HttpResponse:
    """The intake table: one donor, many lines, one save."""
    org = request.org
    sites = _sites(request)
    if not sites:
        return render(request, "goods/intake.html", {"no_sites": True})
    by_pk = {s.pk: s for s in sites}
    remembered = request.session.get(SITE_KEY)
    chosen = request.GET.get("site", "")
    initial_site = by_pk.get(int(chosen)) if chosen.isdigit() and len(chosen) < 19 else None
    initial_site = initial_site or by_pk.get(remembered) or sites[0]
    form = IntakeForm(
        request.POST or None,
        sites=sites,
        initial={
            "site": initial_site.pk,
            "received_on": timezone.localdate(),
            "channel": DonationReceipt.Channel.DROP_OFF,
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    rows: list[dict] = []
    site = initial_site
    status = 200
    if request.method == "POST":
        status = 400
        raw_rows = line_rows(request.POST)
        site = by_pk.get(parse_id(request.POST.get("site"))) or initial_site
        rows = [_row_context(org, r, site=site) for r in raw_rows]
        if form.is_valid():
            site = by_pk[form.cleaned_data["site"]]
            receipt, status = _save_intake(request, form, raw_rows, rows, site)
            if receipt is not None:
                request.session[SITE_KEY] = site.pk
                if getattr(receipt, "replayed", False):
                    messages.info(request, _("This donation was already saved."))
                else:
                    messages.success(
                        request,
                        _("Receipt %(number)s saved.") % {"number": receipt.reference},
                    )
                url = redirect("goods:receipt", org_slug=org.slug, receipt_id=receipt.pk).url
                return redirect(url + "?saved=1")
        if not rows:  # with the other errors, not in a second round
            form.add_error(None, _("Add at least one line."))
    context = _intake_context(request, form, rows, site)
    return render(request, "goods/intake.html", context, status=status)


def _save_intake(request, form, raw_rows, rows, site) -> tuple[DonationReceipt | None, int]:
    """The saved receipt, or None with the refusal's status (the errors are on the form)."""
    org = request.org
    data = form.cleaned_data
    if not raw_rows:
        form.add_error(None, _("Add at least one line."))
        return None, 400
    kind = data.get("donor_kind") or ""
    name = data.get("donor", "").strip()
    kinds = DonationReceipt.DonorKind
    if kind not in (kinds.PERSON, kinds.CONTACT):
        # The type-ahead chose nobody: what was typed is a named donor, nothing anonymous.
        kind = kinds.NAMED if name else kinds.ANONYMOUS
    try:
        lines = []
        default = queries.default_location(site)
        for position, row in enumerate(raw_rows):
            lines.append(
                build_line(
                    org, row, files=request.FILES, position=position, default_location=default
                )
            )
        receipt = services.record_donation(
            org=org,
            membership=request.membership,
            command=services.RecordReceipt(
                site_id=site.pk,
                lines=lines,
                donor=services.DonorIn(
                    kind=kind,
                    person_id=parse_id(data.get("donor_person")),
                    contact_id=parse_id(data.get("donor_contact")),
                    name=name,
                ),
                channel=data["channel"],
                received_on=data["received_on"],
                note=data.get("note", ""),
                idempotency_key=data["idempotency_key"],
            ),
        )
    except DomainError as error:
        field = error.field or ""
        if field.startswith("lines."):
            parts = field.split(".")
            position = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
            if 0 <= position < len(rows):
                rows[position]["error"] = error.message
                rows[position]["error_field"] = parts[-1]
                form.add_error(None, _("A line needs your attention: see below."))
                return None, error.status
        mapped = {
            "donor_person_id": "donor",
            "donor_contact_id": "donor",
            "donor_name": "donor",
            "site_id": "site",
        }
        error.field = mapped.get(field, field)
        form_error(form, error)
        return None, error.status
    return receipt, 201


@require_POST
@org_view(Action.RECORD_INTAKE)
def intake_line(request: HttpRequest) -> HttpResponse:
    """Validate one line of the intake table and answer its row (nothing is saved)."""
    org = request.org
    site = Site.objects.filter(organization=org, pk=parse_id(request.POST.get("site"))).first()
    if site is None:
        return render(
            request,
            "goods/_intake_line_error.html",
            {"message": _("Choose a site of this organisation."), "field": "site"},
            status=422,
        )
    index = parse_id(request.POST.get("index")) or 0
    row = {
        f: (request.POST.get(f) or "").strip()
        for f in ("item_type", "size", "grade", "quantity", "location", "weight_kg", "description")
    }
    row.update(index=min(index, 9999), position=0)
    try:
        context = _clean_row(org, site, row)
    except DomainError as error:
        return render(
            request,
            "goods/_intake_line_error.html",
            {"message": error.message, "field": (error.field or "").rsplit(".", 1)[-1]},
            status=422,
        )
    return render(request, "goods/_intake_row.html", {"row": context})


@org_view(Action.RECORD_INTAKE)
def intake_donors(request: HttpRequest) -> HttpResponse:
    """The donor type-ahead's suggestions (names only) as <option> elements."""
    text = request.GET.get("q", "")[:100]
    donors = queries.search_donors(request.org, request.membership, text)
    return render(request, "goods/_intake_donors.html", {"donors": donors})


# Receipts ----------------------------------------------------------------------------------


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@org_view(Action.VIEW_STOCK)
def receipt_list(request: HttpRequest) -> HttpResponse:
    org = request.org
    q = request.GET.get("q", "").strip()[:100]
    site = parse_id(request.GET.get("site"))
    channel = request.GET.get("channel", "")
    channel = channel if channel in DonationReceipt.Channel.values else ""
    date_from = _date(request.GET.get("from", ""))
    date_to = _date(request.GET.get("to", ""))
    sort = request.GET.get("sort", "newest")
    sort = sort if sort in queries.RECEIPT_SORTS else "newest"
    qs = queries.receipts(
        org,
        search=q,
        site=site,
        channel=channel,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
    )
    context = {
        "page": paginate(request, qs),
        "q": q,
        "site_id": site,
        "sites": Site.objects.filter(organization=org).order_by("name"),
        "channel": channel,
        "channels": DonationReceipt.Channel.choices,
        "date_from": date_from,
        "date_to": date_to,
        "sort": sort,
        "filtered": bool(q or site or channel or date_from or date_to),
    }
    template = "goods/_receipt_rows.html" if request.htmx else "goods/receipt_list.html"
    return render(request, template, context)


@org_view(Action.VIEW_STOCK)
def receipt_detail(request: HttpRequest, receipt_id: int) -> HttpResponse:
    receipt = _receipt(request, receipt_id)
    lines = list(queries.receipt_lines(receipt))
    for line in lines:
        line.kg = queries.line_weight(line)
    corrections = [
        e for e in _audit_entries(request.org, receipt) if e.action == "receipt.corrected"
    ]
    return render(
        request,
        "goods/receipt_detail.html",
        {
            "receipt": receipt,
            "summary": queries.receipt_summary(receipt),
            "lines": lines,
            "movements": queries.receipt_movements(receipt),
            "corrections": corrections,
            "recipient": services.thank_you_recipient(receipt),
            "saved": request.GET.get("saved") == "1",
        },
    )


def _audit_entries(org, receipt):
    return AuditEntry.objects.filter(
        organization=org,
        object_type=DonationReceipt._meta.label_lower,
        object_id=str(receipt.pk),
    ).order_by("pk")


@org_view(Action.VIEW_STOCK)
def receipt_print(request: HttpRequest, receipt_id: int) -> HttpResponse:
    receipt = _receipt(request, receipt_id)
    return render(
        request,
        "goods/receipt_print.html",
        {"receipt": receipt, "summary": queries.receipt_summary(receipt), "org": request.org},
    )


@org_view(Action.VIEW_STOCK)
def receipt_pdf(request: HttpRequest, receipt_id: int) -> HttpResponse:
    receipt = _receipt(request, receipt_id)
    data = pdf_receipt.render(queries.receipt_summary(receipt))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{receipt.reference}.pdf"'
    return response


@require_POST
@org_view(Action.RECORD_INTAKE)
def receipt_thank(request: HttpRequest, receipt_id: int) -> HttpResponse:
    receipt = _receipt(request, receipt_id)
    try:
        services.send_thank_you(org=request.org, receipt=receipt, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The thank-you e-mail is on its way."))
    return redirect("goods:receipt", org_slug=request.org.slug, receipt_id=receipt.pk)


@org_view(Action.ADJUST_STOCK)
def receipt_correct(request: HttpRequest, receipt_id: int) -> HttpResponse:
    """Replace a receipt's lines: the current ones are reversed, the new ones recorded."""
    org = request.org
    receipt = _receipt(request, receipt_id)
    site = receipt.site
    form = CorrectionForm(request.POST or None)
    if request.method == "POST":
        raw_rows = [r for r in line_rows(request.POST) if r["item_type"]]
        rows = [_row_context(org, r, site=site) for r in raw_rows]
        if form.is_valid():
            try:
                lines = [
                    build_line(org, row, position=i, files=request.FILES)
                    for i, row in enumerate(raw_rows)
                ]
                services.correct_receipt(
                    org=org,
                    receipt=receipt,
                    lines=lines,
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except DomainError as error:
                parts = (error.field or "").split(".")
                position = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else -1
                if 0 <= position < len(rows):
                    rows[position]["error"] = error.message
                    form.add_error(None, _("A line needs your attention: see below."))
                else:
                    form_error(form, error)
            else:
                messages.success(
                    request, _("Receipt %(number)s corrected.") % {"number": receipt.reference}
                )
                return redirect("goods:receipt", org_slug=org.slug, receipt_id=receipt.pk)
    else:
        rows = [
            {
                "index": i,
                "position": i,
                "item_type": line.item_type_id,
                "size": line.size,
                "grade": line.grade,
                "quantity": f"{line.quantity.normalize():f}",
                "location": line.location_id,
                "weight_kg": "" if line.weight_kg is None else f"{line.weight_kg.normalize():f}",
                "description": line.description,
                "error": "",
            }
            for i, line in enumerate(
                DonationLine.objects.filter(receipt=receipt, voided=False).order_by(
                    "position", "pk"
                )
            )
        ]
    blank = {
        "item_type": "",
        "size": "",
        "grade": Grade.GOOD,
        "quantity": "",
        "location": "",
        "weight_kg": "",
        "description": "",
        "error": "",
    }
    start = max((r["index"] for r in rows), default=-1) + 1
    rows = rows + [{**blank, "index": start + n, "position": start + n} for n in range(3)]
    types = ItemType.objects.filter(organization=org, hidden=False).select_related("category")
    return render(
        request,
        "goods/receipt_correct.html",
        {
            "receipt": receipt,
            "form": form,
            "rows": rows,
            "item_types": sorted(types, key=lambda t: (t.category.position, str(t.label))),
            "locations": [loc for loc in queries.intake_locations(org) if loc.site_id == site.pk],
            "grades": Grade.choices,
        },
    )


urlpatterns = [
    path(ORG + "intake/", intake, name="intake"),
    path(ORG + "intake/line/", intake_line, name="intake-line"),
    path(ORG + "intake/donors/", intake_donors, name="intake-donors"),
    path(ORG + "receipts/", receipt_list, name="receipts"),
    path(ORG + "receipts/<int:receipt_id>/", receipt_detail, name="receipt"),
    path(ORG + "receipts/<int:receipt_id>/print/", receipt_print, name="receipt-print"),
    path(ORG + "receipts/<int:receipt_id>/pdf/", receipt_pdf, name="receipt-pdf"),
    path(ORG + "receipts/<int:receipt_id>/thank/", receipt_thank, name="receipt-thank"),
    path(ORG + "receipts/<int:receipt_id>/correct/", receipt_correct, name="receipt-correct"),
]
