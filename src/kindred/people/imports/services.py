"""The import's writes: keeping an upload, choosing its columns and starting the check,
starting the import, discarding; and deleting kept files after a day."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kindred.core import audit
from kindred.core import tasks as core_tasks
from kindred.core.models import Organization, User
from kindred.core.services import Conflict, DomainError, Invalid

from ..models import ImportBatch
from . import tasks
from .columns import FIELDS, REQUIRED, guess_mapping
from .files import (
    Status,
    file_gone,
    import_dir,
    purge_expired,
    stored_path,
)
from .reading import column_name, detect_format, file_error, read_table

logger = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
# Services ----------------------------------------------------------------------------------


def _locked(org: Organization, batch: ImportBatch) -> ImportBatch:
    return (
        ImportBatch.objects.select_for_update()
        .select_related("organization")
        .get(pk=batch.pk, organization=org)
    )


def upload_import(*, org: Organization, actor: User, name: str, data: bytes) -> ImportBatch:
    """Keep an uploaded spreadsheet for the import: read it once (so a broken file, too
    many rows or no rows is refused at once, naming the file), store it and guess the
    column mapping from its headers."""
    purge_expired()
    if len(data) > MAX_BYTES:
        raise file_error(
            _("The file is larger than %(size)s MB. Split it into smaller files.")
            % {"size": MAX_BYTES // (1024 * 1024)}
        )
    file_format = detect_format(name, data)
    table = read_table(data, file_format)
    if not table.rows:
        raise file_error(_("The file has column names but no rows to import."))
    stored_name = f"{uuid.uuid4().hex}.{file_format}"
    file_name = Path(name).name[:200] or stored_name
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            organization=org,
            created_by=actor,
            file_name=file_name,
            stored_name=stored_name,
            file_format=file_format,
            encoding=table.encoding,
            delimiter=table.delimiter,
            headers=table.headers,
            row_count=len(table.rows),
            mapping=guess_mapping(table.headers),
        )
        path = import_dir(org) / stored_name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except OSError as error:
            logger.exception("Import upload could not be stored at %s", path)
            raise DomainError(
                _(
                    "The file could not be stored. Please try again later or ask the person "
                    "who runs Kindred to check the server's disk."
                ),
                field="file",
            ) from error
        audit.log(
            org=org,
            actor=actor,
            action="people.import_uploaded",
            obj=batch,
            changes={"file_name": [None, file_name], "row_count": [None, batch.row_count]},
        )
    return batch


def validate_mapping(headers: list[str], mapping: list[str]) -> list[str]:
    """Refuse a mapping with an unknown field, a field chosen twice or no given name."""
    if len(mapping) != len(headers):
        raise Invalid(_("Choose a field for every column."), field="mapping")
    seen: dict[str, int] = {}
    for index, key in enumerate(mapping):
        if key and key not in FIELDS:
            raise Invalid(_("Choose a valid field."), field=f"column_{index}")
        if key and key in seen:
            raise Invalid(
                _("“%(field)s” is already chosen for column %(column)s.")
                % {"field": FIELDS[key].title, "column": column_name(headers, seen[key])},
                field=f"column_{index}",
            )
        if key:
            seen[key] = index
    for key in REQUIRED:
        if key not in seen:
            raise Invalid(
                _("Choose the column that holds the %(field)s: it is required.")
                % {"field": FIELDS[key].label},
                field="mapping",
            )
    return list(mapping)


def _require_file(batch: ImportBatch) -> None:
    path = stored_path(batch)
    if path is None or not path.is_file():
        raise file_gone()


def start_check(
    *, org: Organization, batch: ImportBatch, mapping: list[str], actor: User
) -> ImportBatch:
    """Store the column mapping and check every row in the background (the dry run).
    The check's messages use the language active now, i.e. the requester's."""
    with transaction.atomic():
        batch = _locked(org, batch)
        if batch.status not in {Status.UPLOADED, Status.CHECKED, Status.REFUSED}:
            raise Conflict(_("This import is running or finished: its columns cannot change."))
        _require_file(batch)
        batch.mapping = validate_mapping(batch.headers, mapping)
        batch.status = Status.CHECKING
        batch.report = {}
        batch.progress = core_tasks.start_job(org=org, name=_("Spreadsheet check"), actor=actor)
        batch.save(update_fields=["mapping", "status", "report", "progress", "updated_at"])
        chosen = [
            f"{column_name(batch.headers, i)} → {FIELDS[key].title}"
            for i, key in enumerate(batch.mapping)
            if key
        ]
        audit.log(
            org=org,
            actor=actor,
            action="people.import_checked",
            obj=batch,
            changes={"mapping": [None, "; ".join(chosen)]},
        )
        core_tasks.enqueue_job(
            tasks.check_import,
            progress=batch.progress,
            batch_id=batch.pk,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
    return batch


def start_import(*, org: Organization, batch: ImportBatch, mode: str, actor: User) -> ImportBatch:
    """Import the checked rows in the background, in `mode` (ImportBatch.Mode). A second
    click while the first import runs is refused: the batch row is locked and its status
    moves to "importing" in the same transaction."""
    with transaction.atomic():
        batch = _locked(org, batch)
        if batch.status in {Status.CHECKING, Status.IMPORTING}:
            raise Conflict(_("This import is already running."))
        if batch.status not in {Status.CHECKED, Status.REFUSED}:
            raise Conflict(_("This import has finished or has not been checked yet."))
        if mode not in ImportBatch.Mode.values:
            raise Invalid(
                _("Choose how to import: the valid rows or all or nothing."), field="mode"
            )
        _require_file(batch)
        batch.mode = mode
        batch.status = Status.IMPORTING
        batch.progress = core_tasks.start_job(org=org, name=_("Spreadsheet import"), actor=actor)
        batch.save(update_fields=["mode", "status", "progress", "updated_at"])
        audit.log(
            org=org,
            actor=actor,
            action="people.import_started",
            obj=batch,
            changes={"mode": [None, mode]},
        )
        core_tasks.enqueue_job(
            tasks.import_rows,
            progress=batch.progress,
            batch_id=batch.pk,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
    return batch


def discard_import(*, org: Organization, batch: ImportBatch, actor: User) -> ImportBatch:
    """Drop an upload that will not be imported; its file is deleted after commit."""
    with transaction.atomic():
        batch = _locked(org, batch)
        if batch.running:
            raise Conflict(_("Wait until the job has finished."))
        if batch.status in {Status.IMPORTED, Status.DISCARDED}:
            raise Conflict(_("This import is finished: there is nothing to discard."))
        path = stored_path(batch)
        batch.status = Status.DISCARDED
        batch.stored_name = ""
        batch.save(update_fields=["status", "stored_name", "updated_at"])
        audit.log(org=org, actor=actor, action="people.import_discarded", obj=batch)
        if path is not None:
            transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return batch
