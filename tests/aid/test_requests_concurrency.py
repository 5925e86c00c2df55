"""Deciding a help request under real concurrency, on PostgreSQL: coordinators who approve
and reject the same request at the same moment cannot both win (the request row is locked
first); the others get AidError and change nothing."""

import pytest
from django.db import connection
from django_scopes import scope

from kindred.aid.models import HelpRequest
from kindred.aid.services import requests as services
from kindred.core.models import AuditEntry
from tests import committing
from tests.aid.builders import family, help_request
from tests.concurrency import run_each
from tests.conftest import admin_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# Committing tests get personas of their own (tests/committing.py).
personas = committing.personas


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (DATABASE_URL=postgres://…)")


def test_approve_and_reject_at_once_one_wins(org):
    request = help_request(
        org, family(org), [("toy", [], 1, 1)], status=HelpRequest.Status.SUBMITTED
    )
    actor = admin_of(org)

    def approve():
        with scope(organization=org):
            services.approve(request=HelpRequest.objects.get(pk=request.pk), actor=actor)

    def reject():
        with scope(organization=org):
            services.reject(
                request=HelpRequest.objects.get(pk=request.pk), reason="No", actor=actor
            )

    results = run_each([approve, reject, approve, reject])
    assert sorted(results) == ["AidError", "AidError", "AidError", "ok"], results
    with scope(organization=org):
        decisions = AuditEntry.objects.filter(
            action__in=["aid.request_approved", "aid.request_rejected"]
        ).count()
    assert decisions == 1
