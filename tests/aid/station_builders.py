"""Builders for the handout station's tests (and its permission-matrix entries): a
reservation written directly (rows plus RESERVE movements through the ledger, as the
reservations service would) and a booking with a code on today's distribution day."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
from django_scopes import scope

from kindred.aid.models import Booking, DistributionDay, NeedLine, Reservation, ReservationLine
from kindred.aid.services.common import number_for
from kindred.goods.models import Movement
from kindred.goods.services import ledger
from tests.conftest import admin_of, item_type, split_stock_code


def reserve(org, request, picks, *, site=None, actor=None, days: int = 14) -> Reservation:
    """Reserve for `request`: picks are (location, "child-winter-jacket-110", quantity) —
    each for the request's first need line of that item type — or (location, code,
    quantity, need line)."""
    actor = actor or admin_of(org)
    with scope(organization=org):
        needs = list(NeedLine.objects.filter(request=request).order_by("pk"))
        site = site or picks[0][0].site
        reservation = Reservation.objects.create(
            organization=org,
            number=number_for(org, Reservation),
            request=request,
            household=request.household,
            site=site,
            expires_at=timezone.now() + timedelta(days=days),
            created_by=actor,
        )
        moves = []
        for pick in picks:
            location, code, quantity = pick[:3]
            base, size = split_stock_code(code)
            kind = item_type(org, base)
            need = pick[3] if len(pick) > 3 else next(n for n in needs if n.item_type_id == kind.pk)
            ReservationLine.objects.create(
                organization=org,
                reservation=reservation,
                need=need,
                location=location,
                item_type=kind,
                size=size,
                grade="good",
                quantity=quantity,
            )
            moves.append(
                ledger.Move(
                    kind=Movement.Kind.RESERVE,
                    item_type_id=kind.pk,
                    size=size,
                    grade="good",
                    quantity=Decimal(quantity),
                    from_location=location.pk,
                    reason=reservation.reference,
                )
            )
        ledger.record(
            org=org,
            moves=moves,
            actor=actor,
            document_type="reservation",
            document_id=reservation.pk,
        )
    return reservation


def book(org, request, site, *, code: str = "", slot: time = time(10, 0)) -> Booking:
    """A booking of `request`'s household on today's distribution day at `site`."""
    with scope(organization=org):
        today = timezone.localdate()
        day = DistributionDay.objects.filter(organization=org, site=site, date=today).first()
        if day is None:
            day = DistributionDay.objects.create(
                organization=org, site=site, date=today, starts_at=time(9), ends_at=time(16)
            )
        start = timezone.make_aware(datetime.combine(today, slot))
        return Booking.objects.create(
            organization=org,
            request=request,
            household=request.household,
            day=day,
            slot_start=start,
            token=secrets.token_urlsafe(32),
            code=code or secrets.token_hex(4).upper(),
        )
