"""A run whose worker died is not "running" for good (committing, real database queue).

A worker takes the run's job and is killed in the middle of it: the queue still says the
job is running, the run and its progress say so too, and nothing touches them again. The
next worker's schedule finds the job's lease expired (no heartbeat for LEASE), fails the
job and the run with a message, saves nothing of the run, and the coordinator can discard
it and start again."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from django_tasks_db.models import DBTaskResult

from kindred.aid.models import AllocationRun, ProposalLine
from kindred.aid.services import allocation as services
from kindred.core import tasks as core_tasks
from kindred.core.models import TaskProgress
from tests.aid.builders import family, help_request
from tests.conftest import admin_of, make_location, make_org, make_site, stock


def _worker() -> None:
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_worker_died_is_failed_by_the_next_worker_and_can_be_rerun(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    org = make_org("home", name="Home Charity")
    admin = admin_of(org)
    site = make_site(org, "Lageret")
    stock(org, {make_location(org, site, "Shelf A"): {"toy": 3}})
    help_request(org, family(org, "Petrov"), [("toy", [""], 2, 1)])
    with scope(organization=org):
        run = services.start_run(org=org, sites=[site], actor=admin)  # queued at commit

    # The worker that took the job: the queue marks it claimed, the job marks its progress
    # running (its first step) - and then the process is killed (SIGKILL): nothing more.
    started = timezone.now()
    job = DBTaskResult.objects.get()
    job.claim("worker-that-died")
    core_tasks.begin(run.progress_id, task_id=str(job.id))

    with time_machine.travel(started + core_tasks.LEASE - timedelta(seconds=5), tick=False):
        _worker()  # within the lease: it may still be alive
    with scopes_disabled():
        assert AllocationRun.objects.get(pk=run.pk).status == AllocationRun.Status.QUEUED

    with time_machine.travel(started + core_tasks.LEASE + timedelta(seconds=5), tick=False):
        _worker()  # the next worker's schedule, after the lease ran out
    with scopes_disabled():
        failed = AllocationRun.objects.get(pk=run.pk)
        progress = TaskProgress.objects.get(pk=run.progress_id)
        assert failed.status == AllocationRun.Status.FAILED
        assert progress.status == TaskProgress.Status.FAILED
        assert "stopped before it finished" in progress.message
        assert failed.error == progress.message
        assert not ProposalLine.objects.filter(run=failed).exists()  # nothing half-saved

    with scope(organization=org):
        services.discard_run(run=failed, actor=admin)
        again = services.start_run(org=org, sites=[site], actor=admin)
    _worker()
    with scopes_disabled():
        again.refresh_from_db()
        assert again.status == AllocationRun.Status.PROPOSED, again.error
        assert again.needs_count == 1  # the request's need was read and solved again


@pytest.mark.django_db(transaction=True)
def test_a_heartbeat_keeps_a_long_job_alive():
    org = make_org("home", name="Home Charity")
    with scopes_disabled():
        progress = core_tasks.start_job(org=org, name="Long", actor=None)
    core_tasks.begin(progress.pk, task_id="t-1")
    with scopes_disabled():
        before = TaskProgress.objects.get(pk=progress.pk).updated_at
    with core_tasks.heartbeat(progress.pk, every=0.05):
        time.sleep(0.3)  # one long step that reports nothing (a solver call)
    with scopes_disabled():
        after = TaskProgress.objects.get(pk=progress.pk).updated_at
    assert after > before
    assert core_tasks.fail_stalled(now=after + core_tasks.LEASE - timedelta(seconds=1)) == 0
    assert core_tasks.fail_stalled(now=after + core_tasks.LEASE + timedelta(seconds=1)) == 1
