"""`make bench`: how fast a spreadsheet of persons and households imports.

Generates a CSV like a charity's old register — 10,000 persons (Danish, Swedish and
Ukrainian names, phones, e-mails, addresses, birth dates) in about 3,000 households, a
fifth with a CPR number — and runs it through the real path, without HTTP: the upload
service, the column guess, the dry-run job, then the import job (django-tasks, run at once
by the ImmediateBackend, reporting progress as in production). Each import mode runs on a
fresh organisation of a fresh SQLite database in a temporary folder (or the database in
DATABASE_URL — use a throwaway one). Prints seconds and rows per second per step, and how
long exporting all the imported persons takes; the target is the import of 10,000 rows in
under 60 s.

    .venv/bin/python bench/people_import.py [--rows 10000] [--mode valid_rows|all_or_nothing|both]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

TARGET_SECONDS = 60
GIVEN = ["Anna", "Søren", "Mette", "Ærling", "Åsa", "Björn", "Олена", "Ірина", "Jens"]
GIVEN += ["Freja", "Mikkel", "Karin", "Lars", "Дмитро", "Oksana", "Noah", "Ida", "Emil", "Sofie"]
FAMILY = ["Nielsen", "Jensen", "Hansen", "Pedersen", "Ødegård", "Sørensen", "Шевченко"]
FAMILY += ["Коваленко", "Lindqvist", "Andersson", "Bondarenko", "Kristensen", "Møller"]
STREETS = ["Vestergade", "Nørregade", "Åboulevarden", "Søndergade", "Hovedgaden", "Parkvej"]
CITIES = [("8000", "Aarhus C"), ("7400", "Herning"), ("2200", "København N"), ("5000", "Odense")]
HEADERS = ["Fornavn", "Efternavn", "Fødselsdato", "Køn", "Telefon", "E-mail", "Adresse"]
HEADERS += ["Postnr", "By", "Sprog", "CPR-nummer", "Husstand", "Relation", "Noter"]


def cpr_numbers(count: int, rng: random.Random) -> list[str]:
    """Distinct CPR numbers with a valid birth date (CPR has had no check digit since
    2007); the 7th digit 0-3 means the 1900s."""
    numbers: set[str] = set()
    start = date(1940, 1, 1)
    while len(numbers) < count:
        born = start + timedelta(days=rng.randrange(365 * 60))
        numbers.add(f"{born:%d%m%y}-{rng.randrange(4)}{rng.randrange(1000):03d}")
    return sorted(numbers)


def generate(rows: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    numbers = iter(cpr_numbers(rows // 5 + 1, rng))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADERS)
    written, household = 0, 0
    while written < rows:
        household += 1
        family = rng.choice(FAMILY)
        street = f"{rng.choice(STREETS)} {rng.randrange(1, 120)}"
        postcode, city = rng.choice(CITIES)
        size = min(rng.choice([1, 2, 3, 3, 4, 5]), rows - written)
        for member in range(size):
            adult = member < 2
            born = date(1950 + rng.randrange(50), 1, 1) if adult else date(2008, 1, 1)
            born += timedelta(days=rng.randrange(3650 if not adult else 365))
            number = next(numbers) if adult and rng.random() < 0.25 else ""
            writer.writerow(
                [
                    rng.choice(GIVEN),
                    family,
                    born.strftime("%d.%m.%Y"),
                    rng.choice(["K", "M", "Kvinde", "Mand", ""]),
                    f"{rng.randrange(20, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} "
                    f"{rng.randrange(10, 99)}",
                    f"p{household}-{member}@example.org" if adult else "",
                    street,
                    postcode,
                    city,
                    rng.choice(["dansk", "da, uk", "Ukrainian", "en", ""]),
                    number,
                    f"{family} {household}",
                    "" if rng.random() < 0.7 else ("Partner" if member == 1 else "Barn"),
                    rng.choice(["", "", "Allergi: nødder", "Ønsker sms"]),
                ]
            )
            written += 1
    return out.getvalue().encode("utf-8-sig")


def setup_django(data_dir: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kindred.settings")
    os.environ["KINDRED_DATA_DIR"] = str(data_dir)
    os.environ["KINDRED_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def run(mode: str, data: bytes, suffix: str) -> dict[str, float]:
    from django.db import transaction
    from django_scopes import scope

    from kindred.core import services as core_services
    from kindred.core import tasks as core_tasks
    from kindred.core.models import Membership, User
    from kindred.people import exports, imports
    from kindred.people.models import Household, ImportBatch, Person

    reports: list[int] = []
    real_report = core_tasks.report

    def counting_report(progress_id, **kwargs):
        reports.append(kwargs["percent"])
        real_report(progress_id, **kwargs)

    core_tasks.report = counting_report  # count the progress updates pollers would see
    admin = User.objects.create_user(email=f"admin@{suffix}.example", full_name="Bench Admin")
    org = core_services.create_organization(
        slug=f"bench-{suffix}", name="Bench", country="DK", currency="DKK", admin=admin, actor=admin
    )
    figures: dict[str, float] = {}
    with scope(organization=org):
        started = time.perf_counter()
        batch = imports.upload_import(org=org, actor=admin, name="register.csv", data=data)
        figures["upload"] = time.perf_counter() - started

        started = time.perf_counter()
        with transaction.atomic():  # the job is queued on commit and runs at once
            imports.start_check(org=org, batch=batch, mapping=batch.mapping, actor=admin)
        figures["dry run"] = time.perf_counter() - started
        batch.refresh_from_db()
        summary = batch.report["summary"]

        reports.clear()
        started = time.perf_counter()
        with transaction.atomic():
            imports.start_import(org=org, batch=batch, mode=mode, actor=admin)
        figures["import"] = time.perf_counter() - started
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.IMPORTED, (batch.status, batch.progress.message)
        figures["persons"] = Person.objects.filter(organization=org).count()
        figures["households"] = Household.objects.filter(organization=org).count()
        figures["progress updates"] = len(reports)
        figures["rows ok"] = summary["ok"]
        membership = Membership.objects.get(organization=org, user=admin)
        for fmt in ("csv", "xlsx"):
            started = time.perf_counter()
            export = exports.export_persons(org=org, membership=membership, actor=admin, fmt=fmt)
            figures[f"export {fmt}"] = time.perf_counter() - started
            export.file.close()
    core_tasks.report = real_report
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--mode", choices=["valid_rows", "all_or_nothing", "both"], default="both")
    args = parser.parse_args()
    data = generate(args.rows)
    data_dir = Path(tempfile.mkdtemp(prefix="kindred-bench-import-"))
    try:
        setup_django(data_dir)
        import django

        print(
            f"people import: {args.rows:,} rows, {len(data) / 1e6:.1f} MB CSV, "
            f"Python {sys.version.split()[0]}, Django {django.get_version()}, "
            f"{os.cpu_count()} CPU(s), database {_database()}"
        )
        modes = ["valid_rows", "all_or_nothing"] if args.mode == "both" else [args.mode]
        worst = 0.0
        for number, mode in enumerate(modes):
            f = run(mode, data, f"{number}{os.getpid()}")
            worst = max(worst, f["import"])
            print(
                f"  {mode:15} upload {f['upload']:5.1f} s · dry run {f['dry run']:5.1f} s "
                f"({args.rows / f['dry run']:,.0f} rows/s) · import {f['import']:5.1f} s "
                f"({args.rows / f['import']:,.0f} rows/s, {f['progress updates']:.0f} progress "
                f"updates) → {f['persons']:,.0f} persons in {f['households']:,.0f} households; "
                f"export of all persons: CSV {f['export csv']:.1f} s, XLSX {f['export xlsx']:.1f} s"
            )
        verdict = "OK" if worst < TARGET_SECONDS else "TOO SLOW"
        print(f"  slowest import {worst:.1f} s; target < {TARGET_SECONDS} s: {verdict}")
        return 0 if worst < TARGET_SECONDS else 1
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _database() -> str:
    from django.db import connection

    return connection.vendor


if __name__ == "__main__":
    sys.exit(main())
