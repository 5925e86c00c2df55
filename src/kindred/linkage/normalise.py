"""The normal forms that are encoded: the same person written by two organisations should
give the same text. Names and addresses are transliterated to Latin letters (anyascii), so
that Олена and Olena agree, case-folded and stripped of everything but letters and digits."""

from __future__ import annotations

import functools
import re
import unicodedata

from anyascii import anyascii

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_NOT_DIGIT = re.compile(r"\D+")
_SOUNDEX = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556")


@functools.lru_cache(maxsize=262_144)
def text(value: str) -> str:
    """Letters and digits, lower case, words separated by one space."""
    if not value:
        return ""
    plain = anyascii(unicodedata.normalize("NFC", value)).casefold()
    return _NOT_ALNUM.sub(" ", plain).strip()


def digits(value: str) -> str:
    return _NOT_DIGIT.sub("", value or "")


def phone(value: str) -> str:
    """The last eight digits: the same number with or without a country code or trunk 0."""
    return digits(value)[-8:]


def email(value: str) -> str:
    return (value or "").strip().casefold()


@functools.lru_cache(maxsize=262_144)
def birth_date(value: str) -> tuple[str, str, str]:
    """(year, month, day) as digits, each empty when unknown; ISO or YYYYMMDD, partial allowed."""
    parts = [p for p in re.split(r"\D+", (value or "").strip()) if p]
    if len(parts) == 1 and len(parts[0]) >= 4:
        whole = parts[0]
        parts = [whole[:4], whole[4:6], whole[6:8]]
    year, month, day = [*parts, "", "", ""][:3]
    year = year if len(year) == 4 else ""
    return year, month.zfill(2) if month else "", day.zfill(2) if day else ""


@functools.lru_cache(maxsize=262_144)
def soundex(word: str) -> str:
    """American Soundex of a normalised word (letter + three digits)."""
    letters = [c for c in word if "a" <= c <= "z"]
    if not letters:
        return ""
    codes = "".join(letters).translate(_SOUNDEX)
    out = [letters[0]]
    last = codes[0] if codes[0].isdigit() else ""
    for char, code in zip(letters[1:], codes[1:], strict=True):
        if code.isdigit():
            if code != last:
                out.append(code)
            last = code
        elif char not in "hw":
            last = ""
    return ("".join(out) + "000")[:4]


def house_number(street: str) -> str:
    """The first number in a street line (the house number), or ''."""
    match = re.search(r"\d+", street or "")
    return match.group(0) if match else ""


@functools.lru_cache(maxsize=262_144)
def street_name(street: str) -> str:
    """The street line without numbers, abbreviations cut to their first five letters."""
    words = [w for w in text(street).split() if not w.isdigit()]
    return " ".join(w[:5] for w in words)
