"""Person and household pages under /o/<org_slug>/people/…: parse, authorise (org_view),
call one service or query, answer.

Every record is looked up through `queries.visible_persons` / `visible_households`, so a
referrer (roles.OWN_RECORDS_ONLY) gets 404 for a record they did not register, exactly as
for one that does not exist."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kindred.core.roles import Action, can
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import form_error, paginate

from . import queries, services
from .forms import (
    LANGUAGE_CHOICES,
    AddMemberForm,
    ConsentForm,
    ContactForm,
    ContactPersonForm,
    HouseholdForm,
    LeaveForm,
    MergeForm,
    PersonForm,
    PurposeForm,
)
from .models import (
    Consent,
    ConsentPurpose,
    Contact,
    ContactPerson,
    HouseholdMember,
)

PERSON_SORTS = queries.LIST_SORT_PARAMS
IN_HOUSEHOLD = queries.IN_HOUSEHOLD_PARAMS


def _person(request: HttpRequest, person_id: int):
    return get_object_or_404(queries.visible_persons(request.org, request.membership), pk=person_id)


def _household(request: HttpRequest, household_id: int):
    return get_object_or_404(
        queries.visible_households(request.org, request.membership), pk=household_id
    )


# Persons -----------------------------------------------------------------------------------


@org_view(Action.VIEW_PEOPLE)
def person_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    in_household = request.GET.get("household", "")
    sort = request.GET.get("sort", "name")
    purposes, purpose = purpose_filter(request)
    qs = queries.person_list(
        request.org,
        membership=request.membership,
        search=q,
        in_household=IN_HOUSEHOLD.get(in_household),
        sort=PERSON_SORTS.get(sort, "name"),
        purpose=purpose,
    )
    context = {
        "page": paginate(request, qs),
        "q": q,
        "household": in_household if in_household in IN_HOUSEHOLD else "",
        "sort": sort if sort in PERSON_SORTS else "name",
        "purposes": purposes,
        "purpose": purpose,
    }
    template = "people/_person_rows.html" if request.htmx else "people/person_list.html"
    return render(request, template, context)


def _detail(request: HttpRequest, person, **extra) -> HttpResponse:
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


@org_view(Action.VIEW_PEOPLE)
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person(request, person_id)
    services.record_view(org=request.org, person=person, actor=request.user)
    return _detail(request, person)


@org_view(Action.MANAGE_PEOPLE)
def person_edit(request: HttpRequest, person_id: int | None = None) -> HttpResponse:
    org = request.org
    person = _person(request, person_id) if person_id else None
    households = (
        None if person else queries.visible_households(org, request.membership).order_by("label")
    )
    form = PersonForm(request.POST or None, instance=person, households=households)
    candidates = []
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in services.PERSON_FIELDS}
        if person is None and request.POST.get("duplicates") != "new":
            # Before a new record is saved, the form shows who it may already be.
            candidates = queries.duplicate_candidates(
                org,
                values,
                national_id=form.national_id_value(),
                among=queries.visible_persons(org, request.membership),
            )
        merge_into = request.POST.get("merge_into", "")
        if merge_into and not can(request.role, Action.MERGE_PEOPLE):
            # Refused, never ignored: a record registered anyway would be the duplicate the
            # member meant to avoid.
            raise PermissionDenied
        try:
            if person is None and merge_into.isdigit():
                person = services.register_person_into(
                    org=org,
                    keep=_person(request, int(merge_into)),
                    values=values,
                    actor=request.user,
                    national_id=form.national_id_value(),
                    household=form.cleaned_data.get("household"),
                    relation=form.cleaned_data.get("relation", ""),
                )
                messages.success(request, _("The details were merged into the existing person."))
                return redirect("people:person", org_slug=org.slug, person_id=person.pk)
            if candidates:
                return render(
                    request,
                    "people/person_form.html",
                    {"form": form, "person": None, "candidates": candidates},
                )
            if person is None:
                person = services.register_person(
                    org=org,
                    values=values,
                    actor=request.user,
                    national_id=form.national_id_value(),
                    household=form.cleaned_data.get("household"),
                    relation=form.cleaned_data.get("relation", ""),
                )
            else:
                services.update_person(
                    org=org,
                    person=person,
                    values=values,
                    actor=request.user,
                    national_id=form.national_id_value(),
                )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Person saved."))
            return redirect("people:person", org_slug=org.slug, person_id=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "people/person_form.html", {"form": form, "person": person}, status=status
    )


@never_cache
@require_POST
@org_view(Action.REVEAL_IDENTITY)
def person_reveal(request: HttpRequest, person_id: int) -> HttpResponse:
    """Show the identity number once, in this response only; the reveal is audited."""
    person = _person(request, person_id)
    try:
        number = services.reveal_national_id(org=request.org, person=person, actor=request.user)
    except DomainError as error:
        return render(
            request,
            "people/_identity.html",
            {"person": person, "message": error.message},
            status=error.status,
        )
    if request.htmx:
        return render(request, "people/_identity.html", {"person": person, "revealed": number})
    return _detail(request, person, revealed=number)


# Households --------------------------------------------------------------------------------


@org_view(Action.VIEW_PEOPLE)
def household_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    qs = queries.households(request.org, membership=request.membership, search=q)
    context = {"page": paginate(request, qs), "q": q}
    template = "people/_household_rows.html" if request.htmx else "people/household_list.html"
    return render(request, template, context)


@org_view(Action.VIEW_PEOPLE)
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household(request, household_id)
    context = {
        "household": household,
        "members": queries.current_members(household),
        "former": queries.former_members(household),
    }
    return render(request, "people/household_detail.html", context)


@org_view(Action.MANAGE_PEOPLE)
def household_new(request: HttpRequest) -> HttpResponse:
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.create_household(
                org=request.org, values=form.cleaned_data, actor=request.user
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Household saved."))
            return redirect(
                "people:household", org_slug=request.org.slug, household_id=household.pk
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "people/household_form.html", {"form": form}, status=status)


@org_view(Action.MANAGE_PEOPLE)
def household_add_member(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household(request, household_id)
    persons = queries.visible_persons(request.org, request.membership).order_by(
        "family_name", "given_name", "pk"
    )
    form = AddMemberForm(request.POST or None, persons=persons)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_to_household(
                org=request.org,
                household=household,
                person=form.cleaned_data["person"],
                relation=form.cleaned_data["relation"],
                joined_on=form.cleaned_data["joined_on"],
                actor=request.user,
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Member added."))
            return redirect(
                "people:household", org_slug=request.org.slug, household_id=household.pk
            )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "people/household_member_form.html",
        {"form": form, "household": household},
        status=status,
    )


@require_POST
@org_view(Action.MANAGE_PEOPLE)
def household_member_leave(request: HttpRequest, household_id: int, member_id: int) -> HttpResponse:
    household = _household(request, household_id)
    member = get_object_or_404(HouseholdMember, pk=member_id, household=household)
    form = LeaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid date."))
    else:
        try:
            services.leave_household(
                org=request.org,
                member=member,
                left_on=form.cleaned_data["left_on"],
                actor=request.user,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(person)s left the household.") % {"person": member.person}
            )
    return redirect("people:household", org_slug=request.org.slug, household_id=household.pk)


# Duplicates and merging ---------------------------------------------------------------------


@org_view(Action.MANAGE_PEOPLE)
def person_duplicate_check(request: HttpRequest) -> HttpResponse:
    """The live duplicate check of the registration form (htmx, as the names are typed)."""
    form = PersonForm(request.POST or request.GET or None, households=None)
    form.is_valid()
    values = {
        f: form.cleaned_data.get(f)
        for f in services.PERSON_FIELDS
        if f in form.cleaned_data and f not in form.errors
    }
    candidates = []
    if values.get("given_name") or values.get("family_name"):
        candidates = queries.duplicate_candidates(
            request.org,
            values,
            among=queries.visible_persons(request.org, request.membership),
        )
    return render(request, "people/_duplicates.html", {"candidates": candidates, "live": True})


@org_view(Action.MERGE_PEOPLE)
def duplicate_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    pairs = queries.possible_duplicates(request.org, search=q)
    context = {"page": paginate(request, pairs), "q": q}
    return render(request, "people/duplicate_list.html", context)


@require_POST
@org_view(Action.MERGE_PEOPLE)
def duplicate_dismiss(request: HttpRequest) -> HttpResponse:
    a, b = request.POST.get("a", ""), request.POST.get("b", "")
    if not (a.isdigit() and b.isdigit()):
        return HttpResponse(_("Choose two persons."), status=400)
    try:
        services.dismiss_duplicate(
            org=request.org,
            person=_person(request, int(a)),
            other=_person(request, int(b)),
            actor=request.user,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Marked as different people; the pair will not be proposed again.")
        )
    return redirect("people:duplicates", org_slug=request.org.slug)


@org_view(Action.MERGE_PEOPLE)
def person_merge(request: HttpRequest, person_id: int, other_id: int) -> HttpResponse:
    """Compare two records side by side, choose which to keep and, where both have a value,
    whose value; then merge."""
    first, second = _person(request, person_id), _person(request, other_id)
    if first.pk == second.pk:
        raise Http404
    form = MergeForm(request.POST or None, first=first, second=second)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            keep, other = form.keep_and_other()
            try:
                kept = services.merge_persons(
                    org=request.org,
                    keep=keep,
                    other=other,
                    actor=request.user,
                    take_from_other=form.take_from_other(),
                )
            except DomainError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The two records were merged into one."))
                return redirect("people:person", org_slug=request.org.slug, person_id=kept.pk)
        status = 400
    return render(
        request,
        "people/merge.html",
        {"form": form, "first": first, "second": second, "rows": form.rows()},
        status=status,
    )


# Contacts and consent (issue 3: contacts, consent and lawful basis) -----------------------

CONTACT_PAGE_SORTS = {"name": "name", "city": "city", "newest": "-created"}
SHOW = {"active": False, "archived": True, "all": None}


def purpose_filter(request: HttpRequest) -> tuple[list, int | None]:
    """The purposes offered as a filter of the persons list, and the chosen one. Only for
    roles that see consents: for others the filter is neither shown nor applied."""
    if not can(request.role, Action.VIEW_PERSON_DETAILS):
        return [], None
    purposes = queries.purposes(request.org)
    chosen = request.GET.get("purpose", "")
    ids = {p.pk for p in purposes}
    return purposes, int(chosen) if chosen.isdigit() and int(chosen) in ids else None


def _contact(request: HttpRequest, contact_id: int) -> Contact:
    return get_object_or_404(Contact.objects.filter(organization=request.org), pk=contact_id)


def _contact_page(request: HttpRequest, contact: Contact, status: int = 200) -> HttpResponse:
    context = {"contact": contact, "people": queries.contact_people(contact)}
    return render(request, "people/contact_detail.html", context, status=status)


@org_view(Action.VIEW_CONTACTS)
def contact_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    kind = kind if kind in Contact.Kind.values else ""
    show = request.GET.get("show", "active")
    show = show if show in SHOW else "active"
    sort = request.GET.get("sort", "name")
    sort = sort if sort in CONTACT_PAGE_SORTS else "name"
    qs = queries.contacts(
        request.org, search=q, kind=kind, archived=SHOW[show], sort=CONTACT_PAGE_SORTS[sort]
    )
    context = {
        "page": paginate(request, qs),
        "q": q,
        "kind": kind,
        "kinds": Contact.Kind.choices,
        "show": show,
        "sort": sort,
    }
    template = "people/contact_rows.html" if request.htmx else "people/contact_list.html"
    return render(request, template, context)


@org_view(Action.VIEW_CONTACTS)
def contact_detail(request: HttpRequest, contact_id: int) -> HttpResponse:
    return _contact_page(request, _contact(request, contact_id))


@org_view(Action.MANAGE_CONTACTS)
def contact_edit(request: HttpRequest, contact_id: int | None = None) -> HttpResponse:
    org = request.org
    contact = _contact(request, contact_id) if contact_id else None
    initial = {} if contact else {"registration_country": org.country, "country": org.country}
    form = ContactForm(request.POST or None, instance=contact, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in services.CONTACT_FIELDS}
        try:
            if contact is None:
                contact = services.create_contact(org=org, values=values, actor=request.user)
            else:
                services.update_contact(org=org, contact=contact, values=values, actor=request.user)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("people:contact", org_slug=org.slug, contact_id=contact.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "people/contact_form.html", {"form": form, "contact": contact}, status=status
    )


@require_POST
@org_view(Action.MANAGE_CONTACTS)
def contact_archive(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _contact(request, contact_id)
    archived = request.POST.get("archived", "1") == "1"
    services.set_contact_archived(
        org=request.org, contact=contact, archived=archived, actor=request.user
    )
    messages.success(request, _("Contact archived.") if archived else _("Contact restored."))
    return redirect("people:contact", org_slug=request.org.slug, contact_id=contact.pk)


@org_view(Action.MANAGE_CONTACTS)
def contact_person_add(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _contact(request, contact_id)
    persons = None
    if can(request.role, Action.VIEW_PEOPLE):  # fundraisers may only register a new person
        persons = (
            queries.visible_persons(request.org, request.membership)
            .filter(anonymised_at__isnull=True)
            .order_by("family_name", "given_name", "pk")
        )
    form = ContactPersonForm(request.POST or None, persons=persons)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_contact_person(
                org=request.org,
                contact=contact,
                person=form.cleaned_data.get("person"),
                person_values=form.person_values(),
                job_title=form.cleaned_data["job_title"],
                is_primary=form.cleaned_data["is_primary"],
                actor=request.user,
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Contact person added."))
            return redirect("people:contact", org_slug=request.org.slug, contact_id=contact.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "people/contact_person_form.html",
        {"form": form, "contact": contact},
        status=status,
    )


@require_POST
@org_view(Action.MANAGE_CONTACTS)
def contact_person_main(request: HttpRequest, contact_id: int, link_id: int) -> HttpResponse:
    contact = _contact(request, contact_id)
    link = get_object_or_404(
        ContactPerson.objects.select_related("person"), pk=link_id, contact=contact
    )
    services.update_contact_person(
        org=request.org, contact_person=link, is_primary=True, actor=request.user
    )
    messages.success(
        request, _("%(person)s is now the main contact.") % {"person": link.person.full_name}
    )
    return redirect("people:contact", org_slug=request.org.slug, contact_id=contact.pk)


@require_POST
@org_view(Action.MANAGE_CONTACTS)
def contact_person_remove(request: HttpRequest, contact_id: int, link_id: int) -> HttpResponse:
    contact = _contact(request, contact_id)
    link = get_object_or_404(
        ContactPerson.objects.select_related("person"), pk=link_id, contact=contact
    )
    try:
        services.remove_contact_person(org=request.org, contact_person=link, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _contact_page(request, contact, status=error.status)
    messages.success(
        request,
        _("%(person)s is no longer a contact person here; their record stays in the registry.")
        % {"person": link.person.full_name},
    )
    return redirect("people:contact", org_slug=request.org.slug, contact_id=contact.pk)


@org_view(Action.MANAGE_CONSENT)
def consent_new(request: HttpRequest, person_id: int) -> HttpResponse:
    """Record a lawful basis (a referrer: only for the persons they may see)."""
    person = _person(request, person_id)
    purposes = queries.purposes(request.org)
    initial = {}
    chosen = request.GET.get("purpose", "")
    if chosen.isdigit() and int(chosen) in {p.pk for p in purposes}:
        initial["purpose"] = int(chosen)
    form = ConsentForm(request.POST or None, purposes=purposes, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_consent(
                org=request.org,
                person=person,
                purpose=data["purpose"],
                basis=data["basis"],
                wording=data["wording"] or None,
                given_at=data["given_at"],
                actor=request.user,
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Lawful basis recorded."))
            url = reverse("people:person", args=[request.org.slug, person.pk])
            return redirect(f"{url}#consents")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "person": person, "purposes": purposes}
    return render(request, "people/consent_form.html", context, status=status)


@require_POST
@org_view(Action.MANAGE_CONSENT)
def consent_withdraw(request: HttpRequest, person_id: int, consent_id: int) -> HttpResponse:
    person = _person(request, person_id)
    consent = get_object_or_404(Consent, pk=consent_id, person=person)
    try:
        services.withdraw_consent(org=request.org, consent=consent, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        response = _detail(request, person)
        response.status_code = error.status
        return response
    messages.success(request, _("Withdrawn. The record stays in the history."))
    url = reverse("people:person", args=[request.org.slug, person.pk])
    return redirect(f"{url}#consents")


@org_view(Action.EDIT_ORGANIZATION)
def purpose_list(request: HttpRequest) -> HttpResponse:
    """The purposes personal data is processed for: an organisation setting."""
    show = request.GET.get("show", "active")
    show = show if show in SHOW else "active"
    purposes = queries.purposes(request.org, archived=SHOW[show])
    counts = queries.persons_per_purpose(request.org)
    for purpose in purposes:
        purpose.person_count = counts.get(purpose.pk, 0)
    return render(request, "people/purpose_list.html", {"purposes": purposes, "show": show})


@org_view(Action.EDIT_ORGANIZATION)
def purpose_edit(request: HttpRequest, purpose_id: int | None = None) -> HttpResponse:
    org = request.org
    purpose = get_object_or_404(ConsentPurpose, pk=purpose_id) if purpose_id else None
    # A default purpose is shown in the reader's language; the service keeps it a default
    # (translated for everyone) when those texts come back unchanged.
    initial = (
        {f: services.purpose_text(purpose, f) for f in services.PURPOSE_FIELDS} if purpose else {}
    )
    form = PurposeForm(request.POST or None, instance=purpose, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in services.PURPOSE_FIELDS}
        try:
            if purpose is None:
                services.create_purpose(org=org, values=values, actor=request.user)
            else:
                services.update_purpose(org=org, purpose=purpose, values=values, actor=request.user)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Purpose saved."))
            return redirect("people:purposes", org_slug=org.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "people/purpose_form.html", {"form": form, "purpose": purpose}, status=status
    )


@require_POST
@org_view(Action.EDIT_ORGANIZATION)
def purpose_archive(request: HttpRequest, purpose_id: int) -> HttpResponse:
    purpose = get_object_or_404(ConsentPurpose, pk=purpose_id)
    archived = request.POST.get("archived", "1") == "1"
    services.set_purpose_archived(
        org=request.org, purpose=purpose, archived=archived, actor=request.user
    )
    messages.success(request, _("Purpose archived.") if archived else _("Purpose restored."))
    return redirect("people:purposes", org_slug=request.org.slug)
