"""The stock ledger at 1,000,000 movements, on PostgreSQL (issue 4's acceptance figures).

    python bench/goods_stock.py [--movements N] [--runs R]

A worker process migrates a fresh database ($KINDRED_BENCH_PG, default
postgres://postgres@127.0.0.1:5432/kindred_bench — dropped and created again), builds an
organisation with two sites, about a hundred storage locations and the default catalogue,
then BULK-LOADS a year of history: a simulation of intake days (counted lines and sacks of
unsorted textiles by weight), sortings, transfers inside a site and between the sites
through in transit, reservations, handouts, stock-count adjustments, exports and recycling.
The simulation keeps the balances as it goes (never negative, reserved within quantity),
and the movements and the balances it ends with are written with COPY — the services
would take hours for a million rows — so the balances equal the sums of the movements by
construction, which `kindred stock verify` then checks. The warehouse site ends with more
than 5,000 stock rows.

Then it times, against that data:
  - one intake line recorded through the real service (services.intake.record_receipt):
    p50/p95 of R runs, target p95 < 20 ms;
  - the current-stock page of the warehouse site (`goods:stock?site=<id>`), rendered by the
    real view through django.test.Client as a logged-in administrator: p50/p95 of R
    requests, target p95 < 150 ms;
  - stock at a past date (queries.stock_at for the site, six months back): target < 1 s;
  - `kindred stock verify`'s check (queries.verify_balances): must find 0 differences.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("KINDRED_BENCH_PG", "postgres://postgres@127.0.0.1:5432/kindred_bench")

TARGET_INTAKE_P95_MS = 20
TARGET_PAGE_P95_MS = 150
TARGET_STOCK_AT_S = 1.0

# Kinds of history event and how often each happens.
EVENTS = {
    "receipt": 30,
    "sorting": 8,
    "handout": 34,
    "transfer": 12,
    "send": 5,
    "receive": 5,
    "reserve": 3,
    "count": 3,
    "dispose": 2,
}
GRADES = (("new", 10), ("good", 50), ("used", 30), ("worn", 10))
WAREHOUSE_HOMES = 6  # shelves and bins per item type at the warehouse


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class History:
    """A year of goods flowing through two sites, kept consistent as it is generated:
    `rows` are the movements, `balance`/`reserved` the stock they leave behind."""

    def __init__(self, *, rng, catalogue, warehouse, shop, start, span, target):
        self.rng = rng
        self.start, self.span, self.target = start, span, target
        self.rows: list[tuple] = []
        self.balance: dict[tuple, int] = defaultdict(int)
        self.reserved: dict[tuple, int] = defaultdict(int)
        self.keys = {"warehouse": [], "shop": []}  # stock keys ever filled, per site
        self.known: set[tuple] = set()
        self.site_of: dict[int, str] = {}
        self.documents: dict[str, int] = defaultdict(int)
        self.pending: list[tuple] = []  # (key at transit, quantity) waiting to be received
        self.reservations: list[tuple] = []
        self.w, self.s = warehouse, shop
        # Handouts, transfers and counts take from shelves and bins, not from the intake
        # area (sacks), the outgoing area (export, recycling) or in transit.
        self.storage = set(warehouse["storage"]) | set(shop["storage"])
        for name, site in (("warehouse", warehouse), ("shop", shop)):
            for location in site["storage"] + [site["intake"], site["transit"], site["area"]]:
                self.site_of[location] = name
        self.types = catalogue["types"]  # [(pk, sizes)]
        self.sack = catalogue["unsorted"]
        self.export, self.recycle = catalogue["export"], catalogue["recycle"]
        # Like a real warehouse, each item type has its own shelves and bins: several at
        # the warehouse, two in the shop.
        self.homes = {
            pk: {
                "warehouse": rng.sample(warehouse["storage"], WAREHOUSE_HOMES),
                "shop": rng.sample(shop["storage"], 2),
            }
            for pk, _sizes in self.types
        }
        self.grades = [g for g, weight in GRADES for _ in range(weight)]

    # Building blocks -----------------------------------------------------------------

    def now(self):
        return self.start + self.span * (len(self.rows) / self.target)

    def document(self, kind: str) -> int:
        self.documents[kind] += 1
        return self.documents[kind]

    def move(self, kind, key, quantity, source, target, document, number, when):
        _location, item_type, size, grade = key
        if source is not None:
            self.balance[(source, item_type, size, grade)] -= quantity
        if target is not None:
            target_key = (target, item_type, size, grade)
            self.balance[target_key] += quantity
            if target_key not in self.known:
                self.known.add(target_key)
                self.keys[self.site_of[target]].append(target_key)
        self.rows.append(
            (kind, item_type, size, grade, quantity, source, target, document, number, when)
        )

    def available(self, key) -> int:
        return self.balance.get(key, 0) - self.reserved.get(key, 0)

    def stocked_key(self, site: str):
        keys = self.keys[site]
        for _ in range(12):
            if not keys:
                return None
            key = keys[self.rng.randrange(len(keys))]
            if key[0] in self.storage and self.available(key) > 0:
                return key
        return None

    def new_key(self, site: str):
        pk, sizes = self.rng.choice(self.types)
        location = self.rng.choice(self.homes[pk][site])
        return (location, pk, self.rng.choice(sizes), self.rng.choice(self.grades))

    # Events --------------------------------------------------------------------------

    def receipt(self):
        rng, when = self.rng, self.now()
        site = "warehouse" if rng.random() < 0.85 else "shop"
        number = self.document("receipt")
        for _ in range(rng.randint(1, 6)):
            key = self.new_key(site)
            self.move("intake", key, rng.randint(1, 6), None, key[0], "receipt", number, when)
        if site == "warehouse" and rng.random() < 0.4:
            sack = (self.w["intake"], self.sack, "", "unsorted")
            self.move("intake", sack, rng.randint(5, 40), None, sack[0], "receipt", number, when)

    def sorting(self):
        rng, when = self.rng, self.now()
        sack = (self.w["intake"], self.sack, "", "unsorted")
        if self.balance.get(sack, 0) < 20:
            return
        weight = rng.randint(10, min(60, self.balance[sack]))
        number = self.document("sorting")
        self.move("sort", sack, weight, sack[0], None, "sorting", number, when)
        for _ in range(rng.randint(2, 8)):
            key = self.new_key("warehouse")
            self.move("sort", key, rng.randint(1, 5), None, key[0], "sorting", number, when)
        for item_type, share in ((self.export, 0.5), (self.recycle, 0.2)):
            kg = int(weight * share)
            if kg:
                key = (self.w["area"], item_type, "", "unsorted")
                self.move("sort", key, kg, None, key[0], "sorting", number, when)

    def handout(self):
        rng, when = self.rng, self.now()
        site = "warehouse" if rng.random() < 0.7 else "shop"
        number = self.document("handout")
        for _ in range(rng.randint(1, 4)):
            key = self.stocked_key(site)
            if key is None:
                return
            quantity = rng.randint(1, min(3, self.available(key)))
            self.move("handout", key, quantity, key[0], None, "handout", number, when)

    def transfer(self):
        rng, when = self.rng, self.now()
        site = "warehouse" if rng.random() < 0.8 else "shop"
        key = self.stocked_key(site)
        if key is None:
            return
        homes = [loc for loc in self.homes[key[1]][site] if loc != key[0]]
        target = rng.choice(homes)
        quantity = rng.randint(1, self.available(key))
        self.move(
            "transfer", key, quantity, key[0], target, "transfer", self.document("transfer"), when
        )

    def send(self):
        """Warehouse to shop: first into the shop's in-transit location."""
        rng, when = self.rng, self.now()
        number = self.document("transfer")
        for _ in range(rng.randint(1, 5)):
            key = self.stocked_key("warehouse")
            if key is None:
                return
            quantity = rng.randint(1, self.available(key))
            transit = self.s["transit"]
            self.move("transfer", key, quantity, key[0], transit, "transfer", number, when)
            self.pending.append(((transit, *key[1:]), quantity, number))

    def receive(self):
        if not self.pending:
            return
        when = self.now()
        for _ in range(min(5, len(self.pending))):
            key, quantity, number = self.pending.pop(0)
            target = self.rng.choice(self.homes[key[1]]["shop"])
            self.move("transfer", key, quantity, key[0], target, "transfer", number, when)

    def reserve(self):
        """Goods set aside for a household; later handed out (release + handout)."""
        when = self.now()
        if self.reservations and self.rng.random() < 0.6:
            key, quantity, number = self.reservations.pop(0)
            self.reserved[key] -= quantity
            self.rows.append(("release", *key[1:], quantity, key[0], None, "handout", number, when))
            self.move("handout", key, quantity, key[0], None, "handout", number, when)
            return
        key = self.stocked_key("warehouse")
        if key is None:
            return
        number = self.document("handout")
        self.reserved[key] += 1
        self.rows.append(("reserve", *key[1:], 1, key[0], None, "handout", number, when))
        self.reservations.append((key, 1, number))

    def count(self):
        rng, when = self.rng, self.now()
        key = self.stocked_key("warehouse" if rng.random() < 0.7 else "shop")
        if key is None:
            return
        number = self.document("count")
        if rng.random() < 0.5:
            self.move("count", key, 1, key[0], None, "count", number, when)
        else:
            self.move("count", key, 1, None, key[0], "count", number, when)

    def dispose(self):
        rng, when = self.rng, self.now()
        for item_type, kind in ((self.export, "export"), (self.recycle, "recycle")):
            key = (self.w["area"], item_type, "", "unsorted")
            if self.balance.get(key, 0) >= 100:
                weight = rng.randint(50, self.balance[key])
                self.move(
                    kind, key, weight, key[0], None, "disposal", self.document("disposal"), when
                )

    def run(self) -> None:
        names = [name for name, weight in EVENTS.items() for _ in range(weight)]
        while len(self.rows) < self.target:
            getattr(self, self.rng.choice(names))()
        del self.rows[self.target :]  # the last event may have run over: trim and recount
        self.balance = defaultdict(int)
        self.reserved = defaultdict(int)
        for kind, item_type, size, grade, quantity, source, target, *_rest in self.rows:
            if kind in ("reserve", "release"):
                sign = 1 if kind == "reserve" else -1
                self.reserved[(source, item_type, size, grade)] += sign * quantity
                continue
            if source is not None:
                self.balance[(source, item_type, size, grade)] -= quantity
            if target is not None:
                self.balance[(target, item_type, size, grade)] += quantity


def setup_organisation(suffix: str):
    from django_scopes import scope

    from kindred.core import services as core
    from kindred.core.models import User
    from kindred.goods.models import ItemType, Location
    from kindred.goods.services.catalogue import ensure_default_catalogue, transit_location
    from kindred.goods.sizes import sizes_for

    admin = User.objects.create_user(email=f"admin@stock-{suffix}.example", full_name="Bench")
    org = core.create_organization(
        slug=f"stock-{suffix}",
        name="Stock bench",
        country="DK",
        currency="DKK",
        admin=admin,
        actor=admin,
    )
    with scope(organization=org):
        sites = {}
        for name, kind, rooms, shelves, bins in (
            ("Central warehouse", "warehouse", 3, 6, 3),
            ("Charity shop", "shop", 2, 4, 2),
        ):
            site = core.create_site(
                org=org, values={"name": name, "kind": kind, "city": "Herning"}, actor=admin
            )
            storage = []
            for r in range(rooms):
                room = Location.objects.create(
                    organization=org, site=site, name=f"Room {r + 1}", kind="room"
                )
                for s in range(shelves):
                    shelf = Location.objects.create(
                        organization=org,
                        site=site,
                        parent=room,
                        name=f"Shelf {r + 1}{'ABCDEF'[s]}",
                        kind="shelf",
                    )
                    storage.append(shelf.pk)
                    for b in range(bins):
                        storage.append(
                            Location.objects.create(
                                organization=org,
                                site=site,
                                parent=shelf,
                                name=f"Bin {r + 1}{'ABCDEF'[s]}{b + 1}",
                                kind="bin",
                            ).pk
                        )
            intake = Location.objects.create(
                organization=org, site=site, name="Intake", kind="area"
            )
            area = Location.objects.create(
                organization=org, site=site, name="Outgoing", kind="area"
            )
            sites[kind] = {
                "site": site,
                "storage": storage,
                "intake": intake.pk,
                "area": area.pk,
                "transit": transit_location(site).pk,
            }
        ensure_default_catalogue(org)
        by_code = {t.code: t for t in ItemType.objects.filter(organization=org)}
        special = {"unsorted-textiles", "unsorted-shoes", "export-textiles", "recycling-textiles"}
        catalogue = {
            "types": [
                (t.pk, list(sizes_for(t.size_system)))
                for code, t in sorted(by_code.items())
                if code not in special and not t.one_off
            ],
            "unsorted": by_code["unsorted-textiles"].pk,
            "export": by_code["export-textiles"].pk,
            "recycle": by_code["recycling-textiles"].pk,
        }
        locations = Location.objects.filter(organization=org).count()
    return admin, org, sites, catalogue, locations


def bulk_load(org, admin, history: History, now) -> None:
    """COPY the movements and the balances they leave (no per-row ORM work)."""
    from django.db import DatabaseError, connection, transaction

    from kindred.goods.models import Movement, StockBalance

    movement_columns = (
        "organization_id, kind, item_type_id, size, grade, quantity, from_location_id, "
        "to_location_id, document_type, document_id, reason, actor_id, created_at"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # The rows are consistent by construction: skip the per-row foreign-key triggers
        # when the role may (a superuser, as in CI); otherwise they check every row.
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            pass
        with cursor.cursor.copy(
            f"COPY {Movement._meta.db_table} ({movement_columns}) FROM STDIN"
        ) as copy:
            for (
                kind,
                item_type,
                size,
                grade,
                qty,
                source,
                target,
                doc,
                number,
                when,
            ) in history.rows:
                copy.write_row(
                    (
                        org.pk,
                        kind,
                        item_type,
                        size,
                        grade,
                        qty,
                        source,
                        target,
                        doc,
                        number,
                        "",
                        admin.pk,
                        when,
                    )
                )
        with cursor.cursor.copy(
            f"COPY {StockBalance._meta.db_table} (organization_id, location_id, item_type_id, "
            "size, grade, quantity, reserved, updated_at) FROM STDIN"
        ) as copy:
            keys = set(history.balance) | set(history.reserved)
            for key in sorted(keys):
                location, item_type, size, grade = key
                copy.write_row(
                    (
                        org.pk,
                        location,
                        item_type,
                        size,
                        grade,
                        history.balance.get(key, 0),
                        history.reserved.get(key, 0),
                        now,
                    )
                )
    with connection.cursor() as cursor:
        # What autovacuum does on a live server: statistics for the planner and the
        # visibility map for index-only scans.
        cursor.execute(f"VACUUM ANALYZE {Movement._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {StockBalance._meta.db_table}")


def worker(movements: int, runs: int) -> dict:
    import django

    django.setup()
    import datetime as dt
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone
    from django_scopes import scope

    from kindred.goods import queries
    from kindred.goods.models import ItemType, Location, StockBalance

    call_command("migrate", verbosity=0)
    suffix = f"{time.time_ns():x}"
    admin, org, sites, catalogue, location_count = setup_organisation(suffix)
    warehouse = sites["warehouse"]
    now = timezone.now()
    rng = random.Random(20261124)
    started = time.perf_counter()
    history = History(
        rng=rng,
        catalogue=catalogue,
        warehouse=warehouse,
        shop=sites["shop"],
        start=now - dt.timedelta(days=365),
        span=dt.timedelta(days=365) - dt.timedelta(minutes=5),
        target=movements,
    )
    history.run()
    generate_s = time.perf_counter() - started
    started = time.perf_counter()
    with scope(organization=org):
        bulk_load(org, admin, history, now)
    load_s = time.perf_counter() - started
    kinds: dict[str, int] = defaultdict(int)
    for row in history.rows:
        kinds[row[0]] += 1

    result: dict = {
        "vendor": connection.vendor,
        "movements": len(history.rows),
        "kinds": dict(sorted(kinds.items(), key=lambda kv: -kv[1])),
        "locations": location_count,
        "generate_s": round(generate_s, 1),
        "load_s": round(load_s, 1),
    }
    site = warehouse["site"]
    with scope(organization=org):
        result["site_rows"] = StockBalance.objects.filter(
            organization=org, location__site=site, quantity__gt=0
        ).count()
        result["all_rows"] = StockBalance.objects.filter(organization=org).count()

        # 1. One intake line through the real service.
        from kindred.goods.services import intake

        types = {t.pk: t for t in ItemType.objects.filter(organization=org)}
        locations = {loc.pk: loc for loc in Location.objects.filter(organization=org)}

        def one_intake(n: int) -> float:
            pk, sizes = rng.choice(catalogue["types"])
            line = intake.ReceiptLineIn(
                item_type=types[pk],
                size=rng.choice(sizes),
                grade="good",
                quantity=Decimal(rng.randint(1, 5)),
                location=locations[rng.choice(history.homes[pk]["warehouse"])],
            )
            t0 = time.perf_counter()
            intake.record_receipt(
                org=org,
                site=site,
                lines=[line],
                actor=admin,
                idempotency_key=f"bench-{suffix}-{n}",
            )
            return (time.perf_counter() - t0) * 1000

        for n in range(20):
            one_intake(-1 - n)
        intake_ms = [one_intake(n) for n in range(runs)]
        result["intake"] = [round(percentile(intake_ms, p), 1) for p in (50, 95, 100)]

    # 2. The current-stock page of the warehouse, through the real view.
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    try:
        url = reverse("goods:stock", kwargs={"org_slug": org.slug})
    except NoReverseMatch:
        url = None
    if url:
        try:
            response = client.get(url, {"site": site.pk})
            result["page_status"] = response.status_code
            result["page_bytes"] = len(response.content)
            page_ms = []
            for n in range(10 + runs):
                t0 = time.perf_counter()
                response = client.get(url, {"site": site.pk})
                ms = (time.perf_counter() - t0) * 1000
                assert response.status_code == 200, response.status_code
                if n >= 10:
                    page_ms.append(ms)
            result["page"] = [round(percentile(page_ms, p), 1) for p in (50, 95, 100)]
            searched = []
            for n in range(10 + runs // 4):
                t0 = time.perf_counter()
                client.get(url, {"site": site.pk, "search": "jacket", "sort": "-quantity"})
                if n >= 10:
                    searched.append((time.perf_counter() - t0) * 1000)
            result["page_search"] = [round(percentile(searched, p), 1) for p in (50, 95, 100)]
        except Exception as error:  # the page is another module's: report, go on measuring
            result["page_error"] = f"{type(error).__name__}: {error}"

    with scope(organization=org):
        # 3. Stock at a past date: the site, six months back.
        site_locations = list(
            Location.objects.filter(organization=org, site=site).values_list("pk", flat=True)
        )
        when = now - dt.timedelta(days=182)
        stock_at_s = []
        for _ in range(5):
            t0 = time.perf_counter()
            past = queries.stock_at(org, when, location_ids=site_locations)
            stock_at_s.append(time.perf_counter() - t0)
        result["stock_at"] = [round(min(stock_at_s), 3), round(max(stock_at_s), 3)]
        result["stock_at_rows"] = len(past)

        # 4. `kindred stock verify`.
        t0 = time.perf_counter()
        differences = queries.verify_balances(org)
        result["verify_s"] = round(time.perf_counter() - t0, 1)
        result["differences"] = len(differences)
    result["mean_intake"] = round(statistics.mean(intake_ms), 1)
    return result


def postgres_reachable() -> bool:
    try:
        import psycopg

        admin_url = PG_URL.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            name = PG_URL.rsplit("/", 1)[1]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except Exception as error:
        print(f"PostgreSQL not reachable at {PG_URL}: {error}", file=sys.stderr)
        return False


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--worker", action="store_true")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.movements, args.runs)))
        return
    print(f"Stock ledger at {args.movements:,} movements (PostgreSQL):")
    if not postgres_reachable():
        print("  skipped: the targets are for PostgreSQL (set KINDRED_BENCH_PG)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": PG_URL,
            "DJANGO_SETTINGS_MODULE": "kindred.settings",
            "KINDRED_DATA_DIR": tmp,
        }
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                "--movements",
                str(args.movements),
                "--runs",
                str(args.runs),
            ],
            env=env,
            cwd=ROOT,
            check=False,
            capture_output=True,
            text=True,
        )
        if out.returncode:
            sys.stderr.write(out.stderr)
            raise SystemExit(f"the benchmark's worker failed (exit status {out.returncode})")
    r = json.loads(out.stdout.strip().splitlines()[-1])
    kinds = ", ".join(f"{k} {v:,}" for k, v in r["kinds"].items())
    print(
        f"  history BULK-LOADED (simulated, then COPY; not through the services): "
        f"{r['movements']:,} movements over a year in {r['generate_s']} s + {r['load_s']} s"
    )
    print(f"    {kinds}")
    print(
        f"    2 sites, {r['locations']} locations; {r['all_rows']:,} balance rows, "
        f"{r['site_rows']:,} with stock at the warehouse site"
    )
    i50, i95, imax = r["intake"]
    print(
        f"  record one intake line (services.intake.record_receipt, {args.runs} runs): "
        f"p50 {i50} ms p95 {i95} ms max {imax} ms  "
        f"[target p95 < {TARGET_INTAKE_P95_MS} ms: {verdict(i95 < TARGET_INTAKE_P95_MS)}]"
    )
    if "page_error" in r:
        print(f"  current-stock page: FAILED with {r['page_error']}")
    elif "page" in r:
        p50, p95, pmax = r["page"]
        print(
            f"  current-stock page, warehouse site ({r['site_rows']:,} rows; GET goods:stock"
            f"?site=, logged in, {args.runs} requests): p50 {p50} ms p95 {p95} ms max {pmax} ms"
            f"  [target p95 < {TARGET_PAGE_P95_MS} ms: {verdict(p95 < TARGET_PAGE_P95_MS)}]"
        )
        s50, s95, smax = r["page_search"]
        print(
            f"    with search 'jacket' sorted by quantity: p50 {s50} ms p95 {s95} ms max {smax} ms"
        )
    else:
        print("  current-stock page: the goods:stock URL does not exist yet, not measured")
    fastest, slowest = r["stock_at"]
    print(
        f"  stock at a past date (queries.stock_at, warehouse site, 182 days back, "
        f"{r['stock_at_rows']:,} keys): {fastest} s to {slowest} s over 5 runs"
        f"  [target < {TARGET_STOCK_AT_S} s: {verdict(slowest < TARGET_STOCK_AT_S)}]"
    )
    print(
        f"  kindred stock verify (queries.verify_balances): {r['differences']} differences "
        f"in {r['verify_s']} s  [target 0: {verdict(r['differences'] == 0)}]"
    )


if __name__ == "__main__":
    main()
