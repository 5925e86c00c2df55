"""The daily purge through the real database queue and `kindred worker` (committing)."""

from __future__ import annotations

import pytest
import time_machine
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from kindred.people import services as people
from kindred.people.models import Person
from kindred.privacy.models import PurgeRun
from tests.conftest import make_org

from .test_retention import LONG_AGO, TODAY


@pytest.mark.django_db(transaction=True)
def test_the_worker_schedules_and_runs_the_daily_purge(settings, tmp_path):
    """End to end with the real database queue: `kindred worker --batch` queues today's
    purge and runs it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    org = make_org("home", name="Home Charity")
    with time_machine.travel(LONG_AGO, tick=False), scope(organization=org):
        people.create_person(org=org, values={"given_name": "Ida"}, actor=None)

    with time_machine.travel(TODAY, tick=True):
        call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    with scopes_disabled():
        assert Person.objects.get(given_name="Anonymised").anonymised_at is not None
        run = PurgeRun.objects.get(organization=org)
        assert run.anonymised == 1 and run.finished_at is not None
