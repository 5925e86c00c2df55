"""Personas for tests that really commit (`django_db(transaction=True)`, `live_server`):
built afresh for each test, because such tests cannot share the module transaction that
holds shared data (tests/shared.py). A module of committing tests overrides the shared
`personas` with this one; `org`, `admin`, `site` and the other persona fixtures of
tests/conftest.py then stand on it:

    personas = committing.personas
"""

from __future__ import annotations

import pytest

from tests.conftest import Personas, build_personas


@pytest.fixture
def personas(transactional_db) -> Personas:
    return build_personas()
