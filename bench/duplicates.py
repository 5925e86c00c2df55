"""`make bench` (duplicates): quality and speed of `kindred people find-duplicates`.

What it does, all on this machine:

1. generates persons the way a charity's registry fills up (deterministic seed): households
   in Denmark, Sweden, Finland and Bulgaria, with Danish, Swedish, Finnish, Bulgarian and
   Ukrainian names (Bulgarian and Ukrainian ones in Cyrillic or in one of the usual Latin
   spellings); family members share a surname, an address and often a phone or an e-mail;
   some are twins, some sons carry their father's name; the names follow a long-tailed
   frequency, so that unrelated people share a common name, as they do;
2. registers some persons again (about 13 % of the records have a duplicate, some have
   two), each time with realistic differences: a different phone, date, postcode or
   identity-number spelling, and one to three errors — typos, given and family name
   swapped, missing fields, another script or transliteration (Cyrillic <-> Latin, Nordic
   letters written without their marks), a shifted birth date (day and month swapped, one
   day off, year only, a mistyped year), a new phone, address or e-mail;
3. writes the persons to a CSV file and runs the real command in a subprocess,
   `python -m kindred people find-duplicates PERSONS.csv -o PAIRS.csv`, timed on the wall
   clock (start-up, reading and writing the files included);
4. prints precision, recall and F1 at the default threshold for a 20,000-record set (with
   the missed and the wrongly found pairs broken down by cause), the time for 100,000 records
   (target < 20 s; best and worst of --repeat runs) and the time for 1,000,000 records.

`--quick` runs 5,000 / 20,000 records and skips the million. Nothing is installed.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from _population import (  # bench/ is on sys.path when run as a script
    BG_LATIN,
    BG_OLD,
    CULTURES,
    DOMAINS,
    NEIGHBOURS,
    NORDIC_ASCII,
    PHONE_CODES,
    STREET_LIST,
    UK_GERMAN,
    UK_LATIN,
    UK_LATIN_START,
    UK_RUSSIAN,
    Person,
    ascii_email_part,
    feminine,
    make_household,
    mobile,
    pick_weighted,
    place,
    surname,
    transliterate,
)

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS_100K = 20.0
TARGET_QUALITY = 0.95
HEADER = (
    "id",
    "given_name",
    "family_name",
    "birth_date",
    "phone",
    "email",
    "street",
    "postcode",
    "city",
    "country",
    "national_id",
)

# Writing a person, as a registration would ------------------------------------------------


@dataclass
class Spelling:
    """How one registration writes a person: script, transliteration, formats."""

    script: str
    translit: str = "official"  # or "alternative"
    ascii_nordic: int = -1  # index in NORDIC_ASCII, or -1 to keep the letters
    phone_format: int = 0
    date_format: int = 0
    address_format: int = 0
    id_format: int = 0
    upper_email: bool = False


def write_name(person: Person, name: str, spelling: Spelling) -> str:
    culture = person.culture
    if culture in ("bg", "uk") and spelling.script == "latin":
        if culture == "uk":
            if spelling.translit == "official":
                return transliterate(name, UK_LATIN, UK_LATIN_START)
            return transliterate(name, UK_GERMAN)
        return transliterate(name, BG_LATIN if spelling.translit == "official" else BG_OLD)
    if spelling.ascii_nordic >= 0:
        return transliterate(name, NORDIC_ASCII[spelling.ascii_nordic])
    return name


def write_phone(nsn: str, country: str, fmt: int) -> str:
    if not nsn:
        return ""
    code = PHONE_CODES[country]
    trunk = "" if country == "DK" else "0"
    if fmt == 0:
        return f"+{code} {nsn[:2]} {nsn[2:5]} {nsn[5:]}"
    if fmt == 1:
        return f"+{code}{nsn}"
    if fmt == 2:
        return f"{trunk}{nsn}"
    if fmt == 3 and country == "DK":
        return f"{nsn[:2]} {nsn[2:4]} {nsn[4:6]} {nsn[6:]}"
    if fmt == 3:
        return f"{trunk}{nsn[:2]}-{nsn[2:5]} {nsn[5:7]} {nsn[7:]}"
    return f"00{code} {nsn}"


def write_date(born: date | None, year_only: bool, fmt: int) -> str:
    if born is None:
        return ""
    if year_only:
        return str(born.year)
    return born.isoformat() if fmt == 0 else f"{born:%Y%m%d}"


def write_street(person: Person, fmt: int, spelling: Spelling) -> str:
    if not person.street:
        return ""
    street = person.street
    if person.country == "BG" and spelling.script == "latin":
        street = transliterate(street, BG_LATIN)
    if fmt == 1:
        for long, short in (("gade", "g."), ("vej", "v."), ("gatan", "g."), ("katu", "k.")):
            if street.endswith(long):
                street = street[: -len(long)] + short
                break
        street = street.removeprefix("ул. ").removeprefix("ul. ")
    if spelling.ascii_nordic >= 0:
        street = transliterate(street, NORDIC_ASCII[spelling.ascii_nordic])
    house = person.house
    if fmt == 2 and house[-1:].isalpha():
        house = f"{house[:-1]} {house[-1]}"
    text = f"{street} {house}"
    if person.country == "DK" and fmt == 2:
        text += ", st. tv."
    return text


def write_id(number: str, fmt: int) -> str:
    if not number or fmt == 0:
        return number
    if fmt == 1:
        return number.replace("-", "")
    if fmt == 2 and len(number) == 13 and number[8] == "-":  # Swedish, without the century
        return number[2:]
    return number.replace("-", " ") if "-" in number else f"{number[:6]} {number[6:]}"


def row(record_id: str, person: Person, spelling: Spelling) -> tuple[str, ...]:
    email = person.email.upper() if spelling.upper_email else person.email
    postcode = person.postcode
    city = person.city
    if person.country == "BG" and spelling.script == "latin":
        city = transliterate(city, BG_LATIN)
    if spelling.address_format == 1:
        postcode = postcode.replace(" ", "")
    return (
        record_id,
        write_name(person, person.given, spelling),
        write_name(person, person.family, spelling),
        write_date(person.born, person.year_only, spelling.date_format),
        write_phone(person.phone_nsn, person.phone_country, spelling.phone_format),
        email,
        write_street(person, spelling.address_format, spelling),
        postcode,
        city,
        person.country,
        write_id(person.national_id, spelling.id_format),
    )


def random_spelling(rng: random.Random, person: Person) -> Spelling:
    return Spelling(
        script=person.script,
        phone_format=rng.randrange(5),
        date_format=0 if rng.random() < 0.8 else 1,
        address_format=rng.randrange(3),
        id_format=rng.randrange(4),
        upper_email=rng.random() < 0.05,
    )


# Duplicates ---------------------------------------------------------------------------------

ERROR_KINDS = [
    ("typo", 0.30),
    ("missing", 0.30),
    ("transliteration", 0.15),
    ("birth_date", 0.15),
    ("swap", 0.08),
    ("moved", 0.08),
]


def typo(rng: random.Random, text: str) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 2:
        return text
    i = rng.choice(letters[1:]) if rng.random() < 0.85 else letters[0]
    kind = rng.random()
    char = text[i]
    if kind < 0.35:  # neighbouring key
        near = NEIGHBOURS.get(char.lower()) or text.lower()
        new = rng.choice(near)
        return text[:i] + (new.upper() if char.isupper() else new) + text[i + 1 :]
    if kind < 0.6:  # letter left out
        return text[:i] + text[i + 1 :]
    if kind < 0.8:  # letter doubled
        return text[:i] + char + text[i:]
    j = i + 1 if i + 1 < len(text) and text[i + 1].isalpha() else i - 1
    a, b = sorted((i, j))
    return text[:a] + text[b] + text[a] + text[b + 1 :]


def duplicate(
    rng: random.Random, person: Person, spelling: Spelling
) -> tuple[Person, Spelling, list[str]]:
    """Another registration of `person`: new formats, and one to three errors."""
    count = pick_weighted(rng, [(1, 0.55), (2, 0.35), (3, 0.10)])
    kinds: list[str] = []
    pool = list(ERROR_KINDS)
    while len(kinds) < count:
        kind = pick_weighted(rng, pool)
        pool = [(k, w) for k, w in pool if k != kind]
        kinds.append(kind)
    copy = replace(person)
    new = random_spelling(rng, person)
    new.translit = spelling.translit
    new.ascii_nordic = spelling.ascii_nordic
    for kind in kinds:
        if kind == "typo":
            where = rng.random()
            if where < 0.1 and copy.phone_nsn:
                digit = rng.randrange(2, len(copy.phone_nsn))
                wrong = str((int(copy.phone_nsn[digit]) + rng.randint(1, 9)) % 10)
                copy.phone_nsn = copy.phone_nsn[:digit] + wrong + copy.phone_nsn[digit + 1 :]
            elif where < 0.6:
                copy.given = typo(rng, copy.given)
            else:
                copy.family = typo(rng, copy.family)
        elif kind == "missing":
            fields = ["born", "phone", "email", "address", "national_id"]
            for name in rng.sample(fields, pick_weighted(rng, [(1, 0.5), (2, 0.35), (3, 0.15)])):
                if name == "born":
                    copy.born = None
                elif name == "phone":
                    copy.phone_nsn = ""
                elif name == "email":
                    copy.email = ""
                elif name == "address":
                    copy.street = copy.house = copy.postcode = copy.city = ""
                else:
                    copy.national_id = ""
        elif kind == "transliteration":
            if person.culture == "uk" and copy.given in UK_RUSSIAN and rng.random() < 0.25:
                copy.given = UK_RUSSIAN[copy.given]  # from a Russian-language document
                new.script = rng.choice(["native", "latin"])
            elif person.culture in ("bg", "uk"):
                if rng.random() < 0.6:
                    new.script = "latin" if spelling.script == "native" else "native"
                else:
                    new.script = "latin"
                    new.translit = "alternative" if spelling.translit == "official" else "official"
            else:
                new.ascii_nordic = rng.randrange(2) if spelling.ascii_nordic < 0 else -1
        elif kind == "birth_date" and copy.born is not None:
            born = copy.born
            change = rng.random()
            if change < 0.3 and born.day <= 12 and born.day != born.month:
                copy.born = date(born.year, born.day, born.month)
            elif change < 0.6:
                copy.born = born + timedelta(days=rng.choice((-1, 1)))
            elif change < 0.85:
                copy.year_only = True
            else:
                year = str(born.year)
                year = (
                    year[:2] + year[3] + year[2]
                    if rng.random() < 0.5
                    else year[:3] + str((int(year[3]) + rng.choice((-1, 1))) % 10)
                )
                try:
                    copy.born = born.replace(year=int(year))
                except ValueError:
                    copy.born = born.replace(year=int(year), day=28)
        elif kind == "swap":
            if rng.random() < 0.25:
                # the whole name in one column
                copy.given, copy.family = f"{copy.given} {copy.family}", ""
            else:
                copy.given, copy.family = copy.family, copy.given
        elif kind == "moved":
            change = rng.random()
            if change < 0.15 and copy.female and copy.born and copy.born.year < 2000:
                # married (or divorced) since: another family name
                culture = CULTURES[copy.culture]
                copy.family = feminine(culture, surname(rng, culture))
            elif change < 0.45:
                copy.phone_nsn = mobile(rng, copy.country)
                copy.phone_country = copy.country
            elif change < 0.8:
                copy.street = rng.choice(STREET_LIST[copy.country])
                copy.house = str(rng.randint(1, 180))
                copy.city, copy.postcode = place(rng, copy.country)
            else:
                copy.email = (
                    ascii_email_part(copy.given.split()[0])
                    + f".{rng.randint(1000, 9999)}@{rng.choice(DOMAINS)}"
                )
    return copy, new, kinds


@dataclass
class DataSet:
    path: Path
    records: int
    true_pairs: set[tuple[str, str]]
    household: dict[str, int]  # record id -> household
    person: dict[str, int]  # record id -> person
    kinds: dict[str, list[str]]  # duplicate record id -> its errors
    twins: set[tuple[str, str]]


def generate(
    path: Path, size: int, seed: int, duplicate_rate: float = 0.065, with_truth: bool = True
) -> DataSet:
    """Write about `size` records to `path`."""
    rng = random.Random(seed)
    ids = iter(rng.sample(range(10 * size, 100 * size), size + size // 4 + 100))
    data = DataSet(path, 0, set(), {}, {}, {}, set())
    key = 0
    household = 0
    born_index: dict[tuple[int, date], list[str]] = {}
    emails: set[str] = set()
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(HEADER)
        written = 0
        while written < size:
            household += 1
            members = make_household(rng, household, key, emails)
            key += len(members)
            for person in members:
                spelling = random_spelling(rng, person)
                group = [f"P{next(ids)}"]
                rows = [row(group[0], person, spelling)]
                if rng.random() < duplicate_rate:
                    copies = 2 if rng.random() < 0.15 else 1
                    for _ in range(copies):
                        copy, copy_spelling, kinds = duplicate(rng, person, spelling)
                        record_id = f"P{next(ids)}"
                        group.append(record_id)
                        rows.append(row(record_id, copy, copy_spelling))
                        if with_truth:
                            data.kinds[record_id] = kinds
                writer.writerows(rows)
                written += len(rows)
                if with_truth:
                    for record_id in group:
                        data.household[record_id] = household
                        data.person[record_id] = person.key
                        if person.born is not None:
                            born_index.setdefault((household, person.born), []).append(record_id)
                    for a, b in itertools.combinations(sorted(group), 2):
                        data.true_pairs.add((a, b))
    data.records = written
    for ids_born in born_index.values():
        people = {data.person[r] for r in ids_born}
        if len(people) > 1:
            for a, b in itertools.combinations(sorted(ids_born), 2):
                if data.person[a] != data.person[b]:
                    data.twins.add((a, b))
    return data


# Running the command -----------------------------------------------------------------------


def run_command(persons: Path, pairs: Path, *options: str) -> float:
    """Seconds on the wall clock for the real command, start-up and files included."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        # settings make a data folder; keep it out of the checkout
        "KINDRED_DATA_DIR": str(persons.parent / "data"),
    }
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kindred",
            "people",
            "-v",
            "0",
            "find-duplicates",
            str(persons),
            "-o",
            str(pairs),
            *options,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"find-duplicates failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def read_pairs(path: Path) -> dict[tuple[str, str], float]:
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        assert next(reader) == ["id_a", "id_b", "score"]
        return {(a, b): float(s) for a, b, s in reader}


@dataclass
class Quality:
    precision: float
    recall: float
    f1: float
    found: int
    true: int
    correct: int
    missed_by_kind: Counter
    dups_by_kind: Counter
    wrong_by_cause: Counter


def quality(data: DataSet, found: dict[tuple[str, str], float]) -> Quality:
    correct = sum(1 for pair in found if pair in data.true_pairs)
    precision = correct / len(found) if found else 1.0
    recall = correct / len(data.true_pairs) if data.true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    missed_by_kind: Counter = Counter()
    dups_by_kind: Counter = Counter()
    for a, b in data.true_pairs:
        kinds = tuple(sorted(set(data.kinds.get(a, []) + data.kinds.get(b, []))))
        label = "+".join(kinds)
        dups_by_kind[label] += 1
        if (a, b) not in found:
            missed_by_kind[label] += 1
    wrong: Counter = Counter()
    for pair in found:
        if pair in data.true_pairs:
            continue
        a, b = pair
        if pair in data.twins:
            wrong["twins"] += 1
        elif data.household[a] == data.household[b]:
            wrong["same household"] += 1
        else:
            wrong["different households"] += 1
    return Quality(
        precision,
        recall,
        f1,
        len(found),
        len(data.true_pairs),
        correct,
        missed_by_kind,
        dups_by_kind,
        wrong,
    )


def print_quality(label: str, q: Quality, seconds: float, details: bool) -> None:
    ok = "ok" if q.precision >= TARGET_QUALITY and q.recall >= TARGET_QUALITY else "BELOW TARGET"
    print(
        f"{label}: precision {q.precision:.4f}  recall {q.recall:.4f}  F1 {q.f1:.4f}  "
        f"({q.correct} of {q.found} pairs found are right, {q.true} true pairs; {seconds:.1f} s)"
        f"  [target >= {TARGET_QUALITY}: {ok}]"
    )
    if not details:
        return
    print("  true pairs missed, by the errors in the duplicate:")
    for label_, missed in sorted(q.missed_by_kind.items(), key=lambda x: -x[1])[:12]:
        total = q.dups_by_kind[label_]
        print(f"    {label_ or 'formats only':40} {missed:5} of {total:6}")
    print("  wrong pairs found, by what the two persons are:")
    for cause, n in q.wrong_by_cause.most_common():
        print(f"    {cause:40} {n:5}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 / 20,000 records, no million")
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--quality-size", type=int, help="records for precision/recall (20000)")
    parser.add_argument("--speed-size", type=int, help="records for the timed run (100000)")
    parser.add_argument("--big-size", type=int, help="records for the large run (1000000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of the speed set (3)")
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = parser.parse_args()
    quality_size = args.quality_size or (5_000 if args.quick else 20_000)
    speed_size = args.speed_size or (20_000 if args.quick else 100_000)
    big_size = args.big_size if args.big_size is not None else (0 if args.quick else 1_000_000)

    print(
        f"duplicates bench: python {sys.version.split()[0]}, {os.cpu_count()} cores, seed {args.seed}"
    )
    with tempfile.TemporaryDirectory(prefix="kindred-dups-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)

        persons = folder / f"persons-{quality_size}.csv"
        data = generate(persons, quality_size, args.seed)
        pairs = folder / f"pairs-{quality_size}.csv"
        seconds = run_command(persons, pairs)
        q = quality(data, read_pairs(pairs))
        registrations = Counter(data.person.values())
        in_groups = sum(n for n in registrations.values() if n > 1)
        print(
            f"{data.records} records: {in_groups} ({100 * in_groups / data.records:.1f} %) "
            f"belong to a person registered more than once "
            f"({sum(1 for n in registrations.values() if n > 2)} of them three times); "
            f"{len(data.true_pairs)} true pairs"
        )
        print_quality(f"quality ({data.records} records)", q, seconds, details=True)
        # Other thresholds, for whoever wants to move the default: one run at a low one.
        low = folder / f"pairs-{quality_size}-low.csv"
        run_command(persons, low, "--threshold", "0.1")
        scored = read_pairs(low)
        line = []
        for threshold in (0.1, 0.3, 0.5, 0.7, 0.9):
            at = {pair: score for pair, score in scored.items() if score >= threshold}
            t = quality(data, at)
            line.append(f"{threshold}: P {t.precision:.3f} R {t.recall:.3f}")
        print("  by threshold: " + ";  ".join(line))

        persons = folder / f"persons-{speed_size}.csv"
        started = time.perf_counter()
        data = generate(persons, speed_size, args.seed + 1)
        generated = time.perf_counter() - started
        pairs = folder / f"pairs-{speed_size}.csv"
        times = [run_command(persons, pairs) for _ in range(max(1, args.repeat))]
        q = quality(data, read_pairs(pairs))
        best, worst = min(times), max(times)
        verdict = "ok" if best < TARGET_SECONDS_100K else "TOO SLOW"
        print(
            f"speed ({data.records} records, generated in {generated:.1f} s): best {best:.1f} s, "
            f"worst {worst:.1f} s over {len(times)} runs  [target < {TARGET_SECONDS_100K:.0f} s "
            f"for 100,000: {verdict}]"
        )
        print_quality(f"quality ({data.records} records)", q, best, details=False)

        if big_size:
            persons = folder / f"persons-{big_size}.csv"
            started = time.perf_counter()
            data = generate(persons, big_size, args.seed + 2, with_truth=False)
            generated = time.perf_counter() - started
            pairs = folder / f"pairs-{big_size}.csv"
            seconds = run_command(persons, pairs)
            found = sum(1 for _ in pairs.open(encoding="utf-8")) - 1
            print(
                f"scale ({data.records} records, generated in {generated:.1f} s): {seconds:.1f} s, "
                f"{found} pairs"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
