"""Importing persons and households from a spreadsheet (.csv or .xlsx).

The flow, one `ImportBatch` per upload (docs/decisions/0009-spreadsheet-import.md):

1. `upload_import` reads the file once — format, text encoding and delimiter sniffed,
   limits enforced — keeps a copy in KINDRED_DATA_DIR/imports/<org slug>/ and guesses which
   Kindred field each column holds from its header, in any of the six languages
   (columns.py, reading.py).
2. `start_check` stores the (edited) column mapping and queues the dry run
   (people/imports/tasks.py `run_check`): every row is validated with the people services' own
   rules (`services.check_person`), and a report lists every problem as (row, column,
   translated message), plus warnings (checking.py).
3. `start_import` queues the import (`run_import`) in one of two modes: the valid rows, a
   transaction per few hundred rows; or all or nothing, one transaction that imports nothing
   if any row has a problem. Every person and household is created through the services
   (each writes its audit entry), and one `people.imported` entry sums up.

Rows that share a household label (or household reference) become one household; without
a relation column the first adult is its head. The kept copy of the file is deleted once
the rows are imported, when the batch is discarded, or a day after the upload.
"""

from .checking import RowCheck, build_report, check_rows, report_items
from .columns import FIELDS, field_choices, guess_field, guess_mapping
from .files import KEEP_FOR, expires_at, purge_expired, read_batch
from .reading import MAX_COLUMNS, MAX_ROWS, Table, column_letter, column_name, read_table
from .services import (
    MAX_BYTES,
    discard_import,
    start_check,
    start_import,
    upload_import,
)

__all__ = [
    "FIELDS",
    "KEEP_FOR",
    "MAX_BYTES",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "RowCheck",
    "Table",
    "build_report",
    "check_rows",
    "column_letter",
    "column_name",
    "discard_import",
    "expires_at",
    "field_choices",
    "guess_field",
    "guess_mapping",
    "purge_expired",
    "read_batch",
    "read_table",
    "report_items",
    "start_check",
    "start_import",
    "upload_import",
]
