"""Writes for the rights of the person and for retention: the audited export, erasure,
legal holds, the retention rule and the purge. See docs/decisions/0008 for the rules:
what erasure keeps, why it may rewrite audit entries, what counts as activity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from kindred.core import audit
from kindred.core.models import AuditEntry, Organization, User
from kindred.core.services import Conflict, Invalid, NotFound
from kindred.people import services as people_services
from kindred.people.models import Household, HouseholdMember, Person

from . import queries
from .models import MAX_RETENTION_MONTHS, MIN_RETENTION_MONTHS, LegalHold, RetentionRule
from .redaction import Identifiers, mask_value, postcode_area, redact_json, redact_text

REASON_MAX_LENGTH = 1000
# What an erased person's (and a fully erased household's) name becomes. Stored, so one
# neutral word for every language; pages show "Anonymised on <date>" translated.
ANONYMISED_NAME = "Anonymised"
EXPORT_FORMATS = ("json", "page", "pdf")

# Person fields erasure empties. Kept: birth year (from the birth date), postcode area,
# country (to read the postcode area), the dates the record was created and changed, and
# who registered it. Household membership rows are kept for household-size statistics.
ERASED_PERSON_FIELDS = (
    "given_name",
    "family_name",
    "preferred_name",
    "birth_date",
    "gender",
    "phone",
    "email",
    "street",
    "postcode",
    "city",
    "languages",
    "notes",
    "national_id_country",
    "national_id_ciphertext",
    "national_id_index",
    "search_name",
)
# Keys of audit `changes` (person and household entries) whose values are masked whole.
_MASKED_CHANGES = frozenset(ERASED_PERSON_FIELDS) | {"national_id", "label", "full_name"}


def _reason(reason: str, *, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give a reason."), field=field)
    if len(reason) > REASON_MAX_LENGTH:
        raise Invalid(
            _("Use at most %(max)s characters.") % {"max": REASON_MAX_LENGTH}, field=field
        )
    return reason


def _locked(org: Organization, person: Person) -> Person:
    found = Person.objects.select_for_update().filter(pk=person.pk, organization=org).first()
    if found is None:
        raise NotFound(_("There is no such person."))
    return found


# Access -------------------------------------------------------------------------------------


@transaction.atomic
def export_person(
    *, org: Organization, person: Person, actor: User | None, fmt: str
) -> queries.PersonExport:
    """Everything held about `person` (privacy.queries.person_export), for an access request.
    Every export is audited with its format, since it contains the identity number."""
    if fmt not in EXPORT_FORMATS:
        raise Invalid(_("Choose one of: %(choices)s.") % {"choices": ", ".join(EXPORT_FORMATS)})
    data = queries.person_export(org, person)
    audit.log(org=org, actor=actor, action="person.exported", obj=person, changes={"format": fmt})
    return data


# Erasure ------------------------------------------------------------------------------------


@dataclass
class Erasure:
    person: Person
    audit_entries_redacted: int = 0
    rows_redacted: int = 0
    households_anonymised: list[int] = field(default_factory=list)


def identifiers(org: Organization, person: Person) -> Identifiers:
    """The values that identify `person`, to find them in free text and in the audit log."""
    number = queries._decrypted_national_id(org, person)
    return Identifiers(
        names=tuple(
            n
            for n in (
                person.given_name,
                person.family_name,
                person.preferred_name,
                f"{person.given_name} {person.family_name}",
                person.full_name,
            )
            if n.strip()
        ),
        phones=(person.phone,) if person.phone else (),
        emails=(person.email,) if person.email else (),
        phrases=(person.street,) if person.street else (),
        identity_numbers=(number,) if number else (),
    )


def _redact_rows(relation: queries.Relation, pks: list[int], pattern) -> int:
    """Empty the long texts and mask the identifiers in the short texts and JSON of the
    rows that refer to the person. Rows are kept (statistics); codes, numbers and dates
    stay as they are."""
    columns = queries.text_columns(relation.model)
    if not columns or not pks:
        return 0
    changed = 0
    manager = relation.model._default_manager
    for row in manager.filter(pk__in=pks).order_by("pk"):
        values = {}
        for column in columns:
            old = getattr(row, column.attname)
            if isinstance(column, models.TextField):
                new = "" if old not in (None, "") else old
            elif isinstance(column, models.JSONField):
                new = redact_json(old, pattern)
            else:
                new = redact_text(old, pattern) if isinstance(old, str) else old
            if new != old:
                values[column.attname] = new
        if values:
            manager.filter(pk=row.pk).update(**values)
            changed += 1
    return changed


def _masked_changes(changes: dict, pattern, *, keep: frozenset[str] = frozenset()) -> dict:
    masked = {}
    for key, value in (changes or {}).items():
        if key in _MASKED_CHANGES and key not in keep:
            masked[key] = mask_value(value)
        else:
            masked[key] = redact_json(value, pattern)
    return masked


def _rewrite_audit_entry(entry: AuditEntry, **values) -> None:
    """The one sanctioned write to an existing audit entry (docs/decisions/0008): erasure
    masks a person's data in the entries about them. AuditEntry refuses save() and
    QuerySet.update() on purpose; this goes around that, here and nowhere else."""
    models.QuerySet.update(AuditEntry.objects.filter(pk=entry.pk), **values)


def _redact_audit(
    entries, pattern, *, own_type: str, own_id: str, placeholder: str = ANONYMISED_NAME
) -> int:
    """Mask the person's values in `entries`: on entries about the record itself (own_type,
    own_id) the erased fields' values are masked whole and the object's name becomes the
    placeholder; on entries about related rows the identifiers are masked wherever they
    appear. Returns how many entries changed."""
    count = 0
    for entry in entries:
        if entry.object_type == own_type and entry.object_id == own_id:
            repr_ = placeholder
            changes = _masked_changes(entry.changes, pattern)
        else:
            repr_ = redact_text(entry.object_repr, pattern)
            changes = redact_json(entry.changes, pattern)
        if repr_ != entry.object_repr or changes != entry.changes:
            _rewrite_audit_entry(entry, object_repr=repr_, changes=changes)
            count += 1
    return count


def _anonymise_household_if_nobody_left(org: Organization, household_id: int) -> bool:
    """A household whose every member, past and present, has been erased is the erased
    persons' data alone: its label, street and city go, its postcode is cut to the area."""
    household = Household.objects.select_for_update().get(pk=household_id, organization=org)
    if household.label == ANONYMISED_NAME and not household.street:
        return False
    others = HouseholdMember.objects.filter(household=household, person__anonymised_at__isnull=True)
    if others.exists():
        return False
    pattern = Identifiers(phrases=tuple(v for v in (household.label, household.street) if v))
    pattern = pattern.pattern()
    household.label = ANONYMISED_NAME
    household.street = ""
    household.city = ""
    household.postcode = postcode_area(household.postcode)
    household.save(update_fields=["label", "street", "city", "postcode"])
    entries = AuditEntry.objects.filter(organization=org).filter(
        models.Q(object_type=Household._meta.label_lower, object_id=str(household.pk))
        | models.Q(
            object_type=HouseholdMember._meta.label_lower,
            object_id__in=[str(pk) for pk in household.members.values_list("pk", flat=True)],
        )
    )
    _redact_audit(entries, pattern, own_type=Household._meta.label_lower, own_id=str(household.pk))
    return True


@transaction.atomic
def erase_person(*, org: Organization, person: Person, reason: str, actor: User | None) -> Erasure:
    """Erase a person's data by anonymising the record (a right-to-erasure request, or the
    retention purge). Refused with Conflict while a legal hold applies.

    Names become ANONYMISED_NAME; contact details, address, notes, languages and the
    identity number (ciphertext and blind index) are emptied; the birth date is cut to the
    year and the postcode to its area. Rows that refer to the person are kept, their long
    texts emptied and their identifiers masked; a household left with erased members only
    is anonymised too. The person's values are masked in the audit entries about them, and
    one entry "person.erased" records the (masked) reason and how many entries changed."""
    reason = _reason(reason)
    person = _locked(org, person)
    if person.anonymised_at is not None:
        raise Conflict(_("This person's data has already been erased."))
    hold = queries.active_hold(person)
    if hold is not None:
        raise Conflict(
            _(
                "A legal hold has applied to this person since %(date)s: their data must be "
                "kept. Lift the hold first if it no longer applies."
            )
            % {"date": formats.date_format(timezone.localdate(hold.placed_at), "SHORT_DATE_FORMAT")}
        )
    pattern = identifiers(org, person).pattern()
    rows = queries.related_rows(person)
    result = Erasure(person=person)

    result.audit_entries_redacted = _redact_audit(
        queries.audit_entries_about(org, person, rows),
        pattern,
        own_type=Person._meta.label_lower,
        own_id=str(person.pk),
    )
    area = postcode_area(person.postcode)
    birth_year = person.birth_year or (person.birth_date.year if person.birth_date else None)
    for name in ERASED_PERSON_FIELDS:
        setattr(person, name, person._meta.get_field(name).get_default())
    person.given_name = ANONYMISED_NAME
    person.postcode = area
    person.birth_year = birth_year
    person.anonymised_at = timezone.now()
    person.save(update_fields=[*ERASED_PERSON_FIELDS, "birth_year", "anonymised_at", "updated_at"])
    # Derived search and duplicate keys go (an anonymised person has none), before the
    # rows that refer to the person are masked: there is no point masking them.
    people_services.refresh_keys(person)
    for relation, pks in rows.items():
        result.rows_redacted += _redact_rows(relation, pks, pattern)

    household_ids = set(
        HouseholdMember.objects.filter(person=person).values_list("household_id", flat=True)
    )
    for household_id in sorted(household_ids):
        if _anonymise_household_if_nobody_left(org, household_id):
            result.households_anonymised.append(household_id)

    audit.log(
        org=org,
        actor=actor,
        action="person.erased",
        obj=person,
        changes={
            "reason": redact_text(reason, pattern),
            "audit_entries_redacted": result.audit_entries_redacted,
            "rows_redacted": result.rows_redacted,
            "households_anonymised": len(result.households_anonymised),
        },
    )
    return result


# Legal holds --------------------------------------------------------------------------------


@transaction.atomic
def place_legal_hold(
    *, org: Organization, person: Person, reason: str, actor: User | None
) -> LegalHold:
    """Keep a person's data whatever happens (a court case, a police request): erasure is
    refused and the retention purge skips them until the hold is lifted."""
    reason = _reason(reason)
    person = _locked(org, person)  # the same lock as erasure: a hold and an erasure queue
    if person.anonymised_at is not None:
        raise Conflict(_("This person's data has already been erased."))
    if queries.active_hold(person) is not None:
        raise Conflict(_("A legal hold already applies to this person."), field="person")
    hold = LegalHold.objects.create(
        organization=org, person=person, reason=reason, placed_by=actor, placed_at=timezone.now()
    )
    audit.log(
        org=org,
        actor=actor,
        action="legal_hold.placed",
        obj=hold,
        changes={"reason": [None, reason]},
    )
    return hold


@transaction.atomic
def lift_legal_hold(*, org: Organization, hold: LegalHold, actor: User | None) -> LegalHold:
    hold = LegalHold.objects.select_for_update().filter(pk=hold.pk, organization=org).first()
    if hold is None:
        raise NotFound(_("There is no such legal hold."))
    if hold.lifted_at is not None:
        raise Conflict(_("This legal hold has already been lifted."))
    hold.lifted_at = max(timezone.now(), hold.placed_at)
    hold.lifted_by = actor
    hold.save(update_fields=["lifted_at", "lifted_by"])
    audit.log(
        org=org,
        actor=actor,
        action="legal_hold.lifted",
        obj=hold,
        changes={"lifted_at": [None, hold.lifted_at.isoformat()]},
    )
    return hold


# Retention ----------------------------------------------------------------------------------


@transaction.atomic
def set_retention_rule(
    *, org: Organization, months: int, enabled: bool, actor: User | None
) -> RetentionRule:
    """Change how long persons without activity are kept, or switch the purge off."""
    if isinstance(months, bool) or not isinstance(months, int):
        raise Invalid(_("Enter a whole number."), field="months")
    if not MIN_RETENTION_MONTHS <= months <= MAX_RETENTION_MONTHS:
        raise Invalid(
            _("Enter a number of months from %(min)s to %(max)s.")
            % {"min": MIN_RETENTION_MONTHS, "max": MAX_RETENTION_MONTHS},
            field="months",
        )
    rule = RetentionRule.objects.select_for_update().filter(organization=org).first()
    if rule is None:
        rule = RetentionRule(organization=org)  # the default, saved below
    before = {"months": rule.months, "enabled": rule.enabled}
    if rule.pk and before == {"months": months, "enabled": bool(enabled)}:
        return rule
    rule.months, rule.enabled, rule.updated_by = months, bool(enabled), actor
    rule.save()
    audit.log(
        org=org,
        actor=actor,
        action="retention.rule_changed",
        obj=rule,
        changes={
            "months": [before["months"], rule.months],
            "enabled": [before["enabled"], rule.enabled],
        },
    )
    return rule


@dataclass
class PurgeResult:
    anonymised: list[queries.Candidate] = field(default_factory=list)
    kept: list[queries.Candidate] = field(default_factory=list)


def retention_reason(rule: RetentionRule) -> str:
    return _("Retention rule: no activity for %(months)s months") % {"months": rule.months}


def purge(
    *,
    org: Organization,
    actor: User | None = None,
    today: date | None = None,
    dry_run: bool = False,
) -> PurgeResult:
    """Anonymise every person the retention rule lets go (privacy.queries.purge_candidates);
    persons under a legal hold are kept and listed. `dry_run` only lists.

    Each person is erased in their own transaction, after checking again under the lock that
    they are still inactive and not held, so a purge that stops half-way leaves whole
    erasures only, and a person who came back meanwhile is not touched. The run ends with
    one "retention.purged" entry holding the counts (no names)."""
    with scope(organization=org), timezone.override(org.time_zone):
        rule = queries.retention_rule(org)
        today = today or timezone.localdate()
        result = PurgeResult()
        cutoff = queries.months_before(today, rule.months)
        for candidate in queries.purge_candidates(org, today, rule=rule):
            if candidate.held or dry_run:
                (result.kept if candidate.held else result.anonymised).append(candidate)
                continue
            outcome = _erase_if_still_inactive(org, candidate, cutoff, rule, actor)
            if outcome == "erased":
                result.anonymised.append(candidate)
            elif outcome == "held":
                result.kept.append(candidate)
        if not dry_run and (result.anonymised or result.kept):
            with transaction.atomic():
                audit.log(
                    org=org,
                    actor=actor,
                    action="retention.purged",
                    obj=rule if rule.pk else None,
                    changes={
                        "months": rule.months,
                        "anonymised": len(result.anonymised),
                        "kept_legal_hold": len(result.kept),
                    },
                )
    return result


def _erase_if_still_inactive(
    org: Organization,
    candidate: queries.Candidate,
    cutoff: date,
    rule: RetentionRule,
    actor: User | None,
) -> str:
    """The outcome: "erased", "held" (a hold placed since the list was made) or "active" (the
    person came back since: left alone)."""
    with transaction.atomic():
        person = _locked(org, candidate.person)
        if not queries.inactive_persons(org, cutoff).filter(pk=person.pk).exists():
            return "active"
        try:
            erase_person(org=org, person=person, reason=retention_reason(rule), actor=actor)
        except Conflict:
            candidate.held = True
            return "held"
    return "erased"


def refuse_merging_held_record(keep: Person, other: Person) -> None:
    """A merge deletes the record it merges away: not one under a legal hold. (The held
    record can be the one kept.)"""
    if LegalHold.objects.filter(person=other, lifted_at__isnull=True).exists():
        raise Conflict(
            _(
                "A legal hold applies to %(name)s: that record cannot be merged away. "
                "Keep it and merge the other record into it."
            )
            % {"name": other.full_name},
            field="other",
        )
