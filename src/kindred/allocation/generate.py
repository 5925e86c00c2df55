"""Realistic instances for benchmarks and tests, reproducible from a seed.

Households of one to six people ask for clothes in their children's sizes (accepting the
next size or two up, since children grow), shoes, adult clothes and size-less things such
as beds and prams; most lines want one unit, some two or three; urgency is mostly 1, a few
are 3; they have waited up to half a year. Stock is scarcer than the need (`supply_ratio` of
the units asked for) and spread over the popular sizes, as after a season of donations.
"""

from __future__ import annotations

import random
from typing import Any

from .instance import FORMAT
from .model import Instance, Need, Policy, StockRow

CHILD_SIZES = [str(s) for s in range(50, 177, 6)]  # 50, 56, …, 176
SHOE_SIZES = [str(s) for s in range(16, 49)]
ADULT_SIZES = ["XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL"]

# (item type, sizes or None, popularity)
ITEM_TYPES: list[tuple[str, list[str] | None, int]] = [
    ("child-winter-jacket", CHILD_SIZES, 10),
    ("child-trousers", CHILD_SIZES, 8),
    ("child-sweater", CHILD_SIZES, 7),
    ("child-winter-boots", SHOE_SIZES, 8),
    ("child-trainers", SHOE_SIZES, 5),
    ("snowsuit", CHILD_SIZES, 5),
    ("adult-winter-jacket", ADULT_SIZES, 6),
    ("adult-trousers", ADULT_SIZES, 4),
    ("adult-shoes", SHOE_SIZES, 4),
    ("bed", None, 2),
    ("duvet", None, 3),
    ("pram", None, 1),
    ("kitchen-set", None, 2),
    ("school-bag", None, 3),
]


def generate(
    *,
    households: int,
    needs: int,
    stock_rows: int,
    seed: int = 1,
    supply_ratio: float = 0.55,
    policy: Policy | None = None,
) -> Instance:
    rng = random.Random(seed)
    types = [t for t, _s, _w in ITEM_TYPES]
    weights = [w for _t, _s, w in ITEM_TYPES]
    sizes_of = {t: s for t, s, _w in ITEM_TYPES}

    def draw_size(item_type: str) -> str | None:
        sizes = sizes_of[item_type]
        if sizes is None:
            return None
        # Middle sizes are the common ones.
        centre = len(sizes) / 2
        index = int(min(len(sizes) - 1, max(0, rng.gauss(centre, len(sizes) / 5))))
        return sizes[index]

    need_rows: list[Need] = []
    demand: dict[tuple[str, str | None], int] = {}
    names = [f"H{h + 1}" for h in range(households)]
    for n in range(needs):
        # Every household has at least one line; the rest go to random households.
        household = names[n] if n < households else rng.choice(names)
        item_type = rng.choices(types, weights)[0]
        size = draw_size(item_type)
        sizes: tuple[str, ...] = ()
        if size is not None:
            ladder = sizes_of[item_type] or []
            up = ladder[ladder.index(size) + 1 : ladder.index(size) + 1 + rng.choice((0, 1, 1, 2))]
            sizes = (size, *up)
        quantity = rng.choices((1, 2, 3), (80, 15, 5))[0]
        need_rows.append(
            Need(
                id=f"N{n + 1}",
                household=household,
                item_type=item_type,
                sizes=sizes,
                quantity=quantity,
                urgency=rng.choices(("1", "2", "3"), (55, 30, 15))[0],
                waiting_days=rng.randint(0, 180),
            )
        )
        demand[(item_type, size)] = demand.get((item_type, size), 0) + quantity

    # Stock rows for the (type, size) pairs people ask for, scarcer than the need.
    keys = list(demand)
    total = sum(demand.values())
    chosen = rng.choices(keys, [demand[k] for k in keys], k=stock_rows)
    shares = [rng.random() + 0.2 for _ in chosen]
    scale = supply_ratio * total / sum(shares)
    stock = tuple(
        StockRow(
            sku=f"S{i + 1}",
            item_type=item_type,
            size=size,
            quantity=max(0, round(share * scale)),
        )
        for i, ((item_type, size), share) in enumerate(zip(chosen, shares, strict=True))
    )
    return Instance(policy=policy or Policy(), stock=stock, needs=tuple(need_rows))


def instance_json(instance: Instance) -> dict[str, Any]:
    """The instance as a kindred-allocation/1 document."""
    p = instance.policy
    return {
        "format": FORMAT,
        "policy": {
            "urgency_weights": dict(p.urgency_weights),
            "substitute_value": p.substitute_value,
            "waiting_bonus_per_30_days": p.waiting_bonus_per_30_days,
            "fairness_weight": p.fairness_weight,
        },
        "stock": [
            {"sku": s.sku, "item_type": s.item_type, "size": s.size, "quantity": s.quantity}
            for s in instance.stock
        ],
        "needs": [
            {
                "id": n.id,
                "household": n.household,
                "item_type": n.item_type,
                "sizes": list(n.sizes),
                "quantity": n.quantity,
                "urgency": n.urgency,
                "waiting_days": n.waiting_days,
            }
            for n in instance.needs
        ],
    }
