"""Need lines: cleaning what was asked for, and changing a request's lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from kindred.core import audit
from kindred.core.models import Organization, User
from kindred.core.services import Invalid, NotFound
from kindred.goods.models import ItemType
from kindred.goods.sizes import normalise_size

from ...models import HelpRequest, NeedLine, Reservation, ReservationLine
from ..common import AidError
from .common import (
    EDITABLE,
    LINE_FIELDS,
    MAX_LINES,
    MAX_QUANTITY,
    _lock,
    _refuse,
    _sync,
    refresh_status,
)

# Lines ----------------------------------------------------------------------------------


def _field(index: int | None, name: str) -> str:
    """The name of an input of line `index` (lines.0.quantity), or of the line itself."""
    return name if index is None else f"lines.{index}.{name}"


def _item_type(org: Organization, value: Any, field: str) -> ItemType:
    if isinstance(value, ItemType):
        if value.organization_id != org.pk:
            raise Invalid(_("Choose an item type."), field=field)
        return value
    if value in (None, ""):
        raise Invalid(_("Choose an item type."), field=field)
    query = Q(code=value) if isinstance(value, str) and not value.isdigit() else Q(pk=value)
    found = ItemType.objects.filter(query, organization=org).first()
    if found is None:
        raise Invalid(_("Choose an item type."), field=field)
    return found


def _sizes(item_type: ItemType, value: Any, field: str) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    if not isinstance(value, (list, tuple)):
        raise Invalid(_("Enter the sizes as a list."), field=field)
    sizes: list[str] = []
    for raw in value:
        if not str(raw or "").strip():
            continue
        size = normalise_size(item_type.size_system, str(raw))
        if size is None:
            raise Invalid(
                _("“%(size)s” is not a size of %(item_type)s.")
                % {"size": str(raw).strip(), "item_type": item_type},
                field=field,
            )
        if size not in sizes:
            sizes.append(size)
    return sizes


def _int(value: Any, field: str, low: int, high: int, message: str) -> int:
    if isinstance(value, bool):
        raise Invalid(message, field=field)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid(message, field=field) from None
    if str(number) != str(value).strip() and not isinstance(value, int):
        raise Invalid(message, field=field)
    if not low <= number <= high:
        raise Invalid(message, field=field)
    return number


def clean_line(org: Organization, values: Mapping[str, Any], index: int | None = None) -> dict:
    """One need line's values, validated: {item_type, sizes, quantity, urgency, note}.
    Raises Invalid naming the field (`lines.<index>.<field>`)."""
    unknown = set(values) - set(LINE_FIELDS) - {"id", "cancel", "cancelled"}
    if unknown:
        raise Invalid(_("Unknown field."), field=_field(index, sorted(unknown)[0]))
    item_type = _item_type(org, values.get("item_type"), _field(index, "item_type"))
    return {
        "item_type": item_type,
        "sizes": _sizes(item_type, values.get("sizes"), _field(index, "sizes")),
        "quantity": _int(
            values.get("quantity"),
            _field(index, "quantity"),
            1,
            MAX_QUANTITY,
            _("Enter a whole number from 1 to %(max)s.") % {"max": MAX_QUANTITY},
        ),
        "urgency": _int(
            values.get("urgency", NeedLine.Urgency.MEDIUM),
            _field(index, "urgency"),
            1,
            3,
            _("Choose an urgency."),
        ),
        "note": _note(values.get("note"), _field(index, "note")),
    }


def _note(value: Any, field: str) -> str:
    text = str(value or "").strip()
    if len(text) > 300:
        raise Invalid(_("Write at most 300 characters."), field=field)
    return text


def reserved_by_line(lines: Sequence[NeedLine]) -> dict[int, int]:
    """Units of each need line held by active reservations."""
    rows = (
        ReservationLine.objects.filter(
            need__in=[line.pk for line in lines], reservation__status=Reservation.Status.ACTIVE
        )
        .values("need")
        .annotate(units=Sum("quantity"))
    )
    return {row["need"]: row["units"] or 0 for row in rows}


def _line_changes(line: NeedLine) -> dict:
    return {
        "item_type": line.item_type.code or str(line.item_type),
        "sizes": list(line.sizes),
        "quantity": line.quantity,
        "urgency": line.urgency,
    }


def _create_lines(org: Organization, request: HelpRequest, cleaned: list[dict]) -> list[NeedLine]:
    return NeedLine.objects.bulk_create(
        [NeedLine(organization=org, request=request, **values) for values in cleaned]
    )


def _clean_lines(org: Organization, lines: Sequence[Mapping[str, Any]]) -> list[dict]:
    if not isinstance(lines, (list, tuple)) or not lines:
        raise Invalid(_("Add at least one need."), field="lines")
    if len(lines) > MAX_LINES:
        raise Invalid(_("Add at most %(max)s needs.") % {"max": MAX_LINES}, field="lines")
    return [clean_line(org, line, index) for index, line in enumerate(lines)]


def line_problems(org: Organization, lines: Sequence[Mapping[str, Any]]) -> list[Invalid]:
    """Every problem of a request's need lines at once, writing nothing: no line (or too
    many), then each line's first problem (`lines.<index>.<field>`), as `_clean_lines`
    would raise them one by one. A form shows them all in one round."""
    if not lines or len(lines) > MAX_LINES:
        try:
            _clean_lines(org, lines)
        except Invalid as error:
            return [error]
    problems = []
    for index, line in enumerate(lines):
        try:
            clean_line(org, line, index)
        except Invalid as error:
            problems.append(error)
    return problems


@transaction.atomic
def update_lines(
    *, request: HelpRequest, lines: Sequence[Mapping[str, Any]], actor: User | None
) -> HelpRequest:
    """Add, change or cancel need lines while the request is submitted, in review, approved
    or being fulfilled. Each entry is a line's values; with "id" it changes that line (only
    the keys given), with "cancel": true it cancels it, without "id" it adds a line. A line
    cannot go below the units already reserved for it or handed out, and a line with units
    reserved cannot be cancelled. At least one line must stay. All or nothing."""
    locked = _lock(request)
    org = locked.organization
    _refuse(locked, EDITABLE, _("The needs of a request that is “%(status)s” cannot change."))
    if not isinstance(lines, (list, tuple)) or not lines:
        raise Invalid(_("Add at least one need."), field="lines")
    existing = {line.pk: line for line in NeedLine.objects.filter(request=locked)}
    reserved = reserved_by_line(list(existing.values()))
    added: list[dict] = []
    changed: list[NeedLine] = []
    log: list[dict] = []
    for index, values in enumerate(lines):
        line_id = values.get("id")
        if line_id in (None, ""):
            added.append(clean_line(org, values, index))
            continue
        try:
            line = existing[int(line_id)]
        except (KeyError, TypeError, ValueError):
            raise Invalid(_("There is no such need."), field=_field(index, "id")) from None
        held = reserved.get(line.pk, 0)
        if values.get("cancel") or values.get("cancelled"):
            if line.cancelled:
                continue
            if held:
                raise AidError(
                    _("This need has reserved goods: release them before cancelling it."),
                    field=_field(index, "cancel"),
                )
            line.cancelled = True
            changed.append(line)
            log.append({"id": line.pk, "cancelled": True})
            continue
        if line.cancelled:
            raise AidError(
                _("This need was cancelled and cannot be changed."), field=_field(index, "id")
            )
        merged = {
            "item_type": line.item_type,
            "sizes": line.sizes,
            "quantity": line.quantity,
            "urgency": line.urgency,
            "note": line.note,
        }
        merged.update({k: v for k, v in values.items() if k not in {"id", "cancel", "cancelled"}})
        clean = clean_line(org, merged, index)
        floor = line.handed_out + held
        if clean["quantity"] < floor:
            raise AidError(
                _(
                    "%(count)s units of this need are already reserved or handed out: the "
                    "quantity cannot be lower."
                )
                % {"count": floor},
                field=_field(index, "quantity"),
            )
        if clean["item_type"].pk != line.item_type_id and floor:
            raise AidError(
                _("Goods were reserved or handed out for this need: its item type stays."),
                field=_field(index, "item_type"),
            )
        diff = {
            name: [_plain(getattr(line, name)), _plain(value)]
            for name, value in clean.items()
            if getattr(line, name) != value
        }
        if diff:
            for name, value in clean.items():
                setattr(line, name, value)
            changed.append(line)
            log.append({"id": line.pk, **diff})
    remaining = [line for line in existing.values() if not line.cancelled]
    if not remaining and not added:
        raise Invalid(_("Keep at least one need, or close the request."), field="lines")
    if len(existing) + len(added) > MAX_LINES:
        raise Invalid(_("Add at most %(max)s needs.") % {"max": MAX_LINES}, field="lines")
    for line in changed:
        line.save(update_fields=["item_type", "sizes", "quantity", "urgency", "note", "cancelled"])
    created = _create_lines(org, locked, added)
    log.extend({"added": _line_changes(line)} for line in created)
    if log:
        locked.save(update_fields=["updated_at"])
        audit.log(
            org=org,
            actor=actor,
            action="aid.request_lines_changed",
            obj=locked,
            changes={"lines": [None, log]},
        )
        refresh_status(request=locked, actor=actor)
    _sync(request, locked)
    return request


def _plain(value: Any) -> Any:
    return value.code or str(value) if isinstance(value, ItemType) else value


def add_line(*, request: HelpRequest, values: Mapping[str, Any], actor: User | None) -> NeedLine:
    """Add one need line (see update_lines) and return it."""
    values = {k: v for k, v in values.items() if k not in {"id", "cancel", "cancelled"}}
    with transaction.atomic():
        update_lines(request=request, lines=[values], actor=actor)
        return NeedLine.objects.filter(request=request).order_by("-pk").first()


def change_line(
    *, request: HelpRequest, line: NeedLine, values: Mapping[str, Any], actor: User | None
) -> NeedLine:
    """Change (or with "cancel": true, cancel) one need line (see update_lines)."""
    if line.request_id != request.pk:
        raise NotFound(_("There is no such need."))
    values = {k: v for k, v in values.items() if k != "id"}
    update_lines(request=request, lines=[{"id": line.pk, **values}], actor=actor)
    line.refresh_from_db()
    return line
