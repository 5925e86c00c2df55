"""Eligibility: checking a household against the organisation's active rules, recording a
coordinator's override, and writing the rules themselves (ADR 0013).

`evaluate` only reads; `require` is what services call before approving a request,
reserving or handing out goods: it refuses with `NotEligible` or, given a reason,
records one `EligibilityOverride` per failed rule and lets the operation through.

How each kind counts (the rule's numbers are `max_count`, `period_days`, `category`,
`scale`, `consent_purpose`):

- VISIT_FREQUENCY: the household's handouts (any kind) created in the `period_days`
  before `at`; the operation being checked is one more visit when `counting_visit`
  (a handout), and none when it is not (approving a request: the household must not
  already be over the limit).
- CATEGORY_CAP: units of `category` and its sub-categories handed out to the household
  in the period, plus the units in lines of its ACTIVE reservations (whenever made),
  plus the units asked for now, against `max_count` x the number of scale units.
- SCALED_QUANTITY: only the units asked for now, against `max_count` x scale units.
- REQUIRED_CONSENT: the applicant (`exclude_request`'s applicant when given, else the
  household's current head) has a lawful basis in force for `consent_purpose`: a
  Consent record for it that is not withdrawn.

Scale units are the household's current members (not left). A *child* is a current
member under 18 on the day of `at` when their birth date is known (`Person.age_on`), and
otherwise a member whose relation is "child": ages change, relations are typed once, so
the birth date wins when there is one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kindred.core import audit
from kindred.core.models import Organization, User
from kindred.core.services import Invalid, update_and_audit
from kindred.goods.models import Category, ItemType
from kindred.people.models import Consent, ConsentPurpose, Household, HouseholdMember

from ..models import (
    EligibilityOverride,
    EligibilityRule,
    Handout,
    HandoutLine,
    HelpRequest,
    Reservation,
    ReservationLine,
)
from ..queries.rule_text import describe
from .common import NotEligible

AUDIT: dict = {
    "eligibility.overridden": gettext_lazy("Eligibility rule overridden"),
    "eligibility.rule_created": gettext_lazy("Eligibility rule added"),
    "eligibility.rule_changed": gettext_lazy("Eligibility rule changed"),
}

ADULT_AGE = 18
MAX_NUMBER = 100000  # a sanity bound for counts and days typed into the rule form
NAME_MAX = 100

Kind = EligibilityRule.Kind
Scale = EligibilityRule.Scale

# The fields each kind needs (the others are cleared when a rule is saved).
NEEDED: dict[str, tuple[str, ...]] = {
    Kind.VISIT_FREQUENCY: ("max_count", "period_days"),
    Kind.CATEGORY_CAP: ("max_count", "period_days", "category", "scale"),
    Kind.SCALED_QUANTITY: ("max_count", "category", "scale"),
    Kind.REQUIRED_CONSENT: ("consent_purpose",),
}


@dataclass(frozen=True)
class Fix:
    """What would make a failed rule pass, for a page to link to: "lawful_basis" (record
    one for `person_id` and `purpose_id`), "head" (the household has no head: its page),
    "needs" (ask for fewer), "members" (a member missing from the household changes the
    limit: its page) or "override" (only a coordinator's reason lets it through)."""

    kind: str
    person_id: int | None = None
    person_name: str = ""
    purpose_id: int | None = None


@dataclass(frozen=True)
class Failure:
    """One active rule's outcome with the translated explanation: failed (what `require`
    refuses with) unless `passed`, and the `fixes` that would make it pass."""

    rule: EligibilityRule
    message: str
    passed: bool = False
    fixes: tuple[Fix, ...] = ()


Outcome = Failure  # the name used where passed rules are listed too


# --- describing rules ---------------------------------------------------------------


def _failed(rule: EligibilityRule, facts: str, *fixes: Fix) -> Failure:
    return Failure(
        rule=rule,
        message=_("%(rule)s: %(facts)s") % {"rule": describe(rule), "facts": facts},
        fixes=fixes,
    )


def _quantity_fixes(rule: EligibilityRule) -> tuple[Fix, ...]:
    if rule.scale in (Scale.MEMBER, Scale.CHILD):
        return (Fix("needs"), Fix("members"))
    return (Fix("needs"),)


# --- evaluating ---------------------------------------------------------------------


class _Household:
    """What the rules need to know about one household, read once per evaluation."""

    def __init__(self, household: Household, at: datetime):
        self.household = household
        self.at = at
        self._members: list[HouseholdMember] | None = None

    @property
    def members(self) -> list[HouseholdMember]:
        if self._members is None:
            self._members = list(
                HouseholdMember.objects.filter(
                    household=self.household, left_on__isnull=True
                ).select_related("person")
            )
        return self._members

    def children(self) -> int:
        day = timezone.localdate(self.at)
        count = 0
        for member in self.members:
            age = member.person.age_on(day)
            if age is None:
                count += member.relation == HouseholdMember.Relation.CHILD
            else:
                count += age < ADULT_AGE
        return count

    def units(self, scale: str) -> int:
        if scale == Scale.MEMBER:
            return len(self.members)
        if scale == Scale.CHILD:
            return self.children()
        return 1

    def head(self):
        for member in self.members:
            if member.relation == HouseholdMember.Relation.HEAD:
                return member.person
        return None


def _category_ids(root_id: int, tree: Mapping[int | None, list[int]]) -> set[int]:
    """The category and every category below it in `tree` (parent id -> children ids)."""
    found, todo = {root_id}, [root_id]
    while todo:
        for child in tree.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _asked(lines: Sequence[tuple[ItemType, int]], ids: set[int]) -> int:
    return sum(int(quantity) for item, quantity in lines if item.category_id in ids)


def _noun(scale: str, units: int) -> str:
    if scale == Scale.MEMBER:
        return ngettext(
            "this household has %(count)s member", "this household has %(count)s members", units
        ) % {"count": units}
    return ngettext(
        "this household has %(count)s child", "this household has %(count)s children", units
    ) % {"count": units}


def active_rules(org: Organization) -> list[EligibilityRule]:
    return list(
        EligibilityRule.objects.filter(organization=org, active=True).select_related(
            "category", "consent_purpose"
        )
    )


def evaluate(
    *,
    org: Organization,
    household: Household,
    lines: Sequence[tuple[ItemType, int]],
    at: datetime | None = None,
    exclude_request: HelpRequest | None = None,
    counting_visit: bool = True,
) -> list[Failure]:
    """The active rules the household fails for `lines` (item type, units asked for now),
    checked at `at` (now by default). `exclude_request`'s ACTIVE reservations are not
    counted (their goods are what is being asked for, so pass them in `lines`);
    `counting_visit` says whether the operation is itself a visit (a handout): check
    before creating the Handout row, or it counts twice."""
    return [
        outcome
        for outcome in assess(
            org=org,
            household=household,
            lines=lines,
            at=at,
            exclude_request=exclude_request,
            counting_visit=counting_visit,
        )
        if not outcome.passed
    ]


def assess(
    *,
    org: Organization,
    household: Household,
    lines: Sequence[tuple[ItemType, int]],
    at: datetime | None = None,
    exclude_request: HelpRequest | None = None,
    counting_visit: bool = True,
) -> list[Outcome]:
    """Every active rule's outcome, in the rules' order: failed ones as `evaluate`
    returns them (with their fixes), passed ones described in one sentence. A rule that
    does not apply (nothing asked for in its category, an incomplete rule) passes."""
    at = at or timezone.now()
    rules = active_rules(org)
    if not rules:
        return []
    facts = _Household(household, at)
    tree: dict[int | None, list[int]] | None = None
    failures: list[Failure] = []
    for rule in rules:
        if rule.kind == Kind.VISIT_FREQUENCY:
            if rule.max_count is None or rule.period_days is None:
                continue
            visits = Handout.objects.filter(
                organization=org,
                household=household,
                created_at__gt=at - timedelta(days=rule.period_days),
                created_at__lte=at,
            ).count()
            if visits + (1 if counting_visit else 0) > rule.max_count:
                failures.append(
                    _failed(
                        rule,
                        ngettext(
                            "this household has had %(count)s handout in that time.",
                            "this household has had %(count)s handouts in that time.",
                            visits,
                        )
                        % {"count": visits},
                        Fix("override"),
                    )
                )
        elif rule.kind in (Kind.CATEGORY_CAP, Kind.SCALED_QUANTITY):
            if rule.max_count is None or rule.category_id is None:
                continue
            if tree is None:
                tree = {}
                for pk, parent in Category.objects.filter(organization=org).values_list(
                    "pk", "parent_id"
                ):
                    tree.setdefault(parent, []).append(pk)
            ids = _category_ids(rule.category_id, tree)
            asked = _asked(lines, ids)
            if asked <= 0:
                continue  # the rule limits asking; a household asking for nothing passes
            units = facts.units(rule.scale)
            limit = rule.max_count * units
            if rule.kind == Kind.SCALED_QUANTITY:
                if asked > limit:
                    if rule.scale == Scale.HOUSEHOLD:
                        text = ngettext(
                            "%(asked)s unit asked for.", "%(asked)s units asked for.", asked
                        ) % {"asked": asked}
                    else:
                        text = _("%(household)s, %(asked)s asked for.") % {
                            "household": _noun(rule.scale, units),
                            "asked": asked,
                        }
                    failures.append(_failed(rule, text, *_quantity_fixes(rule)))
                continue
            if rule.period_days is None:
                continue
            handed = (
                HandoutLine.objects.filter(
                    organization=org,
                    handout__household=household,
                    handout__created_at__gt=at - timedelta(days=rule.period_days),
                    handout__created_at__lte=at,
                    item_type__category_id__in=ids,
                ).aggregate(total=Sum("quantity"))["total"]
                or 0
            )
            reserved_lines = ReservationLine.objects.filter(
                organization=org,
                reservation__household=household,
                reservation__status=Reservation.Status.ACTIVE,
                item_type__category_id__in=ids,
            )
            if exclude_request is not None:
                reserved_lines = reserved_lines.exclude(reservation__request=exclude_request)
            reserved = reserved_lines.aggregate(total=Sum("quantity"))["total"] or 0
            had = handed + reserved
            if had + asked > limit:
                values = {"had": had, "asked": asked}
                if rule.scale == Scale.HOUSEHOLD:
                    text = _("this household has had %(had)s, %(asked)s more asked for.") % values
                else:
                    text = _("%(household)s and has had %(had)s, %(asked)s more asked for.") % {
                        "household": _noun(rule.scale, units),
                        **values,
                    }
                failures.append(_failed(rule, text, *_quantity_fixes(rule)))
        elif rule.kind == Kind.REQUIRED_CONSENT:
            if rule.consent_purpose_id is None:
                continue
            person = None
            if exclude_request is not None and exclude_request.applicant_id:
                person = exclude_request.applicant
            if person is None:
                person = facts.head()
            if person is None:
                failures.append(_failed(rule, _("this household has no head."), Fix("head")))
                continue
            in_force = Consent.objects.filter(
                organization=org,
                person=person,
                purpose_id=rule.consent_purpose_id,
                withdrawn_at__isnull=True,
                given_at__lte=at,
            ).exists()
            if not in_force:
                fix = Fix(
                    "lawful_basis",
                    person_id=person.pk,
                    person_name=person.full_name,
                    purpose_id=rule.consent_purpose_id,
                )
                failures.append(
                    _failed(rule, _("%(person)s has none.") % {"person": person.full_name}, fix)
                )
    failed = {failure.rule.pk: failure for failure in failures}
    return [
        failed.get(rule.pk) or Failure(rule=rule, message=describe(rule), passed=True)
        for rule in rules
    ]


def explain(failures: Sequence[Failure]) -> list[dict]:
    """The failures as stored in `HelpRequest.eligibility` and sent by the API."""
    return [
        {"rule": f.rule.pk, "kind": f.rule.kind, "passed": False, "message": f.message}
        for f in failures
    ]


def require(
    *,
    org: Organization,
    household: Household,
    lines: Sequence[tuple[ItemType, int]],
    actor: User | None,
    request: HelpRequest | None = None,
    override_reason: str = "",
    at: datetime | None = None,
    counting_visit: bool = True,
) -> list[Failure]:
    """Check the household and refuse with `NotEligible` (recording nothing) when a rule
    fails and no `override_reason` is given. With a reason, record one
    EligibilityOverride per failed rule and an "eligibility.overridden" audit entry, and
    return the failures. The caller checks that `actor` may override (REVIEW_REQUESTS).

    Call it inside the operation's transaction: the household row is locked so two
    handouts to one household at once cannot both pass a visit limit."""
    reason = (override_reason or "").strip()
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()
        failures = evaluate(
            org=org,
            household=household,
            lines=lines,
            at=at,
            exclude_request=request,
            counting_visit=counting_visit,
        )
        if not failures:
            return []
        if not reason:
            raise NotEligible(" ".join(f.message for f in failures), failures=explain(failures))
        now = timezone.now()
        EligibilityOverride.objects.bulk_create(
            [
                EligibilityOverride(
                    organization=org,
                    rule=f.rule,
                    request=request,
                    household=household,
                    message=f.message,
                    reason=reason,
                    created_by=actor if actor is not None and actor.pk else None,
                    created_at=now,
                )
                for f in failures
            ]
        )
        audit.log(
            org=org,
            actor=actor,
            action="eligibility.overridden",
            obj=request if request is not None else household,
            changes={
                "household": str(household),
                "rules": [f.rule.pk for f in failures],
                "failed": [f.message for f in failures],
                "reason": reason,
            },
        )
    return failures


# --- writing rules ------------------------------------------------------------------

RULE_FIELDS = [
    "kind",
    "name",
    "active",
    "max_count",
    "period_days",
    "category",
    "scale",
    "consent_purpose",
]


def _whole(value: Any, field: str, *, minimum: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid(_("Enter a whole number."), field=field) from None
    if number < minimum:
        raise Invalid(_("Enter at least %(min)s.") % {"min": minimum}, field=field)
    if number > MAX_NUMBER:
        raise Invalid(_("Enter at most %(max)s.") % {"max": MAX_NUMBER}, field=field)
    return number


def _clean_rule(org: Organization, values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a whole rule (all fields) and clear the fields its kind does not use."""
    kind = values.get("kind") or ""
    if kind not in Kind.values:
        raise Invalid(_("Choose a kind of rule."), field="kind")
    name = (values.get("name") or "").strip()
    if len(name) > NAME_MAX:
        raise Invalid(_("Use at most %(max)s characters.") % {"max": NAME_MAX}, field="name")
    needed = NEEDED[kind]
    clean: dict[str, Any] = {
        "kind": kind,
        "name": name,
        "active": bool(values.get("active", True)),
        "max_count": None,
        "period_days": None,
        "category": None,
        "scale": Scale.HOUSEHOLD,
        "consent_purpose": None,
    }
    if "max_count" in needed:
        # SCALED_QUANTITY "at most 0" would forbid the category outright; allowed on
        # purpose (e.g. no furniture through requests), as is a cap of 0.
        clean["max_count"] = _whole(values.get("max_count"), "max_count", minimum=0)
        if clean["max_count"] is None:
            raise Invalid(_("Enter how many are allowed."), field="max_count")
        if kind == Kind.VISIT_FREQUENCY and clean["max_count"] < 1:
            raise Invalid(_("Enter at least %(min)s.") % {"min": 1}, field="max_count")
    if "period_days" in needed:
        clean["period_days"] = _whole(values.get("period_days"), "period_days", minimum=1)
        if clean["period_days"] is None:
            raise Invalid(_("Enter the period in days."), field="period_days")
    if "category" in needed:
        category = values.get("category")
        if category is not None and not isinstance(category, Category):
            category = Category.objects.filter(organization=org, pk=_id(category)).first()
        if category is None or category.organization_id != org.pk:
            raise Invalid(_("Choose a category."), field="category")
        clean["category"] = category
    if "scale" in needed:
        scale = values.get("scale") or Scale.HOUSEHOLD
        if scale not in Scale.values:
            raise Invalid(_("Choose what the number is counted per."), field="scale")
        clean["scale"] = scale
    if "consent_purpose" in needed:
        purpose = values.get("consent_purpose")
        if purpose is not None and not isinstance(purpose, ConsentPurpose):
            purpose = ConsentPurpose.objects.filter(organization=org, pk=_id(purpose)).first()
        if purpose is None or purpose.organization_id != org.pk:
            raise Invalid(_("Choose a purpose."), field="consent_purpose")
        clean["consent_purpose"] = purpose
    return clean


def _id(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def create_rule(
    *, org: Organization, values: Mapping[str, Any], actor: User | None
) -> EligibilityRule:
    """Add a rule. `values`: kind, name, active, max_count, period_days, category (a
    Category or its id), scale, consent_purpose (a ConsentPurpose or its id); only the
    fields the kind uses are kept."""
    clean = _clean_rule(org, values)
    with transaction.atomic():
        rule = EligibilityRule.objects.create(organization=org, **clean)
        audit.log(
            org=org,
            actor=actor,
            action="eligibility.rule_created",
            obj=rule,
            changes={"rule": describe(rule), **{k: _shown(v) for k, v in clean.items()}},
        )
    return rule


def _shown(value: Any) -> Any:
    if isinstance(value, Category | ConsentPurpose):
        return str(value)
    return value


def update_rule(
    *,
    org: Organization,
    rule: EligibilityRule,
    values: Mapping[str, Any],
    actor: User | None,
) -> EligibilityRule:
    """Change a rule: `values` may hold only some fields (the rest keep their value);
    the result is validated as a whole for its kind."""
    if rule.organization_id != org.pk:
        raise Invalid(_("Choose a rule."), field="rule")
    current = {field: getattr(rule, field) for field in RULE_FIELDS}
    merged = {**current, **{k: v for k, v in values.items() if k in RULE_FIELDS}}
    clean = _clean_rule(org, merged)
    with transaction.atomic():
        locked = EligibilityRule.objects.select_for_update().get(pk=rule.pk)
        update_and_audit(
            locked,
            clean,
            RULE_FIELDS,
            org=org,
            actor=actor,
            action="eligibility.rule_changed",
            validate=(),  # checked by _clean_rule
        )
    return locked


def set_rule_active(
    *, org: Organization, rule: EligibilityRule, active: bool, actor: User | None
) -> EligibilityRule:
    """Switch a rule on or off (rules are never deleted: overrides point at them)."""
    return update_rule(org=org, rule=rule, values={"active": bool(active)}, actor=actor)
