from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DEFAULT_RETENTION_MONTHS, MAX_RETENTION_MONTHS, MIN_RETENTION_MONTHS
from .services import REASON_MAX_LENGTH


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EraseForm(ReasonForm):
    """Erasure needs a reason; it is kept in the audit log (without the person's data)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = _(
            "E.g. “Asked by e-mail on 3 May”. Kept in the audit log; the person's name and "
            "contact details are masked in it."
        )


class LegalHoldForm(ReasonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = _(
            "Why the data must be kept, e.g. a case number or the authority that asked."
        )


class RetentionRuleForm(forms.Form):
    months = forms.IntegerField(
        label=_("Anonymise persons with no activity for (months)"),
        min_value=MIN_RETENTION_MONTHS,
        max_value=MAX_RETENTION_MONTHS,
        initial=DEFAULT_RETENTION_MONTHS,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    enabled = forms.BooleanField(
        label=_("Anonymise them automatically every night"),
        required=False,
        help_text=_(
            "When off, nobody is anonymised automatically; the preview still shows who would be."
        ),
    )
