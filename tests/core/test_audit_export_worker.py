"""The audit-log export through the real database queue and `kindred worker` (committing)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from kindred.core import tasks
from kindred.core.models import TaskProgress
from tests import committing
from tests.conftest import make_site

from . import test_audit_export as export

# Committing tests get personas of their own (tests/committing.py).
personas = committing.personas


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()


@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_export_from_the_database_queue(
    settings, monkeypatch, client_for, org, admin
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    # Small chunks and frequent reports: progress commits while rows are still streaming.
    monkeypatch.setattr(tasks, "AUDIT_EXPORT_CHUNK", 2)
    monkeypatch.setattr(tasks, "AUDIT_EXPORT_REPORT_EVERY", 2)
    names = [f"Site {i}" for i in range(5)]
    for name in names:
        make_site(org, name)
    client = client_for(admin)

    response = client.post(export.export_url(org), {"action": "site."}, **export.HTMX)

    assert response.status_code == 200
    progress = export.only_job()
    assert progress.status == TaskProgress.Status.QUEUED
    assert progress.task_id  # linked to the queued task
    partial = client.get(export.progress_url(org, progress), **export.HTMX).content.decode()
    assert 'hx-trigger="every 1s"' in partial

    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    progress = export.only_job()
    assert progress.status == TaskProgress.Status.DONE
    assert progress.percent == 100
    path = settings.DATA_DIR / "exports" / org.slug / f"{progress.task_id}.csv"
    assert path.is_file()
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [row[5] for row in rows[1:]] == names[::-1]
    assert not list(path.parent.glob("*.part"))
    assert client.get(export.download_url(org, progress)).status_code == 200
