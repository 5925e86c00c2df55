"""Exporting the audit log as CSV: the first long job with a progress record (core/tasks.py).

Most tests run the job with the ImmediateBackend (tests/conftest.py) when the request's
transaction commits; one runs it through the real database queue and `kindred worker`."""

from __future__ import annotations

import csv
import io
import json
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from kindred.core import tasks
from kindred.core.models import AuditEntry, TaskProgress
from kindred.core.roles import Role

from ..conftest import audit_count, make_member, make_site, snapshot

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()


def export_url(org) -> str:
    return reverse("core:audit-export", kwargs={"org_slug": org.slug})


def progress_url(org, progress) -> str:
    return reverse("core:task-progress", kwargs={"org_slug": org.slug, "progress_id": progress.pk})


def download_url(org, progress) -> str:
    return reverse("core:task-download", kwargs={"org_slug": org.slug, "progress_id": progress.pk})


def only_job() -> TaskProgress:
    with scopes_disabled():
        (progress,) = TaskProgress.objects.select_related("organization")
        return progress


def job_count() -> int:
    with scopes_disabled():
        return TaskProgress.objects.count()


def latest_job() -> TaskProgress:
    with scopes_disabled():
        return TaskProgress.objects.select_related("organization").order_by("-pk").first()


def run_export(client, org, django_capture_on_commit_callbacks, **filters) -> TaskProgress:
    """POST the export as htmx does; the job runs when the request's transaction commits."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(export_url(org), filters, **HTMX)
    assert response.status_code == 200
    return latest_job()


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_export_writes_every_entry_matching_the_filters(
    client_for, org, admin, django_capture_on_commit_callbacks
):
    for name in ("Lageret", "Butikken", "Kælderen"):
        make_site(org, name)
    with scopes_disabled():
        expected = list(
            AuditEntry.objects.filter(organization=org, action__startswith="site.").order_by(
                "-created_at", "-id"
            )
        )
    assert len(expected) == 3
    client = client_for(admin)

    progress = run_export(client, org, django_capture_on_commit_callbacks, action="site.")

    assert progress.status == TaskProgress.Status.DONE
    assert progress.percent == 100
    assert progress.result_file == download_url(org, progress)
    response = client.get(progress.result_file)
    assert response.status_code == 200
    header, *rows = csv_rows(response)
    assert len(header) == 9
    assert [row[4] for row in rows] == [str(e.object_id) for e in expected]
    assert {row[2] for row in rows} == {"site.created"}
    first, entry = rows[0], expected[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first[0])
    assert first[0] == entry.created_at.astimezone(tasks.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert first[3] == "core.site"
    assert first[5] == "Kælderen"
    assert json.loads(first[6]) == entry.changes


def test_export_without_filters_includes_everything_and_records_itself(
    client_for, org, admin, django_capture_on_commit_callbacks
):
    make_site(org, "Lageret")
    client = client_for(admin)

    progress = run_export(client, org, django_capture_on_commit_callbacks)

    _header, *rows = csv_rows(client.get(progress.result_file))
    assert len(rows) == audit_count(org)
    # Newest first: the export's own entry, written before the job ran.
    assert rows[0][1] == admin.email
    assert rows[0][2] == "audit.exported"
    assert rows[0][8] == "web"


def test_export_records_the_filters_in_the_audit_log(
    client_for, org, admin, django_capture_on_commit_callbacks
):
    progress = run_export(
        client_for(admin), org, django_capture_on_commit_callbacks, action="site.", q="Lager"
    )

    with scopes_disabled():
        entry = AuditEntry.objects.get(organization=org, action="audit.exported")
    assert entry.actor == admin
    assert entry.object_id == str(progress.pk)
    assert entry.changes == {"action": [None, "site."], "search": [None, "Lager"]}


def test_search_and_date_filters_are_honoured(
    client_for, org, admin, django_capture_on_commit_callbacks
):
    make_site(org, "Lageret")
    make_site(org, "Butikken")
    client = client_for(admin)
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(org.time_zone)).isoformat()

    searched = run_export(client, org, django_capture_on_commit_callbacks, q="Butik")
    today_only = run_export(
        client, org, django_capture_on_commit_callbacks, q="Butik", date_from=today, date_to=today
    )
    long_ago = run_export(
        client,
        org,
        django_capture_on_commit_callbacks,
        date_from="2000-01-01",
        date_to="2000-12-31",
    )

    for progress in (searched, today_only):
        _header, *rows = csv_rows(client.get(progress.result_file))
        assert [row[5] for row in rows] == ["Butikken"]
    _header, *rows = csv_rows(client.get(long_ago.result_file))
    assert rows == []


def test_progress_is_reported_as_rows_are_written(
    client_for, org, admin, monkeypatch, django_capture_on_commit_callbacks
):
    for i in range(7):
        make_site(org, f"Site {i}")
    reports = []
    real_report = tasks.report

    def spy(progress_id, **kwargs):
        reports.append((kwargs["percent"], kwargs.get("status", TaskProgress.Status.RUNNING)))
        real_report(progress_id, **kwargs)

    monkeypatch.setattr(tasks, "AUDIT_EXPORT_REPORT_EVERY", 2)
    monkeypatch.setattr(tasks, "report", spy)

    progress = run_export(
        client_for(admin), org, django_capture_on_commit_callbacks, action="site."
    )

    # 7 rows, a report every 2: 2/7, 4/7, 6/7, then done.
    assert reports == [
        (28, TaskProgress.Status.RUNNING),
        (57, TaskProgress.Status.RUNNING),
        (85, TaskProgress.Status.RUNNING),
        (100, TaskProgress.Status.DONE),
    ]
    assert progress.message


def test_htmx_post_answers_with_a_polling_progress_partial(
    client_for, org, admin, django_capture_on_commit_callbacks
):
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(export_url(org), {}, **HTMX)

    assert len(callbacks) == 1  # the job is queued only after commit
    progress = only_job()
    html = response.content.decode()
    assert 'class="progress-box"' in html
    assert f'hx-get="{progress_url(org, progress)}"' in html
    assert 'hx-trigger="every 1s"' in html
    assert "<html" not in html


def test_finished_job_stops_polling_and_links_the_file(
    client_for, org, admin, django_capture_on_commit_callbacks
):
    client = client_for(admin)
    progress = run_export(client, org, django_capture_on_commit_callbacks)

    response = client.get(progress_url(org, progress), **HTMX)

    html = response.content.decode()
    assert "hx-trigger" not in html
    assert f'href="{download_url(org, progress)}"' in html


def test_plain_post_redirects_to_a_page_showing_the_progress(
    client_for, org, admin, django_capture_on_commit_callbacks
):
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(export_url(org), {"action": "site."})

    progress = only_job()
    assert response.status_code == 302
    assert response["Location"] == progress_url(org, progress)
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html
    assert 'class="progress-box"' in html
    assert download_url(org, progress) in html


def test_audit_page_offers_the_export_with_the_current_filters(client_for, org, admin):
    response = client_for(admin).get(
        reverse("core:audit", kwargs={"org_slug": org.slug}), {"action": "member."}
    )

    html = response.content.decode()
    assert f'action="{export_url(org)}"' in html
    assert '<input type="hidden" name="action" value="member.">' in html


def test_download_is_named_after_org_and_day(
    client_for, org, admin, django_capture_on_commit_callbacks
):
    client = client_for(admin)
    progress = run_export(client, org, django_capture_on_commit_callbacks)

    response = client.get(download_url(org, progress))

    day = timezone.localtime(progress.created_at, zoneinfo.ZoneInfo(org.time_zone)).date()
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="audit-{org.slug}-{day.isoformat()}.csv"'
    )


def test_object_names_cannot_become_spreadsheet_formulas(
    client_for, org, admin, django_capture_on_commit_callbacks
):
    make_site(org, "=HYPERLINK(1)")
    client = client_for(admin)

    progress = run_export(client, org, django_capture_on_commit_callbacks, action="site.")

    _header, row = csv_rows(client.get(progress.result_file))
    assert row[5] == "'=HYPERLINK(1)"


def test_another_admin_of_the_same_org_cannot_see_or_download_the_job(
    client_for, org, admin, django_capture_on_commit_callbacks
):
    progress = run_export(client_for(admin), org, django_capture_on_commit_callbacks)
    other_admin = client_for(make_member(org, Role.ADMIN, "second-admin@home.test"))

    assert other_admin.get(download_url(org, progress)).status_code == 404
    assert other_admin.get(progress_url(org, progress)).status_code == 404
    assert other_admin.get(progress_url(org, progress), **HTMX).status_code == 404


def test_outsider_cannot_see_or_download_the_job(
    client_for, org, admin, other_org, outsider, django_capture_on_commit_callbacks
):
    progress = run_export(client_for(admin), org, django_capture_on_commit_callbacks)
    client = client_for(outsider)

    assert client.get(download_url(org, progress)).status_code == 404
    assert client.get(progress_url(org, progress)).status_code == 404
    # Not through their own organisation's URLs either.
    assert client.get(download_url(other_org, progress)).status_code == 404
    assert client.get(progress_url(other_org, progress)).status_code == 404


def test_volunteer_cannot_export(client_for, org, volunteer, django_capture_on_commit_callbacks):
    before = snapshot(org)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(volunteer).post(export_url(org), {}, **HTMX)

    assert response.status_code == 403
    assert callbacks == []
    assert job_count() == 0
    assert snapshot(org) == before


def test_anonymous_is_sent_to_login(client, org):
    response = client.post(export_url(org), {})

    assert response.status_code == 302
    assert reverse("core:login") in response["Location"]
    assert job_count() == 0


def test_unfinished_job_has_nothing_to_download(
    client_for, org, admin, django_capture_on_commit_callbacks
):
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(export_url(org), {}, **HTMX)

    assert client.get(download_url(org, only_job())).status_code == 404


def test_unwritable_data_dir_fails_the_job_with_a_message(
    settings, tmp_path, client_for, org, admin, django_capture_on_commit_callbacks
):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.DATA_DIR = blocker
    client = client_for(admin)

    progress = run_export(client, org, django_capture_on_commit_callbacks)

    assert progress.status == TaskProgress.Status.FAILED
    assert progress.message
    assert progress.result_file == ""
    assert client.get(download_url(org, progress)).status_code == 404
    html = client.get(progress_url(org, progress), **HTMX).content.decode()
    assert "hx-trigger" not in html  # a failed job stops polling too
