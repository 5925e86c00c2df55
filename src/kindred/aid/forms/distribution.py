"""Forms for distribution days and bookings. They parse input; the rules (hours, slot
length, capacity, free places) are the services', whose errors name the field."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.core.forms import DateInput, TimeInput
from kindred.core.models import Site

from ..models import DistributionDay, HelpRequest


class DayForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("Site"))
    date = forms.DateField(label=_("Date"), widget=DateInput())
    starts_at = forms.TimeField(label=_("From"), widget=TimeInput())
    ends_at = forms.TimeField(label=_("Until"), widget=TimeInput())
    slot_minutes = forms.IntegerField(
        label=_("Slot length in minutes"),
        initial=15,
        min_value=1,
        max_value=32000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    capacity = forms.IntegerField(
        label=_("Households per slot"),
        initial=4,
        min_value=1,
        max_value=32000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(
            organization=org, archived=False
        ).order_by("name")


class DayFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    site = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    when = forms.ChoiceField(
        required=False,
        choices=[("upcoming", _("Upcoming")), ("past", _("Past")), ("all", _("All"))],
    )

    def values(self) -> dict:
        if not self.is_valid():
            return {"search": "", "site_id": None, "when": "upcoming"}
        d = self.cleaned_data
        return {
            "search": (d.get("q") or "").strip(),
            "site_id": d.get("site"),
            "when": d.get("when") or "upcoming",
        }


class SlotChoiceField(forms.CharField):
    """A slot's start as an ISO 8601 timestamp with its offset (what the pages post)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as error:
            raise forms.ValidationError(_("Choose a time.")) from error
        if timezone.is_naive(parsed):
            raise forms.ValidationError(_("Choose a time."))
        return parsed


class SlotForm(forms.Form):
    """A household (or staff) choosing a slot: the day and the slot's start."""

    day = forms.ModelChoiceField(queryset=DistributionDay.objects.none(), label=_("Day"))
    slot_start = SlotChoiceField(label=_("Time"))

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].queryset = DistributionDay.objects.filter(
            organization=org, cancelled=False
        )


class StaffBookingForm(SlotForm):
    request = forms.ModelChoiceField(queryset=HelpRequest.objects.none(), label=_("Request"))
    # The page chooses the request and the day in the pickers above the form (booking_new
    # .html): the error summary links there, not to this form's hidden inputs.
    summary_targets = {"request": "id_pick_request", "day": "id_pick_day"}

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, org=org, **kwargs)
        self.fields["request"].queryset = HelpRequest.objects.filter(
            organization=org,
            status__in=(HelpRequest.Status.APPROVED, HelpRequest.Status.FULFILLING),
        ).select_related("household")
        self.fields["request"].label_from_instance = lambda r: f"{r.reference} · {r.household}"
        self.order_fields(["request", "day", "slot_start"])


class SendLinkForm(forms.Form):
    channel = forms.ChoiceField(
        required=False,
        label=_("Send by"),
        choices=[("", _("E-mail, else SMS")), ("email", _("E-mail")), ("sms", _("SMS"))],
    )
