"""Help requests and their need lines: registering them (staff, referrers, the public form),
changing the lines, and moving a request through its statuses:

    submitted → in review → approved | rejected;  approved → being fulfilled → closed

`refresh_status` is the one place that moves an approved request on as goods are reserved
and handed out; the allocation and handout services call it after they change reservations
or handouts. Every service is one transaction, locks the request row first (two coordinators
deciding at once cannot both win), and writes its audit entry inside that transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kindred.core import audit
from kindred.core.models import Organization, User
from kindred.core.services import Invalid, NotFound
from kindred.goods.models import ItemType
from kindred.goods.sizes import normalise_size
from kindred.people import services as people
from kindred.people.models import Household, HouseholdMember, Person

from ..models import HelpRequest, NeedLine, Reservation, ReservationLine
from .common import AidError, number_for
from .eligibility import active_rules, describe, explain, require

AUDIT: dict = {
    "aid.request_created": gettext_lazy("Help request registered"),
    "aid.request_lines_changed": gettext_lazy("Needs of a help request changed"),
    "aid.request_review_started": gettext_lazy("Review of a help request started"),
    "aid.request_approved": gettext_lazy("Help request approved"),
    "aid.request_rejected": gettext_lazy("Help request rejected"),
    "aid.request_closed": gettext_lazy("Help request closed"),
    "aid.request_status_changed": gettext_lazy("Help request status changed"),
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


def _text(value: Any, field: str, limit: int) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise Invalid(_("Write at most %(max)s characters.") % {"max": limit}, field=field)
    return text


@transaction.atomic
def create_request(
    *,
    org: Organization,
    household: Household,
    applicant: Person | None = None,
    source: str,
    lines: Sequence[Mapping[str, Any]],
    note: str = "",
    referrer_organisation: str = "",
    language: str = "",
    actor: User | None,
) -> HelpRequest:
    """Register a household's request with its need lines (at least one), all or nothing.
    Needs beyond the current stock are fine: what is not reserved stays an open need."""
    if household is None or household.organization_id != org.pk:
        raise NotFound(_("There is no such household."), field="household")
    if source not in HelpRequest.Source.values:
        raise Invalid(_("Choose a source."), field="source")
    if applicant is not None:
        if applicant.organization_id != org.pk:
            raise NotFound(_("There is no such person."), field="applicant")
        if not HouseholdMember.objects.filter(
            household=household, person=applicant, left_on__isnull=True
        ).exists():
            raise Invalid(_("The applicant must be a member of the household."), field="applicant")
    cleaned = _clean_lines(org, lines)
    request = HelpRequest(
        organization=org,
        household=household,
        applicant=applicant,
        source=source,
        note=_text(note, "note", 5000),
        referrer_organisation=_text(referrer_organisation, "referrer_organisation", 200),
        language=_text(language, "language", 10),
        created_by=actor if actor is not None and actor.pk else None,
    )
    request.number = number_for(org, HelpRequest)
    request.save()
    created = _create_lines(org, request, cleaned)
    audit.log(
        org=org,
        actor=actor,
        action="aid.request_created",
        obj=request,
        changes={
            "household": [None, household.label],
            "source": [None, source],
            "lines": [None, [_line_changes(line) for line in created]],
        },
    )
    return request


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


def check_eligibility(
    *, request: HelpRequest, actor: User | None, override_reason: str = ""
) -> list[dict]:
    """Ask the eligibility rules about this request's open lines. Raises NotEligible when a
    rule fails and no override reason is given (`eligibility.require` records the
    override when one is). Returns the explanation: every active rule, passed or not, as
    [{"rule", "kind", "passed", "message"}]."""
    lines = [
        (line.item_type, line.quantity - line.handed_out)
        for line in NeedLine.objects.filter(request=request, cancelled=False).select_related(
            "item_type"
        )
    ]
    failures = require(
        org=request.organization,
        household=request.household,
        lines=lines,
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


# New households and the public form ------------------------------------------------------

# What the public form and the "new household" part of the request form may set.
APPLICANT_FIELDS = ("given_name", "family_name", "phone", "email", "street", "postcode", "city")
HELP_PURPOSE = "help-records"


def _person_values(values: Mapping[str, Any]) -> dict[str, Any]:
    person = {f: str(values.get(f) or "").strip() for f in APPLICANT_FIELDS if values.get(f)}
    if not person.get("given_name"):
        raise Invalid(_("Enter the given name."), field="given_name")
    return person


@transaction.atomic
def register_household(
    *, org: Organization, values: Mapping[str, Any], actor: User | None
) -> tuple[Household, Person]:
    """Register a household with its head (given and family name, contact details and
    address in `values`); the household is labelled with the head's name."""

    person_values = _person_values(values)
    person = people.create_person(org=org, values=person_values, actor=actor)
    label = str(values.get("household_label") or "").strip() or person.full_name
    household = people.create_household(
        org=org,
        values={
            "label": label[:200],
            **{f: person_values[f] for f in ("street", "postcode", "city") if f in person_values},
        },
        actor=actor,
    )
    people.add_to_household(
        org=org, household=household, person=person, relation="head", actor=actor
    )
    return household, person


@transaction.atomic
def submit_public(
    *,
    org: Organization,
    values: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    language: str,
) -> HelpRequest:
    """A request from the public form, without an account: registers the applicant and
    their household, records the consent they gave to keeping help records (the wording
    shown, in their language), and the request (source public). All or nothing. `values`
    holds the applicant's fields, "note" and "consent" (which must be true)."""

    if values.get("consent") is not True:
        raise Invalid(
            _("Tick the box to agree, or we cannot register your request."), field="consent"
        )
    cleaned = _clean_lines(org, lines)  # before anyone is registered
    household, person = register_household(org=org, values=values, actor=None)
    purposes = {p.key: p for p in people.ensure_default_purposes(org)}
    purpose = purposes.get(HELP_PURPOSE)
    if purpose is not None and not purpose.archived:
        people.record_consent(
            org=org,
            person=person,
            purpose=purpose,
            basis="consent",
            actor=None,
            wording=str(values.get("consent_wording") or "") or None,
        )
    return create_request(
        org=org,
        household=household,
        applicant=person,
        source=HelpRequest.Source.PUBLIC,
        lines=cleaned,
        note=str(values.get("note") or ""),
        language=language,
        actor=None,
    )
