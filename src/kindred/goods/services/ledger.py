"""The stock ledger: the only code that writes `StockBalance` (ARCHITECTURE.md rule 5).

`record()` appends movements and updates the balances they touch in one transaction:

1. Balance rows that will receive stock and do not exist yet are inserted (quantity 0,
   `ON CONFLICT DO NOTHING`), in key order.
2. Every balance row the movements touch is locked with `SELECT … FOR UPDATE ORDER BY
   location, item type, size, grade`. Because every transaction locks in this one global
   order, two transfers in opposite directions wait for each other instead of
   deadlocking; because the row is locked before it is read, two handouts of the last
   unit cannot both see it (the read-check-save race that oversells).
3. The new quantities are checked (never negative, the reserved part within the
   quantity) and a translated `StockError` refuses the whole operation; the database's
   CHECK constraints are the backstop if a bug slipped past.
4. The movements are appended. Nothing ever updates or deletes a movement; a wrong past
   document is corrected by reversing movements (`reversal()`) and recording new ones.

Callers collect all the movements of one operation and call `record()` once, so the
locks of one transaction are taken in one sorted pass.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kindred.core.models import Organization

from ..models import ZERO, ItemType, Location, Movement, StockBalance
from ..sizes import sizes_for
from .common import StockError

Kind = Movement.Kind
RESERVATION_KINDS = frozenset({Kind.RESERVE, Kind.RELEASE})

# The concurrency tests' canary switches this off to show that their test can catch an
# oversell (tests/goods/test_concurrency.py). Nothing else may touch it.
_LOCKING = True


@contextlib.contextmanager
def locking_disabled_for_canary() -> Iterator[None]:
    """Read balances without row locks: the plain read-check-save that oversells under
    concurrency. Only the concurrency test's canary uses this, to prove it can fail."""
    global _LOCKING
    _LOCKING = False
    try:
        yield
    finally:
        _LOCKING = True


@dataclass(frozen=True, order=True)
class StockKey:
    location_id: int
    item_type_id: int
    size: str
    grade: str


@dataclass(frozen=True)
class Move:
    """One movement to record. `from_location`/`to_location` are Location ids (or None)."""

    kind: str
    item_type_id: int
    size: str
    grade: str
    quantity: Decimal
    from_location: int | None = None
    to_location: int | None = None
    reason: str = ""
    reverses_id: int | None = None
    # The move's own document, when one call records several (an allocation confirmed
    # into many reservations); otherwise the call's `document_id` applies.
    document_id: int | None = None

    def effects(self) -> Iterator[tuple[StockKey, Decimal, Decimal]]:
        """(key, change of quantity, change of reserved) for each balance this touches."""
        q = self.quantity
        if self.kind == Kind.RESERVE:
            yield self._key(self.from_location), ZERO, q
        elif self.kind == Kind.RELEASE:
            yield self._key(self.from_location), ZERO, -q
        else:
            if self.from_location is not None:
                yield self._key(self.from_location), -q, ZERO
            if self.to_location is not None:
                yield self._key(self.to_location), q, ZERO

    def _key(self, location_id: int | None) -> StockKey:
        assert location_id is not None
        return StockKey(location_id, self.item_type_id, self.size, self.grade)


def reversal(movement: Movement, *, reason: str = "") -> Move:
    """The move that undoes `movement` (its locations swapped; a reservation released)."""
    kind = {Kind.RESERVE: Kind.RELEASE, Kind.RELEASE: Kind.RESERVE}.get(
        movement.kind, Kind.CORRECTION
    )
    reserving = movement.kind in RESERVATION_KINDS
    return Move(
        kind=kind,
        item_type_id=movement.item_type_id,
        size=movement.size,
        grade=movement.grade,
        quantity=movement.quantity,
        from_location=movement.from_location_id if reserving else movement.to_location_id,
        to_location=None if reserving else movement.from_location_id,
        reason=reason or movement.reason,
        reverses_id=movement.pk,
    )


def _validate(moves: list[Move]) -> None:
    for move in moves:
        if move.kind not in Kind.values:
            raise StockError(_("Unknown kind of movement."), field="kind")
        if move.quantity is None or move.quantity <= 0:
            raise StockError(_("The quantity must be more than zero."), field="quantity")
        if move.from_location is None and move.to_location is None:
            raise StockError(_("A movement needs a location."), field="location")
        if move.from_location is not None and move.from_location == move.to_location:
            raise StockError(_("The goods are already in that location."), field="to_location")
        if move.kind in RESERVATION_KINDS and (
            move.from_location is None or move.to_location is not None
        ):
            raise StockError(_("A reservation is made at one location."), field="location")


def _describe(org: Organization, key: StockKey) -> dict[str, str]:
    item_type = ItemType.objects.filter(organization=org, pk=key.item_type_id).first()
    location = Location.objects.filter(organization=org, pk=key.location_id).first()
    name = str(item_type) if item_type else "?"
    if key.size:
        name = f"{name} {key.size}"
    return {"item": name, "location": str(location) if location else "?"}


def _check_keys(org: Organization, keys: Iterable[StockKey], inflows: Iterable[StockKey]) -> None:
    """Every location and item type is the organisation's; stock enters only in a size of
    its item type's size system (when leaving, a wrong size finds no stock anyway)."""
    ids = {k.location_id for k in keys}
    # order_by(): the models' default orderings would join the site and the category.
    found = set(
        Location.objects.filter(organization=org, pk__in=ids, archived=False)
        .order_by()
        .values_list("pk", flat=True)
    )
    if found != ids:
        raise StockError(_("Choose a location of this organisation."), field="location")
    types = {k.item_type_id for k in keys}
    systems = dict(
        ItemType.objects.filter(organization=org, pk__in=types)
        .order_by()
        .values_list("pk", "size_system")
    )
    if len(systems) != len(types):
        raise StockError(_("Choose an item type of the catalogue."), field="item_type")
    for key in inflows:
        if key.size in sizes_for(systems[key.item_type_id]):
            continue
        # A key that already holds stock (its item type's sizes changed since) may still
        # receive it back, e.g. when a handout is reversed.
        if not StockBalance.objects.filter(
            location_id=key.location_id, item_type_id=key.item_type_id, size=key.size
        ).exists():
            item_type = ItemType.objects.get(organization=org, pk=key.item_type_id)
            raise StockError(
                _("%(size)s is not a size of %(item)s.")
                % {"size": key.size or "-", "item": item_type.label},
                field="size",
            )


def record(
    *,
    org: Organization,
    moves: list[Move],
    actor,
    document_type: str = "",
    document_id: int | None = None,
) -> list[Movement]:
    """Append `moves` to the ledger and update the balances, all or nothing."""
    _validate(moves)
    if not moves:
        return []
    deltas: dict[StockKey, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for move in moves:
        for key, dq, dr in move.effects():
            deltas[key][0] += dq
            deltas[key][1] += dr
    keys = sorted(deltas)
    now = timezone.now()
    inflows = [k for k in keys if deltas[k][0] > 0]
    with transaction.atomic():
        _check_keys(org, keys, inflows)
        # 1. Rows that will receive stock must exist before they can be locked.
        if inflows:
            StockBalance.objects.bulk_create(
                [
                    StockBalance(
                        organization=org,
                        location_id=k.location_id,
                        item_type_id=k.item_type_id,
                        size=k.size,
                        grade=k.grade,
                    )
                    for k in inflows
                ],
                ignore_conflicts=True,
            )
        # 2. Lock every touched row in the one global order.
        condition = reduce(
            or_,
            (
                Q(
                    location_id=k.location_id,
                    item_type_id=k.item_type_id,
                    size=k.size,
                    grade=k.grade,
                )
                for k in keys
            ),
        )
        rows = StockBalance.objects.filter(condition)
        if _LOCKING:
            rows = rows.select_for_update()
        balances = {
            StockKey(b.location_id, b.item_type_id, b.size, b.grade): b
            for b in rows.order_by("location_id", "item_type_id", "size", "grade")
        }
        # 3. Check, then write.
        changed = []
        for key in keys:
            dq, dr = deltas[key]
            balance = balances.get(key)
            quantity = (balance.quantity if balance else ZERO) + dq
            reserved = (balance.reserved if balance else ZERO) + dr
            if quantity < 0 or balance is None:
                available = balance.quantity - balance.reserved if balance else ZERO
                raise StockError(
                    _(
                        "Not enough %(item)s in %(location)s: %(available)s in stock, "
                        "%(wanted)s needed."
                    )
                    % {
                        **_describe(org, key),
                        "available": number_format(available.normalize()),
                        # A reservation at a key without stock wants its reserved part.
                        "wanted": number_format((-dq if dq < 0 else dr).normalize()),
                    },
                    field="quantity",
                )
            if reserved < 0:
                raise StockError(
                    _("Less of %(item)s is reserved in %(location)s than that.")
                    % _describe(org, key),
                    field="quantity",
                )
            if reserved > quantity:
                raise StockError(
                    _(
                        "%(item)s in %(location)s is reserved for households: "
                        "%(available)s can be used."
                    )
                    % {
                        **_describe(org, key),
                        "available": number_format(
                            max(balance.quantity - balance.reserved, ZERO).normalize()
                        ),
                    },
                    field="quantity",
                )
            if dq or dr:
                balance.quantity = quantity
                balance.reserved = reserved
                balance.updated_at = now
                changed.append(balance)
        if len(changed) == 1:
            changed[0].save(update_fields=["quantity", "reserved", "updated_at"])
        elif changed:
            StockBalance.objects.bulk_update(changed, ["quantity", "reserved", "updated_at"])
        # 4. Append the movements.
        return Movement.objects.bulk_create(
            [
                Movement(
                    organization=org,
                    kind=m.kind,
                    item_type_id=m.item_type_id,
                    size=m.size,
                    grade=m.grade,
                    quantity=m.quantity,
                    from_location_id=m.from_location,
                    to_location_id=m.to_location,
                    document_type=document_type,
                    document_id=m.document_id if m.document_id is not None else document_id,
                    reverses_id=m.reverses_id,
                    reason=m.reason[:300],
                    actor=actor,
                    created_at=now,
                )
                for m in moves
            ]
        )


def document_movements(org: Organization, document_type: str, document_id: int):
    return Movement.objects.filter(
        organization=org, document_type=document_type, document_id=document_id
    ).order_by("pk")
