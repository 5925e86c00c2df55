"""Forms for sortings, transfers, stock counts, disposal lots and corrections. They parse
input; every stock rule is checked by the services, whose errors name the field."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.core.forms import DateInput
from kindred.core.models import Site
from kindred.people.models import Contact

from ..models import DisposalLot, Grade, ItemType, Location, Stream, Unit

QTY = {"max_digits": 14, "decimal_places": 3, "min_value": Decimal("0.001")}
KG = {"max_digits": 10, "decimal_places": 3, "min_value": Decimal("0.001")}
GRADES = [(g.value, g.label) for g in Grade if g != Grade.UNSORTED]


class ItemTypeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ItemType) -> str:
        unit = f" ({obj.get_unit_display()})" if obj.unit == Unit.KG else ""
        return f"{obj.label}{unit}"


class LocationField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Location) -> str:
        return f"{obj.site.name} · {obj.label}"


def item_types(org, *, kg_only: bool = False):
    qs = ItemType.objects.filter(organization=org, hidden=False).select_related("category")
    return qs.filter(unit=Unit.KG) if kg_only else qs


def locations(org, *, transit: bool = False):
    qs = Location.objects.filter(
        organization=org, archived=False, site__archived=False
    ).select_related("site")
    if not transit:
        qs = qs.exclude(kind=Location.Kind.TRANSIT)
    return qs.order_by("site__name", "name", "pk")


def _number(**attrs) -> forms.NumberInput:
    return forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", **attrs})


class _OrgForm(forms.Form):
    def __init__(self, *args, org, **kwargs):
        self.org = org
        super().__init__(*args, **kwargs)


# Sorting ------------------------------------------------------------------------------------


class SortingForm(_OrgForm):
    source_location = LocationField(queryset=Location.objects.none(), label=_("Taken from"))
    source_item_type = ItemTypeField(queryset=ItemType.objects.none(), label=_("Unsorted goods"))
    source_grade = forms.ChoiceField(
        label=_("Condition"), choices=Grade.choices, initial=Grade.UNSORTED
    )
    weight_kg = forms.DecimalField(label=_("Weight taken (kg)"), widget=_number(), **KG)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_location"].queryset = locations(self.org)
        kg_types = item_types(self.org, kg_only=True)
        self.fields["source_item_type"].queryset = kg_types
        unsorted = kg_types.filter(code="unsorted-textiles").first()
        if unsorted is not None:
            self.fields["source_item_type"].initial = unsorted.pk


class SortingLineForm(_OrgForm):
    stream = forms.ChoiceField(label=_("Stream"), choices=[("", "—"), *Stream.choices])
    item_type = ItemTypeField(
        queryset=ItemType.objects.none(),
        label=_("Item type"),
        required=False,
        help_text=_("Export and recycling: leave empty for the default textiles."),
    )
    size = forms.CharField(label=_("Size"), max_length=10, required=False)
    grade = forms.ChoiceField(label=_("Condition"), choices=[("", "—"), *GRADES], required=False)
    quantity = forms.DecimalField(label=_("Count"), required=False, widget=_number(), **QTY)
    weight_kg = forms.DecimalField(label=_("Weight (kg)"), required=False, widget=_number(), **KG)
    location = LocationField(queryset=Location.objects.none(), label=_("Put in"), required=False)

    # Which streams use a field: operations.js hides the others as the stream is chosen.
    STREAM_FIELDS = {
        "quantity": "keep shop",
        "size": "keep shop export recycle discard",
        "location": "keep shop export recycle",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_type"].queryset = item_types(self.org)
        self.fields["location"].queryset = locations(self.org)
        for name, streams in self.STREAM_FIELDS.items():
            self.fields[name].widget.attrs["data-streams"] = streams


# Transfers ----------------------------------------------------------------------------------


class TransferForm(_OrgForm):
    from_location = LocationField(queryset=Location.objects.none(), label=_("From"))
    to_location = LocationField(queryset=Location.objects.none(), label=_("To"))
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_location"].queryset = locations(self.org)
        self.fields["to_location"].queryset = locations(self.org)


class StockLineForm(_OrgForm):
    """A line of goods: item type, size, condition and quantity (transfers)."""

    item_type = ItemTypeField(queryset=ItemType.objects.none(), label=_("Item type"))
    size = forms.CharField(label=_("Size"), max_length=10, required=False)
    grade = forms.ChoiceField(label=_("Condition"), choices=Grade.choices, initial=Grade.GOOD)
    quantity = forms.DecimalField(label=_("Quantity"), widget=_number(), **QTY)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_type"].queryset = item_types(self.org)


# Counts -------------------------------------------------------------------------------------


class CountStartForm(_OrgForm):
    location = LocationField(queryset=Location.objects.none(), label=_("Location"))
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations(self.org, transit=True)


class CountSheetForm(forms.Form):
    """One optional number per line of the count sheet (`line-<id>`); empty = not counted."""

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"line-{line.pk}"] = forms.DecimalField(
                label=f"{line.item_type.label} {line.size}".strip(),
                required=False,
                min_value=Decimal(0),
                max_digits=14,
                decimal_places=3,
                initial=line.counted,
                widget=_number(min="0"),
            )

    def counted(self) -> dict[int, Decimal | None]:
        return {line.pk: self.cleaned_data.get(f"line-{line.pk}") for line in self.lines}


class CountExtraForm(_OrgForm):
    """Goods found that the sheet did not expect."""

    item_type = ItemTypeField(queryset=ItemType.objects.none(), label=_("Item type"))
    size = forms.CharField(label=_("Size"), max_length=10, required=False)
    grade = forms.ChoiceField(label=_("Condition"), choices=Grade.choices, initial=Grade.GOOD)
    counted = forms.DecimalField(
        label=_("Counted"), widget=_number(min="0"), max_digits=14, decimal_places=3, min_value=0
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_type"].queryset = item_types(self.org)


# Disposal -----------------------------------------------------------------------------------


class DisposalForm(_OrgForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=DisposalLot.Kind.choices)
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("Site"))
    receiver_contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(), label=_("Receiver (registered contact)"), required=False
    )
    receiver_name = forms.CharField(
        label=_("Receiver's name"),
        max_length=200,
        required=False,
        help_text=_("For an export lot: a registered contact or a name."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_("Needed for recycling and discard."),
    )
    shipped_on = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(
            organization=self.org, archived=False
        ).order_by("name")
        self.fields["receiver_contact"].queryset = Contact.objects.filter(
            organization=self.org, archived=False
        ).order_by("name")


class DisposalLineForm(StockLineForm):
    location = LocationField(queryset=Location.objects.none(), label=_("From location"))
    weight_kg = forms.DecimalField(
        label=_("Weight (kg)"),
        required=False,
        widget=_number(),
        help_text=_("Empty: quantity x standard weight."),
        **KG,
    )
    field_order = ["item_type", "size", "grade", "location", "quantity", "weight_kg"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations(self.org, transit=True)


# Corrections --------------------------------------------------------------------------------


class ReverseForm(forms.Form):
    document_type = forms.CharField(max_length=20, widget=forms.HiddenInput)
    document_id = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for the correction"), max_length=300)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


def line_formset(form_class, *, org, data=None, prefix="lines", extra=2):
    """A formset of `form_class` lines (blank extra lines are ignored)."""
    formset_class = forms.formset_factory(form_class, extra=extra, max_num=200, validate_max=True)
    return formset_class(data, prefix=prefix, form_kwargs={"org": org})


def filled(formset) -> list[tuple[int, dict]]:
    """(index in the formset, cleaned data) of the lines someone filled in."""
    return [
        (index, form.cleaned_data)
        for index, form in enumerate(formset.forms)
        if form.has_changed() and form.cleaned_data
    ]


class ListFilterForm(forms.Form):
    """The filters every operations list shares; a bad value is ignored, not an error."""

    q = forms.CharField(required=False, max_length=200)
    site = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    status = forms.CharField(required=False, max_length=20)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    sort = forms.CharField(required=False, max_length=20)

    def values(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "search": (data.get("q") or "").strip(),
            "site_id": data.get("site"),
            "status": data.get("status") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "sort": data.get("sort") or "newest",
        }
