"""The thank-you: the printable receipt, its PDF, and the e-mail — sent only to a donor
with an address and, for a person, a lawful basis for donor communication."""

from __future__ import annotations

from decimal import Decimal

import pypdfium2
import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from kindred.core.models import AuditEntry
from kindred.core.services import DomainError
from kindred.goods.models import DonationReceipt, GoodsSettings
from kindred.goods.services import ensure_donor_purpose, record_receipt, send_thank_you
from kindred.goods.services.intake import DONOR_PURPOSE, ReceiptLineIn
from kindred.people import services as people
from tests.conftest import item_type, make_location, snapshot


@pytest.fixture
def shelf(org, site):
    return make_location(org, site, "Shelf A", kind="shelf")


def lines(org, shelf) -> list[ReceiptLineIn]:
    return [
        ReceiptLineIn(item_type(org, "child-winter-jacket"), "110", "good", Decimal(3), shelf),
        ReceiptLineIn(item_type(org, "sofa"), "", "good", Decimal(1), shelf),
    ]


def record(org, site, shelf, actor, **donor) -> DonationReceipt:
    with scope(organization=org):
        return record_receipt(org=org, site=site, lines=lines(org, shelf), actor=actor, **donor)


def person(org, admin, **values):
    with scope(organization=org):
        return people.create_person(
            org=org, values={"given_name": "Karin", "family_name": "Berg", **values}, actor=admin
        )


def consent(org, admin, who):
    with scope(organization=org):
        purpose = ensure_donor_purpose(org)
        people.record_consent(org=org, person=who, purpose=purpose, basis="consent", actor=admin)


def test_a_company_with_an_address_is_thanked_after_commit(
    org, site, shelf, volunteer, admin, django_capture_on_commit_callbacks
):
    with scope(organization=org):
        bakery = people.create_contact(
            org=org, values={"name": "Bageriet AB", "email": "info@bageriet.test"}, actor=admin
        )
    with django_capture_on_commit_callbacks(execute=True):
        receipt = record(org, site, shelf, volunteer, donor_kind="contact", donor_contact=bakery)

    [message] = mail.outbox
    assert message.to == ["info@bageriet.test"]
    assert "R-1" in message.body and "Home Charity" in message.subject
    receipt.refresh_from_db()
    assert receipt.thank_you_sent_at is not None
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="receipt.thanked").count() == 1


def test_a_person_is_thanked_only_with_consent_in_their_language(
    org, site, shelf, volunteer, admin, django_capture_on_commit_callbacks
):
    karin = person(org, admin, email="karin@example.test", languages=["sv"])
    with django_capture_on_commit_callbacks(execute=True):
        without = record(org, site, shelf, volunteer, donor_kind="person", donor_person=karin)
    assert mail.outbox == [] and without.thank_you_sent_at is None
    with scopes_disabled():
        # The purpose exists from the first donation on, so consent can be recorded for it.
        assert org.pk in {p.organization_id for p in people_purposes(DONOR_PURPOSE)}

    consent(org, admin, karin)
    with django_capture_on_commit_callbacks(execute=True):
        record(org, site, shelf, volunteer, donor_kind="person", donor_person=karin)

    [message] = mail.outbox
    assert message.to == ["karin@example.test"]
    from django.utils import translation

    with translation.override("sv"):
        expected = translation.gettext("Thank you for your donation to %(org)s") % {
            "org": "Home Charity"
        }
    assert message.subject == expected


def people_purposes(key):
    from kindred.people.models import ConsentPurpose

    return ConsentPurpose.objects.filter(key=key)


def test_no_e_mail_without_an_address_or_for_anonymous_donors(
    org, site, shelf, volunteer, admin, django_capture_on_commit_callbacks
):
    karin = person(org, admin)
    consent(org, admin, karin)
    with django_capture_on_commit_callbacks(execute=True):
        record(org, site, shelf, volunteer, donor_kind="person", donor_person=karin)
        record(org, site, shelf, volunteer, donor_kind="named", donor_name="Mrs Holm")
        record(org, site, shelf, volunteer)
    assert mail.outbox == []


def test_sending_the_thank_you_again_from_the_receipt_page(
    org, site, shelf, volunteer, admin, client_for, django_capture_on_commit_callbacks
):
    with scope(organization=org):
        bakery = people.create_contact(
            org=org, values={"name": "Bageriet AB", "email": "info@bageriet.test"}, actor=admin
        )
    receipt = record(org, site, shelf, volunteer, donor_kind="contact", donor_contact=bakery)
    url = reverse("goods:receipt-thank", args=[org.slug, receipt.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(volunteer).post(url)

    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["info@bageriet.test"]]


def test_a_thank_you_to_a_person_without_consent_is_refused(org, site, shelf, volunteer, admin):
    karin = person(org, admin, email="karin@example.test")
    receipt = record(org, site, shelf, volunteer, donor_kind="person", donor_person=karin)
    before = snapshot(org)

    with scope(organization=org), pytest.raises(DomainError) as error:
        send_thank_you(org=org, receipt=receipt, actor=volunteer)
    assert "agreed" in error.value.message
    assert snapshot(org) == before


def test_the_printable_receipt_has_the_organisation_donor_lines_and_totals(
    org, site, shelf, volunteer, admin, client_for
):
    with scope(organization=org):
        GoodsSettings.objects.create(organization=org, thank_you_text="Tak for hjælpen!")
    receipt = record(org, site, shelf, volunteer, donor_kind="named", donor_name="Mrs Holm")

    response = client_for(volunteer).get(
        reverse("goods:receipt-print", args=[org.slug, receipt.pk])
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Home Charity" in body and "R-1" in body and "Mrs Holm" in body
    assert "Tak for hjælpen!" in body
    # 3 jackets at 0.8 kg and a 45 kg sofa; fair value only for the sofa (1000 DKK).
    assert "47.4" in body and "1000.00 DKK" in body
    assert "goods/intake.css" in body  # its print rules hide the menus


def test_the_pdf_is_a_pdf_with_the_receipt_number(org, site, shelf, volunteer, client_for):
    receipt = record(org, site, shelf, volunteer, donor_kind="named", donor_name="Åsa Öberg")

    response = client_for(volunteer).get(reverse("goods:receipt-pdf", args=[org.slug, receipt.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    document = pypdfium2.PdfDocument(response.content)
    text = document[0].get_textpage().get_text_range()
    assert "R-1" in text and "Åsa Öberg" in text and "Home Charity" in text


def test_the_donor_consent_purpose_reads_in_the_readers_language(org):
    from django.utils import translation

    from kindred.goods.services import ensure_donor_purpose
    from kindred.people.services.consent import purpose_label

    with scope(organization=org):
        purpose = ensure_donor_purpose(org)
    with translation.override("da"):
        danish = purpose_label(purpose)
    assert purpose_label(purpose) == "Donor communication"
    assert danish != "Donor communication" and danish
