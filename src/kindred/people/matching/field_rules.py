"""Birth dates, phones, e-mail, addresses and identity numbers for the duplicate engine.
Plain Python, no Django."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

import phonenumbers
from rapidfuzz.distance import OSA

if TYPE_CHECKING:
    from . import Prepared
from .name_rules import (
    _NOT_LETTER,
    _ascii,
    _fold_token,
)

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
