"""The daily retention purge (docs/decisions/0008).

`kindred worker` calls `enqueue_due_purges()` when it starts and then every few minutes
(core/management/commands/worker.py). For each organisation whose rule is on, the first
call on a new day (in the organisation's time zone) inserts that day's `PurgeRun` row and
queues `daily_purge`; the row's unique (organisation, day) pair makes every later call
that day, from this worker or any other, a no-op. A worker that was down at midnight
catches up at its next start; a day it missed entirely is simply not run twice."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled
from django_tasks import task

from kindred.core.models import Organization

from . import queries, services
from .models import PurgeRun

logger = logging.getLogger(__name__)


def enqueue_due_purges(now=None) -> list[str]:
    """Queue today's purge for every organisation whose rule is on and that has not had it
    yet. Returns the slugs queued (for logs and tests)."""
    now = now or timezone.now()
    queued = []
    with scopes_disabled():
        orgs = list(Organization.objects.order_by("pk"))
    for org in orgs:
        with scope(organization=org):
            today = timezone.localtime(now, timezone=ZoneInfo(org.time_zone)).date()
            if not queries.retention_rule(org).enabled:
                continue
            try:
                with transaction.atomic():
                    run = PurgeRun.objects.create(organization=org, run_on=today)
                    transaction.on_commit(lambda run=run: daily_purge.enqueue(run_id=run.pk))
            except IntegrityError:
                continue  # already queued today
        queued.append(org.slug)
    return queued


@task()
def daily_purge(*, run_id: int) -> dict:
    """Run one organisation's purge for the day its PurgeRun row names."""
    with scopes_disabled():
        run = PurgeRun.objects.select_related("organization").get(pk=run_id)
    org = run.organization
    if run.finished_at is not None:
        return {"anonymised": run.anonymised, "kept": run.kept}
    with translation.override(org.default_language), scope(organization=org):
        if not queries.retention_rule(org).enabled:
            # Switched off between queueing and running: nothing happens.
            PurgeRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
            return {"anonymised": 0, "kept": 0}
        result = services.purge(org=org, actor=None, today=run.run_on)
        PurgeRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(), anonymised=len(result.anonymised), kept=len(result.kept)
        )
    logger.info(
        "Retention purge %s %s: %s anonymised, %s kept (legal hold)",
        org.slug,
        run.run_on,
        len(result.anonymised),
        len(result.kept),
    )
    return {"anonymised": len(result.anonymised), "kept": len(result.kept)}
