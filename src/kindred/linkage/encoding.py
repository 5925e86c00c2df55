"""Keyed Bloom-filter encodings (cryptographic long-term keys) and keyed blocking keys.

Every record becomes one record-level Bloom filter of `BITS` bits: each field's normal form is
cut into tokens (bigrams of names, streets, phone and identity numbers; whole values of dates,
postcodes, e-mail addresses), and each token sets `k` bits chosen by HMAC-SHA256 under a key
derived from the secret and the field (random hashing: the k positions come straight from the
HMAC output, not by double hashing, whose structure is attackable). `k` per field is the
field's weight. The filter's bits are then shuffled by a permutation derived from the secret.

Blocking keys are HMACs of a few field combinations, cut to 64 bits, so that `match` compares
only records that share one. Nothing written is an unkeyed function of a value.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from . import normalise as norm

FORMAT = "kindred-linkage/1"
BITS = 1024  # bits of a record's Bloom filter
WORDS = BITS // 64
MIN_SECRET_BYTES = 32
FIELDS = (
    "given_name",
    "family_name",
    "birth_date",
    "phone",
    "email",
    "street",
    "postcode",
    "city",
    "country",
    "national_id",
)

# Bits per token of each kind (the field weights).
WEIGHTS = {
    "name": 8,  # both names share one key: swapped given and family names encode alike
    "year": 10,
    "month": 12,
    "day": 12,
    "daymonth": 12,  # day and month as an unordered pair: survives swapping them
    "street": 2,  # a family shares its address, phone and often its e-mail address: they
    "house": 3,  # weigh less than what tells its members apart (given name, birth date)
    "postcode": 5,
    "city": 2,
    "phone": 2,
    "phone_whole": 6,
    "email_whole": 10,
    "nid": 3,
    "nid_whole": 15,
}


@dataclass(frozen=True)
class Secret:
    """The shared secret; its keys are derived by HMAC and it is never written anywhere."""

    value: bytes

    def key(self, label: str) -> bytes:
        return hmac.digest(self.value, f"{FORMAT}:{label}".encode(), "sha256")

    @property
    def fingerprint(self) -> str:
        """Tells two files encoded with the same secret; reveals nothing about it (a keyed
        HMAC of a fixed label, not a hash of the secret itself)."""
        return self.key("fingerprint").hex()[:32]


@dataclass
class Encoded:
    """Encoded records: ids, filters (n x WORDS uint64) and blocking keys per record."""

    ids: list[str]
    filters: np.ndarray
    blocks: list[list[int]]
    fingerprint: str


def new_secret() -> str:
    """A fresh secret as written to a secret file: 32 random bytes, hexadecimal."""
    return secrets.token_hex(MIN_SECRET_BYTES)


def bigrams(value: str) -> list[str]:
    padded = f"_{value}_"
    return [padded[i : i + 2] for i in range(len(padded) - 1)]


def _name(value: str) -> list[tuple[str, str]]:
    return [("name", gram) for word in norm.text(value).split() for gram in bigrams(word)]


def _birth_date(value: str) -> list[tuple[str, str]]:
    year, month, day = norm.birth_date(value)
    out = [(kind, part) for kind, part in (("year", year), ("month", month), ("day", day)) if part]
    if month and day:
        out.append(("daymonth", "".join(sorted((month, day)))))
    return out


def _street(value: str) -> list[tuple[str, str]]:
    words = [w for w in norm.text(value).split() if not w.isdigit()]
    out = [("street", gram) for word in words for gram in bigrams(word)]
    if house := norm.house_number(value):
        out.append(("house", house))
    return out


def _postcode(value: str) -> list[tuple[str, str]]:
    postcode = norm.text(value).replace(" ", "")
    return [("postcode", postcode)] if postcode else []


def _city(value: str) -> list[tuple[str, str]]:
    city = norm.text(value)
    return [("city", city)] if city else []


def _phone(value: str) -> list[tuple[str, str]]:
    phone = norm.phone(value)
    return [("phone", gram) for gram in bigrams(phone)] + [("phone_whole", phone)] if phone else []


def _email(value: str) -> list[tuple[str, str]]:
    email = norm.email(value)  # only whole: its bigrams would mostly repeat the name
    return [("email_whole", email)] if email else []


def _national_id(value: str) -> list[tuple[str, str]]:
    nid = norm.digits(value) or norm.text(value)
    return [("nid", gram) for gram in bigrams(nid)] + [("nid_whole", nid)] if nid else []


FIELD_TOKENS = {
    "given_name": _name,
    "family_name": _name,
    "birth_date": _birth_date,
    "street": _street,
    "postcode": _postcode,
    "city": _city,
    "phone": _phone,
    "email": _email,
    "national_id": _national_id,
}


def tokens(record: dict[str, str]) -> list[tuple[str, str]]:
    """(kind, token) pairs of one record's normal forms."""
    return [
        token
        for field, value in record.items()
        if value and field in FIELD_TOKENS
        for token in FIELD_TOKENS[field](value)
    ]


def _field_blocks(field: str, value: str) -> tuple[list[tuple[str, str]], str]:
    """A field's own blocking keys (kind, value) before keying, and the part it gives to keys
    combined with the birth year (a name's soundex, the postcode; the year itself)."""
    if field == "birth_date":
        year, month, day = norm.birth_date(value)
        return ([("dob", year + month + day)] if year and month and day else []), year
    if field in ("given_name", "family_name"):
        words = norm.text(value).split()
        return [], norm.soundex(words[0]) if words else ""
    if field == "postcode":
        return [], norm.text(value).replace(" ", "")
    if field == "street":
        street, house = norm.street_name(value), norm.house_number(value)
        return ([("street-house", f"{street}|{house}")] if street and house else []), ""
    if field == "phone":
        phone = norm.phone(value)
        return ([("phone", phone)] if len(phone) >= 6 else []), ""
    if field == "email":
        email = norm.email(value)
        return ([("email", email)] if email else []), ""
    if field == "national_id":
        nid = norm.digits(value)
        return ([("nid", nid)] if len(nid) >= 5 else []), ""
    return [], ""


class _Hasher:
    """Token → bit positions under the secret, remembered: tokens repeat across records."""

    def __init__(self, secret: Secret):
        self.keys = {kind: secret.key(f"field:{kind}") for kind in WEIGHTS}
        self.secret = secret
        self.masks: dict[str, dict[str, int]] = {kind: {} for kind in WEIGHTS}
        self.blocks: dict[str, dict[str, int]] = {}
        self.fields: dict[str, dict[str, int]] = {field: {} for field in FIELD_TOKENS}

    def mask(self, kind: str, token: str) -> int:
        """The token's k bits as an integer bit mask."""
        cache = self.masks[kind]
        found = cache.get(token)
        if found is None:
            k = WEIGHTS[kind]
            key = self.keys[kind]
            raw = b""
            counter = 0
            while len(raw) < 2 * k:  # 16 positions per HMAC
                raw += hmac.digest(key, f"{counter}:{token}".encode(), "sha256")
                counter += 1
            found = 0
            for position in np.frombuffer(raw[: 2 * k], dtype="<u2").tolist():
                found |= 1 << (position % BITS)
            cache[token] = found
        return found

    def field_entry(self, field: str, value: str) -> tuple[int, tuple[int, ...], str]:
        """One field value's bits, own keyed blocking keys and part of combined keys
        (values repeat across records: remembered)."""
        cache = self.fields[field]
        found = cache.get(value)
        if found is None:
            bits = 0
            masks = self.masks
            for kind, token in FIELD_TOKENS[field](value):
                known = masks[kind].get(token)
                bits |= self.mask(kind, token) if known is None else known
            own, part = _field_blocks(field, value)
            found = (bits, tuple(self.block(kind, text) for kind, text in own), part)
            cache[value] = found
        return found

    def block(self, kind: str, value: str) -> int:
        cache = self.blocks.get(kind)
        if cache is None:
            cache = self.blocks[kind] = {}
        found = cache.get(value)
        if found is None:
            key = self.keys.get(f"block:{kind}")
            if key is None:
                key = self.keys[f"block:{kind}"] = self.secret.key(f"block:{kind}")
            found = int.from_bytes(hmac.digest(key, value.encode(), "sha256")[:8], "little")
            cache[value] = found
        return found


def permutation(secret: Secret) -> np.ndarray:
    seed = int.from_bytes(secret.key("permutation"), "little")
    return np.random.default_rng(seed).permutation(BITS)


def encode(
    ids: Sequence[str], records: Iterable[dict[str, str]], secret: Secret, chunk: int = 20_000
) -> Encoded:
    """Encode records (dicts of the persons CSV's columns) under the secret."""
    hasher = _Hasher(secret)
    order = permutation(secret)
    filters: list[np.ndarray] = []
    blocks: list[list[int]] = []
    masks: list[int] = []
    size = BITS // 8

    def flush() -> None:
        if not masks:
            return
        raw = np.frombuffer(b"".join(m.to_bytes(size, "little") for m in masks), dtype=np.uint8)
        bits = np.unpackbits(raw.reshape(len(masks), size), axis=1, bitorder="little").view(bool)
        packed = np.packbits(bits[:, order], axis=1, bitorder="little")
        filters.append(np.ascontiguousarray(packed).view("<u8"))
        masks.clear()

    field_entry, block, by_field = hasher.field_entry, hasher.block, hasher.fields
    for record in records:
        mask = 0
        keys: set[int] = set()
        year = given = family = postcode = ""
        for field, value in record.items():
            cache = by_field.get(field)
            if cache is None or not value:
                continue
            entry = cache.get(value)
            if entry is None:
                entry = field_entry(field, value)
            mask |= entry[0]
            keys.update(entry[1])
            if entry[2]:
                if field == "birth_date":
                    year = entry[2]
                elif field == "given_name":
                    given = entry[2]
                elif field == "family_name":
                    family = entry[2]
                elif field == "postcode":
                    postcode = entry[2]
        if year:  # keys combined with the birth year; one kind for both names (swaps agree)
            if given:
                keys.add(block("name-year", given + year))
            if family:
                keys.add(block("name-year", family + year))
            if postcode:
                keys.add(block("postcode-year", postcode + year))
        masks.append(mask)
        blocks.append(sorted(keys))
        if len(masks) == chunk:
            flush()
    flush()
    matrix = np.concatenate(filters) if filters else np.zeros((0, WORDS), dtype="<u8")
    return Encoded(list(ids), matrix, blocks, secret.fingerprint)
