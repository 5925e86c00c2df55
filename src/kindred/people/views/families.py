"""Registering a family in one form: the household, its members (a formset; "Add a child"
and "Add an adult" copy a row with the page's script, or submit the form for one more row
without it), the lawful basis and the consents, with the live duplicate check per row.
Parse, authorise, call `services.register_family`, answer; then straight on to the next
step an app above offers (aid: the household's first help request)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kindred.core import declarations
from kindred.core.roles import Action, can
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import form_error

from .. import queries, services
from ..forms import FamilyForm, MemberForm, member_formset
from ..models import HouseholdMember
from ..purposes import HELP_RECORDS
from ..services.families import MAX_MEMBERS

Relation = HouseholdMember.Relation
ADD = {"adult": Relation.PARTNER, "child": Relation.CHILD}


def _purposes(org) -> tuple[object | None, list]:
    """The "help records" purpose (its basis is chosen apart) and the others a family can
    agree to, with their texts in the reader's language."""
    found = queries.purposes(org)
    help_records = next((p for p in found if p.key == HELP_RECORDS), None)
    return help_records, [p for p in found if p.key != HELP_RECORDS]


def _typed_rows(data, total: int) -> list[dict]:
    names = list(MemberForm.base_fields)
    return [{n: data.get(f"members-{i}-{n}", "") for n in names} for i in range(total)]


def _total(data) -> int:
    text = str(data.get("members-TOTAL_FORMS", ""))
    return min(int(text), MAX_MEMBERS) if text.isdigit() else 0


def _next_step(request: HttpRequest, household) -> HttpResponse:
    for step in declarations.extensions("people.after_family"):
        if can(request.role, step.needs):
            url = reverse(step.url_name, kwargs={"org_slug": request.org.slug})
            return redirect(f"{url}?household={household.pk}")
    return redirect("people:household", org_slug=request.org.slug, household_id=household.pk)


@org_view(Action.MANAGE_PEOPLE)
def family_new(request: HttpRequest) -> HttpResponse:
    org = request.org
    help_records, purposes = _purposes(org)
    data = request.POST if request.method == "POST" else None
    adding = data.get("add") if data is not None else None
    if adding in ADD:
        # Without the script: the form comes back as typed, with one more row, no errors.
        rows = [*_typed_rows(data, _total(data)), {"relation": ADD[adding]}]
        form = FamilyForm(purposes=purposes, initial=_typed_household(data))
        members = member_formset(country=org.country, initial=rows[:MAX_MEMBERS])
        return _page(request, form, members, help_records)
    initial = [{"relation": Relation.HEAD}, {"relation": Relation.CHILD}]
    form = FamilyForm(data, purposes=purposes)
    members = member_formset(country=org.country, data=data, initial=None if data else initial)
    if data is None:
        return _page(request, form, members, help_records)
    status = 422  # input that fails validation, as the API answers it
    found: dict[int, list] = {}
    if form.is_valid() and members.is_valid():
        chosen = members.filled()
        if data.get("duplicates") != "new":
            found = _duplicates(request, chosen)
        if found:
            status = 200  # nothing wrong yet: a question before anything is saved
        else:
            try:
                household = services.register_family(
                    org=org,
                    membership=request.membership,
                    command=services.RegisterFamily(
                        household=form.household_values(),
                        members=[f.member() for _i, f in chosen],
                        lawful_basis=form.cleaned_data["lawful_basis"],
                        consent_purpose_ids=form.cleaned_data.get("consents") or [],
                    ),
                )
            except DomainError as error:
                if (error.field or "").startswith("members"):
                    members.show_error(error, [i for i, _f in chosen])
                elif error.field == "consent_purpose_ids":
                    form.add_error("consents", error.message)
                else:
                    form_error(form, error)
                status = error.status
            else:
                messages.success(
                    request, _("The household %(label)s was registered.") % {"label": household}
                )
                return _next_step(request, household)
    return _page(request, form, members, help_records, found=found, status=status)


def _typed_household(data) -> dict:
    initial = {name: data.get(name, "") for name in FamilyForm.HOUSEHOLD}
    initial["lawful_basis"] = data.get("lawful_basis", "")
    initial["consents"] = data.getlist("consents")
    return initial


def _duplicates(request: HttpRequest, chosen) -> dict[int, list]:
    """Row index → who the member may already be, among the persons the member may see."""
    among = queries.visible_persons(request.org, request.membership)
    found = {}
    for index, row in chosen:
        values = {n: row.cleaned_data.get(n) for n in MemberForm.DUPLICATE_FIELDS}
        candidates = queries.duplicate_candidates(
            request.org, values, national_id=row.national_id_value(), among=among
        )
        if candidates:
            found[index] = candidates
    return found


def _page(request, form, members, help_records, *, found=None, status: int = 200) -> HttpResponse:
    found = found or {}
    for index, row in enumerate(members.forms):
        row.candidates = found.get(index, [])
    context = {
        "form": form,
        "members": members,
        "empty_child": members.empty_row(Relation.CHILD),
        "empty_adult": members.empty_row(Relation.PARTNER),
        "duplicates_found": bool(found),
        "help_records": help_records,
    }
    return render(request, "people/family_form.html", context, status=status)
