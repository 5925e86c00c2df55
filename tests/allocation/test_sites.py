"""Pickup sites in the engine (`allocation.sites.at_sites`, ADR 0022): whatever the sites of
the needs and the stock, no allocation gives a need stock lying at another site, and every
answer is still feasible for the instance without sites. With one site for everything the
optimum is the same as without sites."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kindred.allocation import at_sites, check_feasible, first_come_first_served, solve
from tests.allocation import judge
from tests.allocation.strategies import instances

SITES = ("1", "2", "3")


@settings(max_examples=200, deadline=None)
@given(instances(max_stock=8, max_needs=12), st.data())
def test_no_reservation_is_ever_at_a_site_other_than_the_households_pickup_site(instance, data):
    need_sites = {n.id: data.draw(st.sampled_from((*SITES, None))) for n in instance.needs}
    stock_sites = {row.sku: data.draw(st.sampled_from(SITES)) for row in instance.stock}
    by_site = at_sites(instance, need_sites=need_sites, stock_sites=stock_sites)
    for answer in (solve(by_site), first_come_first_served(by_site)):
        for allocation in answer.allocations:
            assert need_sites[allocation.need] == stock_sites[allocation.sku]
        assert check_feasible(instance, answer.allocations) == []
        assert judge.problems(instance, answer.allocations) == []


@settings(max_examples=100, deadline=None)
@given(instances())
def test_one_site_for_everything_changes_nothing(instance):
    by_site = at_sites(
        instance,
        need_sites=dict.fromkeys((n.id for n in instance.needs), "1"),
        stock_sites=dict.fromkeys((row.sku for row in instance.stock), "1"),
    )
    assert judge.close(solve(by_site).objective, solve(instance).objective)
