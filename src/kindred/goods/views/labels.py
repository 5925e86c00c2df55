"""Labels, the scan page, and the pages a label's QR code opens: a location's and a one-off
item's. Photos of items are streamed to members only (never from a public media URL)."""

import mimetypes

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from kindred.core.models import Site
from kindred.core.numbers import parse_id
from kindred.core.roles import Action, can
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import form_error, paginate

from .. import labels as sheet
from ..forms.labels import LabelSheetForm, ScanForm
from ..models import ItemType, Location, OneOffItem
from ..queries import labels as queries

ORG = "o/<slug:org_slug>/goods/"


# Choosing and printing labels --------------------------------------------------------------


@org_view(Action.VIEW_STOCK)
def label_choose(request: HttpRequest) -> HttpResponse:
    org = request.org
    show = "items" if request.GET.get("show") == "items" else "locations"
    q = request.GET.get("q", "").strip()
    context: dict = {"show": show, "q": q, "sheet_form": LabelSheetForm()}
    if show == "locations":
        sites = list(Site.objects.filter(organization=org, archived=False).order_by("name"))
        site_id = parse_id(request.GET.get("site"))
        site_id = site_id if site_id in {s.pk for s in sites} else None
        kind = request.GET.get("kind", "")
        kind = kind if kind in Location.Kind.values and kind != Location.Kind.TRANSIT else ""
        sort = request.GET.get("sort", "name")
        sort = sort if sort in queries.LOCATION_SORTS else "name"
        qs = queries.label_locations(org, site_id=site_id, kind=kind, search=q, sort=sort)
        page = paginate(request, qs, size=50)
        paths = queries.location_paths(org, page.object_list)
        rows = [(loc, queries.path_text(paths[loc.pk][:-1])) for loc in page.object_list]
        kinds = [(v, label) for v, label in Location.Kind.choices if v != Location.Kind.TRANSIT]
        context |= {
            "sites": sites,
            "site_id": site_id,
            "kinds": kinds,
            "kind": kind,
            "sort": sort,
            "filtered": bool(q or site_id or kind),
        }
    else:
        types = list(
            ItemType.objects.filter(
                organization=org,
                pk__in=OneOffItem.objects.filter(organization=org).values("item_type"),
            )
        )
        type_id = parse_id(request.GET.get("item_type"))
        type_id = type_id if type_id in {t.pk for t in types} else None
        status = request.GET.get("status", "")
        status = status if status in OneOffItem.Status.values else ""
        sort = request.GET.get("sort", "newest")
        sort = sort if sort in queries.ITEM_SORTS else "newest"
        qs = queries.label_items(org, item_type_id=type_id, status=status, search=q, sort=sort)
        page = paginate(request, qs, size=50)
        rows = list(page.object_list)
        context |= {
            "item_types": sorted(types, key=lambda t: str(t.label)),
            "item_type_id": type_id,
            "statuses": OneOffItem.Status.choices,
            "status": status,
            "sort": sort,
            "filtered": bool(q or type_id or status),
        }
    context |= {"page": page, "rows": rows}
    template = "goods/labels_rows.html" if request.htmx else "goods/labels.html"
    return render(request, template, context)


@org_view(Action.VIEW_STOCK)
def label_pdf(request: HttpRequest) -> HttpResponse:
    org = request.org
    form = LabelSheetForm(request.GET)
    try:
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            raise DomainError(errors[0], field=field)
        locations, items = queries.chosen_for_labels(
            org,
            location_ids=request.GET.getlist("location"),
            item_ids=request.GET.getlist("item"),
        )
    except DomainError as error:
        return render(
            request,
            "goods/labels_error.html",
            {"message": error.message},
            status=error.status,
        )
    base_url = request.build_absolute_uri("/")
    paths = queries.location_paths(org, locations)
    labels = [
        sheet.location_label(
            loc,
            org_slug=org.slug,
            base_url=base_url,
            path=queries.path_text(paths[loc.pk][:-1]),
        )
        for loc in locations
    ] + [sheet.item_label(item, org_slug=org.slug, base_url=base_url) for item in items]
    pdf = sheet.render(labels, layout=form.cleaned_data["layout"], skip=form.cleaned_data["skip"])
    response = HttpResponse(pdf, content_type="application/pdf")
    first = (locations or items)[0].code
    response["Content-Disposition"] = f'inline; filename="labels-{org.slug}-{first}.pdf"'
    return response


# Scanning ----------------------------------------------------------------------------------


@org_view(Action.VIEW_STOCK)
def scan(request: HttpRequest) -> HttpResponse:
    """A handheld scanner types the label's URL and Enter; a phone's camera (scan.js) fills
    the same field. Either way the form lands here and is sent on to the page."""
    data = request.POST if request.method == "POST" else request.GET
    form = ScanForm(data if request.method == "POST" or data.get("code") else None)
    status = 200
    if form.is_bound and form.is_valid():
        try:
            target = queries.resolve_scan(request.org, form.cleaned_data["code"])
        except DomainError as error:
            form_error(form, error)
            status = error.status
        else:
            return redirect(target.route, org_slug=request.org.slug, **target.kwargs)
    return render(request, "goods/scan.html", {"form": form}, status=status)


# The pages a label opens -------------------------------------------------------------------


@org_view(Action.VIEW_STOCK)
def location_detail(request: HttpRequest, location_id: int) -> HttpResponse:
    org = request.org
    location = get_object_or_404(
        Location.objects.select_related("site", "parent"), organization=org, pk=location_id
    )
    page = queries.location_page(org, location)
    transfer_url = None
    if can(request.role, Action.MOVE_STOCK) and page.stock:
        # The transfer form (views/operations.py) preselects its from_location.
        new_transfer = reverse("goods:transfer-new", kwargs={"org_slug": org.slug})
        transfer_url = f"{new_transfer}?from_location={location.pk}"
    return render(
        request,
        "goods/location_detail.html",
        {
            "location": location,
            "page": page,
            "label_url": reverse("goods:labels-pdf", kwargs={"org_slug": org.slug}),
            "transfer_url": transfer_url,
        },
    )


def _item(request: HttpRequest, item_id: int) -> OneOffItem:
    return get_object_or_404(
        OneOffItem.objects.select_related(
            "item_type", "location", "location__site", "line", "line__receipt"
        ),
        organization=request.org,
        pk=item_id,
    )


@org_view(Action.VIEW_STOCK)
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    org = request.org
    item = _item(request, item_id)
    receipt = item.line.receipt if item.line_id else None
    receipt_url = receipt and reverse(
        "goods:receipt", kwargs={"org_slug": org.slug, "receipt_id": receipt.pk}
    )
    path = ""
    if item.location_id:
        path = queries.path_text(queries.location_paths(org, [item.location])[item.location_id])
    return render(
        request,
        "goods/item_detail.html",
        {
            "item": item,
            "receipt": receipt,
            "receipt_url": receipt_url,
            "location_path": path,
            "label_url": reverse("goods:labels-pdf", kwargs={"org_slug": org.slug}),
        },
    )


@org_view(Action.VIEW_STOCK)
def item_photo(request: HttpRequest, item_id: int) -> HttpResponse:
    """The item's photo, to members only: uploads are not published under MEDIA_URL."""
    item = _item(request, item_id)
    if not item.photo:
        raise Http404(_("This item has no photo."))
    try:
        handle = item.photo.open("rb")
    except FileNotFoundError:
        raise Http404(_("This item has no photo.")) from None
    content_type = mimetypes.guess_type(item.photo.name)[0] or "application/octet-stream"
    if not content_type.startswith("image/"):
        content_type = "application/octet-stream"  # never render an upload as a page
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


urlpatterns = [
    path(ORG + "labels/", label_choose, name="labels"),
    path(ORG + "labels/print/", label_pdf, name="labels-pdf"),
    path(ORG + "scan/", scan, name="scan"),
    path(ORG + "locations/<int:location_id>/", location_detail, name="location"),
    path(ORG + "items/<int:item_id>/", item_detail, name="item"),
    path(ORG + "items/<int:item_id>/photo/", item_photo, name="item-photo"),
]
