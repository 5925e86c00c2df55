"""Reads of help requests and their need lines: the searchable, filterable list (referrers
see only the requests they registered) and each line's figures.

A need line's open quantity = quantity - handed out - units held by active reservations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, F, IntegerField, Max, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kindred.core.models import Membership, Organization
from kindred.core.roles import OWN_RECORDS_ONLY
from kindred.people.models import HouseholdMember, search_key
from kindred.people.queries import visible_households

from ..models import HelpRequest, NeedLine, Reservation, ReservationLine

SORTS = {
    "newest": ("-submitted_at", "-pk"),
    "oldest": ("submitted_at", "pk"),
    "urgent": ("-top_urgency", "submitted_at", "pk"),
}
REFERENCE_PREFIX = HelpRequest.PREFIX + "-"


def visible_requests(org: Organization, membership: Membership | None) -> QuerySet[HelpRequest]:
    """The requests this member may see: a referrer only those they registered."""
    qs = HelpRequest.objects.filter(organization=org)
    if membership is not None and membership.role in OWN_RECORDS_ONLY:
        qs = qs.filter(created_by=membership.user_id)
    return qs


def households_for(org: Organization, membership: Membership):
    """The households a new request may be for (a referrer: only their own)."""
    return visible_households(org, membership).order_by("label", "pk")


def _aware(day: date, end: bool = False) -> datetime:
    moment = datetime.combine(day, time.max if end else time.min)
    return timezone.make_aware(moment)


def requests(
    org: Organization,
    membership: Membership | None,
    *,
    search: str = "",
    status: str = "",
    source: str = "",
    urgency: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    sort: str = "newest",
) -> QuerySet[HelpRequest]:
    """The list of requests: search the reference (H-12 or 12, or the public form's code),
    the household label and
    the applicant's name; filter by status, source, the most urgent open need and the
    submission date; sort newest, oldest or most urgent first."""
    qs = visible_requests(org, membership)
    search = search.strip()
    if search:
        match = Q(household__label__icontains=search)
        number = search.upper().removeprefix(REFERENCE_PREFIX).strip()
        if number.isdigit() and len(number) < 10:
            match |= Q(number=int(number))
        code = search.upper().replace(" ", "")
        if len(code) == 9 and code[4] == "-":
            match |= Q(public_code=code)  # the code the public form gave the household
        key = search_key(search)
        if key:
            match |= Q(applicant__search_name__contains=key)
            members = HouseholdMember.objects.filter(
                organization=org, left_on__isnull=True, person__search_name__contains=key
            ).values("household")
            match |= Q(household__in=Subquery(members))
        qs = qs.filter(match)
    if status in HelpRequest.Status.values:
        qs = qs.filter(status=status)
    if source in HelpRequest.Source.values:
        qs = qs.filter(source=source)
    if date_from:
        qs = qs.filter(submitted_at__gte=_aware(date_from))
    if date_to:
        qs = qs.filter(submitted_at__lte=_aware(date_to, end=True))
    qs = qs.annotate(
        top_urgency=Coalesce(
            Max("lines__urgency", filter=Q(lines__cancelled=False)),
            Value(0),
            output_field=IntegerField(),
        ),
        line_count=Count("lines", filter=Q(lines__cancelled=False)),
    )
    if urgency in (1, 2, 3):
        qs = qs.filter(top_urgency=urgency)
    return qs.select_related("household", "applicant").order_by(*SORTS.get(sort, SORTS["newest"]))


@dataclass
class LineFigures:
    line: NeedLine
    reserved: int
    handed_out: int
    open: int


def line_figures(request: HelpRequest) -> list[LineFigures]:
    """Each need line of the request with its reserved, handed-out and open units."""
    lines = list(
        NeedLine.objects.filter(request=request)
        .select_related("item_type")
        .annotate(
            reserved=Coalesce(
                Sum(
                    "reservation_lines__quantity",
                    filter=Q(reservation_lines__reservation__status=Reservation.Status.ACTIVE),
                ),
                Value(0),
            )
        )
    )
    return [
        LineFigures(
            line=line,
            reserved=line.reserved,
            handed_out=line.handed_out,
            open=0 if line.cancelled else max(0, line.quantity - line.handed_out - line.reserved),
        )
        for line in lines
    ]


def open_quantity(line: NeedLine) -> int:
    """Units of one need line neither handed out nor held by an active reservation."""
    if line.cancelled:
        return 0
    reserved = (
        ReservationLine.objects.filter(
            need=line, reservation__status=Reservation.Status.ACTIVE
        ).aggregate(units=Sum("quantity"))["units"]
        or 0
    )
    return max(0, line.quantity - line.handed_out - reserved)


def open_needs(org: Organization) -> QuerySet[NeedLine]:
    """Need lines of approved or being-fulfilled requests with units still open, each
    annotated with `reserved` and `open` units."""
    return (
        NeedLine.objects.filter(
            organization=org,
            cancelled=False,
            request__status__in=[HelpRequest.Status.APPROVED, HelpRequest.Status.FULFILLING],
        )
        .annotate(
            reserved=Coalesce(
                Sum(
                    "reservation_lines__quantity",
                    filter=Q(reservation_lines__reservation__status=Reservation.Status.ACTIVE),
                ),
                Value(0),
            )
        )
        .annotate(open=F("quantity") - F("handed_out") - F("reserved"))
        .filter(open__gt=0)
    )
