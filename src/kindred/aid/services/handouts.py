"""Aid services: handouts at the station (ADR 0013, decision 8).

A handout of a reservation locks the reservation row first, re-checks that it is still
active and writes every stock change of the handout in one `ledger.record()` call:
RELEASE + HANDOUT for the reserved units given, RELEASE for the reserved units not taken,
HANDOUT from available stock for substitutes. Of two stations handing out the same
reservation at once, the second waits for the first's lock, then finds it handed out and
is refused; the unique constraint on `Handout.reservation` is the backstop. A walk-in
handout has no reservation: it takes available stock and obeys the eligibility rules.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kindred.core import audit
from kindred.core.models import Organization, Site
from kindred.core.services import Invalid
from kindred.goods.models import Grade, ItemType, Location, Movement
from kindred.goods.services import ledger
from kindred.goods.sizes import normalise_size
from kindred.people.models import Household

from ..models import Booking, Handout, HandoutLine, NeedLine, Reservation, ReservationLine
from ..queries import pickup as pickup_queries
from ..queries import station as station_queries
from .common import AidError, NeedsConfirmation, number_for
from .eligibility import require
from .requests import refresh_status

AUDIT: dict = {
    "aid.handed_out": gettext_lazy("Goods handed out"),
    "aid.handout_confirmed": gettext_lazy("Handed out despite a warning"),
    "aid.walk_in": gettext_lazy("Walk-in handout recorded"),
    "aid.no_show": gettext_lazy("Booking marked as not collected"),
}

Kind = Movement.Kind


@dataclass(frozen=True)
class _Key:
    location: Location
    item_type: ItemType
    size: str
    grade: str


def _count(value, field: str, *, minimum: int = 1) -> int:
    """A whole number of units, at least `minimum`, or a translated Invalid on `field`."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid(_("Enter a whole number."), field=field) from None
    if number < minimum:
        raise Invalid(_("The quantity must be more than zero."), field=field)
    return number


def _stock_key(org: Organization, site: Site, raw: dict, field: str) -> _Key:
    """Validate a stock key (location at `site`, item type, size, grade) from `raw`."""
    location = raw.get("location")
    if not isinstance(location, Location) or location.organization_id != org.pk:
        raise Invalid(_("Choose a location of this organisation."), field=f"{field}.location")
    if location.site_id != site.pk or location.archived:
        raise Invalid(_("Choose a location at this site."), field=f"{field}.location")
    item_type = raw.get("item_type")
    if not isinstance(item_type, ItemType) or item_type.organization_id != org.pk:
        raise Invalid(_("Choose an item type of the catalogue."), field=f"{field}.item_type")
    size = normalise_size(item_type.size_system, raw.get("size") or "")
    if size is None:
        raise Invalid(
            _("%(size)s is not a size of %(item)s.")
            % {"size": raw.get("size") or "-", "item": item_type.label},
            field=f"{field}.size",
        )
    grade = raw.get("grade") or Grade.GOOD
    if grade not in Grade.values:
        raise Invalid(_("Choose a condition."), field=f"{field}.grade")
    return _Key(location, item_type, size, grade)


def _move(kind: str, key: ReservationLine | _Key, quantity: int, reason: str) -> ledger.Move:
    """One ledger move of `quantity` units of a reserved line's or a chosen stock key."""
    if isinstance(key, ReservationLine):
        item_type_id, location_id = key.item_type_id, key.location_id
    else:
        item_type_id, location_id = key.item_type.pk, key.location.pk
    return ledger.Move(
        kind=kind,
        item_type_id=item_type_id,
        size=key.size,
        grade=key.grade,
        quantity=Decimal(quantity),
        from_location=location_id,
        reason=reason,
    )


def _create_handout(**values) -> Handout:
    """Insert the handout; the unique constraint on its reservation is the backstop for a
    second handout that got past the row lock (it cannot, but a bug might)."""
    try:
        with transaction.atomic():
            return Handout.objects.create(**values)
    except IntegrityError:
        raise AidError(_("This reservation was already handed out or has expired.")) from None


def _plan(
    org: Organization,
    reservation: Reservation,
    reserved: list[ReservationLine],
    lines: list[dict] | None,
    substitutions,
) -> tuple[dict[int, int], list[tuple[ReservationLine, _Key, int]]]:
    """How many reserved units of each line are given, and the substitutes (validated)."""
    by_pk = {line.pk: line for line in reserved}
    substitutes: list[tuple[ReservationLine, _Key, int]] = []
    replaced: dict[int, int] = dict.fromkeys(by_pk, 0)
    for i, raw in enumerate(substitutions or ()):
        field = f"substitutions.{i}"
        line = raw.get("line")
        if not isinstance(line, ReservationLine) or line.pk not in by_pk:
            raise Invalid(_("Choose a line of this reservation."), field=f"{field}.line")
        key = _stock_key(org, reservation.site, raw, field)
        quantity = _count(raw.get("quantity"), f"{field}.quantity")
        replaced[line.pk] += quantity
        substitutes.append((by_pk[line.pk], key, quantity))
    given: dict[int, int] = {}
    if lines is None:
        given = {pk: max(line.quantity - replaced[pk], 0) for pk, line in by_pk.items()}
    else:
        given = dict.fromkeys(by_pk, 0)
        for i, raw in enumerate(lines):
            line = raw.get("line")
            if not isinstance(line, ReservationLine) or line.pk not in by_pk:
                raise Invalid(_("Choose a line of this reservation."), field=f"lines.{i}.line")
            given[line.pk] = _count(raw.get("quantity"), f"lines.{i}.quantity", minimum=0)
    for pk, line in by_pk.items():
        if given[pk] + replaced[pk] > line.quantity:
            raise Invalid(
                _("At most %(count)s of %(item)s were reserved.")
                % {"count": line.quantity, "item": f"{line.item_type.label} {line.size}".strip()},
                field="lines",
            )
    if not any(given.values()) and not substitutes:
        raise Invalid(_("Choose at least one item to hand out."), field="lines")
    return given, substitutes


def hand_out_reservation(
    *,
    reservation: Reservation,
    actor,
    lines: list[dict] | None = None,
    substitutions=(),
    booking: Booking | None = None,
    note: str = "",
    site: Site | None = None,
    confirm: Collection[str] = (),
    today: date | None = None,
) -> Handout:
    """Give a household what was reserved for it: everything (`lines` None), part of it
    (`lines` = [{"line": ReservationLine, "quantity": n}]; the rest goes back to stock),
    and/or substitutes from available stock at the site instead of reserved units
    ([{"line", "location", "item_type", "size", "grade", "quantity"}]; the units they
    replace are released). All or nothing.

    `site` is where it is handed out (the station's; None: the booking's day's site, else
    the reservation's). A booking for another day than `today` or a reservation held at
    another site is refused (NeedsConfirmation) unless `confirm` names it ("other_day",
    "other_site"); what was confirmed is audited."""
    org = reservation.organization
    note = (note or "").strip()[:300]
    if site is not None and site.organization_id != org.pk:
        raise Invalid(_("Choose a site of this organisation."), field="site")
    with transaction.atomic():
        # The lock every station takes first: a second handout waits here, then sees
        # the status the first one wrote.
        locked = (
            Reservation.objects.select_for_update()
            .filter(organization=org, pk=reservation.pk)
            .first()
        )
        if locked is None or locked.status != Reservation.Status.ACTIVE:
            raise AidError(_("This reservation was already handed out or has expired."))
        reserved = list(
            ReservationLine.objects.filter(reservation=locked)
            .select_related("item_type", "location", "need")
            .order_by("pk")
        )
        given, substitutes = _plan(org, locked, reserved, lines, substitutions)
        booking = _booking_for(org, locked, booking)
        overridden = _confirmed(org, locked, booking, site, confirm, today)
        left = {line.pk: line.quantity - given[line.pk] for line in reserved}
        covered = dict(given)
        for line, _key, quantity in substitutes:
            covered[line.pk] += quantity
        # Anything neither given nor replaced by a substitute goes back to stock: partial.
        partial = any(covered[line.pk] < line.quantity for line in reserved)
        kind = Handout.Kind.PARTIAL if partial else Handout.Kind.FULL
        handout = _create_handout(
            organization=org,
            number=number_for(org, Handout),
            household_id=locked.household_id,
            request_id=locked.request_id,
            reservation=locked,
            booking=booking,
            site_id=locked.site_id,
            kind=kind,
            note=note,
            created_by=actor,
        )
        reason = handout.reference
        moves: list[ledger.Move] = []
        handout_lines: list[HandoutLine] = []
        filled: dict[int, int] = {}
        for line in reserved:
            if given[line.pk]:
                moves.append(_move(Kind.RELEASE, line, given[line.pk], reason))
                moves.append(_move(Kind.HANDOUT, line, given[line.pk], reason))
                handout_lines.append(
                    HandoutLine(
                        organization=org,
                        handout=handout,
                        need_id=line.need_id,
                        location_id=line.location_id,
                        item_type_id=line.item_type_id,
                        size=line.size,
                        grade=line.grade,
                        quantity=given[line.pk],
                    )
                )
                filled[line.need_id] = filled.get(line.need_id, 0) + given[line.pk]
            if left[line.pk]:
                moves.append(_move(Kind.RELEASE, line, left[line.pk], reason))
        for line, key, quantity in substitutes:
            moves.append(_move(Kind.HANDOUT, key, quantity, reason))
            handout_lines.append(
                HandoutLine(
                    organization=org,
                    handout=handout,
                    need_id=line.need_id,
                    location=key.location,
                    item_type=key.item_type,
                    size=key.size,
                    grade=key.grade,
                    quantity=quantity,
                    substitute=True,
                )
            )
            filled[line.need_id] = filled.get(line.need_id, 0) + quantity
        ledger.record(
            org=org,
            moves=moves,
            actor=actor,
            document_type="handout",
            document_id=handout.pk,
        )
        HandoutLine.objects.bulk_create(handout_lines)
        for need_id, units in filled.items():
            # Never above the need's quantity (a CHECK constraint says so too).
            NeedLine.objects.filter(organization=org, pk=need_id).update(
                handed_out=Least(F("handed_out") + units, F("quantity"))
            )
        locked.status = Reservation.Status.HANDED_OUT
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        if booking is not None and booking.status != Booking.Status.ATTENDED:
            booking.status = Booking.Status.ATTENDED
            booking.save(update_fields=["status", "updated_at"])
        audit.log(
            org=org,
            actor=actor,
            action="aid.handed_out",
            obj=handout,
            changes={
                "reservation": locked.reference,
                "kind": handout.kind,
                "units": sum(hl.quantity for hl in handout_lines),
                "substitutions": sum(1 for hl in handout_lines if hl.substitute),
                **({"booking": booking.code} if booking is not None else {}),
            },
        )
        if overridden:
            audit.log(
                org=org,
                actor=actor,
                action="aid.handout_confirmed",
                obj=handout,
                changes={w.code: w.change for w in overridden},
            )
        refresh_status(request=locked.request, actor=actor)
    reservation.status = locked.status
    reservation.closed_at = locked.closed_at
    return handout


def _confirmed(org, reservation, booking, site, confirm, today) -> list:
    """The warnings the handout goes ahead despite; NeedsConfirmation if one of them was
    not confirmed. Nothing has been written yet when it is raised."""
    if site is None:
        site = booking.day.site if booking is not None and booking.day_id else reservation.site
    warnings = station_queries.handout_warnings(
        reservation,
        booking=booking,
        site=site,
        today=today or pickup_queries.today_of(org),
    )
    missing = [w for w in warnings if w.code not in set(confirm or ())]
    if missing:
        raise NeedsConfirmation(missing)
    return warnings


def _booking_for(org: Organization, reservation: Reservation, booking: Booking | None):
    """The booking the household came with: the one given, else the request's live one."""
    if booking is not None:
        if booking.organization_id != org.pk or booking.request_id != reservation.request_id:
            raise Invalid(_("This booking is for another request."), field="booking")
        return Booking.objects.select_for_update().get(pk=booking.pk)
    return (
        Booking.objects.select_for_update()
        .filter(organization=org, request_id=reservation.request_id, status=Booking.Status.BOOKED)
        .first()
    )


def record_no_show(*, booking: Booking, actor) -> Booking:
    """The household did not come to its slot. Its reservation stays until it expires or
    is cancelled, so it can still come another day."""
    org = booking.organization
    with transaction.atomic():
        locked = Booking.objects.select_for_update().filter(organization=org, pk=booking.pk).first()
        if locked is None or locked.status != Booking.Status.BOOKED:
            raise AidError(_("Only a booked slot can be marked as not collected."))
        locked.status = Booking.Status.NO_SHOW
        locked.save(update_fields=["status", "updated_at"])
        audit.log(
            org=org,
            actor=actor,
            action="aid.no_show",
            obj=locked,
            changes={"status": [Booking.Status.BOOKED.value, Booking.Status.NO_SHOW.value]},
        )
    booking.status = locked.status
    return locked


def hand_out_walk_in(
    *,
    org: Organization,
    site: Site,
    household: Household,
    lines: list[dict],
    actor,
    override_reason: str = "",
    note: str = "",
) -> Handout:
    """Give a household goods from available stock at `site` without a request: lines of
    {"location", "item_type", "size", "grade", "quantity"}. The eligibility rules apply;
    a coordinator's `override_reason` lets a failed rule through (recorded, audited)."""
    if site.organization_id != org.pk:
        raise Invalid(_("Choose a site of this organisation."), field="site")
    if household.organization_id != org.pk:
        raise Invalid(_("Choose a household of this organisation."), field="household")
    if not lines:
        raise Invalid(_("Choose at least one item to hand out."), field="lines")
    wanted: list[tuple[_Key, int]] = []
    for i, raw in enumerate(lines):
        key = _stock_key(org, site, raw, f"lines.{i}")
        wanted.append((key, _count(raw.get("quantity"), f"lines.{i}.quantity")))
    note = (note or "").strip()[:300]
    with transaction.atomic():
        # One household's handouts one at a time: two walk-ins at once cannot both pass
        # a visit-frequency rule that allows one.
        Household.objects.select_for_update().filter(organization=org, pk=household.pk).first()
        # A walk-in is itself a visit (counting_visit, the default); checked before the
        # Handout row exists so it does not count twice.
        require(
            org=org,
            household=household,
            lines=[(key.item_type, quantity) for key, quantity in wanted],
            actor=actor,
            override_reason=(override_reason or "").strip(),
            counting_visit=True,
        )
        handout = Handout.objects.create(
            organization=org,
            number=number_for(org, Handout),
            household=household,
            site=site,
            kind=Handout.Kind.WALK_IN,
            note=note,
            created_by=actor,
        )
        ledger.record(
            org=org,
            moves=[_move(Kind.HANDOUT, key, q, handout.reference) for key, q in wanted],
            actor=actor,
            document_type="handout",
            document_id=handout.pk,
        )
        HandoutLine.objects.bulk_create(
            [
                HandoutLine(
                    organization=org,
                    handout=handout,
                    location=key.location,
                    item_type=key.item_type,
                    size=key.size,
                    grade=key.grade,
                    quantity=quantity,
                )
                for key, quantity in wanted
            ]
        )
        audit.log(
            org=org,
            actor=actor,
            action="aid.walk_in",
            obj=handout,
            changes={
                "household": household.label,
                "site": site.name,
                "units": sum(q for _k, q in wanted),
                **({"override_reason": override_reason.strip()} if override_reason else {}),
            },
        )
    return handout


__all__ = ["AUDIT", "hand_out_reservation", "hand_out_walk_in", "record_no_show"]
