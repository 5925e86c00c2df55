"""The access export: everything held about a person, as JSON, a readable page and a PDF."""

from __future__ import annotations

import json
import re

from django.apps import apps
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from kindred.core.models import AuditEntry
from kindred.people import services as people
from kindred.people.models import Person

from .conftest import CPR, EMAIL, FAMILY, GIVEN, PHONE_E164, build_subject


def _models_referring_to_person() -> dict[str, set[str]]:
    """Computed from the model registry: {model label: every concrete field name}."""
    return {
        m._meta.label_lower: {f.name for f in m._meta.concrete_fields}
        for m in apps.get_models(include_auto_created=True)
        if m is not Person
        and any(f.is_relation and f.related_model is Person for f in m._meta.concrete_fields)
    }


def _json_export(client, org, person) -> dict:
    response = client.get(reverse("privacy:person-export-json", args=[org.slug, person.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    return json.loads(response.content)


def test_the_export_has_every_field_of_every_model_that_refers_to_a_person(
    org, admin, subject, client_for
):
    data = _json_export(client_for(admin), org, subject.person)

    assert {f.name for f in Person._meta.concrete_fields} <= set(data["person"])
    sections = {s["model"]: s for s in data["related"]}
    for label, fields in _models_referring_to_person().items():
        assert label in sections, label
        assert set(sections[label]["columns"]) == fields, label
        # build_subject gives the person a row in every such table, so real values are
        # exported; a model added later fails here until build_subject makes one of its rows.
        assert sections[label]["rows"], f"add a {label} row to build_subject"
        for row in sections[label]["rows"]:
            assert set(row["fields"]) == fields, label


def test_the_exported_values_are_the_stored_values(org, admin, subject, client_for):
    data = _json_export(client_for(admin), org, subject.person)

    with scopes_disabled():
        for section in data["related"]:
            model = apps.get_model(section["model"])
            for row in section["rows"]:
                stored = model._base_manager.get(pk=row["fields"]["id"])
                for f in model._meta.concrete_fields:
                    value = f.value_from_object(stored)
                    exported = row["fields"][f.name]
                    if hasattr(value, "isoformat"):
                        value = value.isoformat()
                    assert exported == value, (section["model"], f.name)


def test_the_export_decrypts_the_identity_number_and_links_one_hop(org, admin, subject, client_for):
    data = _json_export(client_for(admin), org, subject.person)

    person = data["person"]
    assert person["national_id"] == CPR.replace("-", "")
    assert (person["given_name"], person["family_name"]) == (GIVEN, FAMILY)
    assert (person["phone"], person["email"]) == (PHONE_E164, EMAIL)
    sections = {s["model"]: s for s in data["related"]}
    membership = sections["people.householdmember"]["rows"][0]
    assert membership["linked"]["household"]["label"] == "Flat 3B"
    consent = sections["people.consent"]["rows"][0]
    assert consent["linked"]["purpose"]["name"] == "Help records"
    # The partner is another person: only their record number, never their data.
    dismissal = sections["people.duplicatedismissal"]["rows"][0]
    assert "linked" not in dismissal
    assert subject.partner.pk in {dismissal["fields"]["person_a"], dismissal["fields"]["person_b"]}
    assert "Lund" not in json.dumps(data, ensure_ascii=False)


def test_the_export_includes_the_history_without_staff_identities(org, admin, subject, client_for):
    data = _json_export(client_for(admin), org, subject.person)

    actions = [line["action"] for line in data["audit_log"]]
    assert {"person.created", "person.updated", "household.member_added"} <= set(actions)
    assert {"legal_hold.placed", "legal_hold.lifted", "person.viewed"} <= set(actions)
    text = json.dumps(data["audit_log"], ensure_ascii=False)
    assert admin.email not in text and "ip_address" not in text


def test_every_export_is_audited_with_its_format(org, admin, subject, client_for):
    client = client_for(admin)
    for name in (
        "privacy:person-export-json",
        "privacy:person-export",
        "privacy:person-export-pdf",
    ):
        assert client.get(reverse(name, args=[org.slug, subject.person.pk])).status_code == 200

    with scopes_disabled():
        formats = list(
            AuditEntry.objects.filter(action="person.exported", object_id=str(subject.person.pk))
            .order_by("id")
            .values_list("changes__format", flat=True)
        )
    assert formats == ["json", "page", "pdf"]


def test_the_readable_page_shows_everything_with_labels(org, admin, subject, client_for):
    response = client_for(admin).get(
        reverse("privacy:person-export", args=[org.slug, subject.person.pk])
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Personal data held by Home Charity" in body
    assert f"{CPR.replace('-', '')} (DK)" in body
    assert EMAIL in body and "Flat 3B" in body and "Help records" in body
    assert "Deputy of Jørgensen" in body
    assert "national_id_ciphertext" not in body  # technical columns are in the JSON only
    assert 'href="/static/privacy/privacy.css"' in body or "privacy/privacy.css" in body


def test_the_pdf_is_a_pdf_with_an_embedded_unicode_font(org, admin, client_for):
    with scope(organization=org):
        person = people.create_person(
            org=org,
            values={"given_name": "Олена", "family_name": "Коваленко", "notes": "Ærø, Åsa, Über"},
            actor=admin,
        )
    response = client_for(admin).get(
        reverse("privacy:person-export-pdf", args=[org.slug, person.pk])
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="person-{person.pk}.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert b"DejaVuSans" in response.content
    assert len(response.content) > 5000


def test_the_pdf_of_a_rich_record_spans_pages_without_failing(org, admin, client_for):
    subject = build_subject(org, admin)
    with scope(organization=org):
        for i in range(60):
            people.update_person(
                org=org, person=subject.person, values={"city": f"By {i}"}, actor=admin
            )
    response = client_for(admin).get(
        reverse("privacy:person-export-pdf", args=[org.slug, subject.person.pk])
    )
    assert response.status_code == 200
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", response.content)) >= 2


def test_the_export_of_an_erased_person_holds_no_personal_data(org, admin, subject, client_for):
    from kindred.privacy import services as privacy

    with scope(organization=org):
        privacy.erase_person(org=org, person=subject.person, reason="Asked", actor=admin)

    text = json.dumps(_json_export(client_for(admin), org, subject.person), ensure_ascii=False)
    for secret in (GIVEN, FAMILY, PHONE_E164, EMAIL, CPR.replace("-", "")):
        assert secret not in text
    assert '"national_id": null' in text
