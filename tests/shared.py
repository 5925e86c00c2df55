"""Test data built once per test module and restored for every test.

This is Django's `setUpTestData` pattern for pytest: the first test of a module that asks
for shared data opens an outer transaction (`module_transaction`) and builds the data in
it; every test then runs inside the savepoint pytest-django's `db` fixture opens (a nested
`atomic`), so whatever a test writes is rolled back and the next test finds the data as it
was built; when the module ends, the outer transaction is rolled back too.

    @shared
    def shelf(personas):                      # built once per module, from the originals
        return make_location(personas.org, name="Shelf A")

    def test_something(shelf, org):           # a fresh copy per test, like setUpTestData
        ...

A shared builder receives the *originals* of the shared fixtures it names as parameters
(`personas` is in tests/conftest.py); a test receives deep copies, made with one memo per
test, so `shelf.organization is org` holds inside a test and nothing a test does to an
object in memory leaks into the next test (the database is restored by the savepoint).

Shared data cannot serve a test that really commits (`django_db(transaction=True)`,
`live_server`): such tests live in their own modules.
"""

from __future__ import annotations

import copy
import inspect
import sys
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

SUFFIX = "__shared"


def is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(
        (marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
        or {"transactional_db", "live_server"} & set(request.fixturenames)
    )


class ModuleTransaction:
    """The outer transaction of one test module, with the database unblocked for builders."""

    active = False  # a test that commits must not run inside it (tests/conftest.py)

    def __init__(self, blocker) -> None:
        self.blocker = blocker
        self.atomic = transaction.atomic()

    def __enter__(self) -> ModuleTransaction:
        with self.blocker.unblock():
            self.atomic.__enter__()
        ModuleTransaction.active = True
        return self

    def __exit__(self, *exc) -> None:
        with self.blocker.unblock():
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)
        ModuleTransaction.active = False

    def build(self, builder: Callable[..., Any], **kwargs: Any) -> Any:
        # Only the module transaction may be open: a build inside a test's savepoint would
        # be rolled back after that test while its objects stay cached for the next.
        if len(connection.atomic_blocks) != 1:
            raise pytest.UsageError(
                f"shared data {builder.__name__} was asked for inside a test; name it as a "
                "fixture argument so that it is built with the module"
            )
        with self.blocker.unblock():
            return builder(**kwargs)


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker):
    with ModuleTransaction(django_db_blocker) as outer:
        yield outer


def shared_names(module: pytest.Module) -> list[str]:
    """The module-scoped builds the module's tests need, in the order they first appear.
    Building all of them with the module, whichever test runs first, keeps every test's
    view of the database the same however the tests are distributed or filtered."""
    names: dict[str, None] = {}
    for item in module.session.items:
        if item.parent is module or getattr(item, "module", None) is module.obj:
            for name in getattr(item, "fixturenames", ()):
                if name.endswith(SUFFIX):
                    names[name] = None
    return list(names)


@pytest.fixture
def shared_memo() -> dict:
    """One deep-copy memo per test: copies of shared objects keep their identities."""
    return {}


def _with_arguments(func: Callable[..., Any], names: list[str]) -> Callable[..., Any]:
    # pytest reads a fixture's dependencies from its signature: declaring them statically
    # makes pytest set the module-scoped builds up before the test's savepoint (`db`).
    func.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names]
    )
    return func


def shared(builder: Callable[..., Any] | None = None, *, readonly: bool = False) -> Any:
    """Make `builder` a shared fixture of the same name (see the module docstring).

    Two fixtures are defined in the caller's module: `<name>__shared`, module-scoped, which
    builds once inside the module transaction, and `<name>`, which hands each test a deep
    copy inside the test's savepoint (`db`).

    `@shared(readonly=True)` hands out the built objects themselves, for large data that
    tests only read ids and values from (the permission matrix's world): copying it would
    cost more than the request under test. A test must not change such objects in memory;
    what it writes to the database is still rolled back."""
    if builder is None:
        return lambda builder: _shared(builder, readonly=readonly, caller=sys._getframe(1))
    return _shared(builder, readonly=readonly, caller=sys._getframe(1))


def _shared(builder: Callable[..., Any], *, readonly: bool, caller: Any) -> Any:
    name = builder.__name__
    needs = [dep + SUFFIX for dep in inspect.signature(builder).parameters]

    def built(module_transaction, **originals):
        return module_transaction.build(
            builder, **{dep.removesuffix(SUFFIX): value for dep, value in originals.items()}
        )

    def per_test(request, shared_memo, db, **originals):
        if is_transactional(request):
            raise pytest.UsageError(
                f"{request.node.nodeid}: {name} is shared data, which a test that commits "
                "(transaction=True, live_server) cannot use; build its data in the test"
            )
        original = originals[name + SUFFIX]
        return original if readonly else copy.deepcopy(original, shared_memo)

    caller.f_globals[name + SUFFIX] = pytest.fixture(
        _with_arguments(built, ["module_transaction", *needs]), scope="module", name=name + SUFFIX
    )
    per_test.__doc__ = builder.__doc__
    return pytest.fixture(
        _with_arguments(per_test, ["request", "shared_memo", "db", name + SUFFIX]), name=name
    )
