"""An independent judge of allocations, written from the format page
(`../shared/formats/allocation.md`) and sharing no code with the engine beyond its plain
dataclasses: the unit value, the objective and the feasibility rules written out again, and
the optimum found two other ways —

- `network_simplex_optimum()`: networkx's network simplex on a graph built here, with one
  node per stock row (the engine pools rows of one item type and size; this does not) and
  one unit arc per k-th unit of a household;
- `lp_optimum()`: a linear programme solved by HiGHS through scipy, in another process
  (`bench/allocation_lp.py`; OR-Tools and HiGHS cannot share one).

Used by the engine's property tests (tests/allocation/test_optimality.py) and by the aid
service's test of a run (tests/aid/test_allocation.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import networkx as nx

from kindred.allocation.generate import instance_json
from kindred.allocation.model import Allocation, Instance, Need, Policy, StockRow

LP = Path(__file__).resolve().parents[2] / "bench" / "allocation_lp.py"
SCALE = 10**7  # network simplex wants integer weights
TOLERANCE = 1e-6  # relative, as ADR 0012 promises


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(1.0, abs(b))


def fits(need: Need, row: StockRow) -> bool:
    """The format page: equal item types, and `sizes` empty or the stock's size in it."""
    return row.item_type == need.item_type and (not need.sizes or row.size in need.sizes)


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
    return sum(1.0 / i for i in range(1, k + 1))


def objective(instance: Instance, allocations: Iterable[Allocation]) -> float:
    """Σ quantity * v(need, sku) + fairness_weight * Σ over households H(units)."""
    needs = {n.id: n for n in instance.needs}
    stock = {s.sku: s for s in instance.stock}
    value = 0.0
    units: dict[str, int] = defaultdict(int)
    for a in allocations:
        need = needs[a.need]
        value += a.quantity * unit_value(instance.policy, need, stock[a.sku])
        units[need.household] += a.quantity
    return value + instance.policy.fairness_weight * sum(harmonic(k) for k in units.values())


def problems(instance: Instance, allocations: Iterable[Allocation]) -> list[str]:
    """Every rule of the format page's "Feasible answer" an allocation breaks."""
    needs = {n.id: n for n in instance.needs}
    stock = {s.sku: s for s in instance.stock}
    given: dict[str, int] = defaultdict(int)
    received: dict[str, int] = defaultdict(int)
    found = []
    for a in allocations:
        if a.need not in needs or a.sku not in stock:
            found.append(f"{a.sku} → {a.need}: unknown stock row or need line")
            continue
        if a.quantity <= 0:
            found.append(f"{a.sku} → {a.need}: quantity {a.quantity}")
        if not fits(needs[a.need], stock[a.sku]):
            found.append(f"{a.sku} → {a.need}: does not fit")
        given[a.sku] += a.quantity
        received[a.need] += a.quantity
    found += [
        f"{sku}: {q} given of {stock[sku].quantity}"
        for sku, q in given.items()
        if q > stock[sku].quantity
    ]
    found += [
        f"{nid}: {q} received of {needs[nid].quantity}"
        for nid, q in received.items()
        if q > needs[nid].quantity
    ]
    return found


def network_simplex_allocations(instance: Instance) -> list[Allocation]:
    """An optimal allocation found by networkx (integral, as every network-simplex flow)."""
    p = instance.policy
    total = sum(s.quantity for s in instance.stock)
    if total == 0:
        return []
    g = nx.MultiDiGraph()
    g.add_node("source", demand=-total)
    g.add_node("sink", demand=total)
    g.add_edge("source", "sink", capacity=total, weight=0)  # giving is optional
    for s in instance.stock:
        g.add_edge("source", ("s", s.sku), capacity=s.quantity, weight=0)
    arcs = []
    demand: dict[str, int] = defaultdict(int)
    for n in instance.needs:
        for s in instance.stock:
            if fits(n, s):
                v = unit_value(p, n, s)
                key = g.add_edge(
                    ("s", s.sku), ("n", n.id), capacity=n.quantity, weight=-round(v * SCALE)
                )
                arcs.append((s.sku, n.id, key))
        g.add_edge(("n", n.id), ("h", n.household), capacity=n.quantity, weight=0)
        demand[n.household] += n.quantity
    for h, units in demand.items():
        for k in range(1, min(units, total) + 1):
            g.add_edge(("h", h), "sink", capacity=1, weight=-round(p.fairness_weight / k * SCALE))
    _cost, flow = nx.network_simplex(g)
    return [
        Allocation(need=need_id, sku=sku, quantity=q)
        for sku, need_id, key in arcs
        if (q := flow[("s", sku)][("n", need_id)][key]) > 0
    ]


def network_simplex_optimum(instance: Instance) -> float:
    """The optimum by networkx, evaluated in floats (by `objective` above) from its flow."""
    return objective(instance, network_simplex_allocations(instance))


def lp_optimum(instance: Instance, directory: Path) -> float:
    """The optimum of the LP relaxation by HiGHS, in another process (see the module doc)."""
    path = directory / "instance.json"
    path.write_text(json.dumps(instance_json(instance)))
    out = subprocess.run(
        [sys.executable, str(LP), str(path)], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())
