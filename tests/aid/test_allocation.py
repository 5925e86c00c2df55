"""The allocation service: the instance it builds, the run, changing lines, confirming."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from django_scopes import scope

from kindred.aid.models import (
    AidSettings,
    AllocationRun,
    HelpRequest,
    NeedLine,
    ProposalLine,
    Reservation,
)
from kindred.aid.queries import allocation as queries
from kindred.aid.services import AidError
from kindred.aid.services import allocation as services
from kindred.allocation.model import Allocation, Instance, Need, Policy, StockRow
from kindred.core.services import Invalid
from kindred.goods.models import Movement, StockBalance
from kindred.goods.services.stock import hand_out
from tests.aid.builders import family, help_request
from tests.allocation import judge
from tests.conftest import item_type, make_location, make_site, split_stock_code, stock

pytestmark = pytest.mark.django_db


def start(org, sites, actor, django_capture_on_commit_callbacks) -> AllocationRun:
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        run = services.start_run(org=org, sites=sites, actor=actor)
    with scope(organization=org):
        run.refresh_from_db()
    return run


@pytest.fixture
def shelf(org, site):
    return make_location(org, site, "Shelf A")


def bal(org, location, code, grade="good"):
    base, _, size = code.rpartition("-") if code[-1].isdigit() else (code, "", "")
    with scope(organization=org):
        return StockBalance.objects.get(
            location=location, item_type=item_type(org, base), size=size, grade=grade
        )


def test_instance_has_open_quantities_and_available_stock_only(org, site, shelf, admin):
    other_site = make_site(org, "Shop")
    other = make_location(org, other_site, "Floor")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "toy": 3}, other: {"toy": 7}})
    stock(org, {shelf: {"unsorted-textiles": 40}}, grade="unsorted")
    petrov = help_request(
        org, family(org, "Petrov"), [("child-winter-jacket", ["110", "116"], 3, 3)]
    )
    help_request(org, family(org, "Ivanov"), [("toy", [], 2, 1)], status="submitted")
    with scope(organization=org):
        need = petrov.lines.get()
        NeedLine.objects.filter(pk=need.pk).update(handed_out=1)
        cancelled = NeedLine.objects.create(
            organization=org,
            request=petrov,
            item_type=item_type(org, "toy"),
            quantity=1,
            cancelled=True,
        )
        data = queries.build_instance(org, [site])
    assert [n.id for n in data.instance.needs] == [str(need.pk)]
    assert data.instance.needs[0].quantity == 2
    assert data.instance.needs[0].sizes == ("110", "116")
    assert data.instance.needs[0].urgency == "3"
    assert str(cancelled.pk) not in data.needs
    jackets = bal(org, shelf, "child-winter-jacket-110")
    toys = bal(org, shelf, "toy")
    assert data.snapshot == {str(jackets.pk): 5, str(toys.pk): 3}  # no unsorted, no Shop


def test_reserved_units_are_neither_open_nor_available(
    org, site, shelf, admin, django_capture_on_commit_callbacks
):
    stock(org, {shelf: {"child-winter-jacket-110": 5}})
    help_request(org, family(org, "Petrov"), [("child-winter-jacket", ["110"], 2, 3)])
    run = start(org, [site], admin, django_capture_on_commit_callbacks)
    with scope(organization=org):
        services.confirm_run(run=run, actor=admin)
        data = queries.build_instance(org, [site])
    assert data.instance.needs == ()
    assert list(data.snapshot.values()) == [3]


# The run's proposal against the independent judge -------------------------------------------

# The format page's urgency weights (the aid app does not let an organisation change them).
URGENCY_WEIGHTS = {"1": 1.0, "2": 2.0, "3": 4.0}
SETTINGS = {"substitute_value": "0.50", "fairness_weight": "1.50", "waiting_bonus": "0.20"}

# (location, stock code, grade, units). Shelf A and B are at the site the run is over; the
# Shop's floor and the unsorted bag are not the run's to give.
STOCK = [
    ("Shelf A", "child-winter-jacket-104", "good", 1),
    ("Shelf A", "child-winter-jacket-110", "good", 3),
    ("Shelf B", "child-winter-jacket-110", "worn", 1),  # a second row of the same pool
    ("Shelf B", "child-winter-jacket-116", "good", 2),
    ("Shelf A", "winter-boots-28", "good", 2),
    ("Shelf B", "winter-boots-30", "good", 1),
    ("Shelf B", "child-trousers-116", "good", 2),
    ("Shelf A", "duvet", "good", 2),
    ("Shelf B", "pram", "good", 1),
    ("Shelf B", "child-snowsuit-98", "good", 1),
    ("Shelf A", "duvet", "unsorted", 4),
    ("Floor", "child-winter-jacket-110", "good", 5),
    ("Floor", "pram", "good", 2),
]

# household: (days since the request came in, its status). Eriksen's request is not decided
# yet: not the run's to serve.
HOUSEHOLDS = {
    "Petrov": (10, "approved"),
    "Ivanov": (60, "approved"),
    "Nowak": (120, "approved"),
    "Ahmed": (5, "approved"),
    "Berg": (200, "approved"),
    "Cruz": (30, "approved"),
    "Dahl": (90, "approved"),
    "Eriksen": (0, "submitted"),
}
# (household, item type, sizes: the exact one first, then substitutes, quantity, urgency,
# units handed out already)
NEEDS = [
    ("Petrov", "child-winter-jacket", ["110", "116"], 2, 3, 0),
    ("Petrov", "duvet", [], 1, 1, 0),
    ("Ivanov", "child-winter-jacket", ["116"], 1, 2, 0),
    ("Ivanov", "winter-boots", ["29", "30"], 1, 2, 0),
    ("Nowak", "child-winter-jacket", ["104", "110"], 1, 1, 0),
    ("Nowak", "pram", [], 1, 3, 0),
    ("Ahmed", "child-winter-jacket", ["110"], 2, 1, 0),
    ("Ahmed", "winter-boots", ["28"], 1, 3, 0),
    ("Berg", "child-winter-jacket", ["122", "116"], 1, 2, 0),  # no 122 in stock
    ("Berg", "duvet", [], 2, 2, 0),
    ("Cruz", "winter-boots", ["28", "29"], 2, 1, 0),
    ("Cruz", "child-trousers", ["110", "116"], 1, 1, 0),
    ("Dahl", "pram", [], 1, 2, 0),
    ("Dahl", "child-winter-jacket", ["110"], 1, 3, 0),
    ("Dahl", "child-trousers", ["116"], 3, 2, 1),
    # One snowsuit 98: worth 2.07 to Ahmed as a substitute, 2.8 to Ivanov as the exact size
    # (both households' third unit); an engine that valued substitutes as exact sizes would
    # give it to Ahmed (4.13).
    ("Ahmed", "child-snowsuit", ["92", "98"], 1, 3, 0),
    ("Ivanov", "child-snowsuit", ["98"], 1, 2, 0),
    ("Eriksen", "child-winter-jacket", ["110"], 1, 3, 0),
]


def test_run_proposal_is_feasible_and_worth_the_independent_optimum(
    org, site, admin, django_capture_on_commit_callbacks
):
    """Several households compete for scarce stock on two shelves: the stored proposal breaks
    no rule, and its value — recomputed here from the stored lines by the format page's
    objective — equals the optimum of networkx's network simplex on the same situation,
    written down in this test (not read through the service's instance)."""
    shop = make_site(org, "Shop")
    locations = {
        "Shelf A": make_location(org, site, "Shelf A"),
        "Shelf B": make_location(org, site, "Shelf B"),
        "Floor": make_location(org, shop, "Floor"),
    }
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        for where, code, grade, units in STOCK:
            stock(org, {locations[where]: {code: units}}, grade=grade)
        with scope(organization=org):
            AidSettings.objects.create(organization=org, **SETTINGS)
        need_rows = []  # (NeedLine, its row of NEEDS) of approved requests
        for name, (days, status) in HOUSEHOLDS.items():
            lines = [line for line in NEEDS if line[0] == name]
            request = help_request(
                org,
                family(org, name),
                [line[1:5] for line in lines],
                status=status,
                submitted_at=now - timedelta(days=days),
            )
            with scope(organization=org):
                for row, line in zip(request.lines.order_by("pk"), lines, strict=True):
                    NeedLine.objects.filter(pk=row.pk).update(handed_out=line[5])
                    if status == "approved":
                        need_rows.append((row, line))
        run = start(org, [site], admin, django_capture_on_commit_callbacks)

    # The same situation for the judge, from this test's own description of it.
    with scope(organization=org):
        usable = {
            str(bal(org, locations[where], code, grade).pk): (code, units)
            for where, code, grade, units in STOCK
            if where != "Floor" and grade != "unsorted"
        }
        stored = list(run.lines.select_related("need__request", "balance__item_type"))
    instance = Instance(
        policy=Policy(
            urgency_weights=URGENCY_WEIGHTS,
            substitute_value=0.5,
            fairness_weight=1.5,
            waiting_bonus_per_30_days=0.2,
        ),
        stock=tuple(
            StockRow(sku=pk, item_type=base, size=size or None, quantity=units)
            for pk, (code, units) in usable.items()
            for base, size in [split_stock_code(code)]
        ),
        needs=tuple(
            Need(
                id=str(row.pk),
                household=name,
                item_type=code,
                sizes=tuple(sizes),
                quantity=quantity - handed_out,
                urgency=str(urgency),
                waiting_days=float(HOUSEHOLDS[name][0]),
            )
            for row, (name, code, sizes, quantity, urgency, handed_out) in need_rows
        ),
    )
    assert run.status == AllocationRun.Status.PROPOSED

    # Feasible, read from the stored rows: only the run's stock, no row or pool given beyond
    # what it had, no need line beyond what it lacks, only sizes the need accepts.
    given = defaultdict(int)
    pool = defaultdict(int)
    received = defaultdict(int)
    open_units = {row.pk: line[3] - line[5] for row, line in need_rows}
    for line in stored:
        balance, need = line.balance, line.need
        assert str(balance.pk) in usable, "stock from another site or unsorted"
        assert need.pk in open_units, "a need line of a request not yet approved"
        assert balance.item_type_id == need.item_type_id
        assert not need.sizes or balance.size in need.sizes, (balance.size, need.sizes)
        assert line.exact == (not need.sizes or balance.size == need.sizes[0])
        given[balance.pk] += line.quantity
        pool[(balance.item_type.code, balance.size or None)] += line.quantity
        received[need.pk] += line.quantity
    for pk, units in given.items():
        assert units <= usable[str(pk)][1]
    pool_units = defaultdict(int)
    for row in instance.stock:
        pool_units[(row.item_type, row.size)] += row.quantity
    for key, units in pool.items():
        assert units <= pool_units[key], key
    for pk, units in received.items():
        assert units <= open_units[pk]
    allocations = [
        Allocation(need=str(line.need_id), sku=str(line.balance_id), quantity=line.quantity)
        for line in stored
    ]
    assert judge.problems(instance, allocations) == []

    # Optimal: what the stored lines are worth is the judge's optimum, and is what the run
    # reports.
    value = judge.objective(instance, allocations)
    optimum = judge.network_simplex_optimum(instance)
    assert judge.close(value, optimum), (value, optimum)
    assert judge.close(run.objective, value), (run.objective, value)

    # The situation is one where the choice matters: stock is short, a substitute size is
    # worth giving, and first come, first served does worse.
    assert sum(received.values()) < sum(need.quantity for need in instance.needs)
    assert any(not line.exact for line in stored)
    assert run.baseline_objective < run.objective
    assert run.units == sum(line.quantity for line in stored)
    assert run.needs_count == len(instance.needs)
    assert run.households_served == len({line.need.request.household_id for line in stored})


# Changing lines ------------------------------------------------------------------------------


@pytest.fixture
def proposed(org, site, shelf, admin, django_capture_on_commit_callbacks):
    """Petrov needs 2 jackets (110, or 116) urgently; the shelf has 3 jackets 110, 1 jacket
    116 and 2 toys; Ivanov needs 1 toy."""
    stock(org, {shelf: {"child-winter-jacket-110": 3, "child-winter-jacket-116": 1, "toy": 2}})
    petrov = help_request(
        org, family(org, "Petrov"), [("child-winter-jacket", ["110", "116"], 2, 3)]
    )
    ivanov = help_request(org, family(org, "Ivanov"), [("toy", [], 1, 1)])
    run = start(org, [site], admin, django_capture_on_commit_callbacks)
    with scope(organization=org):
        return {
            "run": run,
            "jacket_need": petrov.lines.get(),
            "toy_need": ivanov.lines.get(),
            "petrov": petrov,
            "ivanov": ivanov,
            "j110": bal(org, shelf, "child-winter-jacket-110"),
            "j116": bal(org, shelf, "child-winter-jacket-116"),
            "toys": bal(org, shelf, "toy"),
        }


def lines_of(org, run):
    with scope(organization=org):
        return {(line.need_id, line.balance_id): line.quantity for line in run.lines.all()}


def test_proposal_gives_every_need_what_fits(org, proposed):
    p = proposed
    assert lines_of(org, p["run"]) == {
        (p["jacket_need"].pk, p["j110"].pk): 2,
        (p["toy_need"].pk, p["toys"].pk): 1,
    }
    with scope(organization=org):
        assert all(line.exact for line in p["run"].lines.all())


def test_change_line_points_a_need_at_a_substitute_size(org, proposed, coordinator):
    p = proposed
    with scope(organization=org):
        services.change_line(
            run=p["run"], need=p["jacket_need"], balance=p["j110"], quantity=1, actor=coordinator
        )
        line = services.change_line(
            run=p["run"], need=p["jacket_need"], balance=p["j116"], quantity=1, actor=coordinator
        )
        assert line.edited and not line.exact
        p["run"].refresh_from_db()
        assert p["run"].units == 3
    assert lines_of(org, p["run"])[(p["jacket_need"].pk, p["j116"].pk)] == 1


def test_change_line_zero_removes_the_line(org, proposed, coordinator):
    p = proposed
    with scope(organization=org):
        assert (
            services.change_line(
                run=p["run"], need=p["toy_need"], balance=p["toys"], quantity=0, actor=coordinator
            )
            is None
        )
        p["run"].refresh_from_db()
        assert p["run"].households_served == 1
    assert (p["toy_need"].pk, p["toys"].pk) not in lines_of(org, p["run"])


@pytest.mark.parametrize(
    ("need", "balance", "quantity", "field"),
    [
        ("toy_need", "j110", 1, "balance"),  # another item type
        ("jacket_need", "toys", 1, "balance"),
        ("jacket_need", "j116", 1, "quantity"),  # the need already gets its 2
        ("toy_need", "toys", 2, "quantity"),  # more than the need lacks
    ],
)
def test_change_line_refuses_what_does_not_fit(
    org, proposed, coordinator, need, balance, quantity, field
):
    p = proposed
    before = lines_of(org, p["run"])
    with scope(organization=org), pytest.raises(Invalid) as caught:
        services.change_line(
            run=p["run"], need=p[need], balance=p[balance], quantity=quantity, actor=coordinator
        )
    assert caught.value.field == field
    assert lines_of(org, p["run"]) == before


def test_change_line_refuses_a_size_the_need_does_not_accept(
    org, site, shelf, admin, django_capture_on_commit_callbacks
):
    stock(org, {shelf: {"child-winter-jacket-110": 1, "child-winter-jacket-122": 1}})
    request = help_request(org, family(org), [("child-winter-jacket", ["110"], 1, 2)])
    run = start(org, [site], admin, django_capture_on_commit_callbacks)
    with scope(organization=org), pytest.raises(Invalid) as caught:
        services.change_line(
            run=run,
            need=request.lines.get(),
            balance=bal(org, shelf, "child-winter-jacket-122"),
            quantity=1,
            actor=admin,
        )
    assert caught.value.field == "balance"
    assert "122" in caught.value.message


def test_change_line_cannot_give_more_than_the_snapshot_had(org, proposed, coordinator):
    p = proposed
    other = help_request(org, family(org, "Nowak"), [("toy", [], 5, 1)])
    with scope(organization=org):
        need = other.lines.get()
        services.change_line(
            run=p["run"], need=need, balance=p["toys"], quantity=1, actor=coordinator
        )
        with pytest.raises(Invalid) as caught:
            services.change_line(
                run=p["run"], need=need, balance=p["toys"], quantity=2, actor=coordinator
            )
    assert caught.value.field == "quantity"


# Confirming ----------------------------------------------------------------------------------


def test_confirm_creates_reservations_and_reserve_movements(org, proposed, coordinator):
    p = proposed
    with scope(organization=org):
        reservations = services.confirm_run(run=p["run"], actor=coordinator)
        assert len(reservations) == 2
        assert {r.request_id for r in reservations} == {p["petrov"].pk, p["ivanov"].pk}
        for r in reservations:
            assert r.status == Reservation.Status.ACTIVE
            assert r.expires_at > r.created_at
            assert (r.expires_at - r.created_at).days == 14
        moves = Movement.objects.filter(kind=Movement.Kind.RESERVE, document_type="reservation")
        assert sorted(m.quantity for m in moves) == [Decimal(1), Decimal(2)]
        # Each movement points at its own reservation (the stock history links to it).
        for r in reservations:
            reserved = sum(line.quantity for line in r.lines.all())
            assert sum(m.quantity for m in moves.filter(document_id=r.pk)) == reserved
        p["j110"].refresh_from_db()
        p["toys"].refresh_from_db()
        assert p["j110"].reserved == 2 and p["j110"].quantity == 3
        assert p["toys"].reserved == 1
        p["run"].refresh_from_db()
        assert p["run"].status == AllocationRun.Status.CONFIRMED
        assert p["run"].confirmed_by == coordinator
        # The needs are reserved now: nothing is open for the next run.
        assert not queries.open_needs(org).exists()


def test_a_request_without_a_pickup_site_is_reserved_at_one_site(
    org, site, admin, django_capture_on_commit_callbacks
):
    """No booking and no site chosen: the run picks the site with most of what it needs
    (a tie: the first by name) and reserves there only; the rest is a transfer suggestion."""
    shop = make_site(org, "Shop")
    a = make_location(org, site, "Shelf A")
    b = make_location(org, shop, "Floor")
    stock(org, {a: {"toy": 1}, b: {"toy": 1}})
    request = help_request(org, family(org), [("toy", [], 2, 2)])
    run = start(org, [site, shop], admin, django_capture_on_commit_callbacks)
    with scope(organization=org):
        assert run.pickup_sites == {str(request.pk): [site.pk, "stock"]}
        [household] = queries.proposal(run)
        [unmet] = household.unmet
        assert unmet.missing == 1
        assert [t.text for t in unmet.transfers] == ["1 item at Shop could be moved to Lageret."]
        reservations = services.confirm_run(run=run, actor=admin)
        assert [r.site_id for r in reservations] == [site.pk]
        assert [r.request_id for r in reservations] == [request.pk]
        assert [line.location_id for line in reservations[0].lines.all()] == [a.pk]


def test_confirm_after_a_handout_took_the_stock_fails_and_saves_nothing(
    org, proposed, coordinator, shelf
):
    p = proposed
    with scope(organization=org):
        hand_out(
            org=org,
            location=shelf,
            item_type=item_type(org, "child-winter-jacket"),
            size="110",
            grade="good",
            quantity=2,
            actor=coordinator,
        )
        with pytest.raises(AidError) as caught:
            services.confirm_run(run=p["run"], actor=coordinator)
        assert "run the allocation again" in caught.value.message
        assert not Reservation.objects.exists()
        assert not Movement.objects.filter(kind=Movement.Kind.RESERVE).exists()
        p["toys"].refresh_from_db()
        assert p["toys"].reserved == 0
        p["run"].refresh_from_db()
        assert p["run"].status == AllocationRun.Status.PROPOSED


def test_confirm_twice_is_refused(org, proposed, coordinator):
    p = proposed
    with scope(organization=org):
        services.confirm_run(run=p["run"], actor=coordinator)
        with pytest.raises(AidError):
            services.confirm_run(run=p["run"], actor=coordinator)
        assert Reservation.objects.count() == 2
        p["j110"].refresh_from_db()
        assert p["j110"].reserved == 2


def test_two_runs_cannot_reserve_the_same_need_twice(
    org, site, proposed, coordinator, admin, django_capture_on_commit_callbacks
):
    p = proposed
    second = start(org, [site], admin, django_capture_on_commit_callbacks)
    with scope(organization=org):
        services.confirm_run(run=second, actor=coordinator)
        with pytest.raises(AidError):
            services.confirm_run(run=p["run"], actor=coordinator)
        assert Reservation.objects.count() == 2
        assert Reservation.objects.filter(run=p["run"]).count() == 0


def test_discard_run(org, proposed, coordinator):
    with scope(organization=org):
        services.discard_run(run=proposed["run"], actor=coordinator)
        proposed["run"].refresh_from_db()
        assert proposed["run"].status == AllocationRun.Status.DISCARDED
        with pytest.raises(AidError):
            services.confirm_run(run=proposed["run"], actor=coordinator)


def test_start_run_needs_a_site(org, admin):
    with scope(organization=org), pytest.raises(Invalid) as caught:
        services.start_run(org=org, sites=[], actor=admin)
    assert caught.value.field == "sites"


def test_unmet_reasons(org, site, shelf, admin, django_capture_on_commit_callbacks):
    stock(org, {shelf: {"child-winter-jacket-110": 1}})
    help_request(org, family(org, "Ahmed"), [("child-winter-jacket", ["110"], 1, 3)])
    help_request(org, family(org, "Berg"), [("child-winter-jacket", ["110"], 1, 1)])
    help_request(org, family(org, "Cruz"), [("child-winter-jacket", ["140"], 1, 3)])
    help_request(org, family(org, "Dahl"), [("toy", [], 1, 3)])
    run = start(org, [site], admin, django_capture_on_commit_callbacks)
    with scope(organization=org):
        households = {h.label: h for h in queries.proposal(run)}
        assert households["Ahmed household"].lines and not households["Ahmed household"].unmet
        assert [u.reason for u in households["Berg household"].unmet] == [queries.OUTRANKED]
        assert [u.reason for u in households["Cruz household"].unmet] == [queries.NO_SIZE]
        assert [u.reason for u in households["Dahl household"].unmet] == [queries.NO_ITEM_TYPE]
        assert [h.label for h in queries.proposal(run, show="nothing")] == [
            "Berg household",
            "Cruz household",
            "Dahl household",
        ]
        assert [h.label for h in queries.proposal(run, search="ahm")] == ["Ahmed household"]


def test_submitted_requests_are_not_allocated(
    org, site, shelf, admin, django_capture_on_commit_callbacks
):
    stock(org, {shelf: {"toy": 1}})
    help_request(org, family(org), [("toy", [], 1, 3)], status=HelpRequest.Status.SUBMITTED)
    run = start(org, [site], admin, django_capture_on_commit_callbacks)
    assert run.status == AllocationRun.Status.PROPOSED
    assert run.units == 0 and run.needs_count == 0
    with scope(organization=org):
        assert not ProposalLine.objects.exists()


def test_confirm_moves_the_requests_on_and_cancel_brings_them_back(org, proposed, coordinator):
    from kindred.aid.services.reservations import cancel_reservation

    p = proposed
    with scope(organization=org):
        reservations = services.confirm_run(run=p["run"], actor=coordinator)
        p["petrov"].refresh_from_db()
        assert p["petrov"].status == HelpRequest.Status.FULFILLING
        for reservation in reservations:
            cancel_reservation(reservation=reservation, actor=coordinator)
        p["petrov"].refresh_from_db()
        assert p["petrov"].status == HelpRequest.Status.APPROVED


def test_an_instance_the_engine_refuses_fails_the_run_with_its_message(
    org, site, shelf, admin, django_capture_on_commit_callbacks
):
    from datetime import UTC, datetime

    from kindred.aid.models import AidSettings

    stock(org, {shelf: {"toy": 10_000_000_000}})
    help_request(
        org,
        family(org),
        [("toy", [], 1, 3)],
        submitted_at=datetime(1900, 1, 1, tzinfo=UTC),
    )
    with scope(organization=org):
        AidSettings.objects.create(organization=org, waiting_bonus="99.99")
    run = start(org, [site], admin, django_capture_on_commit_callbacks)
    assert run.status == AllocationRun.Status.FAILED
    assert "too large to solve exactly" in run.error
    with scope(organization=org):
        assert run.progress.status == "failed"
        assert not run.lines.exists()
