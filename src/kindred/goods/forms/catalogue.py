"""Forms of the catalogue (categories, item types) and of storage locations. They parse
input only; the services check the rules (names unique among siblings, no loops, sizes
fixed once stock is recorded)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.core.models import Site

from ..catalogue import DEFAULT_TYPES, builtin_name
from ..models import Category, ItemType, Location
from ..queries.catalogue import category_tree, parent_choices
from ..services.catalogue import MANUAL_KINDS

PATH_SEPARATOR = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "


def _indented(depth: int, text: str) -> str:
    return f"{'— ' * depth}{text}"


class _TreeChoiceField(forms.ModelChoiceField):
    """A choice of a tree node, its options indented by depth (`depth` set by the query)."""

    def label_from_instance(self, obj) -> str:
        return _indented(getattr(obj, "depth", 0), str(obj.label))


class _LocationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        path = getattr(obj, "path", [str(obj.label)])
        return f"{obj.site.name} · {PATH_SEPARATOR.join(path)}"


def _set_tree_choices(field: forms.ModelChoiceField, nodes: list) -> None:
    """Offer `nodes` in their tree order (a queryset would lose the order and depth)."""
    by_pk = {n.pk: n for n in nodes}
    field.queryset = field.queryset.model.objects.filter(pk__in=list(by_pk))
    empty = [] if field.empty_label is None else [("", field.empty_label)]
    field.choices = [*empty, *((n.pk, field.label_from_instance(n)) for n in nodes)]


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    parent = _TreeChoiceField(
        label=_("Inside category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("None (a main category)"),
    )
    position = forms.IntegerField(
        label=_("Position"),
        min_value=0,
        max_value=1_000_000,
        required=False,
        help_text=_("Categories are listed by this number, lowest first."),
    )
    hidden = forms.BooleanField(
        label=_("Hidden"),
        required=False,
        help_text=_("Hidden categories and their item types are not offered for new stock."),
    )

    def __init__(self, *args, org, category: Category | None = None, **kwargs):
        if category is not None:
            kwargs["initial"] = kwargs.get("initial") or {
                "name": category.name,
                "parent": category.parent_id,
                "position": category.position,
                "hidden": category.hidden,
            }
        super().__init__(*args, **kwargs)
        self.category = category
        nodes = category_tree(org)
        if category is not None:
            # Not inside itself or one of its own subcategories.
            own = {category.pk}
            for node in nodes:
                if node.parent_id in own:
                    own.add(node.pk)
            nodes = [n for n in nodes if n.pk not in own]
        _set_tree_choices(self.fields["parent"], nodes)
        if category is not None and category.code:
            self.fields["name"].help_text = _(
                "Leave empty to use the built-in name, shown in each reader's language: %(name)s."
            ) % {"name": _builtin(category.code)}
        else:
            self.fields["name"].required = True

    def values(self) -> dict:
        data = self.cleaned_data
        values = {"name": data["name"], "parent": data["parent"], "hidden": data["hidden"]}
        if data.get("position") is not None:
            values["position"] = data["position"]
        return values


def _builtin(code: str) -> str:
    return builtin_name(code)


class ItemTypeForm(forms.Form):
    category = _TreeChoiceField(
        label=_("Category"), queryset=Category.objects.none(), empty_label=None
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    code = forms.CharField(
        label=_("Code"),
        max_length=60,
        required=False,
        help_text=_(
            "Optional: letters, digits, - and _, unique in your organisation. Spreadsheets "
            "and the API can name the item type by it."
        ),
    )
    size_system = ItemType._meta.get_field("size_system").formfield(label=_("Sizes"))
    unit = ItemType._meta.get_field("unit").formfield(label=_("Unit"))
    fit = ItemType._meta.get_field("fit").formfield(label=_("For"), required=False)
    age = ItemType._meta.get_field("age").formfield(label=_("Age"), required=False)
    standard_weight_kg = forms.DecimalField(
        label=_("Standard weight (kg per unit)"),
        min_value=0,
        max_digits=8,
        decimal_places=3,
        required=False,
        help_text=_("Used to report kilograms for goods counted in pieces."),
        widget=forms.NumberInput(attrs={"step": "0.001", "inputmode": "decimal"}),
    )
    fair_value = forms.DecimalField(
        label=_("Fair-market value per unit"),
        min_value=0,
        max_digits=10,
        decimal_places=2,
        required=False,
        help_text=_("Optional; for reports of the value of donations."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    one_off = forms.BooleanField(
        label=_("Registered one by one"),
        required=False,
        help_text=_("Furniture and other single pieces: each gets its own record and label."),
    )
    hidden = forms.BooleanField(
        label=_("Hidden"),
        required=False,
        help_text=_("Hidden item types are not offered for new stock; their history stays."),
    )

    FIELDS = (
        "category",
        "name",
        "code",
        "size_system",
        "unit",
        "fit",
        "age",
        "standard_weight_kg",
        "fair_value",
        "one_off",
        "hidden",
    )

    def __init__(self, *args, org, item_type: ItemType | None = None, **kwargs):
        if item_type is not None:
            kwargs["initial"] = kwargs.get("initial") or {
                f: getattr(item_type, f) for f in self.FIELDS if f != "category"
            }
            kwargs["initial"]["category"] = item_type.category_id
        super().__init__(*args, **kwargs)
        self.item_type = item_type
        _set_tree_choices(self.fields["category"], category_tree(org))
        self.fields["fit"].choices = ItemType.Fit.choices
        self.fields["age"].choices = ItemType.Age.choices
        if item_type is not None and item_type.code in DEFAULT_TYPES:
            self.fields["name"].help_text = _(
                "Leave empty to use the built-in name, shown in each reader's language: %(name)s."
            ) % {"name": _builtin(item_type.code)}
            self.fields["code"].disabled = True  # a built-in type keeps its code
            self.fields["code"].help_text = _("A built-in item type keeps its code.")
        else:
            self.fields["name"].required = True

    def values(self) -> dict:
        values = {f: self.cleaned_data[f] for f in self.FIELDS}
        if values["standard_weight_kg"] is None:
            values["standard_weight_kg"] = 0
        values["fit"] = values["fit"] or ""
        values["age"] = values["age"] or ""
        return values


class LocationForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), empty_label=None)
    parent = _LocationChoiceField(
        label=_("Inside"),
        queryset=Location.objects.none(),
        required=False,
        empty_label=_("Nothing (directly at the site)"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(k.value, k.label) for k in MANUAL_KINDS], initial="shelf"
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Unique among the locations in the same place, e.g. “Shelf A” or “Bin 3”."),
    )

    def __init__(self, *args, org, location: Location | None = None, **kwargs):
        if location is not None:
            kwargs["initial"] = kwargs.get("initial") or {
                "site": location.site_id,
                "parent": location.parent_id,
                "kind": location.kind,
                "name": location.name,
            }
        super().__init__(*args, **kwargs)
        self.location = location
        if location is None:
            self.fields["site"].queryset = Site.objects.filter(
                organization=org, archived=False
            ).order_by("name")
            parents = parent_choices(org)
        else:
            # A location stays at its site; it can move inside another location there.
            del self.fields["site"]
            parents = parent_choices(org, site=location.site, exclude=location)
        _set_tree_choices(self.fields["parent"], parents)

    def values(self) -> dict:
        data = self.cleaned_data
        return {"name": data["name"], "kind": data["kind"], "parent": data["parent"]}
