"""A day written out in words, the way each language writes it: "Friday 11 December 2026",
"fredag den 11. december 2026", "perjantai 11. joulukuuta 2026", and in Bulgarian and
Ukrainian the weekday, the day, the month in lower case and the year with its abbreviation
for "year" (tests/core/test_dates.py shows each).

Django's format letters are not enough on their own: "j F" gives the month's name as it
stands alone ("11 Грудень", "11 joulukuu"), where Ukrainian and Finnish put a day's month in
another case ("E": "11 грудня", "11. joulukuuta"), and Danish and Finnish write the day as an
ordinal ("11."). Pages, e-mails and SMS use `long_day` (the `day` filter) for a day in words
and Django's SHORT_DATE_FORMAT for dates in tables."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import dateformat, timezone
from django.utils.translation import get_language

LOWER_CASE = {"bg", "uk"}
# (with the year, without it), per language; the fallback is English.
PATTERNS = {
    "en": ("l j F Y", "l j F"),
    "sv": ("l j F Y", "l j F"),
    "da": (r"l \d\e\n j. F Y", r"l \d\e\n j. F"),
    "fi": ("l j. E Y", "l j. E"),
    "bg": (r"l, j F Y \г.", "l, j F"),  # noqa: RUF001
    "uk": (r"l, j E Y \р.", "l, j E"),  # noqa: RUF001
}


def long_day(value: date | datetime | None, *, year: bool = True) -> str:
    """`value` (a date, or a moment in the active time zone) as a day in words, in the
    active language; "" for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    language = (get_language() or "en").split("-")[0]
    with_year, without = PATTERNS.get(language, PATTERNS["en"])
    text = dateformat.format(value, with_year if year else without)
    # Bulgarian and Ukrainian write weekdays and months in lower case inside a sentence
    # (Django's names are capitalised); a page starting a line with it uses |capfirst.
    return text.lower() if language in LOWER_CASE else text
