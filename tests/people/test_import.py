"""Importing persons and households from spreadsheets: real .csv and .xlsx files written to
tmp_path, uploaded through the pages, checked and imported by the real jobs (run when the
request's transaction commits, with the ImmediateBackend)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from kindred.core import tasks as core_tasks
from kindred.core.models import AuditEntry, TaskProgress
from kindred.core.roles import Role
from kindred.people import identity, imports, services
from kindred.people.imports import checking
from kindred.people.imports import reading as reading_module
from kindred.people.imports import services as import_services
from kindred.people.keys import context, keys
from kindred.people.models import Household, HouseholdMember, ImportBatch, Person, PersonKey
from tests.conftest import make_member, snapshot

HTMX = {"HTTP_HX_REQUEST": "true"}
CPR = "211062-5629"
OTHER_CPR = "150585-2231"
DANISH = ["Fornavn", "Efternavn", "Fødselsdato", "Telefon", "CPR-nummer", "Husstand", "Relation"]


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()


def records(org) -> dict:
    """What an import must leave alone when it imports nothing: everything the organisation
    owns but the import's record of itself (its batch, its job's progress) and the audit
    log, which a dry run or a refused run do write (asserted on their own)."""
    own = {"audit", ImportBatch._meta.label, TaskProgress._meta.label}
    return {table: rows for table, rows in snapshot(org).items() if table not in own}


def url(name: str, org, *args) -> str:
    return reverse(f"people:{name}", args=[org.slug, *args])


def write_csv(path, rows, *, delimiter=",", encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as out:
        csv.writer(out, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path, rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def upload(client, org, path):
    with path.open("rb") as file:
        return client.post(url("import", org), {"file": file})


def latest_batch() -> ImportBatch:
    with scopes_disabled():
        return (
            ImportBatch.objects.select_related("organization", "progress").order_by("-pk").first()
        )


def check(client, org, batch, capture, mapping=None):
    mapping = batch.mapping if mapping is None else mapping
    data = {f"column_{i}": key for i, key in enumerate(mapping)}
    with capture(execute=True):
        response = client.post(url("import-mapping", org, batch.pk), data)
    batch.refresh_from_db()
    return response


def run(client, org, batch, capture, mode="valid_rows"):
    with capture(execute=True):
        response = client.post(url("import-run", org, batch.pk), {"mode": mode})
    batch.refresh_from_db()
    return response


def uploaded(client, org, path) -> ImportBatch:
    response = upload(client, org, path)
    assert response.status_code == 302, response.content.decode()[-2000:]
    return latest_batch()


def checked(client, org, path, capture) -> ImportBatch:
    batch = uploaded(client, org, path)
    assert check(client, org, batch, capture).status_code == 302
    assert batch.status == ImportBatch.Status.CHECKED
    return batch


def persons(org):
    with scopes_disabled():
        return Person.objects.filter(organization=org).order_by("pk")


def audit_actions(org, after: int = 0) -> list[str]:
    with scopes_disabled():
        return list(
            AuditEntry.objects.filter(organization=org, pk__gt=after)
            .order_by("pk")
            .values_list("action", flat=True)
        )


def last_audit_id(org) -> int:
    with scopes_disabled():
        return AuditEntry.objects.filter(organization=org).order_by("-pk").first().pk


def items(batch) -> list[tuple[int, str, str, str]]:
    return [
        (i["row"], i["column"], i["header"], i["message"])
        for i in imports.report_items(batch.report, "problems")
    ]


def stored_files() -> list:
    from django.conf import settings

    root = settings.DATA_DIR / "imports"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# Column mapping ------------------------------------------------------------------------------


def test_headers_are_guessed_in_danish_and_bulgarian():
    danish = ["Fornavn", "Efternavn", "Fødselsdato", "Køn", "Tlf.", "E-mail", "Adresse"]
    danish += ["Postnr.", "By", "Sprog", "CPR-nummer", "Husstand", "Relation", "Bemærkninger"]
    bulgarian = ["Име", "Фамилия", "Дата на раждане", "Пол", "Телефон", "Имейл", "Адрес"]
    bulgarian += ["Пощенски код", "Град", "Езици", "ЕГН", "Домакинство", "Роля", "Бележки"]
    expected = ["given_name", "family_name", "birth_date", "gender", "phone", "email", "street"]
    expected += ["postcode", "city", "languages", "national_id", "household", "relation", "notes"]

    assert imports.guess_mapping(danish) == expected
    assert imports.guess_mapping(bulgarian) == expected
    assert imports.guess_mapping(["Förnamn", "Etunimi", "Ім'я", "Прізвище", "Henkilötunnus"]) == [
        "given_name",
        "",  # a second given-name column is not used twice
        "",
        "family_name",
        "national_id",
    ]
    assert imports.guess_mapping(["Favourite colour", ""]) == ["", ""]


def test_the_mapping_page_preselects_the_guesses_and_shows_examples(
    org, coordinator, client_for, tmp_path
):
    path = write_csv(tmp_path / "liste.csv", [DANISH, ["Mette", "Jensen", "", "", "", "", ""]])
    client = client_for(coordinator)

    response = upload(client, org, path)

    batch = latest_batch()
    assert response.url == url("import-mapping", org, batch.pk)
    page = client.get(response.url).content.decode()
    assert '<option value="given_name" selected>' in page
    assert "A</strong> · Fornavn" in page
    assert "Mette" in page
    assert batch.row_count == 1
    assert batch.file_name == "liste.csv"
    assert len(stored_files()) == 1  # kept for the check and the import


def test_a_mapping_with_a_field_twice_or_without_given_name_is_refused(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "a.csv", [["First", "Second"], ["Anna", "Bo"]])
    client = client_for(coordinator)
    batch = uploaded(client, org, path)
    before = snapshot(org)

    twice = check(client, org, batch, django_capture_on_commit_callbacks, ["given_name"] * 2)
    without = check(client, org, batch, django_capture_on_commit_callbacks, ["", "notes"])

    assert twice.status_code == 422
    assert "is already chosen for column First" in twice.content.decode()
    assert without.status_code == 422
    assert "Choose the column that holds the given name" in without.content.decode()
    assert batch.status == ImportBatch.Status.UPLOADED
    assert snapshot(org) == before


# The dry run ---------------------------------------------------------------------------------


def test_the_dry_run_lists_each_problem_by_row_and_column_in_the_members_language(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    coordinator.language = "da"
    coordinator.save(update_fields=["language"])
    path = write_csv(
        tmp_path / "liste.csv",
        [
            DANISH,
            ["Mette", "Jensen", "01.02.1980", "21 43 65 87", "", "", ""],
            ["", "Hansen", "32.13.1980", "12", "", "", ""],  # row 3: three problems
            ["Bo", "Berg", "", "", "311399-1234", "", ""],  # row 4: no 31st of the 13th
            ["Ida", "Berg", "", "", "", "Berg", "Bedstemor"],  # row 5: unknown relation
        ],
    )
    client = client_for(coordinator)
    before = records(org)

    batch = checked(client, org, path, django_capture_on_commit_callbacks)

    with translation.override("da"):
        expected = [
            (3, "A", "Fornavn", _("This field cannot be blank.")),
            (3, "C", "Fødselsdato", _("Enter a valid date.")),
            (3, "D", "Telefon", _("This phone number has too few or too many digits.")),
            (4, "E", "CPR-nummer", services.identity_message("date")),
            (5, "G", "Relation", _("Choose a valid relation.")),
        ]
    assert items(batch) == expected
    assert expected[0][3] == "Dette felt kan ikke være tomt."  # really Danish
    assert batch.report["summary"] == {
        "rows": 4,
        "ok": 1,
        "with_problems": 3,
        "problems": 5,
        "warnings": 0,
        "households": 0,
    }
    page = client.get(url("import-batch", org, batch.pk)).content.decode()
    assert "CPR-nummeret indeholder ikke en gyldig fødselsdato." in page
    assert 'class="num">4</td>' in page
    # Nothing but the upload and the check is recorded.
    assert records(org) == before
    assert audit_actions(org)[-2:] == ["people.import_uploaded", "people.import_checked"]


def test_identity_numbers_already_registered_or_twice_in_the_file_are_problems(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    with scope(organization=org):
        services.create_person(
            org=org, values={"given_name": "Old"}, actor=coordinator, national_id=("DK", CPR)
        )
    path = write_csv(
        tmp_path / "ids.csv",
        [
            ["Given name", "Identity number"],
            ["Anna", CPR.replace("-", "")],  # registered, written without the dash
            ["Bo", OTHER_CPR],
            ["Carl", OTHER_CPR],
        ],
    )

    batch = checked(client_for(coordinator), org, path, django_capture_on_commit_callbacks)

    assert items(batch) == [
        (2, "B", "Identity number", "A person with this identity number is already registered."),
        (4, "B", "Identity number", "The same identity number is in row 3."),
    ]


def test_a_relation_without_household_and_a_second_head_are_warnings(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    path = write_csv(
        tmp_path / "w.csv",
        [
            ["Given name", "Household", "Relation"],
            ["Anna", "", "Child"],
            ["Bo", "Berg", "head"],
            ["Carl", "Berg", "Head of household"],
        ],
    )

    batch = checked(client_for(coordinator), org, path, django_capture_on_commit_callbacks)

    warnings = imports.report_items(batch.report, "warnings")
    assert [(w["row"], w["column"], w["message"]) for w in warnings] == [
        (2, "C", "No household is given on this row, so the relation is not used."),
        (4, "C", "Row 3 is already the head of this household."),
    ]
    assert batch.report["summary"]["with_problems"] == 0


# Importing -----------------------------------------------------------------------------------

MIXED = [
    ["Given name", "Family name", "Birth date", "Phone", "Identity number"],
    ["Anna", "Holm", "1980-01-02", "21 43 65 87", "010190-1234"],
    ["Bo", "Holm", "1981-03-04", "not a phone", ""],  # row 3: bad
    ["Carl", "Holm", "02.03.2001", "", ""],
]


def test_all_or_nothing_imports_nothing_when_one_row_is_bad(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    batch = checked(
        client, org, write_csv(tmp_path / "m.csv", MIXED), django_capture_on_commit_callbacks
    )
    before, last = records(org), last_audit_id(org)

    response = run(client, org, batch, django_capture_on_commit_callbacks, "all_or_nothing")

    assert response.status_code == 302
    assert batch.status == ImportBatch.Status.REFUSED
    assert records(org) == before  # no person, household or member
    assert audit_actions(org, after=last) == ["people.import_started", "people.import_refused"]
    assert items(batch) == [(3, "D", "Phone", "Enter a phone number, e.g. +45 12 34 56 78.")]
    page = client.get(url("import-batch", org, batch.pk)).content.decode()
    assert "Nothing was imported: 1 row has problems and you chose all or nothing." in page
    assert "Import the 2 valid rows" in page  # the other mode is still offered
    assert len(stored_files()) == 1  # kept for that


def test_all_or_nothing_imports_every_row_of_a_good_file_with_an_audit_entry_each(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    rows = [MIXED[0], MIXED[1], MIXED[3]]
    client = client_for(coordinator)
    batch = checked(
        client, org, write_csv(tmp_path / "g.csv", rows), django_capture_on_commit_callbacks
    )
    last = last_audit_id(org)

    run(client, org, batch, django_capture_on_commit_callbacks, "all_or_nothing")

    assert batch.status == ImportBatch.Status.IMPORTED
    assert batch.result == {"persons": 2, "households": 0, "skipped": 0}
    assert [(p.given_name, p.birth_date, p.phone) for p in persons(org)] == [
        ("Anna", date(1980, 1, 2), "+4521436587"),
        ("Carl", date(2001, 3, 2), ""),
    ]
    anna = persons(org).first()
    assert anna.has_national_id and anna.created_by == coordinator
    assert audit_actions(org, after=last) == [
        "people.import_started",
        "person.created",
        "person.created",
        "people.imported",
    ]
    with scopes_disabled():
        summary = AuditEntry.objects.get(organization=org, action="people.imported")
    assert summary.changes["persons"] == [None, 2]
    assert summary.changes["mode"] == [None, "all_or_nothing"]
    assert stored_files() == []  # deleted once imported


def test_valid_rows_mode_imports_the_good_rows_and_lists_the_rest(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    batch = checked(
        client, org, write_csv(tmp_path / "m.csv", MIXED), django_capture_on_commit_callbacks
    )

    response = run(client, org, batch, django_capture_on_commit_callbacks, "valid_rows")

    assert response.url == url("import-batch", org, batch.pk)
    assert batch.status == ImportBatch.Status.IMPORTED
    assert [p.given_name for p in persons(org)] == ["Anna", "Carl"]
    assert batch.result == {"persons": 2, "households": 0, "skipped": 1}
    page = client.get(url("import-batch", org, batch.pk)).content.decode()
    assert "2 persons imported." in page
    assert "1 row was left out because of the problems below." in page
    assert "Enter a phone number, e.g. +45 12 34 56 78." in page  # row 3, left out
    assert batch.progress.status == TaskProgress.Status.DONE


def test_an_identity_number_registered_after_the_dry_run_is_refused_at_import(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    rows = [["Given name", "Identity number"], ["Anna", CPR], ["Bo", ""]]
    client = client_for(coordinator)
    batch = checked(
        client, org, write_csv(tmp_path / "i.csv", rows), django_capture_on_commit_callbacks
    )
    assert items(batch) == []
    with scope(organization=org):  # meanwhile, at the intake table
        services.create_person(
            org=org, values={"given_name": "Anna"}, actor=coordinator, national_id=("DK", CPR)
        )

    run(client, org, batch, django_capture_on_commit_callbacks, "all_or_nothing")
    refused = items(batch)
    run(client, org, batch, django_capture_on_commit_callbacks, "valid_rows")

    message = "A person with this identity number is already registered."
    assert refused == [(2, "B", "Identity number", message)]
    assert [p.given_name for p in persons(org)] == ["Anna", "Bo"]  # the first one, and Bo
    assert batch.result == {"persons": 1, "households": 0, "skipped": 1}


def test_rows_sharing_a_household_become_one_household_with_the_first_adult_as_head(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    rows = [
        ["Fornavn", "Efternavn", "Fødselsdato", "Adresse", "By", "Husstand"],
        ["Lea", "Nielsen", "2015-04-01", "", "", "Nielsen"],  # a child comes first
        ["Mads", "Nielsen", "1982-05-06", "Vestergade 3", "Aarhus", "Nielsen"],
        ["Anne", "Nielsen", "1984-07-08", "", "", "nielsen "],  # same household, other case
        ["Karl", "Berg", "", "", "Herning", "Berg"],
        ["Solo", "Person", "", "", "", ""],
    ]
    client = client_for(coordinator)
    batch = checked(
        client, org, write_csv(tmp_path / "h.csv", rows), django_capture_on_commit_callbacks
    )
    assert batch.report["summary"]["households"] == 2

    run(client, org, batch, django_capture_on_commit_callbacks)

    with scopes_disabled():
        households = {
            h.label: (h.street, h.city, {m.person.given_name: m.relation for m in h.members.all()})
            for h in Household.objects.filter(organization=org).prefetch_related("members__person")
        }
    assert households == {
        "Nielsen": (
            "Vestergade 3",
            "Aarhus",
            {"Mads": "head", "Lea": "child", "Anne": "other_adult"},
        ),
        "Berg": ("", "Herning", {"Karl": "head"}),
    }
    assert batch.result == {"persons": 5, "households": 2, "skipped": 0}


def test_a_household_reference_groups_rows_and_written_relations_are_kept(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    rows = [
        ["Navn", "Efternavn", "Husstandsnummer", "Husstand", "Relation"],
        ["Ole", "Dam", "17", "", "Barn"],
        ["Eva", "Dam", "17", "Familien Dam", "Partner"],
        ["Per", "Dam", "18", "", ""],
    ]
    client = client_for(coordinator)
    batch = uploaded(client, org, write_csv(tmp_path / "r.csv", rows))
    assert batch.mapping == ["", "family_name", "household_ref", "household", "relation"]
    check(
        client,
        org,
        batch,
        django_capture_on_commit_callbacks,
        ["given_name", "family_name", "household_ref", "household", "relation"],
    )

    run(client, org, batch, django_capture_on_commit_callbacks)

    with scopes_disabled():
        members = sorted(
            HouseholdMember.objects.filter(organization=org).values_list(
                "household__label", "person__given_name", "relation"
            )
        )
    assert members == [
        ("Dam", "Per", "head"),  # no label: the head's family name
        ("Familien Dam", "Eva", "partner"),
        ("Familien Dam", "Ole", "child"),
    ]


def test_an_xlsx_workbook_with_date_and_number_cells_is_imported(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    path = write_xlsx(
        tmp_path / "register.xlsx",
        [
            ["Fornavn", "Efternavn", "Fødselsdato", "Telefon", "CPR-nummer", "Postnr", "Køn"],
            ["Søren", "Ødegård", datetime(1990, 1, 1), 21436587, 101901234, 800, "M"],
            [None, None, None, None, None, None, None],  # an empty row is skipped
            ["Олена", "Шевченко", date(1985, 5, 15), "+380 44 123 4567", None, 8000, "Ж"],
        ],
    )
    client = client_for(coordinator)
    batch = checked(client, org, path, django_capture_on_commit_callbacks)
    assert batch.file_format == "xlsx"
    assert items(batch) == []

    run(client, org, batch, django_capture_on_commit_callbacks)

    soren, olena = persons(org)
    assert (soren.given_name, soren.family_name, soren.birth_date) == (
        "Søren",
        "Ødegård",
        date(1990, 1, 1),
    )
    assert soren.phone == "+4521436587"
    assert soren.postcode == "0800"  # the leading zero Excel dropped, restored
    assert soren.has_national_id  # 101901234: the number cell lost its leading zero
    assert soren.gender == "male"
    assert (olena.given_name, olena.gender, olena.phone) == ("Олена", "female", "+380441234567")
    with scope(organization=org):
        from kindred.people.queries import find_by_national_id

        assert find_by_national_id(org, "DK", "0101901234") == soren


@pytest.mark.parametrize(
    ("delimiter", "encoding", "names"),
    [
        (";", "utf-8-sig", ["Søren", "Ærø"]),
        ("\t", "utf-8", ["Åsa", "Öberg"]),
        (",", "cp1252", ["Jørgen", "Hämäläinen"]),
        (";", "cp1252", ["Blåbær", "Grød"]),
        (";", "cp1251", ["Иван", "Петров"]),
    ],
    ids=["semicolon-bom", "tab-utf8", "comma-cp1252", "semicolon-cp1252", "semicolon-cp1251"],
)
def test_csv_files_in_common_delimiters_and_encodings_are_read_right(
    delimiter,
    encoding,
    names,
    org,
    coordinator,
    client_for,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    rows = [["Fornavn", "Efternavn", "Noter"], [*names, "a, b; c"]]
    path = write_csv(tmp_path / "f.csv", rows, delimiter=delimiter, encoding=encoding)
    client = client_for(coordinator)
    batch = checked(client, org, path, django_capture_on_commit_callbacks)
    assert batch.delimiter == delimiter

    run(client, org, batch, django_capture_on_commit_callbacks)

    (person,) = persons(org)
    assert [person.given_name, person.family_name, person.notes] == [*names, "a, b; c"]


# Jobs and progress ---------------------------------------------------------------------------


def test_both_jobs_record_their_progress(
    org, coordinator, client_for, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    rows = [["Given name", "Household"]] + [[f"Person {n}", f"H{n // 3}"] for n in range(10)]
    reports = []
    real_report = core_tasks.report

    def recording(progress_id, **kwargs):
        reports.append((kwargs["percent"], kwargs.get("status", "running")))
        real_report(progress_id, **kwargs)

    monkeypatch.setattr(checking, "REPORT_EVERY", 4)
    monkeypatch.setattr("kindred.people.imports.saving.BATCH_ROWS", 4)
    monkeypatch.setattr(core_tasks, "report", recording)
    client = client_for(coordinator)

    batch = checked(
        client, org, write_csv(tmp_path / "p.csv", rows), django_capture_on_commit_callbacks
    )
    check_reports = list(reports)
    reports.clear()
    run(client, org, batch, django_capture_on_commit_callbacks)

    # 10 rows, a report every 4 rows checked: 4/10, 8/10, then done.
    assert check_reports == [(39, "running"), (79, "running"), (100, "done")]
    # Checking 0-25 %, then saving (households of 3 in batches of up to 4 rows) 25-99 %.
    saving = [(10, "running"), (20, "running"), (47, "running"), (69, "running")]
    assert reports == [*saving, (100, "done")]
    assert batch.progress.message == "10 persons imported. 4 households created."


def test_the_page_polls_progress_while_a_job_runs_and_reloads_when_it_is_done(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    batch = uploaded(client, org, write_csv(tmp_path / "a.csv", [["Given name"], ["Anna"]]))
    with django_capture_on_commit_callbacks(execute=False):  # queued, not run yet
        client.post(url("import-mapping", org, batch.pk), {"column_0": "given_name"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKING

    page = client.get(url("import-batch", org, batch.pk)).content.decode()
    poll = client.get(url("import-batch", org, batch.pk), **HTMX)
    core_tasks.report(batch.progress_id, percent=100, status=TaskProgress.Status.DONE)
    with scopes_disabled():
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.CHECKED)
    done = client.get(url("import-batch", org, batch.pk), **HTMX)

    assert 'hx-trigger="every 1s"' in page and "<progress" in page
    assert poll.status_code == 200 and "Spreadsheet check" in poll.content.decode()
    assert done.headers["HX-Refresh"] == "true"


def test_a_second_click_on_import_is_refused_while_the_first_runs(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    batch = checked(
        client,
        org,
        write_csv(tmp_path / "a.csv", [["Given name"], ["Anna"]]),
        django_capture_on_commit_callbacks,
    )
    with django_capture_on_commit_callbacks(execute=False):
        first = client.post(url("import-run", org, batch.pk), {"mode": "valid_rows"})
    before = snapshot(org)

    second = client.post(url("import-run", org, batch.pk), {"mode": "valid_rows"})

    assert first.status_code == 302
    assert second.status_code == 409
    assert "This import is already running." in second.content.decode()
    assert snapshot(org) == before


def test_a_job_that_fails_marks_the_import_failed_so_it_can_be_discarded(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    batch = uploaded(client, org, write_csv(tmp_path / "a.csv", [["Given name"], ["Anna"]]))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(url("import-mapping", org, batch.pk), {"column_0": "given_name"})
    for path in stored_files():  # the kept file disappears before the job runs
        path.unlink()

    for job in queued:
        job()

    batch.refresh_from_db()

    assert batch.status == ImportBatch.Status.FAILED
    assert "Upload it again" in batch.progress.message
    assert client.post(url("import-discard", org, batch.pk)).status_code == 302


def test_a_check_whose_worker_died_is_failed_by_the_next_worker_and_can_be_discarded(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    """The worker running a spreadsheet's check is killed: the worker schedule's lease
    check (core.tasks.fail_stalled) fails the job and, through "core.job_stalled", the
    batch too, which would otherwise stay "checking" for good and could not be discarded."""
    client = client_for(coordinator)
    batch = uploaded(client, org, write_csv(tmp_path / "a.csv", [["Given name"], ["Anna"]]))
    with django_capture_on_commit_callbacks(execute=False):  # queued, never run
        client.post(url("import-mapping", org, batch.pk), {"column_0": "given_name"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKING
    started = timezone.now()
    core_tasks.begin(batch.progress_id, task_id="job-of-a-dead-worker")
    assert client.post(url("import-discard", org, batch.pk)).status_code == 409  # running

    assert core_tasks.fail_stalled(now=started + core_tasks.LEASE - timedelta(seconds=5)) == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKING  # within the lease: maybe alive

    assert core_tasks.fail_stalled(now=started + core_tasks.LEASE + timedelta(seconds=5)) == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "stopped before it finished" in batch.progress.message
    assert client.post(url("import-discard", org, batch.pk)).status_code == 302


# Files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0rest", "Save the spreadsheet as .xlsx or .csv"),
        ("fake.xlsx", b"Given name\nAnna\n", "This file is not a readable .xlsx workbook."),
        ("broken.xlsx", b"PK\x03\x04garbage", "This file is not a readable .xlsx workbook."),
        ("photo.jpg", b"\xff\xd8\xff", "Upload a .csv or .xlsx file."),
        ("empty.csv", b"", "The submitted file is empty."),
        ("blank.csv", b"\n  \n \n", "The file is empty."),
        ("header.csv", b"Given name;Family name\n", "no rows to import"),
        ("binary.csv", b"Given name\nAn\x00na\n", "This is not a CSV text file."),
    ],
)
def test_an_unreadable_file_is_refused_with_a_clear_message_and_not_kept(
    name, content, message, org, coordinator, client_for, tmp_path
):
    path = tmp_path / name
    path.write_bytes(content)
    before = snapshot(org)

    response = upload(client_for(coordinator), org, path)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(org) == before
    assert latest_batch() is None
    assert stored_files() == []


def test_files_over_the_size_or_row_limit_are_refused(
    org, coordinator, client_for, tmp_path, monkeypatch
):
    monkeypatch.setattr(import_services, "MAX_BYTES", 100)
    monkeypatch.setattr(reading_module, "MAX_ROWS", 3)
    client = client_for(coordinator)
    big = write_csv(tmp_path / "big.csv", [["Notes"], ["x" * 200]])
    long = write_csv(tmp_path / "long.csv", [["Name"]] + [[f"P{n}"] for n in range(4)])

    too_big = upload(client, org, big)
    too_long = upload(client, org, long)

    assert too_big.status_code == too_long.status_code == 400
    assert "The file is larger than" in too_big.content.decode()
    assert (
        "The file has more than 3 rows. Split it into smaller files." in too_long.content.decode()
    )
    assert latest_batch() is None


def test_the_kept_file_is_deleted_after_a_day_and_the_import_then_asks_for_it_again(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    batch = checked(
        client,
        org,
        write_csv(tmp_path / "a.csv", [["Given name"], ["Anna"]]),
        django_capture_on_commit_callbacks,
    )
    assert len(stored_files()) == 1

    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        assert imports.purge_expired() == 1
    response = run(client, org, batch, django_capture_on_commit_callbacks)

    assert stored_files() == []
    assert response.status_code == 409
    assert "The uploaded file is no longer kept" in response.content.decode()
    assert persons(org).count() == 0


def test_discarding_deletes_the_file(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    batch = uploaded(client, org, write_csv(tmp_path / "a.csv", [["Given name"], ["Anna"]]))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("import-discard", org, batch.pk))

    batch.refresh_from_db()
    assert response.url == url("import", org)
    assert batch.status == ImportBatch.Status.DISCARDED
    assert stored_files() == []
    assert audit_actions(org)[-1] == "people.import_discarded"


def test_the_template_has_the_columns_in_the_members_language(org, coordinator, client_for):
    coordinator.language = "da"
    coordinator.save(update_fields=["language"])
    client = client_for(coordinator)

    xlsx = client.get(url("import-template", org), {"format": "xlsx"})
    csv_file = client.get(url("import-template", org), {"format": "csv"})
    bad = client.get(url("import-template", org), {"format": "pdf"})

    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    headers = [c.value for c in next(workbook.worksheets[0].iter_rows(max_row=1))]
    assert headers[:3] == ["Fornavn", "Efternavn", "Foretrukket navn"]
    assert len(workbook.worksheets) == 2  # and the instructions
    body = b"".join(csv_file.streaming_content)
    assert body.startswith(b"\xef\xbb\xbfFornavn,Efternavn")
    assert imports.guess_mapping(headers) == list(imports.FIELDS)  # reads back
    assert bad.status_code == 400


# Same rules, same records --------------------------------------------------------------------


def test_an_imported_person_is_stored_like_a_registered_one(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks
):
    values = {
        "given_name": "Mette",
        "family_name": "Holm",
        "birth_date": date(1990, 1, 1),
        "gender": "female",
        "phone": "21 43 65 87",
        "email": "Mette@Example.org",
        "street": "Vestergade 3",
        "postcode": "8000",
        "city": "Aarhus",
        "country": "DK",
        "languages": ["da", "uk"],
        "notes": "Allergi",
    }
    with scope(organization=org):
        registered = services.create_person(
            org=org, values=values, actor=coordinator, national_id=("DK", "0101901234")
        )
    with scopes_disabled():
        registered_keys = set(
            PersonKey.objects.filter(person=registered).values_list("key", flat=True)
        )
        registered_entry = AuditEntry.objects.get(
            action="person.created", object_id=str(registered.pk)
        )
        Person.objects.filter(pk=registered.pk).delete()  # a number is registered once
    row = ["Mette", "Holm", "01.01.1990", "Kvinde", "21 43 65 87", "Mette@Example.org"]
    row += [
        "Vestergade 3",
        "8000",
        "Aarhus",
        "Danmark",
        "dansk, Ukrainian",
        "Allergi",
        "010190-1234",
    ]
    headers = ["Fornavn", "Efternavn", "Fødselsdato", "Køn", "Telefon", "E-mail", "Adresse"]
    headers += ["Postnr", "By", "Land", "Sprog", "Noter", "CPR-nummer"]
    client = client_for(coordinator)
    batch = checked(
        client,
        org,
        write_csv(tmp_path / "one.csv", [headers, row]),
        django_capture_on_commit_callbacks,
    )

    run(client, org, batch, django_capture_on_commit_callbacks)

    (imported,) = persons(org)
    ignore = {"id", "national_id_ciphertext", "created_at", "updated_at"}
    with scopes_disabled():
        stored = Person.objects.filter(pk=imported.pk).values().get()
        imported_keys = set(PersonKey.objects.filter(person=imported).values_list("key", flat=True))
        imported_entry = AuditEntry.objects.get(action="person.created", object_id=str(imported.pk))
    expected = {f.attname: getattr(registered, f.attname) for f in Person._meta.fields}
    assert {k: v for k, v in stored.items() if k not in ignore} == {
        k: v for k, v in expected.items() if k not in ignore
    }
    number = identity.decrypt(keys(), imported.national_id_ciphertext, context=context(org))
    assert number == "0101901234"
    assert imported_keys == registered_keys
    assert imported_entry.changes == registered_entry.changes
    assert imported_entry.actor == registered_entry.actor


def test_an_exported_list_imports_back_with_its_households(
    org, coordinator, client_for, tmp_path, django_capture_on_commit_callbacks, other_org, outsider
):
    with scope(organization=org):
        home = services.create_household(org=org, values={"label": "Holm"}, actor=coordinator)
        for given, relation in (("Anna", "head"), ("=Bo", "child")):
            services.register_person(
                org=org,
                values={"given_name": given, "family_name": "Holm", "phone": "21436587"},
                actor=coordinator,
                household=home,
                relation=relation,
            )
    client = client_for(coordinator)
    exported = client.get(url("persons-export", org), {"format": "csv"})
    path = tmp_path / "export.csv"
    path.write_bytes(b"".join(exported.streaming_content))
    outsider.language = "da"  # another organisation, reading the file in Danish
    outsider.save(update_fields=["language"])
    other = client_for(outsider)

    batch = checked(other, other_org, path, django_capture_on_commit_callbacks)
    run(other, other_org, batch, django_capture_on_commit_callbacks)

    assert items(batch) == []
    assert "" in batch.mapping  # "Identity number recorded" and "Created" are left out
    with scopes_disabled():
        members = sorted(
            HouseholdMember.objects.filter(organization=other_org).values_list(
                "household__label", "person__given_name", "person__phone", "relation"
            )
        )
    assert members == [
        ("Holm", "=Bo", "+4521436587", "child"),  # the formula guard comes off again
        ("Holm", "Anna", "+4521436587", "head"),
    ]


# Who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.FUNDRAISER, Role.REFERRER])
def test_members_who_may_not_import_get_403_and_change_nothing(
    role, org, admin, client_for, tmp_path, django_capture_on_commit_callbacks
):
    batch = checked(
        client_for(admin),
        org,
        write_csv(tmp_path / "a.csv", [["Given name"], ["Anna"]]),
        django_capture_on_commit_callbacks,
    )
    client = client_for(make_member(org, role))
    before = snapshot(org)
    path = write_csv(tmp_path / "b.csv", [["Given name"], ["Bo"]])

    answers = [
        client.get(url("import", org)).status_code,
        upload(client, org, path).status_code,
        client.get(url("import-template", org)).status_code,
        client.get(url("import-batch", org, batch.pk)).status_code,
        client.post(url("import-mapping", org, batch.pk), {"column_0": "given_name"}).status_code,
        client.post(url("import-run", org, batch.pk), {"mode": "valid_rows"}).status_code,
        client.post(url("import-discard", org, batch.pk)).status_code,
    ]

    assert answers == [403] * 7
    assert snapshot(org) == before
    assert latest_batch() == batch  # no new upload either


def test_outsiders_and_other_members_do_not_see_an_import(
    org,
    other_org,
    admin,
    coordinator,
    outsider,
    client_for,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    batch = checked(
        client_for(admin),
        org,
        write_csv(tmp_path / "a.csv", [["Given name"], ["Anna"]]),
        django_capture_on_commit_callbacks,
    )
    before = snapshot(org)
    colleague = client_for(coordinator)  # same organisation, not the uploader
    stranger = client_for(outsider)

    answers = [
        colleague.get(url("import-batch", org, batch.pk)).status_code,
        colleague.post(url("import-run", org, batch.pk), {"mode": "valid_rows"}).status_code,
        stranger.get(url("import-batch", org, batch.pk)).status_code,
        stranger.get(url("import", org)).status_code,
        stranger.post(url("import-run", org, batch.pk), {"mode": "valid_rows"}).status_code,
        # Through the outsider's own organisation, the batch id finds nothing either.
        stranger.get(url("import-batch", other_org, batch.pk)).status_code,
        stranger.post(url("import-discard", other_org, batch.pk)).status_code,
    ]

    assert answers == [404] * 7
    assert snapshot(org) == before
    assert "a.csv" not in colleague.get(url("import", org)).content.decode()
