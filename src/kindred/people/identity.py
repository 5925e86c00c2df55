"""National identity numbers: validation per country, encryption at rest, blind index.

Pure Python (python-stdnum and cryptography), no Django import, so it can be tested and
reused anywhere. Numbers are validated with python-stdnum (Danish CPR, Swedish personnummer,
Finnish henkilötunnus, Bulgarian EGN), then stored as AES-256-GCM ciphertext tagged with the
id of the key that wrote it, plus an HMAC-SHA256 "blind index" for exact lookup without
decrypting. Keys come as a list, newest first, so they can rotate: every key decrypts and
every key's index is searched; `kindred privacy rotate-keys` rewrites rows with the newest
key, after which older keys can be removed. See docs/decisions/0006-identity-numbers.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import date

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from stdnum.bg import egn
from stdnum.dk import cpr
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.fi import hetu
from stdnum.se import personnummer

FORMAT_VERSION = "v1"
NONCE_BYTES = 12


class IdentityError(ValueError):
    """A number that is not valid for its country. `reason` is one of REASONS."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


REASONS = ("format", "length", "checksum", "date", "country")

_MODULES = {"DK": cpr, "SE": personnummer, "FI": hetu, "BG": egn}
SUPPORTED_COUNTRIES = tuple(_MODULES)


def normalise(country: str, number: str) -> str:
    """Validate `number` for `country` and return its compact canonical form.

    Raises IdentityError("format" | "length" | "checksum" | "date" | "country")."""
    module = _MODULES.get(country.upper())
    if module is None:
        raise IdentityError("country")
    try:
        compact = module.validate(number.strip())
    except InvalidChecksum as error:
        raise IdentityError("checksum") from error
    except InvalidLength as error:
        raise IdentityError("length") from error
    except InvalidComponent as error:
        raise IdentityError("date") from error
    except InvalidFormat as error:
        raise IdentityError("format") from error
    if country.upper() == "SE":
        # Personnummer are written with or without the century (and "+" for 100+ years);
        # the canonical form has all 12 digits, so both spellings find the same person.
        digits = compact.replace("-", "").replace("+", "")
        if len(digits) == 10:
            digits = f"{personnummer.get_birth_date(compact).year // 100}{digits}"
        compact = digits
    return compact


_FI_CENTURY = {"+": 1800, **dict.fromkeys("-YXWVU", 1900), **dict.fromkeys("ABCDEF", 2000)}


def birth_date(country: str, number: str) -> date | None:
    """The birth date a valid number encodes (None when it encodes none)."""
    country = country.upper()
    try:
        if country == "FI":  # stdnum has no get_birth_date for henkilötunnus
            compact = hetu.compact(number)
            century = _FI_CENTURY[compact[6]]
            return date(century + int(compact[4:6]), int(compact[2:4]), int(compact[0:2]))
        module = _MODULES.get(country)
        return module.get_birth_date(number) if module else None
    except (ValueError, KeyError, IndexError, InvalidComponent, InvalidFormat, InvalidLength):
        return None


@dataclass(frozen=True)
class Key:
    id: str
    secret: bytes  # 32 bytes

    @property
    def index_secret(self) -> bytes:
        # A separate secret for the blind index, derived so one configured value suffices.
        return hashlib.sha256(b"kindred-blind-index\x00" + self.secret).digest()


def parse_keys(value: str) -> list[Key]:
    """Parse "id1:base64key,id2:base64key" (newest first). Each key is 32 random bytes."""
    keys = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        key_id, _, encoded = item.partition(":")
        if not key_id or not encoded or not key_id.isalnum():
            raise ValueError("Each encryption key must look like ID:BASE64 (ID letters/digits).")
        secret = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        if len(secret) != 32:
            raise ValueError(f"Encryption key {key_id!r} must be 32 bytes (base64-encoded).")
        keys.append(Key(key_id, secret))
    if not keys:
        raise ValueError("At least one encryption key is required.")
    if len({k.id for k in keys}) != len(keys):
        raise ValueError("Encryption key ids must be unique.")
    return keys


def new_key(key_id: str) -> str:
    return f"{key_id}:" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def encrypt(keys: list[Key], plaintext: str, *, context: str) -> str:
    """AES-GCM with the newest key; `context` (e.g. the organisation) is bound as associated
    data, so a ciphertext copied to another organisation's row does not decrypt."""
    key = keys[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key.secret).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{FORMAT_VERSION}:{key.id}:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(keys: list[Key], token: str, *, context: str) -> str:
    version, key_id, payload = token.split(":", 2)
    if version != FORMAT_VERSION:
        raise ValueError(f"Unknown ciphertext version {version!r}.")
    key = next((k for k in keys if k.id == key_id), None)
    if key is None:
        raise LookupError(f"Encryption key {key_id!r} is not configured.")
    raw = base64.urlsafe_b64decode(payload)
    try:
        opened = AESGCM(key.secret).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
    except InvalidTag as error:
        raise ValueError("The ciphertext does not match its key or context.") from error
    return opened.decode()


def key_id_of(token: str) -> str:
    return token.split(":", 2)[1]


def blind_index(key: Key, country: str, compact: str, *, context: str) -> str:
    """HMAC-SHA256 of the canonical number, per organisation (context) and country."""
    message = f"{context}\x00{country.upper()}\x00{compact}".encode()
    return hmac.new(key.index_secret, message, hashlib.sha256).hexdigest()


def blind_indexes(keys: list[Key], country: str, compact: str, *, context: str) -> list[str]:
    """The index under every configured key: lookups work mid-rotation."""
    return [blind_index(k, country, compact, context=context) for k in keys]


def mask(compact: str) -> str:
    return "•" * max(0, len(compact) - 2) + compact[-2:] if compact else ""
