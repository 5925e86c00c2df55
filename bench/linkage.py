"""Linkage between two organisations without sharing names (`kindred linkage`, format
kindred-linkage/1): precision, recall and F1 at the default threshold, and the times of
`encode` and `match`.

Two organisations in one town each hold their own applicants. About 30% of B's persons also
applied to A; B wrote them down on its own: typing errors in names, given and family names
swapped or a given name missing, Cyrillic names written in Latin letters (another
transliteration) or the other way round, day and month swapped or a digit off in the birth
date, a moved family (new street, house number, postcode and town), other phone formats,
a missing phone, e-mail or identity number, "Vesterg." for "Vestergade". Families share
addresses, phones and e-mail addresses, and twins share a birth date, so the near misses
are real.

    python bench/linkage.py [--persons 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from _population import (  # bench/ is on sys.path when run as a script
    BG_LATIN,
    BG_OLD,
    KEYBOARDS,
    PHONE_CODES,
    STREET_LIST,
    UK_LATIN,
    UK_LATIN_START,
    UK_RUSSIAN,
    make_household,
    mobile,
    place,
    transliterate,
)
from kindred.linkage.encoding import FIELDS

HEADER = ["id", *FIELDS]  # the persons CSV of kindred-duplicates/1, as encode reads it
ROOT = Path(__file__).resolve().parent.parent
KINDRED = [sys.executable, "-m", "kindred", "linkage"]
ABBREVIATIONS = {"gade": "g.", "vej": "v.", "gatan": "g.", "katu": "k.", "вулиця": "вул."}


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word))
    kind = rng.random()
    if kind < 0.3:
        return word[:i] + word[i + 1 :]  # a letter left out
    if kind < 0.55 and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # two letters swapped
    if kind < 0.75:
        return word[:i] + word[i] + word[i:]  # a letter doubled
    row = next((r for r in KEYBOARDS if word[i].lower() in r), "")
    if not row:
        return word[:i] + word[i + 1 :]
    j = row.index(word[i].lower())
    near = row[max(j - 1, 0)] if rng.random() < 0.5 or j + 1 == len(row) else row[j + 1]
    return word[:i] + near + word[i + 1 :]  # a neighbouring key


def in_latin(rng: random.Random, text: str, culture: str) -> str:
    if culture == "uk":
        if rng.random() < 0.2:
            return transliterate(text, UK_RUSSIAN)
        return transliterate(text, UK_LATIN, UK_LATIN_START)
    if culture == "bg":
        return transliterate(text, BG_OLD if rng.random() < 0.3 else BG_LATIN)
    return text


def render(person, rng: random.Random, phone_style: int) -> dict[str, str]:
    """A person as an organisation writes it down (its own habits for phones and names)."""
    given, family = person.given, person.family
    if person.script == "latin":
        given, family = in_latin(rng, given, person.culture), in_latin(rng, family, person.culture)
    born = ""
    if person.born:
        born = str(person.born.year) if person.year_only else person.born.isoformat()
    phone = ""
    if person.phone_nsn:
        code = PHONE_CODES[person.phone_country]
        phone = [f"+{code} {person.phone_nsn}", person.phone_nsn, f"00{code}{person.phone_nsn}"][
            phone_style
        ]
    return {
        "given_name": given,
        "family_name": family,
        "birth_date": born,
        "phone": phone,
        "email": person.email,
        "street": f"{person.street} {person.house}",
        "postcode": person.postcode,
        "city": person.city,
        "country": person.country,
        "national_id": person.national_id,
    }


def corrupt(rng: random.Random, row: dict[str, str], person) -> dict[str, str]:
    """B's version of a person A also holds."""
    row = dict(row)
    if person.culture in ("uk", "bg") and rng.random() < 0.3:
        # The other organisation wrote the name in the other script.
        if person.script == "native":
            row["given_name"] = in_latin(rng, person.given, person.culture)
            row["family_name"] = in_latin(rng, person.family, person.culture)
        else:
            row["given_name"], row["family_name"] = person.given, person.family
    if rng.random() < 0.12:
        row["given_name"] = typo(rng, row["given_name"])
    if rng.random() < 0.10:
        row["family_name"] = typo(rng, row["family_name"])
    if rng.random() < 0.05:
        row["given_name"], row["family_name"] = row["family_name"], row["given_name"]
    elif rng.random() < 0.03:
        row["given_name"] = ""
    if person.born and not person.year_only:
        born = person.born
        roll = rng.random()
        if roll < 0.02 and born.day <= 12:
            row["birth_date"] = date(born.year, born.day, born.month).isoformat()
        elif roll < 0.05:
            text = born.strftime("%Y%m%d")
            i = rng.randrange(2, 8)
            digit = str((int(text[i]) + rng.choice((1, 9))) % 10)
            text = text[:i] + digit + text[i + 1 :]
            row["birth_date"] = text  # YYYYMMDD, one digit off (maybe not a real date)
        elif roll < 0.08:
            row["birth_date"] = ""
        elif roll < 0.3:
            row["birth_date"] = born.strftime("%Y%m%d")
    if rng.random() < 0.12:  # the family moved
        country = row["country"]
        row["city"], row["postcode"] = place(rng, country)
        row["street"] = f"{rng.choice(STREET_LIST[country])} {rng.randint(1, 180)}"
    else:
        if rng.random() < 0.05:
            row["postcode"] = ""
        if rng.random() < 0.1:
            for long, short in ABBREVIATIONS.items():
                row["street"] = row["street"].replace(long, short)
        if rng.random() < 0.03:
            row["street"] = row["street"].rsplit(" ", 1)[0]  # no house number
    if rng.random() < 0.2:
        row["phone"] = ""
    elif rng.random() < 0.05:
        row["phone"] = mobile(rng, row["country"])  # a new phone
    if rng.random() < 0.3:
        row["email"] = ""
    if rng.random() < 0.3:
        row["national_id"] = ""
    if rng.random() < 0.05:
        row["city"] = ""
    return row


def generate(persons: int, seed: int, overlap: float = 0.3):
    """Rows of A and of B (persons each) and the true links {(id_a, id_b)}."""
    rng = random.Random(seed)
    people = []
    emails: set[str] = set()
    household = 0
    needed = int(persons * (2 - overlap)) + 10
    while len(people) < needed:
        people.extend(make_household(rng, household, len(people), emails))
        household += 1
    # Whole households apply together: A takes the first households, B the overlap and more.
    a_people = people[:persons]
    shared = a_people[: int(persons * overlap)]
    b_people = shared + people[persons : persons + persons - len(shared)]
    rows_a, rows_b, links = [], [], set()
    for index, person in enumerate(a_people):
        rows_a.append({"id": f"a{index}", **render(person, rng, 0)})
    a_of = {person.key: f"a{index}" for index, person in enumerate(a_people)}
    order = list(range(len(b_people)))
    rng.shuffle(order)
    for index in order:
        person = b_people[index]
        row = render(person, rng, rng.choice((1, 1, 2)))
        if person.key in a_of:
            row = corrupt(rng, row, person)
            links.add((a_of[person.key], f"b{index}"))
        rows_b.append({"id": f"b{index}", **row})
    return rows_a, rows_b, links


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)


def run(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([*KINDRED, *args, "-q"], check=True, cwd=ROOT)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    rows_a, rows_b, links = generate(args.persons, args.seed)
    generated = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        write(tmp / "a.csv", rows_a)
        write(tmp / "b.csv", rows_b)
        secret = tmp / "secret"
        subprocess.run([*KINDRED, "new-secret", "-o", str(secret)], check=True)
        encode_a = run(
            "encode", str(tmp / "a.csv"), "--secret-file", str(secret), "-o", str(tmp / "ea.csv")
        )
        encode_b = run(
            "encode", str(tmp / "b.csv"), "--secret-file", str(secret), "-o", str(tmp / "eb.csv")
        )
        matched = run(
            "match", str(tmp / "ea.csv"), str(tmp / "eb.csv"), "-o", str(tmp / "pairs.csv")
        )
        with (tmp / "pairs.csv").open(encoding="utf-8") as file:
            found = {(row["id_a"], row["id_b"]) for row in csv.DictReader(file)}
    correct = len(found & links)
    precision = correct / len(found) if found else 1.0
    recall = correct / len(links) if links else 1.0
    f1 = 2 * precision * recall / (precision + recall) if correct else 0.0
    print(
        f"linkage, two organisations of {args.persons:,} persons ({len(links):,} true links; "
        f"generated in {generated:.1f} s):"
    )
    print(f"  precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}  (target F1 >= 0.99)")
    print(
        f"  encode {encode_a:.1f} s and {encode_b:.1f} s (target <= 20 s at 100,000);"
        f" match {matched:.1f} s (target <= 30 s)"
    )
    if os.environ.get("LINKAGE_ERRORS"):
        print("  missed:", sorted(links - found)[:10], " wrong:", sorted(found - links)[:10])


if __name__ == "__main__":
    main()
