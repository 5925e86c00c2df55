"""Matching two encoded files: candidate pairs share a blocking key; their score is the
Sørensen-Dice coefficient of the two Bloom filters (popcount over uint64 words);
pairs at or above the threshold are taken one-to-one, best score first."""

from __future__ import annotations

import numpy as np

from .encoding import Encoded
from .files import LinkageError, gettext_noop

DEFAULT_THRESHOLD = 0.70
# A blocking key shared by more records than this on either side is too common to block on
# (the other keys still find the pair).
MAX_BLOCK = 200
CHUNK = 1_000_000

DIFFERENT_SECRETS = gettext_noop(
    "%(a)s and %(b)s were encoded with different secrets; they cannot be matched. "
    "Both organisations must encode with the same secret file."
)


def _keys(encoded: Encoded) -> tuple[np.ndarray, np.ndarray]:
    counts = np.fromiter((len(b) for b in encoded.blocks), dtype=np.int64, count=len(encoded.ids))
    keys = np.fromiter(
        (key for block in encoded.blocks for key in block), dtype=np.uint64, count=int(counts.sum())
    )
    owners = np.repeat(np.arange(len(encoded.ids), dtype=np.int64), counts)
    return keys, owners


def candidates(a: Encoded, b: Encoded) -> np.ndarray:
    """Unique (i, j) candidate pairs as one int64 array of i * len(b) + j."""
    keys_a, owners_a = _keys(a)
    keys_b, owners_b = _keys(b)
    order = np.argsort(keys_b, kind="stable")
    keys_b, owners_b = keys_b[order], owners_b[order]
    start = np.searchsorted(keys_b, keys_a, side="left")
    stop = np.searchsorted(keys_b, keys_a, side="right")
    size_b = stop - start
    values_a, counts_a = np.unique(keys_a, return_counts=True)
    size_a = counts_a[np.searchsorted(values_a, keys_a)]
    keep = (size_b > 0) & (size_b <= MAX_BLOCK) & (size_a <= MAX_BLOCK)
    start, size_b, owners_a = start[keep], size_b[keep], owners_a[keep]
    total = int(size_b.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    left = np.repeat(owners_a, size_b)
    # Offsets within each run: position - run start.
    run_start = np.repeat(np.cumsum(size_b) - size_b, size_b)
    right = owners_b[np.repeat(start, size_b) + (np.arange(total) - run_start)]
    return np.unique(left * len(b.ids) + right)


def dice(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sørensen-Dice of rows of filters: 2 |A ∩ B| / (|A| + |B|)."""
    common = np.bitwise_count(a & b).sum(axis=1, dtype=np.int64)
    total = np.bitwise_count(a).sum(axis=1, dtype=np.int64) + np.bitwise_count(b).sum(
        axis=1, dtype=np.int64
    )
    return np.divide(2 * common, total, out=np.zeros(len(common)), where=total > 0)


def match(
    a: Encoded,
    b: Encoded,
    threshold: float = DEFAULT_THRESHOLD,
    names: tuple[str, str] = ("A", "B"),
) -> list[tuple[str, str, float]]:
    """(id_a, id_b, score) one-to-one, sorted by score descending."""
    if a.fingerprint != b.fingerprint:
        raise LinkageError(DIFFERENT_SECRETS, a=names[0], b=names[1])
    pairs = candidates(a, b)
    width = len(b.ids)
    found_pairs: list[np.ndarray] = []
    found_scores: list[np.ndarray] = []
    for begin in range(0, len(pairs), CHUNK):
        part = pairs[begin : begin + CHUNK]
        i, j = np.divmod(part, width)
        scores = dice(a.filters[i], b.filters[j])
        keep = scores >= threshold
        found_pairs.append(part[keep])
        found_scores.append(scores[keep])
    if not found_pairs:
        return []
    kept = np.concatenate(found_pairs)
    scores = np.concatenate(found_scores)
    order = np.lexsort((kept, -scores))
    used_a: set[int] = set()
    used_b: set[int] = set()
    out: list[tuple[str, str, float]] = []
    for index in order.tolist():
        i, j = divmod(int(kept[index]), width)
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        out.append((a.ids[i], b.ids[j], round(float(scores[index]), 4)))
    return out
