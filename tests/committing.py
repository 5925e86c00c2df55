"""Personas for tests that really commit (`django_db(transaction=True)`, `live_server`):
built afresh for each test, because such tests cannot share the module transaction that
holds shared data (tests/shared.py). A module of committing tests imports them:

    from tests.committing import admin, org, site  # noqa: F401 (fixtures)

They have the same names and the same data as the shared personas in tests/conftest.py.
"""

from __future__ import annotations

import pytest

from kindred.core.models import Organization, Site, User
from kindred.core.roles import Role
from tests.conftest import admin_of, make_member, make_org, make_site


@pytest.fixture
def org(transactional_db) -> Organization:
    return make_org("home", name="Home Charity")


@pytest.fixture
def other_org(transactional_db) -> Organization:
    return make_org("other", name="Other Charity", country="SE", currency="SEK")


@pytest.fixture
def admin(org) -> User:
    return admin_of(org)


@pytest.fixture
def coordinator(org) -> User:
    return make_member(org, Role.COORDINATOR, "coordinator@home.test")


@pytest.fixture
def volunteer(org) -> User:
    return make_member(org, Role.VOLUNTEER, "volunteer@home.test")


@pytest.fixture
def referrer(org) -> User:
    return make_member(org, Role.REFERRER, "referrer@home.test")


@pytest.fixture
def fundraiser(org) -> User:
    return make_member(org, Role.FUNDRAISER, "fundraiser@home.test")


@pytest.fixture
def outsider(other_org) -> User:
    return admin_of(other_org)


@pytest.fixture
def site(org) -> Site:
    return make_site(org, "Lageret", city="Herning")
