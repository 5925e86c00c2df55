"""Reading an uploaded .csv or .xlsx file into a header row and numbered data rows, and
turning cells into values: text, dates, years, codes."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kindred.core.services import Invalid

from .columns import _choice_index, norm

MAX_ROWS = 50_000
MAX_COLUMNS = 100
# Spreadsheets often carry formatted but empty rows down to row 1,048,576; reading stops
# after this many empty rows in a row instead of walking all of them.
MAX_EMPTY_RUN = 10_000

# Reading files -----------------------------------------------------------------------------


@dataclass
class Table:
    file_format: str  # "csv" or "xlsx"
    encoding: str
    delimiter: str
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number as the spreadsheet shows it, cells)


def file_error(message: str) -> Invalid:
    return Invalid(message, field="file")


def detect_format(name: str, data: bytes) -> str:
    suffix = Path(name).suffix.lower()
    if data.startswith(b"PK\x03\x04"):
        if suffix in {".xlsx", ".xlsm", ""}:
            return "xlsx"
        if suffix in {".ods", ".numbers"}:
            raise file_error(_("Save the spreadsheet as .xlsx or .csv and upload that file."))
        raise file_error(_("Upload a .csv or .xlsx file."))
    if suffix in {".xlsx", ".xlsm"}:
        raise file_error(_("This file is not a readable .xlsx workbook."))
    if suffix in {".xls", ".ods", ".numbers"} or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise file_error(_("Save the spreadsheet as .xlsx or .csv and upload that file."))
    if suffix not in {".csv", ".txt", ".tsv", ""}:
        raise file_error(_("Upload a .csv or .xlsx file."))
    if b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise file_error(_("This is not a CSV text file. Save the spreadsheet as .xlsx or .csv."))
    return "csv"


def _looks_cyrillic(data: bytes) -> bool:
    """Cyrillic text in a one-byte code page is words of bytes >= 0xC0; Danish, Swedish or
    Finnish text has single accented letters between ASCII ones ("Søren", "Hämäläinen")."""
    runs = re.findall(rb"[\x80-\xff]+", data[:200_000])
    high = sum(len(r) for r in runs)
    return high > 0 and sum(len(r) for r in runs if len(r) >= 3) * 2 > high


def decode(data: bytes, encoding: str = "") -> tuple[str, str]:
    """The file's text and the encoding it was read with: UTF-8 with or without BOM, UTF-16
    with a BOM (Excel's "Unicode text"), else the Windows code page its bytes look like."""
    if encoding:
        return data.decode(encoding), encoding
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "cp1251" if _looks_cyrillic(data) else "cp1252", "latin-1"]
    for candidate in candidates:
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise file_error(_("The file's text could not be read. Save it as CSV in UTF-8."))


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first records into the same number of columns (2+)."""
    sample = text[:65_536]
    best: tuple[int, int, str] | None = None
    for delimiter in (",", ";", "\t", "|"):
        try:
            records = [
                r
                for r in csv.reader(io.StringIO(sample), delimiter=delimiter)
                if any(c.strip() for c in r)
            ][:20]
        except csv.Error:
            continue
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        score = (sum(len(r) == width for r in records), width, delimiter)
        if best is None or score[:2] > best[:2]:
            best = score
    return best[2] if best else ","


def _csv_records(text: str, delimiter: str) -> Iterator[list[Any]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as error:
        raise file_error(
            _("Row %(row)s of the file cannot be read as CSV: is it really a CSV file?")
            % {"row": reader.line_num}
        ) from error


# What a damaged or disguised workbook makes openpyxl raise (a bad zip, missing or broken
# XML parts, values of the wrong type).
XLSX_ERRORS = (
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    OSError,
    SyntaxError,
)


def _xlsx_records(data: bytes) -> Iterator[list[Any]]:
    import openpyxl

    unreadable = _("This file is not a readable .xlsx workbook.")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except XLSX_ERRORS as error:
        raise file_error(unreadable) from error
    try:
        if not workbook.worksheets:
            raise file_error(_("The workbook has no sheet."))
        for row in workbook.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True):
            yield list(row)
    except XLSX_ERRORS as error:
        raise file_error(unreadable) from error
    finally:
        workbook.close()


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_table(
    data: bytes, file_format: str, *, encoding: str = "", delimiter: str = "", limit: int = 0
) -> Table:
    """Headers (the first non-empty row) and data rows, numbered as the spreadsheet shows
    them. Empty rows are skipped. `limit` stops after that many data rows (for samples)."""
    if file_format == "csv":
        text, encoding = decode(data, encoding)
        delimiter = delimiter or sniff_delimiter(text)
        records: Iterable[list[Any]] = _csv_records(text, delimiter)
    else:
        records = _xlsx_records(data)
    headers: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    width = 0
    empty_run = 0
    for number, record in enumerate(records, start=1):
        filled = [i for i, value in enumerate(record) if not is_empty(value)]
        if not filled:
            empty_run += 1
            if empty_run > MAX_EMPTY_RUN:
                break
            continue
        empty_run = 0
        if filled[-1] >= MAX_COLUMNS:
            raise file_error(
                _("The file has more than %(count)s columns.") % {"count": MAX_COLUMNS}
            )
        width = max(width, filled[-1] + 1)
        if headers is None:
            headers = [text_value(v) for v in record]
            continue
        rows.append((number, record))
        if limit and len(rows) >= limit:
            break
        if len(rows) > MAX_ROWS:
            raise file_error(
                _("The file has more than %(count)s rows. Split it into smaller files.")
                % {"count": f"{MAX_ROWS:,}"}
            )
    if headers is None:
        raise file_error(_("The file is empty."))
    headers = (headers + [""] * width)[:width]
    rows = [(n, (cells + [None] * width)[:width]) for n, cells in rows]
    return Table(file_format, encoding, delimiter, headers, rows)


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def column_name(headers: list[str], index: int) -> str:
    return headers[index] or _("Column %(letter)s") % {"letter": column_letter(index)}


# Cell values -------------------------------------------------------------------------------

# Our exports put an apostrophe before text that a spreadsheet would run as a formula
# (exports.csv_cell); reading such a file back takes it off again.
_NEUTRALISED = re.compile(r"'(?=[=+\-@\t\r])")
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y", "%Y.%m.%d", "%Y/%m/%d"]
_DATE_FIELD = forms.DateField(input_formats=DATE_FORMATS)
_YEAR_FIELD = forms.IntegerField()
# Digits a number cell loses at the front (Excel stores "0101901234" as 101901234).
ID_DIGITS = {"DK": 10, "SE": 10, "BG": 10}
POSTCODE_DIGITS = {"DK": 4, "NO": 4, "BG": 4, "SE": 5, "FI": 5, "UA": 5, "DE": 5}


def text_value(value: Any) -> str:
    """A cell as text: numbers without ".0", dates as YYYY-MM-DD, runs of spaces as one
    (line breaks, e.g. in notes, are kept)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime) and value.time() == time(0):
        value = value.date()
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    text = str(value).replace("\x00", "")
    text = text.strip() if "\n" in text else " ".join(text.split())
    return text[1:] if _NEUTRALISED.match(text) else text


def padded(value: Any, digits: int | None) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and digits:
        return f"{value:0{digits}d}"
    return text_value(value)


def date_value(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A number in a date column is Excel's day count, unless it looks like a year.
        if not 2200 < value < 100_000:
            raise ValidationError(_DATE_FIELD.error_messages["invalid"], code="invalid")
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()
    text = text_value(value)
    # "14.03.1985 g." in Bulgarian, "14.03.1985 r." in Ukrainian (Cyrillic): "year".
    text = re.sub(r"\s*(\u0433|\u0440)\.?$", "", text)
    text = re.sub(r"[ T]00:00(:00)?$", "", text)
    return _DATE_FIELD.clean(text) if text else None


def year_value(value: Any) -> int | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = text_value(value)
    return _YEAR_FIELD.clean(text) if text else None


def choice_value(kind: str, value: Any) -> str:
    """The stored code for a value written as a code or a label; unknown values are
    returned as written, for the model's own validation to name."""
    text = text_value(value)
    return _choice_index(kind).get(norm(text), text) if text else ""


def languages_value(value: Any) -> tuple[list[str], list[str]]:
    """(codes, words that are no language Kindred knows)."""
    codes, unknown = [], []
    for word in re.split(r"[,;/|]+", text_value(value)):
        if not word.strip():
            continue
        code = _choice_index("language").get(norm(word))
        if code is None:
            unknown.append(word.strip())
        elif code not in codes:
            codes.append(code)
    return codes, unknown
