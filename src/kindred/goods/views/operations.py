"""Pages for sortings, transfers, stock counts, disposal lots and corrections: parse,
authorise (org_view), call one service or query, answer. A service's StockError is shown
on the field (or line) it names, with the form kept as typed."""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.core.models import Site
from kindred.core.roles import Action, can
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import form_error, paginate

from .. import services
from ..forms.operations import (
    CountExtraForm,
    CountSheetForm,
    CountStartForm,
    DisposalForm,
    DisposalLineForm,
    ListFilterForm,
    ReverseForm,
    SortingForm,
    SortingLineForm,
    StockLineForm,
    TransferForm,
    filled,
    line_formset,
)
from ..models import DisposalLot, Sorting, StockCount, Stream, Transfer
from ..pdf_waybill import render as render_waybill
from ..queries import operations as queries

ORG = "o/<slug:org_slug>/goods/"

_LINE_FIELD = re.compile(r"^(lines|extra)\.(\d+)\.(\w+)$")


def _show_error(error: DomainError, form, formsets: dict | None = None, sheet=None) -> None:
    """Put a service's error on the field it names: `lines.<n>.<field>` on the n-th filled
    line of a formset, `counted.<id>` on a count-sheet line, else on the form."""
    match = _LINE_FIELD.match(error.field or "")
    if match and formsets and match[1] in formsets:
        formset, indices = formsets[match[1]]
        number = int(match[2])
        if number < len(indices):
            line = formset.forms[indices[number]]
            name = match[3]
            line.add_error(name if name in line.fields else None, error.message)
            return
    if sheet is not None and (error.field or "").startswith("counted."):
        name = "line-" + error.field.split(".", 1)[1]
        if name in sheet.fields:
            sheet.add_error(name, error.message)
            return
    form_error(form, error)


def _filters(request: HttpRequest, statuses) -> tuple[dict, dict]:
    form = ListFilterForm(request.GET)
    values = form.values()
    if values["status"] not in {value for value, _label in statuses}:
        values["status"] = ""
    context = {
        "q": values["search"],
        "site": values["site_id"] or "",
        "status": values["status"],
        "date_from": values["date_from"].isoformat() if values["date_from"] else "",
        "date_to": values["date_to"].isoformat() if values["date_to"] else "",
        "sort": values["sort"],
        "sites": Site.objects.filter(organization=request.org).order_by("name"),
        "statuses": statuses,
        "filtered": any(
            [values["search"], values["site_id"], values["status"], values["date_from"]]
        )
        or bool(values["date_to"]),
    }
    return values, context


def _query_args(values: dict) -> dict:
    """The keyword arguments every operations list query takes, from the filter form."""
    return {k: values[k] for k in ("search", "site_id", "date_from", "date_to", "sort")}


def _list(request: HttpRequest, qs, context: dict, page: str, rows: str) -> HttpResponse:
    context["page"] = paginate(request, qs)
    return render(request, rows if request.htmx else page, context)


def _document_context(request: HttpRequest, document_type: str, document_id: int) -> dict:
    org = request.org
    return {
        "movements": queries.document_movements(org, document_type, document_id),
        "corrections": queries.document_corrections(org, document_type, document_id),
        "reverse_form": ReverseForm(
            initial={
                "document_type": document_type,
                "document_id": document_id,
                "next": request.path,
            }
        )
        if can(request.role, Action.ADJUST_STOCK)
        and queries.reversible(org, document_type, document_id)
        else None,
    }


# Sortings -----------------------------------------------------------------------------------


@org_view(Action.VIEW_STOCK)
def sorting_list(request: HttpRequest) -> HttpResponse:
    values, context = _filters(request, [])
    qs = queries.sortings(
        request.org,
        **_query_args(values),
    )
    context["sorts"] = [
        ("newest", _("Newest first")),
        ("oldest", _("Oldest first")),
        ("weight", _("Heaviest first")),
    ]
    return _list(request, qs, context, "goods/sorting_list.html", "goods/sorting_rows.html")


@org_view(Action.MOVE_STOCK)
def sorting_new(request: HttpRequest) -> HttpResponse:
    org = request.org
    data = request.POST if request.method == "POST" else None
    form = SortingForm(data, org=org)
    lines = line_formset(SortingLineForm, org=org, data=data)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and lines.is_valid():
            chosen = filled(lines)
            try:
                sorting = services.record_sorting(
                    org=org,
                    source_location=form.cleaned_data["source_location"],
                    source_item_type=form.cleaned_data["source_item_type"],
                    source_grade=form.cleaned_data["source_grade"],
                    weight_kg=form.cleaned_data["weight_kg"],
                    note=form.cleaned_data["note"],
                    lines=[
                        services.SortingLineIn(
                            stream=d["stream"],
                            item_type=d.get("item_type"),
                            size=d.get("size") or "",
                            grade=d.get("grade") or "",
                            quantity=d.get("quantity"),
                            weight_kg=d.get("weight_kg"),
                            location=d.get("location"),
                        )
                        for _i, d in chosen
                    ],
                    actor=request.user,
                )
            except DomainError as error:
                _show_error(error, form, {"lines": (lines, [i for i, _d in chosen])})
                status = error.status
            else:
                messages.success(
                    request, _("Sorting %(ref)s recorded.") % {"ref": sorting.reference}
                )
                return redirect("goods:sorting", org_slug=org.slug, sorting_id=sorting.pk)
    context = {"form": form, "lines": lines, "streams": Stream.choices}
    return render(request, "goods/sorting_form.html", context, status=status)


@org_view(Action.VIEW_STOCK)
def sorting_detail(request: HttpRequest, sorting_id: int) -> HttpResponse:
    sorting = get_object_or_404(
        Sorting.objects.select_related(
            "site", "source_location__site", "source_item_type", "created_by"
        ),
        pk=sorting_id,
    )
    context = {
        "sorting": sorting,
        "balance": queries.sorting_balance(sorting),
        **_document_context(request, "sorting", sorting.pk),
    }
    return render(request, "goods/sorting_detail.html", context)


# Transfers ----------------------------------------------------------------------------------


@org_view(Action.VIEW_STOCK)
def transfer_list(request: HttpRequest) -> HttpResponse:
    values, context = _filters(request, Transfer.Status.choices)
    qs = queries.transfers(
        request.org,
        status=values["status"],
        **_query_args(values),
    )
    context["sorts"] = [("newest", _("Newest first")), ("oldest", _("Oldest first"))]
    return _list(request, qs, context, "goods/transfer_list.html", "goods/transfer_rows.html")


@org_view(Action.MOVE_STOCK)
def transfer_new(request: HttpRequest) -> HttpResponse:
    org = request.org
    data = request.POST if request.method == "POST" else None
    initial = {}
    for name in ("from_location", "to_location"):
        if request.GET.get(name, "").isdigit():
            initial[name] = int(request.GET[name])
    form = TransferForm(data, org=org, initial=initial)
    lines = line_formset(StockLineForm, org=org, data=data)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and lines.is_valid():
            chosen = filled(lines)
            try:
                transfer = services.send_transfer(
                    org=org,
                    from_location=form.cleaned_data["from_location"],
                    to_location=form.cleaned_data["to_location"],
                    note=form.cleaned_data["note"],
                    lines=[
                        services.TransferLineIn(
                            item_type=d["item_type"],
                            size=d.get("size") or "",
                            grade=d["grade"],
                            quantity=d["quantity"],
                        )
                        for _i, d in chosen
                    ],
                    actor=request.user,
                )
            except DomainError as error:
                _show_error(error, form, {"lines": (lines, [i for i, _d in chosen])})
                status = error.status
            else:
                if transfer.status == Transfer.Status.DONE:
                    text = _("Transfer %(ref)s done: the goods are in place.")
                else:
                    text = _("Transfer %(ref)s sent: the goods are in transit until received.")
                messages.success(request, text % {"ref": transfer.reference})
                return redirect("goods:transfer", org_slug=org.slug, transfer_id=transfer.pk)
    context = {"form": form, "lines": lines}
    return render(request, "goods/transfer_form.html", context, status=status)


def _transfer(transfer_id: int) -> Transfer:
    return get_object_or_404(
        Transfer.objects.select_related(
            "from_location__site", "to_location__site", "created_by", "received_by"
        ),
        pk=transfer_id,
    )


@org_view(Action.VIEW_STOCK)
def transfer_detail(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = _transfer(transfer_id)
    context = {
        "transfer": transfer,
        "lines": transfer.lines.select_related("item_type"),
        **_document_context(request, "transfer", transfer.pk),
    }
    return render(request, "goods/transfer_detail.html", context)


@require_POST
@org_view(Action.MOVE_STOCK)
def transfer_receive(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = _transfer(transfer_id)
    try:
        services.receive_transfer(org=request.org, transfer=transfer, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        context = {
            "transfer": _transfer(transfer_id),
            "lines": transfer.lines.select_related("item_type"),
            **_document_context(request, "transfer", transfer.pk),
        }
        return render(request, "goods/transfer_detail.html", context, status=error.status)
    messages.success(request, _("Received: the goods are in place."))
    return redirect("goods:transfer", org_slug=request.org.slug, transfer_id=transfer.pk)


# Stock counts -------------------------------------------------------------------------------


@org_view(Action.VIEW_STOCK)
def count_list(request: HttpRequest) -> HttpResponse:
    values, context = _filters(request, StockCount.Status.choices)
    qs = queries.counts(
        request.org,
        status=values["status"],
        **_query_args(values),
    )
    context["sorts"] = [("newest", _("Newest first")), ("oldest", _("Oldest first"))]
    return _list(request, qs, context, "goods/count_list.html", "goods/count_rows.html")


@org_view(Action.MOVE_STOCK)
def count_new(request: HttpRequest) -> HttpResponse:
    org = request.org
    initial = {}
    if request.GET.get("location", "").isdigit():
        initial["location"] = int(request.GET["location"])
    form = CountStartForm(request.POST or None, org=org, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                count = services.start_count(
                    org=org,
                    location=form.cleaned_data["location"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except DomainError as error:
                form_error(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("Count %(ref)s started: enter what you find.") % {"ref": count.reference},
                )
                return redirect("goods:count", org_slug=org.slug, count_id=count.pk)
    return render(request, "goods/count_new.html", {"form": form}, status=status)


def _count(count_id: int) -> StockCount:
    return get_object_or_404(
        StockCount.objects.select_related("location__site", "created_by", "approved_by"),
        pk=count_id,
    )


def _count_page(
    request: HttpRequest, count: StockCount, *, sheet=None, extra=None, status: int = 200
) -> HttpResponse:
    rows = queries.count_sheet(count)
    is_open = count.status == StockCount.Status.OPEN
    if is_open and sheet is None:
        sheet = CountSheetForm(lines=[row.line for row in rows])
    if is_open and extra is None:
        extra = line_formset(CountExtraForm, org=request.org, prefix="extra", extra=2)
    context = {
        "count": count,
        "rows": rows,
        "sheet": sheet,
        "sheet_rows": [(row, sheet[f"line-{row.line.pk}"]) for row in rows] if sheet else [],
        "extra": extra,
        "is_open": is_open,
        "counted": [row for row in rows if row.line.counted is not None],
        "differences": [row for row in rows if row.difference],
        **_document_context(request, "count", count.pk),
    }
    return render(request, "goods/count_detail.html", context, status=status)


@org_view(Action.VIEW_STOCK)
def count_detail(request: HttpRequest, count_id: int) -> HttpResponse:
    return _count_page(request, _count(count_id))


@require_POST
@org_view(Action.MOVE_STOCK)
def count_record(request: HttpRequest, count_id: int) -> HttpResponse:
    org = request.org
    count = _count(count_id)
    sheet = CountSheetForm(request.POST, lines=list(count.lines.select_related("item_type")))
    extra = line_formset(CountExtraForm, org=org, data=request.POST, prefix="extra", extra=2)
    if not (sheet.is_valid() and extra.is_valid()):
        return _count_page(request, count, sheet=sheet, extra=extra, status=400)
    chosen = filled(extra)
    try:
        services.record_counts(
            org=org,
            count=count,
            counted=sheet.counted(),
            extra=[
                services.CountLineIn(
                    item_type=d["item_type"],
                    size=d.get("size") or "",
                    grade=d["grade"],
                    counted=d["counted"],
                )
                for _i, d in chosen
            ],
            actor=request.user,
        )
    except DomainError as error:
        _show_error(error, sheet, {"extra": (extra, [i for i, _d in chosen])}, sheet=sheet)
        return _count_page(request, count, sheet=sheet, extra=extra, status=error.status)
    messages.success(request, _("Counts saved."))
    return redirect(
        reverse("goods:count", args=[org.slug, count.pk]) + "#review",
    )


@require_POST
@org_view(Action.ADJUST_STOCK)
def count_approve(request: HttpRequest, count_id: int) -> HttpResponse:
    count = _count(count_id)
    try:
        movements = services.approve_count(org=request.org, count=count, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _count_page(request, _count(count_id), status=error.status)
    messages.success(
        request,
        _("Count approved: %(n)s adjustments recorded.") % {"n": len(movements)},
    )
    return redirect("goods:count", org_slug=request.org.slug, count_id=count.pk)


@require_POST
@org_view(Action.ADJUST_STOCK)
def count_cancel(request: HttpRequest, count_id: int) -> HttpResponse:
    count = _count(count_id)
    try:
        services.cancel_count(org=request.org, count=count, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _count_page(request, _count(count_id), status=error.status)
    messages.success(request, _("Count cancelled; no stock was changed."))
    return redirect("goods:count", org_slug=request.org.slug, count_id=count.pk)


# Disposal -----------------------------------------------------------------------------------


@org_view(Action.VIEW_STOCK)
def disposal_list(request: HttpRequest) -> HttpResponse:
    values, context = _filters(request, DisposalLot.Kind.choices)
    qs = queries.disposals(
        request.org,
        kind=values["status"],
        **_query_args(values),
    )
    context["sorts"] = [
        ("newest", _("Newest first")),
        ("oldest", _("Oldest first")),
        ("date", _("By date")),
    ]
    return _list(request, qs, context, "goods/disposal_list.html", "goods/disposal_rows.html")


@org_view(Action.MOVE_STOCK)
def disposal_new(request: HttpRequest) -> HttpResponse:
    org = request.org
    data = request.POST if request.method == "POST" else None
    initial = {}
    if request.GET.get("kind") in DisposalLot.Kind.values:
        initial["kind"] = request.GET["kind"]
    form = DisposalForm(data, org=org, initial=initial)
    lines = line_formset(DisposalLineForm, org=org, data=data)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and lines.is_valid():
            chosen = filled(lines)
            d = form.cleaned_data
            try:
                lot = services.record_disposal(
                    org=org,
                    kind=d["kind"],
                    site=d["site"],
                    receiver_contact=d["receiver_contact"],
                    receiver_name=d["receiver_name"],
                    reason=d["reason"],
                    shipped_on=d["shipped_on"],
                    note=d["note"],
                    lines=[
                        services.DisposalLineIn(
                            item_type=line["item_type"],
                            size=line.get("size") or "",
                            grade=line["grade"],
                            location=line["location"],
                            quantity=line["quantity"],
                            weight_kg=line.get("weight_kg"),
                        )
                        for _i, line in chosen
                    ],
                    actor=request.user,
                )
            except DomainError as error:
                _show_error(error, form, {"lines": (lines, [i for i, _d in chosen])})
                status = error.status
            else:
                messages.success(request, _("Lot %(ref)s recorded.") % {"ref": lot.reference})
                return redirect("goods:disposal", org_slug=org.slug, disposal_id=lot.pk)
    context = {"form": form, "lines": lines}
    return render(request, "goods/disposal_form.html", context, status=status)


def _lot(disposal_id: int) -> DisposalLot:
    return get_object_or_404(
        DisposalLot.objects.select_related("site", "receiver_contact", "created_by"),
        pk=disposal_id,
    )


@org_view(Action.VIEW_STOCK)
def disposal_detail(request: HttpRequest, disposal_id: int) -> HttpResponse:
    lot = _lot(disposal_id)
    lines, total = queries.disposal_lines(lot)
    context = {
        "lot": lot,
        "lines": lines,
        "total_kg": total,
        **_document_context(request, "disposal", lot.pk),
    }
    return render(request, "goods/disposal_detail.html", context)


@org_view(Action.VIEW_STOCK)
def disposal_waybill(request: HttpRequest, disposal_id: int) -> HttpResponse:
    lot = _lot(disposal_id)
    lines, total = queries.disposal_lines(lot)
    response = HttpResponse(render_waybill(lot, lines, total), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="waybill-{lot.reference}.pdf"'
    return response


# Corrections --------------------------------------------------------------------------------

DOCUMENT_PAGES = {
    "sorting": ("goods:sorting", "sorting_id"),
    "transfer": ("goods:transfer", "transfer_id"),
    "count": ("goods:count", "count_id"),
    "disposal": ("goods:disposal", "disposal_id"),
}


def _back(request: HttpRequest, document_type: str, document_id: int, next_url: str) -> str:
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    if document_type in DOCUMENT_PAGES:
        name, kwarg = DOCUMENT_PAGES[document_type]
        return reverse(name, kwargs={"org_slug": request.org.slug, kwarg: document_id})
    return reverse("goods:sortings", args=[request.org.slug])


@require_POST
@org_view(Action.ADJUST_STOCK)
def document_reverse(request: HttpRequest) -> HttpResponse:
    """Reverse every movement of a past document (the form sits on each document's page)."""
    form = ReverseForm(request.POST)
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        try:
            movements = services.reverse_document(
                org=request.org,
                document_type=d["document_type"],
                document_id=d["document_id"],
                reason=d["reason"],
                actor=request.user,
            )
        except DomainError as error:
            # The document fields are hidden: their errors are shown on the whole form.
            form.add_error("reason" if error.field == "reason" else None, error.message)
            status = error.status
        else:
            messages.success(
                request,
                _(
                    "Reversed: %(n)s correction movements recorded. Record what is right as a "
                    "new document."
                )
                % {"n": len(movements)},
            )
            return redirect(_back(request, d["document_type"], d["document_id"], d["next"]))
    if any(name in form.errors for name in ("document_type", "document_id")):
        form.add_error(None, _("There is no such document."))
    back = None
    if form.is_bound and str(form.data.get("document_id", "")).isdigit():
        back = _back(
            request,
            form.data.get("document_type", ""),
            int(form.data["document_id"]),
            form.data.get("next", ""),
        )
    return render(
        request, "goods/document_reverse.html", {"form": form, "back": back}, status=status
    )


urlpatterns = [
    path(ORG + "sortings/", sorting_list, name="sortings"),
    path(ORG + "sortings/new/", sorting_new, name="sorting-new"),
    path(ORG + "sortings/<int:sorting_id>/", sorting_detail, name="sorting"),
    path(ORG + "transfers/", transfer_list, name="transfers"),
    path(ORG + "transfers/new/", transfer_new, name="transfer-new"),
    path(ORG + "transfers/<int:transfer_id>/", transfer_detail, name="transfer"),
    path(ORG + "transfers/<int:transfer_id>/receive/", transfer_receive, name="transfer-receive"),
    path(ORG + "counts/", count_list, name="counts"),
    path(ORG + "counts/new/", count_new, name="count-new"),
    path(ORG + "counts/<int:count_id>/", count_detail, name="count"),
    path(ORG + "counts/<int:count_id>/record/", count_record, name="count-record"),
    path(ORG + "counts/<int:count_id>/approve/", count_approve, name="count-approve"),
    path(ORG + "counts/<int:count_id>/cancel/", count_cancel, name="count-cancel"),
    path(ORG + "disposals/", disposal_list, name="disposals"),
    path(ORG + "disposals/new/", disposal_new, name="disposal-new"),
    path(ORG + "disposals/<int:disposal_id>/", disposal_detail, name="disposal"),
    path(
        ORG + "disposals/<int:disposal_id>/waybill.pdf", disposal_waybill, name="disposal-waybill"
    ),
    path(ORG + "documents/reverse/", document_reverse, name="document-reverse"),
]
