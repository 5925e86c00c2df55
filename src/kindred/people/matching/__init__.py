"""Duplicate detection for persons: one scoring model for the live registry and for files.

Pure Python (rapidfuzz, anyascii, phonenumbers), no Django import, so that the registry's
single-record check (a service adapts ORM rows to `Record`), `kindred people find-duplicates`
and the benchmark all use the same model and the same threshold. See
docs/decisions/0007-duplicate-detection.md.

The model adds up evidence in log-odds ("weights", in the spirit of Fellegi and Sunter):
each field that agrees adds, each field that clearly disagrees subtracts, and a missing
field adds nothing. The sum is mapped to a score in [0, 1] by a logistic curve; the default
threshold is the point where agreeing evidence and the prior balance. The weights are set by
hand, not trained, so that each one can be explained (`explain`) and argued about:

- names are compared after transliteration to ASCII and a spelling fold (Cyrillic passport
  spellings, Nordic letters written without their marks, Ukrainian and Russian forms of a
  given name) with Jaro-Winkler similarity, in both orders (given and family name swapped),
  or as one string when one side has the whole name in one column;
- the birth date counts as exact, day and month swapped, one day off, or year only; a
  different year is strong counter-evidence;
- e-mail, phone and address are household facts: a parent and a child share them. They add
  up with diminishing returns, and count for little when a person-level fact (given name,
  birth date, identity number) clearly disagrees, so that parents, children, and twins with
  different given names stay below the threshold;
- the same identity number is near proof, a different one is strong counter-evidence.

`blocking_keys` gives a few short keys per person such that true duplicates share at least
one; the batch run (`find_pairs`) only compares records that share a key, and the registry
stores the keys in an indexed table for the single-record check.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass
from typing import NamedTuple

from rapidfuzz.distance import OSA, JaroWinkler

from .field_rules import (
    _birth_date_from_id,
    _birth_date_weight,
    _city,
    _national_id,
    _parse_date,
    _phone,
    _same_national_id,
    _street,
)
from .name_rules import (
    _name_forms,
    _name_weights,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "MAX_BLOCK",
    "Prepared",
    "Record",
    "blocking_keys",
    "explain",
    "find_pairs",
    "prepare",
    "score",
]

DEFAULT_THRESHOLD = 0.5

# A blocking key shared by more records than this is not selective (a placeholder phone
# number, an office e-mail address, a very common name in a huge file): the batch run does
# not compare inside it, and relies on the record's other keys.
MAX_BLOCK = 400


@dataclass(frozen=True)
class Record:
    """A person as written in a file or in the registry. Every field is text, "" if unknown."""

    id: str
    given_name: str = ""
    family_name: str = ""
    birth_date: str = ""
    phone: str = ""
    email: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""
    national_id: str = ""


class Prepared(NamedTuple):
    """A record's normalised forms; build it with `prepare`. (A named tuple: a million of
    them are built and read in a batch run, and tuples are the fastest to do both.)"""

    id: str
    given: tuple[str, ...]  # folded ASCII name tokens
    family: tuple[str, ...]
    given_text: str  # the folded words joined by a space
    family_text: str
    given_plain: str  # lower-case ASCII words before folding, joined by a space
    family_plain: str
    year: int  # 0 when unknown
    month: int
    day: int
    day_number: int  # date.toordinal() of a complete, valid date, else 0
    phone: str  # E.164 ("+4512345678") when the country is known, else the digits
    phone_key: str  # last 8 digits: the same number written with or without a country code
    email: str
    street: str  # folded street name without the house number
    house: str  # house number with its letter ("12b"), without floor or door
    postcode: str
    city: str
    national_id: str  # upper-case letters and digits only


# Public API -----------------------------------------------------------------------------


def prepare(record: Record, default_country: str = "") -> Prepared:
    """Normalise a record once, so that it can be compared with many others cheaply."""
    given, given_plain = _name_forms(record.given_name.strip())
    family, family_plain = _name_forms(record.family_name.strip())
    country = (record.country.strip() or default_country).upper()
    birth_date = record.birth_date.strip()
    if not birth_date and record.national_id:
        birth_date = _birth_date_from_id(country, record.national_id)
    year, month, day, ordinal = _parse_date(birth_date)
    phone, phone_key = _phone(record.phone, country)
    street, house = _street(record.street)
    return Prepared(  # by position: the fastest way to build a million of them
        record.id,
        given,
        family,
        " ".join(given),
        " ".join(family),
        given_plain,
        family_plain,
        year,
        month,
        day,
        ordinal,
        phone,
        phone_key,
        record.email.strip().lower(),
        street,
        house,
        _national_id(record.postcode),
        _city(record.city.strip()),
        _national_id(record.national_id),
    )


# The evidence before looking at any field: most pairs of records are different people. An
# exact name alone (+7) stays just below the threshold; a name and one more agreeing fact
# pass it.
_PRIOR = -7.5
# Household facts count at most this much when a person-level fact clearly disagrees.
_HOUSEHOLD_CAP = 1.5


def _evidence(a: Prepared, b: Prepared, details: dict[str, float] | None = None) -> float:
    """The summed weight of evidence that `a` and `b` are one person (before the prior).
    With `details`, each field's contribution is recorded there."""
    given, family = _name_weights(a, b)
    disagree = given < 0
    birth, birth_disagrees = _birth_date_weight(a, b)
    disagree = disagree or birth_disagrees
    total = given + family + birth

    identity = 0.0
    if a.national_id and b.national_id:
        if _same_national_id(a.national_id, b.national_id):
            identity = 12.0
        elif OSA.distance(a.national_id, b.national_id) <= 1:
            identity = -1.0  # a typo, or twins' numbers: neither proves much
        else:
            identity = -10.0
            disagree = True
    total += identity

    # Household facts: each agreeing one counts half as much as the one before (a family
    # shares them all), and together at most _HOUSEHOLD_CAP when a person-level fact
    # clearly disagrees (a parent and a child, twins).
    email = phone = 0.0
    differs = 0.0
    if a.email and b.email:
        if a.email == b.email:
            email = 5.0
        else:
            differs -= 0.5
    if a.phone_key and b.phone_key:
        if a.phone_key == b.phone_key:
            phone = 4.0
        else:
            differs -= 0.5
    address = _address_weight(a, b)
    if address < 0:
        differs += address
        address = 0.0
    household = 0.0
    if email or phone or address:
        # strongest first: email (5) > phone (4) > address (at most 3)
        factor = 1.0
        for value in (email, phone, address):
            if value:
                household += value * factor
                factor /= 2
        if disagree and household > _HOUSEHOLD_CAP:
            household = _HOUSEHOLD_CAP
    total += household + differs

    if details is not None:
        details.update(
            given_name=given,
            family_name=family,
            birth_date=birth,
            national_id=identity,
            email=email,
            phone=phone,
            address=address,
            household=household,
            contact_differs=differs,
        )
    return total


def _address_weight(a: Prepared, b: Prepared) -> float:
    if not (a.street or a.postcode) or not (b.street or b.postcode):
        return 0.0
    same_place = (not a.postcode or not b.postcode or a.postcode == b.postcode) and (
        not a.city or not b.city or a.city == b.city or a.postcode == b.postcode
    )
    if a.street and b.street:
        same_street = a.street == b.street or (
            JaroWinkler.normalized_similarity(a.street, b.street) >= 0.9
        )
        if same_street and same_place:
            if a.house and b.house:
                return 3.0 if a.house == b.house else 0.0
            return 1.0
        return -0.5
    if a.postcode and b.postcode:
        return 0.0 if a.postcode == b.postcode else -0.5
    return 0.0


def _logistic(total: float) -> float:
    # Half a unit of weight per e-fold keeps scores apart in the range people look at.
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, total / 2.0))))


def _logit(value: float) -> float:
    if value <= 0.0:
        return -math.inf
    if value >= 1.0:
        return math.inf
    return 2.0 * math.log(value / (1.0 - value))


def score(a: Prepared, b: Prepared) -> float:
    """How likely `a` and `b` are the same person, in [0, 1]. Symmetric."""
    return _logistic(_PRIOR + _evidence(a, b))


# explain() codes, for the page that shows why two persons were suggested.
EXPLAIN_CODES = (
    "national_id",
    "name",
    "birth_date",
    "birth_year",
    "email",
    "phone",
    "address",
)


def explain(a: Prepared, b: Prepared) -> list[str]:
    """What agrees between `a` and `b`, strongest evidence first, as codes from EXPLAIN_CODES:
    "name" when the given names agree (in either order) and the family names do not
    disagree; "birth_year" instead of "birth_date" when one side knows only the year."""
    details: dict[str, float] = {}
    _evidence(a, b, details)
    details["name"] = (
        details["given_name"] + details["family_name"]
        if details["given_name"] > 0 and details["family_name"] >= 0
        else 0.0
    )
    details["birth_year"] = 0.0
    if details["birth_date"] > 0 and not (a.month and b.month):
        details["birth_year"], details["birth_date"] = details["birth_date"], 0.0
    found = sorted(((details[code], code) for code in EXPLAIN_CODES), key=lambda x: -x[0])
    return [code for value, code in found if value > 0]


def blocking_keys(p: Prepared) -> set[str]:
    """At most 7 short keys (9 for a birthday on 31 December or 1 January); two records
    that may be the same person share at least one.

    - the identity number, the e-mail, the phone (last 8 digits) and the address (postcode,
      first four letters of the street, house number), each on its own: a household shares
      them, but a household is small;
    - the birth date (day and month in order, so a swap keeps the key) with the initials of
      both names (in order, so swapped names keep it);
    - the first word of either name with the other's first two letters and the birth year
      (a typo in one name keeps the other key; one day off across a new year gives both
      years).

    The name alone makes no key: it is not enough to pass the threshold, so every pair that
    can pass shares one of the facts above."""
    keys = set()
    if p.national_id:
        keys.add("i:" + p.national_id[-10:])
    if p.email:
        keys.add("e:" + p.email)
    if p.phone_key:
        keys.add("p:" + p.phone_key)
    if p.postcode and p.street and p.house:
        keys.add("a:" + p.postcode + ":" + p.street[:4] + ":" + p.house)
    # First words: "Anna Maria" and "Anna" keep "ana"; swapped fields keep both words.
    first = p.given[0] if p.given else ""
    other = p.family[0] if p.family else ""
    if not other and len(p.given) > 1:
        first, other = p.given[0], p.given[-1]  # the whole name in one column
    if p.day and (first or other):  # a day, and so a month and a year
        low, high = (p.month, p.day) if p.month <= p.day else (p.day, p.month)
        initials = (first[:1] + other[:1]) if first[:1] <= other[:1] else (other[:1] + first[:1])
        keys.add(f"d:{p.year}{low:02}{high:02}:{initials}")
    if first and other and p.year:
        keys.add("y:" + first + ":" + other[:2] + ":" + str(p.year))
        keys.add("y:" + other + ":" + first[:2] + ":" + str(p.year))
        if p.day in (1, 31) and (p.month, p.day) in ((12, 31), (1, 1)):
            # one day off is another year: also the neighbouring year's keys
            year = str(p.year + 1 if p.month == 12 else p.year - 1)
            keys.add("y:" + first + ":" + other[:2] + ":" + year)
            keys.add("y:" + other + ":" + first[:2] + ":" + year)
    return keys


def find_pairs(
    records: Iterable[Record],
    threshold: float = DEFAULT_THRESHOLD,
    default_country: str = "",
    progress: Callable[[str, int, int], None] | None = None,
) -> list[tuple[str, str, float]]:
    """Every pair of records scoring at least `threshold`, as (id_a, id_b, score) with
    id_a < id_b, sorted by score descending (then by ids).

    Only records sharing a blocking key are compared; keys shared by more than MAX_BLOCK
    records are skipped. `progress(stage, done, total)` is called now and then: stage
    "prepare" counts records (total 0 when `records` has no length), "compare" counts
    blocks."""
    total = len(records) if isinstance(records, Sized) else 0
    prepared = []
    for record in records:
        prepared.append(prepare(record, default_country))
        if progress and len(prepared) % 50_000 == 0:
            progress("prepare", len(prepared), total)
    count = len(prepared)
    if progress and count % 50_000:
        progress("prepare", count, count)

    # Most keys belong to one record only: remember the first holder of each key, and make
    # a block only when a second one turns up.
    first: dict[str, int] = {}
    blocks: dict[str, list[int]] = {}
    for index, p in enumerate(prepared):
        for key in blocking_keys(p):
            holder = first.setdefault(key, index)
            if holder != index:
                members = blocks.get(key)
                if members is None:
                    blocks[key] = [holder, index]
                else:
                    members.append(index)
    del first
    # Only keys that join at most MAX_BLOCK records are worth comparing in.
    useful = [members for members in blocks.values() if len(members) <= MAX_BLOCK]
    del blocks

    # The logistic curve rises: a total below the threshold's own total cannot reach it
    # (less a margin for rounding, so that the check against `threshold` stays exact).
    lowest = _logit(threshold) - 1e-6 if 0.0 < threshold < 1.0 else -math.inf

    # Every pair in every useful block, once (two records often share several keys).
    pairs: list[tuple[str, str, float]] = []
    seen: set[int] = set()
    step = max(1, len(useful) // 50)
    for number, members in enumerate(useful):
        if progress and number % step == 0:
            progress("compare", number, len(useful))
        last = len(members) - 1
        for x, i in enumerate(members):
            if x == last:
                break
            p = prepared[i]
            for j in members[x + 1 :]:  # indexes ascend within a block: i < j
                pair = i * count + j
                if pair in seen:
                    continue
                seen.add(pair)
                q = prepared[j]
                total = _PRIOR + _evidence(p, q)
                if total < lowest:
                    continue  # the score would be below the threshold
                value = _logistic(total)
                if value >= threshold:
                    a, b = (p.id, q.id) if p.id < q.id else (q.id, p.id)
                    pairs.append((a, b, value))
    if progress:
        progress("compare", len(useful), len(useful))
    pairs.sort(key=lambda pair: (-pair[2], pair[0], pair[1]))
    return pairs
