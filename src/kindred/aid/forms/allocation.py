"""Forms of the allocation, reservation and pick-list pages: they parse, the services
decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.core.models import Site
from kindred.goods.models import StockBalance

from ..models import NeedLine, Reservation


class StartRunForm(forms.Form):
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites"),
        queryset=Site.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The stock of these sites is shared out. None chosen: all sites."),
    )

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org
        self.fields["sites"].queryset = Site.objects.filter(
            organization=org, archived=False
        ).order_by("name")

    def chosen_sites(self) -> list[Site]:
        return list(self.cleaned_data["sites"]) or list(self.fields["sites"].queryset)


class ChangeLineForm(forms.Form):
    need = forms.ModelChoiceField(label=_("Need"), queryset=NeedLine.objects.none())
    balance = forms.ModelChoiceField(label=_("Stock"), queryset=StockBalance.objects.none())
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=100000)

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].queryset = NeedLine.objects.filter(organization=org)
        self.fields["balance"].queryset = StockBalance.objects.filter(organization=org)


class ProposalFilterForm(forms.Form):
    SHOW = [
        ("", _("All households")),
        ("served", _("Gets something")),
        ("nothing", _("Gets nothing")),
        ("unmet", _("Has unmet needs")),
    ]
    q = forms.CharField(required=False, max_length=200)
    show = forms.ChoiceField(required=False, choices=SHOW)

    def values(self) -> dict:
        if not self.is_valid():
            return {"q": "", "show": ""}
        return {"q": self.cleaned_data["q"].strip(), "show": self.cleaned_data["show"]}


class ReservationFilterForm(forms.Form):
    SORTS = [
        ("expiry", _("Expires soonest")),
        ("-expiry", _("Expires latest")),
        ("newest", _("Newest first")),
    ]
    q = forms.CharField(required=False, max_length=200)
    status = forms.ChoiceField(
        required=False, choices=[("", _("All")), *Reservation.Status.choices]
    )
    site = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    sort = forms.ChoiceField(required=False, choices=SORTS)

    def values(self) -> dict:
        if not self.is_valid():
            return {"q": "", "status": "", "site": None, "sort": "expiry"}
        data = self.cleaned_data
        return {
            "q": data["q"].strip(),
            "status": data["status"],
            "site": data["site"],
            "sort": data["sort"] or "expiry",
        }


class CancelReservationForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)
