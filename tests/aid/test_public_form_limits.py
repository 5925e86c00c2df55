"""The public help form resists abuse (issue 14, item 9): a limit per address and per
phone number or e-mail address, kept in Django's cache so every server process counts
together; past it, a translated refusal (429) and nothing saved. A field only programs fill
in is answered like a success and saves nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from kindred.aid.models import HelpRequest
from kindred.aid.services.requests.public_limits import BY_ADDRESS, BY_CONTACT
from kindred.people.models import Person
from tests.aid.test_public_form import enable_public_form, filled, url


@pytest.fixture
def open_form(org):
    return enable_public_form(org)


def _saved(org) -> tuple[int, int]:
    with scopes_disabled():
        return (
            HelpRequest.objects.filter(organization=org).count(),
            Person.objects.filter(organization=org).count(),
        )


def refusal(language: str) -> str:
    with translation.override(language):
        return gettext(
            "We have received many requests from here in a short time, so this one was not "
            "sent. Please try again in an hour, or call us."
        )


def test_thirty_posts_from_one_address_in_a_minute_are_cut_off_at_the_limit(open_form):
    org = open_form
    before = _saved(org)
    client = Client(REMOTE_ADDR="203.0.113.7")
    statuses = []
    for n in range(30):
        data = filled(org, phone=f"+45 20 12 {n:02d} 00", lang="da")
        response = client.post(url(org) + "?lang=da", data)
        statuses.append(response.status_code)
        if response.status_code == 429:
            body = response.content.decode()
            assert refusal("da") in body
            assert response["Retry-After"] == "3600"
            assert 'value="Olena"' in body  # what was typed is kept
    assert statuses == [302] * BY_ADDRESS.hits + [429] * (30 - BY_ADDRESS.hits)
    requests, persons = _saved(org)
    assert requests - before[0] == BY_ADDRESS.hits  # nothing saved after the limit
    assert persons - before[1] == BY_ADDRESS.hits
    # Another address is not held back by this one.
    other = Client(REMOTE_ADDR="198.51.100.4").post(url(org), filled(org, phone="+4521000000"))
    assert other.status_code == 302


def test_one_phone_number_is_limited_from_any_address(open_form):
    org = open_form
    answers = [
        Client(REMOTE_ADDR=f"192.0.2.{n}").post(url(org) + "?lang=sv", filled(org, lang="sv"))
        for n in range(BY_CONTACT.hits + 2)
    ]
    assert [a.status_code for a in answers] == [302] * BY_CONTACT.hits + [429, 429]
    assert refusal("sv") in answers[-1].content.decode()
    assert _saved(org)[0] == BY_CONTACT.hits


def test_a_program_that_fills_the_hidden_field_saves_nothing(open_form):
    org = open_form
    before = _saved(org)
    response = Client().post(url(org), filled(org, website="https://spam.example"))
    assert response.status_code == 302  # answered like a success
    assert _saved(org) == before
    page = Client().get(url(org)).content.decode()
    assert 'class="hp" aria-hidden="true"' in page and 'tabindex="-1"' in page
