"""Forms of help requests: the list's filters, a new request (an existing household or a new
one with its head), need lines, the decisions, and the public form. They parse input; the
rules (sizes of the item type, quantities below what was reserved…) are the services'."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kindred.core.forms import ReferenceField
from kindred.core.models import Site
from kindred.core.services import Invalid
from kindred.goods.models import ItemType
from kindred.people.models import Household
from kindred.people.values import normalise_phone

from ..models import HelpRequest, NeedLine
from ..services.requests import require_household

MAX_LINES = 50


class ItemTypeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ItemType) -> str:
        return f"{obj.category.label} · {obj.label}"


def item_types(org):
    return (
        ItemType.objects.filter(organization=org, hidden=False)
        .select_related("category")
        .order_by("category__name", "category__code", "name", "code", "pk")
    )


class _OrgForm(forms.Form):
    def __init__(self, *args, org, **kwargs):
        self.org = org
        super().__init__(*args, **kwargs)


def readable_phone(org, raw: str) -> str:
    """The number as typed, if it can be read for the organisation's country (the service
    checks it again when it registers the person): its error shows together with every
    other, not in a second round."""
    if org is not None:
        try:
            normalise_phone(raw, org.country)
        except Invalid as error:
            raise forms.ValidationError(error.message, code="invalid") from None
    return raw


class RequestFilterForm(forms.Form):
    """The list's filters; a bad value is ignored, not an error."""

    q = forms.CharField(required=False, max_length=200)
    status = forms.ChoiceField(required=False, choices=[("", ""), *HelpRequest.Status.choices])
    source = forms.ChoiceField(required=False, choices=[("", ""), *HelpRequest.Source.choices])
    urgency = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", ""), *NeedLine.Urgency.choices],
    )
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    sort = forms.ChoiceField(
        required=False, choices=[("newest", ""), ("oldest", ""), ("urgent", "")]
    )

    def values(self) -> dict:
        self.is_valid()
        data = dict(getattr(self, "cleaned_data", {}))
        for name in list(self.errors):
            data.pop(name, None)
        return {
            "search": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "source": data.get("source") or "",
            "urgency": data.get("urgency"),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "sort": data.get("sort") or "newest",
        }


class RequestForm(_OrgForm):
    """A new request: for a household already registered, or a new household with its
    head person (given name at least)."""

    household = ReferenceField(
        queryset=Household.objects.none(),
        label_from=lambda household: household.label,
        label=_("Household"),
        required=False,
        empty_label=_("— A new household —"),
    )
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    referrer_organisation = forms.CharField(
        label=_("Referring organisation"), max_length=200, required=False
    )
    language = forms.ChoiceField(
        label=_("Language the household reads"),
        required=False,
        choices=[("", "—"), *settings.LANGUAGES],
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    pickup_site = forms.ModelChoiceField(
        label=_("Pickup site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("— Not chosen yet —"),
        help_text=_(
            "Goods are reserved only where the household collects them. A booked time's site "
            "counts first; not chosen: the site with most of what it needs."
        ),
    )

    NEW_HOUSEHOLD = ("given_name", "family_name", "phone", "email")

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.fields["pickup_site"].queryset = Site.objects.filter(
            organization=self.org, archived=False
        ).order_by("name")
        for name in self.NEW_HOUSEHOLD:
            self.fields[name].widget.attrs["data-new-household"] = "1"

    def clean_phone(self) -> str:
        return readable_phone(self.org, self.cleaned_data.get("phone") or "")

    def clean(self):
        data = super().clean()
        if "household" not in self.errors:
            household = data.get("household")
            try:  # the service's rule, checked here too so every error shows at once
                require_household(household, None if household else self.person_values())
            except Invalid as error:
                self.add_error("given_name", error.message)
        return data

    def person_values(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in self.NEW_HOUSEHOLD}


def _sizes_widget():
    return forms.TextInput(
        attrs={"placeholder": _("e.g. 110, 116"), "autocomplete": "off", "inputmode": "text"}
    )


class NeedLineForm(_OrgForm):
    """A need line: item type, acceptable sizes (the exact size first), quantity, urgency."""

    item_type = ItemTypeField(queryset=ItemType.objects.none(), label=_("Item type"))
    sizes = forms.CharField(
        label=_("Sizes"),
        max_length=200,
        required=False,
        widget=_sizes_widget(),
        help_text=_("The exact size first, then others that fit. Empty: any size."),
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=1000,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
    )
    urgency = forms.TypedChoiceField(
        label=_("Urgency"), choices=NeedLine.Urgency.choices, coerce=int, initial=2
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_type"].queryset = item_types(self.org)

    def has_changed(self) -> bool:
        """A blank line (nothing chosen or typed but the default quantity and urgency) is
        not a need: it is skipped, not an error."""
        if not self.is_bound:
            return False
        typed = ("item_type", "sizes", "note")
        return any((self.data.get(self.add_prefix(name)) or "").strip() for name in typed)

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "item_type": data["item_type"],
            "sizes": [s.strip() for s in (data.get("sizes") or "").replace(";", ",").split(",")],
            "quantity": data["quantity"],
            "urgency": data["urgency"],
            "note": data.get("note") or "",
        }


class EditNeedLineForm(NeedLineForm):
    """A line on the edit page: an existing one (id) can be changed or cancelled."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    cancel = forms.BooleanField(label=_("Cancel this need"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.initial.get("id") is None:
            del self.fields["cancel"]
        elif self.initial.get("cancelled"):
            for field in self.fields.values():
                field.disabled = True

    def has_changed(self) -> bool:
        if self.initial.get("id") is not None:
            return forms.Form.has_changed(self)
        return super().has_changed()

    def service_values(self) -> dict:
        line_id = self.initial.get("id")
        if line_id is not None and self.cleaned_data.get("cancel"):
            return {"id": line_id, "cancel": True}
        values = super().service_values()
        return {"id": line_id, **values} if line_id is not None else values


def line_formset(form_class, *, org, data=None, initial=None, extra=3, prefix="lines"):
    formset_class = forms.formset_factory(
        form_class, extra=extra, max_num=MAX_LINES, validate_max=True
    )
    formset = formset_class(data, initial=initial, prefix=prefix, form_kwargs={"org": org})
    formset.summary_name = _("Need")  # the error summary says "Need 2 - Sizes: ..."
    return formset


def filled(formset) -> list[tuple[int, forms.Form]]:
    """(index in the formset, form) of the lines someone filled in or changed."""
    return [
        (index, form)
        for index, form in enumerate(formset.forms)
        if form.has_changed() and getattr(form, "cleaned_data", None)
    ]


class ApproveForm(forms.Form):
    override_reason = forms.CharField(
        label=_("Reason for overriding failed eligibility rules"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only needed when a rule fails. It is recorded with your name."),
    )


class RejectForm(forms.Form):
    prefix = "reject"
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PickupSiteForm(_OrgForm):
    prefix = "pickup"
    site = forms.ModelChoiceField(
        label=_("Pickup site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("— Not chosen yet —"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(
            organization=self.org, archived=False
        ).order_by("name")


class CloseForm(forms.Form):
    prefix = "close"
    reason = forms.CharField(
        label=_("Why is it closed?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# The public form ------------------------------------------------------------------------


class PublicRequestForm(forms.Form):
    # A field people never see (moved off-screen, skipped by Tab): a program that fills in
    # every field fills it in too, and its submission is not saved.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput({"autocomplete": "off", "tabindex": "-1"}),
    )
    given_name = forms.CharField(
        label=_("Given name"),
        max_length=100,
        widget=forms.TextInput({"autocomplete": "given-name"}),
    )
    family_name = forms.CharField(
        label=_("Family name"),
        max_length=100,
        required=False,
        widget=forms.TextInput({"autocomplete": "family-name"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput({"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        widget=forms.EmailInput({"autocomplete": "email"}),
    )
    street = forms.CharField(
        label=_("Street"),
        max_length=200,
        required=False,
        widget=forms.TextInput({"autocomplete": "street-address"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=20,
        required=False,
        widget=forms.TextInput({"autocomplete": "postal-code"}),
    )
    city = forms.CharField(
        label=_("City"),
        max_length=100,
        required=False,
        widget=forms.TextInput({"autocomplete": "address-level2"}),
    )
    note = forms.CharField(
        label=_("Anything we should know?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = forms.BooleanField(
        label=_("I agree"),
        error_messages={
            "required": _("Tick the box to agree, or we cannot register your request.")
        },
    )

    def __init__(self, *args, org=None, **kwargs):
        self.org = org
        super().__init__(*args, **kwargs)

    def clean_phone(self) -> str:
        return readable_phone(self.org, self.cleaned_data.get("phone") or "")

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("email") and "phone" not in self.errors:
            self.add_error(
                "phone", _("Give a phone number or an e-mail address so we can reach you.")
            )
        return data


class PublicLineForm(NeedLineForm):
    """A need line on the public form: no note, a plainer look."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["note"]
        self.fields["item_type"].label = _("What do you need?")
        self.fields["item_type"].empty_label = "—"
