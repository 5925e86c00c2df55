"""Catalogue and storage-location pages under /o/<org_slug>/goods/…: parse, authorise
(org_view), call one service or query, answer."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.core.models import Site
from kindred.core.numbers import parse_id
from kindred.core.roles import Action
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import form_error, paginate

from .. import services
from ..forms.catalogue import CategoryForm, ItemTypeForm, LocationForm
from ..models import Category, ItemType, Location, Unit
from ..queries import catalogue as queries
from ..sizes import SizeSystem

ORG = "o/<slug:org_slug>/goods/"
# The default catalogue has 74 item types: one page shows all of them.
CATALOGUE_PAGE_SIZE = 100
LOCATION_PAGE_SIZE = 100
LOCATION_SHOW = {"active": False, "archived": True, "all": None}


# Catalogue ---------------------------------------------------------------------------------


@org_view(Action.VIEW_STOCK)
def catalogue(request: HttpRequest) -> HttpResponse:
    org = request.org
    services.ensure_catalogue(org)
    q = request.GET.get("q", "").strip()[:200]
    tree = queries.category_tree(org)
    category_id = parse_id(request.GET.get("category"))
    if category_id not in {c.pk for c in tree}:
        category_id = None
    size_system = request.GET.get("sizes", "")
    size_system = size_system if size_system in SizeSystem.values else ""
    unit = request.GET.get("unit", "")
    unit = unit if unit in Unit.values else ""
    show_hidden = request.GET.get("hidden") == "1"
    sort = request.GET.get("sort", "category")
    sort = sort if sort in queries.CATALOGUE_SORTS else "category"
    rows = queries.catalogue_rows(
        org,
        search=q,
        category_id=category_id,
        size_system=size_system,
        unit=unit,
        show_hidden=show_hidden,
        sort=sort,
    )
    context = {
        "page": paginate(request, rows, CATALOGUE_PAGE_SIZE),
        "tree": tree,
        "q": q,
        "category": category_id,
        "sizes": size_system,
        "size_systems": SizeSystem.choices,
        "unit": unit,
        "units": Unit.choices,
        "show_hidden": show_hidden,
        "sort": sort,
        "grouped": sort == "category",
        "filtered": bool(q or category_id or size_system or unit),
    }
    template = "goods/_catalogue_rows.html" if request.htmx else "goods/catalogue.html"
    return render(request, template, context)


@org_view(Action.MANAGE_CATALOGUE)
def item_type_edit(request: HttpRequest, item_type_id: int | None = None) -> HttpResponse:
    org = request.org
    item_type = None
    if item_type_id is not None:
        item_type = get_object_or_404(ItemType.objects.filter(organization=org), pk=item_type_id)
    else:
        services.ensure_catalogue(org)
    initial = None
    if item_type is None:
        initial = {
            "category": parse_id(request.GET.get("category")),
            "size_system": SizeSystem.NONE,
        }
    form = ItemTypeForm(request.POST or None, org=org, item_type=item_type, initial=initial)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            if item_type is None:
                item_type = services.create_item_type(
                    org=org, values=form.values(), actor=request.user
                )
            else:
                services.update_item_type(
                    org=org, item_type=item_type, values=form.values(), actor=request.user
                )
        except DomainError as error:
            form_error(form, error)
            status = error.status  # a code another type has: 409, as in the API
        else:
            messages.success(request, _("Item type saved."))
            return redirect("goods:catalogue", org_slug=org.slug)
    context = {"form": form, "item_type": item_type}
    return render(request, "goods/item_type_form.html", context, status=status)


@org_view(Action.MANAGE_CATALOGUE)
def category_edit(request: HttpRequest, category_id: int | None = None) -> HttpResponse:
    org = request.org
    category = None
    if category_id is not None:
        category = get_object_or_404(Category.objects.filter(organization=org), pk=category_id)
    initial = None if category else {"parent": parse_id(request.GET.get("parent"))}
    form = CategoryForm(request.POST or None, org=org, category=category, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if category is None:
                category = services.create_category(
                    org=org, values=form.values(), actor=request.user
                )
            else:
                services.update_category(
                    org=org, category=category, values=form.values(), actor=request.user
                )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Category saved."))
            return redirect("goods:catalogue", org_slug=org.slug)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "category": category}
    return render(request, "goods/category_form.html", context, status=status)


# Locations ---------------------------------------------------------------------------------


@org_view(Action.VIEW_STOCK)
def location_list(request: HttpRequest) -> HttpResponse:
    org = request.org
    sites = list(Site.objects.filter(organization=org).order_by("archived", "name"))
    site_id = parse_id(request.GET.get("site"))
    if site_id not in {s.pk for s in sites}:
        site_id = None
    q = request.GET.get("q", "").strip()[:200]
    show = request.GET.get("show", "active")
    show = show if show in LOCATION_SHOW else "active"
    sort = request.GET.get("sort", "site")
    sort = sort if sort in queries.LOCATION_SORTS else "site"
    rows = queries.location_tree(
        org, site_id=site_id, search=q, archived=LOCATION_SHOW[show], sort=sort
    )
    context = {
        "page": paginate(request, rows, LOCATION_PAGE_SIZE),
        "sites": sites,
        "site": site_id,
        "q": q,
        "show": show,
        "sort": sort,
        "grouped": sort == "site",
        "filtered": bool(q or site_id or show != "active"),
    }
    template = "goods/_location_rows.html" if request.htmx else "goods/location_list.html"
    return render(request, template, context)


def _editable_location(request: HttpRequest, location_id: int) -> Location:
    # The in-transit location belongs to its site: nobody edits it by hand.
    return get_object_or_404(
        Location.objects.filter(organization=request.org)
        .exclude(kind=Location.Kind.TRANSIT)
        .select_related("site", "parent"),
        pk=location_id,
    )


@org_view(Action.MANAGE_CATALOGUE)
def location_edit(request: HttpRequest, location_id: int | None = None) -> HttpResponse:
    org = request.org
    location = _editable_location(request, location_id) if location_id is not None else None
    initial = None
    if location is None:
        parent = None
        parent_id = parse_id(request.GET.get("parent"))
        if parent_id is not None:
            parent = (
                Location.objects.filter(organization=org, pk=parent_id, archived=False)
                .exclude(kind=Location.Kind.TRANSIT)
                .first()
            )
        site_id = parent.site_id if parent else parse_id(request.GET.get("site"))
        initial = {"site": site_id, "parent": parent.pk if parent else None, "kind": "shelf"}
    form = LocationForm(request.POST or None, org=org, location=location, initial=initial)
    if request.method == "POST" and form.is_valid() and not (location and location.archived):
        try:
            if location is None:
                location = services.create_location(
                    org=org,
                    site=form.cleaned_data["site"],
                    values=form.values(),
                    actor=request.user,
                )
            else:
                services.update_location(
                    org=org, location=location, values=form.values(), actor=request.user
                )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Location saved."))
            return redirect(_list_url(org, location))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "location": location}
    return render(request, "goods/location_form.html", context, status=status)


def _list_url(org, location: Location) -> str:
    return reverse("goods:locations", args=[org.slug]) + f"?site={location.site_id}"


@require_POST
@org_view(Action.MANAGE_CATALOGUE)
def location_archive(request: HttpRequest, location_id: int) -> HttpResponse:
    org = request.org
    location = _editable_location(request, location_id)
    archived = request.POST.get("archived", "1") == "1"
    try:
        services.archive_location(org=org, location=location, archived=archived, actor=request.user)
    except DomainError as error:
        location.refresh_from_db()
        form = LocationForm(org=org, location=location)
        context = {"form": form, "location": location, "archive_error": error.message}
        return render(request, "goods/location_form.html", context, status=error.status)
    messages.success(request, _("Location archived.") if archived else _("Location restored."))
    return redirect(_list_url(org, location))


urlpatterns = [
    path(ORG + "catalogue/", catalogue, name="catalogue"),
    path(ORG + "catalogue/item-types/new/", item_type_edit, name="item-type-new"),
    path(
        ORG + "catalogue/item-types/<int:item_type_id>/edit/",
        item_type_edit,
        name="item-type-edit",
    ),
    path(ORG + "catalogue/categories/new/", category_edit, name="category-new"),
    path(ORG + "catalogue/categories/<int:category_id>/edit/", category_edit, name="category-edit"),
    path(ORG + "locations/", location_list, name="locations"),
    path(ORG + "locations/new/", location_edit, name="location-new"),
    path(ORG + "locations/<int:location_id>/edit/", location_edit, name="location-edit"),
    path(ORG + "locations/<int:location_id>/archive/", location_archive, name="location-archive"),
]
