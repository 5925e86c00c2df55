"""Messages to households: the booking link, the confirmation after (re)booking, the notice
that a day was cancelled and the reminder the day before (ADR 0013, point 7).

Each message is rendered in the request's language and recorded as an `OutgoingMessage`
row inside the caller's transaction; it is handed to the e-mail or SMS backend by a background task
enqueued after commit (a rolled-back booking sends nothing), and the row then gets
`sent_at`, or the backend's `error` and a next attempt (retried with back-off, then given
up and shown on the home page). E-mail goes to the applicant's address when there is one, else an SMS to
the phone. Links are absolute: a page passes `base_url` (request.build_absolute_uri("/")),
a background job falls back to settings.KINDRED_BASE_URL (see `site_url`).

Its audit action ("aid.booking_link_sent") is listed in distribution.AUDIT.
"""

from __future__ import annotations

import logging
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from django_tasks import task

from kindred.core import audit, outbox
from kindred.core.models import User
from kindred.people.models import HouseholdMember, Person

from .. import sms
from ..models import Booking, HelpRequest, OutgoingMessage
from .common import AidError

logger = logging.getLogger(__name__)

Channel = OutgoingMessage.Channel
Kind = OutgoingMessage.Kind
LANGUAGES = {code for code, _name in settings.LANGUAGES}


def site_url(base_url: str | None = None) -> str:
    """The server's address for links in messages, without a trailing slash."""
    url = base_url or settings.KINDRED_BASE_URL
    return url.rstrip("/")


def link_url(booking: Booking, base_url: str | None = None) -> str:
    """The absolute URL of the booking's personal link."""
    return site_url(base_url) + reverse("aid:booking-link", kwargs={"token": booking.token})


def language_of(request: HelpRequest) -> str:
    """The language the household reads (the request's, else the organisation's)."""
    if request.language in LANGUAGES:
        return request.language
    default = request.organization.default_language
    return default if default in LANGUAGES else settings.LANGUAGE_CODE


def contact_of(request: HelpRequest) -> Person | None:
    """Whom messages go to: the applicant, else the household's head."""
    if request.applicant_id is not None:
        return request.applicant
    member = (
        HouseholdMember.objects.filter(
            household_id=request.household_id, left_on=None, relation="head"
        )
        .select_related("person")
        .order_by("pk")
        .first()
    )
    return member.person if member else None


def recipient(request: HelpRequest, channel: str | None = None) -> tuple[str, str] | None:
    """(channel, address) for a message about `request`, or None when there is none."""
    person = contact_of(request)
    email = (person.email or "").strip() if person else ""
    phone = (person.phone or "").strip() if person else ""
    if channel == Channel.EMAIL:
        return (Channel.EMAIL, email) if email else None
    if channel == Channel.SMS:
        return (Channel.SMS, phone) if phone else None
    if email:
        return Channel.EMAIL, email
    if phone:
        return Channel.SMS, phone
    return None


SUBJECTS = {
    Kind.BOOKING_LINK: lambda org: _("Choose your pickup time at %(org)s") % {"org": org},
    Kind.CONFIRMATION: lambda org: _("Your pickup time at %(org)s") % {"org": org},
    Kind.REMINDER: lambda org: _("Reminder: your pickup at %(org)s tomorrow") % {"org": org},
}
CANCELLED_SUBJECT = "cancelled"


def has_slot(booking: Booking) -> bool:
    """Whether the household has booked a time: its link message then gives that time and
    how to change it, never "choose your time"."""
    return (
        booking.status == Booking.Status.BOOKED
        and booking.day_id is not None
        and booking.slot_start is not None
    )


def _render(booking: Booking, kind: str, channel: str, base_url: str | None, template: str):
    request = booking.request
    org = booking.organization
    day = booking.day
    with translation.override(language_of(request)), timezone.override(org.time_zone):
        booked = has_slot(booking)
        context = {
            "org": org,
            "reference": request.reference,
            "booking": booking,
            "day": day,
            "site": day.site if day is not None else None,
            "slot_start": timezone.localtime(booking.slot_start) if booking.slot_start else None,
            "booked": booked,
            "link": link_url(booking, base_url),
            "sms": channel == Channel.SMS,
        }
        if template == CANCELLED_SUBJECT:
            subject = _("Pickup day cancelled at %(org)s") % {"org": org.name}
            body = render_to_string("aid/email/booking_day_cancelled.txt", context)
        elif kind == Kind.BOOKING_LINK and booked:
            # A household that has booked gets its time and how to change it.
            subject = SUBJECTS[Kind.CONFIRMATION](org.name)
            body = render_to_string(f"aid/email/booking_{kind}.txt", context)
        else:
            subject = SUBJECTS[kind](org.name)
            body = render_to_string(f"aid/email/booking_{kind}.txt", context)
    return subject, body.strip()


@task()
def deliver_message(*, message_id: int) -> bool:
    """Hand one recorded message to its backend and record the outcome (a background task,
    enqueued after commit). A failure is tried again by the worker's schedule after 1, 2,
    4, 8 and 16 minutes (core.outbox's back-off); then it is given up and shown on the
    home page. Returns whether it went."""
    with scopes_disabled(), transaction.atomic():
        message = OutgoingMessage.objects.select_for_update().get(pk=message_id)
        if message.sent_at is not None or (message.error and message.next_attempt_at is None):
            return message.sent_at is not None  # sent meanwhile, or given up
        try:
            if message.channel == Channel.EMAIL:
                send_mail(
                    message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.recipient]
                )
            else:
                sms.get_backend().send(message.recipient, message.body)
        except (sms.SmsError, SMTPException, OSError) as exc:
            message.attempts += 1
            message.error = str(exc)[:300] or exc.__class__.__name__
            message.next_attempt_at = outbox.next_attempt(message.attempts)
            message.save(update_fields=["attempts", "error", "next_attempt_at"])
            logger.warning(
                "Message %s to %s failed: %s", message.pk, message.recipient, message.error
            )
            return False
        message.sent_at = timezone.now()
        message.error = ""
        message.next_attempt_at = None
        message.save(update_fields=["sent_at", "error", "next_attempt_at"])
        return True


def retry_due(now=None) -> int:
    """Enqueue every failed message whose next attempt is due (the worker's schedule)."""
    now = now or timezone.now()
    with scopes_disabled():
        due = list(
            OutgoingMessage.objects.filter(
                sent_at__isnull=True, next_attempt_at__lte=now
            ).values_list("pk", flat=True)
        )
    for message_id in due:
        deliver_message.enqueue(message_id=message_id)
    return len(due)


def queue_message(
    *,
    booking: Booking,
    kind: str,
    channel: str | None = None,
    base_url: str | None = None,
    template: str = "",
) -> OutgoingMessage | None:
    """Record a message about `booking` and send it after commit. None when the household
    has no address for the channel (nothing is recorded then)."""
    target = recipient(booking.request, channel)
    if target is None:
        return None
    channel, address = target
    subject, body = _render(booking, kind, channel, base_url, template)
    message = OutgoingMessage.objects.create(
        organization=booking.organization,
        booking=booking,
        channel=channel,
        kind=kind,
        recipient=address[:200],
        subject="" if channel == Channel.SMS else subject[:200],
        body=body,
    )
    message_id = message.pk
    transaction.on_commit(lambda: deliver_message.enqueue(message_id=message_id))
    return message


def send_booking_link(
    *,
    booking: Booking,
    channel: str | None = None,
    actor: User | None,
    base_url: str | None = None,
) -> OutgoingMessage:
    """Send the household its personal link: by e-mail when the applicant has an address,
    else by SMS (or by the `channel` asked for). Refused when there is no address. A
    household with a booked time is told that time and how to change it (`has_slot`)."""
    if channel not in (None, "", Channel.EMAIL, Channel.SMS):
        raise AidError(_("Choose e-mail or SMS."), field="channel")
    if booking.status != Booking.Status.BOOKED:
        raise AidError(_("This booking is no longer open."))
    with transaction.atomic():
        message = queue_message(
            booking=booking, kind=Kind.BOOKING_LINK, channel=channel or None, base_url=base_url
        )
        if message is None:
            if channel == Channel.SMS:
                text = _("The household has no phone number.")
            elif channel == Channel.EMAIL:
                text = _("The household has no e-mail address.")
            else:
                text = _("The household has no e-mail address or phone number.")
            raise AidError(text, field="channel")
        audit.log(
            org=booking.organization,
            actor=actor,
            action="aid.booking_link_sent",
            obj=booking,
            changes={"channel": [None, message.channel]},
        )
    return message


def send_confirmation(*, booking: Booking, base_url: str | None = None):
    return queue_message(booking=booking, kind=Kind.CONFIRMATION, base_url=base_url)


def send_day_cancelled(*, booking: Booking, base_url: str | None = None):
    return queue_message(
        booking=booking, kind=Kind.BOOKING_LINK, base_url=base_url, template=CANCELLED_SUBJECT
    )


def send_reminder(*, booking: Booking, base_url: str | None = None):
    return queue_message(booking=booking, kind=Kind.REMINDER, base_url=base_url)
