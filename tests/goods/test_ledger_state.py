"""A hypothesis state machine runs random sequences of goods operations through the real
services — intake (with idempotency keys), sacks by weight, sorting, transfers within and
between sites (and receiving them), handouts, stock counts and corrections of receipts
(reversal and replacement) — against a plain model of the stock it keeps itself.

After every step: no balance is negative and the reserved part stays within it, every
balance equals the sum of its movements (`verify_balances() == []`), and the balances
equal the model. An operation the model says cannot work (more than is in stock, a wrong
size, zero, a location of another organisation) must raise `StockError` (or its subclass
`LineError`) naming the expected field and change nothing (every goods row of the
organisation but the catalogue, and its audit entries). Refusals run in Swedish: each must carry a message,
and for "not enough in stock" the Swedish wording must differ from the English one — until
the goods strings are translated into the .po files, that message gets a stand-in Swedish
translation in Django's in-memory catalogue (the `swedish` fixture of test_ledger.py), so
what is proven is that the message is looked up in the user's language when it is raised.

Each example runs in its own savepoint, rolled back at teardown, on one organisation
built once per test.
"""

from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import translation
from django_scopes import scope, scopes_disabled
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from kindred.core.models import AuditEntry, Site
from kindred.goods.models import (
    Category,
    DonationReceipt,
    ItemType,
    Movement,
    StockBalance,
    Stream,
    Transfer,
)
from kindred.goods.queries import verify_balances
from kindred.goods.services import (
    CountLineIn,
    ReceiptLineIn,
    SortingLineIn,
    StockError,
    TransferLineIn,
    approve_count,
    correct_receipt,
    hand_out,
    receive_transfer,
    record_counts,
    record_receipt,
    record_sorting,
    reverse_document,
    send_transfer,
    start_count,
    transit_location,
)
from tests.conftest import GOODS_MODELS, admin_of, item_type, make_location, make_site
from tests.goods.test_ledger import swedish  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

NOT_ENOUGH = "Not enough %(item)s in %(location)s: %(available)s in stock, %(wanted)s needed."
ZERO = Decimal(0)


class World:
    """The fixed things every example works with."""

    def __init__(self, org, other_org):
        self.org, self.actor = org, admin_of(org)
        self.warehouse = make_site(org, "Warehouse")
        self.shop = make_site(org, "Shop", kind=Site.Kind.SHOP)
        self.a = make_location(org, self.warehouse, "Shelf A")
        self.b = make_location(org, self.warehouse, "Bin B")
        self.c = make_location(org, self.shop, "Shop shelf")
        self.foreign = make_location(other_org, name="Their shelf")
        with scope(organization=org):
            self.transit = {site.pk: transit_location(site) for site in (self.warehouse, self.shop)}
        self.storage = {self.warehouse.pk: [self.a, self.b], self.shop.pk: [self.c]}
        jacket, sweater = item_type(org, "child-winter-jacket"), item_type(org, "sweater")
        self.goods = [(jacket, "110"), (jacket, "116"), (sweater, "M"), (item_type(org, "toy"), "")]
        self.jacket = jacket
        self.sack = item_type(org, "unsorted-textiles")
        self.export = item_type(org, "export-textiles")


def goods_snapshot(org) -> dict:
    """Every goods row of the organisation but the catalogue's, and its audit entries: all
    these operations can write (the full `snapshot()` also reads people and membership
    tables, which they never touch, and would double the test's time)."""
    with scopes_disabled():
        return {
            "audit": AuditEntry.objects.filter(organization=org).count(),
            **{
                model._meta.label: list(
                    model.objects.filter(organization=org).order_by("pk").values()
                )
                for model in GOODS_MODELS
                # The catalogue, which no operation here writes: 80 rows less to compare.
                if model not in (Category, ItemType)
            },
        }


def written(org) -> tuple[int, int, int]:
    """Receipts, movements and audit entries: what a replayed intake must not add to."""
    with scopes_disabled():
        return (
            DonationReceipt.objects.filter(organization=org).count(),
            Movement.objects.filter(organization=org).count(),
            AuditEntry.objects.filter(organization=org).count(),
        )


def key(location, item_type, size, grade) -> tuple:
    return (location.pk, item_type.pk, size, grade)


quantities = st.integers(min_value=1, max_value=5).map(Decimal)
grades = st.sampled_from(["good", "used"])


def machine(world: World):
    org, actor = world.org, world.actor
    locations = [world.a, world.b, world.c]

    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            # One savepoint per example, rolled back in teardown(): every example starts
            # from empty stock on the same organisation.
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.stock: Counter = Counter()
            self.receipts: list[list] = []  # [receipt, [(key, quantity), …] in force]
            self.in_transit: list[tuple] = []  # (transfer, [(key at destination, qty)])
            self.keys_used = 0

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        # Helpers ---------------------------------------------------------------------

        def draw_goods(self, data, location):
            """A stock key at `location`: mostly one that holds stock, when there is one
            (so outflows often work and refusals stay a minority), else any."""
            held = [k for k, q in self.stock.items() if k[0] == location.pk and q > 0]
            held = [k for k in held if k[1] != world.sack.pk and k[1] != world.export.pk]
            if held and data.draw(st.integers(0, 3)):
                found = data.draw(st.sampled_from(sorted(held)))
                types = {t.pk: t for t, _size in world.goods}
                return types[found[1]], found[2], found[3]
            item, size = data.draw(st.sampled_from(world.goods))
            return item, size, data.draw(grades)

        def draw_quantity(self, data, k) -> Decimal:
            """1 to 5, mostly no more than is held (a few ask for more: refused)."""
            held = int(self.stock[k])
            if held and data.draw(st.integers(0, 3)):
                return Decimal(data.draw(st.integers(1, min(held, 5))))
            return data.draw(quantities)

        def fits(self, changes: Counter) -> bool:
            return all(self.stock[k] + d >= 0 for k, d in changes.items())

        def apply(self, changes: Counter) -> None:
            event("recorded")
            for k, d in changes.items():
                self.stock[k] += d

        def refused(self, call, *, field: str | None = None):
            """`call` must raise StockError (naming `field` when given) and change
            nothing; the message is produced in Swedish."""
            event("refused")
            before = goods_snapshot(org)
            with translation.override("sv"), pytest.raises(StockError) as error:
                call()
            assert error.value.message and isinstance(error.value.message, str)
            if field is not None:
                assert error.value.field == field, (error.value.field, error.value.message)
            assert goods_snapshot(org) == before
            return error.value

        # Operations ------------------------------------------------------------------

        @rule(data=st.data())
        def intake(self, data):
            site = data.draw(st.sampled_from([world.warehouse, world.shop]))
            lines, changes = [], Counter()
            for _n in range(data.draw(st.integers(1, 3))):
                item, size = data.draw(st.sampled_from(world.goods))
                grade, quantity = data.draw(grades), data.draw(quantities)
                location = data.draw(st.sampled_from(world.storage[site.pk]))
                lines.append(ReceiptLineIn(item, size, grade, quantity, location))
                changes[key(location, item, size, grade)] += quantity
            idempotency_key = ""
            if data.draw(st.booleans()):
                self.keys_used += 1
                idempotency_key = f"form-{self.keys_used}"
            receipt = record_receipt(
                org=org, site=site, lines=lines, actor=actor, idempotency_key=idempotency_key
            )
            self.apply(changes)
            self.receipts.append([receipt, list(changes.items())])
            if idempotency_key:  # the double click: the same receipt, nothing recorded
                before = written(org)
                again = record_receipt(
                    org=org, site=site, lines=lines, actor=actor, idempotency_key=idempotency_key
                )
                assert again.pk == receipt.pk and again.replayed
                assert written(org) == before

        @rule(kilograms=st.integers(5, 30))
        def intake_sack(self, kilograms):
            weight = Decimal(kilograms) + Decimal("0.5")
            line = ReceiptLineIn(world.sack, "", "unsorted", weight, world.a)
            receipt = record_receipt(org=org, site=world.warehouse, lines=[line], actor=actor)
            sack_key = key(world.a, world.sack, "", "unsorted")
            self.stock[sack_key] += weight
            self.receipts.append([receipt, [(sack_key, weight)]])

        @rule(data=st.data())
        def sort(self, data):
            source = key(world.a, world.sack, "", "unsorted")
            weight = Decimal(data.draw(st.integers(1, 20)))
            lines, changes = [], Counter({source: -weight})
            for _n in range(data.draw(st.integers(1, 3))):
                stream = data.draw(st.sampled_from([Stream.KEEP, Stream.SHOP, Stream.EXPORT]))
                if stream == Stream.EXPORT:
                    kg = Decimal(data.draw(st.integers(1, 10)))
                    lines.append(
                        SortingLineIn(stream, grade="used", weight_kg=kg, location=world.b)
                    )
                    changes[key(world.b, world.export, "", "used")] += kg
                    continue
                item, size = data.draw(st.sampled_from(world.goods))
                grade, quantity = data.draw(grades), data.draw(quantities)
                place = (
                    world.c
                    if stream == Stream.SHOP
                    else data.draw(st.sampled_from([world.a, world.b]))
                )
                lines.append(SortingLineIn(stream, item, size, grade, quantity, None, place))
                changes[key(place, item, size, grade)] += quantity

            def call():
                return record_sorting(
                    org=org,
                    source_location=world.a,
                    source_item_type=world.sack,
                    weight_kg=weight,
                    lines=lines,
                    actor=actor,
                )

            if self.fits(changes):
                call()
                self.apply(changes)
            else:
                self.refused(call, field="quantity")

        @rule(data=st.data())
        def transfer(self, data):
            source = data.draw(st.sampled_from(locations))
            target = data.draw(st.sampled_from([loc for loc in locations if loc != source]))
            between = source.site_id != target.site_id
            arrives = world.transit[target.site_id] if between else target
            lines, changes, arriving = [], Counter(), []
            for _n in range(data.draw(st.integers(1, 2))):
                item, size, grade = self.draw_goods(data, source)
                quantity = self.draw_quantity(data, key(source, item, size, grade))
                lines.append(TransferLineIn(item, size, grade, quantity))
                changes[key(source, item, size, grade)] -= quantity
                changes[key(arrives, item, size, grade)] += quantity
                arriving.append(((item, size, grade), quantity))

            def call():
                return send_transfer(
                    org=org, from_location=source, to_location=target, lines=lines, actor=actor
                )

            if not self.fits(changes):
                self.refused(call, field="quantity")
                return
            sent = call()
            self.apply(changes)
            assert sent.status == (Transfer.Status.IN_TRANSIT if between else Transfer.Status.DONE)
            if between:
                self.in_transit.append((sent, arrives, target, arriving))

        @precondition(lambda self: self.in_transit)
        @rule(data=st.data())
        def receive(self, data):
            index = data.draw(st.integers(0, len(self.in_transit) - 1))
            sent, transit, target, arriving = self.in_transit.pop(index)
            receive_transfer(org=org, transfer=sent, actor=actor)
            for (item, size, grade), quantity in arriving:
                self.stock[key(transit, item, size, grade)] -= quantity
                self.stock[key(target, item, size, grade)] += quantity
            # A second receipt of the same transfer is refused.
            self.refused(lambda: receive_transfer(org=org, transfer=sent, actor=actor))

        @precondition(lambda self: self.in_transit)
        @rule(data=st.data())
        def recall(self, data):
            """A transfer reversed while in transit: its goods go back where they came
            from, and it can no longer be received."""
            index = data.draw(st.integers(0, len(self.in_transit) - 1))
            sent, transit, _target, arriving = self.in_transit.pop(index)
            reverse_document(
                org=org,
                document_type="transfer",
                document_id=sent.pk,
                reason="sent to the wrong shop",
                actor=actor,
            )
            for (item, size, grade), quantity in arriving:
                self.stock[key(transit, item, size, grade)] -= quantity
                self.stock[key(sent.from_location, item, size, grade)] += quantity
            self.refused(lambda: receive_transfer(org=org, transfer=sent, actor=actor))

        @rule(data=st.data())
        def handout(self, data):
            location = data.draw(st.sampled_from(locations))
            item, size, grade = self.draw_goods(data, location)
            quantity = self.draw_quantity(data, key(location, item, size, grade))
            changes = Counter({key(location, item, size, grade): -quantity})

            def call():
                return hand_out(
                    org=org,
                    location=location,
                    item_type=item,
                    size=size,
                    grade=grade,
                    quantity=quantity,
                    actor=actor,
                )

            if self.fits(changes):
                call()
                self.apply(changes)
            else:
                self.refused(call, field="quantity")

        @rule(data=st.data())
        def count(self, data):
            location = data.draw(st.sampled_from(locations))
            sheet = start_count(org=org, location=location, actor=actor)
            lines = list(sheet.lines.order_by("pk"))
            expected = {k: q for k, q in self.stock.items() if k[0] == location.pk and q > 0}
            assert {
                (location.pk, line.item_type_id, line.size, line.grade): line.expected
                for line in lines
            } == expected
            counted, result = {}, {}
            for line in lines:
                value = data.draw(st.one_of(st.none(), st.integers(0, 8)))
                if value is not None:
                    counted[line.pk] = Decimal(value)
                    result[(location.pk, line.item_type_id, line.size, line.grade)] = value
            extra = []
            if not counted or data.draw(st.booleans()):
                item, size = data.draw(st.sampled_from(world.goods))
                grade, found = data.draw(grades), data.draw(st.integers(1, 4))
                extra.append(CountLineIn(item, size, grade, Decimal(found)))
                result[key(location, item, size, grade)] = found
            record_counts(org=org, count=sheet, counted=counted, actor=actor, extra=extra)
            approve_count(org=org, count=sheet, actor=actor)
            for k, value in result.items():
                self.stock[k] = Decimal(value)

        @precondition(lambda self: self.receipts)
        @rule(data=st.data())
        def correct(self, data):
            index = data.draw(st.integers(0, len(self.receipts) - 1))
            receipt, in_force = self.receipts[index]
            undo = Counter()
            for k, quantity in in_force:
                undo[k] -= quantity
            if data.draw(st.booleans()):  # reverse the whole receipt

                def call():
                    return reverse_document(
                        org=org,
                        document_type="receipt",
                        document_id=receipt.pk,
                        reason="entered twice",
                        actor=actor,
                    )

                if not in_force:
                    self.refused(call, field="document_id")  # already reversed
                elif self.fits(undo):
                    call()
                    self.apply(undo)
                    self.receipts[index][1] = []
                else:
                    self.refused(call, field="quantity")  # the goods have moved on
                return
            # Replace its lines: reversal and new lines in one ledger record.
            site = receipt.site
            lines, changes = [], Counter(undo)
            new_in_force = Counter()
            for _n in range(data.draw(st.integers(1, 2))):
                item, size = data.draw(st.sampled_from(world.goods))
                grade, quantity = data.draw(grades), data.draw(quantities)
                location = data.draw(st.sampled_from(world.storage[site.pk]))
                lines.append(ReceiptLineIn(item, size, grade, quantity, location))
                changes[key(location, item, size, grade)] += quantity
                new_in_force[key(location, item, size, grade)] += quantity

            def replace():
                return correct_receipt(
                    org=org, receipt=receipt, lines=lines, reason="wrong sizes", actor=actor
                )

            if self.fits(changes):
                replace()
                self.apply(changes)
                self.receipts[index][1] = list(new_in_force.items())
            else:
                self.refused(replace)

        # Invalid operations: refused whole, in the user's language ------------------

        @rule(data=st.data())
        def hand_out_more_than_in_stock(self, data):
            location = data.draw(st.sampled_from(locations))
            item, size, grade = self.draw_goods(data, location)
            quantity = self.stock[key(location, item, size, grade)] + data.draw(quantities)

            def call():
                return hand_out(
                    org=org,
                    location=location,
                    item_type=item,
                    size=size,
                    grade=grade,
                    quantity=quantity,
                    actor=actor,
                )

            swedish_message = self.refused(call, field="quantity").message
            with translation.override("en"), pytest.raises(StockError) as english:
                call()
            assert english.value.message.startswith("Not enough ")
            assert swedish_message != english.value.message

        @rule(data=st.data())
        def invalid_operation(self, data):
            case = data.draw(
                st.sampled_from(
                    [
                        "handout-size",
                        "handout-zero",
                        "transfer-foreign",
                        "transfer-size",
                        "intake-zero",
                        "intake-size",
                        "intake-foreign",
                        "sort-too-much",
                    ]
                )
            )
            jacket = world.jacket
            if case == "handout-size":
                self.refused(
                    lambda: hand_out(
                        org=org,
                        location=world.a,
                        item_type=jacket,
                        size="111",
                        grade="good",
                        quantity=1,
                        actor=actor,
                    ),
                    field="size",
                )
            elif case == "handout-zero":
                self.refused(
                    lambda: hand_out(
                        org=org,
                        location=world.a,
                        item_type=jacket,
                        size="110",
                        grade="good",
                        quantity=0,
                        actor=actor,
                    ),
                    field="quantity",
                )
            elif case == "transfer-foreign":
                self.refused(
                    lambda: send_transfer(
                        org=org,
                        from_location=world.a,
                        to_location=world.foreign,
                        lines=[TransferLineIn(jacket, "110", "good", Decimal(1))],
                        actor=actor,
                    ),
                    field="to_location",
                )
            elif case == "transfer-size":
                self.refused(
                    lambda: send_transfer(
                        org=org,
                        from_location=world.a,
                        to_location=world.b,
                        lines=[TransferLineIn(jacket, "XL", "good", Decimal(1))],
                        actor=actor,
                    ),
                    field="lines.0.size",
                )
            elif case.startswith("intake"):
                size, quantity, location, field = {
                    "intake-zero": ("110", ZERO, world.a, "lines.0.quantity"),
                    "intake-size": ("37", Decimal(1), world.a, "lines.0.size"),
                    "intake-foreign": ("110", Decimal(1), world.foreign, "lines.0.location"),
                }[case]
                line = ReceiptLineIn(jacket, size, "good", quantity, location)
                self.refused(
                    lambda: record_receipt(
                        org=org, site=world.warehouse, lines=[line], actor=actor
                    ),
                    field=field,
                )
            else:  # sort-too-much
                held = self.stock[key(world.a, world.sack, "", "unsorted")]
                self.refused(
                    lambda: record_sorting(
                        org=org,
                        source_location=world.a,
                        source_item_type=world.sack,
                        weight_kg=held + 1,
                        lines=[SortingLineIn(Stream.DISCARD, weight_kg=Decimal(1))],
                        actor=actor,
                    ),
                    field="quantity",
                )

        # After every step -----------------------------------------------------------

        @invariant()
        def balances_are_never_negative_and_equal_the_model(self):
            rows = StockBalance.objects.filter(organization=org).values_list(
                "location_id", "item_type_id", "size", "grade", "quantity", "reserved"
            )
            held = {}
            for location, item, size, grade, quantity, reserved in rows:
                assert quantity >= 0 and 0 <= reserved <= quantity
                if quantity:
                    held[(location, item, size, grade)] = quantity
            assert held == {k: q for k, q in self.stock.items() if q}

        @invariant()
        def balances_equal_the_sum_of_their_movements(self):
            assert verify_balances(org) == []

    return LedgerMachine


@pytest.mark.slow
def test_random_goods_operations_keep_the_ledger_right(org, other_org, swedish):  # noqa: F811
    swedish(
        NOT_ENOUGH,
        "Inte tillräckligt av %(item)s i %(location)s: %(available)s i lager, %(wanted)s behövs.",
    )
    world = World(org, other_org)
    with scope(organization=org):
        run_state_machine_as_test(
            machine(world),
            settings=settings(
                # Once per CI run (`slow`), on SQLite: what needs PostgreSQL's row locks
                # is in test_concurrency.py. 20 walks of 25 steps: about 15 s of one core;
                # each run draws new walks (no fixed seed), so the runs add up.
                max_examples=20,
                stateful_step_count=25,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
