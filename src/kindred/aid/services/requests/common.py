"""What every part of the help-request services shares: the audit actions, the statuses
each transition may start from, and the row lock with its refusal."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kindred.core import audit
from kindred.core.models import User
from kindred.core.services import Invalid, NotFound

from ...models import HelpRequest, NeedLine, Reservation
from ..common import AidError

AUDIT: dict = {
    "aid.request_created": gettext_lazy("Help request registered"),
    "aid.request_lines_changed": gettext_lazy("Needs of a help request changed"),
    "aid.request_review_started": gettext_lazy("Review of a help request started"),
    "aid.request_approved": gettext_lazy("Help request approved"),
    "aid.request_rejected": gettext_lazy("Help request rejected"),
    "aid.request_closed": gettext_lazy("Help request closed"),
    "aid.request_status_changed": gettext_lazy("Help request status changed"),
    "aid.request_pickup_site_changed": gettext_lazy("Pickup site of a help request changed"),
}

Status = HelpRequest.Status
MAX_LINES = 50
MAX_QUANTITY = 1000
# Statuses in which the need lines may still be changed.
EDITABLE = frozenset({Status.SUBMITTED, Status.IN_REVIEW, Status.APPROVED, Status.FULFILLING})
# What each transition may start from.
CAN_START_REVIEW = frozenset({Status.SUBMITTED})
CAN_DECIDE = frozenset({Status.SUBMITTED, Status.IN_REVIEW})
CAN_CLOSE = frozenset({Status.SUBMITTED, Status.IN_REVIEW, Status.APPROVED, Status.FULFILLING})
LINE_FIELDS = ("item_type", "sizes", "quantity", "urgency", "note")


# Status --------------------------------------------------------------------------------


def _lock(request: HelpRequest) -> HelpRequest:
    """The request's row, locked for this transaction (and its current values)."""
    try:
        return HelpRequest.objects.select_for_update().get(
            pk=request.pk, organization_id=request.organization_id
        )
    except HelpRequest.DoesNotExist:
        raise NotFound(_("There is no such help request.")) from None


def _sync(target: HelpRequest, source: HelpRequest) -> None:
    """Copy the saved values onto the caller's instance."""
    for field in target._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _refuse(request: HelpRequest, allowed: frozenset, message: str) -> None:
    """Refuse (AidError) unless the request's status is in `allowed`; `message` is a
    translated sentence that may name the current status as %(status)s."""
    if request.status not in allowed:
        raise AidError(message % {"status": request.get_status_display()}, field="status")


def _set_status(
    request: HelpRequest,
    status: str,
    *,
    actor: User | None,
    action: str,
    extra: dict | None = None,
    note: dict | None = None,
) -> None:
    before = request.status
    request.status = status
    fields = ["status", "updated_at"]
    changes: dict = {"status": [before, status]}
    for name, value in (extra or {}).items():
        old = getattr(request, name)
        setattr(request, name, value)
        fields.append(name)
        if name not in {"decided_by"}:
            changes[name] = [old, value]
    changes.update({name: [None, value] for name, value in (note or {}).items() if value})
    request.save(update_fields=fields)
    audit.log(org=request.organization, actor=actor, action=action, obj=request, changes=changes)


@transaction.atomic
def refresh_status(*, request: HelpRequest, actor: User | None = None) -> HelpRequest:
    """Move an approved request on after its reservations or handouts changed: with an
    active reservation it is being fulfilled; when every line that is not cancelled has
    been handed out in full it is closed. A request whose reservations all ended before
    anything was handed out goes back to approved (its needs are open again). Requests
    in other statuses are left alone. Call inside the caller's transaction."""
    locked = _lock(request)
    if locked.status not in (Status.APPROVED, Status.FULFILLING):
        _sync(request, locked)
        return request
    lines = list(NeedLine.objects.filter(request=locked, cancelled=False))
    if lines and all(line.handed_out >= line.quantity for line in lines):
        _set_status(
            locked,
            Status.CLOSED,
            actor=actor,
            action="aid.request_status_changed",
            extra={"closed_at": timezone.now()},
        )
    else:
        active = Reservation.objects.filter(
            request=locked, status=Reservation.Status.ACTIVE
        ).exists()
        if active and locked.status == Status.APPROVED:
            _set_status(locked, Status.FULFILLING, actor=actor, action="aid.request_status_changed")
        elif (
            not active
            and locked.status == Status.FULFILLING
            and not any(line.handed_out for line in lines)
        ):
            _set_status(locked, Status.APPROVED, actor=actor, action="aid.request_status_changed")
    _sync(request, locked)
    return request


def _text(value: Any, field: str, limit: int) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise Invalid(_("Write at most %(max)s characters.") % {"max": limit}, field=field)
    return text
