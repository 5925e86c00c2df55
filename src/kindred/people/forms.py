from django import forms
from django.utils.translation import gettext_lazy as _

from . import identity
from .models import Household, HouseholdMember, Person
from .services import PERSON_FIELDS

# Languages a person can be asked in: the interface languages plus the ones most often
# spoken by the people the organisations help.
LANGUAGE_CHOICES = [
    ("en", _("English")),
    ("da", _("Danish")),
    ("sv", _("Swedish")),
    ("fi", _("Finnish")),
    ("bg", _("Bulgarian")),
    ("uk", _("Ukrainian")),
    ("ar", _("Arabic")),
    ("fa", _("Persian")),
    ("so", _("Somali")),
    ("ti", _("Tigrinya")),
    ("pl", _("Polish")),
    ("ro", _("Romanian")),
    ("de", _("German")),
]
IDENTITY_COUNTRY_CHOICES = [
    ("", _("No identity number")),
    ("DK", _("Denmark (CPR)")),
    ("SE", _("Sweden (personnummer)")),
    ("FI", _("Finland (henkilötunnus)")),
    ("BG", _("Bulgaria (EGN)")),
]
assert {c for c, _label in IDENTITY_COUNTRY_CHOICES if c} == set(identity.SUPPORTED_COUNTRIES)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonForm(forms.ModelForm):
    """A person's details. The identity number is written, never shown: on an edit an
    empty number keeps the recorded one. On create the person can join a household."""

    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    national_id_country = forms.ChoiceField(
        label=_("Identity number country"), choices=IDENTITY_COUNTRY_CHOICES, required=False
    )
    national_id = forms.CharField(
        label=_("Identity number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    household = forms.ModelChoiceField(
        label=_("Add to household"),
        queryset=Household.objects.none(),
        required=False,
        empty_label=_("No household for now"),
    )
    relation = forms.ChoiceField(
        label=_("Relation in the household"),
        choices=[("", "---------"), *HouseholdMember.Relation.choices],
        required=False,
    )

    class Meta:
        model = Person
        fields = list(PERSON_FIELDS)
        widgets = {
            "birth_date": DATE_INPUT,
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "birth_year": _("When the exact birth date is not known."),
            "phone": _("Any format; numbers without a country code are taken as local."),
        }

    def __init__(self, *args, households=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk or households is None:
            del self.fields["household"], self.fields["relation"]
        else:
            self.fields["household"].queryset = households
        if self.instance.has_national_id:
            self.fields["national_id"].help_text = _(
                "A number is recorded (%(country)s). Leave empty to keep it."
            ) % {"country": self.instance.national_id_country}

    def clean(self):
        data = super().clean()
        if data.get("national_id", "").strip() and not data.get("national_id_country"):
            self.add_error(
                "national_id_country", _("Choose the country that issued the identity number.")
            )
        if data.get("household") and not data.get("relation"):
            self.add_error("relation", _("Choose the person's relation in the household."))
        return data

    def national_id_value(self) -> tuple[str, str] | None:
        number = self.cleaned_data.get("national_id", "").strip()
        return (self.cleaned_data["national_id_country"], number) if number else None


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["label", "street", "postcode", "city", "country"]
        help_texts = {"label": _("How the household is known, e.g. the family name.")}


class AddMemberForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.none())
    relation = forms.ChoiceField(label=_("Relation"), choices=HouseholdMember.Relation.choices)
    joined_on = forms.DateField(
        label=_("Joined on"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Empty means today."),
    )

    def __init__(self, *args, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = persons


class LeaveForm(forms.Form):
    left_on = forms.DateField(label=_("Left on"), required=False, widget=DATE_INPUT)
