"""Hypothesis strategies for small allocation instances: few item types and sizes, so stock
and needs collide, substitutes compete with exact sizes and households compete for units."""

from hypothesis import strategies as st

from kindred.allocation import Instance, Need, Policy, StockRow

TYPES = ("jacket", "boots", "bed")
SIZES = ("104", "110", "116")

policies = st.builds(
    Policy,
    urgency_weights=st.fixed_dictionaries(
        {
            "1": st.floats(0, 5, allow_nan=False),
            "2": st.floats(0, 5, allow_nan=False),
            "3": st.floats(0, 5, allow_nan=False),
        }
    ),
    substitute_value=st.floats(0, 1, allow_nan=False),
    waiting_bonus_per_30_days=st.floats(0, 0.5, allow_nan=False),
    fairness_weight=st.floats(0, 3, allow_nan=False),
)


@st.composite
def instances(draw, *, max_stock: int = 6, max_needs: int = 10) -> Instance:
    stock_count = draw(st.integers(0, max_stock))
    stock = tuple(
        StockRow(
            sku=f"S{i}",
            item_type=draw(st.sampled_from(TYPES)),
            size=draw(st.sampled_from((*SIZES, None))),
            quantity=draw(st.integers(0, 5)),
        )
        for i in range(stock_count)
    )
    need_count = draw(st.integers(0, max_needs))
    needs = tuple(
        Need(
            id=f"N{j}",
            household=f"H{draw(st.integers(1, 4))}",
            item_type=draw(st.sampled_from(TYPES)),
            sizes=tuple(draw(st.lists(st.sampled_from(SIZES), unique=True, max_size=3))),
            quantity=draw(st.integers(0, 4)),
            urgency=draw(st.sampled_from(("1", "2", "3"))),
            waiting_days=draw(st.integers(0, 200)),
        )
        for j in range(need_count)
    )
    return Instance(policy=draw(policies), stock=stock, needs=needs)
