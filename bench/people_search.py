"""Search and duplicate-check latency at 100,000 persons, on SQLite and on PostgreSQL.

    python bench/people_search.py [--persons N] [--queries Q]

For each database (a fresh SQLite file in a temporary directory; PostgreSQL at
$KINDRED_BENCH_PG or postgres://postgres@127.0.0.1:5432/kindred_bench when reachable) a
worker process migrates, registers N persons with their lookup keys (bulk, through the same
key function the services use), then times Q searches of the kinds a coordinator types (full
name, first letters, a misspelt name, Cyrillic for a Latin name, a phone number in another
format, an e-mail address) — each as the list page runs it: the first page and the count —
and Q duplicate checks of a new person who resembles a registered one. Prints p50/p95/max.
Target (issue 3): p95 < 50 ms for both, on both databases.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("KINDRED_BENCH_PG", "postgres://postgres@127.0.0.1:5432/kindred_bench")

GIVEN = [
    "Anna",
    "Mette",
    "Sofie",
    "Ida",
    "Emma",
    "Freja",
    "Karen",
    "Lars",
    "Jens",
    "Niels",
    "Søren",
    "Mads",
    "Emil",
    "Oliver",
    "Erik",
    "Johan",
    "Maria",
    "Elin",
    "Astrid",
    "Sven",
    "Olof",
    "Gustav",
    "Aino",
    "Eero",
    "Mikko",
    "Sanna",
    "Juha",
    "Päivi",
    "Ivan",
    "Georgi",
    "Dimitar",
    "Elena",
    "Maria",
    "Nikolai",
    "Olena",
    "Andrii",
    "Sofiia",
    "Oksana",
    "Taras",
    "Mohammad",
    "Ahmed",
    "Fatima",
    "Amira",
    "Yusuf",
    "Hassan",
    "Leila",
    "Omar",
    "Zainab",
    "Ali",
]
FAMILY = [
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Korhonen",
    "Virtanen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Ivanov",
    "Petrov",
    "Georgiev",
    "Dimitrov",
    "Nikolov",
    "Kovalenko",
    "Bondarenko",
    "Shevchenko",
    "Tkachenko",
    "Kravchenko",
    "Hassan",
    "Ahmed",
    "Ali",
    "Mohamud",
    "Abdi",
    "Yilmaz",
    "Kaya",
    "Demir",
    "Novak",
    "Kowalski",
]
STREETS = [
    "Hovedgaden",
    "Skolevej",
    "Kirkevej",
    "Møllevej",
    "Vestergade",
    "Østergade",
    "Nørregade",
    "Søndergade",
]


KIND_NAMES = ("full name", "first letters", "misspelt", "phone", "e-mail", "cyrillic")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :]  # a dropped letter


def worker(persons: int, queries: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django_scopes import scope

    from kindred.core import services as core
    from kindred.core.models import Membership, User
    from kindred.people import queries as people_queries
    from kindred.people.models import Household, HouseholdMember, Person, PersonKey, search_key
    from kindred.people.services import person_keys

    call_command("migrate", verbosity=0)
    rng = random.Random(20261123)
    suffix = f"{time.time_ns():x}"
    admin = User.objects.create_user(email=f"admin@bench-{suffix}.example")
    org = core.create_organization(
        slug=f"search-{suffix}",
        name="Search bench",
        country="DK",
        currency="DKK",
        admin=admin,
        actor=admin,
    )
    started = time.perf_counter()
    with scope(organization=org):
        membership = Membership.objects.get(organization=org, user=admin)
        batch: list[Person] = []
        made: list[Person] = []
        for n in range(persons):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            born = f"{rng.randint(1940, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            person = Person(
                organization=org,
                given_name=given,
                family_name=family,
                birth_date=born,
                birth_year=int(born[:4]),
                phone=f"+45{rng.randint(20000000, 99999999)}",
                email=f"{given.lower()}.{family.lower()}{n}@example.org",
                street=f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
                postcode=str(rng.randint(1000, 9990)),
                city="Herning",
                country="DK",
                search_name=search_key(given, family),
            )
            batch.append(person)
            if len(batch) == 5000 or n == persons - 1:
                with transaction.atomic():  # one commit per batch, not per row
                    Person.objects.bulk_create(batch)
                    if connection.vendor == "sqlite":  # bulk_create sets pks on PostgreSQL only
                        ids = list(
                            Person.objects.filter(organization=org)
                            .order_by("-pk")
                            .values_list("pk", flat=True)[: len(batch)]
                        )
                        for person, pk in zip(batch, reversed(ids), strict=True):
                            person.pk = pk
                    for person in batch:
                        person.birth_date = datetime.date.fromisoformat(person.birth_date)
                    # A third of the persons live in households of up to four.
                    for start in range(0, len(batch) // 3, 4):
                        members = batch[start : start + 4]
                        home = Household.objects.create(
                            organization=org, label=f"Familien {members[0].family_name}"
                        )
                        HouseholdMember.objects.bulk_create(
                            HouseholdMember(
                                organization=org,
                                household=home,
                                person=member,
                                relation="head" if i == 0 else "child",
                                joined_on=datetime.date(2025, 1, 1),
                            )
                            for i, member in enumerate(members)
                        )
                    # The keys the services would write (person_keys), inserted in bulk
                    # without building a model object per row.
                    table = PersonKey._meta.db_table
                    with connection.cursor() as cursor:
                        cursor.executemany(
                            f"INSERT INTO {table} (organization_id, person_id, key) VALUES (%s, %s, %s)",
                            [
                                (org.pk, person.pk, key)
                                for person in batch
                                for key in person_keys(person)
                            ],
                        )
                    made.extend(batch)
                    batch = []
        load_seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        def search(text: str) -> float:
            t0 = time.perf_counter()
            qs = people_queries.person_list(org, membership=membership, search=text)
            list(qs[:25])
            qs.count()
            return (time.perf_counter() - t0) * 1000

        kinds = [
            lambda p: f"{p.given_name} {p.family_name}",
            lambda p: p.family_name[:4],
            lambda p: f"{p.given_name} {typo(p.family_name, rng)}",
            lambda p: p.phone[3:5] + " " + p.phone[5:7] + " " + p.phone[7:9] + " " + p.phone[9:],
            lambda p: p.email,
            lambda p: {"Ivanov": "Иванов", "Petrov": "Петров"}.get(p.family_name, p.family_name),
        ]
        for warm in range(20):  # warm caches
            search(kinds[warm % len(kinds)](rng.choice(made)))
        by_kind: dict[int, list[float]] = {}
        for i in range(queries):
            by_kind.setdefault(i % len(kinds), []).append(
                search(kinds[i % len(kinds)](rng.choice(made)))
            )
        search_ms = [ms for values in by_kind.values() for ms in values]

        def check(person: Person) -> float:
            values = {
                "given_name": typo(person.given_name, rng),
                "family_name": person.family_name,
                "birth_date": person.birth_date,
                "phone": person.phone if rng.random() < 0.5 else "",
                "email": "",
                "city": person.city,
            }
            t0 = time.perf_counter()
            people_queries.duplicate_candidates(org, values)
            return (time.perf_counter() - t0) * 1000

        for _ in range(20):
            check(rng.choice(made))
        check_ms = [check(rng.choice(made)) for _ in range(queries)]
        keys = PersonKey.objects.filter(organization=org).count()
    return {
        "vendor": connection.vendor,
        "persons": persons,
        "keys": keys,
        "load_s": round(load_seconds, 1),
        "search": [round(percentile(search_ms, p), 1) for p in (50, 95, 100)],
        "check": [round(percentile(check_ms, p), 1) for p in (50, 95, 100)],
        "mean_search": round(statistics.mean(search_ms), 1),
        "search_p95_by_kind": {
            name: round(percentile(by_kind[i], 95), 1)
            for i, name in enumerate(KIND_NAMES)
            if i in by_kind
        },
    }


def postgres_reachable() -> bool:
    try:
        import psycopg

        admin_url = PG_URL.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            name = PG_URL.rsplit("/", 1)[1]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except Exception as error:
        print(f"PostgreSQL not reachable at {PG_URL}: {error}", file=sys.stderr)
        return False


def run(database_url: str, persons: int, queries: int, data_dir: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "kindred.settings",
        "KINDRED_DATA_DIR": data_dir,
    }
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            "--persons",
            str(persons),
            "--queries",
            str(queries),
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--worker", action="store_true")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.persons, args.queries)))
        return
    print(f"Search and duplicate check at {args.persons:,} persons ({args.queries} of each):")
    with tempfile.TemporaryDirectory() as tmp:
        targets = [f"sqlite:///{tmp}/bench.sqlite3"]
        if postgres_reachable():
            targets.append(PG_URL)
        for url in targets:
            result = run(url, args.persons, args.queries, tmp)
            s50, s95, smax = result["search"]
            c50, c95, cmax = result["check"]
            print(
                f"  {result['vendor']:<10} loaded in {result['load_s']} s ({result['keys']:,} keys)"
                f"  search p50 {s50} ms p95 {s95} ms max {smax} ms"
                f"  duplicate check p50 {c50} ms p95 {c95} ms max {cmax} ms"
                f"  [target p95 < 50 ms: {'met' if s95 < 50 and c95 < 50 else 'MISSED'}]"
            )
            kinds = ", ".join(f"{k} {v} ms" for k, v in result["search_p95_by_kind"].items())
            print(f"  {'':<10} search p95 by kind: {kinds}")


if __name__ == "__main__":
    main()
