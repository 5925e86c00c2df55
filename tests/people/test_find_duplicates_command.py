"""`kindred people find-duplicates PERSONS.csv` (format kindred-duplicates/1): real files,
the output format, and clear errors with a non-zero exit and no traceback."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kindred.people.management.commands.people import Command as PeopleCommand

HEADER = "id,given_name,family_name,birth_date,phone,email,street,postcode,city,country,national_id"
PERSONS = f"""{HEADER}
p1,Anna,Nielsen,1985-03-02,+45 12 34 56 78,anna@example.dk,Vestergade 12,7400,Herning,DK,
p2,ANNA,Nielsen,19850302,12345678,,Vesterg. 12,7400,Herning,DK,
p3,Nielsen,Anna,1985-02-03,0045 12345678,,,,,DK,
p4,Mette,Nielsen,1960-11-11,+45 12 34 56 78,anna@example.dk,Vestergade 12,7400,Herning,DK,
p5,Олена,Коваленко,1990-01-15,+380 67 123 4567,,,,,UA,
p6,Olena,Kovalenko,1990-01-15,,,,,,DK,
p7,Lars,Holm,,,,,,,DK,
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def read_pairs(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.reader(file))


def run(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real command line, as a user runs it, in a process of its own (0.7 s: kept for
    what only a process shows, the exit status and no database)."""
    return subprocess.run(
        [sys.executable, "-m", "kindred", "people", *args],
        cwd=cwd,
        env={**os.environ, "KINDRED_DATA_DIR": str(cwd / "data"), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_in_process(capsys, *args: str) -> tuple[int, str]:
    """Django's command-line runner, in this process: what a user sees on stderr and the
    exit status (an unexpected exception would escape as itself, failing the test)."""
    capsys.readouterr()
    try:
        PeopleCommand().run_from_argv(["kindred", "people", *args])
    except SystemExit as exit_:
        status = exit_.code
    else:
        status = 0
    return status, capsys.readouterr().err


def test_writes_the_pairs_sorted_by_score_with_the_smaller_id_first(tmp_path):
    persons = write(tmp_path / "persons.csv", PERSONS)
    output = tmp_path / "pairs.csv"
    call_command("people", "find-duplicates", str(persons), "-o", str(output), verbosity=0)

    rows = read_pairs(output)
    assert rows[0] == ["id_a", "id_b", "score"]
    pairs = {(a, b) for a, b, _ in rows[1:]}
    # A group of three (a typo-free copy, and one with swapped names and day/month) gives all
    # three pairs; the Cyrillic and Latin spellings of one name are found too.
    assert pairs == {("p1", "p2"), ("p1", "p3"), ("p2", "p3"), ("p5", "p6")}
    scores = [float(score) for _, _, score in rows[1:]]
    assert scores == sorted(scores, reverse=True)
    assert all(0.5 <= s <= 1 for s in scores)
    assert all(a < b for a, b, _ in rows[1:])
    # The mother, who shares address, phone and e-mail, is not a duplicate.
    assert not any("p4" in pair for pair in pairs)


def test_ids_compare_as_strings(tmp_path):
    persons = write(
        tmp_path / "persons.csv",
        "id,given_name,family_name,birth_date\n10,Anna,Holm,1985-03-02\n9,Anna,Holm,1985-03-02\n",
    )
    output = tmp_path / "pairs.csv"
    call_command("people", "find-duplicates", str(persons), "-o", str(output), verbosity=0)
    assert read_pairs(output)[1][:2] == ["10", "9"]  # "10" < "9" as strings


def test_a_higher_threshold_gives_fewer_pairs_and_the_scores_respect_it(tmp_path):
    persons = write(tmp_path / "persons.csv", PERSONS)
    low, high = tmp_path / "low.csv", tmp_path / "high.csv"
    call_command(
        "people", "find-duplicates", str(persons), "-o", str(low), "--threshold", "0.1", verbosity=0
    )
    call_command(
        "people",
        "find-duplicates",
        str(persons),
        "-o",
        str(high),
        "--threshold",
        "0.999",
        verbosity=0,
    )
    low_rows, high_rows = read_pairs(low)[1:], read_pairs(high)[1:]
    assert {tuple(r[:2]) for r in high_rows} < {tuple(r[:2]) for r in low_rows}
    assert all(float(r[2]) >= 0.999 for r in high_rows)
    assert all(float(r[2]) >= 0.1 for r in low_rows)


def test_only_id_is_required_unknown_columns_are_ignored_and_header_spelling_is_forgiven(tmp_path):
    persons = write(
        tmp_path / "persons.csv",
        "\ufeff ID ,Given_Name,family_name,Birth_date,notes\n"
        "a,Søren,Jørgensen,1970-07-07,likes tea\n"
        "b,Soeren,Joergensen,1970-07-07,\n"
        "c,Søren\n"  # a short row: the rest is empty
        "\n"  # a blank line is skipped
        # Cells beyond the header belong to no column (not, say, to the phone).
        "d,Bo,Holm,,,12345678\n"
        "e,Bo,Holm,,,12345678\n",
    )
    output = tmp_path / "pairs.csv"
    call_command("people", "find-duplicates", str(persons), "-o", str(output), verbosity=0)
    assert [r[:2] for r in read_pairs(output)[1:]] == [["a", "b"]]


def test_a_file_with_only_a_header_gives_only_a_header(tmp_path):
    persons = write(tmp_path / "persons.csv", "id,given_name\n")
    output = tmp_path / "pairs.csv"
    call_command("people", "find-duplicates", str(persons), "-o", str(output), verbosity=0)
    assert read_pairs(output) == [["id_a", "id_b", "score"]]


def test_the_command_line_writes_csv_to_stdout_and_needs_no_database(tmp_path):
    persons = write(tmp_path / "persons.csv", PERSONS)
    # A database that cannot be reached: the command must not try.
    done = run(
        "find-duplicates",
        str(persons),
        cwd=tmp_path,
        env={"DATABASE_URL": "postgres://nobody:secret@127.0.0.1:9/none"},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "id_a,id_b,score"
    assert len(lines) == 5
    assert "4 pairs" in done.stderr  # the summary goes to stderr, not into the CSV


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("given_name,family_name\nAnna,Holm\n", "has no id column"),
        ("id,given_name\na,Anna\nb,Bo\na,Anna\n", "line 4: the id 'a' is also on line 2"),
        ("id,given_name\na,Anna\n,Bo\n", "line 3: the id is empty"),
        ("", "is empty"),
        ("id,id,given_name\na,a,Anna\n", "has the column id twice"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\xff", "is not a UTF-8 CSV file"),
        ("id,given_name\na,An\x00na\n", "is not a CSV text file"),
        ('id,given_name\na,"Anna\nb,Bo\n', "is not a valid CSV file"),
        ('{"persons": [{"id": 1}]}\n', "has no id column"),
    ],
    ids=[
        "no id column",
        "duplicate ids",
        "empty id",
        "empty file",
        "id twice",
        "binary",
        "nul",
        "unclosed quote",
        "json",
    ],
)
def test_a_malformed_file_is_refused_with_a_clear_message_and_no_traceback(
    tmp_path, capsys, content, message
):
    path = tmp_path / "persons.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        write(path, content)
    output = tmp_path / "pairs.csv"

    status, stderr = run_in_process(capsys, "find-duplicates", str(path), "-o", str(output))

    assert status != 0
    assert message in stderr
    assert "Traceback" not in stderr
    assert not output.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--threshold", "abc"], "--threshold must be a number from 0 to 1"),
        (["--threshold", "1.5"], "--threshold must be a number from 0 to 1"),
        (["--threshold", "nan"], "--threshold must be a number from 0 to 1"),
        (["--country", "Denmark"], "--country must be a two-letter country code"),
    ],
)
def test_bad_options_are_refused(tmp_path, args, message):
    persons = write(tmp_path / "persons.csv", PERSONS)
    with pytest.raises(CommandError, match=message):
        call_command("people", "find-duplicates", str(persons), *args, verbosity=0)


def test_a_missing_file_and_an_unwritable_output_are_refused_without_traceback(tmp_path, capsys):
    status, stderr = run_in_process(capsys, "find-duplicates", str(tmp_path / "nope.csv"))
    assert status != 0
    assert "no such file" in stderr and "Traceback" not in stderr

    persons = write(tmp_path / "persons.csv", PERSONS)
    unwritable = str(tmp_path / "no" / "dir" / "p.csv")
    status, stderr = run_in_process(capsys, "find-duplicates", str(persons), "-o", unwritable)
    assert status != 0
    assert "Cannot write" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "no").exists()


def test_a_bad_threshold_on_the_command_line_exits_non_zero_without_traceback(tmp_path):
    persons = write(tmp_path / "persons.csv", PERSONS)
    done = run("find-duplicates", str(persons), "--threshold", "high", cwd=tmp_path)
    assert done.returncode != 0
    assert "--threshold must be a number from 0 to 1" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
