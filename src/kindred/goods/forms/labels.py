"""The scan field and the label sheet's options."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..labels import DEFAULT_LAYOUT, LAYOUTS


class ScanForm(forms.Form):
    # A handheld scanner is a keyboard: it types the QR code's URL and presses Enter.
    code = forms.CharField(
        label=_("Label code or address"),
        max_length=500,
        required=False,
        help_text=_(
            "Scan a label, or type the code printed on it (L12 for a location, I34 for an item)."
        ),
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "enterkeyhint": "go",
            }
        ),
    )


def layout_choices() -> list[tuple[str, str]]:
    return [(key, layout.name) for key, layout in LAYOUTS.items()]


class LabelSheetForm(forms.Form):
    layout = forms.ChoiceField(
        label=_("Label sheet"), choices=layout_choices, initial=DEFAULT_LAYOUT, required=False
    )
    skip = forms.IntegerField(
        label=_("Labels already used on the first sheet"),
        min_value=0,
        max_value=max(layout.per_page - 1 for layout in LAYOUTS.values()),
        required=False,
        help_text=_("Printing on a sheet you have used before: the labels to leave out."),
    )

    def clean_layout(self) -> str:
        return self.cleaned_data["layout"] or DEFAULT_LAYOUT

    def clean_skip(self) -> int:
        return self.cleaned_data["skip"] or 0
