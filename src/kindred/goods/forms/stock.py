"""Forms of the stock pages: the filters of the stock list, the movement history and
stock at a past date (GET forms: a bad value is ignored, never an error page), and the
low-stock level and needs-list settings forms."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from kindred.core.forms import DateInput
from kindred.core.models import Organization, Site

from ..models import Category, Grade, ItemType, Location, Movement
from ..queries.stock import MovementFilter, StockFilter, end_of_day
from ..services.thresholds import INTRO_MAX, THANK_YOU_MAX

DATE_INPUT = DateInput()


class FastSelect(forms.Select):
    """A select rendered in Python. The filter menus list every location and item type,
    and Django's one-template-per-option rendering made the stock page several times
    slower than its queries."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(v), mark_safe(" selected") if str(v) in chosen else "", label)
                for v, label in self.choices
            ),
        )
        final = self.build_attrs(self.attrs, attrs)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), options)


SORT_CHOICES = [
    ("item", _("Item")),
    ("size", _("Size")),
    ("location", _("Location")),
    ("-quantity", _("Largest quantity first")),
    ("quantity", _("Smallest quantity first")),
    ("-updated", _("Recently changed")),
    ("updated", _("Least recently changed")),
]
GROUP_CHOICES = [
    ("", _("No grouping")),
    ("location", _("By location")),
    ("item", _("By item type and size (all locations)")),
    ("category", _("By category")),
]


class _Choices:
    """Querysets for the filter menus, read once per request."""

    def __init__(self, org: Organization):
        self.sites = Site.objects.filter(organization=org).order_by("name")
        self.locations = (
            Location.objects.filter(organization=org, archived=False)
            .select_related("site")
            .order_by("site__name", "name", "pk")
        )
        self.categories = Category.objects.filter(organization=org).order_by("position", "pk")
        self.item_types = ItemType.objects.filter(organization=org)


def _sorted_types(queryset) -> list[tuple[int, str]]:
    return sorted(((t.pk, t.label) for t in queryset), key=lambda pair: pair[1].casefold())


class _TypeChoiceField(forms.TypedChoiceField):
    """An item type picked by id, with the names in the reader's language (sorted)."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, empty_value=None, **kwargs)


def _fast_selects(form: forms.Form) -> None:
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            field.widget = FastSelect(attrs=field.widget.attrs)
            field.widget.choices = field.choices


class _FilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _fast_selects(self)

    def valid_data(self) -> dict:
        """The fields that are valid; a bad value in a filter is simply not applied."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}


class StockFilterForm(_FilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("All sites")
    )
    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.none(),
        required=False,
        empty_label=_("All locations"),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("All categories"),
    )
    item_type = _TypeChoiceField(label=_("Item type"), required=False)
    size = forms.CharField(label=_("Size"), required=False, max_length=10)
    grade = forms.ChoiceField(
        label=_("Condition"),
        required=False,
        choices=[("", _("Any condition")), *Grade.choices],
    )
    available = forms.BooleanField(label=_("Only available (not reserved)"), required=False)
    low = forms.BooleanField(label=_("Only low stock"), required=False)
    group = forms.ChoiceField(label=_("Group"), required=False, choices=GROUP_CHOICES)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, data, *, org: Organization, **kwargs):
        super().__init__(data, **kwargs)
        choices = _Choices(org)
        self.fields["site"].queryset = choices.sites
        self.fields["location"].queryset = choices.locations
        self.fields["location"].label_from_instance = lambda loc: f"{loc.site.name} · {loc.label}"
        self.fields["category"].queryset = choices.categories
        self.fields["category"].label_from_instance = lambda c: c.label
        self.fields["item_type"].choices = [
            ("", _("All item types")),
            *_sorted_types(choices.item_types),
        ]

    def stock_filter(self) -> StockFilter:
        data = self.valid_data()
        return StockFilter(
            site=data["site"].pk if data.get("site") else None,
            location=data["location"].pk if data.get("location") else None,
            category=data["category"].pk if data.get("category") else None,
            item_type=data.get("item_type") or None,
            size=(data.get("size") or "").strip().upper(),
            grade=data.get("grade") or "",
            available_only=bool(data.get("available")),
            low_only=bool(data.get("low")),
            search=(data.get("q") or "").strip(),
        )

    def chosen_sort(self) -> str:
        return self.valid_data().get("sort") or "item"

    def chosen_group(self) -> str:
        return self.valid_data().get("group") or ""


class MovementFilterForm(_FilterForm):
    item_type = _TypeChoiceField(label=_("Item type"), required=False)
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("All sites")
    )
    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.none(),
        required=False,
        empty_label=_("All locations"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Movement.Kind.choices]
    )
    since = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    until = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)
    document_type = forms.ChoiceField(
        label=_("Document"),
        required=False,
        choices=[
            ("", _("Any document")),
            ("receipt", _("Donation receipt")),
            ("sorting", _("Sorting")),
            ("transfer", _("Transfer")),
            ("count", _("Stock count")),
            ("disposal", _("Disposal")),
        ],
    )
    document_id = forms.IntegerField(
        required=False, min_value=1, max_value=2**62, widget=forms.HiddenInput
    )
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("newest", _("Newest first")), ("oldest", _("Oldest first"))],
    )

    def __init__(self, data, *, org: Organization, **kwargs):
        super().__init__(data, **kwargs)
        choices = _Choices(org)
        self.fields["site"].queryset = choices.sites
        self.fields["location"].queryset = (
            Location.objects.filter(organization=org)
            .select_related("site")
            .order_by("site__name", "name", "pk")
        )
        self.fields["location"].label_from_instance = lambda loc: f"{loc.site.name} · {loc.label}"
        self.fields["item_type"].choices = [
            ("", _("All item types")),
            *_sorted_types(choices.item_types),
        ]

    def movement_filter(self, org: Organization, **fixed) -> MovementFilter:
        data = self.valid_data()
        tz = timezone.get_current_timezone()
        since, until = data.get("since"), data.get("until")
        values = {
            "item_type": data.get("item_type") or None,
            "site": data["site"].pk if data.get("site") else None,
            "location": data["location"].pk if data.get("location") else None,
            "kind": data.get("kind") or "",
            "since": timezone.make_aware(datetime.combine(since, datetime.min.time()), tz)
            if since
            else None,
            # Up to the end of the chosen day, in the organisation's time zone.
            "until": end_of_day(until, tz) if until else None,
            "document_type": data.get("document_type") or "",
            "document_id": data.get("document_id"),
        }
        values.update(fixed)
        return MovementFilter(**values)

    def oldest_first(self) -> bool:
        return self.valid_data().get("order") == "oldest"


class StockAtForm(_FilterForm):
    date = forms.DateField(label=_("Date"), required=True, widget=DATE_INPUT)
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("All sites")
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("All categories"),
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, data, *, org: Organization, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(organization=org).order_by("name")
        self.fields["category"].queryset = Category.objects.filter(organization=org)
        self.fields["category"].label_from_instance = lambda c: c.label


class LowStockForm(_FilterForm):
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("All sites")
    )

    def __init__(self, data, *, org: Organization, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(organization=org).order_by("name")


class ThresholdForm(forms.Form):
    item_type = _TypeChoiceField(label=_("Item type"), required=True)
    size = forms.CharField(
        label=_("Size"),
        required=False,
        max_length=10,
        help_text=_("Leave empty for all sizes together."),
    )
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("The whole organisation"),
    )
    minimum = forms.DecimalField(
        label=_("Minimum available"), min_value=0, max_digits=14, decimal_places=3
    )
    public = forms.BooleanField(
        label=_("Show on the public needs list when below"), required=False, initial=True
    )

    def __init__(self, *args, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        _fast_selects(self)
        self.org = org
        types = ItemType.objects.filter(organization=org, hidden=False)
        self.fields["item_type"].choices = [("", "—"), *_sorted_types(types)]
        self.fields["site"].queryset = Site.objects.filter(organization=org, archived=False)

    def item_type_obj(self) -> ItemType | None:
        pk = self.cleaned_data.get("item_type")
        return ItemType.objects.filter(organization=self.org, pk=pk).first() if pk else None


class NeedsSettingsForm(forms.Form):
    public_needs = forms.BooleanField(label=_("Publish the needs list"), required=False)
    public_intro = forms.CharField(
        label=_("Introduction on the needs list"),
        required=False,
        max_length=INTRO_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown above the list: what you collect and how to bring it."),
    )
    thank_you_text = forms.CharField(
        label=_("Thank-you text on donation receipts"),
        required=False,
        max_length=THANK_YOU_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
