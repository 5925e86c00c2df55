from dataclasses import dataclass

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.forms.forms import BaseForm
from django.forms.formsets import BaseFormSet
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext_lazy as _

from .models import Organization, Site
from .roles import Role


class DateInput(forms.DateInput):
    """A browser date picker. Its value is always ISO (2026-12-07), which is the only form
    a date input reads; the browser shows it the user's way. (Django would write the
    locale's format, e.g. 07.12.2026 in Danish, and the browser would show an empty box.)"""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    """A browser time picker; its value is always 24-hour hh:mm."""

    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    """A browser date-and-time picker; its value is always ISO (2026-12-07T10:30)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class ReferenceField(forms.ModelChoiceField):
    """A choice among the rows a member may pick, offered from `queryset`, cleaned to the
    chosen row's id (or None). Whether the row exists and the member may use it is the
    service's decision, as for the API's `<name>_id`: a page and the API refuse alike."""

    def __init__(self, *args, label_from=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._label_from = label_from

    def label_from_instance(self, obj) -> str:
        return self._label_from(obj) if self._label_from else str(obj)

    def to_python(self, value) -> int | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not text.isdigit() or len(text) > 18:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid")
        return int(text)

    def validate(self, value) -> None:
        forms.Field.validate(self, value)

    def has_changed(self, initial, data) -> bool:
        return str(initial or "") != str(data or "")


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _("The e-mail address or password is not correct."),
        "inactive": _("This account is inactive."),
    }


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "country", "default_language", "currency", "time_zone"]


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = ["name", "kind", "street", "postcode", "city", "country"]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=200)
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not only digits; not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validation.validate_password(p1)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Where the token is used, e.g. “stock spreadsheet”."),
    )


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    action = forms.CharField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Who"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())


# Errors: every field tied to its message, and a summary of every problem at the top ------


class FormRenderer(DjangoTemplates):
    """Every bound field rendered as a group (`{{ field.as_field_group }}`) gets its label,
    help text and error message from one template, with the input pointing at them:
    Django adds `aria-describedby="<id>_helptext <id>_error"` and `aria-invalid="true"`,
    and the template gives the message that id (ADR 0021)."""

    field_template_name = "core/forms/field.html"


@dataclass(frozen=True)
class Problem:
    """One line of an error summary: `href` is "#<id of the input>" (empty for a problem
    of a whole form or of a hidden field); `label` names the field (and the row of a
    formset), `message` says what is wrong. A form whose field is chosen in another
    element of the page (a picker above it) names that element's id in its
    `summary_targets` ({"day": "id_pick_day"})."""

    message: str
    label: str = ""
    href: str = ""


def _flatten(things) -> list:
    found: list = []
    for thing in things:
        if isinstance(thing, (BaseForm, BaseFormSet)):
            found.append(thing)
        elif isinstance(thing, (list, tuple)):
            found.extend(_flatten(thing))
    return found


def _form_problems(form: BaseForm, row: str = "") -> list[Problem]:
    if not form.is_bound or not form.errors:
        return []
    name = str(getattr(form, "summary_name", "") or row)
    problems = [Problem(message=str(e), label=name) for e in form.non_field_errors()]
    for field_name in form.fields:
        if field_name not in form.errors:
            continue
        bound = form[field_name]
        label = f"{name} \N{EN DASH} {bound.label}" if name else str(bound.label)
        target = getattr(form, "summary_targets", {}).get(field_name) or (
            "" if bound.is_hidden else (bound.id_for_label or bound.auto_id or "")
        )
        href = f"#{target}" if target else ""
        problems += [Problem(message=str(e), label=label, href=href) for e in bound.errors]
    return problems


def error_problems(*things) -> list[Problem]:
    """Every problem of the given forms and formsets (or lists of them), in page order:
    a form's own errors, then each field's; a formset's own errors, then each of its forms'
    (named by the form's `summary_name`, else "<formset's summary_name> <n>", else
    "Row <n>"). Unbound forms have none."""
    problems: list[Problem] = []
    for thing in _flatten(things):
        if isinstance(thing, BaseFormSet):
            if not thing.is_bound:
                continue
            problems += [Problem(message=str(e)) for e in thing.non_form_errors()]
            row_name = str(getattr(thing, "summary_name", "") or "")
            for index, form in enumerate(thing.forms, start=1):
                row = f"{row_name} {index}" if row_name else _("Row %(number)s") % {"number": index}
                problems += _form_problems(form, str(row))
        else:
            problems += _form_problems(thing)
    return problems
