"""The optimal allocation as a min-cost flow (OR-Tools), exactly as the format page frames it:

    source → stock row (its quantity) → need line (units that fit) → household → sink

A unit along stock row s → need n earns v(n, s); the k-th unit a household receives earns
fairness_weight / k more, so each household reaches the sink through arcs of decreasing
value (1, 1/2, 1/3, …). Since those values fall, a min-cost flow uses them in order, and the
flow's value is exactly Σ v + fairness_weight * H(units). Giving is optional: a bypass arc
source → sink carries whatever is better left in stock (a unit that would push an exact-size
unit to a substitute). The optimum of a network flow is integral, so the answer is whole
units. Costs are the values negated and scaled to integers (OR-Tools works in int64); the
scale is as fine as int64 allows up to 1e9, so rounding moves the objective by far less than
1e-6 relative (the tests compare with a float LP optimum).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]

from .instance import InstanceError, gettext_noop
from .model import Allocation, Instance, Result, StockRow
from .objective import objective

TOO_LARGE_TO_SOLVE = gettext_noop(
    "The instance is too large to solve exactly: lower the quantities or the weights."
)
MAX_SCALE = 1e9
INT64_HEADROOM = 2**61


def _scale(max_value: float, nodes: int, units: int) -> float:
    """The largest scale ≤ 1e9 at which no cost * (nodes + 1) (OR-Tools' cost scaling) and
    no total cost can overflow int64."""
    if max_value <= 0:
        return MAX_SCALE
    return min(
        MAX_SCALE,
        INT64_HEADROOM / (max_value * (nodes + 1)),
        INT64_HEADROOM / (max_value * max(units, 1) * 2),
    )


def _household_arcs(fair: int, units: int) -> list[tuple[int, int]]:
    """(capacity, cost) arcs for a household's 1st … `units`-th unit, the k-th worth
    floor(fair / k): runs of k with the same value share one arc, so a household of
    a million units needs about 2√fair arcs, not a million."""
    if fair <= 0:
        return [(units, 0)]
    arcs = []
    k = 1
    while k <= units:
        value = fair // k
        last = units if value == 0 else min(units, fair // value)
        arcs.append((last - k + 1, -value))
        k = last + 1
    return arcs


def solve(instance: Instance) -> Result:
    """The allocation of greatest objective (ties broken by the solver, deterministically).

    Stock rows of one item type and size are interchangeable (a unit's value depends on the
    need and on whether the size is its exact one), so the flow runs through one pool per
    (item type, size) — a few hundred arcs fewer per need line — and each pool's units are
    then handed to needs from its rows in file order."""
    policy = instance.policy
    pools: dict[tuple[str, str | None], list[StockRow]] = defaultdict(list)
    for row in instance.stock:
        if row.quantity > 0:
            pools[(row.item_type, row.size)].append(row)
    pool_keys = list(pools)
    pool_index = {key: k for k, key in enumerate(pool_keys)}
    pool_quantity = [sum(r.quantity for r in pools[key]) for key in pool_keys]
    by_type: dict[str, list[int]] = defaultdict(list)
    for k, (item_type, _size) in enumerate(pool_keys):
        by_type[item_type].append(k)

    # Pool → need arcs, and what they reach.
    pair_pool: list[int] = []
    pair_need: list[int] = []
    pair_cost: list[float] = []
    needs = [n for n in instance.needs if n.quantity > 0]
    used_needs: list[int] = []
    weights = policy.urgency_weights
    for j, need in enumerate(needs):
        if need.sizes:
            found = [pool_index.get((need.item_type, size)) for size in need.sizes]
            reach = [k for k in found if k is not None]
        else:
            reach = by_type.get(need.item_type, [])
        if not reach:
            continue
        used_needs.append(j)
        # unit_value() written out: the pools share everything but "exact size or not".
        base = weights[need.urgency] * (
            1.0 + policy.waiting_bonus_per_30_days * need.waiting_days / 30.0
        )
        exact = need.sizes[0] if need.sizes else None
        for k in reach:
            pair_pool.append(k)
            pair_need.append(j)
            exact_fit = exact is None or pool_keys[k][1] == exact
            pair_cost.append(base if exact_fit else base * policy.substitute_value)
    if not pair_pool:
        return Result(allocations=(), objective=0.0)

    used_pools = sorted(set(pair_pool))
    supply = sum(pool_quantity[k] for k in used_pools)
    households: dict[str, int] = {}
    demand: dict[str, int] = defaultdict(int)
    for j in used_needs:
        h = needs[j].household
        households.setdefault(h, len(households))
        demand[h] += needs[j].quantity

    # Nodes: 0 source, 1 sink, then pools, need lines, households.
    pool_node = {k: 2 + n for n, k in enumerate(used_pools)}
    need_node = {j: 2 + len(used_pools) + n for n, j in enumerate(used_needs)}
    first_household = 2 + len(used_pools) + len(used_needs)
    nodes = first_household + len(households)
    max_value = max(max(pair_cost), policy.fairness_weight)
    scale = _scale(max_value, nodes, supply)
    if scale < 1e3:
        raise InstanceError(TOO_LARGE_TO_SOLVE)

    tails = [0] * len(used_pools)
    heads = [pool_node[k] for k in used_pools]
    caps = [pool_quantity[k] for k in used_pools]
    costs = [0] * len(used_pools)
    first_pair = len(tails)
    tails += [pool_node[k] for k in pair_pool]
    heads += [need_node[j] for j in pair_need]
    caps += [
        min(pool_quantity[k], needs[j].quantity) for k, j in zip(pair_pool, pair_need, strict=True)
    ]
    costs += [-round(v * scale) for v in pair_cost]
    last_pair = len(tails)
    tails += [need_node[j] for j in used_needs]
    heads += [first_household + households[needs[j].household] for j in used_needs]
    caps += [needs[j].quantity for j in used_needs]
    costs += [0] * len(used_needs)
    fair = int(policy.fairness_weight * scale)
    for h, index in households.items():
        for capacity, cost in _household_arcs(fair, min(demand[h], supply)):
            tails.append(first_household + index)
            heads.append(1)
            caps.append(capacity)
            costs.append(cost)
    tails.append(0)  # what is better left in stock
    heads.append(1)
    caps.append(supply)
    costs.append(0)

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.asarray(tails, dtype=np.int32),
        np.asarray(heads, dtype=np.int32),
        np.asarray(caps, dtype=np.int64),
        np.asarray(costs, dtype=np.int64),
    )
    supplies = np.zeros(nodes, dtype=np.int64)
    supplies[0], supplies[1] = supply, -supply
    flow.set_nodes_supplies(np.arange(nodes, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:  # pragma: no cover - the bypass arc makes every instance feasible
        raise RuntimeError(f"min-cost flow ended with status {status}")

    # Hand each pool's units to its needs from the pool's rows, in file order.
    given = flow.flows(np.arange(first_pair, last_pair, dtype=np.int32)).tolist()
    left = {key: [(row, row.quantity) for row in rows] for key, rows in pools.items()}
    allocations: list[Allocation] = []
    for k, j, units in zip(pair_pool, pair_need, given, strict=True):
        rows = left[pool_keys[k]]
        while units > 0:
            row, available = rows[0]
            take = min(units, available)
            allocations.append(Allocation(need=needs[j].id, sku=row.sku, quantity=take))
            units -= take
            if take == available:
                rows.pop(0)
            else:
                rows[0] = (row, available - take)
    return Result(allocations=tuple(allocations), objective=objective(instance, allocations))
