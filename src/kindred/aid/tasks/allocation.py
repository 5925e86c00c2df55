"""The allocation run's background task (services.allocation.start_run queues it)."""

from __future__ import annotations

from django_tasks import TaskContext, task

from kindred.core import tasks as core_tasks


@task(takes_context=True)
def run_allocation(context: TaskContext, *, progress_id: int, run_id: int, language: str) -> None:
    """Solve a run and store its proposal, reporting progress to `progress_id`."""
    from ..services.allocation import compute_run

    core_tasks.begin(progress_id, task_id=context.task_result.id)
    compute_run(run_id=run_id, progress_id=progress_id, language=language)
