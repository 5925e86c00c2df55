"""`solve()` is optimal: its objective equals an independent optimum within 1e-6 relative —
networkx's network simplex on a graph built here from the format page (one node per stock
row, no pooling), for hypothesis' small instances, and a linear programme solved by HiGHS in
another process for generated instances of realistic shape. Every answer is feasible and
never worse than first come, first served."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings

from kindred.allocation import (
    Policy,
    check_feasible,
    first_come_first_served,
    objective,
    solve,
)
from kindred.allocation.generate import generate, instance_json
from tests.allocation.strategies import instances

LP = Path(__file__).resolve().parents[2] / "bench" / "allocation_lp.py"
SCALE = 10**7  # network simplex wants integer weights


def _value(policy: Policy, need, row) -> float:
    exact = not need.sizes or row.size == need.sizes[0]
    return (
        policy.urgency_weights[need.urgency]
        * (1.0 if exact else policy.substitute_value)
        * (1 + policy.waiting_bonus_per_30_days * need.waiting_days / 30)
    )


def network_simplex_optimum(instance) -> float:
    """The optimum by networkx, evaluated in floats from its flow."""
    p = instance.policy
    g = nx.MultiDiGraph()
    total = sum(s.quantity for s in instance.stock)
    g.add_node("source", demand=-total)
    g.add_node("sink", demand=total)
    g.add_edge("source", "sink", capacity=total, weight=0)
    pairs = {}
    for s in instance.stock:
        g.add_edge("source", ("s", s.sku), capacity=s.quantity, weight=0)
    demand = defaultdict(int)
    for n in instance.needs:
        fitting = [
            s
            for s in instance.stock
            if s.item_type == n.item_type and (not n.sizes or s.size in n.sizes)
        ]
        for s in fitting:
            v = _value(p, n, s)
            key = g.add_edge(
                ("s", s.sku), ("n", n.id), capacity=n.quantity, weight=-round(v * SCALE)
            )
            pairs[(s.sku, n.id, key)] = v
        g.add_edge(("n", n.id), ("h", n.household), capacity=n.quantity, weight=0)
        demand[n.household] += n.quantity
    for h, units in demand.items():
        for k in range(1, min(units, total) + 1):
            g.add_edge(("h", h), "sink", capacity=1, weight=-round(p.fairness_weight / k * SCALE))
    if total == 0:
        return 0.0
    _cost, flow = nx.network_simplex(g)
    value = 0.0
    units_of = defaultdict(int)
    household = {n.id: n.household for n in instance.needs}
    for (sku, need_id, key), v in pairs.items():
        q = flow[("s", sku)][("n", need_id)][key]
        value += q * v
        units_of[household[need_id]] += q
    return value + p.fairness_weight * sum(
        sum(1 / i for i in range(1, k + 1)) for k in units_of.values()
    )


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


@settings(max_examples=300, deadline=None)
@given(instances())
def test_the_objective_equals_network_simplex_on_small_instances(instance):
    result = solve(instance)
    assert check_feasible(instance, result.allocations) == []
    assert close(result.objective, objective(instance, result.allocations))
    assert close(result.objective, network_simplex_optimum(instance)), result


@settings(max_examples=200, deadline=None)
@given(instances(max_stock=8, max_needs=16))
def test_every_answer_is_feasible_and_never_worse_than_first_come_first_served(instance):
    result = solve(instance)
    assert check_feasible(instance, result.allocations) == []
    baseline = first_come_first_served(instance)
    assert check_feasible(instance, baseline.allocations) == []
    assert result.objective >= baseline.objective - 1e-9 * max(1.0, baseline.objective)
    # Whole units, no empty rows, nothing given twice for one (need, row) pair.
    assert all(a.quantity > 0 for a in result.allocations)
    pairs = [(a.need, a.sku) for a in result.allocations]
    assert len(pairs) == len(set(pairs))


def lp_optimum(instance, tmp_path) -> float:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(instance_json(instance)))
    out = subprocess.run(
        [sys.executable, str(LP), str(path)], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


@pytest.mark.parametrize(
    ("seed", "policy"),
    [
        (1, Policy()),
        (2, Policy(fairness_weight=0.0)),
        (3, Policy(fairness_weight=3.0, substitute_value=0.5)),
        (4, Policy(urgency_weights={"1": 1.0, "2": 1.5, "3": 10.0}, waiting_bonus_per_30_days=0)),
    ],
)
def test_the_objective_equals_a_linear_programme_on_generated_instances(seed, policy, tmp_path):
    instance = generate(households=300, needs=1000, stock_rows=60, seed=seed, policy=policy)
    result = solve(instance)
    assert check_feasible(instance, result.allocations) == []
    optimum = lp_optimum(instance, tmp_path)
    assert close(result.objective, optimum), (result.objective, optimum)
    assert result.objective > first_come_first_served(instance).objective
