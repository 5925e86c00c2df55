"""Lists of persons and households, and the import template, as CSV or XLSX files.

What a file holds follows the member's role exactly as the list pages do. The rows come
from the pages' own queries (`queries.person_list`, `queries.households`) with the page's
search, filters and sort, so a referrer exports only the records they registered. Contact
details, address, birth date and notes are exported only for roles with
VIEW_PERSON_DETAILS; identity numbers never — only whether one is recorded, and for which
country. The column headers are the import's field names in the member's language, so an
exported file can be imported again.

Formula injection (a cell like `=HYPERLINK(…)` or `+cmd|…` typed into a name or a note,
run by the spreadsheet that opens the file; docs/decisions/0009-spreadsheet-import.md):
- CSV: text starting with = + - @ TAB or CR gets a leading apostrophe, so Excel and
  LibreOffice show it as text. A plain number ("+4512345678", "-3") cannot run anything
  and is left as it is, so phone numbers stay intact. The import takes the apostrophe off.
- XLSX: every text cell is written as a string cell (never a formula), so the text is kept
  exactly as it was typed, without an apostrophe.
Every export writes one `people.exported` audit entry: who, which list, which filters,
how many rows.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kindred.core import audit
from kindred.core.models import Membership, Organization, User
from kindred.core.roles import Action, can

from . import queries
from .forms import LANGUAGE_CHOICES
from .imports.columns import FIELDS, ID_RECORDED
from .models import Household, HouseholdMember, Person

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_TYPE}
CHUNK = 2000  # rows fetched per database round trip
EXCEL_CELL_LIMIT = 32_767


# Cells -------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def xlsx_cell(sheet, value: Any):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_CELL_LIMIT])
        cell.data_type = "s"  # text, never a formula, whatever it starts with
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return value


def write_csv(out: IO[bytes], headers: list[str], rows: Iterable[list[Any]]) -> int:
    # utf-8-sig: Excel reads a CSV file without the BOM in the computer's code page, which
    # garbles "Søren" and every Cyrillic name.
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(headers)
    count = 0
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        count += 1
    text.flush()
    text.detach()
    return count


def write_xlsx(
    out: IO[bytes],
    headers: list[str],
    rows: Iterable[list[Any]],
    *,
    title: str,
    extra_sheets: Iterable[tuple[str, list[list[str]]]] = (),
) -> int:
    """A write-only workbook: rows stream to the file, memory stays flat for any size."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(header) + 4)
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = xlsx_cell(sheet, header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows:
        sheet.append([xlsx_cell(sheet, v) for v in row])
        count += 1
    for name, lines in extra_sheets:
        extra = workbook.create_sheet(title=_sheet_title(name))
        extra.column_dimensions["A"].width = 30
        extra.column_dimensions["C"].width = 80
        for number, line in enumerate(lines):
            cells = [xlsx_cell(extra, v) for v in line]
            if number == 0:
                for cell in cells:
                    if hasattr(cell, "font"):
                        cell.font = bold
            extra.append(cells)
    workbook.save(out)
    return count


def _sheet_title(title: str) -> str:
    return re.sub(r"[\\/*?:\[\]]", "", title)[:31] or "Sheet"


# Columns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    label: Any  # lazy translation
    value: Callable[[Any], Any]
    detail: bool = False  # only for roles with VIEW_PERSON_DETAILS


def _get(name: str) -> Callable[[Any], Any]:
    return lambda obj: getattr(obj, name)


def _yes_no(flag: bool) -> str:
    return _("yes") if flag else _("no")


def _languages(person: Person) -> str:
    names = dict(LANGUAGE_CHOICES)
    return ", ".join(str(names.get(code, code)) for code in person.languages)


def _relation(person: Person) -> str:
    relation = getattr(person, "current_relation", None)
    return str(dict(HouseholdMember.Relation.choices).get(relation, "")) if relation else ""


def _created(obj) -> date:
    return timezone.localtime(obj.created_at).date()


def _person_column(key: str, value=None, *, detail: bool = False) -> Column:
    return Column(FIELDS[key].label, value or _get(key), detail)


PERSON_COLUMNS = [
    _person_column("given_name"),
    _person_column("family_name"),
    _person_column("preferred_name"),
    _person_column("birth_date", detail=True),
    _person_column("birth_year"),
    _person_column("gender", lambda p: p.get_gender_display()),
    _person_column("phone", detail=True),
    _person_column("email", detail=True),
    _person_column("street", detail=True),
    _person_column("postcode", detail=True),
    _person_column("city", detail=True),
    _person_column("country", lambda p: p.get_country_display(), detail=True),
    _person_column("languages", _languages),
    _person_column("notes", detail=True),
    Column(ID_RECORDED, lambda p: _yes_no(p.has_national_id), detail=True),
    _person_column("national_id_country", detail=True),
    _person_column("household", _get("current_household_label")),
    _person_column("household_ref", _get("current_household_id")),
    _person_column("relation", _relation),
    Column(Person._meta.get_field("created_at").verbose_name, _created),
]

HOUSEHOLD_COLUMNS = [
    Column(Household._meta.get_field("label").verbose_name, _get("label")),
    Column(gettext_lazy("Members"), _get("size")),
    *(
        Column(Household._meta.get_field(name).verbose_name, _get(name), detail=True)
        for name in ("street", "postcode", "city")
    ),
    Column(
        Household._meta.get_field("country").verbose_name,
        lambda h: h.get_country_display(),
        detail=True,
    ),
    Column(Household._meta.get_field("created_at").verbose_name, _created),
]


def visible_columns(columns: list[Column], membership: Membership) -> list[Column]:
    details = can(membership.role, Action.VIEW_PERSON_DETAILS)
    return [c for c in columns if details or not c.detail]


# Exports -----------------------------------------------------------------------------------


@dataclass
class ExportFile:
    file: IO[bytes]
    filename: str
    content_type: str
    rows: int


def _write(
    fmt: str, columns: list[Column], objects: Iterable[Any], *, title: str
) -> tuple[IO[bytes], int]:
    headers = [capfirst(str(c.label)) for c in columns]
    rows: Iterator[list[Any]] = ([c.value(obj) for c in columns] for obj in objects)
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    if fmt == "xlsx":
        count = write_xlsx(out, headers, rows, title=title)
    else:
        count = write_csv(out, headers, rows)
    out.seek(0)
    return out, count


def _filename(kind: str, org: Organization, fmt: str) -> str:
    return f"{kind}-{org.slug}-{timezone.localdate().isoformat()}.{fmt}"


def _record(
    *, org: Organization, actor: User, kind: str, fmt: str, rows: int, filters: dict[str, Any]
) -> None:
    with transaction.atomic():
        audit.log(
            org=org,
            actor=actor,
            action="people.exported",
            changes={
                "list": [None, kind],
                "format": [None, fmt],
                **{
                    name: [None, value]
                    for name, value in filters.items()
                    if value not in ("", None)
                },
                "rows": [None, rows],
            },
        )


def export_persons(
    *,
    org: Organization,
    membership: Membership,
    actor: User,
    fmt: str,
    search: str = "",
    in_household: bool | None = None,
    sort: str = "name",
    purpose: int | None = None,
) -> ExportFile:
    """The persons list as the member sees it, with the page's filters. Audited."""
    current = HouseholdMember.objects.filter(person=OuterRef("pk"), left_on__isnull=True)
    qs = queries.person_list(
        org,
        membership=membership,
        search=search,
        in_household=in_household,
        sort=sort,
        purpose=purpose,
    ).annotate(current_relation=Subquery(current.values("relation")[:1]))
    columns = visible_columns(PERSON_COLUMNS, membership)
    out, count = _write(fmt, columns, qs.iterator(chunk_size=CHUNK), title=_("Persons"))
    filters = {"search": search, "in_household": in_household, "sort": sort, "purpose": purpose}
    _record(org=org, actor=actor, kind="persons", fmt=fmt, rows=count, filters=filters)
    return ExportFile(out, _filename("persons", org, fmt), FORMATS[fmt], count)


def export_households(
    *, org: Organization, membership: Membership, actor: User, fmt: str, search: str = ""
) -> ExportFile:
    """The households list as the member sees it, with the page's search. Audited."""
    qs = queries.households(org, membership=membership, search=search)
    columns = visible_columns(HOUSEHOLD_COLUMNS, membership)
    out, count = _write(fmt, columns, qs.iterator(chunk_size=CHUNK), title=_("Households"))
    _record(
        org=org, actor=actor, kind="households", fmt=fmt, rows=count, filters={"search": search}
    )
    return ExportFile(out, _filename("households", org, fmt), FORMATS[fmt], count)


def import_template(fmt: str) -> ExportFile:
    """An empty spreadsheet with the import's columns in the reader's language; the XLSX
    has a second sheet that says what each column takes."""
    headers = [f.title for f in FIELDS.values()]
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    if fmt == "xlsx":
        help_rows = [
            [f.title, _("Required") if f.key == "given_name" else "", str(f.help)]
            for f in FIELDS.values()
        ]
        instructions = [[_("Column"), _("Required"), _("What to write")], *help_rows]
        write_xlsx(
            out, headers, [], title=_("Persons"), extra_sheets=[(_("Instructions"), instructions)]
        )
    else:
        write_csv(out, headers, [])
    out.seek(0)
    return ExportFile(out, f"kindred-import-template.{fmt}", FORMATS[fmt], 0)
