"""`kindred linkage` as two organisations run it: a secret, two encoded files that hold no
name, address, phone, e-mail, birth date or identity number (not even as an unkeyed hash),
matching that finds the same families, and one clear line for every bad file."""

from __future__ import annotations

import base64
import csv
import hashlib
import os
import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from kindred.linkage import normalise as norm
from kindred.linkage.cli import main

HEADER = "id,given_name,family_name,birth_date,phone,email,street,postcode,city,country,national_id"
PERSONS = f"""{HEADER}
p1,Anna,Nielsen,1985-03-02,+45 12 34 56 78,anna@example.dk,Vestergade 12,7400,Herning,DK,0203851234
p2,Mette,Østergård,1960-11-11,+45 87 65 43 21,mette.o@example.dk,Søndergade 3,7400,Herning,DK,
p3,Олена,Коваленко,1990-01-15,+380 67 123 4567,olena@example.ua,вулиця Шевченка 5,8000,Aarhus,DK,
"""

GIVEN = [
    "Anna",
    "Mette",
    "Lars",
    "Jens",
    "Sofie",
    "Emma",
    "Peter",
    "Henrik",
    "Karen",
    "Ida",
    "Olena",
    "Taras",
    "Ivan",
    "Oksana",
    "Mikkel",
    "Freja",
    "Kasper",
    "Bodil",
    "Torben",
    "Signe",
    "Rasmus",
    "Lærke",
    "Malthe",
    "Astrid",
    "Poul",
    "Vibeke",
    "Bent",
    "Nanna",
    "Yurii",
    "Iryna",
    "Dmytro",
    "Nataliia",
    "Bohdan",
    "Halyna",
    "Petro",
    "Sofiia",
    "Maksym",
    "Viktoriia",
    "Andrii",
    "Liudmyla",
]
FAMILY = [
    "Nielsen",
    "Jensen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Larsen",
    "Kovalenko",
    "Shevchenko",
    "Holm",
    "Berg",
    "Christensen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Bondarenko",
    "Tkachenko",
    "Kravchenko",
    "Oliinyk",
    "Melnyk",
    "Boyko",
    "Lysenko",
]
STREETS = [
    "Vestergade",
    "Søndergade",
    "Nørregade",
    "Algade",
    "Storegade",
    "Bredgade",
    "Kirkevej",
    "Skolevej",
    "Østergade",
    "Bygaden",
    "Havnevej",
    "Skovvej",
    "Møllevej",
    "Engvej",
    "Parkvej",
    "Strandvejen",
]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real command line in a process of its own: exit status, stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "kindred", "linkage", *args],
        cwd=cwd,
        env={**os.environ, "KINDRED_LANGUAGE": "en"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def call(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    status = main(list(args))
    return status, capsys.readouterr().err


def secret(tmp_path: Path, name: str = "secret") -> Path:
    path = tmp_path / name
    assert main(["new-secret", "-o", str(path)]) == 0
    return path


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def person(rng: random.Random, index: int, prefix: str, names) -> dict[str, str]:
    given, family = next(names)
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(30_000))
    return {
        "id": f"{prefix}{index}",
        "given_name": given,
        "family_name": family,
        "birth_date": born.isoformat(),
        "phone": f"+45 {rng.randrange(20_000_000, 99_999_999)}",
        "email": f"{family.lower()}{prefix}{index}@example.dk",
        "street": f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
        "postcode": str(rng.choice((7400, 8000, 8200, 5000, 6000, 9000, 2100, 4000))),
        "city": "Herning",
        "country": "DK",
        "national_id": "",
    }


def two_organisations(count: int, seed: int = 3):
    """A's and B's rows and the true links: B holds a third of A's persons (written its own
    way: a typing error, swapped names, a move, another phone format, no e-mail), a third of
    B are other members of A's families (same address and phone), a third strangers."""
    rng = random.Random(seed)
    combinations = [(given, family) for given in GIVEN for family in FAMILY]
    rng.shuffle(combinations)  # two strangers never share both names here
    names = iter(combinations)
    rows_a, rows_b, links = [], [], set()
    for index in range(count):
        row = person(rng, index, "a", names)
        rows_a.append(row)
        if index % 3 == 1:  # a relative: same family, home and phone
            born = date.fromisoformat(row["birth_date"]) + timedelta(days=rng.randrange(400, 9000))
            given = rng.choice([g for g in GIVEN if g != row["given_name"]])
            rows_b.append(
                {
                    **row,
                    "id": f"b{index}r",
                    "given_name": given,
                    "email": "",
                    "birth_date": born.isoformat(),
                }
            )
            continue
        if index % 3 == 2:
            rows_b.append(person(rng, index, "b", names))
            continue
        other = {**row, "id": f"b{index}"}
        roll = rng.random()
        if roll < 0.3:
            other["family_name"] = typo(rng, row["family_name"])
        elif roll < 0.5:
            other["given_name"], other["family_name"] = row["family_name"], row["given_name"]
        elif roll < 0.7:  # moved
            other["street"] = f"{rng.choice(STREETS)} {rng.randint(1, 120)}"
            other["postcode"] = "9000"
        other["phone"] = other["phone"].replace("+45 ", "") if rng.random() < 0.5 else ""
        other["email"] = "" if rng.random() < 0.4 else other["email"]
        rows_b.append(other)
        links.add((row["id"], other["id"]))
    return rows_a, rows_b, links


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=HEADER.split(","))
        writer.writeheader()
        writer.writerows(rows)
    return path


def unkeyed_forms(value: str) -> set[str]:
    """A value and what anyone could compute from a guess of it: its normal forms and their
    SHA-256 and MD5 in hexadecimal and base64."""
    forms = {
        value,
        value.strip(),
        value.casefold(),
        norm.text(value),
        norm.digits(value),
        norm.phone(value),
        norm.email(value),
        norm.text(value).replace(" ", ""),
    }
    year, month, day = norm.birth_date(value)
    if year and month and day:
        forms |= {year + month + day, f"{year}-{month}-{day}"}
    forms = {form for form in forms if len(form) >= 4}
    hashed = set()
    for form in forms:
        for algorithm in (hashlib.sha256, hashlib.md5):
            digest = algorithm(form.encode()).digest()
            hashed |= {digest.hex(), digest.hex().upper(), base64.b64encode(digest).decode()}
    return forms | hashed


def test_an_encoded_file_holds_no_value_of_its_input_not_even_hashed(tmp_path):
    persons = tmp_path / "persons.csv"
    persons.write_text(PERSONS, encoding="utf-8")
    # A fixed secret: the file is the same on every run, so a chance occurrence of a short
    # value inside the base64 cannot make this test flaky.
    key = tmp_path / "secret"
    key.write_text(bytes(range(100, 132)).hex() + "\n")
    encoded = tmp_path / "encoded.csv"
    assert main(["encode", str(persons), "--secret-file", str(key), "-o", str(encoded), "-q"]) == 0
    text = encoded.read_bytes().decode("utf-8")
    assert text.startswith("id,clk:kindred-linkage/1:")
    assert len(text.splitlines()) == 4
    for row in csv.DictReader(PERSONS.splitlines()):
        for column, value in row.items():
            if column in ("id", "country") or not value:
                continue
            for form in unkeyed_forms(value):
                assert form not in text, (column, form)
                assert form.casefold() not in text, (column, form)
    # Nor the secret itself, or its plain hashes.
    raw_secret = key.read_text().strip()
    for form in unkeyed_forms(raw_secret) | {hashlib.sha256(bytes.fromhex(raw_secret)).hexdigest()}:
        assert form not in text


def test_two_organisations_find_their_shared_families(tmp_path):
    rows_a, rows_b, links = two_organisations(450)
    key = secret(tmp_path)
    for name, rows in (("a", rows_a), ("b", rows_b)):
        write_rows(tmp_path / f"{name}.csv", rows)
        assert (
            main(
                [
                    "encode",
                    str(tmp_path / f"{name}.csv"),
                    "--secret-file",
                    str(key),
                    "-o",
                    str(tmp_path / f"e{name}.csv"),
                    "-q",
                ]
            )
            == 0
        )
    pairs = tmp_path / "pairs.csv"
    assert (
        main(["match", str(tmp_path / "ea.csv"), str(tmp_path / "eb.csv"), "-o", str(pairs), "-q"])
        == 0
    )
    with pairs.open(encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["id_a", "id_b", "score"]
    scores = [float(row[2]) for row in rows[1:]]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= score <= 1 for score in scores)
    found = {(row[0], row[1]) for row in rows[1:]}
    assert len({a for a, _ in found}) == len(found) == len({b for _, b in found})  # one-to-one
    correct = len(found & links)
    precision, recall = correct / len(found), correct / len(links)
    assert 2 * precision * recall / (precision + recall) >= 0.95, (precision, recall)


def test_files_encoded_with_different_secrets_are_refused(tmp_path, capsys):
    persons = tmp_path / "persons.csv"
    persons.write_text(PERSONS, encoding="utf-8")
    for name in ("a", "b"):
        key = secret(tmp_path, f"secret-{name}")
        main(
            [
                "encode",
                str(persons),
                "--secret-file",
                str(key),
                "-o",
                str(tmp_path / f"{name}.csv"),
                "-q",
            ]
        )
    status, err = call(capsys, "match", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"))
    assert status != 0
    assert "different secrets" in err
    assert len(err.strip().splitlines()) == 1


def test_a_secret_is_never_overwritten_and_a_short_one_is_refused(tmp_path, capsys):
    key = secret(tmp_path)
    assert len(bytes.fromhex(key.read_text().strip())) == 32
    status, err = call(capsys, "new-secret", "-o", str(key))
    assert status != 0 and "already exists" in err
    short = tmp_path / "short"
    short.write_text("0123456789abcdef" * 3 + "\n")  # 24 bytes
    persons = tmp_path / "persons.csv"
    persons.write_text(PERSONS, encoding="utf-8")
    status, err = call(capsys, "encode", str(persons), "--secret-file", str(short))
    assert status != 0
    assert "too short" in err and "32 bytes" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("given_name,family_name\nAnna,Nielsen\n", "has no id column"),
        ("id,given_name\n1,Anna\n1,Mette\n", "ids must be unique"),
        (b"PK\x03\x04\x00\x00\xff\xfe", "is not a UTF-8 CSV file"),
        ('id,given_name\n1,"Anna\n', "is not a valid CSV file"),
        ("", "is empty"),
    ],
)
def test_a_bad_persons_file_gives_one_line_and_a_non_zero_exit(tmp_path, content, message):
    persons = tmp_path / "persons.csv"
    if isinstance(content, bytes):
        persons.write_bytes(content)
    else:
        persons.write_text(content, encoding="utf-8")
    key = secret(tmp_path)
    done = run("encode", str(persons), "--secret-file", str(key), cwd=tmp_path)
    assert done.returncode != 0
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_match_refuses_files_that_are_not_encodings(tmp_path, capsys):
    persons = tmp_path / "persons.csv"
    persons.write_text(PERSONS, encoding="utf-8")
    key = secret(tmp_path)
    encoded = tmp_path / "encoded.csv"
    main(["encode", str(persons), "--secret-file", str(key), "-o", str(encoded), "-q"])
    lines = encoded.read_text().splitlines()
    damaged = tmp_path / "damaged.csv"
    damaged.write_text("\n".join([lines[0], lines[1][:40]]) + "\n")
    bad_key = tmp_path / "bad_key.csv"
    bad_key.write_text("\n".join([lines[0], lines[1].rsplit(",", 1)[0] + ",-1 ffffffffffffffffff"]))
    twice = tmp_path / "twice.csv"
    twice.write_text("\n".join([lines[0], lines[1], lines[1]]) + "\n")
    for other, message in (
        (persons, "is not a file encoded by “kindred linkage encode”"),
        (damaged, "line 2: this is not a valid encoding"),
        (twice, "ids must be unique"),
        (bad_key, "line 2: this is not a valid encoding"),
        (tmp_path / "missing.csv", "no such file"),
    ):
        status, err = call(capsys, "match", str(encoded), str(other))
        assert status != 0, other
        assert message in err, err
        assert len(err.strip().splitlines()) == 1
    status, err = call(capsys, "match", str(encoded), str(encoded), "--threshold", "2")
    assert status != 0 and "--threshold must be a number from 0 to 1" in err


def test_the_real_command_line_encodes_and_matches(tmp_path):
    persons = tmp_path / "persons.csv"
    persons.write_text(PERSONS, encoding="utf-8")
    done = run("new-secret", cwd=tmp_path)
    assert done.returncode == 0 and len(done.stdout.strip()) == 64
    (tmp_path / "secret").write_text(done.stdout)
    done = run("encode", "persons.csv", "--secret-file", "secret", "-o", "e.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = run("match", "e.csv", "e.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(done.stdout.splitlines()))
    assert rows == [["id_a", "id_b", "score"]] + [[f"p{i}", f"p{i}", "1.0000"] for i in (1, 2, 3)]
    done = run("match", "e.csv", "persons.csv", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_the_django_command_is_the_same_entry(tmp_path, capsys):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError) as raised:
        call_command("linkage", "match", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"))
    assert raised.value.returncode == 1
    assert "a.csv: no such file." in capsys.readouterr().err
