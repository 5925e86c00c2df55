from django import template

from kindred.core.audit import action_label as _action_label
from kindred.core.audit import readable_changes as _audit_changes
from kindred.core.audit import via_label as _via_label
from kindred.core.dates import long_day
from kindred.core.numbers import quantity as _quantity

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    """The translated meaning of an audit action code."""
    return _action_label(action)


@register.filter
def via_label(via: str) -> str:
    """The translated name of the channel (web page, API) a change came through."""
    return _via_label(via)


@register.simple_tag
def audit_changes(entry) -> list[tuple[str, str, str]]:
    """(field label, old, new) for an audit entry, in the reader's language.

    Field names become the model's verbose names and stored choice codes ("warehouse",
    "coordinator") their labels, so a coordinator can read the log without knowing codes."""
    return _audit_changes(entry)


@register.filter
def quantity(value, places: int = 3) -> str:
    """A quantity the locale's way without trailing zeros (core/numbers.py)."""
    return _quantity(value, int(places))


@register.filter
def day(value, arg: str = "") -> str:
    """A day in words in the active language (core/dates.py): "fredag den 11. december
    2026"; `day:"no_year"` leaves the year out."""
    return long_day(value, year=arg != "no_year")
