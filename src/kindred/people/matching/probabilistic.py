"""A Fellegi-Sunter model for duplicate persons, trained on the records themselves.

Plain Python and numpy, no Django; see docs/decisions/0027-fellegi-sunter-duplicate-model.md.
Not yet used by the registry: `kindred.people.matching` (hand-set weights) still is. This
engine is the first step of issue 15 and is measured by bench/duplicates_fs.py.

How it works:

1. `prepare` (the same normalisation as the hand-set engine) turns each record into folded
   names, a parsed birth date, an address, a phone key, an e-mail and an identity number.
2. Blocking: the union of several rules, each a key that two records must share to be
   compared (birth date + postcode; identity number; phone; e-mail; street + house number;
   the sound-alike codes of both names + birth year). A record whose name changed completely
   is still compared with its twin through any rule that does not use the name. A key shared
   by more than `max_block` records is skipped.
3. Comparison levels per field (`FIELDS`): names exact / close spelling / sound-alike /
   initial only / swapped with the other name / different; birth date exact / day and month
   swapped / one digit off / same year only / different; address, postcode, phone, e-mail,
   identity number with exact / near / different levels. A missing value is level 0 and
   weighs nothing. Exact agreement and missing values are found vectorised (numpy, on integer
   codes of the values); only the remaining pairs are compared as strings, once per distinct
   pair of values.
4. Estimation: u (the chance of each level for two different persons) starts from random
   pairs, m (for one person) from high-confidence candidate pairs; expectation maximisation on
   the candidate pairs then re-estimates m, u and lambda, the share of candidate pairs that
   are one person, with m held near the high-confidence pairs' by a Dirichlet prior
   (`PRIOR_STRENGTH`; plain EM drifted to "same household" on the generator). Both m and u are trained on the candidates, because candidates that are
   different persons are not random pairs: they are mostly members of one household, who
   share address, phone and e-mail.
5. Scoring: the match weight is the sum over fields of log2(m/u) of the pair's level; an
   exact given or family name is adjusted by its frequency (a common name agreeing weighs
   less than a rare one). The match probability is 1 / (1 + 2^-(log2(lambda/(1-lambda)) + w)).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz.distance import OSA, JaroWinkler

from kindred.linkage.normalise import soundex as linkage_soundex

from . import Prepared, Record, prepare
from .field_rules import _same_national_id

__all__ = [
    "DEFAULT_THRESHOLD",
    "FIELDS",
    "Explanation",
    "FieldWeight",
    "Model",
    "blocking_rules",
    "candidate_pairs",
    "comparison_levels",
    "find_pairs",
    "fit",
    "soundex",
]

DEFAULT_THRESHOLD = 0.5

# Levels per field, in order; level 0 is always "missing" (one side does not know).
FIELDS: dict[str, tuple[str, ...]] = {
    "given_name": (
        "missing",
        "exact",
        "close",
        "sounds_alike",
        "initial",
        "swapped",
        "similar",
        "different",
    ),
    "family_name": (
        "missing",
        "exact",
        "close",
        "sounds_alike",
        "initial",
        "swapped",
        "similar",
        "different",
    ),
    "birth_date": ("missing", "exact", "day_month_swapped", "one_digit_off", "year", "different"),
    "address": ("missing", "exact", "close", "street_only", "different"),
    "postcode": ("missing", "exact", "one_digit_off", "different"),
    "phone": ("missing", "exact", "one_digit_off", "different"),
    "email": ("missing", "exact", "close", "different"),
    "national_id": ("missing", "exact", "one_digit_off", "different"),
}
_NAMES = list(FIELDS)
_TF_FIELDS = ("given_name", "family_name")

# Smallest probability a level may have: keeps log2(m/u) finite for unseen levels.
_FLOOR = 1e-6
# How much m from the high-confidence pairs weighs in each M step, as a multiple of the
# matches' own weight (a Dirichlet prior: maximum a posteriori rather than plain EM).
# Without it EM on a registry of households may settle on "same name" or "same household"
# against the rest instead of "same person" against different persons: on the generator's
# 100,000 records plain EM ended at lambda 0.45 and precision 0.08; at 1 it held on one seed
# and not after a change of blocking; at 3 it held on every seed tried.
PRIOR_STRENGTH = 3.0
# A rule with fewer candidate pairs is scored by the model trained on all candidates.
MIN_RULE_PAIRS = 20_000


# Sound-alike codes -------------------------------------------------------------------------

# One Soundex for both engines (the linkage's blocking keys use it too).
soundex = linkage_soundex


# Records as columns -------------------------------------------------------------------------


def _date_text(p: Prepared) -> str:
    if not p.year:
        return ""
    if not p.day:
        return f"{p.year:04}"
    return f"{p.year:04}{p.month:02}{p.day:02}"


@dataclass
class _Columns:
    """The compared values of n records, one list per field, "" when unknown."""

    given: list[str]
    family: list[str]
    birth: list[str]
    address: list[str]
    street: list[str]
    postcode: list[str]
    phone: list[str]
    email: list[str]
    national_id: list[str]
    codes: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, prepared: Sequence[Prepared]) -> _Columns:
        columns = cls(
            given=[p.given_text for p in prepared],
            family=[p.family_text for p in prepared],
            birth=[_date_text(p) for p in prepared],
            address=[f"{p.street}|{p.house}" if p.street else "" for p in prepared],
            street=[p.street for p in prepared],
            postcode=[p.postcode for p in prepared],
            phone=[p.phone_key for p in prepared],
            email=[p.email for p in prepared],
            national_id=[p.national_id[-10:] for p in prepared],
        )
        for name in ("given", "family", "birth", "address", "postcode", "phone", "email"):
            columns.codes[name] = _codes(getattr(columns, name))
        columns.codes["national_id"] = _codes(columns.national_id)
        return columns


def _codes(values: Sequence[str]) -> np.ndarray:
    """An integer per distinct value, -1 for ""."""
    index: dict[str, int] = {"": -1}
    return np.fromiter((index.setdefault(v, len(index) - 1) for v in values), np.int64, len(values))


# Comparison levels --------------------------------------------------------------------------


def _close(x: str, y: str) -> bool:
    return JaroWinkler.normalized_similarity(x, y) >= 0.92 or (
        min(len(x), len(y)) >= 4 and OSA.distance(x, y, score_cutoff=2) <= 1
    )


@lru_cache(maxsize=1 << 18)
def _name_level(x: str, y: str, x_other: str, y_other: str) -> int:
    """Level of two different, known names (x, y), knowing each side's other name."""
    if _close(x, y):
        return 2
    sx, sy = soundex(x.split()[0]), soundex(y.split()[0])
    if sx and sx == sy:
        return 3
    if (len(x) == 1 or len(y) == 1) and x[0] == y[0]:
        return 4
    if x_other and y_other and (x == y_other or _close(x, y_other)) and _close(y, x_other):
        return 5
    if set(x.split()) & set(y.split()) or JaroWinkler.normalized_similarity(x, y) >= 0.8:
        return 6  # a word in common ("anna maria", "anna"), or alike letters
    return 7


@lru_cache(maxsize=1 << 16)
def _birth_level(x: str, y: str) -> int:
    if x[:4] != y[:4] and (len(x) < 8 or len(y) < 8):
        return 5
    if len(x) < 8 or len(y) < 8:
        return 4  # one side knows only the year, and it is the same
    if x[:4] == y[:4] and x[4:6] == y[6:8] and x[6:8] == y[4:6]:
        return 2
    if OSA.distance(x, y, score_cutoff=2) <= 1:
        return 3
    # Both complete and different otherwise, even in the same year (a sibling).
    return 5


def _near_level(x: str, y: str) -> int:
    """exact is decided before; 2 one character off, 3 different."""
    return 2 if OSA.distance(x, y, score_cutoff=2) <= 1 else 3


def comparison_levels(columns: _Columns, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The level of every field for pairs (left[k], right[k]): an int8 array (pairs, fields)."""
    count = len(left)
    levels = np.zeros((count, len(_NAMES)), dtype=np.int8)
    for f, name in enumerate(_NAMES):
        key = {
            "given_name": "given",
            "family_name": "family",
            "birth_date": "birth",
        }.get(name, name)
        codes = columns.codes[key]
        a, b = codes[left], codes[right]
        known = (a >= 0) & (b >= 0)
        same = known & (a == b)
        column = levels[:, f]
        column[same] = 1
        rest = np.flatnonzero(known & ~same)
        if not len(rest):
            continue
        values = getattr(columns, key)
        li, ri = left[rest].tolist(), right[rest].tolist()
        if name == "given_name":
            other = columns.family
            out = [
                _name_level(values[i], values[j], other[i], other[j])
                for i, j in zip(li, ri, strict=True)
            ]
        elif name == "family_name":
            other = columns.given
            out = [
                _name_level(values[i], values[j], other[i], other[j])
                for i, j in zip(li, ri, strict=True)
            ]
        elif name == "birth_date":
            out = [_birth_level(values[i], values[j]) for i, j in zip(li, ri, strict=True)]
        elif name == "address":
            streets = columns.street
            out = []
            for i, j in zip(li, ri, strict=True):
                x, y = streets[i], streets[j]
                if x == y:
                    out.append(3)  # the house number differs
                elif JaroWinkler.normalized_similarity(x, y) >= 0.9:
                    same_house = values[i].rsplit("|", 1)[1] == values[j].rsplit("|", 1)[1]
                    out.append(2 if same_house else 3)
                else:
                    out.append(4)
        elif name == "email":
            out = [
                2 if _near_level(values[i], values[j]) == 2 else 3
                for i, j in zip(li, ri, strict=True)
            ]
        elif name == "national_id":
            out = [
                1 if _same_national_id(values[i], values[j]) else _near_level(values[i], values[j])
                for i, j in zip(li, ri, strict=True)
            ]
        else:  # postcode, phone
            out = [_near_level(values[i], values[j]) for i, j in zip(li, ri, strict=True)]
        column[rest] = out
    return levels


# Blocking ------------------------------------------------------------------------------------


def blocking_rules(p: Prepared) -> dict[str, str]:
    """The record's key under each blocking rule ("" when the rule does not apply)."""
    first = p.given[0] if p.given else ""
    other = p.family[0] if p.family else ""
    sounds = sorted(x for x in (soundex(first), soundex(other)) if x)
    return {
        "birth_date+postcode": f"{_date_text(p)}|{p.postcode}" if p.day and p.postcode else "",
        "national_id": p.national_id[-10:] if len(p.national_id) >= 4 else "",
        "phone": p.phone_key,
        "email": p.email,
        # the first letters of the street: "Holstebrov. 112" and "Holstebrovej 112"
        "street+house": f"{p.street[:4]}|{p.house}" if p.street and p.house else "",
        "names_sound+birth_year": "|".join([*sounds, str(p.year)]) if sounds and p.year else "",
    }


# Rules from the most to the least specific: a pair found by several rules belongs to the
# first. With enough pairs, its m, u and lambda are estimated on them alone (see `fit`).
RULE_ORDER = (
    "national_id",
    "birth_date+postcode",
    "email",
    "phone",
    "street+house",
    "names_sound+birth_year",
)


def candidate_pairs(prepared: Sequence[Prepared], max_block: int = 200) -> np.ndarray:
    """Every pair of records sharing a key under at least one rule, as an array (pairs, 2) of
    indexes i < j, sorted, each pair once. Keys shared by more than `max_block` records are
    skipped."""
    return candidate_pairs_by_rule(prepared, max_block)[0]


def candidate_pairs_by_rule(
    prepared: Sequence[Prepared], max_block: int = 200
) -> tuple[np.ndarray, np.ndarray]:
    """`candidate_pairs` and, per pair, the index in RULE_ORDER of the most specific rule
    that found it."""
    n = len(prepared)
    keyed = [blocking_rules(p) for p in prepared]
    found: list[np.ndarray] = []
    ranks: list[np.ndarray] = []
    for rank, rule in enumerate(RULE_ORDER if keyed else ()):
        codes = _codes([k[rule] for k in keyed])
        order = np.argsort(codes, kind="stable")
        sorted_codes = codes[order]
        starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
        sizes = np.diff(np.r_[starts, n])
        keep = (sizes >= 2) & (sizes <= max_block) & (sorted_codes[starts] >= 0)
        # Pairs of blocks of size 2 (most of them) at once; larger blocks one by one.
        two = starts[keep & (sizes == 2)]
        if len(two):
            found.append(np.stack([order[two], order[two + 1]], axis=1))
        for start, size in zip(starts[keep & (sizes > 2)], sizes[keep & (sizes > 2)], strict=True):
            members = order[start : start + size]
            i, j = np.triu_indices(size, 1)
            found.append(np.stack([members[i], members[j]], axis=1))
        ranks.append(np.full(sum(len(x) for x in found) - sum(len(r) for r in ranks), rank))
    if not found:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)
    pairs = np.concatenate(found)
    rank_of = np.concatenate(ranks)
    pairs.sort(axis=1)
    encoded = pairs[:, 0] * n + pairs[:, 1]
    order = np.lexsort((rank_of, encoded))
    encoded, rank_of = encoded[order], rank_of[order]
    first = np.r_[True, encoded[1:] != encoded[:-1]]
    encoded, rank_of = encoded[first], rank_of[first]
    return np.stack([encoded // n, encoded % n], axis=1), rank_of.astype(np.int64)


def pair_rule(a: Prepared, b: Prepared) -> int:
    """The index in RULE_ORDER of the most specific rule under which a and b share a key,
    or -1 (the block size cap of `candidate_pairs` is not applied)."""
    ka, kb = blocking_rules(a), blocking_rules(b)
    for rank, rule in enumerate(RULE_ORDER):
        if ka[rule] and ka[rule] == kb[rule]:
            return rank
    return -1


# The model -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldWeight:
    field: str
    level: str
    weight: float  # log2(m/u), with the term-frequency adjustment for an exact name


@dataclass(frozen=True)
class Explanation:
    fields: tuple[FieldWeight, ...]
    prior: float  # log2(lambda / (1 - lambda))
    weight: float  # the sum of the fields' weights
    probability: float


@dataclass
class Model:
    """Trained m and u per field and level, lambda, and name frequencies."""

    m: dict[str, np.ndarray]
    u: dict[str, np.ndarray]
    lam: float
    # (field, value) -> log2 adjustment of an exact agreement on that value
    frequency: dict[str, dict[str, float]] = field(default_factory=dict)
    iterations: int = 0
    # index in RULE_ORDER -> the model trained on that rule's pairs alone
    by_rule: dict[int, Model] = field(default_factory=dict)

    def weights(self) -> dict[str, np.ndarray]:
        """log2(m/u) per field and level; 0 for "missing"."""
        out = {}
        for name in _NAMES:
            w = np.log2(self.m[name] / self.u[name])
            w[0] = 0.0
            out[name] = w
        return out

    @property
    def prior(self) -> float:
        return math.log2(self.lam / (1.0 - self.lam))

    def total_weights(self, columns: _Columns, pairs: np.ndarray, levels: np.ndarray) -> np.ndarray:
        weights = self.weights()
        total = np.zeros(len(pairs))
        for f, name in enumerate(_NAMES):
            total += weights[name][levels[:, f]]
        for f, name in enumerate(_NAMES):
            if name not in _TF_FIELDS:
                continue
            adjust = self.frequency.get(name, {})
            values = columns.given if name == "given_name" else columns.family
            exact = np.flatnonzero(levels[:, f] == 1)
            total[exact] += [adjust.get(values[i], 0.0) for i in pairs[exact, 0].tolist()]
        return total

    def probabilities(
        self, columns: _Columns, pairs: np.ndarray, levels: np.ndarray, rules: np.ndarray | None
    ) -> np.ndarray:
        """Match probability of each pair, each scored by its rule's model."""
        out = np.asarray(self.probability(self.total_weights(columns, pairs, levels)), dtype=float)
        if rules is None:
            return out
        for rank, sub in self.by_rule.items():
            mask = np.flatnonzero(rules == rank)
            if len(mask):
                weight = sub.total_weights(columns, pairs[mask], levels[mask])
                out[mask] = sub.probability(weight)
        return out

    def probability(self, weight: np.ndarray | float) -> np.ndarray | float:
        logit = np.clip(self.prior + np.asarray(weight), -60.0, 60.0)
        result = 1.0 / (1.0 + np.exp2(-logit))
        return float(result) if np.ndim(result) == 0 else result

    def explain(self, a: Prepared, b: Prepared) -> Explanation:
        """Per field: its level and its weight; their sum and the match probability."""
        rule = pair_rule(a, b)
        if rule in self.by_rule:
            return self.by_rule[rule].explain(a, b)
        columns = _Columns.of([a, b])
        left, right = np.array([0]), np.array([1])
        levels = comparison_levels(columns, left, right)[0]
        weights = self.weights()
        out = []
        for f, name in enumerate(_NAMES):
            level = int(levels[f])
            weight = float(weights[name][level])
            if level == 1 and name in _TF_FIELDS:
                value = columns.given[0] if name == "given_name" else columns.family[0]
                weight += self.frequency.get(name, {}).get(value, 0.0)
            out.append(FieldWeight(name, FIELDS[name][level], weight))
        total = sum(fw.weight for fw in out)
        return Explanation(tuple(out), self.prior, total, float(self.probability(total)))


def _default_m() -> dict[str, np.ndarray]:
    """m before any data: most duplicates agree exactly, the rest spread over near levels."""
    m = {}
    for name, levels in FIELDS.items():
        k = len(levels)
        values = np.full(k, 0.1 / max(1, k - 3))
        values[0] = 1.0
        values[1] = 0.85
        values[-1] = 0.05
        m[name] = values
    return m


def _normalise(counts: np.ndarray) -> np.ndarray:
    """Level probabilities from counts over levels 1..k (level 0 is set to 1)."""
    known = counts[1:] + _FLOOR
    probabilities = np.r_[1.0, known / known.sum()]
    return np.maximum(probabilities, _FLOOR)


def _constrain(m: np.ndarray, u: np.ndarray) -> None:
    """Agreeing exactly is never evidence against one person, a clear difference never
    evidence for: without this, EM may settle on "same name" against "same household"
    instead of "same person" against "different persons" (both fit the candidate pairs)."""
    if m[1] < u[1]:
        m[1] = u[1]
    if m[-1] > u[-1]:
        m[-1] = u[-1]
    m[1:] /= m[1:].sum()


def _frequencies(values: Iterable[str]) -> dict[str, float]:
    """log2(u_exact / p(value)): u_exact is the chance two random known values agree, p the
    value's share. Positive for a rare name, negative for a common one."""
    counts = Counter(v for v in values if v)
    total = sum(counts.values())
    if total < 2:
        return {}
    shares = {v: c / total for v, c in counts.items()}
    agree = sum(s * s for s in shares.values())
    # A value seen once still has some chance of recurring: at least 1/total.
    return {v: math.log2(agree / max(s, 1.0 / total)) for v, s in shares.items()}


def _em(
    model: Model,
    levels: np.ndarray,
    prior_m: dict[str, np.ndarray],
    prior_strength: float,
    max_iterations: int,
    tolerance: float,
) -> None:
    """Expectation maximisation over the candidate pairs' levels, in place."""
    for iteration in range(1, max_iterations + 1):
        weight = np.zeros(len(levels))
        for f, name in enumerate(_NAMES):
            weight += np.log2(model.m[name][levels[:, f]] / model.u[name][levels[:, f]])
        p = 1.0 / (1.0 + np.exp2(-np.clip(model.prior + weight, -60, 60)))
        change = 0.0
        for f, name in enumerate(_NAMES):
            k = len(FIELDS[name])
            counts = np.bincount(levels[:, f], weights=p, minlength=k)
            known = counts[1:].sum()
            counts[1:] += prior_strength * known * prior_m[name][1:] / prior_m[name][1:].sum()
            new_m = _normalise(counts)
            new_u = _normalise(np.bincount(levels[:, f], weights=1.0 - p, minlength=k))
            _constrain(new_m, new_u)
            change = max(change, float(np.abs(new_m - model.m[name]).max()))
            change = max(change, float(np.abs(new_u - model.u[name]).max()))
            model.m[name], model.u[name] = new_m, new_u
        new_lam = float(np.clip(p.mean(), 1e-6, 1 - 1e-6))
        change = max(change, abs(new_lam - model.lam))
        model.lam = new_lam
        model.iterations = iteration
        if change < tolerance:
            break


def fit(
    prepared: Sequence[Prepared],
    pairs: np.ndarray | None = None,
    *,
    random_pairs: int = 100_000,
    seed: int = 0,
    max_iterations: int = 100,
    tolerance: float = 1e-5,
    levels: np.ndarray | None = None,
    columns: _Columns | None = None,
    prior_strength: float = PRIOR_STRENGTH,
    rules: np.ndarray | None = None,
    min_rule_pairs: int = MIN_RULE_PAIRS,
) -> Model:
    """Estimate the model from the records themselves (deterministic for a given seed).
    `prior_strength` 0 is plain EM."""
    columns = columns or _Columns.of(prepared)
    if pairs is None:
        pairs, rules = candidate_pairs_by_rule(prepared)
    if levels is None:
        levels = comparison_levels(columns, pairs[:, 0], pairs[:, 1])
    n = len(prepared)

    # u from random pairs: nearly all of them are different persons.
    u: dict[str, np.ndarray] = {}
    if n >= 2:
        rng = np.random.default_rng(seed)
        left = rng.integers(0, n, random_pairs)
        right = rng.integers(0, n - 1, random_pairs)
        right = right + (right >= left)  # never a record with itself
        sampled = comparison_levels(columns, left, right)
        for f, name in enumerate(_NAMES):
            counts = np.bincount(sampled[:, f], minlength=len(FIELDS[name])).astype(float)
            u[name] = _normalise(counts)
    else:
        u = {name: _normalise(np.ones(len(levels_))) for name, levels_ in FIELDS.items()}

    # m from high-confidence candidates: no field different, at least three exact. (Counting
    # each field over the pairs that the other fields call sure was tried: on households,
    # who agree on every contact field, it anchors m on relatives and EM drifts.)
    m = _default_m()
    if len(levels):
        different = np.zeros(len(levels), dtype=bool)
        exact = np.zeros(len(levels), dtype=int)
        for f, name in enumerate(_NAMES):
            different |= levels[:, f] == len(FIELDS[name]) - 1
            exact += levels[:, f] == 1
        # ... and the person-level facts agree: the given name (exactly or nearly) and the
        # birth date (exactly or nearly). Relatives in one household agree on every contact
        # field; without this, at 300,000 records they were the "sure" pairs.
        given = levels[:, _NAMES.index("given_name")]
        birth = levels[:, _NAMES.index("birth_date")]
        sure = ~different & (exact >= 3) & (given >= 1) & (given <= 2) & (birth >= 1) & (birth <= 3)
        if sure.sum() >= 20:
            for f, name in enumerate(_NAMES):
                counts = np.bincount(levels[sure, f], minlength=len(FIELDS[name])).astype(float)
                # keep every level possible: blend with the defaults
                m[name] = 0.8 * _normalise(counts) + 0.2 * m[name]
                m[name][0] = 1.0
        lam = float(np.clip(sure.mean(), 0.01, 0.99))
    else:
        lam = 0.1

    prior_m = {name: values.copy() for name, values in m.items()}
    model = Model(m=m, u=u, lam=lam)
    model.frequency = {
        "given_name": _frequencies(columns.given),
        # A household shares its family name however rare it is: a rare family name is no
        # extra evidence (most candidate pairs that share it are relatives), a common one
        # still weighs less.
        "family_name": {v: min(0.0, w) for v, w in _frequencies(columns.family).items()},
    }
    if not len(levels):
        return model

    _em(model, levels, prior_m, prior_strength, max_iterations, tolerance)
    if rules is not None and len(rules) == len(levels):
        # u and lambda per blocking rule: pairs found only through a shared address or phone
        # are mostly relatives, pairs found only through sound-alike names and birth year
        # mostly namesakes. One u for both fits neither (ADR 0027).
        # A rule gets its own model only when it has many candidate pairs: in a small file
        # the mixture is too small to matter, and a rule's own EM there lost true pairs (its
        # lambda falls with its share of matches).
        for rank in range(len(RULE_ORDER)):
            mask = rules == rank
            if not mask.any() or mask.sum() < min_rule_pairs:
                continue
            sub = Model(
                m={k: v.copy() for k, v in prior_m.items()},
                u={k: v.copy() for k, v in model.u.items()},
                lam=float(np.clip(model.lam, 0.01, 0.99)),
                frequency=model.frequency,
            )
            _em(
                sub,
                levels[mask],
                prior_m,
                prior_strength,
                max_iterations,
                tolerance,
            )
            model.by_rule[rank] = sub
    return model


def find_pairs(
    records: Iterable[Record],
    threshold: float = DEFAULT_THRESHOLD,
    default_country: str = "",
    model: Model | None = None,
    max_block: int = 200,
) -> tuple[list[tuple[str, str, float]], Model]:
    """Every candidate pair with match probability >= threshold as (id_a, id_b, p), id_a <
    id_b, sorted by p descending; and the model (trained on these records unless given)."""
    prepared = [prepare(r, default_country) for r in records]
    columns = _Columns.of(prepared)
    pairs, rules = candidate_pairs_by_rule(prepared, max_block)
    levels = comparison_levels(columns, pairs[:, 0], pairs[:, 1])
    if model is None:
        model = fit(prepared, pairs, levels=levels, columns=columns, rules=rules)
    if not len(pairs):
        return [], model
    probability = model.probabilities(columns, pairs, levels, rules)
    keep = np.flatnonzero(probability >= threshold)
    out = []
    for k in keep.tolist():
        a, b = prepared[pairs[k, 0]].id, prepared[pairs[k, 1]].id
        if b < a:
            a, b = b, a
        out.append((a, b, float(probability[k])))
    out.sort(key=lambda pair: (-pair[2], pair[0], pair[1]))
    return out, model
