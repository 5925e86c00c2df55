"""Names for the duplicate engine: transliteration, spelling folds, name forms and the
weights of given- and family-name similarity. Plain Python, no Django."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from anyascii import anyascii
from rapidfuzz.distance import OSA, JaroWinkler

if TYPE_CHECKING:
    from . import Prepared


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
