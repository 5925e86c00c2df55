"""Forms of the eligibility rules pages and the aid settings page.

The rule form keeps only the fields its kind uses (services.eligibility.NEEDED): the page
shows the kind first and, when it changes, reloads the form for the new kind (htmx, or the
"Show the fields" button without JavaScript)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.core.models import Organization

from ..models import EligibilityRule
from ..queries import eligibility as q
from ..services.eligibility import MAX_NUMBER, NAME_MAX, NEEDED
from ..services.settings import INTRO_MAX, RESERVATION_DAYS_MAX

Kind = EligibilityRule.Kind

# What "at most" means for each kind (the number's help text).
COUNT_HELP = {
    Kind.VISIT_FREQUENCY: _("How many handouts a household may have in the period."),
    Kind.CATEGORY_CAP: _(
        "How many units of the category a household may have in the period, per household, "
        "member or child: handed out, reserved and asked for together."
    ),
    Kind.SCALED_QUANTITY: _(
        "How many units of the category one request may ask for, per household, member or "
        "child (e.g. 1 blanket per member)."
    ),
}
KIND_HELP = {
    Kind.VISIT_FREQUENCY: _("Limits how often a household can collect goods."),
    Kind.CATEGORY_CAP: _(
        "Limits how much of a category (with its sub-categories) a household gets over a period."
    ),
    Kind.SCALED_QUANTITY: _("Limits how much of a category one request can ask for."),
    Kind.REQUIRED_CONSENT: _(
        "Requires the applicant to have a lawful basis in force for a purpose, e.g. consent "
        "to keep help records."
    ),
}


def kind_of(value) -> str:
    """A valid kind from the query string or the posted form, else the first kind."""
    return value if value in Kind.values else Kind.VISIT_FREQUENCY


class RuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of rule"), choices=Kind.choices)
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=NAME_MAX,
        help_text=_("Optional: a short name shown with the rule, e.g. Winter jackets."),
    )
    max_count = forms.IntegerField(
        label=_("At most"),
        min_value=0,
        max_value=MAX_NUMBER,
        error_messages={"required": _("Enter how many are allowed.")},
    )
    period_days = forms.IntegerField(
        label=_("Period in days"),
        min_value=1,
        max_value=MAX_NUMBER,
        help_text=_("Counted back from the day of the check, e.g. 30 or 180."),
        error_messages={"required": _("Enter the period in days.")},
    )
    category = forms.TypedChoiceField(
        label=_("Category"),
        coerce=int,
        empty_value=None,
        help_text=_("Its sub-categories count too."),
        error_messages={"required": _("Choose a category.")},
    )
    scale = forms.ChoiceField(
        label=_("Counted"),
        choices=EligibilityRule.Scale.choices,
        help_text=_(
            "A child is a household member under 18 (by birth date; without one, a member "
            "registered as a child)."
        ),
        error_messages={"required": _("Choose what the number is counted per.")},
    )
    consent_purpose = forms.ModelChoiceField(
        label=_("Purpose"),
        queryset=None,
        help_text=_("The applicant needs a lawful basis in force for it (not withdrawn)."),
        error_messages={"required": _("Choose a purpose.")},
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Only active rules are checked."),
    )

    def __init__(self, *args, org: Organization, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org
        self.kind = kind_of(kind)
        self.fields["kind"].initial = self.kind
        self.fields["kind"].help_text = KIND_HELP[self.kind]
        for field in ("max_count", "period_days", "category", "scale", "consent_purpose"):
            if field not in NEEDED[self.kind]:
                del self.fields[field]
        if "max_count" in self.fields:
            self.fields["max_count"].help_text = COUNT_HELP[self.kind]
            if self.kind == Kind.VISIT_FREQUENCY:
                # The service refuses 0 visits (no household could ever collect).
                self.fields["max_count"].widget.attrs["min"] = 1
        if "category" in self.fields:
            self.fields["category"].choices = [("", "—"), *q.category_choices(org)]
        if "consent_purpose" in self.fields:
            self.fields["consent_purpose"].queryset = q.purposes(org)

    def values(self) -> dict:
        """The cleaned values for services.eligibility.create_rule / update_rule."""
        return {"kind": self.kind, **{k: v for k, v in self.cleaned_data.items() if k != "kind"}}


class SettingsForm(forms.Form):
    public_requests = forms.BooleanField(
        label=_("Accept help requests through the public form"), required=False
    )
    public_intro = forms.CharField(
        label=_("Introduction on the public form"),
        required=False,
        max_length=INTRO_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown above the form: who can ask for help and what happens next."),
    )
    reservation_days = forms.IntegerField(
        label=_("Days a reservation is kept"),
        min_value=1,
        max_value=RESERVATION_DAYS_MAX,
        help_text=_("Reserved goods that are not collected go back to stock after this."),
    )
    substitute_value = forms.DecimalField(
        label=_("Value of a substitute size"),
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        decimal_places=2,
        help_text=_(
            "From 0 to 1: how much a neighbouring size is worth to the allocation compared "
            "with the exact size (0.8 = 80%)."
        ),
    )
    fairness_weight = forms.DecimalField(
        label=_("Weight of fairness"),
        min_value=Decimal("0"),
        max_value=Decimal("9999.99"),
        decimal_places=2,
        help_text=_(
            "0 or more: the higher, the more the allocation spreads goods over households "
            "instead of filling the most urgent needs first."
        ),
    )
    waiting_bonus = forms.DecimalField(
        label=_("Bonus per 30 days of waiting"),
        min_value=Decimal("0"),
        max_value=Decimal("99.99"),
        decimal_places=2,
        help_text=_("0 or more: how much priority a request gains for each month it waits."),
    )
