"""Aid services: reservations end (ADR 0013 §5). A coordinator cancels one, or the
scheduled job expires those not collected in time; either way its reserved units go back
to available stock through RELEASE movements of one ledger call."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from kindred.core import audit
from kindred.goods.models import Movement
from kindred.goods.services import ledger
from kindred.goods.services.common import StockError

from ..models import Reservation
from .common import AidError
from .requests import refresh_status

logger = logging.getLogger(__name__)

AUDIT: dict = {
    "aid.reservation_cancelled": gettext_lazy("Reservation cancelled"),
    "aid.reservation_expired": gettext_lazy("Reservation expired"),
}


def _release(reservation: Reservation, *, status: str, actor, reason: str, action: str) -> None:
    """Inside a transaction holding the reservation's row lock: release its units, close it."""
    moves = [
        ledger.Move(
            kind=Movement.Kind.RELEASE,
            item_type_id=line.item_type_id,
            size=line.size,
            grade=line.grade,
            quantity=Decimal(line.quantity),
            from_location=line.location_id,
            reason=reason or reservation.reference,
        )
        for line in reservation.lines.order_by("pk")
    ]
    if moves:
        ledger.record(
            org=reservation.organization,
            moves=moves,
            actor=actor,
            document_type="reservation",
            document_id=reservation.pk,
        )
    before = reservation.status
    reservation.status = status
    reservation.closed_at = timezone.now()
    reservation.save(update_fields=["status", "closed_at"])
    audit.log(
        org=reservation.organization,
        actor=actor,
        action=action,
        obj=reservation,
        changes={"status": [before, status], **({"reason": [None, reason]} if reason else {})},
    )


def cancel_reservation(*, reservation: Reservation, actor, reason: str = "") -> Reservation:
    """Cancel an active reservation: its units become available again."""
    with transaction.atomic():
        reservation = (
            Reservation.objects.select_for_update(of=("self",))
            .select_related("organization", "request")
            .get(pk=reservation.pk)
        )
        if reservation.status != Reservation.Status.ACTIVE:
            raise AidError(_("This reservation was already handed out, cancelled or has expired."))
        _release(
            reservation,
            status=Reservation.Status.CANCELLED,
            actor=actor,
            reason=reason.strip()[:300],
            action="aid.reservation_cancelled",
        )
        refresh_status(request=reservation.request, actor=actor)
    return reservation


def expire_due(*, now=None) -> int:
    """Expire every active reservation (all organisations) whose time is up; returns how
    many. Each in its own transaction with its row locked and its status read again under
    the lock, so a handout at the station at the same moment wins and is not undone."""
    now = now or timezone.now()
    with scopes_disabled():
        due = list(
            Reservation.objects.filter(status=Reservation.Status.ACTIVE, expires_at__lte=now)
            .order_by("expires_at", "pk")
            .values_list("pk", "organization_id")
        )
    expired = 0
    for pk, _org_id in due:
        with scopes_disabled():
            reservation = Reservation.objects.select_related("organization").get(pk=pk)
        try:
            with scope(organization=reservation.organization), transaction.atomic():
                reservation = (
                    Reservation.objects.select_for_update(of=("self",))
                    .select_related("organization", "request")
                    .get(pk=pk)
                )
                if reservation.status != Reservation.Status.ACTIVE or reservation.expires_at > now:
                    continue
                _release(
                    reservation,
                    status=Reservation.Status.EXPIRED,
                    actor=None,
                    reason="",
                    action="aid.reservation_expired",
                )
                refresh_status(request=reservation.request, actor=None)
                expired += 1
        except StockError:
            # A balance that no longer holds the reserved units (a bug or a manual fix):
            # this reservation stays for a person to look at; the others go on.
            logger.exception("Reservation %s could not be expired", pk)
    if expired:
        logger.info("%s reservations expired", expired)
    return expired
