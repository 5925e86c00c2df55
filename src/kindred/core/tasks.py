"""Background-task helpers: a progress record that pages poll (templates/core/_progress.html).

A long job creates a `TaskProgress` with `start_job()`, enqueues its task after commit with
the progress id, and the task calls `report()` as it goes. Tests run tasks immediately
(KINDRED_TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from .models import Organization, TaskProgress, User


def start_job(*, org: Organization, name: str, actor: User | None) -> TaskProgress:
    return TaskProgress.objects.create(organization=org, name=name, created_by=actor)


def report(
    progress_id: int,
    *,
    percent: int,
    message: str = "",
    status: str = TaskProgress.Status.RUNNING,
    result_file: str | None = None,
) -> None:
    """Record how far a job has got. Commits at once so pollers see it mid-job."""
    fields = {
        "percent": max(0, min(100, percent)),
        "message": message[:300],
        "status": status,
        "updated_at": timezone.now(),
    }
    if result_file is not None:
        fields["result_file"] = result_file
    with transaction.atomic(), scopes_disabled():
        TaskProgress.objects.filter(pk=progress_id).update(**fields)
