"""`kindred people …`: operations on person data outside the registry.

kindred people find-duplicates PERSONS.csv [-o PAIRS.csv] [--threshold T] [--country CC]
    score the persons in a CSV file against each other with the registry's duplicate model
    and write the likely duplicate pairs (format: docs of kindred-duplicates/1, see
    people/matching.py). Needs no database.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import fields
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kindred.people import matching

# Files this large get progress lines on stderr.
PROGRESS_FROM = 20_000
FIELDS = tuple(f.name for f in fields(matching.Record))


class Command(BaseCommand):
    help = "Operations on person data: find-duplicates."
    # Works on files only: no system checks, no database.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="operation", required=True)
        find = sub.add_parser(
            "find-duplicates",
            help="Write the pairs of likely duplicate persons in a CSV file (id_a,id_b,score).",
        )
        find.add_argument(
            "persons",
            metavar="PERSONS.csv",
            help="UTF-8 CSV file with a header row and an id column.",
        )
        find.add_argument(
            "-o", "--output", metavar="PAIRS.csv", help="Write the pairs here instead of to stdout."
        )
        find.add_argument(
            "--threshold",
            default=str(matching.DEFAULT_THRESHOLD),
            metavar="T",
            help=f"Lowest score to report, 0 to 1 (default {matching.DEFAULT_THRESHOLD}).",
        )
        find.add_argument(
            "--country",
            default="",
            metavar="CC",
            help="Country of phone numbers written without a country code (e.g. DK) when "
            "the row has no country.",
        )

    def handle(self, *args, operation: str, **options):
        if operation == "find-duplicates":
            self.find_duplicates(options)

    def find_duplicates(self, options) -> None:
        threshold = _parse_threshold(options["threshold"])
        country = options["country"].strip().upper()
        if country and not (len(country) == 2 and country.isalpha() and country.isascii()):
            raise CommandError(
                _("--country must be a two-letter country code such as DK, not %(value)r.")
                % {"value": options["country"]}
            )
        verbose = options["verbosity"] >= 1
        started = time.perf_counter()
        records = read_persons(Path(options["persons"]))
        show_progress = verbose and len(records) >= PROGRESS_FROM
        if show_progress:
            self.stderr.write(
                _("Read %(count)s persons in %(seconds).1f s.")
                % {"count": len(records), "seconds": time.perf_counter() - started}
            )

        last = [0.0]

        def progress(stage: str, done: int, total: int) -> None:
            now = time.perf_counter()
            if done < total and now - last[0] < 2:
                return
            last[0] = now
            if stage == "prepare":
                message = _("Prepared %(done)s of %(total)s persons.")
            else:
                message = _("Comparing candidates: %(percent)s %%")
            self.stderr.write(
                message % {"done": done, "total": total, "percent": done * 100 // max(total, 1)}
            )

        pairs = matching.find_pairs(
            records,
            threshold=threshold,
            default_country=country,
            progress=progress if show_progress else None,
        )
        write_pairs(pairs, options["output"], self.stdout)
        if verbose:
            self.stderr.write(
                _(
                    "%(pairs)s pairs at threshold %(threshold)s among %(count)s persons (%(seconds).1f s)."
                )
                % {
                    "pairs": len(pairs),
                    "threshold": threshold,
                    "count": len(records),
                    "seconds": time.perf_counter() - started,
                }
            )


def _parse_threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 1.0:  # also refuses NaN
        raise CommandError(
            _("--threshold must be a number from 0 to 1, not %(value)r.") % {"value": text}
        )
    return value


def read_persons(path: Path) -> list[matching.Record]:
    """The records of a kindred-duplicates/1 input file; CommandError says what is wrong."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as error:
        raise CommandError(_("%(path)s: no such file.") % {"path": path}) from error
    except IsADirectoryError as error:
        raise CommandError(_("%(path)s is a folder, not a file.") % {"path": path}) from error
    except PermissionError as error:
        raise CommandError(_("%(path)s: permission denied.") % {"path": path}) from error
    except UnicodeDecodeError as error:
        raise CommandError(
            _(
                "%(path)s is not a UTF-8 CSV file (undecodable bytes at position %(position)s). "
                "Save it as “CSV UTF-8”."
            )
            % {"path": path, "position": error.start}
        ) from error
    if "\x00" in text:
        raise CommandError(_("%(path)s is not a CSV text file.") % {"path": path})
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return _read(reader, path)
    except csv.Error as error:
        raise CommandError(
            _("%(path)s is not a valid CSV file (line %(line)s: %(error)s).")
            % {"path": path, "line": reader.line_num, "error": error}
        ) from error


def _read(reader, path: Path) -> list[matching.Record]:
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        raise CommandError(_("%(path)s is empty: a header row is needed.") % {"path": path})
    names = [cell.strip().lower() for cell in header]
    if "id" not in names:
        raise CommandError(
            _("%(path)s has no id column (the header row has: %(columns)s).")
            % {"path": path, "columns": ", ".join(header)[:200]}
        )
    for name in set(names):
        if name in FIELDS and names.count(name) > 1:
            raise CommandError(
                _("%(path)s has the column %(column)s twice.") % {"path": path, "column": name}
            )
    # Where each of the record's fields is in a row; a field without a column reads the
    # empty cell added at the end of every row. Unknown columns are ignored.
    width = len(names)
    columns = [names.index(name) if name in names else width for name in FIELDS]
    id_position = names.index("id")
    padding = [""] * (width + 1)

    records: list[matching.Record] = []
    seen: dict[str, int] = {}
    for row in reader:
        if len(row) <= 1 and not "".join(row).strip():
            continue  # a blank line
        if len(row) < width:
            row += padding[len(row) :]  # a short row: the rest is empty
        else:
            del row[width:]  # cells beyond the header are ignored
            row.append("")
        record_id = row[id_position].strip()
        if not record_id:
            raise CommandError(
                _("%(path)s, line %(line)s: the id is empty.")
                % {"path": path, "line": reader.line_num}
            )
        if record_id in seen:
            raise CommandError(
                _(
                    "%(path)s, line %(line)s: the id %(id)r is also on line %(first)s; "
                    "ids must be unique."
                )
                % {"path": path, "line": reader.line_num, "id": record_id, "first": seen[record_id]}
            )
        seen[record_id] = reader.line_num
        records.append(matching.Record(*[row[i].strip() for i in columns]))
    return records


def write_pairs(pairs, output: str | None, stdout) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("id_a", "id_b", "score"))
    writer.writerows((a, b, f"{value:.4f}") for a, b, value in pairs)
    if not output:
        stdout.write(buffer.getvalue(), ending="")
        return
    # Written beside the target and renamed: a failure never leaves half a file behind.
    target = Path(output)
    partial = target.with_name(target.name + ".partial")
    try:
        partial.write_text(buffer.getvalue(), encoding="utf-8")
        partial.replace(target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise CommandError(
            _("Cannot write %(path)s: %(error)s") % {"path": output, "error": error.strerror}
        ) from error
