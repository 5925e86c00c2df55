"""What the API fuzzing (test_api_fuzz.py) needs besides the test: the real rows its ids
are drawn from, and the per-operation tally of answers with its report.

Rows: the demo organisation's own rows, so that fuzzed requests get past the 404 (an id in
the path) or the 422 (an id in the body: a site, a household, an item type…) and reach the
code behind it, and the other demo organisation's rows, which must never be found through
the first one's URLs.

Tally: how many answers each operation gave, by status code. Every process writes its part
to the pytest cache folder; whichever process ends last (with pytest-xdist, each worker runs
a share of the operations) merges the parts of its run into one table there, prints it when
it has a terminal, and checks the floor (`Floor`).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from collections import Counter, defaultdict
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db.models import Model
from django_scopes import scopes_disabled

from kindred.aid.models import (
    AllocationRun,
    Booking,
    DistributionDay,
    EligibilityRule,
    Handout,
    HelpRequest,
    NeedLine,
    Reservation,
    ReservationLine,
)
from kindred.core.models import Invitation, Membership, Organization, Site
from kindred.goods.models import (
    Category,
    DonationReceipt,
    ItemType,
    Location,
    StockBalance,
    StockCount,
    StockCountLine,
    Threshold,
    Transfer,
)
from kindred.people.models import (
    Consent,
    ConsentPurpose,
    Contact,
    ContactPerson,
    Household,
    HouseholdMember,
    Person,
)
from kindred.privacy.models import LegalHold

# --- Rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rows:
    """The table a path's id parameters name: an operation whose path contains `fragment` and
    whose id parameters are exactly `fields`' keys takes its ids from `model`, each parameter
    from the column `fields` names (nested ids come from one row, so they belong together)."""

    fragment: str
    model: type[Model]
    fields: dict[str, str]


ROWS = [
    Rows("/sites/{site_id}", Site, {"site_id": "pk"}),
    Rows("/members/{member_id}", Membership, {"member_id": "pk"}),
    Rows("/invitations/{invitation_id}", Invitation, {"invitation_id": "pk"}),
    Rows("/persons/{person_id}", Person, {"person_id": "pk"}),
    Rows(
        "/persons/{person_id}/consents/{consent_id}",
        Consent,
        {"person_id": "person_id", "consent_id": "pk"},
    ),
    Rows("/contacts/{contact_id}", Contact, {"contact_id": "pk"}),
    Rows(
        "/contacts/{contact_id}/people/{link_id}",
        ContactPerson,
        {"contact_id": "contact_id", "link_id": "pk"},
    ),
    Rows("/households/{household_id}", Household, {"household_id": "pk"}),
    Rows(
        "/households/{household_id}/members/{member_id}",
        HouseholdMember,
        {"household_id": "household_id", "member_id": "pk"},
    ),
    Rows("/legal-holds/{hold_id}", LegalHold, {"hold_id": "pk"}),
    Rows("/item-types/{item_type_id}", ItemType, {"item_type_id": "pk"}),
    Rows("/locations/{location_id}", Location, {"location_id": "pk"}),
    Rows("/thresholds/{threshold_id}", Threshold, {"threshold_id": "pk"}),
    Rows("/receipts/{receipt_id}", DonationReceipt, {"receipt_id": "pk"}),
    Rows("/transfers/{transfer_id}", Transfer, {"transfer_id": "pk"}),
    Rows("/counts/{count_id}", StockCount, {"count_id": "pk"}),
    Rows("/allocation-runs/{run_id}", AllocationRun, {"run_id": "pk"}),
    Rows("/reservations/{reservation_id}", Reservation, {"reservation_id": "pk"}),
    Rows("/days/{day_id}", DistributionDay, {"day_id": "pk"}),
    Rows("/bookings/{booking_id}", Booking, {"booking_id": "pk"}),
    Rows("/eligibility-rules/{rule_id}", EligibilityRule, {"rule_id": "pk"}),
    Rows("/handouts/{handout_id}", Handout, {"handout_id": "pk"}),
    Rows("/requests/{request_id}", HelpRequest, {"request_id": "pk"}),
    Rows(
        "/requests/{request_id}/lines/{line_id}",
        NeedLine,
        {"request_id": "request_id", "line_id": "pk"},
    ),
]


def id_parameters(path: str) -> set[str]:
    """The path parameters that name rows (all but the organisation's slug)."""
    return set(re.findall(r"{(\w+)}", path)) - {"slug"}


def rows_for(path: str) -> Rows | None:
    """The one `ROWS` entry for an operation's path (None when it has no ids); ambiguous or
    missing entries raise, so that a new endpoint cannot quietly be fuzzed with 404s only."""
    ids = id_parameters(path)
    if not ids:
        return None
    found = [rows for rows in ROWS if rows.fragment in path and set(rows.fields) == ids]
    if len(found) != 1:
        raise LookupError(f"{path}: {len(found)} entries in ROWS name its ids {sorted(ids)}")
    return found[0]


PathIds = dict[str, int]


def rows_of(rows: Rows, org: Organization) -> list[PathIds]:
    """The ids of every row of `rows.model` that `org` owns, as path parameters."""
    names = list(rows.fields)
    with scopes_disabled():
        values = (
            rows.model.objects.filter(organization=org)
            .order_by("pk")
            .values_list(*rows.fields.values())
        )
        return [dict(zip(names, row, strict=True)) for row in values]


# Ids in request bodies, by field name (in nested lines too); `item_type` takes a code too.
# `line_id` names a line of the document in the path (BODY_LINES).
BODY_ROWS: dict[str, type[Model]] = {
    "site_id": Site,
    "site_ids": Site,
    "household_id": Household,
    "person_id": Person,
    "applicant_id": Person,
    "donor_person_id": Person,
    "donor_contact_id": Contact,
    "receiver_contact_id": Contact,
    "purpose_id": ConsentPurpose,
    "consent_purpose_id": ConsentPurpose,
    "category_id": Category,
    "parent_id": Location,
    "location_id": Location,
    "source_location_id": Location,
    "from_location_id": Location,
    "to_location_id": Location,
    "item_type_id": ItemType,
    "item_type": ItemType,
    "source_item_type": ItemType,
    "request_id": HelpRequest,
    "day_id": DistributionDay,
    "booking_id": Booking,
    "need_id": NeedLine,
    "balance_id": StockBalance,
}
BODY_LINES: dict[str, type[Model]] = {
    "/goods/counts/": StockCountLine,
    "/hand-out": ReservationLine,
}
CODES = "item type codes"
# Quantities are decimals of at most 3 places; the document can only say "number or string",
# so generated ones are nearly always refused before any stock is looked at.
QUANTITY_FIELDS = {"quantity", "weight_kg"}
QUANTITIES = [1, 2, 3, 5, 10]


def body_pool(tables: dict[str, list], path: str, field: str, value) -> list | None:
    """The real values for a body field (None: not one of ours): ids of the organisation's
    rows, an item type's code in place of a code, a plausible quantity."""
    if field in QUANTITY_FIELDS:
        return QUANTITIES
    if field == "line_id":
        model = next((m for part, m in BODY_LINES.items() if part in path), None)
    else:
        model = BODY_ROWS.get(field)
    if model is ItemType and isinstance(value, str):
        return tables.get(CODES)
    return tables.get(model._meta.label) if model is not None else None


def body_tables(org: Organization) -> dict[str, list]:
    """The ids of `org`'s rows of every table that bodies name, by model label, and its item
    type codes."""
    with scopes_disabled():
        tables: dict[str, list] = {
            model._meta.label: list(
                model.objects.filter(organization=org).order_by("pk").values_list("pk", flat=True)
            )
            for model in {*BODY_ROWS.values(), *BODY_LINES.values()}
        }
        codes = ItemType.objects.filter(organization=org).exclude(code="").order_by("pk")
        tables[CODES] = list(codes.values_list("code", flat=True))
    return tables


def with_rows(body, path: str, tables: dict[str, list], pick):
    """`body` with `pick(pool)` in place of each value of ours (`body_pool`). Other values,
    and bodies that are no JSON object, stay as they are."""

    def swap(field: str, value):
        if isinstance(value, list) and value and all(_scalar(v) for v in value):
            return [swap(field, v) for v in value]  # e.g. site_ids
        pool = body_pool(tables, path, field, value) if _scalar(value) else None
        if pool:
            return pick(pool)
        return walk(value)

    def walk(node):
        if isinstance(node, dict):
            return {field: swap(field, value) for field, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(body)


def _scalar(value) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)


def key(path_parameters: dict) -> frozenset[tuple[str, str]]:
    """Path ids, comparable whatever their type (a case may carry "12" or 12)."""
    return frozenset((k, str(v)) for k, v in path_parameters.items() if k != "slug")


# --- Tally ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Floor:
    """What the fuzzing must reach to count as reaching the code: the share of operations,
    and of GET operations with ids in their path, that answered 2xx at least once."""

    all_operations: float
    gets_with_ids: float


def _folder(config: pytest.Config) -> Path:
    cache = getattr(config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir("api_fuzz"))
    folder = Path(config.rootpath, ".pytest_cache", "d", "api_fuzz")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Tally:
    """Answers per operation ("GET /api/v1/…/persons/{person_id}") and status code."""

    def __init__(self) -> None:
        self.codes: defaultdict[str, Counter[int]] = defaultdict(Counter)
        self.foreign = 0  # requests naming the other organisation's rows in their path

    def record(self, operation: str, status: int) -> None:
        self.codes[operation][status] += 1

    def finish(self, config: pytest.Config, expected: set[str], floor: Floor | None) -> str | None:
        """Write this process's part, merge the parts of the run; when they cover every
        expected operation, write the report and return the floor's complaint, if any
        (`floor` None: a partial run, e.g. `-k`, which no floor can judge)."""
        worker = getattr(config, "workerinput", None)
        run = worker["testrunuid"] if worker else f"solo-{os.getpid()}"
        me = worker["workerid"] if worker else "main"
        folder = _folder(config)
        with open(folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for stale in folder.glob("*.part.json"):
                if (
                    not stale.name.startswith(f"{run}.")
                    and stale.stat().st_mtime < time.time() - 3600
                ):
                    stale.unlink(missing_ok=True)
            codes = {op: {str(s): n for s, n in c.items()} for op, c in self.codes.items()}
            part = {"codes": codes, "foreign": self.foreign}
            (folder / f"{run}.{me}.part.json").write_text(json.dumps(part))
            merged: defaultdict[str, Counter[int]] = defaultdict(Counter)
            foreign = 0
            for path in folder.glob(f"{run}.*.part.json"):
                part = json.loads(path.read_text())
                foreign += part["foreign"]
                for op, c in part["codes"].items():
                    merged[op].update({int(s): n for s, n in c.items()})
            if not expected <= set(merged):
                return None  # another process still runs operations of this run
            lines, complaint = report(merged, foreign, floor)
            (folder / "report.txt").write_text("\n".join(lines) + "\n")
        for path in folder.glob(f"{run}.*.part.json"):
            path.unlink(missing_ok=True)
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        capture = config.pluginmanager.get_plugin("capturemanager")
        if terminal is not None and worker is None:  # a worker's terminal shows nowhere
            with capture.global_and_fixture_disabled() if capture else nullcontext():
                terminal.write_line("")
                for line in [*lines[:3], *weakest(merged), f"(all: {folder / 'report.txt'})"]:
                    terminal.write_line(line)
        return complaint


def _reached(codes: Counter[int]) -> bool:
    return any(200 <= status < 300 for status in codes)


def _share(codes: Counter[int]) -> float:
    total = sum(codes.values())
    return sum(n for status, n in codes.items() if 200 <= status < 300) / total if total else 0.0


def _row(operation: str, codes: Counter[int]) -> str:
    total = sum(codes.values())
    ok = sum(n for status, n in codes.items() if 200 <= status < 300)
    errors = " ".join(f"{status}:{n}" for status, n in sorted(codes.items()) if status >= 300)
    return f"{total:6} {ok:6} {ok / total if total else 0:5.0%}  {operation}  {errors}"


def weakest(codes: dict[str, Counter[int]], count: int = 8) -> list[str]:
    ranked = sorted(codes, key=lambda op: (_share(codes[op]), op))[:count]
    return ["the weakest:", *(_row(op, codes[op]) for op in ranked)]


def report(
    codes: dict[str, Counter[int]], foreign: int, floor: Floor | None
) -> tuple[list[str], str | None]:
    """The table (summary lines first) and the floor's complaint, if the run fell below it."""
    reached = [op for op in codes if _reached(codes[op])]
    gets = [op for op in codes if op.startswith("GET ") and id_parameters(op)]
    gets_reached = [op for op in gets if op in reached]
    calls = sum(sum(c.values()) for c in codes.values())
    ok = sum(n for c in codes.values() for status, n in c.items() if 200 <= status < 300)
    lines = [
        f"API fuzzing: {len(reached)} of {len(codes)} operations answered 2xx at least once; "
        f"{len(gets_reached)} of {len(gets)} GET operations with ids in their path",
        f"{calls} requests, {ok} answered 2xx ({ok / calls if calls else 0:.0%}); {foreign} "
        "named the other organisation's rows in their path (none may answer 2xx)",
        "never 2xx: " + (", ".join(sorted(set(codes) - set(reached))) or "none"),
        "",
        " calls    2xx share  operation  other answers (status:count)",
        *(_row(op, codes[op]) for op in sorted(codes, key=lambda op: (op.split()[1], op))),
    ]
    complaint = None
    if floor is not None and (
        len(reached) < floor.all_operations * len(codes)
        or len(gets_reached) < floor.gets_with_ids * len(gets)
    ):
        complaint = (
            f"the fuzzing no longer reaches the code: {len(reached)}/{len(codes)} operations "
            f"answered 2xx (floor {floor.all_operations:.0%}), {len(gets_reached)}/{len(gets)} "
            f"GETs with ids (floor {floor.gets_with_ids:.0%}); {lines[2]}"
        )
    return lines, complaint
