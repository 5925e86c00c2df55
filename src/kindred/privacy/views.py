"""Privacy pages under /o/<org_slug>/privacy/…, for administrators (Action.HANDLE_PRIVACY):
a person's data export (page, JSON, PDF), erasure, legal holds, and the organisation's
retention rule with a preview of the next purge. Parse, authorise, call, answer."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kindred.core.roles import Action
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import form_error, paginate
from kindred.people.queries import visible_persons

from . import pdf, queries, services
from .forms import EraseForm, LegalHoldForm, RetentionRuleForm
from .models import LegalHold, PurgeRun

OUTCOMES = {"anonymise", "kept_legal_hold"}
CANDIDATE_SORTS = {"activity", "name"}
HOLD_SORTS = set(queries.HOLD_SORTS)


def _person(request: HttpRequest, person_id: int):
    return get_object_or_404(visible_persons(request.org, request.membership), pk=person_id)


def _to_person(request: HttpRequest, person) -> HttpResponse:
    return redirect("people:person", org_slug=request.org.slug, person_id=person.pk)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# The organisation's privacy page -----------------------------------------------------------


@org_view(Action.HANDLE_PRIVACY)
def overview(request: HttpRequest) -> HttpResponse:
    org = request.org
    rule = queries.retention_rule(org)
    form = RetentionRuleForm(
        request.POST or None, initial={"months": rule.months, "enabled": rule.enabled}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_retention_rule(
                org=org,
                months=form.cleaned_data["months"],
                enabled=form.cleaned_data["enabled"],
                actor=request.user,
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Retention rule saved."))
            return redirect("privacy:overview", org_slug=org.slug)
    q = request.GET.get("q", "").strip()[:200]
    outcome = request.GET.get("outcome", "")
    outcome = outcome if outcome in OUTCOMES else ""
    sort = request.GET.get("sort", "activity")
    sort = sort if sort in CANDIDATE_SORTS else "activity"
    today = timezone.localdate()
    candidates = queries.purge_candidates(
        org, today, rule=rule, outcome=outcome, search=q, sort=sort
    )
    context = {
        "page": paginate(request, candidates),
        "q": q,
        "outcome": outcome,
        "sort": sort,
        "rule": rule,
        "cutoff": queries.months_before(today, rule.months),
    }
    if request.htmx and request.method == "GET":
        return render(request, "privacy/_candidate_rows.html", context)
    context |= {
        "form": form,
        "holds": list(queries.legal_holds(org, status="active")[:10]),
        "hold_count": queries.legal_holds(org, status="active").count(),
        "last_run": PurgeRun.objects.filter(organization=org).first(),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "privacy/overview.html", context, status=status)


@org_view(Action.HANDLE_PRIVACY)
def hold_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    status = request.GET.get("status", "active")
    status = status if status in queries.HOLD_STATUSES else "active"
    sort = request.GET.get("sort", "newest")
    sort = sort if sort in HOLD_SORTS else "newest"
    qs = queries.legal_holds(request.org, status=status, search=q, sort=sort)
    context = {"page": paginate(request, qs), "q": q, "status": status, "sort": sort}
    template = "privacy/_hold_rows.html" if request.htmx else "privacy/hold_list.html"
    return render(request, template, context)


@require_POST
@org_view(Action.HANDLE_PRIVACY)
def hold_lift(request: HttpRequest, hold_id: int) -> HttpResponse:
    hold = get_object_or_404(LegalHold.objects.select_related("person"), pk=hold_id)
    try:
        services.lift_legal_hold(org=request.org, hold=hold, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The legal hold was lifted."))
    if request.POST.get("next") == "holds":
        return redirect("privacy:holds", org_slug=request.org.slug)
    return _to_person(request, hold.person)


# A person's data ----------------------------------------------------------------------------


def _export(request: HttpRequest, person_id: int, fmt: str) -> queries.PersonExport:
    person = _person(request, person_id)
    return services.export_person(org=request.org, person=person, actor=request.user, fmt=fmt)


@never_cache
@org_view(Action.HANDLE_PRIVACY)
def person_export_page(request: HttpRequest, person_id: int) -> HttpResponse:
    """Everything held about the person, readable and printable. Opening it is audited."""
    export = _export(request, person_id, "page")
    return render(
        request, "privacy/person_export.html", {"export": export, "person": export.person}
    )


@never_cache
@org_view(Action.HANDLE_PRIVACY)
def person_export_json(request: HttpRequest, person_id: int) -> HttpResponse:
    export = _export(request, person_id, "json")
    body = json.dumps(export.as_json(), ensure_ascii=False, indent=2).encode()
    return _download(body, "application/json", f"person-{person_id}.json")


@never_cache
@org_view(Action.HANDLE_PRIVACY)
def person_export_pdf(request: HttpRequest, person_id: int) -> HttpResponse:
    export = _export(request, person_id, "pdf")
    return _download(pdf.render(export), "application/pdf", f"person-{person_id}.pdf")


@org_view(Action.HANDLE_PRIVACY)
def person_erase(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person(request, person_id)
    hold = queries.active_hold(person)
    form = EraseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.erase_person(
                    org=request.org,
                    person=person,
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except DomainError as error:
                form_error(form, error)
                status = error.status
            else:
                messages.success(request, _("The person's data was erased."))
                return _to_person(request, person)
    context = {"person": person, "form": form, "hold": hold}
    return render(request, "privacy/person_erase.html", context, status=status)


@org_view(Action.HANDLE_PRIVACY)
def person_hold(request: HttpRequest, person_id: int) -> HttpResponse:
    """Place a legal hold (the form is also on the person page)."""
    person = _person(request, person_id)
    form = LegalHoldForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.place_legal_hold(
                    org=request.org,
                    person=person,
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except DomainError as error:
                form_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Legal hold placed: this person's data will be kept."))
                return _to_person(request, person)
    context = {"person": person, "form": form, "hold": queries.active_hold(person)}
    return render(request, "privacy/person_hold.html", context, status=status)
