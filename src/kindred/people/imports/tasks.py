"""Background jobs of the people app: checking and importing a spreadsheet
(people/imports/). Each job reports its progress to a `TaskProgress` that the import page
polls; tests run them at once (ImmediateBackend)."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scope, scopes_disabled
from django_tasks import TaskContext, task

from kindred.core import audit
from kindred.core import tasks as core_tasks
from kindred.core.models import TaskProgress
from kindred.core.services import DomainError

from ..models import ImportBatch
from .checking import Progress, build_report, check_rows
from .files import Status, delete_file, purge_expired, read_batch
from .saving import RowRefused, Saver

logger = logging.getLogger(__name__)


@task(takes_context=True)
def check_import(context: TaskContext, *, progress_id: int, batch_id: int, language: str) -> None:
    """The dry run of an upload (imports.start_check)."""
    core_tasks.begin(progress_id, task_id=context.task_result.id)
    with core_tasks.heartbeat(progress_id):
        run_check(batch_id=batch_id, progress_id=progress_id, language=language)


@task(takes_context=True)
def import_rows(context: TaskContext, *, progress_id: int, batch_id: int, language: str) -> None:
    """The import of a checked upload (imports.start_import)."""
    core_tasks.begin(progress_id, task_id=context.task_result.id)
    with core_tasks.heartbeat(progress_id):
        run_import(batch_id=batch_id, progress_id=progress_id, language=language)


# Jobs --------------------------------------------------------------------------------------


def _job_batch(batch_id: int) -> ImportBatch:
    with scopes_disabled():
        return ImportBatch.objects.select_related("organization", "created_by").get(pk=batch_id)


def _finish(batch: ImportBatch, progress_id: int, status: str, message: str, **fields) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status, updated_at=timezone.now(), **fields
    )
    core_tasks.report(
        progress_id,
        percent=100,
        status=TaskProgress.Status.FAILED if status == Status.FAILED else TaskProgress.Status.DONE,
        message=message,
    )


@contextmanager
def _job(batch_id: int, progress_id: int, language: str, expected: str):
    """Run a job's body for its batch in the batch's organisation, language and time zone.

    Yields None when the batch has moved on (discarded meanwhile). Any failure marks the
    batch and its progress as failed before it propagates to the task runner — otherwise
    the batch would stay "running" and could never be re-checked or discarded."""
    purge_expired()
    batch = _job_batch(batch_id)
    org = batch.organization
    with translation.override(language), timezone.override(org.time_zone), scope(organization=org):
        if batch.status != expected or batch.progress_id != progress_id:
            yield None
            return
        try:
            yield batch
        except BaseException:
            logger.exception("Spreadsheet import job for batch %s failed", batch.pk)
            _finish(
                batch,
                progress_id,
                Status.FAILED,
                _("The job stopped because of an error. Nothing more was imported; ask the "
                  "person who runs Kindred to look at the server's log."),
            )  # fmt: skip
            raise


def fail_stalled_import(progress: TaskProgress) -> None:
    """A check or import whose worker died ("core.job_stalled", in the transaction that
    fails its progress): the batch is failed too, so it can be checked again or discarded
    instead of "running" for good. Nothing of it was saved (the import is one transaction)."""
    ImportBatch.objects.filter(
        progress_id=progress.pk, status__in=[Status.CHECKING, Status.IMPORTING]
    ).update(status=Status.FAILED, updated_at=timezone.now())


def _reporter(progress_id: int, start: int, end: int, message: str) -> Progress:
    def on_progress(done: int, total: int) -> None:
        core_tasks.report(
            progress_id,
            percent=start + (end - start) * done // max(total, 1),
            message=message % {"done": f"{done:,}", "total": f"{total:,}"},
        )

    return on_progress


def _summary_message(report: dict[str, Any]) -> str:
    summary = report["summary"]
    return ngettext(
        "%(ok)s of %(rows)s rows can be imported; %(bad)s row has problems.",
        "%(ok)s of %(rows)s rows can be imported; %(bad)s rows have problems.",
        summary["with_problems"],
    ) % {
        "ok": f"{summary['ok']:,}",
        "rows": f"{summary['rows']:,}",
        "bad": f"{summary['with_problems']:,}",
    }


def run_check(*, batch_id: int, progress_id: int, language: str) -> None:
    """The dry run: check every row and store the report. Nothing else is written."""
    with _job(batch_id, progress_id, language, Status.CHECKING) as batch:
        if batch is None:
            return
        try:
            table = read_batch(batch)
        except DomainError as error:
            _finish(batch, progress_id, Status.FAILED, error.message)
            return
        on_progress = _reporter(progress_id, 0, 99, _("Checked %(done)s of %(total)s rows"))
        _checker, checks, units = check_rows(
            batch.organization, batch.headers, batch.mapping, table.rows, on_progress
        )
        report = build_report(checks, units)
        _finish(batch, progress_id, Status.CHECKED, _summary_message(report), report=report)


def run_import(*, batch_id: int, progress_id: int, language: str) -> None:
    """Check the rows again (records may have changed since the dry run), then create them
    (imports/saving.py): the valid rows a few hundred per transaction, or all or nothing in
    one transaction. Progress shows while checking and, for the valid rows, while saving — one
    big transaction cannot show other connections how far it has got before it commits."""
    with _job(batch_id, progress_id, language, Status.IMPORTING) as batch:
        if batch is None:
            return
        try:
            table = read_batch(batch)
        except DomainError as error:
            _finish(batch, progress_id, Status.FAILED, error.message)
            return
        org = batch.organization
        on_check = _reporter(progress_id, 0, 25, _("Checked %(done)s of %(total)s rows"))
        checker, checks, units = check_rows(org, batch.headers, batch.mapping, table.rows, on_check)
        saver = Saver(org, batch.created_by, checker)
        try:
            if batch.mode == ImportBatch.Mode.ALL_OR_NOTHING:
                if not all(c.ok for c in checks):
                    raise RowRefused
                core_tasks.report(progress_id, percent=30, message=_("Saving all rows at once…"))
                with transaction.atomic():
                    saver.save(units, strict=True)
                    saver.count_left_out(checks)
                    saver.log_summary(batch)
            else:
                on_save = _reporter(progress_id, 25, 99, _("Imported %(done)s of %(total)s rows"))
                saver.save_in_batches(units, on_save)
                saver.count_left_out(checks)
                with transaction.atomic():
                    saver.log_summary(batch)
        except RowRefused:
            report = build_report(checks, [])
            with transaction.atomic():
                audit.log(
                    org=org,
                    actor=batch.created_by,
                    action="people.import_refused",
                    obj=batch,
                    changes={"with_problems": [None, report["summary"]["with_problems"]]},
                )
            message = _("Nothing was imported: some rows have problems (all or nothing).")
            _finish(batch, progress_id, Status.REFUSED, message, report=report, result={})
            return
        result = saver.result()
        delete_file(batch)
        persons, households = result["persons"], result["households"]
        message = " ".join(
            [
                ngettext("%(count)s person imported.", "%(count)s persons imported.", persons)
                % {"count": f"{persons:,}"},
                ngettext(
                    "%(count)s household created.", "%(count)s households created.", households
                )
                % {"count": f"{households:,}"},
            ]
        )
        _finish(
            batch,
            progress_id,
            Status.IMPORTED,
            message,
            report=build_report(checks, units),
            result=result,
            stored_name="",
        )
