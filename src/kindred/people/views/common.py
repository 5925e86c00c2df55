"""What the people pages share: the records a member may see, looked up or 404."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from kindred.core.roles import Action, can

from .. import queries
from ..forms import (
    LANGUAGE_CHOICES,
)

PERSON_SORTS = queries.LIST_SORT_PARAMS
IN_HOUSEHOLD = queries.IN_HOUSEHOLD_PARAMS


def visible_person(request: HttpRequest, person_id: int):
    return get_object_or_404(queries.visible_persons(request.org, request.membership), pk=person_id)


def visible_household(request: HttpRequest, household_id: int):
    return get_object_or_404(
        queries.visible_households(request.org, request.membership), pk=household_id
    )


def purpose_filter(request: HttpRequest) -> tuple[list, int | None]:
    """The purposes offered as a filter of the persons list, and the chosen one. Only for
    roles that see consents: for others the filter is neither shown nor applied."""
    if not can(request.role, Action.VIEW_PERSON_DETAILS):
        return [], None
    purposes = queries.purposes(request.org)
    chosen = request.GET.get("purpose", "")
    ids = {p.pk for p in purposes}
    return purposes, int(chosen) if chosen.isdigit() and int(chosen) in ids else None


def person_page(request: HttpRequest, person, **extra) -> HttpResponse:
    names = dict(LANGUAGE_CHOICES)
    context = {
        "person": person,
        "languages": [names.get(code, code) for code in person.languages],
        "history": queries.household_history(person),
        "access_log": queries.person_access_log(request.org, person)
        if can(request.role, Action.VIEW_AUDIT)
        else None,
        "consents": queries.consent_overview(request.org, person)
        if can(request.role, Action.VIEW_PERSON_DETAILS)
        else None,
        **extra,
    }
    return render(request, "people/person_detail.html", context)
