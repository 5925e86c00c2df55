"""A worker process killed with SIGKILL in the middle of an allocation run (PostgreSQL,
real `kindred worker` processes, the real database queue).

The test holds a row lock on the run, so the worker that takes the job stops inside it:
its job claimed, its progress "running", its heartbeat beating, its next write waiting.
Then the process is killed - no handler runs, nothing is cleaned up. A new worker is
started: its schedule finds the job's lease expired and fails the job and the run with a
message; nothing of the run was saved; the coordinator discards it and runs it again.

The lease, heartbeat and schedule are the settings' (KINDRED_JOB_LEASE, …), shortened
here to seconds so the test takes seconds; with the defaults the same happens within
LEASE + SCHEDULE = 2 minutes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection, transaction
from django_scopes import scope, scopes_disabled

from kindred.aid.models import AllocationRun, ProposalLine
from kindred.aid.services import allocation as services
from kindred.core.models import TaskProgress
from tests import committing
from tests.aid.builders import family, help_request
from tests.conftest import admin_of, make_location, stock, subprocess_database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

personas = committing.personas
LEASE = 3  # seconds, for the workers this test starts


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("a worker process shares the test database only on PostgreSQL")


def _worker(*args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        "KINDRED_JOB_LEASE": str(LEASE),
        "KINDRED_JOB_HEARTBEAT": "0.5",
        "KINDRED_SCHEDULE_INTERVAL": "0.5",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "kindred", "worker", "--no-startup-delay", "--no-reload", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


def _run(pk: int) -> AllocationRun:
    with scopes_disabled():
        return AllocationRun.objects.select_related("progress").get(pk=pk)


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_run_whose_worker_was_killed_is_failed_by_the_next_worker_and_can_be_rerun(
    org, site, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # the queue
    admin = admin_of(org)
    stock(org, {make_location(org, site, "Shelf A"): {"toy": 3}})
    help_request(org, family(org, "Petrov"), [("toy", [""], 2, 1)])
    with scope(organization=org):
        run = services.start_run(org=org, sites=[site], actor=admin)  # queued at commit

    first = _worker()
    try:
        with transaction.atomic():
            with scopes_disabled():  # the worker will wait on this lock
                AllocationRun.objects.select_for_update().get(pk=run.pk)
            _wait(
                lambda: _run(run.pk).progress.status == TaskProgress.Status.RUNNING,
                60,
                "the worker to take the job",
            )
            _wait(_waiting_on_a_lock, 30, "the worker to stop inside the run")
            first.send_signal(signal.SIGKILL)  # in the middle of the run
            first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
    assert _run(run.pk).status in (AllocationRun.Status.QUEUED, AllocationRun.Status.RUNNING)

    killed_at = time.monotonic()
    second = _worker()
    try:
        failed = _wait(
            lambda: (r := _run(run.pk)).status == AllocationRun.Status.FAILED and r,
            120,
            "the new worker to fail the dead run",
        )
        took = time.monotonic() - killed_at
    finally:
        second.terminate()
        _, errors = second.communicate(timeout=30)
    assert took < 120, took
    assert failed.progress.status == TaskProgress.Status.FAILED
    assert "stopped before it finished" in failed.progress.message
    assert failed.error == failed.progress.message
    with scopes_disabled():
        assert not ProposalLine.objects.filter(run=failed).exists()  # nothing half-saved

    with scope(organization=org):
        services.discard_run(run=failed, actor=admin)
        again = services.start_run(org=org, sites=[site], actor=admin)
    third = _worker("--batch")
    _, errors = third.communicate(timeout=120)
    assert third.returncode == 0, errors[-2000:]
    again = _run(again.pk)
    assert again.status == AllocationRun.Status.PROPOSED, again.error
    assert again.needs_count == 1  # the request's need was read and solved again
