"""The kept copy of an uploaded spreadsheet: where it lives, reading it back, deleting it,
and the daily purge of copies older than a day. Used by the import's services and by its
background tasks (people/imports/tasks.py), which the services queue: its own module, so the tasks
need not import the services (no cycle)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from kindred.core.errors import Conflict
from kindred.core.models import Organization

from ..models import ImportBatch
from .reading import Table, read_table

KEEP_FOR = timedelta(days=1)
Status = ImportBatch.Status

# Files of a batch --------------------------------------------------------------------------

_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(csv|xlsx)")


def import_dir(org: Organization) -> Path:
    return settings.DATA_DIR / "imports" / org.slug


def stored_path(batch: ImportBatch) -> Path | None:
    if not _STORED_NAME.fullmatch(batch.stored_name):
        return None
    return import_dir(batch.organization) / batch.stored_name


def expires_at(batch: ImportBatch) -> datetime:
    return batch.created_at + KEEP_FOR


def file_gone() -> Conflict:
    return Conflict(
        _("The uploaded file is no longer kept (files are deleted after a day). Upload it again."),
        field="file",
    )


def read_batch(batch: ImportBatch, *, limit: int = 0) -> Table:
    path = stored_path(batch)
    if path is None or not path.is_file():
        raise file_gone()
    return read_table(
        path.read_bytes(),
        batch.file_format,
        encoding=batch.encoding,
        delimiter=batch.delimiter,
        limit=limit,
    )


def delete_file(batch: ImportBatch) -> None:
    path = stored_path(batch)
    if path is not None:
        path.unlink(missing_ok=True)


def purge_expired(now: datetime | None = None) -> int:
    """Delete the files of batches uploaded more than KEEP_FOR ago (and any file left in
    the import folders that long). Runs before every upload and every job."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    purged = 0
    with scopes_disabled():
        stale = (
            ImportBatch.objects.filter(created_at__lt=cutoff)
            .exclude(stored_name="")
            .exclude(status__in=[Status.CHECKING, Status.IMPORTING])
            .select_related("organization")
        )
        for batch in stale:
            delete_file(batch)
            ImportBatch.objects.filter(pk=batch.pk).update(stored_name="")
            purged += 1
    root = settings.DATA_DIR / "imports"
    if root.is_dir():
        for path in root.glob("*/*"):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff.timestamp():
                    path.unlink()
            except OSError:  # removed meanwhile by another process: nothing left to do
                continue
    return purged
