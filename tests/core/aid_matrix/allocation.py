"""Aid matrix: allocation runs, reservations and the pick list. build() adds an active
reservation of one toy for a second request of the world's household (written directly,
with its RESERVE movement through the goods service), then a proposed allocation run
over the world's site (computed at once, as the task would), and a distribution day on
which that request has a booked slot."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
from django_scopes import scope

from kindred.aid.models import (
    AllocationRun,
    Booking,
    DistributionDay,
    ProposalLine,
    Reservation,
    ReservationLine,
)
from kindred.aid.services import allocation as allocation_services
from kindred.aid.services.common import number_for
from kindred.aid.tasks.allocation import compute_run
from kindred.core.roles import Action
from kindred.goods.models import StockBalance
from kindred.goods.services.stock import reserve
from tests.aid.builders import help_request
from tests.core.endpoint import ORG_API_PREFIX, Endpoint

AID = ORG_API_PREFIX + "/aid"


def build(world, owner) -> None:
    org, aid, goods = world.org, world.aid, world.goods
    shelf, toy = goods["shelf"], goods["toy"]
    second = help_request(org, aid["household"], [("toy", [], 1, 1)], created_by=owner)
    with scope(organization=org):
        reservation = Reservation.objects.create(
            organization=org,
            number=number_for(org, Reservation),
            request=second,
            household=aid["household"],
            site=world.site,
            expires_at=timezone.now() + timedelta(days=14),
            created_by=owner,
        )
        ReservationLine.objects.create(
            organization=org,
            reservation=reservation,
            need=second.lines.get(),
            location=shelf,
            item_type=toy,
            size="",
            grade="good",
            quantity=1,
        )
        reserve(
            org=org,
            location=shelf,
            item_type=toy,
            size="",
            grade="good",
            quantity=Decimal(1),
            actor=owner,
            document_type="reservation",
            document_id=reservation.pk,
        )
        run = allocation_services.start_run(org=org, sites=[world.site], actor=owner)
        compute_run(run_id=run.pk, progress_id=run.progress_id)
        run.refresh_from_db()
        day = DistributionDay.objects.create(
            organization=org,
            site=world.site,
            date=date(2030, 1, 7),
            starts_at=time(10),
            ends_at=time(12),
            created_by=owner,
        )
        Booking.objects.create(
            organization=org,
            request=second,
            household=aid["household"],
            day=day,
            slot_start=timezone.make_aware(datetime(2030, 1, 7, 10, 15)),
            token=f"allocation-matrix-{second.pk}",
            code=f"AM{second.pk}",
            created_by=owner,
        )
        toy_balance = StockBalance.objects.get(location=shelf, item_type=toy, grade="good")
    aid.update(
        allocation_run=run,
        reservation=reservation,
        pick_day=day,
        toy_need=_toy_need(org, aid),
        toy_balance=toy_balance,
    )


def _toy_need(org, aid):
    with scope(organization=org):
        return aid["request"].lines.get(item_type__code="toy")


def _run(w) -> dict:
    return {"run_id": w.aid["allocation_run"].pk}


def _reservation(w) -> dict:
    return {"reservation_id": w.aid["reservation"].pk}


def _line(w) -> dict:
    return {"need": w.aid["toy_need"].pk, "balance": w.aid["toy_balance"].pk, "quantity": 0}


def _api_line(w) -> dict:
    return {"need_id": w.aid["toy_need"].pk, "balance_id": w.aid["toy_balance"].pk, "quantity": 0}


# What the writes change (Endpoint.effect).


def _run_started(w) -> bool:
    """A new run over the world's site (the world's own run is there already)."""
    new = AllocationRun.objects.filter(sites=w.site).exclude(pk=w.aid["allocation_run"].pk)
    return new.exists()


def _line_removed(w) -> bool:
    """Quantity 0: the proposal no longer gives the toy need any toy from the shelf."""
    line = ProposalLine.objects.filter(
        run=w.aid["allocation_run"], need=w.aid["toy_need"], balance=w.aid["toy_balance"]
    )
    return not line.exists()


def _discarded(w) -> bool:
    return AllocationRun.objects.filter(
        pk=w.aid["allocation_run"].pk, status=AllocationRun.Status.DISCARDED
    ).exists()


def _confirmed(w) -> bool:
    run = w.aid["allocation_run"]
    return (
        AllocationRun.objects.filter(pk=run.pk, status=AllocationRun.Status.CONFIRMED).exists()
        and Reservation.objects.filter(run=run, status=Reservation.Status.ACTIVE).exists()
    )


def _reservation_cancelled(w) -> bool:
    return Reservation.objects.filter(
        pk=w.aid["reservation"].pk, status=Reservation.Status.CANCELLED
    ).exists()


PAGES: list = [
    Endpoint("page", "aid:allocation", "GET", Action.ALLOCATE),
    Endpoint(
        "page",
        "aid:allocation",
        "POST",
        Action.ALLOCATE,
        data=lambda w: {"sites": [w.site.pk]},
        effect=_run_started,
        audit="aid.allocation_started",
    ),
    Endpoint("page", "aid:allocation-run", "GET", Action.ALLOCATE, _run),
    Endpoint(
        "page",
        "aid:allocation-line",
        "POST",
        Action.ALLOCATE,
        _run,
        _line,
        effect=_line_removed,
        audit="aid.allocation_line_changed",
    ),
    Endpoint(
        "page",
        "aid:allocation-confirm",
        "POST",
        Action.ALLOCATE,
        _run,
        effect=_confirmed,
        audit="aid.allocation_confirmed",
    ),
    Endpoint(
        "page",
        "aid:allocation-discard",
        "POST",
        Action.ALLOCATE,
        _run,
        effect=_discarded,
        audit="aid.allocation_discarded",
    ),
    Endpoint("page", "aid:reservations", "GET", Action.VIEW_DISTRIBUTION),
    Endpoint("page", "aid:reservation", "GET", Action.VIEW_DISTRIBUTION, _reservation),
    Endpoint(
        "page",
        "aid:reservation-cancel",
        "POST",
        Action.ALLOCATE,
        _reservation,
        effect=_reservation_cancelled,
        audit="aid.reservation_cancelled",
    ),
    Endpoint(
        "page",
        "aid:pick-list",
        "GET",
        Action.VIEW_DISTRIBUTION,
        lambda w: {"day_id": w.aid["pick_day"].pk},
    ),
]

API: list = [
    Endpoint("api", AID + "/allocation-runs", "GET", Action.ALLOCATE),
    Endpoint(
        "api",
        AID + "/allocation-runs",
        "POST",
        Action.ALLOCATE,
        data=lambda w: {"site_ids": [w.site.pk]},
        effect=_run_started,
        audit="aid.allocation_started",
    ),
    Endpoint("api", AID + "/allocation-runs/{run_id}", "GET", Action.ALLOCATE, _run),
    Endpoint(
        "api",
        AID + "/allocation-runs/{run_id}/lines",
        "PATCH",
        Action.ALLOCATE,
        _run,
        _api_line,
        effect=_line_removed,
        audit="aid.allocation_line_changed",
    ),
    Endpoint(
        "api",
        AID + "/allocation-runs/{run_id}/confirm",
        "POST",
        Action.ALLOCATE,
        _run,
        effect=_confirmed,
        audit="aid.allocation_confirmed",
    ),
    Endpoint("api", AID + "/reservations", "GET", Action.VIEW_DISTRIBUTION),
    Endpoint(
        "api", AID + "/reservations/{reservation_id}", "GET", Action.VIEW_DISTRIBUTION, _reservation
    ),
    Endpoint(
        "api",
        AID + "/reservations/{reservation_id}/cancel",
        "POST",
        Action.ALLOCATE,
        _reservation,
        lambda w: {"reason": "Matrix"},
        effect=_reservation_cancelled,
        audit="aid.reservation_cancelled",
    ),
]
