"""Reads of the allocation: open needs, available stock, the engine's instance, a run's
proposal explained per household, reservations and the pick list of a distribution day.

"Open" is what a need line still lacks: quantity - handed out - units in ACTIVE
reservations. "Available" is what a stock balance can still give: quantity - reserved, in
whole units, at a location that is not archived or in transit, graded (not "unsorted")."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kindred.allocation.model import Instance, Need, Policy, StockRow
from kindred.allocation.sites import at_sites
from kindred.core.models import Organization, Site
from kindred.goods.models import Grade, Location, StockBalance

from ..models import (
    AidSettings,
    AllocationRun,
    Booking,
    HelpRequest,
    NeedLine,
    ProposalLine,
    Reservation,
    ReservationLine,
)
from . import pickup as pickups
from .slots import zone

EARLIEST = datetime.min.replace(tzinfo=UTC)
ALLOCATABLE = (HelpRequest.Status.APPROVED, HelpRequest.Status.FULFILLING)

# Why a need stays (partly) unmet, decided from the run's stock (see `unmet_reason`).
NO_ITEM_TYPE = "no_item_type"
NO_SIZE = "no_size"
OUTRANKED = "outranked"
ELSEWHERE = "elsewhere"
UNMET_REASONS = {
    NO_ITEM_TYPE: _("no stock of this item type at the chosen sites"),
    NO_SIZE: _("no acceptable size in stock"),
    OUTRANKED: _("stock went to more urgent or longer-waiting needs"),
    ELSEWHERE: _("none at its pickup site"),
}


def aid_settings(org: Organization) -> AidSettings:
    """The organisation's aid settings, or the defaults (unsaved) when none were chosen."""
    return AidSettings.objects.filter(organization=org).first() or AidSettings(organization=org)


def policy_for(org: Organization) -> Policy:
    s = aid_settings(org)
    return Policy(
        substitute_value=float(s.substitute_value),
        fairness_weight=float(s.fairness_weight),
        waiting_bonus_per_30_days=float(s.waiting_bonus),
    )


# Open needs ---------------------------------------------------------------------------------


def _reserved_subquery():
    return Coalesce(
        Subquery(
            ReservationLine.objects.filter(
                need=OuterRef("pk"), reservation__status=Reservation.Status.ACTIVE
            )
            .order_by()
            .values("need")
            .annotate(total=Sum("quantity"))
            .values("total"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def with_open_quantity(qs: QuerySet[NeedLine]) -> QuerySet[NeedLine]:
    """`qs` annotated with `reserved_units` (in active reservations) and `open_quantity`."""
    return qs.annotate(reserved_units=_reserved_subquery()).annotate(
        open_quantity=F("quantity") - F("handed_out") - F("reserved_units")
    )


def open_needs(org: Organization) -> QuerySet[NeedLine]:
    """Need lines of approved (or being fulfilled) requests that still lack units, oldest
    request first."""
    qs = NeedLine.objects.filter(organization=org, cancelled=False, request__status__in=ALLOCATABLE)
    return (
        with_open_quantity(qs)
        .filter(open_quantity__gt=0)
        .select_related("request__household", "item_type")
        .order_by("request__submitted_at", "request_id", "pk")
    )


def open_quantities(need_ids) -> dict[int, int]:
    """{need id: open quantity} of the given need lines (cancelled ones: 0)."""
    rows = with_open_quantity(NeedLine.objects.filter(pk__in=list(need_ids))).values_list(
        "pk", "open_quantity", "cancelled"
    )
    return {pk: 0 if cancelled else max(int(q), 0) for pk, q, cancelled in rows}


# Available stock ----------------------------------------------------------------------------


def available_balances(org: Organization, sites) -> QuerySet[StockBalance]:
    """Balances at the sites' locations with at least one whole unit available."""
    return (
        StockBalance.objects.filter(
            organization=org,
            location__site__in=list(sites),
            location__archived=False,
            quantity__gte=F("reserved") + 1,
        )
        .exclude(location__kind=Location.Kind.TRANSIT)
        .exclude(grade=Grade.UNSORTED)
        .select_related("location", "item_type")
        .order_by("pk")
    )


def whole(value: Decimal) -> int:
    """Whole units of a (kg or piece) quantity: the engine gives whole units only."""
    return max(math.floor(value), 0)


def overview(org: Organization, sites) -> dict:
    """What a new run would see: open need lines, their units, and available units."""
    needs = open_needs(org)
    available = sum(whole(b.quantity - b.reserved) for b in available_balances(org, sites))
    return {
        "needs": needs.count(),
        "need_units": sum(n.open_quantity for n in needs),
        "available_units": available,
    }


# The engine's instance ----------------------------------------------------------------------


@dataclass
class InstanceData:
    instance: Instance
    snapshot: dict[str, int]  # {balance id: available units}
    needs: dict[str, NeedLine] = field(default_factory=dict)
    balances: dict[str, StockBalance] = field(default_factory=dict)
    # {request id: [site id or None, source]}: where each request's goods may come from.
    pickup_sites: dict[str, list] = field(default_factory=dict)


def _fallback_site(
    needs: list[NeedLine], balances: dict[tuple, list[StockBalance]], site_order: list[int]
) -> int | None:
    """For a request with no pickup site yet: the run's site that can give most of its open
    units (ties: the first site by name); None when no site has anything that fits."""
    best, best_units = None, 0
    for site_id in site_order:
        units = 0
        for need in needs:
            fitting = sum(
                whole(b.quantity - b.reserved)
                for b in balances.get((site_id, need.item_type_id), ())
                if fits(need, b)
            )
            units += min(int(need.open_quantity), fitting)
        if units > best_units:
            best, best_units = site_id, units
    return best


def decide_pickup_sites(
    org: Organization, needs: list[NeedLine], balances: list[StockBalance], sites, today
) -> dict[str, list]:
    """{request id: [site id or None, source]} for the requests of `needs` (ADR 0022)."""
    requests = {n.request_id: n.request for n in needs}
    known = pickups.pickup_sites(org, requests.values(), today=today)
    site_order = [s.pk for s in sorted(sites, key=lambda s: (s.name.lower(), s.pk))]
    by_request: dict[int, list[NeedLine]] = defaultdict(list)
    for need in needs:
        by_request[need.request_id].append(need)
    by_key: dict[tuple, list[StockBalance]] = defaultdict(list)
    for b in balances:
        by_key[(b.location.site_id, b.item_type_id)].append(b)
    decided: dict[str, list] = {}
    for request_id in sorted(requests):
        found = known[request_id]
        if found.site is not None:
            decided[str(request_id)] = [found.site.pk, found.source]
        else:
            site_id = _fallback_site(by_request[request_id], by_key, site_order)
            decided[str(request_id)] = [site_id, pickups.STOCK if site_id else ""]
    return decided


def build_instance(org: Organization, sites, *, now: datetime | None = None) -> InstanceData:
    """The engine's instance: one Need per open need line (its open quantity), one StockRow
    per balance with available units (sku = the balance's id), the organisation's policy;
    each need may only take stock at its request's pickup site (`decide_pickup_sites`)."""
    now = now or timezone.now()
    sites = list(sites)
    needs = list(open_needs(org))
    balances = [b for b in available_balances(org, sites) if whole(b.quantity - b.reserved)]
    decided = decide_pickup_sites(
        org, needs, balances, sites, timezone.localtime(now, zone(org)).date()
    )
    engine_needs = tuple(
        Need(
            id=str(n.pk),
            household=str(n.request.household_id),
            item_type=str(n.item_type_id),
            sizes=tuple(str(s) for s in n.sizes),
            quantity=int(n.open_quantity),
            urgency=str(n.urgency),
            waiting_days=max((now - n.request.submitted_at).total_seconds() / 86400, 0.0),
        )
        for n in needs
    )
    rows = tuple(
        StockRow(
            sku=str(b.pk),
            item_type=str(b.item_type_id),
            size=b.size or None,
            quantity=whole(b.quantity - b.reserved),
        )
        for b in balances
    )
    instance = at_sites(
        Instance(policy=policy_for(org), stock=rows, needs=engine_needs),
        need_sites={
            str(n.pk): None
            if decided[str(n.request_id)][0] is None
            else str(decided[str(n.request_id)][0])
            for n in needs
        },
        stock_sites={str(b.pk): str(b.location.site_id) for b in balances},
    )
    return InstanceData(
        instance=instance,
        snapshot={row.sku: row.quantity for row in rows},
        needs={str(n.pk): n for n in needs},
        balances={str(b.pk): b for b in balances},
        pickup_sites=decided,
    )


def is_exact(need: NeedLine, balance: StockBalance) -> bool:
    return not need.sizes or balance.size == str(need.sizes[0])


def fits(need: NeedLine, balance: StockBalance) -> bool:
    return need.item_type_id == balance.item_type_id and (
        not need.sizes or balance.size in [str(s) for s in need.sizes]
    )


# A run's proposal, per household ------------------------------------------------------------


def transfer_text(quantity: int, from_site: Site, to_site: Site) -> str:
    """ "2 items at Modtagelsen could be moved to Lageret." """
    return ngettext(
        "%(count)s item at %(from)s could be moved to %(to)s.",
        "%(count)s items at %(from)s could be moved to %(to)s.",
        quantity,
    ) % {"count": quantity, "from": from_site.name, "to": to_site.name}


@dataclass
class Transfer:
    """Stock of another site that fits an unmet need: moving it to the household's pickup
    site would let the next run reserve it."""

    need: NeedLine
    from_site: Site
    to_site: Site
    quantity: int
    balance_ids: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return transfer_text(self.quantity, self.from_site, self.to_site)


@dataclass
class Unmet:
    need: NeedLine
    missing: int
    reason: str
    options: list[StockBalance] = field(default_factory=list)  # the run's stock that fits
    transfers: list[Transfer] = field(default_factory=list)

    @property
    def reason_text(self) -> str:
        return str(UNMET_REASONS[self.reason])


@dataclass
class HouseholdProposal:
    household_id: int
    label: str
    requests: set[str] = field(default_factory=set)
    lines: list[ProposalLine] = field(default_factory=list)
    unmet: list[Unmet] = field(default_factory=list)
    # [(site or None, source)] of its requests, as the run decided them.
    pickups: list[tuple[Site | None, str]] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def pickup_sites(self) -> list[dict]:
        return [
            {"site": site, "source": str(pickups.SOURCES.get(source, ""))}
            for site, source in self.pickups
        ]


def unmet_reason(need: NeedLine, same_type: list[StockBalance]) -> str:
    """No row of the item type at all; rows of it but none in an acceptable size; or rows
    that fit, which the engine gave to other needs. `same_type`: the run's stock rows of
    the need's item type (the run's stock, not today's)."""
    if not same_type:
        return NO_ITEM_TYPE
    if not any(fits(need, b) for b in same_type):
        return NO_SIZE
    return OUTRANKED


def run_pickup_sites(run: AllocationRun) -> dict[int, int | None] | None:
    """{request id: the site its goods come from} as the run decided; None for a run made
    before pickup sites (its needs could take stock at any of its sites)."""
    if not run.pickup_sites:
        return None
    return {int(k): (v[0] if v else None) for k, v in run.pickup_sites.items()}


def run_needs(run: AllocationRun) -> list[NeedLine]:
    """The need lines a run is about: those it proposes something for, and the open needs
    of requests decided before it started (a proposal ignores later requests)."""
    org = run.organization
    proposed = set(run.lines.values_list("need_id", flat=True))
    qs = with_open_quantity(
        NeedLine.objects.filter(organization=org, cancelled=False)
        .filter(
            Q(pk__in=proposed)
            | Q(
                request__status__in=ALLOCATABLE,
                request__submitted_at__lte=run.created_at,
            )
        )
        .select_related("request__household", "item_type")
        .order_by("request__submitted_at", "request_id", "pk")
    )
    return list(qs)


def _transfers(
    need: NeedLine, missing: int, to_site: Site, elsewhere: list[StockBalance], left: dict
) -> list[Transfer]:
    """Up to `missing` fitting units of other sites' stock, by site, taken from `left`
    (what the proposal leaves of each balance) so no unit is suggested twice."""
    by_site: dict[int, Transfer] = {}
    for b in elsewhere:
        if missing <= 0:
            break
        take = min(missing, left.get(b.pk, 0))
        if take <= 0:
            continue
        left[b.pk] -= take
        missing -= take
        site = b.location.site
        found = by_site.setdefault(site.pk, Transfer(need, site, to_site, 0))
        found.quantity += take
        found.balance_ids.append(b.pk)
    return list(by_site.values())


def proposal(run: AllocationRun, *, search: str = "", show: str = "") -> list[HouseholdProposal]:
    """Per household: what the run proposes for it and which needs stay unmet, and why,
    with the other sites' stock that could be moved to its pickup site.

    `show`: "served" (gets something), "nothing" (gets nothing), "unmet" (has unmet needs).
    Open quantities are today's: a confirmed run's units are reserved, so only what still
    lacks shows as unmet."""
    lines = list(
        run.lines.select_related(
            "need__request__household",
            "need__item_type",
            "balance__location__site",
            "balance__item_type",
        ).order_by("need_id", "pk")
    )
    stock = list(
        StockBalance.objects.filter(pk__in=[int(pk) for pk in run.snapshot])
        .select_related("location__site", "item_type")
        .order_by("location__name", "pk")
    )
    for b in stock:
        b.snapshot_available = run.snapshot.get(str(b.pk), 0)
    stock = [b for b in stock if run.snapshot.get(str(b.pk), 0) > 0]
    given: dict[int, int] = defaultdict(int)
    taken: dict[int, int] = defaultdict(int)
    for line in lines:
        given[line.need_id] += line.quantity
        taken[line.balance_id] += line.quantity
    left = {b.pk: b.snapshot_available - taken.get(b.pk, 0) for b in stock}
    confirmed = run.status == AllocationRun.Status.CONFIRMED
    decided = run_pickup_sites(run)
    sources = {int(k): (v[1] if len(v) > 1 else "") for k, v in (run.pickup_sites or {}).items()}
    sites = Site.objects.in_bulk({pk for pk in (decided or {}).values() if pk})
    households: dict[int, HouseholdProposal] = {}

    def entry(need: NeedLine) -> HouseholdProposal:
        household = need.request.household
        found = households.get(household.pk)
        if found is None:
            found = households[household.pk] = HouseholdProposal(household.pk, household.label)
        if need.request.reference not in found.requests:
            found.requests.add(need.request.reference)
            if decided is not None and need.request_id in decided:
                pickup = (sites.get(decided[need.request_id]), sources.get(need.request_id))
                if pickup not in found.pickups:
                    found.pickups.append(pickup)
        return found

    by_type: dict[int, list[StockBalance]] = defaultdict(list)
    for b in stock:
        by_type[b.item_type_id].append(b)
    for need in run_needs(run):
        target = entry(need)
        missing = int(need.open_quantity) - (0 if confirmed else given.get(need.pk, 0))
        if missing <= 0:
            continue
        same_type = by_type.get(need.item_type_id, [])
        site_id = None if decided is None else decided.get(need.request_id)
        if site_id is None:
            here, elsewhere = same_type, []
        else:
            here = [b for b in same_type if b.location.site_id == site_id]
            elsewhere = [b for b in same_type if b.location.site_id != site_id and fits(need, b)]
        reason = unmet_reason(need, here)
        moves = []
        if elsewhere:
            reason = reason if reason == OUTRANKED else ELSEWHERE
            if not confirmed:
                moves = _transfers(need, missing, sites[site_id], elsewhere, left)
        target.unmet.append(Unmet(need, missing, reason, [b for b in here if fits(need, b)], moves))
    for line in lines:
        entry(line.need).lines.append(line)
    result = sorted(households.values(), key=lambda h: (h.label.lower(), h.household_id))
    return filter_households(result, search=search, show=show)


def filter_households(
    result: list[HouseholdProposal], *, search: str = "", show: str = ""
) -> list[HouseholdProposal]:
    """The households of a proposal that match `search` (name or request) and `show`."""
    term = search.strip().lower()
    if term:
        result = [
            h
            for h in result
            if term in h.label.lower() or any(term in r.lower() for r in h.requests)
        ]
    if show == "served":
        result = [h for h in result if h.lines]
    elif show == "nothing":
        result = [h for h in result if not h.lines]
    elif show == "unmet":
        result = [h for h in result if h.unmet]
    return result


@dataclass
class TransferTotal:
    from_site: Site
    to_site: Site
    quantity: int

    @property
    def text(self) -> str:
        return transfer_text(self.quantity, self.from_site, self.to_site)


def transfers(households: list[HouseholdProposal]) -> list[TransferTotal]:
    """The proposal's transfer suggestions added up per pair of sites."""
    totals: dict[tuple[int, int], TransferTotal] = {}
    for household in households:
        for unmet in household.unmet:
            for t in unmet.transfers:
                key = (t.from_site.pk, t.to_site.pk)
                total = totals.setdefault(key, TransferTotal(t.from_site, t.to_site, 0))
                total.quantity += t.quantity
    return sorted(totals.values(), key=lambda t: (t.to_site.name, t.from_site.name))


# Reservations -------------------------------------------------------------------------------

RESERVATION_SORTS = {
    "expiry": ("expires_at", "pk"),
    "-expiry": ("-expires_at", "-pk"),
    "newest": ("-created_at", "-pk"),
}


def reservations(
    org: Organization,
    *,
    search: str = "",
    status: str = "",
    site_id: int | None = None,
    sort: str = "expiry",
    created_by=None,
) -> QuerySet[Reservation]:
    qs = Reservation.objects.filter(organization=org).select_related("household", "request", "site")
    if created_by is not None:
        qs = qs.filter(request__created_by=created_by)
    term = search.strip()
    if term:
        condition = Q(household__label__icontains=term)
        number = term.upper().removeprefix(Reservation.PREFIX + "-")
        number = number.removeprefix(HelpRequest.PREFIX + "-")
        if number.isdigit() and len(number) < 12:
            condition |= Q(number=int(number)) | Q(request__number=int(number))
        qs = qs.filter(condition)
    if status in Reservation.Status.values:
        qs = qs.filter(status=status)
    if site_id:
        qs = qs.filter(site_id=site_id)
    return qs.order_by(*RESERVATION_SORTS.get(sort, RESERVATION_SORTS["expiry"]))


# Pick list ----------------------------------------------------------------------------------


@dataclass
class PickLine:
    item: str
    size: str
    grade: str
    quantity: int
    reservation: str
    request: str
    household: str
    slot: datetime | None
    site: str = ""


@dataclass
class PickGroup:
    location: Location
    lines: list[PickLine] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.quantity for line in self.lines)


def _pick_line(line: ReservationLine, slots: dict) -> PickLine:
    reservation = line.reservation
    return PickLine(
        item=str(line.item_type),
        size=line.size,
        grade=Grade(line.grade).label if line.grade in Grade.values else line.grade,
        quantity=line.quantity,
        reservation=reservation.reference,
        request=reservation.request.reference,
        household=reservation.household.label,
        slot=slots.get(reservation.request_id),
        site=reservation.site.name,
    )


def _day_lines(org: Organization, day):
    """(slots by request, the active reserved lines at the day's site, those elsewhere) of
    the requests with a booked slot that day — `pickup.at_site`, as the booking page and
    the station split them."""
    bookings = Booking.objects.filter(organization=org, day=day, status=Booking.Status.BOOKED)
    slots = dict(bookings.values_list("request_id", "slot_start"))
    here, elsewhere = pickups.at_site(pickups.reserved_lines(org, list(slots)), day.site_id)
    return slots, here, elsewhere


def pick_list(org: Organization, day) -> list[PickGroup]:
    """What volunteers fetch for a distribution day: the lines of the active reservations
    held at the day's site for requests with a booked slot that day, by location name (the
    walk along the shelves), then item, size and slot."""
    slots, here, _elsewhere = _day_lines(org, day)
    groups: dict[int, PickGroup] = {}
    for line in here:
        group = groups.setdefault(line.location_id, PickGroup(line.location))
        group.lines.append(_pick_line(line, slots))
    for group in groups.values():
        group.lines.sort(key=lambda p: (p.item.lower(), p.size, p.slot or EARLIEST))
    return list(groups.values())


def pick_list_elsewhere(org: Organization, day) -> list[PickLine]:
    """Goods reserved at another site for households booked on this day: not on the pick
    list (they are not on this site's shelves), shown apart so someone moves them or the
    household is told where to collect them."""
    slots, _here, elsewhere = _day_lines(org, day)
    lines = [_pick_line(line, slots) for line in elsewhere]
    return sorted(lines, key=lambda p: (p.site, p.household.lower(), p.item.lower(), p.size))


__all__ = [
    "ALLOCATABLE",
    "UNMET_REASONS",
    "InstanceData",
    "aid_settings",
    "available_balances",
    "build_instance",
    "filter_households",
    "open_needs",
    "open_quantities",
    "overview",
    "pick_list",
    "pick_list_elsewhere",
    "proposal",
    "reservations",
    "transfers",
]
