"""What an allocation is worth and whether it is allowed: the format page's definitions,
written once and used by the solver, the baseline and the tests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .model import Allocation, Instance, Need, Policy, StockRow


def fits(need: Need, row: StockRow) -> bool:
    """Stock row `row` may go to `need`: the same item type, and any size or a listed one."""
    return need.item_type == row.item_type and (not need.sizes or row.size in need.sizes)


def unit_value(policy: Policy, need: Need, row: StockRow) -> float:
    """v(n, s) = urgency weight * (1 exact or any size, else substitute_value)
    * (1 + waiting bonus per 30 days * waiting days / 30)."""
    exact = not need.sizes or row.size == need.sizes[0]
    return (
        policy.urgency_weights[need.urgency]
        * (1.0 if exact else policy.substitute_value)
        * (1.0 + policy.waiting_bonus_per_30_days * need.waiting_days / 30.0)
    )


def harmonic(k: int) -> float:
    """H(k) = 1 + 1/2 + … + 1/k, H(0) = 0."""
    return sum(1.0 / i for i in range(1, k + 1))


def objective(instance: Instance, allocations: Iterable[Allocation]) -> float:
    """Σ quantity * v(need, sku) + fairness_weight * Σ over households H(units)."""
    needs = {n.id: n for n in instance.needs}
    stock = {s.sku: s for s in instance.stock}
    policy = instance.policy
    total = 0.0
    units: dict[str, int] = defaultdict(int)
    for a in allocations:
        need = needs[a.need]
        total += a.quantity * unit_value(policy, need, stock[a.sku])
        units[need.household] += a.quantity
    return total + policy.fairness_weight * sum(harmonic(k) for k in units.values())


def check_feasible(instance: Instance, allocations: Iterable[Allocation]) -> list[str]:
    """Every rule an allocation breaks (empty when it is feasible): unknown ids, a stock row
    to a need it does not fit, a row given beyond its quantity, a need filled beyond its."""
    needs = {n.id: n for n in instance.needs}
    stock = {s.sku: s for s in instance.stock}
    given: dict[str, int] = defaultdict(int)
    received: dict[str, int] = defaultdict(int)
    problems = []
    for a in allocations:
        need, row = needs.get(a.need), stock.get(a.sku)
        if need is None or row is None:
            problems.append(f"unknown need {a.need!r} or stock row {a.sku!r}")
            continue
        if a.quantity <= 0:
            problems.append(f"{a.need}/{a.sku}: quantity {a.quantity}")
        if not fits(need, row):
            problems.append(f"{a.sku} does not fit {a.need}")
        given[a.sku] += a.quantity
        received[a.need] += a.quantity
    problems += [
        f"{sku} gives {q} of {stock[sku].quantity}"
        for sku, q in given.items()
        if q > stock[sku].quantity
    ]
    problems += [
        f"{nid} receives {q} of {needs[nid].quantity}"
        for nid, q in received.items()
        if q > needs[nid].quantity
    ]
    return problems
