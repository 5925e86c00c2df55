"""How an eligibility rule reads, in one plain sentence in the active language: for the
rules pages, the API, refusals and the audit log (reads and writes both use it)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kindred.people.purposes import purpose_label

from ..models import EligibilityRule

Kind = EligibilityRule.Kind
Scale = EligibilityRule.Scale


def period(days: int) -> str:
    return ngettext("%(days)s day", "%(days)s days", days) % {"days": days}


def _scale_label(rule: EligibilityRule) -> str:
    return str(Scale(rule.scale).label) if rule.scale in Scale.values else ""


def _category_label(rule: EligibilityRule) -> str:
    return rule.category.label if rule.category_id else "?"


def _purpose_label(rule: EligibilityRule) -> str:
    return purpose_label(rule.consent_purpose) if rule.consent_purpose_id else "?"


def describe(rule: EligibilityRule) -> str:
    """The rule in one plain sentence in the active language, without a full stop:
    "At most 2 units of Winter jackets per child in 180 days"."""
    count = rule.max_count or 0
    if rule.kind == Kind.VISIT_FREQUENCY:
        return ngettext(
            "At most %(max)s handout per household in %(period)s",
            "At most %(max)s handouts per household in %(period)s",
            count,
        ) % {"max": count, "period": period(rule.period_days or 0)}
    if rule.kind == Kind.CATEGORY_CAP:
        return ngettext(
            "At most %(max)s unit of %(category)s %(scale)s in %(period)s",
            "At most %(max)s units of %(category)s %(scale)s in %(period)s",
            count,
        ) % {
            "max": count,
            "category": _category_label(rule),
            "scale": _scale_label(rule),
            "period": period(rule.period_days or 0),
        }
    if rule.kind == Kind.SCALED_QUANTITY:
        return ngettext(
            "At most %(max)s unit of %(category)s %(scale)s in one request",
            "At most %(max)s units of %(category)s %(scale)s in one request",
            count,
        ) % {"max": count, "category": _category_label(rule), "scale": _scale_label(rule)}
    if rule.kind == Kind.REQUIRED_CONSENT:
        return _("The applicant has a lawful basis in force for “%(purpose)s”") % {
            "purpose": _purpose_label(rule)
        }
    return str(rule)
