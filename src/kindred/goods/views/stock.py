"""Stock pages under /o/<org_slug>/goods/…: the current stock (filters, grouping, sorting,
totals, CSV/XLSX export), movement history, an item type's history, stock at a past date,
low stock, low-stock levels and the public needs list's settings."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.core.roles import Action
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import PAGE_SIZE, form_error, paginate

from .. import exports
from ..forms.stock import (
    LowStockForm,
    MovementFilterForm,
    NeedsSettingsForm,
    StockAtForm,
    StockFilterForm,
    ThresholdForm,
)
from ..models import ItemType, Threshold
from ..queries import stock as q
from ..services import thresholds as threshold_services

ORG = "o/<slug:org_slug>/goods/"


# The current stock -------------------------------------------------------------------------


def _grouped(org, f, group: str, rows: list, types) -> list[dict]:
    """The page's rows in their groups (location or category), each with the totals of the
    whole group (not only of this page): one aggregate query."""
    if group == "location":
        key = lambda row: row.location_id  # noqa: E731
        title = lambda row: str(row.location)  # noqa: E731
    else:
        key = lambda row: row.item_type.category_id  # noqa: E731
        title = lambda row: row.item_type.category.label  # noqa: E731
    sums = q.group_totals(org, f, group, {key(r) for r in rows}, types)
    groups: list[dict] = []
    for row in rows:
        if not groups or groups[-1]["key"] != key(row):
            groups.append(
                {"key": key(row), "title": title(row), "totals": sums.get(key(row)), "rows": []}
            )
        groups[-1]["rows"].append(row)
    return groups


@org_view(Action.VIEW_STOCK)
def stock_list(request: HttpRequest) -> HttpResponse:
    org = request.org
    form = StockFilterForm(request.GET or None, org=org)
    f, sort, group = form.stock_filter(), form.chosen_sort(), form.chosen_group()
    types = q.type_facts(org)
    if group == "item":
        page = paginate(request, q.item_size_rows(org, f, sort=sort, types=types))
        page.object_list = q.attach_item_types(org, list(page.object_list))
        groups = None
    else:
        page = paginate(request, q.balances(org, f, sort=sort, group=group, types=types))
        page.object_list = list(page.object_list)
        if group:
            groups = _grouped(org, f, group, page.object_list, types)
        else:
            groups = [{"key": None, "title": "", "totals": None, "rows": page.object_list}]
    context = {
        "form": form,
        "filter": f,
        "sort": sort,
        "group": group,
        "page": page,
        "groups": groups,
        "totals": q.totals(org, f, types),
        "query": request.GET.urlencode(),
    }
    template = "goods/stock_rows.html" if request.htmx else "goods/stock.html"
    return render(request, template, context)


@org_view(Action.VIEW_STOCK)
def stock_export(request: HttpRequest) -> HttpResponse:
    form = StockFilterForm(request.GET or None, org=request.org)
    fmt = request.GET.get("format", "csv")
    fmt = fmt if fmt in exports.FORMATS else "csv"
    export = exports.export_stock(
        org=request.org,
        fmt=fmt,
        f=form.stock_filter(),
        sort=form.chosen_sort(),
        group=form.chosen_group(),
    )
    return FileResponse(
        export.file, as_attachment=True, filename=export.filename, content_type=export.content_type
    )


# Movements ---------------------------------------------------------------------------------


def _movement_page(request: HttpRequest, form: MovementFilterForm, **fixed):
    org = request.org
    f = form.movement_filter(org, **fixed)
    page = paginate(request, q.movements(org, f, oldest_first=form.oldest_first()))
    page.object_list = q.attach_documents(org, list(page.object_list), request.role)
    return page, f


@org_view(Action.VIEW_STOCK)
def movement_list(request: HttpRequest) -> HttpResponse:
    form = MovementFilterForm(request.GET or None, org=request.org)
    page, f = _movement_page(request, form)
    context = {"form": form, "page": page, "filter": f, "item_type": None}
    template = "goods/movement_rows.html" if request.htmx else "goods/movements.html"
    return render(request, template, context)


@org_view(Action.VIEW_STOCK)
def item_type_history(request: HttpRequest, item_type_id: int) -> HttpResponse:
    org = request.org
    item = get_object_or_404(
        ItemType.objects.filter(organization=org).select_related("category"), pk=item_type_id
    )
    form = MovementFilterForm(request.GET or None, org=org)
    page, f = _movement_page(request, form, item_type=item.pk)
    if request.htmx:
        context = {"form": form, "page": page, "filter": f, "item_type": item}
        return render(request, "goods/movement_rows.html", context)
    stock_filter = q.StockFilter(item_type=item.pk)
    rows = q.balances(org, stock_filter, sort="location")
    context = {
        "item": item,
        "form": form,
        "page": page,
        "filter": f,
        "item_type": item,
        "stock": rows[:500],
        "stock_more": len(rows) > 500,
        "totals": q.totals(org, stock_filter),
    }
    return render(request, "goods/stock_item_history.html", context)


# Stock at a past date ----------------------------------------------------------------------


@org_view(Action.VIEW_STOCK)
def stock_at(request: HttpRequest) -> HttpResponse:
    org = request.org
    form = StockAtForm(request.GET or None, org=org)
    result, page, day = None, None, None
    if request.GET and form.is_valid():
        day = form.cleaned_data["date"]
        # Today's stock "at the end of the day" is the stock now.
        when = min(q.end_of_day(day, timezone.get_current_timezone()), timezone.now())
        if day > timezone.localdate():
            form.add_error("date", _("Choose today or a day in the past."))
        else:
            data = form.cleaned_data
            result = q.stock_at_date(
                org,
                when,
                site=data["site"].pk if data.get("site") else None,
                category=data["category"].pk if data.get("category") else None,
                search=data.get("q") or "",
            )
            page = Paginator(result.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    elif not request.GET:
        form = StockAtForm(None, org=org, initial={"date": timezone.localdate()})
    context = {"form": form, "result": result, "page": page, "day": day}
    status = 400 if request.GET and form.errors else 200
    return render(request, "goods/stock_at.html", context, status=status)


# Low stock and levels ----------------------------------------------------------------------


@org_view(Action.VIEW_STOCK)
def low_stock(request: HttpRequest) -> HttpResponse:
    org = request.org
    form = LowStockForm(request.GET or None, org=org)
    data = form.valid_data()
    search = request.GET.get("q", "").strip()[:100]
    site = data["site"].pk if data.get("site") else None
    lows = q.low_stock(org, site=site)
    if search:
        needle = search.casefold()
        lows = [low for low in lows if needle in low.threshold.item_type.label.casefold()]
    sort = request.GET.get("sort", "item")
    if sort == "missing":
        lows.sort(key=lambda low: -low.missing)
    context = {
        "form": form,
        "q": search,
        "sort": "missing" if sort == "missing" else "item",
        "page": Paginator(lows, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "goods/stock_low.html", context)


def _threshold_page(request: HttpRequest, form: ThresholdForm, editing=None, status=200):
    org = request.org
    search = request.GET.get("q", "").strip()[:100]
    site_form = LowStockForm(request.GET or None, org=org)
    data = site_form.valid_data()
    levels = q.thresholds(org, site=data["site"].pk if data.get("site") else None)
    if search:
        needle = search.casefold()
        levels = [t for t in levels if needle in t.item_type.label.casefold()]
    available = {low.threshold.pk: low for low in q.available_by_threshold(org, levels)}
    page = Paginator(levels, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [available[t.pk] for t in page.object_list]
    context = {
        "form": form,
        "site_form": site_form,
        "q": search,
        "page": page,
        "editing": editing,
    }
    return render(request, "goods/thresholds.html", context, status=status)


@org_view(Action.MANAGE_CATALOGUE)
def threshold_list(request: HttpRequest) -> HttpResponse:
    org = request.org
    if request.method == "POST":
        form = ThresholdForm(request.POST, org=org)
        if form.is_valid():
            data = form.cleaned_data
            try:
                threshold_services.set_threshold(
                    org=org,
                    item_type=form.item_type_obj(),
                    size=data["size"],
                    site=data["site"],
                    minimum=data["minimum"],
                    public=data["public"],
                    actor=request.user,
                )
            except DomainError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Low-stock level saved."))
                return redirect("goods:thresholds", org_slug=org.slug)
        return _threshold_page(request, form, status=400)
    editing = None
    edit = request.GET.get("edit", "")
    if edit.isdigit():
        editing = Threshold.objects.filter(organization=org, pk=int(edit)).first()
    initial = {"public": True}
    if editing is not None:
        initial = {
            "item_type": editing.item_type_id,
            "size": editing.size,
            "site": editing.site_id,
            "minimum": editing.minimum.normalize(),
            "public": editing.public,
        }
    elif request.GET.get("item_type", "").isdigit():
        initial["item_type"] = int(request.GET["item_type"])
    return _threshold_page(request, ThresholdForm(org=org, initial=initial), editing)


@require_POST
@org_view(Action.MANAGE_CATALOGUE)
def threshold_delete(request: HttpRequest, threshold_id: int) -> HttpResponse:
    org = request.org
    threshold = get_object_or_404(
        Threshold.objects.filter(organization=org).select_related("item_type"), pk=threshold_id
    )
    threshold_services.delete_threshold(org=org, threshold=threshold, actor=request.user)
    messages.success(request, _("Low-stock level removed."))
    return redirect("goods:thresholds", org_slug=org.slug)


@org_view(Action.MANAGE_CATALOGUE)
def needs_settings(request: HttpRequest) -> HttpResponse:
    org = request.org
    current = threshold_services.needs_settings(org)
    initial = {
        "public_needs": current.public_needs,
        "public_intro": current.public_intro,
        "thank_you_text": current.thank_you_text,
    }
    form = NeedsSettingsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                threshold_services.update_needs_settings(
                    org=org, actor=request.user, **form.cleaned_data
                )
            except DomainError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Needs list settings saved."))
                return redirect("goods:needs-settings", org_slug=org.slug)
        status = 400
    context = {
        "form": form,
        "settings": current,
        "public_url": request.build_absolute_uri(
            reverse("goods:public-needs", kwargs={"org_slug": org.slug})
        ),
        "needs": q.public_needs(org),
    }
    return render(request, "goods/needs_settings.html", context, status=status)


urlpatterns = [
    path(ORG + "stock/", stock_list, name="stock"),
    path(ORG + "stock/export/", stock_export, name="stock-export"),
    path(ORG + "stock/at/", stock_at, name="stock-at"),
    path(ORG + "stock/low/", low_stock, name="low-stock"),
    path(ORG + "stock/levels/", threshold_list, name="thresholds"),
    path(
        ORG + "stock/levels/<int:threshold_id>/delete/", threshold_delete, name="threshold-delete"
    ),
    path(ORG + "stock/types/<int:item_type_id>/", item_type_history, name="item-type-history"),
    path(ORG + "movements/", movement_list, name="movements"),
    path(ORG + "needs-list/", needs_settings, name="needs-settings"),
]
