"""Checking a person or household without saving (spreadsheet import dry runs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.core.models import Organization
from kindred.core.services import (
    Conflict,
    Invalid,
    apply_values,
)

from ..models import (
    Household,
    Person,
)
from .persons import (
    EARLIEST_BIRTH_YEAR,
    HOUSEHOLD_FIELDS,
    PERSON_FIELDS,
    _clean_person_values,
    _set_national_id,
)

# Checking without saving (spreadsheet import, people/imports.py) ----------------------------


def check_person(
    *,
    org: Organization,
    values: Mapping[str, Any],
    national_id: tuple[str, str] | None = None,
) -> tuple[Person, list[Invalid | Conflict]]:
    """Every problem `create_person` would refuse these values for, without saving anything.

    The same steps as `create_person` — phone normalisation, the model's field validation,
    the identity-number checks including "already registered" — plus the birth-year range
    the database enforces, but all problems at once (each naming its field) instead of the
    first, so a spreadsheet's report can list every cell to fix. Returns the unsaved person
    as `create_person` would build it: a valid identity number fills the birth date and
    `national_id_index`, so a caller can spot the same number twice in one file."""

    problems: list[Invalid | Conflict] = []
    try:
        cleaned = _clean_person_values(org, values)
    except Invalid as error:
        problems.append(error)
        cleaned = _clean_person_values(org, {k: v for k, v in values.items() if k != error.field})
    person = Person(organization=org)
    apply_values(person, cleaned, PERSON_FIELDS)
    exclude = [f.name for f in Person._meta.fields if f.name not in PERSON_FIELDS]
    try:
        person.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        problems += [
            Invalid(str(messages[0]), field=field) for field, messages in error.message_dict.items()
        ]
    if national_id and national_id[1].strip():
        try:
            _set_national_id(org, person, *national_id)
        except (Invalid, Conflict) as error:
            problems.append(error)
    year, this_year = person.birth_year, timezone.localdate().year
    birth_field = "birth_date" if person.birth_date else "birth_year"
    if (
        isinstance(year, int)
        and not EARLIEST_BIRTH_YEAR <= year <= this_year
        and not any(p.field in {"birth_date", "birth_year"} for p in problems)
    ):
        problems.append(
            Invalid(
                _("Enter a birth year between %(first)s and %(last)s.")
                % {"first": EARLIEST_BIRTH_YEAR, "last": this_year},
                field=birth_field,
            )
        )
    return person, problems


def check_household(*, org: Organization, values: Mapping[str, Any]) -> list[Invalid]:
    """Every problem `create_household` would refuse these values for, without saving."""

    household = Household(organization=org)
    apply_values(household, values, HOUSEHOLD_FIELDS)
    exclude = [f.name for f in Household._meta.fields if f.name not in HOUSEHOLD_FIELDS]
    try:
        household.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return [
            Invalid(str(messages[0]), field=field) for field, messages in error.message_dict.items()
        ]
    return []
