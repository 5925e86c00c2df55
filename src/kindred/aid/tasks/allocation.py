"""The allocation run in the background (services.allocation.start_run queues it): read the
approved open needs and the sites' stock, solve with the engine, and store the proposal next
to first come, first served. The work lives here, with its task, so this module imports no
service: the services queue it, nothing points back (import-linter: acyclic siblings)."""

from __future__ import annotations

import time
from collections import defaultdict

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scope, scopes_disabled
from django_tasks import TaskContext, task

from kindred.allocation.baseline import first_come_first_served
from kindred.allocation.instance import InstanceError
from kindred.allocation.solver import solve
from kindred.core import audit
from kindred.core import tasks as core_tasks
from kindred.core.models import TaskProgress

from ..models import AllocationRun, ProposalLine
from ..queries import allocation as queries


def _report(progress_id: int | None, percent: int, message: str, status=None) -> None:
    if progress_id is not None:
        core_tasks.report(
            progress_id,
            percent=percent,
            message=message,
            status=status or TaskProgress.Status.RUNNING,
        )


def compute_run(*, run_id: int, progress_id: int | None = None, language: str = "en") -> None:
    """The background task's body: build the instance, solve, store the proposal.

    A run that is no longer queued or running (discarded meanwhile) is left alone. Only the
    engine's own error (an instance it refuses) fails the run; anything else is a bug and
    propagates to the task runner after marking the run failed."""
    with scopes_disabled():
        run = AllocationRun.objects.select_related("organization").get(pk=run_id)
    org = run.organization
    active = (AllocationRun.Status.QUEUED, AllocationRun.Status.RUNNING)
    with translation.override(language), timezone.override(org.time_zone), scope(organization=org):
        if run.status not in active:
            return
        AllocationRun.objects.filter(pk=run.pk).update(status=AllocationRun.Status.RUNNING)
        try:
            _report(progress_id, 10, _("Reading open needs and available stock…"))
            data = queries.build_instance(org, run.sites.all())
            _report(progress_id, 50, _("Finding the best allocation…"))
            started = time.perf_counter()
            result = solve(data.instance)
            seconds = time.perf_counter() - started
            baseline = first_come_first_served(data.instance)
        except InstanceError as error:
            message = error.translated(_)
            AllocationRun.objects.filter(pk=run.pk).update(
                status=AllocationRun.Status.FAILED, error=message
            )
            _report(progress_id, 100, message, TaskProgress.Status.FAILED)
            return
        except BaseException:
            AllocationRun.objects.filter(pk=run.pk).update(
                status=AllocationRun.Status.FAILED,
                error=_("The allocation stopped because of an error."),
            )
            _report(
                progress_id,
                100,
                _("The allocation stopped because of an error."),
                TaskProgress.Status.FAILED,
            )
            raise
        _report(progress_id, 90, _("Saving the proposal…"))
        given: dict[tuple[str, str], int] = defaultdict(int)
        for allocation in result.allocations:
            given[(allocation.need, allocation.sku)] += allocation.quantity
        with transaction.atomic():
            locked = AllocationRun.objects.select_for_update().get(pk=run.pk)
            if locked.status not in active:
                return
            ProposalLine.objects.bulk_create(
                [
                    ProposalLine(
                        organization=org,
                        run=locked,
                        need=data.needs[need_id],
                        balance=data.balances[sku],
                        quantity=quantity,
                        exact=queries.is_exact(data.needs[need_id], data.balances[sku]),
                    )
                    for (need_id, sku), quantity in sorted(given.items())
                    if quantity > 0
                ]
            )
            locked.snapshot = data.snapshot
            locked.pickup_sites = data.pickup_sites
            locked.objective = result.objective
            locked.baseline_objective = baseline.objective
            locked.baseline_units = sum(a.quantity for a in baseline.allocations)
            locked.baseline_households = len(
                {
                    data.needs[a.need].request.household_id
                    for a in baseline.allocations
                    if a.quantity > 0
                }
            )
            locked.needs_count = len(data.instance.needs)
            locked.households_served = len(
                {data.needs[need_id].request.household_id for need_id, _sku in given}
            )
            locked.units = sum(given.values())
            locked.seconds = seconds
            locked.status = AllocationRun.Status.PROPOSED
            locked.save(
                update_fields=[
                    "snapshot",
                    "pickup_sites",
                    "objective",
                    "baseline_objective",
                    "baseline_units",
                    "baseline_households",
                    "needs_count",
                    "households_served",
                    "units",
                    "seconds",
                    "status",
                ]
            )
            audit.log(
                org=org,
                actor=None,
                action="aid.allocation_proposed",
                obj=locked,
                changes={"units": [None, locked.units]},
            )
        _report(
            progress_id,
            100,
            ngettext(
                "Proposal ready: %(units)s unit for %(households)s households.",
                "Proposal ready: %(units)s units for %(households)s households.",
                locked.units,
            )
            % {"units": locked.units, "households": locked.households_served},
            TaskProgress.Status.DONE,
        )


@task(takes_context=True)
def run_allocation(context: TaskContext, *, progress_id: int, run_id: int, language: str) -> None:
    """Solve a run and store its proposal, reporting progress to `progress_id`."""
    core_tasks.begin(progress_id, task_id=context.task_result.id)
    with core_tasks.heartbeat(progress_id):  # a killed worker's run is failed, not stuck
        compute_run(run_id=run_id, progress_id=progress_id, language=language)


def fail_stalled_run(progress: TaskProgress) -> None:
    """The run whose job died (core/tasks.py `fail_stalled`): failed with the job's message,
    so it can be discarded and started again. Its proposal is stored in one transaction at
    the end, so nothing of it was saved."""
    AllocationRun.objects.filter(
        progress=progress,
        status__in=(AllocationRun.Status.QUEUED, AllocationRun.Status.RUNNING),
    ).update(status=AllocationRun.Status.FAILED, error=progress.message)
