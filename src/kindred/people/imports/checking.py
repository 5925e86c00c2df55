"""Checking rows with the people services' own rules, grouping them into households, and
the report of every problem by row and column."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.core.models import Organization

from .. import identity, queries
from .. import services as people_services
from ..models import HouseholdMember, Person
from .columns import TEXT_FIELDS
from .reading import (
    ID_DIGITS,
    POSTCODE_DIGITS,
    choice_value,
    column_letter,
    column_name,
    date_value,
    is_empty,
    languages_value,
    padded,
    text_value,
    year_value,
)

REPORT_EVERY = 250  # rows between two progress updates
Relation = HouseholdMember.Relation
Progress = Callable[[int, int], None]

# Checking rows -----------------------------------------------------------------------------


@dataclass
class RowCheck:
    """One data row: the values for the services, its problems and its warnings, each a
    {"row", "column", "header", "field", "message"} dict. `warnings` never stop a row from
    being imported (the duplicate finder adds "possible duplicate of …" here)."""

    row: int
    values: dict[str, Any] = field(default_factory=dict)
    national_id: tuple[str, str] | None = None
    household_key: str = ""
    household_label: str = ""
    relation: str = ""
    person: Person | None = None  # unsaved, as create_person would build it
    problems: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class Checker:
    """Validates rows against one batch's mapping, with the services' rules."""

    def __init__(self, org: Organization, headers: list[str], mapping: list[str]):
        self.org = org
        self.headers = headers
        self.columns = {key: i for i, key in enumerate(mapping) if key}
        self.identity_rows: dict[str, int] = {}
        # Rows whose registered look-alikes are still to be found (find_duplicates).
        self.pending: list[tuple[RowCheck, Person]] = []

    def note(self, check: RowCheck, key: str, message: str, *, warning: bool = False) -> None:
        index = self.columns.get(key)
        item = {
            "row": check.row,
            "column": column_letter(index) if index is not None else "",
            "header": column_name(self.headers, index) if index is not None else "",
            "field": key,
            "message": str(message),
        }
        (check.warnings if warning else check.problems).append(item)

    def cell(self, cells: list[Any], key: str) -> Any:
        index = self.columns.get(key)
        return cells[index] if index is not None else None

    def check(self, number: int, cells: list[Any]) -> RowCheck:
        check = RowCheck(row=number)
        values = check.values
        for key in TEXT_FIELDS:
            if key in self.columns:
                values[key] = text_value(self.cell(cells, key))
        for key, parse in (("birth_date", date_value), ("birth_year", year_value)):
            if key in self.columns:
                try:
                    values[key] = parse(self.cell(cells, key))
                except ValidationError as error:
                    self.note(check, key, error.messages[0])
        for key in ("gender", "country"):
            if key in self.columns:
                values[key] = choice_value(key, self.cell(cells, key))
        if "postcode" in self.columns:
            digits = POSTCODE_DIGITS.get(values.get("country") or self.org.country)
            values["postcode"] = padded(self.cell(cells, "postcode"), digits)
        if "languages" in self.columns:
            values["languages"], unknown = languages_value(self.cell(cells, "languages"))
            for word in unknown:
                self.note(
                    check,
                    "languages",
                    _("“%(value)s” is not a language Kindred knows: use a name such as "
                      "Danish or a code such as da.") % {"value": word},
                )  # fmt: skip
        self._identity(check, cells)
        self._household(check, cells)
        person, problems = people_services.check_person(
            org=self.org, values=values, national_id=check.national_id
        )
        check.person = person
        for problem in problems:
            key = problem.field if problem.field in self.columns else ""
            if problem.field == "birth_year" and "birth_year" not in self.columns:
                key = "birth_date"
            self.note(check, key, problem.message)
        if check.ok:
            self.pending.append((check, person))
        index = person.national_id_index
        if index and not any(p["field"] == "national_id" for p in check.problems):
            first = self.identity_rows.setdefault(index, number)
            if first != number:
                self.note(
                    check,
                    "national_id",
                    _("The same identity number is in row %(row)s.") % {"row": first},
                )
        return check

    def find_duplicates(self) -> None:
        """Registered persons the pending rows may already be (the registration form's
        check, queries.duplicate_candidates), found for all of them at once."""
        pending, self.pending = self.pending, []
        records = [
            ({f: getattr(person, f) for f in people_services.PERSON_FIELDS}, check.national_id)
            for check, person in pending
        ]
        found = queries.duplicate_candidates_many(self.org, records, limit=3)
        for (check, _person), candidates in zip(pending, found, strict=True):
            for candidate in candidates:
                self.note(
                    check,
                    "given_name",
                    _("Perhaps already registered as %(name)s (no. %(id)s, %(percent)s %% alike).")
                    % {
                        "name": candidate.person.full_name,
                        "id": candidate.person.pk,
                        "percent": candidate.percent,
                    },
                    warning=True,
                )

    def _identity(self, check: RowCheck, cells: list[Any]) -> None:
        if "national_id" not in self.columns:
            return
        raw = self.cell(cells, "national_id")
        if is_empty(raw):
            return
        country = choice_value("country", self.cell(cells, "national_id_country")).upper()
        if not country:
            fallback = [check.values.get("country", ""), self.org.country]
            country = next((c for c in fallback if c in identity.SUPPORTED_COUNTRIES), "")
        if not country:
            self.note(
                check,
                "national_id_country" if "national_id_country" in self.columns else "national_id",
                _("Choose the country that issued the identity number."),
            )
            return
        check.national_id = (country, padded(raw, ID_DIGITS.get(country)))

    def _household(self, check: RowCheck, cells: list[Any]) -> None:
        label = text_value(self.cell(cells, "household"))
        reference = text_value(self.cell(cells, "household_ref"))
        check.household_label = label
        key = reference or label
        check.household_key = " ".join(key.casefold().split())
        if "relation" in self.columns and not is_empty(self.cell(cells, "relation")):
            relation = choice_value("relation", self.cell(cells, "relation"))
            if relation not in Relation.values:
                self.note(check, "relation", _("Choose a valid relation."))
            elif not check.household_key:
                self.note(
                    check,
                    "relation",
                    _("No household is given on this row, so the relation is not used."),
                    warning=True,
                )
            else:
                check.relation = relation


@dataclass
class Unit:
    """What one step of the import creates: a person alone, or a household's members."""

    members: list[RowCheck]
    relations: list[str] = field(default_factory=list)
    household: dict[str, Any] | None = None  # the household's values; None: no household


def _adult(person: Person | None, today: date) -> bool | None:
    if person is None:
        return None
    if person.birth_date:
        return person.age_on(today) >= 18
    if person.birth_year:
        return today.year - person.birth_year >= 18
    return None


def plan(checker: Checker, checks: list[RowCheck]) -> list[Unit]:
    """Group the rows without problems into what will be created, in file order. Rows
    that share a household key form one household: an explicit relation is kept; otherwise
    the first adult (or person of unknown age) is head, younger ones are children and the
    rest other adults. A household's problems (e.g. a label too long) go on all its rows."""
    today = timezone.localdate()
    units: list[Unit] = []
    groups: dict[str, Unit] = {}
    for check in checks:
        if not check.ok:
            continue
        if not check.household_key:
            units.append(Unit([check], [""]))
            continue
        unit = groups.get(check.household_key)
        if unit is None:
            unit = groups[check.household_key] = Unit([])
            units.append(unit)
        unit.members.append(check)
    for unit in groups.values():
        heads = [c for c in unit.members if c.relation == Relation.HEAD]
        for extra in heads[1:]:
            checker.note(
                extra,
                "relation",
                _("Row %(row)s is already the head of this household.") % {"row": heads[0].row},
                warning=True,
            )
        has_head = bool(heads)
        for check in unit.members:
            relation = check.relation
            if not relation:
                adult = _adult(check.person, today)
                if not has_head and adult is not False:
                    relation, has_head = Relation.HEAD, True
                else:
                    relation = Relation.CHILD if adult is False else Relation.OTHER_ADULT
            unit.relations.append(relation)
        unit.household = _household_values(unit)
        for problem in people_services.check_household(org=checker.org, values=unit.household):
            for check in unit.members:
                checker.note(check, "household", problem.message)
    return [u for u in units if all(c.ok for c in u.members)]


def _household_values(unit: Unit) -> dict[str, Any]:
    members = unit.members
    head = next(
        (c for c, r in zip(members, unit.relations, strict=True) if r == Relation.HEAD),
        members[0],
    )
    with_address = next(
        (c for c in [head, *members] if c.values.get("street") or c.values.get("city")), head
    )
    label = next((c.household_label for c in members if c.household_label), "")
    if not label:
        label = head.values.get("family_name") or head.values.get("given_name") or ""
    values = {"label": label}
    for key in ("street", "postcode", "city", "country"):
        values[key] = with_address.values.get(key) or ""
    return values


def check_rows(
    org: Organization, headers: list[str], mapping: list[str], rows, on_progress=None
) -> tuple[Checker, list[RowCheck], list[Unit]]:
    checker = Checker(org, headers, mapping)
    checks = []
    total = len(rows)
    for done, (number, cells) in enumerate(rows, start=1):
        checks.append(checker.check(number, cells))
        if done % REPORT_EVERY == 0 or done == total:
            checker.find_duplicates()  # a few queries per REPORT_EVERY rows, not one per row
            if on_progress is not None and done < total:
                on_progress(done, total)
    units = plan(checker, checks)
    return checker, checks, units


def build_report(checks: list[RowCheck], units: list[Unit]) -> dict[str, Any]:
    flagged = [c for c in checks if c.problems or c.warnings]
    bad = sum(1 for c in checks if not c.ok)
    return {
        "summary": {
            "rows": len(checks),
            "ok": len(checks) - bad,
            "with_problems": bad,
            "problems": sum(len(c.problems) for c in checks),
            "warnings": sum(len(c.warnings) for c in checks),
            "households": sum(1 for u in units if u.household is not None),
        },
        "rows": [
            {"row": c.row, "problems": _by_column(c.problems), "warnings": _by_column(c.warnings)}
            for c in flagged
        ],
    }


def _by_column(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: (len(item["column"]), item["column"]))


def report_items(report: dict[str, Any], show: str = "") -> list[dict[str, Any]]:
    """The report's problems and warnings as one list, by row; `show` = "problems" or
    "warnings" keeps one kind."""
    items = []
    for row in report.get("rows", []):
        if show != "warnings":
            items += [{**p, "kind": "problem"} for p in row["problems"]]
        if show != "problems":
            items += [{**w, "kind": "warning"} for w in row["warnings"]]
    return items
