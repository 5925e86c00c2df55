"""`solve()` is optimal: its objective equals an independent optimum within 1e-6 relative
(`tests/allocation/judge.py`) — networkx's network simplex on a graph with one node per stock
row, for hypothesis' small instances and for large ones (up to 50 stock rows, 200 need
lines, 10 item types), and a linear programme solved by HiGHS in another process for
generated instances of realistic shape. Every answer is feasible by the judge's reading of
the format page, its reported objective is the judge's value of its allocations, and it is
never worse than first come, first served."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings

from kindred.allocation import Policy, check_feasible, first_come_first_served, solve
from kindred.allocation.generate import generate
from tests.allocation import judge
from tests.allocation.strategies import instances, large_instances


def assert_optimal(instance) -> None:
    result = solve(instance)
    assert judge.problems(instance, result.allocations) == []
    assert check_feasible(instance, result.allocations) == []
    # What the engine reports is what its allocations are worth by the format page …
    assert judge.close(result.objective, judge.objective(instance, result.allocations)), result
    # … and that is the most any allocation is worth.
    optimum = judge.network_simplex_optimum(instance)
    assert judge.close(result.objective, optimum), (result.objective, optimum)


@settings(max_examples=300, deadline=None)
@given(instances())
def test_the_objective_equals_network_simplex_on_small_instances(instance):
    assert_optimal(instance)


# Generator instances of the large size (the generator draws from its 14 item types) with a
# policy under which substitutes and fairness matter more than by default.
LARGE_EXAMPLE = generate(
    households=60,
    needs=200,
    stock_rows=50,
    seed=5,
    policy=Policy(substitute_value=0.5, fairness_weight=2.0, waiting_bonus_per_30_days=0.2),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(large_instances())
@example(LARGE_EXAMPLE)
def test_the_objective_equals_network_simplex_on_large_instances(instance):
    assert_optimal(instance)


@settings(max_examples=200, deadline=None)
@given(instances(max_stock=8, max_needs=16))
def test_every_answer_is_feasible_and_never_worse_than_first_come_first_served(instance):
    result = solve(instance)
    assert judge.problems(instance, result.allocations) == []
    baseline = first_come_first_served(instance)
    assert judge.problems(instance, baseline.allocations) == []
    assert judge.close(baseline.objective, judge.objective(instance, baseline.allocations))
    assert result.objective >= baseline.objective - 1e-9 * max(1.0, baseline.objective)
    # Whole units, no empty rows, nothing given twice for one (need, row) pair.
    assert all(a.quantity > 0 for a in result.allocations)
    pairs = [(a.need, a.sku) for a in result.allocations]
    assert len(pairs) == len(set(pairs))


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
    assert judge.problems(instance, result.allocations) == []
    assert judge.close(result.objective, judge.objective(instance, result.allocations))
    optimum = judge.lp_optimum(instance, tmp_path)
    assert judge.close(result.objective, optimum), (result.objective, optimum)
    assert result.objective > first_come_first_served(instance).objective
