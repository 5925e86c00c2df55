"""Background-task helpers: a progress record that pages poll (templates/core/_progress.html).

A long job creates a `TaskProgress` with `start_job()` inside its service's transaction and
queues its task with `enqueue_job()` (after commit, with the progress id). The task calls
`begin()`, then `report()` as it goes, and ends with `report(status=DONE or FAILED)`. A file
it produces lives at `result_path()`; `result_file` holds the URL that serves it. The audit
log export below is the worked example. Tests run tasks immediately
(KINDRED_TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend)."""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scope, scopes_disabled
from django_tasks import TaskContext, task
from django_tasks.base import Task

from . import declarations
from .models import AuditEntry, Organization, TaskProgress, User
from .queries import AuditFilter, audit_entries

logger = logging.getLogger(__name__)


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
        rows = TaskProgress.objects.filter(pk=progress_id)
        if status == TaskProgress.Status.RUNNING:
            # A job failed as dead (fail_stalled) stays failed if it was only slow.
            rows = rows.exclude(status=TaskProgress.Status.FAILED)
        rows.update(**fields)


# Job plumbing shared by every long job -----------------------------------------------------

# Task result ids name a job's output file; they are ours, but a path must never come from
# anything that could hold "../".
_SAFE_TASK_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def enqueue_job(job: Task, *, progress: TaskProgress, **kwargs: Any) -> None:
    """Enqueue `job(progress_id=…, **kwargs)` once the current transaction commits.

    Before commit the worker could not see the progress row (or would run a job whose
    service then rolled back). The result id is recorded on the progress row so a queued job
    can be traced in the task queue; the job records it as well when it starts, because a
    worker may pick the job up before this callback gets to write it."""
    progress_id = progress.pk

    def send() -> None:
        result = job.enqueue(progress_id=progress_id, **kwargs)
        with scopes_disabled():
            TaskProgress.objects.filter(pk=progress_id, task_id="").update(task_id=result.id)

    transaction.on_commit(send)


def begin(progress_id: int, *, task_id: str) -> TaskProgress:
    """Mark a job as running, link it to its task result, and return it (outside any scope)."""
    with transaction.atomic(), scopes_disabled():
        TaskProgress.objects.filter(pk=progress_id).update(
            status=TaskProgress.Status.RUNNING, task_id=task_id, updated_at=timezone.now()
        )
        return TaskProgress.objects.select_related("organization").get(pk=progress_id)


# A running job proves it is alive by touching its progress row at least this often; one
# whose row has not moved for LEASE is taken as dead (its worker was killed or the machine
# stopped) and marked failed by the worker's schedule (`fail_stalled`), so no page polls
# a "running 10 %" for good. The apps undo their part through "core.job_stalled".
HEARTBEAT = settings.KINDRED_JOB_HEARTBEAT  # seconds (KINDRED_JOB_HEARTBEAT, default 20)
LEASE = timedelta(seconds=settings.KINDRED_JOB_LEASE)  # KINDRED_JOB_LEASE, default 60


@contextlib.contextmanager
def heartbeat(progress_id: int, every: float = HEARTBEAT) -> Iterator[None]:
    """Keep a job's lease while its body runs, from a thread, even during one long step
    (a solver call) that reports no progress."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(every):
                try:
                    with scopes_disabled():
                        TaskProgress.objects.filter(
                            pk=progress_id, status=TaskProgress.Status.RUNNING
                        ).update(updated_at=timezone.now())
                except DatabaseError:  # busy for a moment: the next beat tries again
                    logger.warning("Heartbeat of job %s missed", progress_id)
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"heartbeat-{progress_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@dataclass(frozen=True)
class JobStalled:
    """Run `hook(progress)` when a job is found dead, in the transaction that fails it."""

    hook: Callable[[TaskProgress], object]


def fail_stalled(now=None) -> int:
    """Mark every running job whose lease ran out as failed, with a message the page shows,
    and let the apps undo their part (the worker's schedule; idempotent)."""
    now = now or timezone.now()
    failed = 0
    with scopes_disabled():
        stalled = list(
            TaskProgress.objects.filter(
                status=TaskProgress.Status.RUNNING, updated_at__lt=now - LEASE
            ).select_related("organization")
        )
        for progress in stalled:
            with transaction.atomic():
                locked = TaskProgress.objects.select_for_update().get(pk=progress.pk)
                if locked.status != TaskProgress.Status.RUNNING:
                    continue
                with translation.override(locked.organization.default_language):
                    locked.message = _(
                        "This job stopped before it finished (its worker ended). Start it again."
                    )
                locked.status = TaskProgress.Status.FAILED
                locked.save(update_fields=["status", "message", "updated_at"])
                for stalled_hook in declarations.extensions("core.job_stalled"):
                    stalled_hook.hook(locked)
                failed += 1
    if failed:
        logger.warning("%s stalled job(s) marked failed", failed)
    return failed


def result_path(progress: TaskProgress, suffix: str) -> Path | None:
    """Where a job's output file lives: KINDRED_DATA_DIR/exports/<org slug>/<task id><suffix>.

    None when the job has no (safe) task id yet."""
    if not _SAFE_TASK_ID.fullmatch(progress.task_id):
        return None
    return (
        settings.DATA_DIR / "exports" / progress.organization.slug / f"{progress.task_id}{suffix}"
    )


# Audit log export ---------------------------------------------------------------------------

AUDIT_EXPORT_CHUNK = 1000  # rows fetched per database round trip
AUDIT_EXPORT_REPORT_EVERY = 500  # rows between two progress updates


def audit_filter_to_json(f: AuditFilter) -> dict[str, str]:
    return {
        "search": f.search,
        "action": f.action,
        "actor": f.actor,
        "date_from": f.date_from.isoformat() if f.date_from else "",
        "date_to": f.date_to.isoformat() if f.date_to else "",
    }


def audit_filter_from_json(data: dict[str, str]) -> AuditFilter:
    return AuditFilter(
        search=data.get("search", ""),
        action=data.get("action", ""),
        actor=data.get("actor", ""),
        date_from=date.fromisoformat(data["date_from"]) if data.get("date_from") else None,
        date_to=date.fromisoformat(data["date_to"]) if data.get("date_to") else None,
    )


def _cell(value: str) -> str:
    # A cell starting with = + - @ (or a tab/CR) is a formula to Excel and LibreOffice, and
    # object names are typed by users: quote it so a spreadsheet shows text and runs nothing.
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def _audit_row(entry: AuditEntry) -> list[str]:
    return [
        entry.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        _cell(entry.actor_label),
        _cell(entry.action),
        _cell(entry.object_type),
        _cell(entry.object_id),
        _cell(entry.object_repr),
        json.dumps(entry.changes, ensure_ascii=False, sort_keys=True) if entry.changes else "",
        entry.ip_address or "",
        _cell(entry.via),
    ]


def _audit_header() -> list[str]:
    return [
        _("Time (UTC)"),
        _("Who"),
        _("Action"),
        _("Object type"),
        _("Object ID"),
        _("Object"),
        _("Changes"),
        _("IP address"),
        _("Via"),
    ]


@task(takes_context=True)
def export_audit_log(
    context: TaskContext, *, progress_id: int, filters: dict[str, str], language: str
) -> str:
    """Write the organisation's audit entries matching `filters` to a CSV file.

    Streams rows so memory stays flat on a log of millions of entries, and writes to a
    temporary name first so a half-written file is never offered for download. Returns the
    file's path (kept in the task result for operators)."""
    progress = begin(progress_id, task_id=context.task_result.id)
    org = progress.organization
    path = result_path(progress, ".csv")
    assert path is not None  # the id came from django-tasks, not from a user
    with (
        heartbeat(progress_id),
        translation.override(language),
        # Date filters mean the organisation's days, as on the page they came from.
        timezone.override(org.time_zone),
        scope(organization=org),
    ):
        qs = audit_entries(org, audit_filter_from_json(filters))
        total = qs.count()
        done = 0
        partial = path.with_suffix(".part")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # utf-8-sig: Excel reads a file without the BOM as the local code page.
            with partial.open("w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(_audit_header())
                for entry in qs.iterator(chunk_size=AUDIT_EXPORT_CHUNK):
                    writer.writerow(_audit_row(entry))
                    done += 1
                    if done % AUDIT_EXPORT_REPORT_EVERY == 0 and done < total:
                        report(
                            progress_id,
                            percent=done * 100 // total,
                            message=_("%(done)s of %(total)s entries")
                            % {"done": done, "total": total},
                        )
            partial.replace(path)
        except OSError:
            logger.exception("Audit log export %s could not write %s", progress_id, path)
            with contextlib.suppress(OSError):  # the cause may forbid the clean-up too
                partial.unlink(missing_ok=True)
            report(
                progress_id,
                percent=done * 100 // total if total else 0,
                status=TaskProgress.Status.FAILED,
                message=_(
                    "The export file could not be written. Please try again later or ask "
                    "the person who runs Kindred to check the server's disk."
                ),
            )
            return ""
        report(
            progress_id,
            percent=100,
            status=TaskProgress.Status.DONE,
            message=ngettext("%(count)s entry exported.", "%(count)s entries exported.", done)
            % {"count": done},
            result_file=reverse(
                "core:task-download", kwargs={"org_slug": org.slug, "progress_id": progress_id}
            ),
        )
    return str(path)
