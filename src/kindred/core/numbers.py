"""Numbers as people read and type them: the one place a quantity is formatted for a page,
a PDF or an export cell (so an intake table, a stock total and a receipt agree), and the
one place an id from a query string or form field is read (`parse_id`)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.formats import number_format


def quantity(value, places: int = 3) -> str:
    """A quantity in the active locale, rounded to `places` decimals and with no trailing
    zeros: 3, 1,5 (Danish) / 1.5 (English), 88,7, 0,125 — never 88,700 or 3,000."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    number = number.normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return number_format(number, use_l10n=True)


def parse_id(value) -> int | None:
    """A row id as a query string or form field carries it ("12"), or None for anything
    else: empty, text, 0, negative, or too large for the database's bigint. Pages use it
    for ?site=, ?category= and hidden fields, so a bad value is ignored, never a 500."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number < 2**63 else None
