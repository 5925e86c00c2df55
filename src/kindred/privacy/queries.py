"""Reads for the rights of the person and for retention (docs/decisions/0008).

Nothing here names the models that refer to a person: they are found in Django's model
registry (`person_relations`), so a model added later (help requests, handouts,
donations) is exported, erased and counted as activity without touching this module.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kindred.core import audit
from kindred.core.models import AuditEntry, Organization
from kindred.people import identity
from kindred.people.keys import context as identity_context
from kindred.people.keys import keys
from kindred.people.models import Person, search_key

from .models import LegalHold, RetentionRule

EXPORT_FORMAT = "kindred.person-export"
EXPORT_VERSION = 1


# The models that refer to a person ---------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """A model with one or more foreign keys (or one-to-one fields) to Person."""

    model: type[models.Model]
    fields: tuple[models.Field, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def condition(self, person: Person | int) -> Q:
        pk = person.pk if isinstance(person, Person) else person
        found = Q()
        for f in self.fields:
            found |= Q(**{f.attname: pk})
        return found

    def rows(self, person: Person) -> QuerySet:
        return self.model._default_manager.filter(self.condition(person)).order_by("pk")

    @property
    def counts_as_activity(self) -> bool:
        return getattr(self.model, "privacy_activity", True)


def person_relations() -> list[Relation]:
    """Every model with a foreign key or one-to-one field to Person, from the model registry
    (the hidden tables of many-to-many fields included). Person itself is left out: a
    person record pointing at another (a merge, a duplicate) is that other person's data."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model is Person:
            continue
        fks = tuple(
            f for f in model._meta.concrete_fields if f.is_relation and f.related_model is Person
        )
        if fks:
            found.append(Relation(model, fks))
    return sorted(found, key=lambda r: r.label)


def _is_text(f: models.Field) -> bool:
    return isinstance(f, models.CharField | models.TextField | models.JSONField)


def text_columns(model: type[models.Model]) -> list[models.Field]:
    """The columns of `model` that can hold words: text, short text and JSON, except choices
    (their values are codes) and foreign keys."""
    return [f for f in model._meta.concrete_fields if _is_text(f) and not f.choices]


def date_columns(model: type[models.Model]) -> list[models.Field]:
    """Its date and date-time columns (DateTimeField is a DateField)."""
    return [f for f in model._meta.concrete_fields if isinstance(f, models.DateField)]


# Export: everything we hold about a person --------------------------------------------------


@dataclass
class Item:
    name: str
    label: str
    value: Any  # JSON-safe
    text: str  # for people to read
    # False for what the page and the PDF need not repeat on every record: the
    # organisation, and a link back to the person the export is about (the JSON has both).
    readable: bool = True


@dataclass
class Record:
    items: list[Item]
    linked: dict[str, Record] = field(default_factory=dict)

    @property
    def readable_items(self) -> list[Item]:
        """The fields for people, each linked object's fields after the field naming it."""
        shown = []
        for item in self.items:
            if not item.readable:
                continue
            shown.append(item)
            if item.name in self.linked:
                shown += [
                    Item(f"{item.name}.{i.name}", f"↳ {capfirst(i.label)}", i.value, i.text)
                    for i in self.linked[item.name].items
                    if i.name != DISPLAY
                ]
        return shown

    def as_json(self) -> dict:
        data: dict[str, Any] = {"fields": {i.name: i.value for i in self.items}}
        if self.linked:
            data["linked"] = {name: r.as_json()["fields"] for name, r in self.linked.items()}
        return data


@dataclass
class Section:
    model: str
    title: str
    via: list[str]
    columns: list[str]
    records: list[Record]


@dataclass
class AuditLine:
    id: int
    created_at: datetime
    action: str
    object_type: str
    object_repr: str
    changes: dict
    via: str

    def readable_changes(self) -> list[tuple[str, str, str]]:
        return audit.readable_changes(
            AuditEntry(object_type=self.object_type, changes=self.changes)
        )

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "action": self.action,
            "action_label": audit.action_label(self.action),
            "object_type": self.object_type,
            "object": self.object_repr,
            "changes": self.changes,
            "via": self.via,
        }


@dataclass
class PersonExport:
    organization: Organization
    person: Person
    generated_at: datetime
    record: Record
    national_id: str | None
    sections: list[Section]
    audit_lines: list[AuditLine]

    def as_json(self) -> dict:
        person = self.record.as_json()["fields"]
        person["national_id"] = self.national_id
        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "generated_at": self.generated_at.isoformat(),
            "organisation": {"name": self.organization.name, "slug": self.organization.slug},
            "person": person,
            "related": [
                {
                    "model": s.model,
                    "title": s.title,
                    "via": s.via,
                    "columns": s.columns,
                    "rows": [r.as_json() for r in s.records],
                }
                for s in self.sections
            ],
            "audit_log": [line.as_json() for line in self.audit_lines],
        }

    def readable_sections(self) -> list[Section]:
        """Sections with at least one record, for the page and the PDF."""
        return [s for s in self.sections if s.records]

    def readable_person(self) -> list[Item]:
        """The person's fields without the technical columns (the encrypted number and the
        search key are in the JSON file), with the identity number in clear."""
        items = [i for i in self.record.readable_items if i.name not in TECHNICAL_PERSON_FIELDS]
        if self.national_id:
            country = self.person.national_id_country
            items.append(
                Item("national_id", _("Identity number"), None, f"{self.national_id} ({country})")
            )
        return items


# Person columns that only the JSON file shows: ciphertext, blind index, derived search key.
TECHNICAL_PERSON_FIELDS = frozenset({"national_id_ciphertext", "national_id_index", "search_name"})


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return str(value)


def _text(f: models.Field, value: Any, linked: Record | None = None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if f.is_relation:
        if f.related_model is Person:
            return _("another person's record (#%(id)s)") % {"id": value}
        if f.related_model is apps.get_model(settings.AUTH_USER_MODEL):
            return _("a member of staff")
        label = next((i.text for i in linked.items if i.name == DISPLAY), "") if linked else ""
        return label or f"#{value}"
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _label(f: models.Field) -> str:
    return str(getattr(f, "verbose_name", f.name))


def _record(
    obj: models.Model, *, skip_links: frozenset[str] = frozenset(), subject: int | None = None
) -> Record:
    """Every concrete field of `obj`; objects its foreign keys point at are linked (one
    hop), except persons, users and organisations (see `_linked`)."""
    items, linked = [], {}
    for f in obj._meta.concrete_fields:
        value = f.value_from_object(obj)
        target = None
        if f.is_relation and value is not None and f.name not in skip_links:
            target = _linked(obj, f)
            if target is not None:
                linked[f.name] = target
        readable = not (
            f.is_relation
            and (
                f.related_model._meta.label_lower == "core.organization"
                or (f.related_model is Person and value == subject)
            )
        )
        items.append(Item(f.name, _label(f), _json_value(value), _text(f, value, target), readable))
    return Record(items, linked)


_NOT_LINKED = ("people.person", "core.organization")
DISPLAY = "_display"  # a linked object's name, as the organisation's pages show it


def _linked(obj: models.Model, f: models.Field) -> Record | None:
    """The object a row of the person's points at (their household, the purpose of a
    consent, the company they speak for): its name and short fields. Its long texts (notes,
    descriptions) describe it, not the person, and are left out; so are other persons,
    users (staff) and the organisation."""
    model = f.related_model
    if model._meta.label_lower in _NOT_LINKED or model is apps.get_model(settings.AUTH_USER_MODEL):
        return None
    target = getattr(obj, f.name)
    items = [Item(DISPLAY, _("name"), str(target), str(target))]
    for g in target._meta.concrete_fields:
        if g.is_relation or isinstance(g, models.TextField):
            continue
        value = g.value_from_object(target)
        items.append(Item(g.name, _label(g), _json_value(value), _text(g, value)))
    return Record(items)


def _decrypted_national_id(org: Organization, person: Person) -> str | None:
    if not person.national_id_ciphertext:
        return None
    try:
        return identity.decrypt(
            keys(), person.national_id_ciphertext, context=identity_context(org)
        )
    except (ValueError, LookupError):
        # A key that was removed from the configuration: the number cannot be read back.
        return None


def audit_entries_about(
    org: Organization, person: Person, rows: dict[Relation, list[int]]
) -> QuerySet[AuditEntry]:
    """The audit entries about the person: on their record, and on every row that refers
    to them (their household memberships, consents, contact roles, …)."""
    about = Q(object_type=Person._meta.label_lower, object_id=str(person.pk))
    for relation, pks in rows.items():
        if pks:
            about |= Q(object_type=relation.label, object_id__in=[str(pk) for pk in pks])
    return AuditEntry.objects.filter(organization=org).filter(about).order_by("created_at", "id")


def related_rows(person: Person) -> dict[Relation, list[int]]:
    return {r: list(r.rows(person).values_list("pk", flat=True)) for r in person_relations()}


def person_export(org: Organization, person: Person) -> PersonExport:
    """Everything the organisation holds about `person`: every field of their record, every
    row of every model that refers to them (with the objects those rows point at, one
    hop), and the audit entries about them. The identity number is decrypted: the person
    asked for their data. Staff identities (who did what, from which address) are left out
    of the audit lines: they are the staff's personal data (docs/decisions/0008)."""
    sections = []
    rows: dict[Relation, list[int]] = {}
    for relation in person_relations():
        objs = list(relation.rows(person))
        rows[relation] = [o.pk for o in objs]
        skip = frozenset(f.name for f in relation.fields)
        sections.append(
            Section(
                model=relation.label,
                title=str(relation.model._meta.verbose_name_plural),
                via=[f.name for f in relation.fields],
                columns=[f.name for f in relation.model._meta.concrete_fields],
                records=[_record(o, skip_links=skip, subject=person.pk) for o in objs],
            )
        )
    lines = [
        AuditLine(e.pk, e.created_at, e.action, e.object_type, e.object_repr, e.changes, e.via)
        for e in audit_entries_about(org, person, rows)
    ]
    return PersonExport(
        organization=org,
        person=person,
        generated_at=timezone.now(),
        record=_record(person),
        national_id=_decrypted_national_id(org, person),
        sections=sections,
        audit_lines=lines,
    )


# Retention ----------------------------------------------------------------------------------


def retention_rule(org: Organization) -> RetentionRule:
    """The organisation's rule, or the default (unsaved) when it has none."""
    rule = RetentionRule.objects.filter(organization=org).first()
    return rule if rule is not None else RetentionRule(organization=org)


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it has no such day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def activity_columns() -> list[tuple[Relation, models.Field]]:
    """Every date and time column of every model that refers to a person and counts as
    their activity (a model opts out with `privacy_activity = False`)."""
    return [
        (relation, column)
        for relation in person_relations()
        if relation.counts_as_activity
        for column in date_columns(relation.model)
    ]


def inactive_persons(org: Organization, cutoff: date) -> QuerySet[Person]:
    """Persons not yet anonymised with no activity on or after `cutoff` (a day in the
    organisation's time zone, which must be active). Activity is the latest of the
    person's own record being created or changed and every date or time in a row that
    refers to them (docs/decisions/0008)."""
    start = _start_of(cutoff)
    qs = Person.objects.filter(
        organization=org, anonymised_at__isnull=True, created_at__lt=start, updated_at__lt=start
    )
    for relation, column in activity_columns():
        bound = start if isinstance(column, models.DateTimeField) else cutoff
        for fk in relation.fields:
            recent = relation.model._default_manager.filter(
                **{fk.attname: OuterRef("pk"), f"{column.name}__gte": bound}
            )
            qs = qs.exclude(Exists(recent))
    return qs


@dataclass
class Candidate:
    """A person the next purge would anonymise (or keep, because of a legal hold)."""

    person: Person
    last_activity: date
    held: bool
    months: int

    @property
    def outcome(self) -> str:
        return "kept_legal_hold" if self.held else "anonymise"

    @property
    def outcome_label(self) -> str:
        return str(_("Kept: legal hold") if self.held else _("Will be anonymised"))

    @property
    def reason(self) -> str:
        return _("No activity since %(date)s (rule: %(months)s months)") % {
            "date": formats.date_format(self.last_activity, "SHORT_DATE_FORMAT"),
            "months": self.months,
        }


OUTCOMES = ("anonymise", "kept_legal_hold")
CANDIDATE_SORTS = ("activity", "name")


def _local_day(value: date | datetime | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localdate(value)
    return value


def purge_candidates(
    org: Organization,
    today: date | None = None,
    *,
    rule: RetentionRule | None = None,
    outcome: str = "",
    search: str = "",
    sort: str = "activity",
) -> list[Candidate]:
    """Who the retention purge would anonymise on `today` (the organisation's today by
    default) and why: each person's last activity and the rule. Persons under an active
    legal hold are included as kept. `outcome` narrows to "anonymise" or
    "kept_legal_hold"; `search` to names containing every word. Oldest activity first, or
    by name. One query, whatever the number of persons."""
    rule = rule or retention_rule(org)
    today = today or timezone.localdate()
    cutoff = months_before(today, rule.months)
    holds = LegalHold.objects.filter(person=OuterRef("pk"), lifted_at__isnull=True)
    qs = inactive_persons(org, cutoff).annotate(held=Exists(holds))
    if outcome == "anonymise":
        qs = qs.filter(held=False)
    elif outcome == "kept_legal_hold":
        qs = qs.filter(held=True)
    for word in search_key(search).split():
        qs = qs.filter(search_name__contains=word)
    latest = {}
    for i, (relation, column) in enumerate(activity_columns()):
        for j, fk in enumerate(relation.fields):
            newest = (
                relation.model._default_manager.filter(
                    **{fk.attname: OuterRef("pk"), f"{column.name}__isnull": False}
                )
                .order_by(f"-{column.name}")
                .values(column.name)[:1]
            )
            latest[f"activity_{i}_{j}"] = Subquery(newest, output_field=column.__class__())
    qs = qs.annotate(**latest)
    found = []
    for person in qs:
        days = [_local_day(person.updated_at), _local_day(person.created_at)]
        days += [_local_day(getattr(person, name)) for name in latest]
        last = max(d for d in days if d is not None)
        found.append(Candidate(person, last, person.held, rule.months))
    if sort == "name":
        found.sort(
            key=lambda c: (c.person.family_name.lower(), c.person.given_name.lower(), c.person.pk)
        )
    else:
        found.sort(key=lambda c: (c.last_activity, c.person.pk))
    return found


# Legal holds --------------------------------------------------------------------------------

HOLD_STATUSES = ("active", "lifted", "all")
HOLD_SORTS = {
    "newest": ("-placed_at", "-pk"),
    "oldest": ("placed_at", "pk"),
    "name": ("person__family_name", "person__given_name", "pk"),
}


def legal_holds(
    org: Organization, *, status: str = "active", search: str = "", sort: str = "newest"
) -> QuerySet[LegalHold]:
    qs = LegalHold.objects.filter(organization=org).select_related(
        "person", "placed_by", "lifted_by"
    )
    if status == "active":
        qs = qs.filter(lifted_at__isnull=True)
    elif status == "lifted":
        qs = qs.filter(lifted_at__isnull=False)
    for word in search_key(search).split():
        qs = qs.filter(Q(person__search_name__contains=word) | Q(reason__icontains=word))
    return qs.order_by(*HOLD_SORTS.get(sort, HOLD_SORTS["newest"]))


def active_hold(person: Person) -> LegalHold | None:
    return LegalHold.objects.filter(person=person, lifted_at__isnull=True).first()
