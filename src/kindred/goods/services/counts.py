"""Stock counts: a count sheet per location.

`start_count` snapshots what the ledger expects at the location (one line per balance with
stock); counters enter what they find (`record_counts`, also lines for goods nobody
expected); a coordinator reviews the differences and approves (`approve_count`), which
turns each difference into a COUNT movement in one ledger record (document_type "count").

The adjustment is counted - expected, applied to the balance as it is at approval, not
"set the balance to the counted number": a handout or transfer recorded while the count
was open is then kept, not undone. If stock left meanwhile so that an outflow adjustment
would make a balance negative, the approval is refused with a StockError that says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.core import audit
from kindred.core.models import Organization

from ..models import ZERO, ItemType, Location, Movement, StockBalance, StockCount, StockCountLine
from . import ledger
from .common import StockError, next_number
from .sorting import checked_grade, checked_item_type, checked_location, checked_size

Kind = Movement.Kind


@dataclass(frozen=True)
class CountLineIn:
    """Goods found that the sheet did not expect."""

    item_type: ItemType
    size: str
    grade: str
    counted: Decimal


def _counted(value, *, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise StockError(_("Enter a number."), field=field) from None
    if not number.is_finite() or number < 0:
        raise StockError(_("A counted quantity cannot be negative."), field=field)
    if number != number.quantize(Decimal("0.001")) or number >= Decimal("1e11"):
        raise StockError(_("Enter at most three decimals and a sensible amount."), field=field)
    return number


def _open(count: StockCount) -> StockCount:
    """The count, locked, if it is still open."""
    count = StockCount.objects.select_for_update().get(pk=count.pk)
    if count.status != StockCount.Status.OPEN:
        raise StockError(
            _("This count is %(status)s and can no longer be changed.")
            % {"status": count.get_status_display().lower()},
            field="count",
        )
    return count


def _own(org: Organization, count: StockCount) -> None:
    if count.organization_id != org.pk:
        raise StockError(_("There is no such count."), field="count")


def start_count(*, org: Organization, location: Location, actor, note: str = "") -> StockCount:
    """Open a count sheet for `location` with what the ledger expects there now. A location
    has at most one open count."""
    checked_location(org, location, transit_ok=True)
    with transaction.atomic():
        # Locking the location makes two people starting a count at once wait for each
        # other, so the second sees the first's count and is refused.
        Location.objects.select_for_update().filter(pk=location.pk).first()
        if StockCount.objects.filter(
            organization=org, location=location, status=StockCount.Status.OPEN
        ).exists():
            raise StockError(
                _("%(location)s is already being counted: finish or cancel that count first.")
                % {"location": location},
                field="location",
            )
        count = StockCount.objects.create(
            organization=org,
            number=next_number(org, "count"),
            location=location,
            note=note.strip(),
            created_by=actor,
        )
        StockCountLine.objects.bulk_create(
            [
                StockCountLine(
                    organization=org,
                    count=count,
                    item_type_id=b.item_type_id,
                    size=b.size,
                    grade=b.grade,
                    expected=b.quantity,
                )
                for b in StockBalance.objects.filter(
                    organization=org, location=location, quantity__gt=0
                ).order_by("item_type_id", "size", "grade")
            ]
        )
        audit.log(
            org=org,
            actor=actor,
            action="count.started",
            obj=count,
            changes={"location": str(location), "lines": count.lines.count()},
        )
    return count


def record_counts(
    *,
    org: Organization,
    count: StockCount,
    counted: Mapping[int, Decimal | None],
    actor,
    extra: Iterable[CountLineIn] = (),
) -> StockCount:
    """Save counted quantities by line id (None: not counted yet) and lines for goods found
    that were not expected (expected 0; a line for a key already on the sheet sets its
    count). Only while the count is open."""
    _own(org, count)
    extra = list(extra)
    with transaction.atomic():
        count = _open(count)
        lines = {line.pk: line for line in count.lines.all()}
        changed = []
        for line_id, value in counted.items():
            line = lines.get(int(line_id)) if str(line_id).isdigit() else None
            if line is None:
                raise StockError(_("That line is not on this count sheet."), field="counted")
            number = _counted(value, field=f"counted.{line_id}")
            if number != line.counted:
                line.counted = number
                changed.append(line)
        by_key = {(line.item_type_id, line.size, line.grade): line for line in lines.values()}
        new = []
        for index, found in enumerate(extra):
            field = f"extra.{index}"
            item_type = checked_item_type(org, found.item_type, field=f"{field}.item_type")
            size = checked_size(item_type, found.size, field=f"{field}.size")
            grade = checked_grade(found.grade, field=f"{field}.grade")
            number = _counted(found.counted, field=f"{field}.counted")
            if number is None:
                raise StockError(_("Enter the counted quantity."), field=f"{field}.counted")
            key = (item_type.pk, size, grade)
            line = by_key.get(key)
            if line is not None:
                line.counted = number
                if line.pk is not None and line not in changed:
                    changed.append(line)
                continue
            line = StockCountLine(
                organization=org,
                count=count,
                item_type=item_type,
                size=size,
                grade=grade,
                expected=ZERO,
                counted=number,
            )
            by_key[key] = line
            new.append(line)
        if changed:
            StockCountLine.objects.bulk_update(changed, ["counted"])
        StockCountLine.objects.bulk_create(new)
        if changed or new:
            audit.log(
                org=org,
                actor=actor,
                action="count.recorded",
                obj=count,
                changes={"counted": len(changed), "added": len(new)},
            )
    return count


def approve_count(*, org: Organization, count: StockCount, actor) -> list[Movement]:
    """Turn every difference (counted - expected) of the counted lines into a COUNT
    movement, all in one ledger record; lines not counted are left alone."""
    _own(org, count)
    with transaction.atomic():
        count = _open(count)
        lines = [line for line in count.lines.all() if line.counted is not None]
        if not lines:
            raise StockError(
                _("Nothing has been counted yet: enter at least one counted quantity."),
                field="counted",
            )
        location = count.location
        moves = []
        for line in lines:
            difference = line.counted - line.expected
            if difference == 0:
                continue
            moves.append(
                ledger.Move(
                    kind=Kind.COUNT,
                    item_type_id=line.item_type_id,
                    size=line.size,
                    grade=line.grade,
                    quantity=abs(difference),
                    from_location=location.pk if difference < 0 else None,
                    to_location=location.pk if difference > 0 else None,
                    reason=count.reference,
                )
            )
        try:
            movements = ledger.record(
                org=org, moves=moves, actor=actor, document_type="count", document_id=count.pk
            )
        except StockError as error:
            raise StockError(
                _(
                    "%(problem)s Stock left this location after the count started, so the "
                    "difference cannot be taken off. Check the count sheet and count again, "
                    "or cancel the count."
                )
                % {"problem": error.message},
                field="counted",
            ) from error
        count.status = StockCount.Status.APPROVED
        count.approved_by = actor
        count.approved_at = timezone.now()
        count.save(update_fields=["status", "approved_by", "approved_at"])
        audit.log(
            org=org,
            actor=actor,
            action="count.approved",
            obj=count,
            changes={"adjustments": len(movements)},
        )
    return movements


def cancel_count(*, org: Organization, count: StockCount, actor) -> StockCount:
    """Close an open count without changing any stock."""
    _own(org, count)
    with transaction.atomic():
        count = _open(count)
        count.status = StockCount.Status.CANCELLED
        count.save(update_fields=["status"])
        audit.log(
            org=org,
            actor=actor,
            action="count.cancelled",
            obj=count,
            changes={"status": [StockCount.Status.OPEN, StockCount.Status.CANCELLED]},
        )
    return count
