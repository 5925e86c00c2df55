"""Erasure (privacy.services.erase_person): what goes, what stays, and that nothing of the
person is left in any table that refers to them or in the audit log."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from kindred.core.models import AuditEntry
from kindred.core.services import Conflict, Invalid
from kindred.people import queries as people_queries
from kindred.people import services as people
from kindred.people.models import Household, HouseholdMember, Person
from kindred.privacy import services as privacy
from kindred.privacy.models import LegalHold

from .conftest import CPR, EMAIL, FAMILY, GIVEN, PHONE_AS_ENTERED, PHONE_E164, privacy_snapshot

# Everything that identified the subject, as a user would type it or find it.
SECRETS = [
    GIVEN,
    FAMILY,
    "Jorgensen",  # the ASCII spelling search keys use
    PHONE_E164,
    PHONE_AS_ENTERED,
    "21436587",
    EMAIL,
    CPR,
    CPR.replace("-", ""),
]


def _text_columns(model) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField)
    ]


def _models_referring_to_person() -> list:
    """From the model registry, not a hand list: a model added later is scanned too."""
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m is not Person
        and any(f.is_relation and f.related_model is Person for f in m._meta.concrete_fields)
    ]


def _leaks(org, person) -> list[str]:
    """Every secret found in a text, short-text or JSON column of the person's row, of
    every row of every model that refers to a person, and of the organisation's whole
    audit log."""
    found = []
    with scopes_disabled():
        tables = [(Person, Person.objects.filter(pk=person.pk))]
        tables += [(m, m._base_manager.all()) for m in _models_referring_to_person()]
        tables += [(AuditEntry, AuditEntry.objects.filter(organization=org))]
        for model, rows in tables:
            columns = _text_columns(model)
            for values in rows.values("pk", *columns):
                text = json.dumps(values, ensure_ascii=False, default=str).lower()
                found += [
                    f"{model._meta.label}#{values['pk']}: {s}" for s in SECRETS if s.lower() in text
                ]
    return found


def _erase(org, person, actor, reason="Asked by e-mail on 3 May"):
    with scope(organization=org):
        return privacy.erase_person(org=org, person=person, reason=reason, actor=actor)


def test_before_erasure_the_scan_finds_the_person_everywhere(org, admin, subject):
    leaks = _leaks(org, subject.person)
    # The scan itself works: the subject is in her row, the related rows and the log.
    places = {leak.split("#")[0] for leak in leaks}
    assert {"people.Person", "people.Consent", "privacy.LegalHold", "core.AuditEntry"} <= places


def test_after_erasure_no_text_column_anywhere_holds_the_persons_data(org, admin, subject):
    _erase(org, subject.person, admin)

    assert _leaks(org, subject.person) == []


def test_erasure_keeps_only_statistics_on_the_person(org, admin, subject):
    result = _erase(org, subject.person, admin)

    with scopes_disabled():
        person = Person.objects.get(pk=subject.person.pk)
    assert person.anonymised_at is not None
    assert (person.given_name, person.family_name, person.preferred_name) == ("Anonymised", "", "")
    assert (person.birth_date, person.birth_year) == (None, 1962)
    assert (person.postcode, person.country) == ("74", "DK")
    assert person.phone == person.email == person.street == person.city == person.notes == ""
    assert person.gender == "" and person.languages == []
    assert person.national_id_ciphertext == person.national_id_index == ""
    assert person.national_id_country == "" and person.search_name == ""
    assert result.audit_entries_redacted >= 5 and result.rows_redacted >= 3


def test_household_membership_is_kept_for_household_size(org, admin, subject):
    _erase(org, subject.person, admin)

    with scope(organization=org):
        members = list(people_queries.current_members(subject.household))
        household = Household.objects.get(pk=subject.household.pk)
    assert {m.person_id for m in members} == {subject.person.pk, subject.partner.pk}
    # Bo still lives there: the household keeps its label.
    assert household.label == "Flat 3B"


def test_related_rows_are_kept_with_their_text_masked(org, admin, subject):
    _erase(org, subject.person, admin)

    with scopes_disabled():
        subject.consent.refresh_from_db()
        subject.contact_person.refresh_from_db()
        hold = LegalHold.objects.get(person=subject.person)
    assert subject.consent.wording == ""  # long free text is emptied
    assert subject.consent.basis == "consent"  # codes stay
    assert subject.contact_person.job_title == "Deputy of •••"  # short text is masked
    assert hold.reason == "" and hold.lifted_at is not None


def test_the_erasure_is_audited_with_its_reason_and_counts_but_no_personal_data(
    org, admin, subject
):
    reason = f"{GIVEN} {FAMILY} asked by phone ({PHONE_AS_ENTERED})"
    result = _erase(org, subject.person, admin, reason=reason)

    with scopes_disabled():
        entry = AuditEntry.objects.get(organization=org, action="person.erased")
    assert entry.actor == admin
    assert entry.object_repr == "Anonymised person"
    assert entry.changes["reason"] == "••• asked by phone (•••)"
    assert entry.changes["audit_entries_redacted"] == result.audit_entries_redacted
    assert result.audit_entries_redacted > 0


def test_earlier_audit_entries_keep_what_happened_but_not_the_values(org, admin, subject):
    _erase(org, subject.person, admin)

    with scopes_disabled():
        created = AuditEntry.objects.get(action="person.created", object_id=str(subject.person.pk))
        membership = HouseholdMember.objects.get(person=subject.person)
        joined = AuditEntry.objects.get(
            action="household.member_added",
            object_type="people.householdmember",
            object_id=str(membership.pk),
        )
    assert created.object_repr == "Anonymised"
    assert created.changes["given_name"] == [None, "•••"]
    assert created.changes["birth_year"] == [None, 1962]  # a statistic, kept
    assert created.changes["country"] == [None, "DK"]
    assert joined.object_repr == "••• (Head of household)"


def test_an_erased_person_drops_out_of_name_search_and_duplicates(org, admin, subject):
    with scope(organization=org):
        twin = people.create_person(
            org=org,
            values={"given_name": GIVEN, "family_name": FAMILY, "phone": PHONE_AS_ENTERED},
            actor=admin,
        )
    _erase(org, subject.person, admin)

    with scope(organization=org):
        membership = admin.memberships.get(organization=org)
        for words in (GIVEN, FAMILY, f"{GIVEN} {FAMILY}", "Anonymised", EMAIL):
            found = set(
                people_queries.persons(org, membership=membership, search=words).values_list(
                    "pk", flat=True
                )
            )
            assert subject.person.pk not in found, words
        candidates = people_queries.duplicate_candidates(
            org, {"given_name": GIVEN, "family_name": FAMILY, "phone": PHONE_AS_ENTERED}
        )
    assert [c.person.pk for c in candidates] == [twin.pk]


def test_the_person_page_says_anonymised_and_shows_no_personal_data(
    org, admin, subject, client_for
):
    _erase(org, subject.person, admin)

    body = (
        client_for(admin)
        .get(reverse("people:person", args=[org.slug, subject.person.pk]))
        .content.decode()
    )
    assert "Anonymised on" in body
    for secret in SECRETS:
        assert secret not in body, secret


def test_a_household_of_erased_persons_only_is_anonymised_too(org, admin):
    with scope(organization=org):
        alone = people.create_person(
            org=org, values={"given_name": "Ole", "family_name": "Krogh"}, actor=admin
        )
        home = people.create_household(
            org=org,
            values={"label": "Familien Krogh", "street": "Bøgevej 2", "postcode": "7430"},
            actor=admin,
        )
        people.add_to_household(org=org, household=home, person=alone, relation="head", actor=admin)

    result = _erase(org, alone, admin)

    with scopes_disabled():
        home.refresh_from_db()
        log = list(
            AuditEntry.objects.filter(organization=org).values_list("object_repr", "changes")
        )
    assert result.households_anonymised == [home.pk]
    assert (home.label, home.street, home.postcode) == ("Anonymised", "", "74")
    assert "Krogh" not in json.dumps(log, ensure_ascii=False)
    assert "Bøgevej" not in json.dumps(log, ensure_ascii=False)


def test_a_legal_hold_refuses_erasure_and_nothing_changes(org, admin, subject):
    with scope(organization=org):
        privacy.place_legal_hold(
            org=org, person=subject.person, reason="Court case 2025-114", actor=admin
        )
    before = privacy_snapshot(org)
    with scopes_disabled():
        log_before = list(AuditEntry.objects.filter(organization=org).values())

    with pytest.raises(Conflict, match="legal hold"):
        _erase(org, subject.person, admin)

    assert privacy_snapshot(org) == before
    with scopes_disabled():
        assert list(AuditEntry.objects.filter(organization=org).values()) == log_before


def test_erasure_needs_a_reason_and_happens_once(org, admin, subject):
    with pytest.raises(Invalid) as error:
        _erase(org, subject.person, admin, reason="   ")
    assert error.value.field == "reason"
    _erase(org, subject.person, admin)
    with pytest.raises(Conflict, match="already been erased"):
        _erase(org, subject.person, admin)


def test_an_erased_person_cannot_be_edited_from_the_page(org, admin, subject, client_for):
    _erase(org, subject.person, admin)

    body = (
        client_for(admin)
        .get(reverse("people:person", args=[org.slug, subject.person.pk]))
        .content.decode()
    )
    assert reverse("people:person-edit", args=[org.slug, subject.person.pk]) not in body


def test_erasure_leaves_other_persons_untouched(org, admin, subject):
    with scopes_disabled():
        before = Person.objects.filter(pk=subject.partner.pk).values().get()
        entries = list(
            AuditEntry.objects.filter(
                object_id=str(subject.partner.pk), object_type="people.person"
            )
            .order_by("pk")
            .values()
        )
        memberships = list(HouseholdMember.objects.filter(person=subject.partner).values())

    _erase(org, subject.person, admin)

    with scopes_disabled():
        assert Person.objects.filter(pk=subject.partner.pk).values().get() == before
        assert (
            list(
                AuditEntry.objects.filter(
                    object_id=str(subject.partner.pk), object_type="people.person"
                )
                .order_by("pk")
                .values()
            )
            == entries
        )
        assert list(HouseholdMember.objects.filter(person=subject.partner).values()) == memberships


def test_an_erased_person_is_not_found_through_their_households_name(org, admin):
    with scope(organization=org):
        person = people.create_person(
            org=org, values={"given_name": "Ole", "family_name": "Krogh"}, actor=admin
        )
        partner = people.create_person(
            org=org, values={"given_name": "Eva", "family_name": "Krogh"}, actor=admin
        )
        home = people.create_household(org=org, values={"label": "Familien Krogh"}, actor=admin)
        for member, relation in ((person, "head"), (partner, "partner")):
            people.add_to_household(
                org=org, household=home, person=member, relation=relation, actor=admin
            )
    _erase(org, person, admin)

    with scope(organization=org):
        membership = admin.memberships.get(organization=org)
        found = set(
            people_queries.persons(org, membership=membership, search="Familien").values_list(
                "pk", flat=True
            )
        )
    assert found == {partner.pk}
