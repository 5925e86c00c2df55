"""E-mail goes out as a background task: a failing mail server never turns a saved action
into an error, the failure is recorded and tried again with back-off, administrators see
it, and "sent at" is set only when the mail went (core/outbox.py)."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kindred.core import outbox
from kindred.core.models import Invitation, OutgoingMail
from kindred.goods.models import DonationReceipt
from kindred.people import services as people
from tests.conftest import item_type, make_location

REFUSING = override_settings(EMAIL_BACKEND="tests.mail_backends.RefusingBackend")


def _mail(**filters) -> OutgoingMail:
    with scopes_disabled():
        return OutgoingMail.objects.get(**filters)


def test_an_invitation_is_saved_when_the_mail_server_fails_and_sent_on_retry(
    org, admin, client_for, django_capture_on_commit_callbacks
):
    url = reverse("core:member-invite", kwargs={"org_slug": org.slug})
    with REFUSING, django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(url, {"email": "new@example.test", "role": "volunteer"})
    assert response.status_code in (200, 302)
    with scopes_disabled():
        assert Invitation.objects.filter(organization=org, email="new@example.test").exists()
    failed = _mail(kind="core.invitation", recipient="new@example.test")
    assert (failed.status, failed.attempts, failed.sent_at) == ("queued", 1, None)
    assert "closed" in failed.last_error
    assert failed.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert mail.outbox == []

    assert outbox.retry_due() == 0  # not due yet
    assert outbox.retry_due(now=failed.next_attempt_at) == 1  # the worker's schedule
    sent = _mail(pk=failed.pk)
    assert (sent.status, sent.attempts, sent.body) == ("sent", 2, "")  # the link is not kept
    [message] = mail.outbox
    assert message.to == ["new@example.test"] and "/invitations/" in message.body


def test_a_thank_you_is_marked_sent_only_when_it_went(
    org, site, volunteer, admin, client_for, django_capture_on_commit_callbacks
):
    shelf = make_location(org, site, "Shelf A", kind="shelf")
    with scope(organization=org):
        bakery = people.create_contact(
            org=org, values={"name": "Bageriet AB", "email": "info@bageriet.test"}, actor=admin
        )
    intake = reverse("goods:intake", kwargs={"org_slug": org.slug})
    with REFUSING, django_capture_on_commit_callbacks(execute=True):
        response = client_for(volunteer).post(
            intake,
            {
                "site": site.pk,
                "received_on": timezone.localdate().isoformat(),
                "channel": "drop_off",
                "donor_kind": "contact",
                "donor_contact": bakery.pk,
                "donor": "Bageriet AB",
                "idempotency_key": "thank-you-1",
                "lines-0-item_type": item_type(org, "sofa").pk,
                "lines-0-quantity": "1",
                "lines-0-grade": "good",
                "lines-0-location": shelf.pk,
            },
        )
    assert response.status_code == 302  # saved: the receipt's page, not an error
    with scopes_disabled():
        receipt = DonationReceipt.objects.get(organization=org, idempotency_key="thank-you-1")
    assert receipt.thank_you_sent_at is None  # saved, not thanked yet
    queued = _mail(kind="goods.thank_you", object_id=receipt.pk)
    assert queued.status == "queued" and queued.attempts == 1

    outbox.retry_due(now=queued.next_attempt_at)
    sent = _mail(pk=queued.pk)
    with scopes_disabled():
        receipt = DonationReceipt.objects.get(pk=receipt.pk)
    assert sent.status == "sent" and receipt.thank_you_sent_at == sent.sent_at
    assert mail.outbox[0].to == ["info@bageriet.test"]


def test_a_mail_that_keeps_failing_is_given_up_and_shown_to_administrators(
    org, admin, coordinator, outsider, other_org, client_for, django_capture_on_commit_callbacks
):
    url = reverse("core:member-invite", kwargs={"org_slug": org.slug})
    with REFUSING:
        with django_capture_on_commit_callbacks(execute=True):
            client_for(admin).post(url, {"email": "late@example.test", "role": "volunteer"})
        waits = []
        for _attempt in range(outbox.MAX_ATTEMPTS - 1):
            due = _mail(recipient="late@example.test")
            waits.append(due.next_attempt_at - timezone.now())
            outbox.retry_due(now=due.next_attempt_at)
    given_up = _mail(recipient="late@example.test")
    assert (given_up.status, given_up.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    assert [round(w / timedelta(minutes=1)) for w in waits] == [1, 2, 4, 8, 16]
    assert outbox.retry_due(now=timezone.now() + timedelta(days=1)) == 0

    home = reverse("core:dashboard", kwargs={"org_slug": org.slug})
    assert "late@example.test" in client_for(admin).get(home).content.decode()
    assert "late@example.test" not in client_for(coordinator).get(home).content.decode()
    # Another organisation's administrator sees its own home page without it.
    theirs = reverse("core:dashboard", kwargs={"org_slug": other_org.slug})
    assert client_for(outsider).get(home).status_code == 404
    assert "late@example.test" not in client_for(outsider).get(theirs).content.decode()
