"""Reads for persons and households."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from kindred.core.errors import Invalid, NotFound
from kindred.core.models import AuditEntry, Membership, Organization
from kindred.core.roles import OWN_RECORDS_ONLY

from . import identity, matching, names
from .keys import context, keys
from .models import (
    Consent,
    ConsentPurpose,
    Contact,
    ContactPerson,
    DuplicateDismissal,
    Household,
    HouseholdMember,
    Person,
    PersonKey,
    search_key,
)
from .purposes import purpose_label, purpose_text
from .values import identity_message, match_record, normalise_phone


def find_by_national_id(org: Organization, country: str, number: str) -> Person | None:
    """Exact lookup through the blind index (under every configured key), no decryption."""
    try:
        compact = identity.normalise(country, number)
    except identity.IdentityError:
        return None
    indexes = identity.blind_indexes(keys(), country, compact, context=context(org))
    return Person.objects.filter(organization=org, national_id_index__in=indexes).first()


def lookup_visible_person(
    org: Organization, membership: Membership, country: str, number: str
) -> Person:
    """The person this member may see with this identity number.

    Raises Invalid naming `country` or `number` for a malformed number (so the caller learns
    what is wrong with it), and NotFound for an unknown one or one outside what the member
    may see — the two are indistinguishable on purpose."""
    try:
        identity.normalise(country, number)
    except identity.IdentityError as error:
        field = "country" if error.reason == "country" else "number"
        raise Invalid(identity_message(error.reason), field=field) from error
    person = find_by_national_id(org, country, number)
    if person is None or not visible_persons(org, membership).filter(pk=person.pk).exists():
        raise NotFound(_("No person with this identity number is registered."))
    return person


def visible_persons(org: Organization, membership: Membership) -> QuerySet[Person]:
    """The persons this member may see: a referrer only those they registered, or who
    belong to a household they registered (roles.OWN_RECORDS_ONLY)."""
    qs = Person.objects.filter(organization=org)
    if membership.role in OWN_RECORDS_ONLY:
        qs = qs.filter(
            Q(created_by=membership.user_id)
            | Q(
                households__household__created_by=membership.user_id,
                households__left_on__isnull=True,
            )
        ).distinct()
    return qs


def visible_households(org: Organization, membership: Membership) -> QuerySet[Household]:
    qs = Household.objects.filter(organization=org)
    if membership.role in OWN_RECORDS_ONLY:
        qs = qs.filter(created_by=membership.user_id)
    return qs


# What the persons list's URL parameters mean (pages, exports and the export API).
LIST_SORT_PARAMS = {"name": "name", "newest": "-created"}
IN_HOUSEHOLD_PARAMS = {"yes": True, "no": False}

PERSON_SORTS = {
    "name": ("family_name", "given_name"),
    "-name": ("-family_name", "-given_name"),
    "created": ("created_at",),
    "-created": ("-created_at",),
}
HOUSEHOLD_SORTS = {
    "label": ("label",),
    "-label": ("-label",),
    "created": ("created_at",),
    "-created": ("-created_at",),
}


def persons(
    org: Organization,
    *,
    membership: Membership,
    search: str = "",
    household: int | None = None,
    sort: str = "name",
    purpose: int | None = None,
) -> QuerySet[Person]:
    """The visible persons matching `search`; `household` narrows to its current members,
    `purpose` to those with a lawful basis in force for it (`persons_for_purpose`)."""
    qs = visible_persons(org, membership)
    similar = None
    if search.strip():
        condition, similar = search_condition(org, search)
        qs = qs.filter(condition) if similar is None else qs.filter(pk__in=similar)
    if household is not None:
        current = HouseholdMember.objects.filter(household_id=household, left_on__isnull=True)
        qs = qs.filter(pk__in=current.values("person_id"))
    if purpose is not None:
        qs = _with_active_basis(qs, purpose)
    if similar:
        # No name starts with the words: the sound-alike names, best first, flagged so
        # that the page can say so.
        rank = Case(*(When(pk=pk, then=Value(i)) for i, pk in enumerate(similar)))
        return qs.annotate(similar_match=Value(True), rank=rank).order_by("rank", "pk")
    return qs.order_by(*PERSON_SORTS.get(sort, PERSON_SORTS["name"]), "pk")


def current_members(household: Household) -> QuerySet[HouseholdMember]:
    return household.members.filter(left_on__isnull=True).select_related("person")


def households(
    org: Organization, *, membership: Membership, search: str = "", sort: str = "label"
) -> QuerySet[Household]:
    """The visible households, each with `size`: its number of current members."""
    qs = visible_households(org, membership)
    if search:
        qs = qs.filter(Q(label__icontains=search) | Q(city__icontains=search))
    return qs.annotate(size=Count("members", filter=Q(members__left_on__isnull=True))).order_by(
        *HOUSEHOLD_SORTS.get(sort, HOUSEHOLD_SORTS["label"]), "pk"
    )


# Pages --------------------------------------------------------------------------------------


def person_list(
    org: Organization,
    *,
    membership: Membership,
    search: str = "",
    in_household: bool | None = None,
    sort: str = "name",
    purpose: int | None = None,
) -> QuerySet[Person]:
    """`persons()` for the list page: `in_household` keeps those with (True) or without
    (False) a current household; each row carries `current_household_id` and
    `current_household_label`, so the page costs the same few queries for any number of rows."""
    current = HouseholdMember.objects.filter(person=OuterRef("pk"), left_on__isnull=True)
    qs = persons(org, membership=membership, search=search, sort=sort, purpose=purpose)
    if in_household is not None:
        qs = qs.filter(Exists(current)) if in_household else qs.exclude(Exists(current))
    return qs.annotate(
        current_household_id=Subquery(current.values("household_id")[:1]),
        current_household_label=Subquery(current.values("household__label")[:1]),
    )


def household_history(person: Person) -> QuerySet[HouseholdMember]:
    """Every household the person has belonged to, the current one first."""
    return person.households.select_related("household").order_by(
        F("left_on").desc(nulls_first=True), "-joined_on", "-pk"
    )


def former_members(household: Household) -> QuerySet[HouseholdMember]:
    return (
        household.members.filter(left_on__isnull=False)
        .select_related("person")
        .order_by("-left_on", "-pk")
    )


ACCESS_ACTIONS = ("person.viewed", "person.identity_revealed")


def person_access_log(org: Organization, person: Person, limit: int = 50) -> list[AuditEntry]:
    """Who opened this person's page or revealed their identity number, newest first."""
    return list(
        AuditEntry.objects.filter(
            organization=org,
            object_type=Person._meta.label_lower,
            object_id=str(person.pk),
            action__in=ACCESS_ACTIONS,
        ).order_by("-created_at", "-id")[:limit]
    )


# Search -------------------------------------------------------------------------------------

# A fuzzy (sound-alike) search scores at most this many candidates and shows the best
# SIMILAR_SHOWN of them.
SIMILAR_CANDIDATES = 400
SIMILAR_SHOWN = 50
SIMILAR_MIN_SCORE = 70
# Name matches up to this many are passed to the page as a list of ids (a longer list
# makes PostgreSQL test every row of the name index against the whole list).
ID_LIST_LIMIT = 100
# Several words have no join to fall back on, so a longer list is still the better plan.
GROUPED_ID_LIST_LIMIT = 500


def _looks_like_number(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    return digits >= 6 and all(c.isdigit() or c in " +-()./" for c in text)


def search_condition(org: Organization, search: str) -> tuple[Q, list[int] | None]:
    """What a search box query means: an e-mail address, a phone number in any format or an
    identity number (exactly, through the blind index), or name words (each word the start
    of a name, in any script or accent). When the words match nobody, the names that sound
    alike are returned instead, best first, as a list of ids (else None)."""
    text = search.strip()
    if "@" in text:
        return Q(email=text.lower()), None  # stored lower-case (services), so the index serves
    if _looks_like_number(text):
        condition = Q(pk__in=[])
        with contextlib.suppress(Invalid):  # not a phone number: perhaps an identity number
            condition |= Q(phone=normalise_phone(text, org.country))
        for country in identity.SUPPORTED_COUNTRIES:
            person = find_by_national_id(org, country, text)
            if person is not None:
                condition |= Q(pk=person.pk)
        return condition, None
    words = sorted({names.prefix_key(word) for word in names.tokens(search_key(text))})
    if len(words) == 1:
        # One word: a plain indexed lookup, which the database can join in name order.
        matching_ids = PersonKey.objects.filter(organization=org, key=words[0]).values("person_id")
        ids = list(matching_ids.values_list("person_id", flat=True)[: ID_LIST_LIMIT + 1])
        if len(ids) > ID_LIST_LIMIT:
            # A join (each person has each key once), which PostgreSQL counts from the key
            # index; as `pk IN (subquery)` it would scan every person.
            return Q(keys__organization=org, keys__key=words[0]), None
        if ids:
            return Q(pk__in=ids), None
    elif words and _all_keys_exist(org, words):
        # Persons with a name beginning with every word: one indexed lookup per word,
        # grouped (each person has each key at most once). Fetched once (no LIMIT: with
        # one, PostgreSQL walks the whole key index in person order hoping for an early
        # match) and handed on as a list, so that the page and its count do not group the
        # keys again; a very long list stays a subquery.
        matching_ids = (
            PersonKey.objects.filter(organization=org, key__in=words)
            .values("person_id")
            .annotate(found=Count("id"))
            .filter(found=len(words))
            .values("person_id")
        )
        ids = list(matching_ids.values_list("person_id", flat=True))
        if len(ids) > GROUPED_ID_LIST_LIMIT:
            return Q(pk__in=matching_ids), None
        if ids:
            return Q(pk__in=ids), None
    # No name: perhaps a household's label, else the names that sound alike.
    in_household = HouseholdMember.objects.filter(
        organization=org,
        left_on__isnull=True,
        household__label__icontains=text,
        person__anonymised_at__isnull=True,
    ).values("person_id")
    if in_household.exists():
        return Q(pk__in=in_household), None
    return Q(), similar_names(org, text)


def _all_keys_exist(org: Organization, keys: list[str]) -> bool:
    """Whether every key is somebody's: one index probe each, before grouping by person
    (a misspelt word is nobody's, and then there is nothing to group)."""
    return all(PersonKey.objects.filter(organization=org, key=key).exists() for key in keys)


def similar_names(org: Organization, text: str) -> list[int]:
    """Ids of persons whose name sounds like `text`, best match first."""

    query = search_key(text)
    skeletons = sorted(key for key in names.search_keys(query) if key.startswith("s:"))
    if not skeletons:
        return []
    # Persons whose names sound like every word; failing that, like any word.
    # No LIMIT on the grouped query (PostgreSQL would walk the key index in person order).
    ids = []
    if _all_keys_exist(org, skeletons):
        ids = list(
            PersonKey.objects.filter(organization=org, key__in=skeletons)
            .values("person_id")
            .annotate(found=Count("id"))
            .filter(found=len(skeletons))
            .values_list("person_id", flat=True)
        )[:SIMILAR_CANDIDATES]
    if not ids:
        ids = list(
            PersonKey.objects.filter(organization=org, key__in=skeletons)
            .values_list("person_id", flat=True)
            .distinct()[:SIMILAR_CANDIDATES]
        )
    scored = []
    for pk, name in Person.objects.filter(pk__in=ids).values_list("pk", "search_name"):
        score = fuzz.token_set_ratio(query, name)
        if score >= SIMILAR_MIN_SCORE:
            scored.append((-score, pk))
    return [pk for _score, pk in sorted(scored)[:SIMILAR_SHOWN]]


# Duplicates ---------------------------------------------------------------------------------

# Candidates from the lookup keys that are scored for one new record.
CANDIDATE_LIMIT = 200
# A blocking key shared by more persons than this is not selective enough to pair on (the
# engine's own limit, so that the registry and a file check give the same pairs).
PAIR_BLOCK_LIMIT = matching.MAX_BLOCK


class Candidate:
    """A stored person who may be the same as the record being checked."""

    def __init__(self, person: Person, score: float, reasons: list[str]):
        self.person, self.score, self.reasons = person, score, reasons

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def duplicate_candidates(
    org: Organization,
    values: dict,
    *,
    national_id: tuple[str, str] | None = None,
    among: QuerySet[Person] | None = None,
    exclude: int | None = None,
    limit: int = 5,
) -> list[Candidate]:
    """The stored persons most like `values` (a person's fields, as a form gives them), at
    or above the engine's threshold, best first; `among` narrows to what a member may see."""
    probe = Person(organization=org, **{k: v for k, v in values.items() if v is not None})
    if probe.birth_date and not probe.birth_year:
        probe.birth_year = probe.birth_date.year
    if national_id and national_id[1].strip():
        try:
            compact = identity.normalise(*national_id)
        except identity.IdentityError:
            compact = ""
        if compact:
            probe.national_id_index = identity.blind_index(
                keys()[0], national_id[0], compact, context=context(org)
            )
    probe.search_name = search_key(probe.given_name, probe.preferred_name, probe.family_name)
    prepared = matching.prepare(match_record(probe), default_country=org.country)
    blocking = [f"b:{key}"[:100] for key in matching.blocking_keys(prepared)]
    found = Q(
        pk__in=PersonKey.objects.filter(organization=org, key__in=blocking).values("person_id")
    )
    if probe.national_id_index:
        found |= Q(national_id_index=probe.national_id_index)
    qs = (among if among is not None else Person.objects.filter(organization=org)).filter(
        found, anonymised_at__isnull=True
    )
    if exclude:
        qs = qs.exclude(pk=exclude)
    scored = []
    for person in qs[:CANDIDATE_LIMIT]:
        other = matching.prepare(match_record(person), default_country=org.country)
        score = matching.score(prepared, other)
        if score >= matching.DEFAULT_THRESHOLD:
            scored.append(Candidate(person, score, matching.explain(prepared, other)))
    scored.sort(key=lambda c: (-c.score, c.person.pk))
    return scored[:limit]


def possible_duplicates(
    org: Organization, *, search: str = ""
) -> list[tuple[Person, Person, float, list[str]]]:
    """Every pair of stored persons at or above the threshold that nobody has marked as
    different people, best first; `search` keeps the pairs where either name contains it.
    Pairs come from shared blocking keys; a key shared by more than PAIR_BLOCK_LIMIT
    persons is skipped."""
    rows = (
        PersonKey.objects.filter(organization=org, key__startswith="b:")
        .values_list("key", "person_id")
        .order_by("key", "person_id")
    )
    blocks: dict[str, list[int]] = {}
    for key, pk in rows:
        blocks.setdefault(key, []).append(pk)
    pairs = set()
    for members in blocks.values():
        if 1 < len(members) <= PAIR_BLOCK_LIMIT:
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    pairs.add((a, b) if a < b else (b, a))
    dismissed = set(
        DuplicateDismissal.objects.filter(organization=org).values_list("person_a", "person_b")
    )
    pairs -= dismissed
    ids = {pk for pair in pairs for pk in pair}
    persons = {p.pk: p for p in Person.objects.filter(organization=org, pk__in=ids)}
    prepared = {
        pk: matching.prepare(match_record(p), default_country=org.country)
        for pk, p in persons.items()
    }
    found = []
    for a, b in pairs:
        if a in prepared and b in prepared:
            score = matching.score(prepared[a], prepared[b])
            if score >= matching.DEFAULT_THRESHOLD:
                found.append(
                    (persons[a], persons[b], score, matching.explain(prepared[a], prepared[b]))
                )
    found.sort(key=lambda row: (-row[2], row[0].pk, row[1].pk))
    key = search_key(search)
    if key:
        found = [row for row in found if key in row[0].search_name or key in row[1].search_name]
    return found


# Contacts and consent (issue 3: contacts, consent and lawful basis) -----------------------

CONTACT_SORTS = {
    "name": ("name",),
    "-name": ("-name",),
    "city": ("city", "name"),
    "-city": ("-city", "name"),
    "created": ("created_at",),
    "-created": ("-created_at",),
}


def contacts(
    org: Organization,
    *,
    search: str = "",
    kind: str = "",
    archived: bool | None = False,
    sort: str = "name",
) -> QuerySet[Contact]:
    """Contacts matching `search` (words of the name in any accents, the registration
    number written with or without separators, the city or postcode), each with
    `main_contact_name` (one query for any number of rows)."""
    qs = Contact.objects.filter(organization=org)
    text = search.strip()
    if text:
        condition = Q(city__icontains=text) | Q(postcode__istartswith=text)
        words = search_key(text).split()
        if words:
            name = Q()
            for word in words:
                name &= Q(search_name__contains=word)
            condition |= name
        number = re.sub(r"[\s.,:/-]", "", text).upper()
        if number:
            condition |= Q(registration_number__icontains=number)
            if number[:2].isalpha() and len(number) > 2:  # "DK13585628", "BG175074752"
                condition |= Q(registration_number__icontains=number[2:])
        qs = qs.filter(condition)
    if kind:
        qs = qs.filter(kind=kind)
    if archived is not None:
        qs = qs.filter(archived=archived)
    main = ContactPerson.objects.filter(contact=OuterRef("pk"), is_primary=True).annotate(
        shown_name=Trim(
            Concat(
                Coalesce(NullIf("person__preferred_name", Value("")), "person__given_name"),
                Value(" "),
                "person__family_name",
                output_field=CharField(),
            )
        )
    )
    return qs.annotate(main_contact_name=Subquery(main.values("shown_name")[:1])).order_by(
        *CONTACT_SORTS.get(sort, CONTACT_SORTS["name"]), "pk"
    )


def contact_people(contact: Contact) -> QuerySet[ContactPerson]:
    """The contact's persons, the main contact first."""
    return contact.people.select_related("person").order_by("-is_primary", "pk")


def purposes(org: Organization, *, archived: bool | None = False) -> list[ConsentPurpose]:
    """The organisation's purposes (the defaults are made with the organisation), each with `label`
    and `current_wording` in the reader's language, sorted by label."""
    found = []
    for purpose in ConsentPurpose.objects.filter(organization=org).order_by("pk"):
        if archived is None or purpose.archived == archived:
            purpose.label = purpose_label(purpose)
            purpose.current_wording = purpose_text(purpose, "wording")
            purpose.current_description = purpose_text(purpose, "description")
            found.append(purpose)
    return sorted(found, key=lambda p: (p.label.casefold(), p.pk))


def _with_active_basis(qs: QuerySet[Person], purpose: ConsentPurpose | int) -> QuerySet[Person]:
    active = Consent.objects.filter(
        person=OuterRef("pk"), purpose=purpose, withdrawn_at__isnull=True
    )
    return qs.filter(Exists(active))


def persons_for_purpose(
    org: Organization, purpose: ConsentPurpose | int, membership: Membership
) -> QuerySet[Person]:
    """The visible persons with at least one lawful basis in force for `purpose`. Withdrawing
    a person's only consent drops them out; another basis still in force (e.g. legitimate
    interest) keeps them in."""
    return _with_active_basis(visible_persons(org, membership), purpose)


def active_bases(person: Person) -> dict[int, list[str]]:
    """The lawful bases in force for the person: purpose id → bases."""
    bases: dict[int, list[str]] = {}
    rows = (
        Consent.objects.filter(person=person, withdrawn_at__isnull=True)
        .order_by("purpose_id", "basis")
        .values_list("purpose_id", "basis")
    )
    for purpose_id, basis in rows:
        bases.setdefault(purpose_id, []).append(basis)
    return bases


def person_consents(person: Person) -> QuerySet[Consent]:
    """Every record of the person, in force and withdrawn, newest first."""
    return (
        Consent.objects.filter(person=person)
        .select_related("purpose", "recorded_by", "withdrawn_by")
        .order_by("-given_at", "-pk")
    )


@dataclass
class PurposeConsents:
    purpose: ConsentPurpose
    active: list[Consent]


@dataclass
class ConsentOverview:
    """The person page's section: per purpose the records in force, then the history."""

    rows: list[PurposeConsents]
    history: list[Consent]


def consent_overview(org: Organization, person: Person) -> ConsentOverview:
    """Every purpose in use (and archived ones the person has records for) with the
    records in force, plus the withdrawn records, newest first. Two queries."""
    records = list(person_consents(person))
    used = {c.purpose_id for c in records}
    rows = []
    for purpose in purposes(org, archived=None):
        if purpose.archived and purpose.pk not in used:
            continue
        active = [c for c in records if c.purpose_id == purpose.pk and c.withdrawn_at is None]
        rows.append(PurposeConsents(purpose, active))
    labels = {row.purpose.pk: row.purpose.label for row in rows}
    history = [c for c in records if c.withdrawn_at is not None]
    for consent in records:
        consent.purpose_label = labels.get(consent.purpose_id, consent.purpose.name)
    return ConsentOverview(rows, history)


def persons_per_purpose(org: Organization) -> dict[int, int]:
    """Purpose id → the number of persons with a lawful basis in force for it."""
    rows = (
        Consent.objects.filter(organization=org, withdrawn_at__isnull=True)
        .values("purpose_id")
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
    )
    return {row["purpose_id"]: row["n"] for row in rows}
