# ruff: noqa: RUF001
"""A day in words in each language (core/dates.py): the month in the case a date takes
(Ukrainian "грудня", Finnish "joulukuuta", not "Грудень", "joulukuu"), Danish and Finnish
ordinals, lower-case names inside a Bulgarian or Ukrainian sentence."""

from datetime import date, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from kindred.core.dates import long_day

FRIDAY = date(2026, 12, 11)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Friday 11 December 2026"),
        ("sv", "fredag 11 december 2026"),
        ("da", "fredag den 11. december 2026"),
        ("fi", "perjantai 11. joulukuuta 2026"),
        ("bg", "петък, 11 декември 2026 г."),
        ("uk", "п'ятниця, 11 грудня 2026 р."),
    ],
)
def test_a_day_in_words_in_every_language(language, expected):
    with translation.override(language):
        assert long_day(FRIDAY) == expected
        assert long_day(FRIDAY, year=False) == expected.split(" 2026")[0]


def test_a_moment_is_read_in_the_active_time_zone_and_the_filter_can_start_a_line():
    late = timezone.make_aware(datetime(2026, 12, 11, 23, 30), timezone.get_fixed_timezone(0))
    template = Template("{% load kindred %}{{ when|day|capfirst }} / {{ nothing|day }}.")
    with translation.override("uk"), timezone.override("Europe/Kyiv"):
        text = template.render(Context({"when": late, "nothing": None}))
    assert text == "Субота, 12 грудня 2026 р. / ."  # 01:30 on Saturday in Kyiv
