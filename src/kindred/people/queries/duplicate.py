"""Duplicates: the stored persons most like a record being registered, and every pair of
stored persons that may be the same (the duplicate engine, people/matching)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kindred.core.models import Organization

from .. import identity, matching
from ..keys import context, keys
from ..models import DuplicateDismissal, Person, PersonKey, search_key
from ..values import match_record

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


def _probe(org: Organization, values: dict, national_id: tuple[str, str] | None) -> Person:
    """An unsaved person of `values` with what the lookup needs: birth year, the identity
    number's blind index, the search name."""
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
    return probe


def _blocking(org: Organization, probe: Person):
    prepared = matching.prepare(match_record(probe), default_country=org.country)
    return prepared, [f"b:{key}"[:100] for key in matching.blocking_keys(prepared)]


def _scored(org: Organization, prepared, persons, limit: int) -> list[Candidate]:
    scored = []
    for person, other in persons:
        if other is None:
            other = matching.prepare(match_record(person), default_country=org.country)
        score = matching.score(prepared, other)
        if score >= matching.DEFAULT_THRESHOLD:
            scored.append(Candidate(person, score, matching.explain(prepared, other)))
    scored.sort(key=lambda c: (-c.score, c.person.pk))
    return scored[:limit]


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
    probe = _probe(org, values, national_id)
    prepared, blocking = _blocking(org, probe)
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
    return _scored(org, prepared, ((p, None) for p in qs[:CANDIDATE_LIMIT]), limit)


# Keys and ids per query of the batched lookup (below SQLite's 32,766 variables).
BATCH = 2000


def duplicate_candidates_many(
    org: Organization,
    records: list[tuple[dict, tuple[str, str] | None]],
    *,
    limit: int = 5,
) -> list[list[Candidate]]:
    """`duplicate_candidates` for many records at once (a spreadsheet's rows), with the
    same candidates and scores for each, in a handful of queries instead of one per record:
    the stored persons sharing a blocking key or an identity number with any record are
    read once, and each is prepared for the engine once."""
    probes = [_probe(org, values, national_id) for values, national_id in records]
    blocked = [_blocking(org, probe) for probe in probes]
    wanted = sorted({key for _prepared, keys_ in blocked for key in keys_})
    by_key: dict[str, list[int]] = {}
    for i in range(0, len(wanted), BATCH):
        rows = PersonKey.objects.filter(organization=org, key__in=wanted[i : i + BATCH])
        for key, pk in rows.values_list("key", "person_id"):
            by_key.setdefault(key, []).append(pk)
    indexes = sorted({p.national_id_index for p in probes if p.national_id_index})
    by_index: dict[str, list[int]] = {}
    for i in range(0, len(indexes), BATCH):
        rows = Person.objects.filter(
            organization=org, national_id_index__in=indexes[i : i + BATCH]
        ).values_list("national_id_index", "pk")
        for index, pk in rows:
            by_index.setdefault(index, []).append(pk)
    ids = sorted({pk for pks in [*by_key.values(), *by_index.values()] for pk in pks})
    persons: dict[int, tuple[Person, object]] = {}
    for i in range(0, len(ids), BATCH):
        qs = Person.objects.filter(
            organization=org, pk__in=ids[i : i + BATCH], anonymised_at__isnull=True
        )
        for person in qs:
            prepared = matching.prepare(match_record(person), default_country=org.country)
            persons[person.pk] = (person, prepared)
    results = []
    for probe, (prepared, keys_) in zip(probes, blocked, strict=True):
        pks = {pk for key in keys_ for pk in by_key.get(key, ())}
        pks |= set(by_index.get(probe.national_id_index, ())) if probe.national_id_index else set()
        # Like the single lookup: at most CANDIDATE_LIMIT candidates, in Person's order.
        chosen = sorted(
            (persons[pk] for pk in pks if pk in persons),
            key=lambda row: (row[0].family_name, row[0].given_name, row[0].pk),
        )[:CANDIDATE_LIMIT]
        results.append(_scored(org, prepared, chosen, limit))
    return results


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
