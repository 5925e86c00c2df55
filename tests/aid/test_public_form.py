"""The public help form at /help/<org>/: only when the organisation turned it on (404
otherwise), in the six languages, consent required, errors on their fields, a thank-you
page with the reference; it registers the person, household, consent and request."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext
from django_scopes import scope, scopes_disabled

from kindred.aid.models import AidSettings, HelpRequest
from kindred.people.models import Consent, Person
from tests.conftest import item_type, snapshot


def url(org, name="public-request"):
    return reverse(f"aid:{name}", kwargs={"org_slug": org.slug})


def enable_public_form(org):
    with scope(organization=org):
        AidSettings.objects.create(
            organization=org, public_requests=True, public_intro="We help families in Aarhus."
        )
    item_type(org, "toy")
    return org


@pytest.fixture
def open_form(org):
    return enable_public_form(org)


def lines(*rows, total=3):
    data = {
        "lines-TOTAL_FORMS": str(total),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "50",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"lines-{index}-{key}"] = value
    return data


def filled(org, **extra):
    jacket = item_type(org, "child-winter-jacket")
    return {
        "given_name": "Olena",
        "family_name": "Koval",
        "phone": "+45 20 12 34 56",
        "consent": "on",
        **lines({"item_type": str(jacket.pk), "sizes": "110", "quantity": "2", "urgency": "3"}),
        **extra,
    }


def test_the_form_is_not_found_when_turned_off(org):
    assert Client().get(url(org)).status_code == 404
    with scope(organization=org):
        AidSettings.objects.create(organization=org, public_requests=False)
    assert Client().get(url(org)).status_code == 404
    assert Client().get("/help/no-such-org/").status_code == 404


def test_the_form_shows_intro_consent_wording_and_lines(open_form):
    response = Client().get(url(open_form))
    body = response.content.decode()
    assert response.status_code == 200
    assert "We help families in Aarhus." in body
    assert "We keep a record of you, your household" in body  # the help-records wording
    assert 'name="consent"' in body and 'name="csrfmiddlewaretoken"' in body
    assert 'name="lines-2-item_type"' in body
    assert 'name="viewport"' in body


@pytest.mark.parametrize("language", ["en", "sv", "da", "fi", "bg", "uk"])
def test_the_form_switches_language(open_form, language):
    response = Client().get(url(open_form) + f"?lang={language}")
    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert f'<html lang="{language}">' in response.content.decode()


def test_submitting_registers_everything_and_thanks_with_a_code_not_the_number(open_form):
    org = open_form
    client = Client(enforce_csrf_checks=False)
    response = client.post(url(org) + "?lang=uk", filled(org, lang="uk"))
    assert response.status_code == 302
    assert response["Location"].startswith(url(org, "public-request-thanks"))
    thanks = client.get(response["Location"]).content.decode()
    with scopes_disabled():
        request = HelpRequest.objects.get(organization=org)
    # The random public code, never the number (which would tell how many requests came).
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", request.public_code)
    assert request.public_code in thanks and "H-1" not in thanks
    with scopes_disabled():
        assert request.source == HelpRequest.Source.PUBLIC
        assert request.language == "uk"
        assert request.created_by is None
        assert request.applicant.full_name == "Olena Koval"
        consent = Consent.objects.get(person=request.applicant)
        assert consent.purpose.key == "help-records" and consent.basis == "consent"
        (line,) = request.lines.all()
        assert (line.sizes, line.quantity, line.urgency) == (["110"], 2, 3)


def test_consent_is_required(open_form):
    org = open_form
    data = filled(org)
    del data["consent"]
    before = snapshot(org)
    response = Client().post(url(org), data)
    assert response.status_code == 400
    assert response.context["form"].errors["consent"]
    assert snapshot(org) == before


def test_errors_are_on_their_fields_and_nothing_is_registered(open_form):
    org = open_form
    jacket = item_type(org, "child-winter-jacket")
    before = snapshot(org)
    response = Client().post(
        url(org),
        filled(
            org,
            **lines({"item_type": str(jacket.pk), "sizes": "XL", "quantity": "1", "urgency": "2"}),
        ),
    )
    assert response.status_code == 422
    assert response.context["lines"].forms[0].errors["sizes"]
    response = Client().post(url(org), filled(org, phone="", given_name=""))
    assert response.status_code == 400
    assert response.context["form"].errors["given_name"]
    assert response.context["form"].errors["phone"]
    no_lines = {k: v for k, v in filled(org).items() if not k.startswith("lines-0-")}
    response = Client().post(url(org), no_lines)
    assert response.status_code == 422
    assert response.context["lines"].non_form_errors()
    assert snapshot(org) == before
    with scopes_disabled():
        assert not Person.objects.filter(organization=org).exists()


def test_the_form_is_csrf_protected(open_form):
    org = open_form
    client = Client(enforce_csrf_checks=True)
    response = client.post(url(org), filled(org))
    assert response.status_code == 403


def test_thanks_without_a_submission_goes_back_to_the_form(open_form):
    response = Client().get(url(open_form, "public-request-thanks"))
    assert response.status_code == 302


def test_every_error_is_reported_in_one_answer_and_nothing_is_saved(open_form):
    """No name, a phone number that cannot be one, no consent and a size the item type
    does not have: all four in the first answer (the phone and the size are the services'
    rules, which used to be checked only once the fields passed), in the summary as links to
    their fields, and nothing saved."""
    org = open_form
    jacket = item_type(org, "child-winter-jacket")
    data = filled(
        org,
        given_name="",
        phone="12",
        **lines({"item_type": str(jacket.pk), "sizes": "XL", "quantity": "1", "urgency": "2"}),
    )
    del data["consent"]
    before = snapshot(org)
    response = Client().post(url(org) + "?lang=da", data)
    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) == {"given_name", "phone", "consent"}
    assert response.context["lines"].forms[0].errors["sizes"]
    body = response.content.decode()
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', body, re.S)
    assert summary, "no error summary"
    with translation.override("da"):
        heading = ngettext("There is a problem", "There are %(counter)s problems", 4) % {
            "counter": 4
        }
    assert f"<h2>{heading}</h2>" in summary.group(1)
    links = re.findall(r'<a href="#([^"]+)">', summary.group(1))
    assert links == ["id_given_name", "id_phone", "id_consent", "id_lines-0-sizes"]
    for field in ("given_name", "phone", "consent", "lines-0-sizes"):
        tag = re.search(rf'<input[^>]*id="id_{field}"[^>]*>', body).group(0)
        assert 'aria-invalid="true"' in tag
        assert f"id_{field}_error" in tag  # aria-describedby names the message
        assert f'id="id_{field}_error"' in body
    assert snapshot(org) == before
    with scopes_disabled():
        assert not Person.objects.filter(organization=org).exists()
