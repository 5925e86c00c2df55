from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.core.errors import Invalid
from kindred.core.forms import DateInput, DateTimeInput, ReferenceField

from . import identity
from .models import Consent, ConsentPurpose, Contact, Household, HouseholdMember, Person
from .purposes import basis_explanation
from .services import (
    CONTACT_FIELDS,
    MERGE_FIELDS,
    PERSON_FIELDS,
    PURPOSE_FIELDS,
    FamilyMember,
    merge_conflicts,
)
from .services.families import MAX_MEMBERS, check_basis, check_members, check_national_id
from .values import identity_message

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

DATE_INPUT = DateInput()


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
    household = ReferenceField(
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
        number = data.get("national_id", "").strip()
        if number and not data.get("national_id_country"):
            self.add_error(
                "national_id_country", _("Choose the country that issued the identity number.")
            )
        elif number:
            # The number's form and check digits, with the other fields' errors (whether it
            # is already registered is the service's question, when it saves).
            try:
                identity.normalise(data["national_id_country"], number)
            except identity.IdentityError as error:
                self.add_error("national_id", identity_message(error.reason))
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


class MergeForm(forms.Form):
    """Which of two records to keep and, where both have a value, whose value."""

    keep = forms.ChoiceField(
        label=_("Keep which record"),
        choices=[("first", _("The first")), ("second", _("The second"))],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, first: Person, second: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.first, self.second = first, second
        self.fields["keep"].initial = "first" if first.pk < second.pk else "second"
        self.conflicts = merge_conflicts(first, second)
        for name in self.conflicts:
            self.fields[f"value_{name}"] = forms.ChoiceField(
                label=Person._meta.get_field(name).verbose_name,
                choices=[
                    ("first", _display(first, name)),
                    ("second", _display(second, name)),
                ],
                widget=forms.RadioSelect,
                initial=self.fields["keep"].initial,
            )

    def keep_and_other(self) -> tuple[Person, Person]:
        if self.cleaned_data["keep"] == "first":
            return self.first, self.second
        return self.second, self.first

    def take_from_other(self) -> tuple[str, ...]:
        kept = self.cleaned_data["keep"]
        return tuple(n for n in self.conflicts if self.cleaned_data[f"value_{n}"] != kept)

    def rows(self) -> list[tuple]:
        """(label, first's value, second's value, choice field or None) per field."""
        rows = []
        for name in MERGE_FIELDS:
            first, second = _display(self.first, name), _display(self.second, name)
            if not first and not second:
                continue
            field = self[f"value_{name}"] if name in self.conflicts else None
            rows.append((Person._meta.get_field(name).verbose_name, first, second, field))
        return rows


def _display(person: Person, name: str) -> str:
    value = getattr(person, name)
    if name == "languages":
        labels = dict(LANGUAGE_CHOICES)
        return ", ".join(str(labels.get(code, code)) for code in value)
    if name in ("gender", "country") and value:
        return str(getattr(person, f"get_{name}_display")())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return "" if value in (None, "") else str(value)


# Contacts and consent (issue 3: contacts, consent and lawful basis) -----------------------

DATETIME_INPUT = DateTimeInput()
# A text input (styled like the others) that brings up the phone keypad.
PHONE_INPUT = forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"})


class ContactForm(forms.ModelForm):
    """A company's or organisation's details; the service checks the registration number
    for its country."""

    website = forms.URLField(
        label=_("Website"), required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = Contact
        fields = list(CONTACT_FIELDS)
        widgets = {
            "phone": PHONE_INPUT,
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "registration_number": _(
                "Checked for Denmark (CVR), Sweden (organisationsnummer), Finland (Y-tunnus) "
                "and Bulgaria (EIK/BULSTAT); kept as written for other countries."
            ),
            "phone": _("Any format; numbers without a country code are taken as local."),
        }

    def clean_registration_number(self):
        # The service checks the number per country; the field's own length limit would
        # otherwise refuse a long number written with separators first.
        return self.cleaned_data["registration_number"].strip()


class ContactPersonForm(forms.Form):
    """Add a contact person: an existing person from the registry (for roles that may see
    persons) or a new person, registered with the details given here."""

    person = forms.ModelChoiceField(
        label=_("Existing person"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("A new person (enter the name below)"),
    )
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=PHONE_INPUT,
    )
    job_title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    is_primary = forms.BooleanField(
        label=_("Main contact"),
        required=False,
        help_text=_("Replaces the current main contact, if there is one."),
    )

    NEW_PERSON_FIELDS = ("given_name", "family_name", "email", "phone")

    def __init__(self, *args, persons=None, **kwargs):
        super().__init__(*args, **kwargs)
        if persons is None:
            del self.fields["person"]
        else:
            self.fields["person"].queryset = persons

    def clean(self):
        data = super().clean()
        typed = [f for f in self.NEW_PERSON_FIELDS if data.get(f)]
        if data.get("person") and typed:
            self.add_error(
                typed[0], _("Either choose an existing person or enter a new one, not both.")
            )
        elif not data.get("person") and not data.get("given_name"):
            self.add_error("given_name", _("Enter the new contact person's given name."))
        return data

    def person_values(self) -> dict | None:
        if self.cleaned_data.get("person"):
            return None
        return {f: self.cleaned_data[f] for f in self.NEW_PERSON_FIELDS}


class ConsentForm(forms.Form):
    purpose = forms.ModelChoiceField(label=_("Purpose"), queryset=ConsentPurpose.objects.none())
    basis = forms.ChoiceField(
        label=_("Lawful basis"), choices=[("", "---------"), *Consent.Basis.choices]
    )
    wording = forms.CharField(
        label=_("Wording shown"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Leave empty to record the purpose's current wording (shown below)."),
    )
    given_at = forms.DateTimeField(
        label=_("Given"),
        required=False,
        widget=DATETIME_INPUT,
        help_text=_("Empty means now."),
    )

    def __init__(self, *args, purposes, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["purpose"]
        field.queryset = ConsentPurpose.objects.filter(pk__in=[p.pk for p in purposes])
        # The labels (translated defaults) in the purposes' sorted order.
        field.choices = [("", "---------"), *((p.pk, p.label) for p in purposes)]


class PurposeForm(forms.ModelForm):
    class Meta:
        model = ConsentPurpose
        fields = list(PURPOSE_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "wording": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "wording": _(
                "The exact text shown to a person when asking for consent. Changing it does "
                "not change records already made: each keeps the wording it was given with."
            ),
        }


# Registering a family in one form (people/views/families.py) ------------------------------


class PurposeIdsField(forms.TypedMultipleChoiceField):
    """Purposes offered as checkboxes, cleaned to ids: whether each exists and may be used
    is the service's decision, as for the API's `consent_purpose_ids` (ADR 0019)."""

    def valid_value(self, value) -> bool:
        text = str(value)
        return text.isdigit() and len(text) <= 18


class FamilyForm(forms.Form):
    """The household of a family registration, the lawful basis for its help records and
    the consents its head gave. The rules are the service's (services.families)."""

    label = forms.CharField(
        label=_("Household name"),
        max_length=200,
        required=False,
        help_text=_("How the household is known. Empty: the family name of the head."),
    )
    street = forms.CharField(label=_("Street"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    lawful_basis = forms.ChoiceField(
        label=_("Lawful basis for the help records"),
        choices=Consent.Basis.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    consents = PurposeIdsField(
        label=_("The head of the household agrees to"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    HOUSEHOLD = ("label", "street", "postcode", "city")

    def __init__(self, *args, purposes, **kwargs):
        super().__init__(*args, **kwargs)
        self.purposes = purposes  # with label and current_wording (queries.purposes)
        self.fields["consents"].choices = [(p.pk, p.label) for p in purposes]
        if not purposes:
            del self.fields["consents"]

    def clean_lawful_basis(self):
        basis = self.cleaned_data.get("lawful_basis") or ""
        try:
            check_basis(basis)  # the service's rule and message
        except Invalid as error:
            raise forms.ValidationError(error.message) from error
        return basis

    def basis_options(self) -> list[tuple]:
        """(radio button, explanation) per lawful basis, for the template."""
        return [
            (option, basis_explanation(option.data["value"])) for option in self["lawful_basis"]
        ]

    def consent_options(self) -> list[tuple]:
        """(checkbox, the wording the family is shown) per purpose."""
        if "consents" not in self.fields:
            return []
        wording = {p.pk: p.current_wording for p in self.purposes}
        return [(option, wording.get(option.data["value"], "")) for option in self["consents"]]

    def household_values(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in self.HOUSEHOLD}


class MemberForm(forms.Form):
    """One member of the family: a row that is left blank is not a member."""

    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DATE_INPUT)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False, widget=PHONE_INPUT)
    relation = forms.ChoiceField(
        label=_("Relation"),
        choices=[("", "---------"), *HouseholdMember.Relation.choices],
        required=False,
    )
    national_id = forms.CharField(
        label=_("Identity number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    VALUES = ("given_name", "family_name", "birth_date", "phone")
    DUPLICATE_FIELDS = ("given_name", "family_name", "birth_date", "phone")

    def __init__(self, *args, country: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country.upper()
        schemes = dict(IDENTITY_COUNTRY_CHOICES)
        if self.country in identity.SUPPORTED_COUNTRIES:
            self.fields["national_id"].help_text = schemes[self.country]
        else:
            del self.fields["national_id"]
        number = self.prefix.rsplit("-", 1)[-1] if self.prefix else ""
        self.summary_name = (
            _("Member %(number)s") % {"number": int(number) + 1} if number.isdigit() else ""
        )

    @property
    def blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(name) for name in (*self.VALUES, "national_id"))

    def clean(self):
        data = super().clean()
        if self.blank:
            return data
        if not data.get("given_name", "").strip() and "given_name" not in self.errors:
            self.add_error("given_name", _("Enter the given name."))
        if not data.get("relation") and "relation" not in self.errors:
            self.add_error("relation", _("Choose the member's relation in the household."))
        try:
            check_national_id(self.national_id_value())  # the service's own check
        except Invalid as error:
            self.add_error("national_id", error.message)
        return data

    def national_id_value(self) -> tuple[str, str] | None:
        number = (getattr(self, "cleaned_data", {}).get("national_id") or "").strip()
        return (self.country, number) if number else None

    def member(self) -> FamilyMember:
        return FamilyMember(
            values={
                name: self.cleaned_data.get(name)
                for name in self.VALUES
                if self.cleaned_data.get(name)
            },
            relation=self.cleaned_data.get("relation") or "",
            national_id=self.national_id_value(),
        )


class BaseMemberFormSet(forms.BaseFormSet):
    """The family's members: blank rows are skipped; the family's own rules (at least one
    member, exactly one head) are the service's `check_members`, shown on the row."""

    def filled(self) -> list[tuple[int, MemberForm]]:
        return [(i, f) for i, f in enumerate(self.forms) if not f.blank]

    def clean(self):
        if any(form.errors for form in self.forms):
            return
        chosen = self.filled()
        try:
            check_members([form.member() for _i, form in chosen])
        except Invalid as error:
            self.show_error(error, [i for i, _f in chosen])

    def show_error(self, error, indices: list[int]) -> None:
        """Put a service error naming `members.<n>.<field>` on that row (the n-th filled
        one), anything else on the whole list."""
        parts = (error.field or "").split(".")
        if parts[0] == "members" and len(parts) >= 2 and parts[1].isdigit():
            number = int(parts[1])
            if number < len(indices):
                form = self.forms[indices[number]]
                name = parts[2] if len(parts) > 2 and parts[2] in form.fields else None
                form.add_error(name, error.message)
                return
        self._non_form_errors = self.error_class([error.message])

    def empty_row(self, relation: str) -> MemberForm:
        """The row that "Add a child" / "Add an adult" copies (its prefix is __prefix__)."""
        return self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            initial={"relation": relation},
            renderer=self.renderer,
            **self.get_form_kwargs(None),
        )


MemberFormSet = forms.formset_factory(
    MemberForm,
    formset=BaseMemberFormSet,
    extra=0,
    max_num=MAX_MEMBERS,
    validate_max=True,
    absolute_max=MAX_MEMBERS,
)


def member_formset(*, country: str, data=None, initial=None) -> BaseMemberFormSet:
    return MemberFormSet(data, initial=initial, prefix="members", form_kwargs={"country": country})
