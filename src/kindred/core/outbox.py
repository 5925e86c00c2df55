"""E-mail as a background task: queue in the action's transaction, deliver after commit,
retry with back-off, record the failure where an administrator sees it.

`queue()` records an OutgoingMail and enqueues `deliver_mail` once the transaction commits,
so a rolled-back action sends nothing and a failing mail server never turns a saved action
into an error page. A failed attempt is recorded (attempts, error) and tried again by the
worker's schedule (`retry_due`, declared in core/contrib.py) after 1, 2, 4, 8 and 16
minutes; after MAX_ATTEMPTS it stays failed, on the home page's card for administrators.
When a mail goes, the apps' hooks for its kind run (extension point "core.mail_sent"): goods
notes the receipt's thank-you as sent only then."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone
from django_scopes import scopes_disabled
from django_tasks import task

from . import declarations
from .models import Organization, OutgoingMail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(minutes=1)


def next_attempt(attempts: int, now=None):
    """When a message that failed `attempts` times is tried again (1, 2, 4, 8, 16 minutes
    later), or None when it is given up. For e-mails here and the apps' own messages."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return (now or timezone.now()) + FIRST_RETRY * 2 ** (attempts - 1)


@dataclass(frozen=True)
class MailSent:
    """Run `hook(mail)` in the transaction that marks a mail of `kind` as sent."""

    kind: str
    hook: Callable[[OutgoingMail], object]


def queue(
    *,
    org: Organization,
    kind: str,
    recipient: str,
    subject: str,
    body: str,
    about: models.Model | None = None,
) -> OutgoingMail:
    """Record a mail and deliver it after the current transaction commits."""
    mail = OutgoingMail.objects.create(
        organization=org,
        kind=kind,
        recipient=recipient,
        subject=subject[:200],
        body=body,
        object_type=about._meta.label_lower if about is not None else "",
        object_id=about.pk if about is not None else None,
    )
    mail_id = mail.pk
    transaction.on_commit(lambda: deliver_mail.enqueue(mail_id=mail_id))
    return mail


@task()
def deliver_mail(*, mail_id: int) -> str:
    """Send one queued mail; record the outcome. Returns the mail's status."""
    with scopes_disabled(), transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().get(pk=mail_id)
        if mail.status != OutgoingMail.Status.QUEUED:
            return mail.status  # sent meanwhile by another worker, or given up
        try:
            send_mail(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, [mail.recipient])
        except (SMTPException, OSError) as error:
            mail.attempts += 1
            mail.last_error = (str(error) or error.__class__.__name__)[:300]
            mail.next_attempt_at = next_attempt(mail.attempts)
            if mail.next_attempt_at is None:
                mail.status = OutgoingMail.Status.FAILED
            mail.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            logger.warning("Mail %s to %s failed: %s", mail.pk, mail.recipient, mail.last_error)
            return mail.status
        mail.attempts += 1
        mail.status = OutgoingMail.Status.SENT
        mail.sent_at = timezone.now()
        mail.body = ""
        mail.next_attempt_at = None
        mail.save(update_fields=["attempts", "status", "sent_at", "body", "next_attempt_at"])
        for sent in declarations.extensions("core.mail_sent"):
            if sent.kind == mail.kind:
                sent.hook(mail)
        return mail.status


def retry_due(now=None) -> int:
    """Enqueue every queued mail whose next attempt is due (the worker's schedule)."""
    now = now or timezone.now()
    with scopes_disabled():
        due = list(
            OutgoingMail.objects.filter(
                status=OutgoingMail.Status.QUEUED, next_attempt_at__lte=now
            ).values_list("pk", flat=True)
        )
    for mail_id in due:
        deliver_mail.enqueue(mail_id=mail_id)
    return len(due)
