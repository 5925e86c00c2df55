"""Hypothesis strategies for allocation instances: few sizes, so stock and needs collide,
substitutes compete with exact sizes and households compete for units.

`instances()` draws small ones by default (at most 6 stock rows, 10 need lines, 3 item types,
4 households), where shrinking finds corner cases fast; `large_instances()` draws up to 50
stock rows, 200 need lines, 10 item types and 60 households."""

from dataclasses import replace

from hypothesis import strategies as st

from kindred.allocation import Instance, Need, Policy, StockRow

TYPES = (
    "jacket",
    "boots",
    "bed",
    "trousers",
    "sweater",
    "snowsuit",
    "shoes",
    "duvet",
    "pram",
    "cot",
)
SIZES = ("104", "110", "116")
URGENCIES = ("1", "2", "3")

policies = st.builds(
    Policy,
    urgency_weights=st.fixed_dictionaries({u: st.floats(0, 5, allow_nan=False) for u in URGENCIES}),
    substitute_value=st.floats(0, 1, allow_nan=False),
    waiting_bonus_per_30_days=st.floats(0, 0.5, allow_nan=False),
    fairness_weight=st.floats(0, 3, allow_nan=False),
)

# Whole days as in the format page's example, and fractions as the aid app computes them.
waiting_days = st.one_of(st.integers(0, 200), st.floats(0, 400, allow_nan=False))


@st.composite
def instances(
    draw,
    *,
    max_stock: int = 6,
    max_needs: int = 10,
    max_types: int = 3,
    max_households: int = 4,
    min_stock: int = 0,
    min_needs: int = 0,
) -> Instance:
    types = TYPES[: draw(st.integers(1, max_types))]
    households = draw(st.integers(1, max_households))
    stock = draw(
        st.lists(
            st.builds(
                StockRow,
                sku=st.just(""),
                item_type=st.sampled_from(types),
                size=st.sampled_from((*SIZES, None)),
                quantity=st.integers(0, 5),
            ),
            min_size=min_stock,
            max_size=max_stock,
        )
    )
    needs = draw(
        st.lists(
            st.builds(
                Need,
                id=st.just(""),
                household=st.integers(1, households).map(lambda h: f"H{h}"),
                item_type=st.sampled_from(types),
                sizes=st.lists(st.sampled_from(SIZES), unique=True, max_size=3).map(tuple),
                quantity=st.integers(0, 4),
                urgency=st.sampled_from(URGENCIES),
                waiting_days=waiting_days,
            ),
            min_size=min_needs,
            max_size=max_needs,
        )
    )
    return Instance(
        policy=draw(policies),
        stock=tuple(replace(row, sku=f"S{i}") for i, row in enumerate(stock)),
        needs=tuple(replace(need, id=f"N{j}") for j, need in enumerate(needs)),
    )


def large_instances() -> st.SearchStrategy[Instance]:
    """Up to 50 stock rows, 200 need lines, 10 item types, 60 households (at least 20 rows
    and 80 lines, so every example is of the size the small strategy never reaches)."""
    return instances(
        max_stock=50,
        max_needs=200,
        max_types=10,
        max_households=60,
        min_stock=20,
        min_needs=80,
    )
