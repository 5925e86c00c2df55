"""The search box: what a query means (an e-mail address, a phone or identity number, name
words, a household's label) and, when the words match nobody, the names that sound alike."""

from __future__ import annotations

import contextlib

from django.db.models import Count, Q
from rapidfuzz import fuzz

from kindred.core.errors import Invalid
from kindred.core.models import Organization

from .. import identity, names
from ..models import HouseholdMember, Person, PersonKey, search_key
from ..values import normalise_phone
from .common import find_by_national_id

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
