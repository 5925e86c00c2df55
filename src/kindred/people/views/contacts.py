"""Contacts (companies, organisations and their contact persons), a person's consents and
lawful bases, and the organisation's consent purposes."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.core.roles import Action, can
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import form_error, paginate

from .. import queries, services
from ..forms import (
    ConsentForm,
    ContactForm,
    ContactPersonForm,
    PurposeForm,
)
from ..models import (
    Consent,
    ConsentPurpose,
    Contact,
    ContactPerson,
)
from .common import person_page, visible_person

# Contacts and consent (issue 3: contacts, consent and lawful basis) -----------------------

CONTACT_PAGE_SORTS = {"name": "name", "city": "city", "newest": "-created"}
SHOW = {"active": False, "archived": True, "all": None}


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
    person = visible_person(request, person_id)
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
    person = visible_person(request, person_id)
    consent = get_object_or_404(Consent, pk=consent_id, person=person)
    try:
        services.withdraw_consent(org=request.org, consent=consent, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        response = person_page(request, person)
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
