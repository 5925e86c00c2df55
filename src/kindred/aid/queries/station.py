"""Reads for the handout station: finding a household by its booking code, a reference
(H-12, RV-3) or a name; today's bookings at a site; what a household has reserved; the
stock a volunteer can hand out at a site; and the handouts list of the API."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kindred.core.models import Organization, Site
from kindred.goods.models import StockBalance
from kindred.people.models import Household, HouseholdMember, Person, search_key

from ..models import Booking, Handout, HandoutLine, HelpRequest, Reservation, ReservationLine

MAX_RESULTS = 20
# A reference typed or scanned: "H-12", "rv 3", "U-7".
REFERENCE = re.compile(r"^\s*(H|RV|U)\s*-?\s*(\d{1,9})\s*$", re.IGNORECASE)
# A handheld scanner reading the booking's QR code types its whole URL.
BOOKING_URL = re.compile(r"/aid/station/b/([A-Za-z0-9-]{1,24})/?")


def clean_code(text: str) -> str:
    """A booking code as typed or scanned (a URL, spaces, lower case) → as stored."""
    text = (text or "").strip()
    match = BOOKING_URL.search(text)
    if match:
        text = match[1]
    return re.sub(r"[\s-]", "", text).upper()[:12]


def booking_by_code(org: Organization, code: str) -> Booking | None:
    code = clean_code(code)
    if not code:
        return None
    return (
        Booking.objects.filter(organization=org, code__iexact=code)
        .select_related("household", "request", "day__site")
        .first()
    )


@dataclass
class SearchResult:
    """What the station's search box found: a booking by its exact code (the station
    opens it at once), and households by reference or name."""

    booking: Booking | None = None
    households: list[Household] = field(default_factory=list)


def find(org: Organization, text: str) -> SearchResult:
    text = (text or "").strip()[:200]
    result = SearchResult()
    if not text:
        return result
    result.booking = booking_by_code(org, text)
    if result.booking is not None:
        result.households = [result.booking.household]
        return result
    ids: list[int] = []
    match = REFERENCE.match(text)
    if match:
        prefix, number = match[1].upper(), int(match[2])
        model = {"H": HelpRequest, "RV": Reservation, "U": Handout}[prefix]
        found = (
            model.objects.filter(organization=org, number=number)
            .values_list("household_id", flat=True)
            .first()
        )
        if found:
            ids.append(found)
    else:
        ids.extend(households_by_name(org, text))
    households = Household.objects.in_bulk(ids[:MAX_RESULTS])
    result.households = [households[pk] for pk in ids[:MAX_RESULTS] if pk in households]
    annotate_households(org, result.households)
    return result


def households_by_name(org: Organization, text: str) -> list[int]:
    """Households whose label, current member or applicant matches every word of `text`
    in any case and accents (the people search's `search_key`)."""
    words = search_key(text).split()
    if not words:
        return []
    person_match = Q()
    for word in words:
        person_match &= Q(search_name__contains=word)
    persons = Person.objects.filter(person_match, organization=org, anonymised_at__isnull=True)
    by_member = HouseholdMember.objects.filter(
        organization=org, left_on__isnull=True, person__in=persons
    ).values_list("household_id", flat=True)
    by_applicant = HelpRequest.objects.filter(organization=org, applicant__in=persons).values_list(
        "household_id", flat=True
    )
    label_match = Q()
    for word in text.split():
        label_match &= Q(label__icontains=word)
    by_label = Household.objects.filter(label_match, organization=org).values_list("pk", flat=True)
    ids = (
        set(by_label[:MAX_RESULTS]) | set(by_member[:MAX_RESULTS]) | set(by_applicant[:MAX_RESULTS])
    )
    return list(
        Household.objects.filter(organization=org, pk__in=ids)
        .order_by("label", "pk")
        .values_list("pk", flat=True)[:MAX_RESULTS]
    )


def annotate_households(org: Organization, households: list[Household]) -> None:
    """Give each household `active_count` (active reservations) and `members` (current)."""
    if not households:
        return
    ids = [h.pk for h in households]
    active = dict(
        Reservation.objects.filter(
            organization=org, household_id__in=ids, status=Reservation.Status.ACTIVE
        )
        .values_list("household_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    members = dict(
        HouseholdMember.objects.filter(organization=org, household_id__in=ids, left_on__isnull=True)
        .values_list("household_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for household in households:
        household.active_count = active.get(household.pk, 0)
        household.member_count = members.get(household.pk, 0)


@dataclass
class HouseholdCard:
    """What a volunteer sees of a household: no more than a handout needs."""

    household: Household
    member_count: int
    children_ages: list[int | None]


def household_card(org: Organization, household: Household, *, today: date | None = None):
    today = today or timezone.localdate()
    members = list(
        HouseholdMember.objects.filter(
            organization=org, household=household, left_on__isnull=True
        ).select_related("person")
    )
    ages = []
    for member in members:
        person = member.person
        age = person.age_on(today)
        if age is None and person.birth_year:
            age = today.year - person.birth_year
        if member.relation == HouseholdMember.Relation.CHILD or (age is not None and age < 18):
            ages.append(age)
    ages.sort(key=lambda a: (a is None, a))
    return HouseholdCard(household, len(members), ages)


def todays_bookings(org: Organization, site: Site | None, day: date | None = None) -> list:
    """The bookings of today's distribution days at `site`, by slot, with their status."""
    if site is None:
        return []
    day = day or timezone.localdate()
    return list(
        Booking.objects.filter(
            organization=org,
            day__site=site,
            day__date=day,
            day__cancelled=False,
        )
        .exclude(status=Booking.Status.CANCELLED)
        .select_related("household", "request")
        .order_by("slot_start", "pk")
    )


# What the station asks to confirm before a handout ------------------------------------------

OTHER_DAY = "other_day"
OTHER_SITE = "other_site"
CONFIRMATIONS = (OTHER_DAY, OTHER_SITE)


@dataclass(frozen=True)
class HandoutWarning:
    """Why a handout needs a confirmation: `code` (OTHER_DAY, OTHER_SITE), a translated
    `message` naming the day or site, and `change` [expected, actual] for the audit log."""

    code: str
    message: str
    change: list


def handout_warnings(
    reservation: Reservation, *, booking: Booking | None, site: Site | None, today: date
) -> list[HandoutWarning]:
    """A booking whose day is not `today`; a reservation held at another site than `site`,
    where it is being handed out. The station shows these before anyone taps, and the
    handout service refuses without their confirmation."""
    warnings = []
    day = booking.day if booking is not None and booking.day_id else None
    if day is not None and day.date != today:
        warnings.append(
            HandoutWarning(
                OTHER_DAY,
                _("This booking is for %(date)s, not today.")
                % {"date": formats.date_format(day.date, "DATE_FORMAT")},
                [day.date.isoformat(), today.isoformat()],
            )
        )
    if site is not None and site.pk != reservation.site_id:
        warnings.append(
            HandoutWarning(
                OTHER_SITE,
                _("These goods are reserved at %(reserved)s, not at %(site)s.")
                % {"reserved": reservation.site.name, "site": site.name},
                [reservation.site.name, site.name],
            )
        )
    return warnings


def reservation_lines(reservation: Reservation) -> list[ReservationLine]:
    return list(
        ReservationLine.objects.filter(reservation=reservation)
        .select_related("item_type", "location", "need")
        .order_by("location__name", "item_type__name", "size", "pk")
    )


def by_location(lines) -> list[tuple]:
    """[(location, [lines…]), …] in the order the lines come."""
    groups: dict = defaultdict(list)
    locations = {}
    for line in lines:
        groups[line.location_id].append(line)
        locations[line.location_id] = line.location
    return [(locations[pk], groups[pk]) for pk in groups]


def active_reservations(org: Organization, household: Household) -> list[Reservation]:
    """The household's active reservations, each with `groups` (its lines by location)."""
    reservations = list(
        Reservation.objects.filter(
            organization=org, household=household, status=Reservation.Status.ACTIVE
        )
        .select_related("site", "request")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ReservationLine.objects.select_related(
                    "item_type", "location", "need"
                ).order_by("location__name", "item_type__name", "size", "pk"),
            )
        )
        .order_by("expires_at", "pk")
    )
    for reservation in reservations:
        reservation.groups = by_location(reservation.lines.all())
    return reservations


def available_stock(org: Organization, site: Site) -> QuerySet[StockBalance]:
    """Stock keys at `site` with units not reserved, for substitutes and walk-ins."""
    return (
        StockBalance.objects.filter(
            organization=org,
            location__site=site,
            location__archived=False,
            quantity__gt=F("reserved"),
        )
        .exclude(grade="unsorted")
        .select_related("item_type", "location")
        .order_by("location__name", "item_type__name", "size", "grade", "pk")
    )


def handouts(
    org: Organization,
    *,
    site_id: int | None = None,
    household_id: int | None = None,
    kind: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Handout]:
    qs = Handout.objects.filter(organization=org)
    if site_id:
        qs = qs.filter(site_id=site_id)
    if household_id:
        qs = qs.filter(household_id=household_id)
    if kind:
        qs = qs.filter(kind=kind)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs.select_related("reservation", "request", "booking").prefetch_related(
        Prefetch("lines", queryset=HandoutLine.objects.select_related("item_type", "location"))
    )


def handout_detail(org: Organization, handout_id: int) -> Handout | None:
    return (
        handouts(org)
        .select_related("household", "site", "created_by")
        .filter(pk=handout_id)
        .first()
    )
