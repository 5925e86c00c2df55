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
from zoneinfo import ZoneInfo

from django.utils import timezone

from kindred.core.models import Organization, Site, User
from kindred.goods.models import ItemType, Location, StockBalance
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
    intro: str
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
            "Fabriksvej."
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
            "behöver, så hör vi av oss inom en vecka."
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


def _approved(org: Organization, spec: Spec, ask: Ask) -> HelpRequest:
    coordinator = _user(spec, "coordinator")
    request = _request(org, spec, ask)
    requests.start_review(request=request, actor=coordinator)
    return requests.approve(request=request, actor=coordinator)


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
    settings.update_settings(
        org=org,
        values={"public_requests": True, "public_intro": spec.intro, "reservation_days": 14},
        actor=admin,
    )
    types = {t.code: t for t in ItemType.objects.filter(organization=org).exclude(code="")}
    purposes = {p.key: p for p in ConsentPurpose.objects.filter(organization=org)}
    for rule in spec.rules:
        values = {k: v for k, v in rule.items() if k not in {"category_of", "purpose"}}
        if "category_of" in rule:
            values["category"] = types[rule["category_of"]].category
        if "purpose" in rule:
            values["consent_purpose"] = purposes[rule["purpose"]]
        eligibility.create_rule(org=org, values=values, actor=coordinator)

    # An earlier request: allocated, handed out at the station, closed.
    _approved(org, spec, spec.handed_out)
    _allocate(org, spec, confirm=True)
    for reservation in org_reservations(org):
        handouts.hand_out_reservation(reservation=reservation, actor=volunteer)

    # A walk-in at the store, without a request.
    household_label, location_name, code, quantity = spec.walk_in
    store = Site.objects.get(organization=org, name=spec.store)
    location = Location.objects.get(organization=org, site=store, name=location_name)
    row = StockBalance.objects.filter(
        organization=org, location=location, item_type=types[code], quantity__gt=0
    ).first()
    if row is not None:
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

    # This week's requests: allocated and confirmed into reservations.
    for ask in spec.allocated:
        _approved(org, spec, ask)
    _allocate(org, spec, confirm=True)

    # Approved since: a proposal waits for the coordinator.
    for ask in spec.waiting:
        _approved(org, spec, ask)
    _allocate(org, spec, confirm=False)

    # From the public form, and one rejected.
    requests.submit_public(
        org=org,
        values={**spec.public, "consent": True, "note": spec.submitted.note},
        lines=_lines(org, spec.submitted),
        language=spec.submitted.language,
    )
    ask, reason = spec.rejected
    rejected = _request(org, spec, ask)
    requests.reject(request=rejected, reason=reason, actor=coordinator)

    # Distribution days at the store; households booked or holding a link to book.
    zone = ZoneInfo(org.time_zone)
    today = timezone.localdate(timezone=zone)
    days = []
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
    for number, label in enumerate(spec.booked):
        request = (
            HelpRequest.objects.filter(
                organization=org, household__label=label, status=HelpRequest.Status.FULFILLING
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
