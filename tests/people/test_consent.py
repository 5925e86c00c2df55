"""Consent and lawful basis per person and purpose: default purposes per organisation (in the
reader's language until renamed), records with the exact wording copied at the time,
withdrawal that keeps the history, purpose lists a person drops out of when their only
basis is withdrawn — and who may see and change them, in pages and API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from kindred.core.audit import action_label
from kindred.core.models import AuditEntry
from kindred.core.services import Conflict, Invalid
from kindred.people import queries, services
from kindred.people.models import Consent, ConsentPurpose, Person
from tests.api.test_api import assert_audited, field_errors
from tests.conftest import snapshot
from tests.people.test_api import api_as

ORG = "/organizations/home"


def person(org, actor, given="Anna", family="Hansen", **values) -> Person:
    with scope(organization=org):
        return services.create_person(
            org=org, values={"given_name": given, "family_name": family, **values}, actor=actor
        )


def purposes(org) -> dict[str, ConsentPurpose]:
    with scope(organization=org):
        return {p.key: p for p in services.ensure_default_purposes(org)}


def record(org, actor, who, key="newsletter", basis="consent", **kwargs) -> Consent:
    with scope(organization=org):
        return services.record_consent(
            org=org, person=who, purpose=purposes(org)[key], basis=basis, actor=actor, **kwargs
        )


def withdraw(org, actor, consent, **kwargs) -> Consent:
    with scope(organization=org):
        return services.withdraw_consent(org=org, consent=consent, actor=actor, **kwargs)


def on_list(org, membership_user, key) -> list[str]:
    with scope(organization=org):
        membership = membership_user.memberships.get(organization=org)
        found = queries.persons_for_purpose(org, purposes(org)[key], membership)
        return sorted(p.full_name for p in found)


def url(name: str, org, *args) -> str:
    return reverse(f"people:{name}", args=[org.slug, *args])


def text(response) -> str:
    return response.content.decode()


# Purposes ------------------------------------------------------------------------------------


def test_each_organisation_gets_the_three_default_purposes_once(org, other_org):
    assert sorted(purposes(org)) == ["campaign-contact", "help-records", "newsletter"]
    with scopes_disabled():
        entries = AuditEntry.objects.filter(organization=org, action="consent_purpose.created")
        assert entries.count() == 3
    purposes(org)  # again: nothing new
    with scopes_disabled():
        assert ConsentPurpose.objects.filter(organization=org).count() == 3
        assert entries.count() == 3
    assert sorted(purposes(other_org)) == ["campaign-contact", "help-records", "newsletter"]


def test_default_purpose_names_follow_the_readers_language_until_renamed(org, admin):
    newsletter = purposes(org)["newsletter"]
    for language in ("en", "da", "sv"):
        with translation.override(language):
            assert services.purpose_label(newsletter) == translation.gettext("Newsletter")
    with scope(organization=org):
        services.update_purpose(
            org=org, purpose=newsletter, values={"name": "Nyhedsbrev"}, actor=admin
        )
        newsletter.refresh_from_db()
    with translation.override("en"):
        assert services.purpose_label(newsletter) == "Nyhedsbrev"


def test_saving_a_default_purpose_unchanged_keeps_it_a_translated_default(org, admin):
    help_records = purposes(org)["help-records"]
    with translation.override("da"), scope(organization=org):
        shown = {f: services.purpose_text(help_records, f) for f in services.PURPOSE_FIELDS}
        services.update_purpose(org=org, purpose=help_records, values=shown, actor=admin)
    help_records.refresh_from_db()
    assert help_records.name == "Help records"  # the source text, shown translated
    with scopes_disabled():
        assert not AuditEntry.objects.filter(action="consent_purpose.updated").exists()


def test_purpose_names_are_unique_case_insensitively(org, admin):
    before = snapshot(org)
    with scope(organization=org), pytest.raises(Conflict) as caught:
        services.create_purpose(org=org, values={"name": " newsletter "}, actor=admin)
    assert caught.value.field == "name"
    assert snapshot(org) == before
    with scope(organization=org):
        camp = services.create_purpose(
            org=org, values={"name": "Sommerlejr", "wording": "Må vi invitere?"}, actor=admin
        )
    assert (camp.key, camp.name) == ("sommerlejr", "Sommerlejr")


# Records -------------------------------------------------------------------------------------


def test_recording_copies_the_purposes_wording_so_later_edits_do_not_rewrite_history(
    org, admin, coordinator
):
    anna = person(org, coordinator)
    newsletter = purposes(org)["newsletter"]
    with scope(organization=org):
        services.update_purpose(
            org=org, purpose=newsletter, values={"wording": "Version 1"}, actor=admin
        )
    first = record(org, coordinator, anna)
    with scope(organization=org):
        services.update_purpose(
            org=org, purpose=newsletter, values={"wording": "Version 2"}, actor=admin
        )
    first.refresh_from_db()
    assert first.wording == "Version 1"
    assert (first.recorded_by, first.given_at <= timezone.now()) == (coordinator, True)
    second = record(org, coordinator, anna, "newsletter", "legitimate_interest")
    assert second.wording == "Version 2"
    exact = record(org, coordinator, anna, "campaign-contact", wording=" Said on the phone. ")
    assert exact.wording == "Said on the phone."


def test_a_default_wording_is_copied_in_the_language_it_was_shown_in(org, coordinator):
    anna = person(org, coordinator)
    with translation.override("sv"):
        consent = record(org, coordinator, anna)
        shown = translation.gettext(services.DEFAULT_PURPOSES["newsletter"]["wording"])
    assert consent.wording == shown


def test_a_second_active_record_with_the_same_basis_is_refused(org, coordinator):
    anna = person(org, coordinator)
    first = record(org, coordinator, anna)
    before = snapshot(org)
    with pytest.raises(Conflict) as caught:
        record(org, coordinator, anna)
    assert caught.value.field == "basis"
    assert snapshot(org) == before
    record(org, coordinator, anna, basis="contract")  # another basis is fine
    withdraw(org, coordinator, first)
    again = record(org, coordinator, anna)  # and consent may be given again
    with scope(organization=org):
        history = {c.pk: c.active for c in queries.person_consents(anna)}
    assert len(history) == 3 and history[first.pk] is False and history[again.pk] is True


def test_withdrawing_keeps_the_record_with_when_and_by_whom(org, coordinator, admin):
    anna = person(org, coordinator)
    given = timezone.now() - timedelta(days=30)
    consent = record(org, coordinator, anna, given_at=given)
    when = timezone.now() - timedelta(days=1)
    withdraw(org, admin, consent, withdrawn_at=when)
    consent.refresh_from_db()
    assert (consent.given_at, consent.withdrawn_at, consent.withdrawn_by) == (given, when, admin)
    assert not consent.active
    with pytest.raises(Conflict):
        withdraw(org, admin, consent)
    with scopes_disabled():
        written = list(
            AuditEntry.objects.filter(action__startswith="consent.")
            .order_by("id")
            .values_list("action", flat=True)
        )
    assert written == ["consent.recorded", "consent.withdrawn"]
    with translation.override("en"):
        assert all(action_label(a) != a for a in written)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"basis": "gut_feeling"}, "basis"),
        ({"given_at": timezone.now() + timedelta(days=1)}, "given_at"),
        ({"given_at": datetime(1800, 1, 1, tzinfo=UTC)}, "given_at"),
    ],
)
def test_bad_record_input_is_refused_naming_the_field(org, coordinator, kwargs, field):
    anna = person(org, coordinator)
    purposes(org)
    before = snapshot(org)
    with pytest.raises(Invalid) as caught:
        record(org, coordinator, anna, **kwargs)
    assert caught.value.field == field
    assert snapshot(org) == before


def test_a_withdrawal_before_it_was_given_or_in_the_future_is_refused(org, coordinator):
    anna = person(org, coordinator)
    consent = record(org, coordinator, anna, given_at=timezone.now() - timedelta(days=2))
    before = snapshot(org)
    for when in (timezone.now() - timedelta(days=3), timezone.now() + timedelta(hours=1)):
        with pytest.raises(Invalid) as caught:
            withdraw(org, coordinator, consent, withdrawn_at=when)
        assert caught.value.field == "withdrawn_at"
    assert snapshot(org) == before


def test_a_naive_time_is_read_in_the_organisations_time_zone(org, coordinator):
    anna = person(org, coordinator)
    with timezone.override("Europe/Copenhagen"):
        consent = record(org, coordinator, anna, given_at=datetime(2025, 1, 15, 10, 0))
    assert consent.given_at.astimezone(UTC).hour == 9


def test_an_archived_purpose_takes_no_new_records(org, admin, coordinator):
    anna = person(org, coordinator)
    with scope(organization=org):
        services.set_purpose_archived(
            org=org, purpose=purposes(org)["newsletter"], archived=True, actor=admin
        )
    with pytest.raises(Invalid) as caught:
        record(org, coordinator, anna)
    assert caught.value.field == "purpose"


def test_withdrawing_the_only_consent_drops_the_person_out_another_basis_keeps_them(
    org, coordinator
):
    anna, bo = person(org, coordinator), person(org, coordinator, "Bo", "Berg")
    annas = record(org, coordinator, anna)
    bos = record(org, coordinator, bo)
    record(org, coordinator, bo, basis="legitimate_interest")
    assert on_list(org, coordinator, "newsletter") == ["Anna Hansen", "Bo Berg"]
    withdraw(org, coordinator, annas)
    withdraw(org, coordinator, bos)
    assert on_list(org, coordinator, "newsletter") == ["Bo Berg"]
    with scope(organization=org):
        newsletter = purposes(org)["newsletter"].pk
        assert queries.active_bases(anna) == {}
        assert queries.active_bases(bo) == {newsletter: ["legitimate_interest"]}


def test_a_referrers_purpose_list_holds_only_their_own_persons(org, coordinator, referrer):
    record(org, coordinator, person(org, coordinator))
    record(org, referrer, person(org, referrer, "Rita", "Own"))
    assert on_list(org, referrer, "newsletter") == ["Rita Own"]
    assert on_list(org, coordinator, "newsletter") == ["Anna Hansen", "Rita Own"]


# Person page ---------------------------------------------------------------------------------


def test_the_person_page_shows_the_basis_per_purpose_wording_and_history(
    org, coordinator, client_for
):
    anna = person(org, coordinator)
    record(org, coordinator, anna, "help-records", "legitimate_interest")
    old = record(org, coordinator, anna, given_at=timezone.now() - timedelta(days=9))
    withdraw(org, coordinator, old, withdrawn_at=timezone.now() - timedelta(days=2))
    body = text(client_for(coordinator).get(url("person", org, anna.pk)))
    section = body[body.index('id="consents"') :]
    assert "Consents and lawful basis" in section
    assert "Legitimate interest" in section
    assert services.DEFAULT_PURPOSES["help-records"]["wording"][:40] in section  # <details>
    assert "recorded by coordinator" in section
    history = section[section.index("<h3>Withdrawn</h3>") :]
    assert "Newsletter" in history and "Consent" in history
    assert url("consent-withdraw", org, anna.pk, old.pk) not in section  # already withdrawn
    assert url("consent-new", org, anna.pk) in section


def test_a_volunteer_never_sees_consents(org, coordinator, volunteer, client_for):
    anna = person(org, coordinator)
    consent = record(org, coordinator, anna, wording="Private wording")
    body = text(client_for(volunteer).get(url("person", org, anna.pk)))
    assert "Anna Hansen" in body
    assert "Consents and lawful basis" not in body and "Private wording" not in body
    before = snapshot(org)
    client = client_for(volunteer)
    assert client.get(url("consent-new", org, anna.pk)).status_code == 403
    assert client.post(url("consent-withdraw", org, anna.pk, consent.pk)).status_code == 403
    persons = text(client.get(url("persons", org), {"purpose": purposes(org)["newsletter"].pk}))
    assert 'name="purpose"' not in persons and "Anna Hansen" in persons
    assert snapshot(org) == before


def test_recording_and_withdrawing_through_the_pages(org, coordinator, client_for):
    anna = person(org, coordinator)
    newsletter = purposes(org)["newsletter"]
    client = client_for(coordinator)
    form = text(client.get(url("consent-new", org, anna.pk), {"purpose": newsletter.pk}))
    assert f'<option value="{newsletter.pk}" selected>Newsletter</option>' in form
    response = client.post(
        url("consent-new", org, anna.pk),
        {"purpose": newsletter.pk, "basis": "consent", "given_at": "2025-03-01T09:30"},
    )
    assert response.status_code == 302
    assert response.url == url("person", org, anna.pk) + "#consents"
    with scope(organization=org):
        consent = Consent.objects.get(person=anna)
    assert consent.wording == newsletter.wording
    assert consent.given_at.astimezone(ZoneInfo("Europe/Copenhagen")).hour == 9
    response = client.post(url("consent-withdraw", org, anna.pk, consent.pk))
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_by == coordinator
    again = client.post(url("consent-withdraw", org, anna.pk, consent.pk))
    assert again.status_code == 409
    assert "already been withdrawn" in text(again)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"basis": ""}, "basis"),
        ({"basis": "gut_feeling"}, "basis"),
        ({"purpose": ""}, "purpose"),
        ({"given_at": "2999-01-01T10:00"}, "given_at"),
        ({"given_at": "yesterday"}, "given_at"),
    ],
)
def test_bad_consent_input_on_the_page_answers_400_on_the_field_and_saves_nothing(
    org, coordinator, client_for, data, field
):
    anna = person(org, coordinator)
    newsletter = purposes(org)["newsletter"]
    before = snapshot(org)
    response = client_for(coordinator).post(
        url("consent-new", org, anna.pk),
        {"purpose": newsletter.pk, "basis": "consent", **data},
    )
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in text(response)
    assert snapshot(org) == before


def test_a_duplicate_record_on_the_page_answers_400_on_the_basis(org, coordinator, client_for):
    anna = person(org, coordinator)
    record(org, coordinator, anna)
    before = snapshot(org)
    response = client_for(coordinator).post(
        url("consent-new", org, anna.pk),
        {"purpose": purposes(org)["newsletter"].pk, "basis": "consent"},
    )
    assert response.status_code == 400
    assert 'id="id_basis_error"' in text(response)
    assert snapshot(org) == before


def test_a_referrer_manages_consents_only_for_their_own_persons(
    org, coordinator, referrer, client_for
):
    own = person(org, referrer, "Rita", "Own")
    other = person(org, coordinator, "Carl", "Other")
    others = record(org, coordinator, other)
    newsletter = purposes(org)["newsletter"].pk
    client = client_for(referrer)
    response = client.post(
        url("consent-new", org, own.pk), {"purpose": newsletter, "basis": "consent"}
    )
    assert response.status_code == 302
    before = snapshot(org)
    assert client.get(url("consent-new", org, other.pk)).status_code == 404
    response = client.post(
        url("consent-new", org, other.pk), {"purpose": newsletter, "basis": "contract"}
    )
    assert response.status_code == 404
    assert client.post(url("consent-withdraw", org, other.pk, others.pk)).status_code == 404
    # Not through their own person's address either.
    assert client.post(url("consent-withdraw", org, own.pk, others.pk)).status_code == 404
    assert snapshot(org) == before


def test_an_outsider_gets_404_for_consent_and_purpose_pages_and_changes_nothing(
    org, coordinator, outsider, client_for
):
    anna = person(org, coordinator)
    consent = record(org, coordinator, anna)
    newsletter = purposes(org)["newsletter"]
    before = snapshot(org)
    client = client_for(outsider)
    for target, data in [
        (url("consent-new", org, anna.pk), {"purpose": newsletter.pk, "basis": "contract"}),
        (url("consent-withdraw", org, anna.pk, consent.pk), {}),
        (url("purposes", org), None),
        (url("purpose-edit", org, newsletter.pk), {"name": "Stolen"}),
        (url("purpose-archive", org, newsletter.pk), {"archived": "1"}),
    ]:
        response = client.get(target) if data is None else client.post(target, data)
        assert response.status_code == 404, target
    assert snapshot(org) == before


def test_the_persons_list_filters_by_purpose(org, coordinator, client_for):
    anna, bo = person(org, coordinator), person(org, coordinator, "Bo", "Berg")
    consent = record(org, coordinator, anna)
    record(org, coordinator, bo, "help-records", "legitimate_interest")
    newsletter = purposes(org)["newsletter"].pk
    client = client_for(coordinator)

    def names(**params) -> list[str]:
        body = text(client.get(url("persons", org), params))
        return re.findall(r"<strong>([^<]+)</strong></a>", body)

    assert names() == ["Bo Berg", "Anna Hansen"]
    assert names(purpose=newsletter) == ["Anna Hansen"]
    withdraw(org, coordinator, consent)
    assert names(purpose=newsletter) == []
    assert "No person matches these filters." in text(
        client.get(url("persons", org), {"purpose": newsletter})
    )
    form = text(client.get(url("persons", org), {"purpose": newsletter}))
    assert f'<option value="{newsletter}" selected>Newsletter</option>' in form


# Purpose settings ----------------------------------------------------------------------------


def test_an_administrator_adds_renames_and_archives_purposes(org, admin, coordinator, client_for):
    client = client_for(admin)
    page = text(client.get(url("purposes", org)))
    assert "Help records" in page and "Newsletter" in page
    response = client.post(
        url("purpose-new", org), {"name": "Summer camp", "wording": "May we invite you?"}
    )
    assert response.status_code == 302
    camp = purposes(org)["summer-camp"]
    response = client.post(
        url("purpose-edit", org, camp.pk), {"name": "Summer camps", "wording": "May we?"}
    )
    assert response.status_code == 302
    camp.refresh_from_db()
    assert (camp.name, camp.wording) == ("Summer camps", "May we?")
    assert client.post(url("purpose-archive", org, camp.pk), {"archived": "1"}).status_code == 302
    assert "Summer camps" not in text(client.get(url("purposes", org)))
    assert "Summer camps" in text(client.get(url("purposes", org), {"show": "archived"}))
    anna = person(org, coordinator)
    form = text(client_for(coordinator).get(url("consent-new", org, anna.pk)))
    assert "Summer camps" not in form  # archived: not offered
    assert client_for(coordinator).get(url("purposes", org)).status_code == 403


def test_a_duplicate_purpose_name_on_the_page_answers_400_and_saves_nothing(org, admin, client_for):
    purposes(org)
    before = snapshot(org)
    response = client_for(admin).post(url("purpose-new", org), {"name": "NEWSLETTER"})
    assert response.status_code == 400
    assert 'id="id_name_error"' in text(response)
    assert snapshot(org) == before


# API -----------------------------------------------------------------------------------------


@pytest.fixture
def as_coordinator(org, coordinator):
    return api_as(org, coordinator)


def test_api_record_list_and_withdraw_consents(org, coordinator, as_coordinator):
    anna = person(org, coordinator)
    listed = as_coordinator.get(f"{ORG}/consent-purposes").json()
    by_key = {p["key"]: p for p in listed["items"]}
    assert set(by_key) == {"help-records", "campaign-contact", "newsletter"}
    newsletter = by_key["newsletter"]
    response = as_coordinator.post(
        f"{ORG}/persons/{anna.pk}/consents",
        {"purpose_id": newsletter["id"], "basis": "consent"},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["wording"] == newsletter["wording"]
    assert (created["purpose_name"], created["active"]) == ("Newsletter", True)
    assert created["recorded_by"] == coordinator.display_name
    assert_audited(org, "consent.recorded")
    found = as_coordinator.get(f"{ORG}/persons", {"purpose": newsletter["id"]}).json()
    assert [p["id"] for p in found["items"]] == [anna.pk]
    response = as_coordinator.post(f"{ORG}/persons/{anna.pk}/consents/{created['id']}/withdraw", {})
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert_audited(org, "consent.withdrawn")
    assert as_coordinator.get(f"{ORG}/persons", {"purpose": newsletter["id"]}).json()["count"] == 0
    history = as_coordinator.get(f"{ORG}/persons/{anna.pk}/consents").json()["items"]
    assert [(c["id"], c["active"]) for c in history] == [(created["id"], False)]


def test_api_purpose_names_follow_the_callers_language(org, as_coordinator):
    purposes(org)
    response = as_coordinator.get(f"{ORG}/consent-purposes", HTTP_ACCEPT_LANGUAGE="da")
    with translation.override("da"):
        expected = translation.gettext("Newsletter")
    assert expected in [p["name"] for p in response.json()["items"]]


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"basis": "gut_feeling"}, 422, "basis"),
        ({"purpose_id": 10**9}, 404, "purpose_id"),
        ({"given_at": "2999-01-01T10:00:00+00:00"}, 422, "given_at"),
        ({"given_at": "0001-01-01T00:00:00+01:00"}, 422, "given_at"),
        ({"wording": "x" * 10_001}, 422, "wording"),
    ],
)
def test_api_bad_consent_input_is_refused_naming_the_field_and_saves_nothing(
    org, coordinator, as_coordinator, payload, status, field
):
    anna = person(org, coordinator)
    newsletter = purposes(org)["newsletter"]
    before = snapshot(org)
    response = as_coordinator.post(
        f"{ORG}/persons/{anna.pk}/consents",
        {"purpose_id": newsletter.pk, "basis": "consent", **payload},
    )
    assert response.status_code == status, response.content
    assert field in field_errors(response)
    assert snapshot(org) == before


def test_api_a_second_active_record_is_409(org, coordinator, as_coordinator):
    anna = person(org, coordinator)
    record(org, coordinator, anna)
    before = snapshot(org)
    response = as_coordinator.post(
        f"{ORG}/persons/{anna.pk}/consents",
        {"purpose_id": purposes(org)["newsletter"].pk, "basis": "consent"},
    )
    assert response.status_code == 409
    assert "basis" in field_errors(response)
    assert snapshot(org) == before


def test_api_a_referrer_manages_consents_only_for_their_own_persons(org, coordinator, referrer):
    own = person(org, referrer, "Rita", "Own")
    other = person(org, coordinator, "Carl", "Other")
    others = record(org, coordinator, other)
    newsletter = purposes(org)["newsletter"].pk
    client = api_as(org, referrer)
    response = client.post(
        f"{ORG}/persons/{own.pk}/consents", {"purpose_id": newsletter, "basis": "consent"}
    )
    assert response.status_code == 201
    before = snapshot(org)
    assert client.get(f"{ORG}/persons/{other.pk}/consents").status_code == 404
    response = client.post(
        f"{ORG}/persons/{other.pk}/consents", {"purpose_id": newsletter, "basis": "contract"}
    )
    assert response.status_code == 404
    path = f"{ORG}/persons/{other.pk}/consents/{others.pk}/withdraw"
    assert client.post(path, {}).status_code == 404
    path = f"{ORG}/persons/{own.pk}/consents/{others.pk}/withdraw"
    assert client.post(path, {}).status_code == 404
    listed = client.get(f"{ORG}/persons", {"purpose": newsletter}).json()
    assert [p["id"] for p in listed["items"]] == [own.pk]
    assert snapshot(org) == before


def test_api_a_volunteer_gets_403_for_consents_and_the_purpose_filter(org, coordinator, volunteer):
    anna = person(org, coordinator)
    consent = record(org, coordinator, anna)
    newsletter = purposes(org)["newsletter"].pk
    client = api_as(org, volunteer)
    before = snapshot(org)
    assert client.get(f"{ORG}/consent-purposes").status_code == 403
    assert client.get(f"{ORG}/persons/{anna.pk}/consents").status_code == 403
    response = client.post(
        f"{ORG}/persons/{anna.pk}/consents", {"purpose_id": newsletter, "basis": "contract"}
    )
    assert response.status_code == 403
    assert (
        client.post(f"{ORG}/persons/{anna.pk}/consents/{consent.pk}/withdraw", {}).status_code
        == 403
    )
    assert client.get(f"{ORG}/persons", {"purpose": newsletter}).status_code == 403
    assert client.get(f"{ORG}/persons").status_code == 200
    assert snapshot(org) == before


def test_api_outsider_gets_404_for_consents_and_changes_nothing(
    org, other_org, coordinator, outsider
):
    anna = person(org, coordinator)
    consent = record(org, coordinator, anna)
    newsletter = purposes(org)["newsletter"].pk
    theirs = api_as(other_org, outsider)
    before = snapshot(org)
    assert theirs.get(f"{ORG}/persons/{anna.pk}/consents").status_code == 404
    response = theirs.post(
        f"{ORG}/persons/{anna.pk}/consents", {"purpose_id": newsletter, "basis": "contract"}
    )
    assert response.status_code == 404
    path = f"{ORG}/persons/{anna.pk}/consents/{consent.pk}/withdraw"
    assert theirs.post(path, {}).status_code == 404
    # In their own organisation, our person, consent and purpose do not exist.
    other = "/organizations/other"
    assert theirs.get(f"{other}/persons/{anna.pk}/consents").status_code == 404
    outsiders_own = person(other_org, outsider, "Olga", "Theirs")
    response = theirs.post(
        f"{other}/persons/{outsiders_own.pk}/consents",
        {"purpose_id": newsletter, "basis": "contract"},
    )
    assert response.status_code == 404 and "purpose_id" in field_errors(response)
    assert snapshot(org) == before


# Demo ----------------------------------------------------------------------------------------
