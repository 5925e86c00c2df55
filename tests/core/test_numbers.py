"""The one reader of ids from query strings and form fields, and the one quantity
formatter (core/numbers.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kindred.core.numbers import parse_id, quantity


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        (5, 5),
        ("", None),
        (None, None),
        ("0", None),
        ("-3", None),
        ("1.5", None),
        ("abc", None),
        ("²", None),  # a digit to str.isdigit, not to int()
        ("٣", None),  # an Arabic-Indic three
        (str(2**63), None),  # beyond the database's bigint
        (str(2**63 - 1), 2**63 - 1),
    ],
)
def test_parse_id_reads_ids_and_ignores_everything_else(value, expected):
    assert parse_id(value) == expected


@given(st.text(max_size=25))
def test_parse_id_never_raises(text):
    result = parse_id(text)
    assert result is None or 0 < result < 2**63


@pytest.mark.parametrize(
    ("value", "english", "danish"),
    [
        (Decimal("3.000"), "3", "3"),
        (Decimal("88.700"), "88.7", "88,7"),
        (Decimal("0.125"), "0.125", "0,125"),
        (Decimal("1.23456"), "1.235", "1,235"),
    ],
)
def test_quantities_have_no_trailing_zeros_in_any_locale(value, english, danish):
    with translation.override("en"):
        assert quantity(value) == english
    with translation.override("da"):
        assert quantity(value) == danish
