"""Aid services: the allocation run (ADR 0012, ADR 0013 §3-4).

A run reads the approved open needs and the available stock of the chosen sites, solves
with the engine in a background task and stores the proposal as ProposalLines next to
first come, first served. The coordinator may change single lines; confirming turns the
proposal into reservations — RESERVE movements of one ledger call — or changes nothing."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kindred.core import audit
from kindred.core import tasks as core_tasks
from kindred.core.models import Organization, Site
from kindred.core.services import Invalid
from kindred.goods.models import Movement, StockBalance
from kindred.goods.services import ledger
from kindred.goods.services.common import StockError

from ..models import (
    AllocationRun,
    NeedLine,
    ProposalLine,
    Reservation,
    ReservationLine,
)
from ..queries import allocation as queries
from ..queries import pickup as pickup_queries
from ..tasks.allocation import run_allocation
from .common import AidError, number_for
from .requests import refresh_status

AUDIT: dict = {
    "aid.allocation_started": gettext_lazy("Allocation started"),
    "aid.allocation_proposed": gettext_lazy("Allocation proposal ready"),
    "aid.allocation_line_changed": gettext_lazy("Allocation proposal changed"),
    "aid.allocation_confirmed": gettext_lazy("Allocation confirmed"),
    "aid.allocation_discarded": gettext_lazy("Allocation discarded"),
}


def stock_changed_message() -> str:
    return _("Stock changed since this proposal was made; run the allocation again.")


def _needs_changed_message() -> str:
    return _(
        "Some of these needs were reserved or handed out since this proposal was made; "
        "run the allocation again."
    )


# Starting and computing a run ---------------------------------------------------------------


def start_run(*, org: Organization, sites: list[Site], actor) -> AllocationRun:
    """Create a run over the sites' stock and queue its computation (after commit)."""
    sites = list(sites)
    if not sites:
        raise Invalid(_("Choose at least one site."), field="sites")
    if any(site.organization_id != org.pk for site in sites):
        raise Invalid(_("Choose a site of this organisation."), field="sites")
    with transaction.atomic():
        progress = core_tasks.start_job(org=org, name=_("Allocation"), actor=actor)
        run = AllocationRun.objects.create(organization=org, progress=progress, created_by=actor)
        run.sites.set(sites)
        audit.log(
            org=org,
            actor=actor,
            action="aid.allocation_started",
            obj=run,
            changes={"sites": [None, sorted(site.pk for site in sites)]},
        )
        core_tasks.enqueue_job(
            run_allocation,
            progress=progress,
            run_id=run.pk,
            language=translation.get_language() or "en",
        )
    return run


def _lock_proposed(run: AllocationRun) -> AllocationRun:
    locked = AllocationRun.objects.select_for_update().get(pk=run.pk)
    if locked.status != AllocationRun.Status.PROPOSED:
        raise AidError(_("Only a proposal that is ready and not yet confirmed can be changed."))
    return locked


def _recount(run: AllocationRun) -> None:
    lines = list(run.lines.select_related("need__request"))
    run.units = sum(line.quantity for line in lines)
    run.households_served = len({line.need.request.household_id for line in lines})
    run.save(update_fields=["units", "households_served"])


def change_line(
    *,
    run: AllocationRun,
    need: NeedLine,
    balance: StockBalance,
    quantity: int,
    actor,
) -> ProposalLine | None:
    """Set how many units of `balance` the proposal gives `need` (0 removes the line).

    The balance must be one the run saw and fit the need (item type, acceptable size); the
    need's lines may not exceed its open quantity, nor the balance's lines its available
    units in the run's snapshot. Returns the line (None when removed)."""
    org = run.organization
    with transaction.atomic():
        run = _lock_proposed(run)
        if quantity is None or quantity < 0:
            raise Invalid(_("The quantity must be zero or more."), field="quantity")
        if need.organization_id != org.pk or need.cancelled:
            raise Invalid(_("Choose an open need of this organisation."), field="need")
        if balance.organization_id != org.pk or str(balance.pk) not in run.snapshot:
            raise Invalid(
                _("Choose stock that this allocation run saw at its sites."), field="balance"
            )
        if need.item_type_id != balance.item_type_id:
            raise Invalid(
                _("This stock is %(stock)s, but the need is for %(need)s.")
                % {"stock": balance.item_type, "need": need.item_type},
                field="balance",
            )
        if not queries.fits(need, balance):
            raise Invalid(
                _("Size %(size)s is not one of the sizes this need accepts (%(sizes)s).")
                % {"size": balance.size or "-", "sizes": ", ".join(map(str, need.sizes))},
                field="balance",
            )
        existing = ProposalLine.objects.filter(run=run, need=need, balance=balance).first()
        others = run.lines.exclude(pk=existing.pk if existing else None)
        if quantity:
            _check_site(run, need, balance, others)
            open_quantity = queries.open_quantities([need.pk]).get(need.pk, 0)
            for_need = sum(others.filter(need=need).values_list("quantity", flat=True))
            if for_need + quantity > open_quantity:
                raise Invalid(
                    _("This need still lacks %(open)s; other lines already give %(given)s.")
                    % {"open": open_quantity, "given": for_need},
                    field="quantity",
                )
            available = int(run.snapshot[str(balance.pk)])
            from_balance = sum(others.filter(balance=balance).values_list("quantity", flat=True))
            if from_balance + quantity > available:
                raise Invalid(
                    _(
                        "Only %(available)s of this stock were available; other lines already "
                        "take %(taken)s."
                    )
                    % {"available": available, "taken": from_balance},
                    field="quantity",
                )
        before = existing.quantity if existing else 0
        line: ProposalLine | None
        if quantity == 0:
            if existing:
                existing.delete()
            line = None
        elif existing:
            existing.quantity = quantity
            existing.edited = True
            existing.save(update_fields=["quantity", "edited"])
            line = existing
        else:
            line = ProposalLine.objects.create(
                organization=org,
                run=run,
                need=need,
                balance=balance,
                quantity=quantity,
                exact=queries.is_exact(need, balance),
                edited=True,
            )
        _recount(run)
        audit.log(
            org=org,
            actor=actor,
            action="aid.allocation_line_changed",
            obj=run,
            changes={f"need {need.pk} / stock {balance.pk}": [before, quantity]},
        )
    return line


def _check_site(run: AllocationRun, need: NeedLine, balance: StockBalance, others) -> None:
    """A need takes stock at its request's pickup site only (ADR 0022), and all of one
    request's goods lie at one site, where the household collects them."""
    request = need.request
    site = balance.location.site
    decided = queries.run_pickup_sites(run)
    site_id = None if decided is None else decided.get(request.pk)
    if site_id is not None and site_id != site.pk:
        raise Invalid(
            _(
                "This stock is at %(stock_site)s, but %(request)s collects at %(site)s: "
                "move it there first."
            )
            % {
                "stock_site": site.name,
                "request": request.reference,
                "site": Site.objects.get(pk=site_id).name,
            },
            field="balance",
        )
    other = (
        others.filter(need__request=request)
        .exclude(balance__location__site=site)
        .select_related("balance__location__site")
        .first()
    )
    if other is not None:
        raise Invalid(
            _(
                "The other goods of %(request)s come from %(site)s: a household collects at one site."
            )
            % {"request": request.reference, "site": other.balance.location.site.name},
            field="balance",
        )


def _check_pickup_sites(org: Organization, lines: list[ProposalLine]) -> None:
    """Before reserving: each request's lines lie at one site, and it is the request's
    pickup site now (a booking made since the run may have moved it)."""
    by_request: dict[int, set] = defaultdict(set)
    requests = {}
    for line in lines:
        by_request[line.need.request_id].add(line.balance.location.site)
        requests[line.need.request_id] = line.need.request
    now = pickup_queries.pickup_sites(org, requests.values())
    for request_id in sorted(by_request):
        sites = by_request[request_id]
        current = now[request_id].site
        reference = requests[request_id].reference
        if current is not None and {s.pk for s in sites} != {current.pk}:
            raise AidError(
                _("%(request)s now collects at %(site)s; run the allocation again.")
                % {"request": reference, "site": current.name}
            )
        if len(sites) > 1:
            raise AidError(
                _(
                    "The goods proposed for %(request)s lie at more than one site; "
                    "run the allocation again."
                )
                % {"request": reference}
            )


# Confirming and discarding ------------------------------------------------------------------


def confirm_run(*, run: AllocationRun, actor) -> list[Reservation]:
    """Reserve the proposal: one Reservation per request and site, every RESERVE movement
    in one ledger call. All or nothing.

    Lock order (the same as the ledger's and the station's, so no deadlock): the run, then
    the balances in the ledger's key order, then the need lines by id. Under those locks
    the needs' open quantities and the balances' available units are read again: a need
    reserved by another run meanwhile, or stock a handout took, refuses the whole
    confirmation (AidError) and nothing is saved; the ledger's own check is the backstop."""
    org = run.organization
    with transaction.atomic():
        run = AllocationRun.objects.select_for_update().get(pk=run.pk)
        if run.status != AllocationRun.Status.PROPOSED:
            raise AidError(_("This proposal was already confirmed or discarded."))
        lines = list(
            run.lines.select_related("need__request", "balance__location__site").order_by("pk")
        )
        if not lines:
            raise AidError(_("The proposal gives nothing, so there is nothing to confirm."))
        _check_pickup_sites(org, lines)
        balance_ids = sorted({line.balance_id for line in lines})
        balances = {
            b.pk: b
            for b in StockBalance.objects.select_for_update()
            .filter(pk__in=balance_ids)
            .order_by("location_id", "item_type_id", "size", "grade")
        }
        list(
            NeedLine.objects.select_for_update()
            .filter(pk__in={line.need_id for line in lines})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        wanted_need: dict[int, int] = defaultdict(int)
        wanted_balance: dict[int, int] = defaultdict(int)
        for line in lines:
            wanted_need[line.need_id] += line.quantity
            wanted_balance[line.balance_id] += line.quantity
        open_now = queries.open_quantities(wanted_need)
        if any(q > open_now.get(need_id, 0) for need_id, q in wanted_need.items()):
            raise AidError(_needs_changed_message())
        for balance_id, q in wanted_balance.items():
            balance = balances.get(balance_id)
            if balance is None or balance.quantity - balance.reserved < q:
                raise AidError(stock_changed_message())

        settings = queries.aid_settings(org)
        now = timezone.now()
        expires_at = now + timedelta(days=settings.reservation_days)
        by_key: dict[tuple[int, int], list] = defaultdict(list)
        for line in lines:
            by_key[(line.need.request_id, line.balance.location.site_id)].append(line)
        reservations = []
        moves = []
        for (_request_id, site_id), group in sorted(by_key.items()):
            request = group[0].need.request
            reservation = Reservation.objects.create(
                organization=org,
                number=number_for(org, Reservation),
                request=request,
                household_id=request.household_id,
                run=run,
                site_id=site_id,
                expires_at=expires_at,
                created_by=actor,
                created_at=now,
            )
            reservations.append(reservation)
            for line in group:
                balance = line.balance
                ReservationLine.objects.create(
                    organization=org,
                    reservation=reservation,
                    need=line.need,
                    location_id=balance.location_id,
                    item_type_id=balance.item_type_id,
                    size=balance.size,
                    grade=balance.grade,
                    quantity=line.quantity,
                )
                moves.append(
                    ledger.Move(
                        kind=Movement.Kind.RESERVE,
                        item_type_id=balance.item_type_id,
                        size=balance.size,
                        grade=balance.grade,
                        quantity=Decimal(line.quantity),
                        from_location=balance.location_id,
                        reason=f"{reservation.reference} {request.reference}",
                        document_id=reservation.pk,
                    )
                )
        try:
            # One call for the whole confirmation (one sorted pass of balance locks); each
            # movement carries its own reservation's id.
            ledger.record(org=org, moves=moves, actor=actor, document_type="reservation")
        except StockError as error:
            raise AidError(stock_changed_message()) from error
        run.status = AllocationRun.Status.CONFIRMED
        run.confirmed_by = actor
        run.confirmed_at = now
        run.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        audit.log(
            org=org,
            actor=actor,
            action="aid.allocation_confirmed",
            obj=run,
            changes={
                "reservations": [None, [r.reference for r in reservations]],
                "units": [None, sum(wanted_need.values())],
            },
        )
        _refresh_requests({r.request for r in reservations}, actor)
    return reservations


def _refresh_requests(requests, actor) -> None:
    """Let each touched request move on (approved → being fulfilled); the requests
    service owns that rule."""
    for request in sorted(requests, key=lambda r: r.pk):
        refresh_status(request=request, actor=actor)


def discard_run(*, run: AllocationRun, actor) -> AllocationRun:
    """Throw a proposal (or a failed run) away; its lines stay for the record."""
    with transaction.atomic():
        run = AllocationRun.objects.select_for_update().get(pk=run.pk)
        if run.status not in (AllocationRun.Status.PROPOSED, AllocationRun.Status.FAILED):
            raise AidError(_("Only a proposal that is not yet confirmed can be discarded."))
        before = run.status
        run.status = AllocationRun.Status.DISCARDED
        run.save(update_fields=["status"])
        audit.log(
            org=run.organization,
            actor=actor,
            action="aid.allocation_discarded",
            obj=run,
            changes={"status": [before, run.status]},
        )
    return run
