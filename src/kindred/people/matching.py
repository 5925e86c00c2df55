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
import re
import unicodedata
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import NamedTuple

import phonenumbers
from anyascii import anyascii
from rapidfuzz.distance import OSA, JaroWinkler

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


# Names ----------------------------------------------------------------------------------

# Cyrillic letters whose usual Latin spelling differs from anyascii's language-neutral one
# (Bulgarian Ъ is written "a"; the Ukrainian soft sign is left out of passport spellings).
_CYRILLIC = str.maketrans({"ъ": "a", "Ъ": "A", "ь": "", "Ь": ""})  # noqa: RUF001

# Spelling folds applied to both sides, so that transliterations and keyboard spellings of
# one name meet: Ukrainian passport "Yuliia" / anyascii "Yuliya" / German-style "Julija";
# "Søren" / "Soeren" / "Soren"; "Olha" / "Olga" (Ukrainian Г is "h", Russian and Bulgarian
# "g"); "Khrystyna" / "Hristina"; "Shcherbak" / "Schtscherbak"; "Tsvetan" / "Cvetan";
# "Kowaltschuk" / "Kovalchuk". Order matters: longer spellings first.
_REPLACEMENTS = (
    ("schtsch", "sht"),
    ("shch", "sht"),
    ("tsch", "ch"),
    ("sch", "sh"),
    ("kh", "h"),
    ("ph", "f"),
    ("th", "t"),
    ("ck", "k"),
    ("q", "k"),
    ("ts", "c"),
    ("tz", "c"),
    ("x", "ks"),
    ("w", "v"),
    ("ae", "a"),
    ("oe", "o"),
    ("ue", "u"),
    ("y", "i"),
    ("j", "i"),
)
_C_AS_K = re.compile(r"c(?=[aoulr])")  # "Carl" / "Karl", "Cvetan" stays
_H_AS_G = re.compile(r"(?<![scz])h")  # "Olha" / "Olga"; "sh", "ch", "zh" stay
_DOUBLED = re.compile(r"(.)\1+")  # "Yuliia" / "Yulia", "Anna" / "Ana"
_NOT_LETTER = re.compile(r"[^a-z]+")


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_CYRILLIC)
    return anyascii(text).lower()


@lru_cache(maxsize=1 << 16)
def _fold_token(token: str) -> str:
    token = _C_AS_K.sub("k", token)
    for old, new in _REPLACEMENTS:
        if old in token:
            token = token.replace(old, new)
    return _DOUBLED.sub(r"\1", _H_AS_G.sub("g", token))


# Forms of one given name across Ukrainian, Russian and Bulgarian (and their Latin
# spellings) that no spelling fold brings together: people from Ukraine are often registered
# once from a Ukrainian passport and once from an older Russian-language document. Each
# group folds to its first member.
_NAME_GROUPS = (
    "Олександр Александр Александър Alexander",
    "Олексій Алексей",
    "Микола Николай",
    "Євген Евгений Евгени",
    "Дмитро Дмитрий Димитър",
    "Михайло Михаил",
    "Василь Василий Васил",
    "Петро Пётр Петър",
    "Юрій Юрий",
    "Ігор Игорь",  # noqa: RUF001
    "Григорій Григорий",
    "Павло Павел",
    "Кирило Кирилл",
    "Данило Даниил",
    "Артем Артём",
    "Олена Елена",
    "Катерина Екатерина",
    "Тетяна Татьяна",
    "Світлана Светлана",
    "Дарина Дарья",
    "Надія Надежда",
    "Віра Вера",  # noqa: RUF001
)


def _fold_word(word: str) -> str:
    return _fold_token(_NOT_LETTER.sub("", _ascii(word)))


_EQUIVALENT = {
    _fold_word(other): _fold_word(group.split()[0])
    for group in _NAME_GROUPS
    for other in group.split()[1:]
}


@lru_cache(maxsize=1 << 16)
def _name_forms(name: str) -> tuple[tuple[str, ...], str]:
    """(folded words, plain lower-case ASCII words joined by a space) of a name."""
    if not name:
        return (), ""
    words = _ascii(name).replace("'", "").replace("`", "").split()
    plain = []
    for word in words:
        # "Hansen-Møller" is two names; "O'Brien" is one.
        for part in word.split("-"):
            part = _NOT_LETTER.sub("", part)
            if part:
                plain.append(part)
    folded = (_fold_token(p) for p in plain)
    return tuple(_EQUIVALENT.get(f, f) for f in folded), " ".join(plain)


def _name_similarity(xs: str, ys: str) -> float:
    """Similarity in [0, 1] of two folded names (words joined by a space)."""
    if xs == ys:
        return 1.0
    best = JaroWinkler.normalized_similarity(xs, ys)
    if " " in xs or " " in ys:
        # "Anna Maria" and "Anna", "Høj Nielsen" and "Nielsen": every word of the shorter
        # name is in the longer one; a little below an exact match. When the first words
        # differ ("Margareta" and her daughter "Malin Margareta") it is weaker evidence.
        x, y = xs.split(), ys.split()
        shorter, longer = (x, y) if len(x) <= len(y) else (y, x)
        weakest = min(max(JaroWinkler.normalized_similarity(t, u) for u in longer) for t in shorter)
        same_start = JaroWinkler.normalized_similarity(shorter[0], longer[0]) >= 0.9
        return max(best, (0.95 if same_start else 0.88) * weakest)
    shorter, longer = (xs, ys) if len(xs) <= len(ys) else (ys, xs)
    if len(longer) - len(shorter) >= 2 and longer.startswith(shorter):
        # "Maria" and "Marianne", "Jan" and "Janne": another name, not a typo.
        return min(best, 0.84)
    if len(longer) == len(shorter) + 1 and longer[1:] == shorter:
        # "Anna" and "Hanna", "Elena" and "Helena": another name (typos spare the first
        # letter more than any other).
        return min(best, 0.84)
    distance = OSA.distance(xs, ys, score_cutoff=3)
    if distance >= 3 and len(shorter) >= 4:
        # Three edits are not a typo, however alike the letters ("Andreas" / "Anders" is
        # only two; "Kristian" / "Christina" three).
        return min(best, 0.8)
    if best < 0.9 and len(shorter) >= 3 and distance <= 1:
        # A one-letter typo in a short name ("Ida" / "Ina" is 0.8 by Jaro-Winkler). In a
        # three-letter name it may as well be another name ("Åsa" / "Ana"): no evidence.
        return 0.9 if len(shorter) >= 4 else 0.84
    return best


# Slavic names come in female and male forms: "Ivan Petrov" and "Ivanka Petrova" are a couple,
# not a typo. The same person does not change between them.
_FEMALE_ENDINGS = ("ka", "na", "ina", "ia", "ke", "ine")
_FAMILY_GENDERED = (("ova", "ov"), ("eva", "ev"), ("ina", "in"), ("ska", "ski"), ("ska", "skii"))


def _gendered_pair(x: str, y: str, endings: tuple[str, ...]) -> bool:
    shorter, longer = (x, y) if len(x) < len(y) else (y, x)
    if len(shorter) < 4 or not longer.startswith(shorter):
        return False
    ending = longer[len(shorter) :]
    # "Ivan" / "Ivanka", "Viktor" / "Viktoria", "Henrik" / "Henrikke". A one-letter ending
    # ("Daniel" / "Daniela") is left to similarity: "Mykol" / "Mykola" is a typo.
    return ending in endings


def _gendered_family(x: str, y: str) -> bool:
    if not 1 <= abs(len(x) - len(y)) <= 2 or (x[-1] != "a" and y[-1] != "a"):
        return False
    return any(
        (x.endswith(f) and y.endswith(m) and x[: -len(f)] == y[: -len(m)])
        or (y.endswith(f) and x.endswith(m) and y[: -len(f)] == x[: -len(m)])
        for f, m in _FAMILY_GENDERED
    )


def _interpolate(points: tuple[tuple[float, float], ...], x: float) -> float:
    x0, y0 = points[0]
    if x <= x0:
        return y0
    for x1, y1 in points[1:]:
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        x0, y0 = x1, y1
    return y0


# Weight of a given-name similarity. A clearly different given name is the main thing that
# tells family members apart, so it weighs heavily; a near match is a typo.
_GIVEN_WEIGHTS = ((0.78, -8.0), (0.84, -2.0), (0.9, 1.5), (0.95, 3.0), (0.999, 3.5), (1.0, 4.0))
# Family names change (marriage) and are shared by a household: they weigh less either way.
_FAMILY_WEIGHTS = ((0.78, -3.0), (0.84, 0.0), (0.9, 1.5), (0.95, 2.5), (0.999, 2.75), (1.0, 3.0))


_GENDERED_WEIGHT = -4.0


@lru_cache(maxsize=1 << 19)
def _given_weight(af: str, ap: str, bf: str, bp: str) -> float:
    """Weight of two given names, both present, each as (folded, plain) text. Folding
    only ever helps: the plain spellings are compared too ("Lats" folds to "lac")."""
    if af != bf and _gendered_pair(af, bf, _FEMALE_ENDINGS):
        return _GENDERED_WEIGHT
    similarity = _name_similarity(af, bf)
    if similarity < 0.9 and (af != ap or bf != bp):
        similarity = max(similarity, _name_similarity(ap, bp))
    return _interpolate(_GIVEN_WEIGHTS, similarity)


@lru_cache(maxsize=1 << 19)
def _family_weight(af: str, ap: str, bf: str, bp: str) -> float:
    if af != bf and _gendered_family(af, bf):
        # "Petrov" / "Petrova": a couple, or a dropped letter. The given names decide.
        return 0.0
    similarity = _name_similarity(af, bf)
    if similarity < 0.9 and (af != ap or bf != bp):
        similarity = max(similarity, _name_similarity(ap, bp))
    return _interpolate(_FAMILY_WEIGHTS, similarity)


def _given(af: str, ap: str, bf: str, bp: str) -> float:
    if not af or not bf:
        return 0.0
    # One cache entry per pair, whichever way round it comes.
    return _given_weight(af, ap, bf, bp) if (af, ap) <= (bf, bp) else _given_weight(bf, bp, af, ap)


def _family(af: str, ap: str, bf: str, bp: str) -> float:
    if not af or not bf:
        return 0.0
    if (af, ap) <= (bf, bp):
        return _family_weight(af, ap, bf, bp)
    return _family_weight(bf, bp, af, ap)


def _name_weights(a: Prepared, b: Prepared) -> tuple[float, float]:
    """(given-name weight, family-name weight) for the best reading of the two names."""
    given = _given(a.given_text, a.given_plain, b.given_text, b.given_plain)
    family = _family(a.family_text, a.family_plain, b.family_text, b.family_plain)
    best = (given, family)
    a_words, b_words = a.given + a.family, b.given + b.family
    if bool(a.family) != bool(b.family) and len(a_words) == len(b_words) > 1:
        # The whole name in one column on one side ("Anna Nielsen", ""): all words, in order.
        a_plain = f"{a.given_plain} {a.family_plain}".split()
        b_plain = f"{b.given_plain} {b.family_plain}".split()
        whole = _given(
            " ".join(sorted(a_words)),
            " ".join(sorted(a_plain)),
            " ".join(sorted(b_words)),
            " ".join(sorted(b_plain)),
        )
        if whole > 0 and whole * 1.75 > sum(best):
            best = (whole, whole * 0.75)
    if given >= 3.0 or family >= 2.5:
        # One name agrees as written: a swap would need "Jensen Jensen". (Most candidate
        # pairs are family members, who share the family name.)
        return best
    # Given and family name swapped (a form filled in the "wrong" order, or a culture that
    # writes the family name first). Only when both names agree that way: half a swap is no
    # evidence. Which crossed pair counts as "given" is arbitrary; the better reading wins,
    # which keeps the score symmetric.
    ag, agp, af, afp = a.given_text, a.given_plain, a.family_text, a.family_plain
    bg, bgp, bf, bfp = b.given_text, b.given_plain, b.family_text, b.family_plain
    for given_a, given_b, family_a, family_b in (
        ((ag, agp), (bf, bfp), (af, afp), (bg, bgp)),
        ((af, afp), (bg, bgp), (ag, agp), (bf, bfp)),
    ):
        cross_given = _given(*given_a, *given_b)
        if cross_given <= 0:
            continue
        cross_family = _family(*family_a, *family_b)
        if cross_family > 0 and cross_given + cross_family > sum(best):
            best = (cross_given, cross_family)
    return best


# Birth dates ----------------------------------------------------------------------------

_DATE = re.compile(r"^\s*(\d{4})(?:-?(\d{1,2})(?:-?(\d{1,2}))?)?\s*$")
_DATE_DMY = re.compile(r"^\s*(\d{1,2})[./](\d{1,2})[./](\d{4})\s*$")


@lru_cache(maxsize=1 << 16)
def _parse_date(text: str) -> tuple[int, int, int, int]:
    """(year, month, day, ordinal) from "1985-03-02", "19850302", "1985-03", "1985" or
    "2.3.1985"; unknown parts are 0. Anything else is treated as unknown."""
    if not text:
        return 0, 0, 0, 0
    match = _DATE.match(text)
    if match:
        year, month, day = (int(g) if g else 0 for g in match.groups())
    else:
        match = _DATE_DMY.match(text)
        if not match:
            return 0, 0, 0, 0
        day, month, year = (int(g) for g in match.groups())
    if not 1800 <= year <= 2200:
        return 0, 0, 0, 0
    if not 1 <= month <= 12:
        return year, 0, 0, 0
    if not 1 <= day <= 31:
        return year, month, 0, 0
    try:
        ordinal = date(year, month, day).toordinal()
    except ValueError:
        ordinal = 0
    return year, month, day, ordinal


_ID_DATE = {
    "DK": re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d)\d{3}$"),
    "SE": re.compile(r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)\d{4}$"),
    "FI": re.compile(r"^(\d{2})(\d{2})(\d{2})([-+A-FU-Y])\d{3}[0-9A-Y]$"),
    "BG": re.compile(r"^(\d{2})(\d{2})(\d{2})\d{4}$"),
}


def _birth_date_from_id(country: str, number: str) -> str:
    """The birth date a Danish, Swedish, Finnish or Bulgarian identity number encodes, as
    "YYYY-MM-DD", or "" (for a record that has the number but no birth date)."""
    pattern = _ID_DATE.get(country)
    match = pattern.match(number.replace(" ", "").upper()) if pattern else None
    if match is None:
        return ""
    if country == "DK":
        dd, mm, yy, digit = (int(g) for g in match.groups())
        if digit <= 3:
            century = 1900
        elif digit in (4, 9):
            century = 2000 if yy <= 36 else 1900
        else:
            century = 2000 if yy <= 57 else 1800
        year, month, day = century + yy, mm, dd
    elif country == "SE":
        cc, yy, mm, dd, sign = match.groups()
        if cc:
            year = int(cc + yy)
        else:
            this_year = datetime.now(UTC).year
            year = this_year - (this_year - int(yy)) % 100 - (100 if sign == "+" else 0)
        month, day = int(mm), int(dd)
    elif country == "FI":
        dd, mm, yy, sign = match.groups()
        century = 1800 if sign == "+" else 2000 if sign in "ABCDEF" else 1900
        year, month, day = century + int(yy), int(mm), int(dd)
    else:  # BG: the month tells the century
        yy, mm, dd = (int(g) for g in match.groups())
        century, month = (1800, mm - 20) if mm > 20 else (1900, mm)
        if mm > 40:
            century, month = 2000, mm - 40
        year, day = century + yy, dd
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return ""


def _one_digit_apart(x: int, y: int) -> bool:
    """A typo in a year: one digit wrong, or two neighbouring digits swapped."""
    sx, sy = str(x), str(y)
    return OSA.distance(sx, sy) <= 1


def _birth_date_weight(a: Prepared, b: Prepared) -> tuple[float, bool]:
    """(weight, clearly different)."""
    if not a.year or not b.year:
        return 0.0, False
    if a.day_number and b.day_number:
        if a.day_number == b.day_number:
            return 6.0, False
        if abs(a.day_number - b.day_number) == 1:
            return 3.0, False
        if a.year == b.year:
            if a.month == b.day and a.day == b.month:
                return 3.5, False
            if a.month == b.month or a.day == b.day:
                # one part mistyped (a sibling is not born in the same month of one year)
                return 0.5, False
            # Siblings are rarely born in one year (twins share the date): counter-evidence,
            # but not enough to tell a parent from a child.
            return -2.0, False
        if a.month == b.month and a.day == b.day and _one_digit_apart(a.year, b.year):
            return 0.5, False
        return -10.0, True
    # At least one side is partial: compare what both know.
    if a.year != b.year:
        # A year alone is often an estimate (a refugee without papers): one year apart is
        # weak counter-evidence; more is a different generation.
        return (-1.5, False) if abs(a.year - b.year) == 1 else (-10.0, True)
    if a.month and b.month:
        if a.month == b.month:
            return 2.0, False
        if a.day and b.day and a.month == b.day and a.day == b.month:
            return 2.0, False
        return -3.0, True
    return 1.0, False


# Contact details and identity numbers ---------------------------------------------------

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_NOT_DIGIT = re.compile(r"[^0-9]+")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")


def _phone(text: str, country: str) -> tuple[str, str]:
    """(E.164 or digits, comparison key). The key is the last 8 digits, so "+45 12 34 56 78",
    "0045 12345678" and "12345678" agree, and so do "+46 70-123 45 67" and "070-1234567"."""
    digits = _NOT_DIGIT.sub("", text)
    if len(digits) < 6:
        return "", ""
    key = digits[-8:]
    stripped = text.strip()
    if stripped.startswith("+"):
        return "+" + digits, key
    if digits.startswith("00"):
        return "+" + digits[2:], key
    code, prefix = _dialling(country.upper())
    if not code:
        return digits, key
    national = digits[len(prefix) :] if prefix and digits.startswith(prefix) else digits
    return f"+{code}{national}", key


@lru_cache(maxsize=256)
def _dialling(region: str) -> tuple[int, str]:
    """(country calling code, national trunk prefix) from phonenumbers' metadata: DK (45, ""),
    SE (46, "0"); (0, "") for an unknown region."""
    if not _COUNTRY.match(region):
        return 0, ""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return 0, ""
    return phonenumbers.country_code_for_region(region), metadata.national_prefix or ""


# Words for the kind of street that some write and some leave out ("ул. Шипка", "Shipka").
_STREET_WORDS = {"ul", "ulitsa", "ulica", "vul", "vulitsia", "vulica", "pr", "prosp", "prospekt"}
_STREET_KINDS = _STREET_WORDS | {"bul", "bulevard", "bulv", "blvd", "pl", "ploshtad", "zhk", "kv"}


# The house number and a letter right after it ("12B", "12 b", "12 Б"), in any script.
_HOUSE_RAW = re.compile(r"(\d+)\s*([^\W\d_](?![^\W\d_]))?")


def _street(text: str) -> tuple[str, str]:
    """(folded street name, house number) from e.g. "Vestergade 12B, 2. tv". Abbreviations
    ("Vesterg. 12") stay close to the full name by Jaro-Winkler and share its first letters."""
    if not text:
        return "", ""
    match = _HOUSE_RAW.search(text)
    if match is None:
        return _street_name(text), ""
    letter = match.group(2)
    house = match.group(1) + (_ascii(letter) if letter else "")
    name_part = text[: match.start()]
    if not name_part.strip(" .,"):
        # "12 Main Street": the number comes first.
        name_part = text[match.end() :].split(",")[0]
    return _street_name(name_part), house


@lru_cache(maxsize=1 << 16)
def _street_name(text: str) -> str:
    # Cached apart from the house number: a town has far fewer streets than addresses.
    words = [
        w
        for w in (_NOT_LETTER.sub("", w) for w in re.split(r"[\s.,]+", _ascii(text)))
        if w and w not in _STREET_KINDS
    ]
    # Some glue the kind on ("Vestergade"), some write it apart ("Vester gade"): join.
    return _fold_token("".join(words))


@lru_cache(maxsize=1 << 12)
def _city(text: str) -> str:
    return _fold_token(_NOT_LETTER.sub("", _ascii(text))) if text else ""


def _national_id(text: str) -> str:
    return _NOT_ALNUM.sub("", text.upper())


def _same_national_id(a: str, b: str) -> bool:
    # Swedish personnummer are written with or without the century: 12 or 10 digits.
    return a == b or (len(a) >= 10 and len(b) >= 10 and (a.endswith(b) or b.endswith(a)))


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
