"""Moving a request through its statuses: review, eligibility, approval, rejection,
closing (refresh_status in common moves an approved request on as goods go out)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.core.models import User
from kindred.core.services import Invalid

from ...models import HelpRequest, NeedLine, Reservation
from ..common import AidError
from ..eligibility import Outcome, active_rules, assess, describe, explain, require
from .common import (
    CAN_CLOSE,
    CAN_DECIDE,
    CAN_START_REVIEW,
    Status,
    _lock,
    _refuse,
    _set_status,
    _sync,
    _text,
)


@transaction.atomic
def start_review(*, request: HelpRequest, actor: User | None) -> HelpRequest:
    """Mark a submitted request as being reviewed."""
    locked = _lock(request)
    _refuse(
        locked,
        CAN_START_REVIEW,
        _("Only a submitted request can be put in review; this one is “%(status)s”."),
    )
    _set_status(locked, Status.IN_REVIEW, actor=actor, action="aid.request_review_started")
    _sync(request, locked)
    return request


def _open_lines(request: HelpRequest) -> list[tuple]:
    """What the request still asks for: (item type, units not handed out) per open line."""
    return [
        (line.item_type, line.quantity - line.handed_out)
        for line in NeedLine.objects.filter(request=request, cancelled=False).select_related(
            "item_type"
        )
    ]


def eligibility_now(*, request: HelpRequest) -> list[Outcome]:
    """What approving the request would find now: every active rule, passed or failed with
    the reason and what would fix it (`eligibility.assess`). The same question, with the
    same lines, that `check_eligibility` asks when the request is approved; reads only."""
    return assess(
        org=request.organization,
        household=request.household,
        lines=_open_lines(request),
        exclude_request=request,
    )


def check_eligibility(
    *, request: HelpRequest, actor: User | None, override_reason: str = ""
) -> list[dict]:
    """Ask the eligibility rules about this request's open lines. Raises NotEligible when a
    rule fails and no override reason is given (`eligibility.require` records the
    override when one is). Returns the explanation: every active rule, passed or not, as
    [{"rule", "kind", "passed", "message"}]."""
    failures = require(
        org=request.organization,
        household=request.household,
        lines=_open_lines(request),
        actor=actor,
        request=request,
        override_reason=override_reason,
    )
    failed = {failure.rule.pk for failure in failures}
    passed = [
        {"rule": rule.pk, "kind": rule.kind, "passed": True, "message": describe(rule)}
        for rule in active_rules(request.organization)
        if rule.pk not in failed
    ]
    return explain(failures) + passed


@transaction.atomic
def approve(*, request: HelpRequest, actor: User | None, override_reason: str = "") -> HelpRequest:
    """Approve a submitted or reviewed request after checking the eligibility rules. A
    failed rule refuses the approval (NotEligible, nothing changed) unless
    `override_reason` says why the coordinator lets it through; the override is recorded.
    The rules' explanation is kept on the request."""
    locked = _lock(request)
    _refuse(locked, CAN_DECIDE, _("A request that is “%(status)s” cannot be approved."))
    override_reason = _text(override_reason, "override_reason", 2000)
    explanation = check_eligibility(request=locked, actor=actor, override_reason=override_reason)
    extra: dict = {
        "decided_at": timezone.now(),
        "decided_by": actor if actor is not None and actor.pk else None,
        "eligibility": explanation,
    }
    _set_status(
        locked,
        Status.APPROVED,
        actor=actor,
        action="aid.request_approved",
        extra=extra,
        note={"override_reason": override_reason},
    )
    _sync(request, locked)
    return request


@transaction.atomic
def reject(*, request: HelpRequest, reason: str, actor: User | None) -> HelpRequest:
    """Reject a submitted or reviewed request, with the reason (required)."""
    locked = _lock(request)
    _refuse(locked, CAN_DECIDE, _("A request that is “%(status)s” cannot be rejected."))
    reason = _text(reason, "reason", 2000)
    if not reason:
        raise Invalid(_("Give the reason for the rejection."), field="reason")
    extra = {
        "rejection_reason": reason,
        "decided_at": timezone.now(),
        "decided_by": actor if actor is not None and actor.pk else None,
    }
    _set_status(locked, Status.REJECTED, actor=actor, action="aid.request_rejected", extra=extra)
    _sync(request, locked)
    return request


@transaction.atomic
def close(*, request: HelpRequest, actor: User | None, reason: str = "") -> HelpRequest:
    """Close a request by hand (the household needs nothing more, or withdrew). Refused
    while goods are reserved for it: release or hand them out first."""
    locked = _lock(request)
    _refuse(locked, CAN_CLOSE, _("A request that is “%(status)s” cannot be closed."))
    reason = _text(reason, "reason", 2000)
    if Reservation.objects.filter(request=locked, status=Reservation.Status.ACTIVE).exists():
        raise AidError(
            _("Goods are reserved for this request: hand them out or release them first."),
            field="status",
        )
    _set_status(
        locked,
        Status.CLOSED,
        actor=actor,
        action="aid.request_closed",
        extra={"closed_at": timezone.now()},
        note={"reason": reason},
    )
    _sync(request, locked)
    return request
