"""Forms of the intake table and of receipt corrections.

The intake table's lines are rows of hidden inputs named `lines-<n>-<field>` (added by the
page's script after the line endpoint validated them); `line_rows()` reads them back in
order and `build_line()` turns one into the service's `ReceiptLineIn`."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kindred.core.forms import DateInput
from kindred.core.models import Organization

from ..models import DonationReceipt, Grade, Location
from ..queries.intake import find_item_type
from ..services.intake import LineError, ReceiptLineIn

LINE_FIELDS = ("item_type", "size", "grade", "quantity", "location", "weight_kg", "description")
_LINE_KEY = re.compile(r"^lines-(\d{1,4})-item_type$")
MAX_ID = 2**63 - 1


class IntakeForm(forms.Form):
    site = forms.TypedChoiceField(label=gettext_lazy("Site"), coerce=int)
    received_on = forms.DateField(label=gettext_lazy("Received on"), widget=DateInput())
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=DonationReceipt.Channel.choices
    )
    donor = forms.CharField(
        label=gettext_lazy("Donor"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "Type a name: pick a registered company or person, or keep the name as written. "
            "Empty: anonymous."
        ),
    )
    donor_kind = forms.ChoiceField(
        choices=DonationReceipt.DonorKind.choices, required=False, widget=forms.HiddenInput
    )
    donor_person = forms.CharField(required=False, widget=forms.HiddenInput)
    donor_contact = forms.CharField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=2000, widget=forms.TextInput
    )
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(s.pk, s.name) for s in sites]


def line_rows(data) -> list[dict]:
    """The submitted lines, in the order they were added, as plain dicts."""
    indexes = sorted({int(m.group(1)) for key in data if (m := _LINE_KEY.match(key))})
    rows = []
    for position, index in enumerate(indexes):
        prefix = f"lines-{index}-"
        row = {f: (data.get(prefix + f) or "").strip() for f in LINE_FIELDS}
        row.update(index=index, position=position)
        rows.append(row)
    return rows


def _id(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) <= MAX_ID else None


def build_line(
    org: Organization, row: dict, *, files=None, position: int = 0, default_location=None
) -> ReceiptLineIn:
    """A submitted row as the service's line; a `LineError` names `lines.<position>.<field>`
    when an item type or location does not exist."""
    prefix = f"lines.{position}."
    item_type = find_item_type(org, row.get("item_type", ""))
    if item_type is None:
        raise LineError(_("Choose an item type of the catalogue."), field=prefix + "item_type")
    location = None
    location_id = _id(row.get("location", ""))
    if location_id is not None:
        location = Location.objects.filter(organization=org, pk=location_id).first()
    elif not row.get("location"):
        location = default_location
    if location is None:
        raise LineError(_("Choose a storage location."), field=prefix + "location")
    quantity = row.get("quantity") or "1"
    try:
        quantity_value = Decimal(quantity.replace(",", "."))
    except ArithmeticError:
        raise LineError(_("Enter a number."), field=prefix + "quantity") from None
    photo = None
    if files is not None and "index" in row:
        photo = files.get(f"lines-{row['index']}-photo")
        if photo is not None:
            try:
                photo = forms.ImageField().clean(photo)
            except forms.ValidationError as error:
                raise LineError(error.messages[0], field=prefix + "photo") from None
    return ReceiptLineIn(
        item_type=item_type,
        size=row.get("size", ""),
        grade=row.get("grade") or Grade.GOOD,
        quantity=quantity_value,
        location=location,
        weight_kg=row.get("weight_kg") or None,
        description=row.get("description", ""),
        photo=photo,
    )


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the receipt corrected?"),
        max_length=300,
        widget=forms.TextInput,
    )


def today():
    return timezone.localdate()
