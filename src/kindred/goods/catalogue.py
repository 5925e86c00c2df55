"""The default catalogue every organisation starts with: categories and item types with
translated names, sizes, units and standard weights (kg per unit, for reporting
kilograms). Rows in the database carry the `code`; their names are translated here, so
every member reads them in their own language. An organisation can rename (its own
`name` wins), hide and add types.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .sizes import SizeSystem

C, S, A, N = SizeSystem.CHILDREN, SizeSystem.SHOES, SizeSystem.ADULT, SizeSystem.NONE


# The default fair values below are in Danish kroner. An organisation in another currency
# starts with them converted at these rough rates (rounded to two significant digits); one
# whose currency is not listed starts with no values rather than wrong ones. They are a
# starting point only: each organisation sets its own (catalogue page).
DEFAULT_VALUE_CURRENCY = "DKK"
DEFAULT_VALUE_RATES = {
    "DKK": Decimal("1"),
    "SEK": Decimal("1.5"),
    "NOK": Decimal("1.55"),
    "EUR": Decimal("0.134"),
}


def default_value(value_dkk: str | None, currency: str) -> Decimal | None:
    """A default fair value in `currency`, or None when there is none or no rate."""
    rate = DEFAULT_VALUE_RATES.get(currency)
    if not value_dkk or rate is None:
        return None
    amount = Decimal(value_dkk) * rate
    digits = amount.adjusted() - 1  # keep two significant digits: 107.2 -> 110, 10.72 -> 11
    return amount.scaleb(-digits).quantize(Decimal(1)).scaleb(digits).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class DefaultType:
    code: str
    name: object
    size_system: str = N
    unit: str = "piece"
    weight: str = "0"
    value: str | None = None
    age: str = ""
    fit: str = ""
    one_off: bool = False


# (category code, category name, item types)
DEFAULT: list[tuple[str, object, list[DefaultType]]] = [
    (
        "children-clothing",
        _("Children's clothing"),
        [
            DefaultType("baby-bodysuit", _("Baby bodysuit"), C, weight="0.08", age="baby"),
            DefaultType("baby-sleepsuit", _("Baby sleepsuit"), C, weight="0.15", age="baby"),
            DefaultType("child-trousers", _("Children's trousers"), C, weight="0.3", age="child"),
            DefaultType("child-tshirt", _("Children's T-shirt"), C, weight="0.12", age="child"),
            DefaultType("child-sweater", _("Children's sweater"), C, weight="0.3", age="child"),
            DefaultType("child-dress", _("Children's dress"), C, weight="0.25", age="child"),
            DefaultType(
                "child-winter-jacket", _("Children's winter jacket"), C, weight="0.8", age="child"
            ),
            DefaultType(
                "child-rain-set", _("Children's rain set"), C, unit="set", weight="0.5", age="child"
            ),
            DefaultType("child-snowsuit", _("Children's snowsuit"), C, weight="1.0", age="child"),
            DefaultType(
                "child-underwear", _("Children's underwear (new)"), C, weight="0.05", age="child"
            ),
            DefaultType("child-pyjamas", _("Children's pyjamas"), C, weight="0.2", age="child"),
            DefaultType(
                "child-hat-gloves",
                _("Children's hat and mittens"),
                unit="set",
                weight="0.1",
                age="child",
            ),
        ],
    ),
    (
        "adult-clothing",
        _("Adult clothing"),
        [
            DefaultType("trousers", _("Trousers"), A, weight="0.5", age="adult"),
            DefaultType("jeans", _("Jeans"), A, weight="0.6", age="adult"),
            DefaultType("tshirt", _("T-shirt"), A, weight="0.15", age="adult"),
            DefaultType("shirt-blouse", _("Shirt or blouse"), A, weight="0.2", age="adult"),
            DefaultType("sweater", _("Sweater"), A, weight="0.5", age="adult"),
            DefaultType("dress", _("Dress"), A, weight="0.4", age="adult", fit="female"),
            DefaultType("skirt", _("Skirt"), A, weight="0.3", age="adult", fit="female"),
            DefaultType("winter-coat", _("Winter coat"), A, weight="1.3", age="adult"),
            DefaultType("rain-jacket", _("Rain jacket"), A, weight="0.6", age="adult"),
            DefaultType("suit", _("Suit"), A, unit="set", weight="1.2", age="adult"),
            DefaultType("underwear", _("Underwear (new)"), A, weight="0.06", age="adult"),
            DefaultType("socks", _("Socks (new)"), unit="pair", weight="0.05"),
            DefaultType("hat-scarf-gloves", _("Hat, scarf and gloves"), unit="set", weight="0.2"),
        ],
    ),
    (
        "shoes",
        _("Shoes"),
        [
            DefaultType("shoes-everyday", _("Everyday shoes"), S, unit="pair", weight="0.7"),
            DefaultType("winter-boots", _("Winter boots"), S, unit="pair", weight="1.1"),
            DefaultType("rubber-boots", _("Rubber boots"), S, unit="pair", weight="0.9"),
            DefaultType("trainers", _("Trainers"), S, unit="pair", weight="0.7"),
            DefaultType("sandals", _("Sandals"), S, unit="pair", weight="0.4"),
            DefaultType("slippers", _("Slippers"), S, unit="pair", weight="0.3"),
        ],
    ),
    (
        "baby-equipment",
        _("Baby equipment"),
        [
            DefaultType("pram", _("Pram"), weight="12", value="800", one_off=True),
            DefaultType("pushchair", _("Pushchair"), weight="7", value="400", one_off=True),
            DefaultType("cot", _("Cot"), weight="15", value="500", one_off=True),
            DefaultType("car-seat", _("Child car seat"), weight="5", value="300"),
            DefaultType("high-chair", _("High chair"), weight="6", value="200"),
            DefaultType("baby-bath", _("Baby bath"), weight="1"),
            DefaultType("nappies", _("Nappies (pack)"), unit="set", weight="1.5"),
        ],
    ),
    (
        "bedding-textiles",
        _("Bedding and home textiles"),
        [
            DefaultType("duvet", _("Duvet"), weight="1.5"),
            DefaultType("pillow", _("Pillow"), weight="0.6"),
            DefaultType("bed-linen", _("Bed linen set"), unit="set", weight="0.9"),
            DefaultType("blanket", _("Blanket"), weight="1.0"),
            DefaultType("towel", _("Towel"), weight="0.5"),
            DefaultType("curtains", _("Curtains (pair)"), unit="pair", weight="1.2"),
        ],
    ),
    (
        "kitchen",
        _("Kitchen things"),
        [
            DefaultType("plates", _("Plates"), unit="set", weight="2.5"),
            DefaultType("glasses-cups", _("Glasses and cups"), unit="set", weight="1.5"),
            DefaultType("cutlery", _("Cutlery set"), unit="set", weight="1.0"),
            DefaultType("pots-pans", _("Pots and pans"), unit="set", weight="3.0"),
            DefaultType("kettle", _("Kettle"), weight="1.0", value="100"),
            DefaultType("microwave", _("Microwave oven"), weight="12", value="250"),
            DefaultType("kitchen-utensils", _("Kitchen utensils"), unit="set", weight="1.0"),
        ],
    ),
    (
        "furniture",
        _("Furniture"),
        [
            DefaultType("bed", _("Bed"), weight="35", value="800", one_off=True),
            DefaultType("mattress", _("Mattress"), weight="15", value="400", one_off=True),
            DefaultType("sofa", _("Sofa"), weight="45", value="1000", one_off=True),
            DefaultType("table", _("Table"), weight="20", value="400", one_off=True),
            DefaultType("chair", _("Chair"), weight="5", value="100"),
            DefaultType("wardrobe", _("Wardrobe"), weight="50", value="600", one_off=True),
            DefaultType("chest-of-drawers", _("Chest of drawers"), weight="30", one_off=True),
            DefaultType("desk", _("Desk"), weight="25", value="400", one_off=True),
            DefaultType("lamp", _("Lamp"), weight="2", value="80"),
        ],
    ),
    (
        "toys-school",
        _("Toys, books and school"),
        [
            DefaultType("toy", _("Toy"), weight="0.4"),
            DefaultType("board-game", _("Board game"), weight="0.8"),
            DefaultType("childrens-book", _("Children's book"), weight="0.3"),
            DefaultType("school-bag", _("School bag"), weight="0.8", value="150"),
            DefaultType("stationery", _("Stationery set"), unit="set", weight="0.3"),
            DefaultType("bicycle", _("Bicycle"), weight="14", value="500", one_off=True),
        ],
    ),
    (
        "hygiene",
        _("Hygiene"),
        [
            DefaultType("hygiene-kit", _("Hygiene kit"), unit="set", weight="1.0"),
            DefaultType("sanitary-pads", _("Sanitary pads (pack)"), unit="set", weight="0.3"),
            DefaultType("soap-shampoo", _("Soap and shampoo"), unit="set", weight="0.6"),
        ],
    ),
    (
        "unsorted",
        _("Unsorted and bulk"),
        [
            DefaultType("unsorted-textiles", _("Unsorted textiles (sacks)"), unit="kg", weight="1"),
            DefaultType("unsorted-shoes", _("Unsorted shoes (sacks)"), unit="kg", weight="1"),
            DefaultType("export-textiles", _("Textiles for export"), unit="kg", weight="1"),
            DefaultType("recycling-textiles", _("Textiles for recycling"), unit="kg", weight="1"),
            DefaultType("mixed-household", _("Mixed household goods"), unit="kg", weight="1"),
        ],
    ),
]

# code -> translated name, for categories and item types alike.
BUILTIN_NAMES: dict[str, object] = {}
DEFAULT_TYPES: dict[str, DefaultType] = {}
for _category_code, _category_name, _types in DEFAULT:
    BUILTIN_NAMES[_category_code] = _category_name
    for _t in _types:
        BUILTIN_NAMES[_t.code] = _t.name
        DEFAULT_TYPES[_t.code] = _t


def builtin_name(code: str) -> str:
    return str(BUILTIN_NAMES.get(code, code))


def default_weight(code: str) -> Decimal:
    return Decimal(DEFAULT_TYPES[code].weight)
