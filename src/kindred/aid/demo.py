"""Aid for the demo organisations (`kindred demo`): the help-request settings, eligibility
rules, requests in every status from the public form, referrers and staff, an allocation
that was confirmed into reservations and a newer proposal still waiting, two distribution
days with booked slots and a booking link still to be used, and handouts (one of a
reservation, one walk-in). Everything goes through the services, so the ledger, the audit
log and the pages agree. Safe to run again: an organisation that already has help
requests keeps its aid data as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Max, Q
from django.utils import timezone

from kindred.core.demo import dated
from kindred.core.models import Organization, Site, User
from kindred.goods.models import ItemType, Location, Movement, StockBalance
from kindred.people.models import ConsentPurpose, Household

from .models import AllocationRun, HelpRequest, Reservation
from .services import (
    allocation,
    distribution,
    eligibility,
    handouts,
    requests,
    settings,
)
from .tasks.allocation import compute_run


@dataclass(frozen=True)
class Ask:
    household: str
    source: str
    lines: list[tuple[str, list[str], int, int, str]]  # code, sizes, quantity, urgency, note
    note: str = ""
    referrer_organisation: str = ""
    language: str = ""


@dataclass(frozen=True)
class Spec:
    domain: str
    store: str  # the site whose stock is allocated and where the days are
    intro: str  # the public form's text; {street} and {city} are the store's
    rules: list[dict]
    handed_out: Ask  # an earlier request, reserved, handed out and closed
    walk_in: tuple[str, str, str, int]  # household, stock location, item code, quantity
    allocated: list[Ask]  # approved, reserved by the confirmed run
    waiting: list[Ask]  # approved after the run: the newer proposal is for them
    submitted: Ask  # from the public form, waiting for review
    public: dict  # the public applicant
    rejected: tuple[Ask, str]
    days: list[tuple[int, time, time, int, int, str]]  # weekday offset, from, to, slot, capacity
    booked: list[str] = field(default_factory=list)  # households booked into the first day


DEMO = {
    "hjaelpesporet": Spec(
        domain="hjaelpesporet.example",
        store="Lageret Herning",
        intro=(
            "Har din familie brug for tøj, sengetøj eller køkkenting? Skriv her, hvad I "
            "mangler. Vi svarer inden for en uge, og I henter tingene i Lageret på "
            "{street} i {city}."
        ),
        rules=[
            {
                "kind": "visit_frequency",
                "name": "To besøg om måneden",
                "max_count": 2,
                "period_days": 30,
            },
            {
                "kind": "category_cap",
                "name": "Børnetøj pr. barn pr. halvår",
                "max_count": 8,
                "period_days": 180,
                "category_of": "child-winter-jacket",
                "scale": "child",
            },
            {
                "kind": "scaled_quantity",
                "name": "Sengetøj pr. person",
                "max_count": 1,
                "category_of": "duvet",
                "scale": "member",
            },
            {
                "kind": "required_consent",
                "name": "Samtykke til hjælpejournal",
                "purpose": "help-records",
            },
        ],
        handed_out=Ask(
            "Familien Haidari",
            HelpRequest.Source.STAFF,
            [("child-trousers", ["104"], 2, 2, "Til Sara")],
        ),
        walk_in=("Birthe Madsen", "Køkkenhylden", "glasses-cups", 1),
        allocated=[
            Ask(
                "Familien Hansen",
                HelpRequest.Source.STAFF,
                [
                    ("child-winter-jacket", ["116", "128"], 1, 3, "Oliver fryser om morgenen"),
                    ("winter-boots", ["31"], 1, 3, ""),
                    ("toy", [], 2, 1, ""),
                ],
                note="Far er sygemeldt; familien har søgt via skolen.",
            ),
            Ask(
                "Familien Haidari",
                HelpRequest.Source.REFERRER,
                [
                    ("duvet", [], 3, 3, "Familien har fået ny lejlighed"),
                    ("pots-pans", [], 1, 2, ""),
                    ("childrens-book", [], 2, 1, "Gerne på dansk"),
                ],
                referrer_organisation="Herning Kommune, Familieafdelingen",
                language="da",
            ),
        ],
        waiting=[
            Ask(
                "Familien Hansen",
                HelpRequest.Source.STAFF,
                [("winter-coat", ["L", "XL"], 1, 2, "Til Thomas")],
            ),
        ],
        submitted=Ask(
            "",
            HelpRequest.Source.PUBLIC,
            [("winter-coat", ["M", "L"], 1, 3, ""), ("plates", [], 1, 1, "")],
            note="Jeg er lige flyttet til Herning og mangler det meste.",
            language="da",
        ),
        public={
            "given_name": "Jonas",
            "family_name": "Kristensen",
            "phone": "+45 28 44 10 92",
            "email": "jonas.kristensen@example.net",
            "city": "Herning",
        },
        rejected=(
            Ask(
                "Birthe Madsen",
                HelpRequest.Source.STAFF,
                [("sofa", [], 1, 1, "")],
            ),
            "Vi udleverer kun møbler til familier, der flytter ind i ny bolig.",
        ),
        days=[
            (3, time(15, 0), time(18, 0), 15, 3, "Udlevering i Lageret, indgang fra gården"),
            (10, time(15, 0), time(18, 0), 15, 3, ""),
        ],
        booked=["Familien Hansen"],
    ),
    "hjarta-till-hjarta": Spec(
        domain="hjartatillhjarta.example",
        store="Lagret Linköping",
        intro=(
            "Behöver din familj kläder, hygienartiklar eller husgeråd? Berätta vad ni "
            "behöver, så hör vi av oss inom en vecka. Ni hämtar sakerna i lagret på "
            "{street} i {city}."
        ),
        rules=[
            {
                "kind": "visit_frequency",
                "name": "Två besök per månad",
                "max_count": 2,
                "period_days": 30,
            },
            {
                "kind": "scaled_quantity",
                "name": "Hygien per person",
                "max_count": 1,
                "category_of": "hygiene-kit",
                "scale": "member",
            },
            {
                "kind": "required_consent",
                "name": "Samtycke till hjälpjournal",
                "purpose": "help-records",
            },
        ],
        handed_out=Ask(
            "Familjen Lind",
            HelpRequest.Source.STAFF,
            [("child-tshirt", ["110", "116"], 2, 1, "")],
        ),
        walk_in=("Familjen Kovalenko", "Köksgången", "sanitary-pads", 2),
        allocated=[
            Ask(
                "Familjen Lind",
                HelpRequest.Source.STAFF,
                [
                    ("child-winter-jacket", ["128", "134"], 1, 3, "Till Melvin"),
                    ("rubber-boots", ["30", "31"], 1, 2, ""),
                    ("hygiene-kit", [], 2, 2, ""),
                ],
            ),
            Ask(
                "Familjen Kovalenko",
                HelpRequest.Source.REFERRER,
                [
                    ("kettle", [], 1, 2, ""),
                    ("plates", [], 1, 2, ""),
                    ("hygiene-kit", [], 3, 2, ""),
                ],
                referrer_organisation="Linköpings kommun, socialtjänsten",
                language="uk",
            ),
        ],
        waiting=[
            Ask(
                "Familjen Kovalenko",
                HelpRequest.Source.REFERRER,
                [("child-snowsuit", ["98", "104"], 1, 3, "Till kusinen som flyttat in")],
                referrer_organisation="Linköpings kommun, socialtjänsten",
                language="uk",
            ),
        ],
        submitted=Ask(
            "",
            HelpRequest.Source.PUBLIC,
            [("hygiene-kit", [], 1, 2, ""), ("kettle", [], 1, 1, "")],
            note="Vi är tre personer och bor i Skäggetorp.",
            language="sv",
        ),
        public={
            "given_name": "Amina",
            "family_name": "Yusuf",
            "phone": "072-345 67 89",
            "city": "Linköping",
        },
        rejected=(
            Ask(
                "Familjen Lind",
                HelpRequest.Source.STAFF,
                [("bicycle", [], 1, 1, "")],
            ),
            "Cyklar delar vi bara ut genom vårens cykelinsamling.",
        ),
        days=[
            (2, time(16, 0), time(19, 0), 20, 2, "Utlämning vid lagrets lastkaj"),
            (9, time(16, 0), time(19, 0), 20, 2, ""),
        ],
        booked=["Familjen Lind"],
    ),
}


def build(org: Organization) -> None:
    """Called by `kindred demo` once per demo organisation, in its scope and language."""
    spec = DEMO.get(org.slug)
    if spec is None or HelpRequest.objects.filter(organization=org).exists():
        return
    _load(org, spec)


def _user(spec: Spec, role: str) -> User:
    return User.objects.get(email=f"{role}@{spec.domain}")


def _household(org: Organization, label: str) -> Household:
    return Household.objects.get(organization=org, label=label)


def _lines(org: Organization, ask: Ask) -> list[dict]:
    types = {t.code: t for t in ItemType.objects.filter(organization=org).exclude(code="")}
    return [
        {
            "item_type": types[code],
            "sizes": sizes,
            "quantity": quantity,
            "urgency": urgency,
            "note": note,
        }
        for code, sizes, quantity, urgency, note in ask.lines
    ]


def _request(org: Organization, spec: Spec, ask: Ask) -> HelpRequest:
    household = _household(org, ask.household)
    head = household.members.filter(relation="head", left_on__isnull=True).first()
    actor = _user(spec, "referrer" if ask.source == HelpRequest.Source.REFERRER else "coordinator")
    return requests.create_request(
        org=org,
        household=household,
        applicant=head.person if head else None,
        source=ask.source,
        lines=_lines(org, ask),
        note=ask.note,
        referrer_organisation=ask.referrer_organisation,
        language=ask.language,
        # They collect at the store, where the days are: the allocation reserves there.
        pickup_site=Site.objects.get(organization=org, name=spec.store),
        actor=actor,
    )


def _approved(org: Organization, spec: Spec, ask: Ask, days: int) -> HelpRequest:
    """Asked `days` ago, reviewed and approved the day after."""
    coordinator = _user(spec, "coordinator")
    with _days_ago(org, days, 9):
        request = _request(org, spec, ask)
    with _days_ago(org, days - 1, 13):
        requests.start_review(request=request, actor=coordinator)
        return requests.approve(request=request, actor=coordinator)


AID_MOVES = (Movement.Kind.RESERVE, Movement.Kind.RELEASE, Movement.Kind.HANDOUT)


def _change(movement: Movement, location_id: int) -> Decimal:
    """What `movement` does to the quantity free at `location_id` (reserving takes it)."""
    if movement.kind == Movement.Kind.RESERVE:
        return -movement.quantity
    if movement.kind == Movement.Kind.RELEASE:
        return movement.quantity
    if movement.to_location_id == location_id:
        return movement.quantity
    return -movement.quantity if movement.from_location_id == location_id else Decimal(0)


def _after_stock(org: Organization, since: datetime) -> datetime | None:
    """The earliest time the movements made since `since` can be dated: after the aid's
    earlier steps (a handout after its reservation), and where they take goods, after
    enough of them had arrived, so that the stock at every past date stays what the ledger
    can explain (never below zero)."""
    new = list(Movement.objects.filter(organization=org, created_at__gte=since))
    if not new:
        return None
    floors = []
    latest_aid = Movement.objects.filter(
        organization=org, created_at__lt=since, kind__in=AID_MOVES
    ).aggregate(latest=Max("created_at"))["latest"]
    if latest_aid is not None:
        floors.append(latest_aid + timedelta(minutes=30))
    needed: dict[tuple, Decimal] = {}
    for m in new:
        location_id = m.from_location_id or m.to_location_id
        key = (location_id, m.item_type_id, m.size, m.grade)
        needed[key] = needed.get(key, Decimal(0)) - _change(m, location_id)
    for (location_id, item_type_id, size, grade), quantity in needed.items():
        if quantity <= 0:
            continue
        earlier = Movement.objects.filter(
            Q(from_location_id=location_id) | Q(to_location_id=location_id),
            organization=org,
            created_at__lt=since,
            item_type_id=item_type_id,
            size=size,
            grade=grade,
        ).order_by("created_at", "pk")
        free, enough_since, latest = Decimal(0), None, None
        for m in earlier:
            free += _change(m, location_id)
            latest = m.created_at
            if free < quantity:
                enough_since = None
            elif enough_since is None:
                enough_since = m.created_at  # from here on the place held enough
        floor = enough_since or latest
        if floor is not None:
            floors.append(floor + timedelta(hours=1))
    return max(floors) if floors else None


def _days_ago(org: Organization, days: int, hour: int = 10, keep: tuple[str, ...] = ()):
    """Demo only: what the block writes is dated `days` ago at `hour` o'clock, or, when it
    moves stock, just after those goods were there (`_after_stock`)."""

    def when(start: datetime) -> datetime:
        zone = ZoneInfo(org.time_zone)
        moment = datetime.combine(
            timezone.localdate(timezone=zone) - timedelta(days=days), time(hour), tzinfo=zone
        )
        floor = _after_stock(org, start)
        return max(moment, floor) if floor is not None else moment

    return dated(org, when, keep)


def _allocate(org: Organization, spec: Spec, *, confirm: bool) -> AllocationRun:
    """A run computed here and now (its queued task then finds it done and leaves it)."""
    coordinator = _user(spec, "coordinator")
    store = Site.objects.get(organization=org, name=spec.store)
    run = allocation.start_run(org=org, sites=[store], actor=coordinator)
    compute_run(run_id=run.pk, language=org.default_language)
    run.refresh_from_db()
    if confirm and run.status == AllocationRun.Status.PROPOSED:
        allocation.confirm_run(run=run, actor=coordinator)
        run.refresh_from_db()
    return run


def _load(org: Organization, spec: Spec) -> None:
    admin = _user(spec, "admin")
    coordinator = _user(spec, "coordinator")
    volunteer = _user(spec, "volunteer")
    store = Site.objects.get(organization=org, name=spec.store)
    settings.update_settings(
        org=org,
        values={
            "public_requests": True,
            # The public form names the address where the goods are collected.
            "public_intro": spec.intro.format(street=store.street, city=store.city),
            "reservation_days": 14,
        },
        actor=admin,
    )
    types = {t.code: t for t in ItemType.objects.filter(organization=org).exclude(code="")}
    purposes = {p.key: p for p in ConsentPurpose.objects.filter(organization=org)}
    with _days_ago(org, 60):
        for rule in spec.rules:
            values = {k: v for k, v in rule.items() if k not in {"category_of", "purpose"}}
            if "category_of" in rule:
                values["category"] = types[rule["category_of"]].category
            if "purpose" in rule:
                values["consent_purpose"] = purposes[rule["purpose"]]
            eligibility.create_rule(org=org, values=values, actor=coordinator)

    # An earlier request: allocated, handed out at the station, closed.
    _approved(org, spec, spec.handed_out, 36)
    with _days_ago(org, 34, 11):
        _allocate(org, spec, confirm=True)
    with _days_ago(org, 31, 16):
        for reservation in org_reservations(org):
            handouts.hand_out_reservation(reservation=reservation, actor=volunteer)

    # A walk-in at the store, without a request.
    household_label, location_name, code, quantity = spec.walk_in
    location = Location.objects.get(organization=org, site=store, name=location_name)
    row = StockBalance.objects.filter(
        organization=org, location=location, item_type=types[code], quantity__gt=0
    ).first()
    if row is not None:
        with _days_ago(org, 21, 15):
            handouts.hand_out_walk_in(
                org=org,
                site=store,
                household=_household(org, household_label),
                lines=[
                    {
                        "location": location,
                        "item_type": types[code],
                        "size": row.size,
                        "grade": row.grade,
                        "quantity": quantity,
                    }
                ],
                actor=volunteer,
            )

    # A rejected request.
    ask, reason = spec.rejected
    with _days_ago(org, 13, 10):
        rejected = _request(org, spec, ask)
    with _days_ago(org, 12, 14):
        requests.reject(request=rejected, reason=reason, actor=coordinator)

    # This week's requests: allocated and confirmed into reservations.
    for number, ask in enumerate(spec.allocated):
        _approved(org, spec, ask, 10 - number)
    with _days_ago(org, 7, 11):
        _allocate(org, spec, confirm=True)

    # Approved since: a proposal waits for the coordinator.
    for ask in spec.waiting:
        _approved(org, spec, ask, 4)
    with _days_ago(org, 2, 10):
        _allocate(org, spec, confirm=False)

    # From the public form, last night.
    with _days_ago(org, 1, 21):
        requests.submit_public(
            org=org,
            values={**spec.public, "consent": True, "note": spec.submitted.note},
            lines=_lines(org, spec.submitted),
            language=spec.submitted.language,
        )

    # Distribution days at the store; households booked or holding a link to book.
    zone = ZoneInfo(org.time_zone)
    today = timezone.localdate(timezone=zone)
    days = []
    with _days_ago(org, 6, 12):
        for offset, starts, ends, slot, capacity, note in spec.days:
            days.append(
                distribution.create_day(
                    org=org,
                    site=store,
                    date=today + timedelta(days=offset),
                    starts_at=starts,
                    ends_at=ends,
                    slot_minutes=slot,
                    capacity=capacity,
                    note=note,
                    actor=coordinator,
                )
            )
    first = days[0]
    with _days_ago(org, 5, 10, keep=("slot_start",)):
        for number, label in enumerate(spec.booked):
            request = (
                HelpRequest.objects.filter(
                    organization=org,
                    household__label=label,
                    status=HelpRequest.Status.FULFILLING,
                )
                .order_by("-pk")
                .first()
            )
            if request is not None:
                start = datetime.combine(first.date, first.starts_at, tzinfo=zone) + timedelta(
                    minutes=first.slot_minutes * (number + 1)
                )
                distribution.book(
                    request=request, day=first, slot_start=start, actor=coordinator, notify=False
                )
        for request in HelpRequest.objects.filter(
            organization=org, status=HelpRequest.Status.FULFILLING
        ).exclude(bookings__status="booked"):
            distribution.open_link(request=request, actor=coordinator)


def org_reservations(org: Organization) -> list[Reservation]:
    return list(Reservation.objects.filter(organization=org, status=Reservation.Status.ACTIVE))
