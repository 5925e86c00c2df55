"""The public help form at /help/<org_slug>/: a household asks for help without an
account, in any of the six languages (?lang=), agreeing to the organisation keeping a
record of them (the help-records purpose's wording, copied into the consent record).
Shown only when the organisation has turned `AidSettings.public_requests` on; otherwise
404, like an unknown organisation.

It is outside org_view, so the organisation is looked up with scopes disabled and the
scope is then activated by hand. The form carries a CSRF token, so the page is never
cached. After a submission the browser is sent to a thank-you page showing the request's
public code (random, kept in the session, not in the address; the number would tell how
many requests the organisation gets).

Abuse: the rate limits of services/requests/public_limits.py (per address, per phone
number and e-mail address, shared by every server process); past a limit the form answers
429 with a translated message and saves nothing. A hidden field that only programs fill in (the honeypot) is
answered like a success, saving nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_protect
from django_scopes import scope, scopes_disabled

from kindred.core.middleware import client_ip
from kindred.core.models import Organization
from kindred.core.services import DomainError
from kindred.people.models import ConsentPurpose
from kindred.people.services import DEFAULT_PURPOSES, purpose_wording

from ..forms.requests import PublicLineForm, PublicRequestForm, filled, line_formset
from ..models import AidSettings
from ..services import requests as services
from ..services.requests import public_limits as limits
from .requests import _show_error

PUBLIC_LINES = 3
SESSION_KEY = "kindred_help_reference"


def _open_org(org_slug: str) -> tuple[Organization, AidSettings]:
    with scopes_disabled():
        org = Organization.objects.filter(slug=org_slug).first()
        aid_settings = (
            AidSettings.objects.filter(organization=org, public_requests=True).first()
            if org is not None
            else None
        )
    if org is None or aid_settings is None:
        raise Http404
    return org, aid_settings


def _language(request: HttpRequest) -> str:
    languages = dict(settings.LANGUAGES)
    chosen = request.GET.get("lang") or request.POST.get("lang") or ""
    if chosen in languages:
        return chosen
    current = translation.get_language() or settings.LANGUAGE_CODE
    return current if current in languages else current.split("-")[0]


def _answer(request: HttpRequest, template: str, context: dict, language: str, status=200):
    response = render(request, template, context, status=status)
    response["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    add_never_cache_headers(response)
    return response


def _help_wording(org: Organization) -> str:
    """The help-records purpose's wording in the reader's language; the default wording
    while the organisation has not used its purposes yet (showing the form writes nothing)."""
    purpose = ConsentPurpose.objects.filter(organization=org, key=services.HELP_PURPOSE).first()
    if purpose is not None:
        return purpose_wording(purpose)
    default = DEFAULT_PURPOSES.get(services.HELP_PURPOSE)
    return gettext(default["wording"]) if default else ""


@csrf_protect
def public_request(request: HttpRequest, org_slug: str) -> HttpResponse:
    org, aid_settings = _open_org(org_slug)
    language = _language(request)
    with translation.override(language), scope(organization=org):
        wording = _help_wording(org)
        data = request.POST if request.method == "POST" else None
        form = PublicRequestForm(data, org=org)
        form.fields["consent"].help_text = ""
        lines = line_formset(PublicLineForm, org=org, data=data, extra=PUBLIC_LINES)
        status = 200
        limited = request.method == "POST" and not limits.address_allowed(
            org, client_ip(request) or ""
        )
        if limited:
            status = 429
            form.is_valid()  # bound, so the page keeps what was typed
            form.add_error(None, limits.limited_message())
        elif request.method == "POST":
            status = 400
            form_valid = form.is_valid()
            lines_valid = lines.is_valid()  # both run: every error shows in one round
            if form_valid and lines_valid and form.cleaned_data.get("website"):
                # Filled in by a program: answered like a success, nothing is saved.
                url = reverse("aid:public-request-thanks", kwargs={"org_slug": org.slug})
                return redirect(f"{url}?lang={language}")
            problems = _check_lines(org, form, lines)
            if problems:
                lines_valid, status = False, problems[0].status  # a rule of the service: 422
            contacts = (
                limits.contact_keys(
                    org, form.cleaned_data.get("phone") or "", form.cleaned_data.get("email") or ""
                )
                if form_valid
                else []
            )
            if limits.contacts_used_up(contacts):
                status = 429
                form.add_error(None, limits.limited_message())
            elif form_valid and lines_valid:
                chosen = filled(lines)
                try:
                    help_request = services.submit_public(
                        org=org,
                        values={**form.cleaned_data, "consent_wording": wording},
                        lines=[line.service_values() for _i, line in chosen],
                        language=language,
                    )
                except DomainError as error:
                    _show_error(error, form, lines, [i for i, _line in chosen])
                    status = error.status
                else:
                    limits.count_contacts(contacts)
                    request.session[SESSION_KEY] = help_request.public_code
                    url = reverse("aid:public-request-thanks", kwargs={"org_slug": org.slug})
                    return redirect(f"{url}?lang={language}")
        context = {
            "org": org,
            "intro": aid_settings.public_intro,
            "wording": wording,
            "form": form,
            "lines": lines,
            "language": language,
            "languages": settings.LANGUAGES,
        }
        response = _answer(request, "aid/public_request.html", context, language, status)
        if status == 429:
            response["Retry-After"] = str(limits.RETRY_AFTER)
        return response


def _check_lines(org: Organization, form, lines) -> list[DomainError]:
    """The need lines' rules (at least one need; the sizes of each item type…), checked
    before anything is saved and whatever else is wrong, so every error shows at once.
    Lines whose fields are already wrong are left to those errors."""
    chosen = filled(lines)
    ready = [(index, line) for index, line in chosen if not line.errors]
    if chosen and not ready:
        return []
    problems = services.line_problems(org, [line.service_values() for _i, line in ready])
    for problem in problems:
        _show_error(problem, form, lines, [index for index, _line in ready])
    return list(problems)


def public_request_thanks(request: HttpRequest, org_slug: str) -> HttpResponse:
    org, _settings = _open_org(org_slug)
    language = _language(request)
    reference = request.session.get(SESSION_KEY)
    if not reference:
        return redirect(
            reverse("aid:public-request", kwargs={"org_slug": org.slug}) + f"?lang={language}"
        )
    with translation.override(language):
        context = {
            "org": org,
            "reference": reference,
            "language": language,
            "languages": settings.LANGUAGES,
        }
        return _answer(request, "aid/public_thanks.html", context, language)


urlpatterns = [
    path("help/<slug:org_slug>/", public_request, name="public-request"),
    path("help/<slug:org_slug>/thanks/", public_request_thanks, name="public-request-thanks"),
]
