"""Forms of the handout station: the search box, a handout of a reservation (everything,
quantities per line, one substitution) and a walk-in handout (quantities per stock key)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..queries.station import CONFIRMATIONS


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Name, reference or booking code"),
        max_length=200,
        required=False,
    )


def _line_label(line) -> str:
    return " ".join(p for p in [str(line.item_type.label), line.size] if p)


def _stock_label(balance) -> str:
    parts = [str(balance.item_type.label), balance.size, balance.get_grade_display()]
    text = " ".join(p for p in parts if p)
    return f"{text} · {balance.location.label} ({(balance.quantity - balance.reserved):g})"


class HandOutForm(forms.Form):
    """Everything reserved (mode "all"), or the quantities typed per line ("partial"); both
    with at most one substitution from available stock at the site."""

    mode = forms.ChoiceField(
        choices=[("all", gettext_lazy("Everything")), ("partial", gettext_lazy("Part"))],
        initial="all",
    )
    booking = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)
    sub_line = forms.TypedChoiceField(
        label=gettext_lazy("Instead of"), coerce=int, empty_value=None, required=False
    )
    sub_stock = forms.TypedChoiceField(
        label=gettext_lazy("Give"), coerce=int, empty_value=None, required=False
    )
    sub_quantity = forms.IntegerField(
        label=gettext_lazy("How many"), min_value=1, max_value=100_000, required=False
    )
    # What the volunteer confirmed after the station warned ("Hand out anyway").
    confirm = forms.MultipleChoiceField(
        choices=[(code, code) for code in CONFIRMATIONS],
        required=False,
        widget=forms.MultipleHiddenInput,
    )

    def __init__(self, data=None, *, lines, stock, prefix=None):
        super().__init__(data, prefix=prefix)
        self.lines = list(lines)
        self.stock = {b.pk: b for b in stock}
        for line in self.lines:
            self.fields[f"qty-{line.pk}"] = forms.IntegerField(
                label=_line_label(line),
                min_value=0,
                max_value=line.quantity,
                initial=line.quantity,
                required=False,
            )
        self.fields["sub_line"].choices = [("", "—")] + [
            (line.pk, _line_label(line)) for line in self.lines
        ]
        self.fields["sub_stock"].choices = [("", "—")] + [
            (pk, _stock_label(b)) for pk, b in self.stock.items()
        ]

    def quantity_fields(self):
        return [(line, self[f"qty-{line.pk}"]) for line in self.lines]

    def clean(self):
        data = super().clean()
        chosen = [data.get("sub_line"), data.get("sub_stock"), data.get("sub_quantity")]
        if any(v is not None for v in chosen) and not all(v is not None for v in chosen):
            raise forms.ValidationError(
                _("For a substitution, choose the line, what is given instead and how many.")
            )
        return data

    def service_args(self) -> dict:
        """The keyword arguments of `hand_out_reservation` for what was chosen."""
        data = self.cleaned_data
        by_pk = {line.pk: line for line in self.lines}
        substitutions = []
        if data.get("sub_line") is not None:
            balance = self.stock[data["sub_stock"]]
            substitutions.append(
                {
                    "line": by_pk[data["sub_line"]],
                    "location": balance.location,
                    "item_type": balance.item_type,
                    "size": balance.size,
                    "grade": balance.grade,
                    "quantity": data["sub_quantity"],
                }
            )
        lines = None
        if data["mode"] == "partial":
            lines = [
                {"line": line, "quantity": data.get(f"qty-{line.pk}") or 0} for line in self.lines
            ]
        return {
            "lines": lines,
            "substitutions": substitutions,
            "note": data.get("note", ""),
            "confirm": data.get("confirm") or [],
        }


class WalkInForm(forms.Form):
    """How many of each available stock key at the site; a coordinator's reason lets a
    failed eligibility rule through."""

    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)
    override_reason = forms.CharField(
        label=gettext_lazy("Reason to hand out although a rule failed"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, data=None, *, stock, may_override: bool):
        super().__init__(data)
        self.stock = list(stock)
        if not may_override:
            del self.fields["override_reason"]
        for balance in self.stock:
            self.fields[f"take-{balance.pk}"] = forms.IntegerField(
                label=_stock_label(balance),
                min_value=0,
                max_value=100_000,
                required=False,
            )

    def take_fields(self):
        return [(b, self[f"take-{b.pk}"]) for b in self.stock]

    def clean(self):
        data = super().clean()
        if not self.errors and not any(data.get(f"take-{b.pk}") for b in self.stock):
            raise forms.ValidationError(_("Choose at least one item to hand out."))
        return data

    def lines(self) -> list[dict]:
        return [
            {
                "location": b.location,
                "item_type": b.item_type,
                "size": b.size,
                "grade": b.grade,
                "quantity": self.cleaned_data[f"take-{b.pk}"],
            }
            for b in self.stock
            if self.cleaned_data.get(f"take-{b.pk}")
        ]
