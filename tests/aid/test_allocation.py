"""The allocation service: the instance it builds, the run, changing lines, confirming."""

from decimal import Decimal

import pytest
from django_scopes import scope

from kindred.aid.models import AllocationRun, HelpRequest, NeedLine, ProposalLine, Reservation
from kindred.aid.queries import allocation as queries
from kindred.aid.services import AidError
from kindred.aid.services import allocation as services
from kindred.allocation.baseline import first_come_first_served
from kindred.allocation.objective import check_feasible
from kindred.allocation.solver import solve
from kindred.core.services import Invalid
from kindred.goods.models import Movement, StockBalance
from kindred.goods.services.stock import hand_out
from tests.aid.builders import family, help_request
from tests.conftest import item_type, make_location, make_site, stock

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


def test_run_proposal_is_feasible_optimal_and_beats_first_come_first_served(
    org, site, shelf, admin, django_capture_on_commit_callbacks
):
    stock(org, {shelf: {"child-winter-jacket-110": 2, "child-winter-jacket-116": 1, "toy": 2}})
    help_request(
        org,
        family(org, "Petrov"),
        [("child-winter-jacket", ["110", "116"], 2, 1), ("toy", [], 2, 1)],
    )
    help_request(org, family(org, "Ivanov"), [("child-winter-jacket", ["110"], 1, 3)])
    help_request(org, family(org, "Nowak"), [("toy", [], 1, 2)])
    with scope(organization=org):
        data = queries.build_instance(org, [site])
    run = start(org, [site], admin, django_capture_on_commit_callbacks)
    assert run.status == AllocationRun.Status.PROPOSED
    with scope(organization=org):
        lines = list(run.lines.all())
        assert run.progress.status == "done"
    from kindred.allocation.model import Allocation

    allocations = [
        Allocation(str(line.need_id), str(line.balance_id), line.quantity) for line in lines
    ]
    assert check_feasible(data.instance, allocations) == []
    assert run.objective == pytest.approx(solve(data.instance).objective)
    assert run.objective >= first_come_first_served(data.instance).objective - 1e-9
    assert run.baseline_objective == pytest.approx(first_come_first_served(data.instance).objective)
    assert run.units == sum(line.quantity for line in lines)
    assert run.households_served == 3
    assert run.needs_count == 4


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


def test_one_reservation_per_request_and_site(org, site, admin, django_capture_on_commit_callbacks):
    shop = make_site(org, "Shop")
    a = make_location(org, site, "Shelf A")
    b = make_location(org, shop, "Floor")
    stock(org, {a: {"toy": 1}, b: {"toy": 1}})
    request = help_request(org, family(org), [("toy", [], 2, 2)])
    run = start(org, [site, shop], admin, django_capture_on_commit_callbacks)
    with scope(organization=org):
        reservations = services.confirm_run(run=run, actor=admin)
        assert sorted(r.site_id for r in reservations) == sorted([site.pk, shop.pk])
        assert all(r.request_id == request.pk for r in reservations)
        assert [r.lines.count() for r in reservations] == [1, 1]


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
