"""Finding a person's identifying values inside free text and JSON, and masking them.

Pure Python (phonenumbers and anyascii only), no Django, so it can be tested on its own.
Used by erasure (privacy.services.erase_person) on the rows that refer to the person and
on the audit entries about them. Matching is deliberately generous: a name matches as a
whole word in any letter case (also in its plain-ASCII spelling), a phone number in any
common notation (+45 21 43 65 87, 0045-21436587, 21436587), an identity number with or
without separators. Masking a word too many in the record of a person being erased is
harmless; missing one is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import phonenumbers
from anyascii import anyascii

MASK = "•••"  # the audit log's mask (core.audit.MASK): "a value is not shown here"

# Separators people put inside phone and identity numbers.
_PHONE_SEP = r"[\s.\-/()]*"
_ID_SEP = r"[\s\-+/]?"
MIN_WORD = 2  # single letters (initials) are not masked on their own


@dataclass(frozen=True)
class Identifiers:
    """What identifies one person: names, phone (E.164), e-mail, street, identity number."""

    names: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()  # matched as a whole (streets, household labels)
    identity_numbers: tuple[str, ...] = ()

    def pattern(self) -> re.Pattern[str] | None:
        """One regular expression for all of them. Alternatives are tried in order, so the
        whole values come first (an e-mail address before the name inside it) and names
        longest first (the full name before its parts)."""
        parts: list[str] = []
        parts += [re.escape(e.strip()) for e in self.emails if e.strip()]
        parts += [
            _phrase(p) for p in sorted(self.phrases, key=len, reverse=True) if len(p.strip()) >= 3
        ]
        parts += [p for p in map(_phone, self.phones) if p]
        parts += [p for n in self.identity_numbers for p in _identity(n)]
        parts += [_word(w) for w in sorted(_name_words(self.names), key=lambda w: (-len(w), w))]
        if not parts:
            return None
        parts = list(dict.fromkeys(parts))  # without repeats, order kept
        return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)


def _phrase(text: str) -> str:
    words = [re.escape(w) for w in text.split()]
    return r"(?<!\w)" + r"[\s,]+".join(words) + r"(?!\w)"


def _word(word: str) -> str:
    return r"(?<!\w)" + re.escape(word) + r"(?!\w)"


def _name_words(names: Iterable[str]) -> set[str]:
    """Each name whole ("Anna-Maria"), each of its parts, and their ASCII spellings."""
    words: set[str] = set()
    for name in names:
        name = " ".join(name.split())
        if not name:
            continue
        for form in {name, anyascii(name)}:
            words.add(form)
            words.update(re.split(r"[\s\-']+", form))
    return {w for w in words if len(w) >= MIN_WORD}


def _phone(e164: str) -> str:
    """A pattern for one number in the usual notations: international with + or 00, or
    national with or without the trunk prefix 0, any separators between digits."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", e164)
        return (r"(?<!\d)" + _PHONE_SEP.join(digits) + r"(?!\d)") if len(digits) >= 6 else ""
    national = str(parsed.national_number)
    if len(national) < 5:
        return ""
    code = str(parsed.country_code)
    prefix = (
        rf"(?:(?:\+|00){_PHONE_SEP}{_PHONE_SEP.join(code)}{_PHONE_SEP}(?:\(?0\)?{_PHONE_SEP})?"
        rf"|0{_PHONE_SEP})?"
    )
    return r"(?<![\d+])" + prefix + _PHONE_SEP.join(national) + r"(?!\d)"


def _identity(compact: str) -> list[str]:
    """The number with any separators; a 12-digit Swedish number also without its century."""
    chars = [c for c in compact if c.isalnum()]
    if len(chars) < 6:
        return []
    forms = [chars]
    if len(chars) == 12 and all(c.isdigit() for c in chars):
        forms.append(chars[2:])
    return [
        r"(?<![0-9A-Za-z])" + _ID_SEP.join(re.escape(c) for c in form) + r"(?![0-9A-Za-z])"
        for form in forms
    ]


def redact_text(text: str, pattern: re.Pattern[str] | None) -> str:
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)


def redact_json(value: Any, pattern: re.Pattern[str] | None) -> Any:
    """Mask identifiers in every string inside `value`; dictionary keys (field names) stay."""
    if isinstance(value, str):
        return redact_text(value, pattern)
    if isinstance(value, list):
        return [redact_json(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: redact_json(v, pattern) for k, v in value.items()}
    return value


def mask_value(value: Any) -> Any:
    """Hide a value entirely, keeping "there was none" visible (None and "" stay)."""
    if value is None or value == "" or value == []:
        return value
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    return MASK


def postcode_area(postcode: str) -> str:
    """The area a postcode lies in: its first two letters or digits ("7400" → "74",
    "584 35" → "58", "SW1A 1AA" → "SW"). See docs/decisions/0008."""
    compact = "".join(c for c in postcode if c.isalnum()).upper()
    return compact[:2]
