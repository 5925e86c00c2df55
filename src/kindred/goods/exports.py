"""The stock list as a CSV or XLSX file, with the page's filters, grouping and sort.

The cells are written by the people app's writers (kindred.people.exports): CSV in UTF-8
with a BOM and formula-looking text defused with an apostrophe, XLSX with every text cell
a string cell. Item type names and location names are typed by members, so they get the
same protection as names of persons.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kindred.core.models import Organization
from kindred.people.exports import FORMATS, write_csv, write_xlsx

from . import queries
from .models import Grade, StockBalance
from .queries.stock import StockFilter, type_facts


def number(value: Decimal | None) -> Decimal | None:
    """5.000 -> 5, 0.250 -> 0.25 (never an exponent like 1E+1)."""
    if value is None:
        return None
    return Decimal(format(value.normalize(), "f"))


@dataclass
class ExportFile:
    file: IO[bytes]
    filename: str
    content_type: str
    rows: int


def _grades() -> dict[str, str]:
    return {value: str(label) for value, label in Grade.choices}


def _balance_rows(org: Organization, f: StockFilter, sort: str) -> Iterator[list[Any]]:
    grades = _grades()
    types = type_facts(org)
    labels = types.labels
    row: StockBalance
    for row in queries.balances(org, f, sort=sort, types=types):
        item = row.item_type
        yield [
            labels.get(item.pk, item.label),
            item.code,
            item.category.label,
            row.size,
            grades.get(row.grade, row.grade),
            row.location.site.name,
            row.location.label,
            number(row.quantity),
            number(row.reserved),
            number(row.available),
            item.get_unit_display(),
            number(row.kg),
            number(row.value),
            timezone.localtime(row.updated_at).strftime("%Y-%m-%d %H:%M"),
        ]


def _item_rows(org: Organization, f: StockFilter, sort: str) -> Iterator[list[Any]]:
    types = type_facts(org)
    labels = types.labels
    rows = queries.stock.item_size_rows(org, f, sort=sort, types=types)
    queries.stock.attach_item_types(org, rows)
    for row in rows:
        item = row["item_type"]
        yield [
            labels.get(item.pk, item.label),
            item.code,
            item.category.label,
            row["size"],
            row["locations"],
            number(row["quantity"]),
            number(row["reserved"]),
            number(row["available"]),
            item.get_unit_display(),
            number(row["kg"]),
            number(row["value"]),
        ]


def export_stock(
    *, org: Organization, fmt: str, f: StockFilter, sort: str = "item", group: str = ""
) -> ExportFile:
    """The stock list as the page shows it: one row per balance, or per item type and size
    across locations when grouped so."""
    if group == "item":
        headers = [
            _("Item type"),
            _("Code"),
            _("Category"),
            _("Size"),
            _("Locations"),
            _("Quantity"),
            _("Reserved"),
            _("Available"),
            _("Unit"),
            _("Kilograms"),
            _("Value (%(currency)s)") % {"currency": org.currency},
        ]
        rows = _item_rows(org, f, sort)
    else:
        headers = [
            _("Item type"),
            _("Code"),
            _("Category"),
            _("Size"),
            _("Condition"),
            _("Site"),
            _("Location"),
            _("Quantity"),
            _("Reserved"),
            _("Available"),
            _("Unit"),
            _("Kilograms"),
            _("Value (%(currency)s)") % {"currency": org.currency},
            _("Changed"),
        ]
        rows = _balance_rows(org, f, sort)
    headers = [capfirst(h) for h in headers]
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    if fmt == "xlsx":
        count = write_xlsx(out, headers, rows, title=_("Stock"))
    else:
        count = write_csv(out, headers, rows)
    out.seek(0)
    filename = f"stock-{org.slug}-{timezone.localdate().isoformat()}.{fmt}"
    return ExportFile(out, filename, FORMATS[fmt], count)
