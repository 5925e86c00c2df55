"""Spreadsheet import pages and list exports under /o/<org_slug>/people/…: parse, authorise
(org_view), call one service or query, answer. The work is in people/imports/ (import),
people/imports/tasks.py (its background jobs) and people/exports.py (files).

An import is shown only to the member who uploaded it, like a background job's progress
(core.views.org.task_progress): its report is about a file only they have seen."""

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from kindred.core.roles import Action
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import form_error, paginate

from . import exports, imports
from .imports.reading import text_value
from .models import ImportBatch
from .views.common import IN_HOUSEHOLD, PERSON_SORTS, purpose_filter

Status = ImportBatch.Status
MAPPABLE = {Status.UPLOADED, Status.CHECKED, Status.REFUSED}
SHOW = ("problems", "warnings")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy(
            "A .csv or .xlsx file (the first sheet), at most 10 MB and 50,000 rows. The first "
            "row holds the column names."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.xlsx,.txt,text/csv," + exports.XLSX_TYPE}
        ),
    )


def _batch(request: HttpRequest, batch_id: int) -> ImportBatch:
    return get_object_or_404(
        ImportBatch.objects.select_related("progress"), pk=batch_id, created_by=request.user
    )


def _to_batch(request: HttpRequest, batch: ImportBatch) -> HttpResponse:
    return redirect("people:import-batch", org_slug=request.org.slug, batch_id=batch.pk)


def _bad_format() -> HttpResponse:
    return HttpResponseBadRequest(
        _("Choose the file format: CSV or XLSX."), content_type="text/plain; charset=utf-8"
    )


def _file(export: exports.ExportFile) -> FileResponse:
    return FileResponse(
        export.file,
        as_attachment=True,
        filename=export.filename,
        content_type=export.content_type,
    )


# Import ------------------------------------------------------------------------------------


@org_view(Action.IMPORT_PEOPLE)
def import_start(request: HttpRequest) -> HttpResponse:
    """Upload a spreadsheet; below, the member's earlier imports."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = imports.upload_import(
                org=request.org,
                actor=request.user,
                name=upload.name,
                # One byte more than allowed is enough to tell that it is too large.
                data=upload.read(imports.MAX_BYTES + 1),
            )
        except DomainError as error:
            form_error(form, error)
        else:
            return redirect("people:import-mapping", org_slug=request.org.slug, batch_id=batch.pk)
    status_filter = request.GET.get("status", "")
    batches = ImportBatch.objects.filter(created_by=request.user)
    if status_filter in Status.values:
        batches = batches.filter(status=status_filter)
    else:
        status_filter = ""
    context = {
        "form": form,
        "page": paginate(request, batches, size=10),
        "status": status_filter,
        "statuses": Status.choices,
        "fields": imports.FIELDS.values(),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "people/import_start.html", context, status=status)


@org_view(Action.IMPORT_PEOPLE)
def import_template(request: HttpRequest) -> HttpResponse:
    fmt = request.GET.get("format", "csv")
    if fmt not in exports.FORMATS:
        return _bad_format()
    return _file(exports.import_template(fmt))


@org_view(Action.IMPORT_PEOPLE)
def import_mapping(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Which Kindred field each column holds (guessed from the headers); saving starts the
    check of every row."""
    batch = _batch(request, batch_id)
    if request.method != "POST" and (batch.status not in MAPPABLE or not batch.stored_name):
        return _to_batch(request, batch)
    mapping, error, status = batch.mapping, None, 200
    if request.method == "POST":
        mapping = [request.POST.get(f"column_{i}", "") for i in range(len(batch.headers))]
        try:
            imports.start_check(org=request.org, batch=batch, mapping=mapping, actor=request.user)
        except DomainError as problem:
            error, status = problem, problem.status
        else:
            return _to_batch(request, batch)
    try:
        samples = [cells for _number, cells in imports.read_batch(batch, limit=3).rows]
    except DomainError as problem:
        samples, error, status = [], error or problem, max(status, problem.status)
    columns = [
        {
            "index": i,
            "letter": imports.column_letter(i),
            "name": imports.column_name(batch.headers, i),
            "samples": [text_value(row[i]) for row in samples if text_value(row[i])],
            "field": mapping[i] if i < len(mapping) else "",
            "error": error.message if error and error.field == f"column_{i}" else "",
        }
        for i in range(len(batch.headers))
    ]
    column_error = bool(error and error.field and error.field.startswith("column_"))
    context = {
        "batch": batch,
        "columns": columns,
        "choices": imports.field_choices(),
        "error": None if column_error else error,
    }
    return render(request, "people/import_mapping.html", context, status=status)


def _batch_page(request: HttpRequest, batch: ImportBatch, status: int = 200) -> HttpResponse:
    show = request.GET.get("show", "")
    show = show if show in SHOW else ""
    items = imports.report_items(batch.report, show)
    context = {
        "batch": batch,
        "summary": batch.report.get("summary"),
        "result": batch.result,
        "page": paginate(request, items, size=50),
        "show": show,
        "expires": imports.expires_at(batch),
        "can_import": batch.status in {Status.CHECKED, Status.REFUSED} and batch.stored_name,
        "can_map": batch.status in MAPPABLE and batch.stored_name,
        "modes": ImportBatch.Mode,
    }
    return render(request, "people/import_batch.html", context, status=status)


@org_view(Action.IMPORT_PEOPLE)
def import_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The check's report, the choice of mode, the progress of a running job and the
    result. While a job runs, htmx polls this page for the progress partial; once the job
    is over, the poll reloads the page to show the report."""
    batch = _batch(request, batch_id)
    if request.htmx:
        if batch.running:
            return render(request, "people/import_progress.html", {"batch": batch})
        return HttpResponseClientRefresh()
    return _batch_page(request, batch)


@require_POST
@org_view(Action.IMPORT_PEOPLE)
def import_run(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    try:
        imports.start_import(
            org=request.org, batch=batch, mode=request.POST.get("mode", ""), actor=request.user
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _batch_page(request, batch, status=error.status)
    return _to_batch(request, batch)


@require_POST
@org_view(Action.IMPORT_PEOPLE)
def import_discard(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    try:
        imports.discard_import(org=request.org, batch=batch, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _batch_page(request, batch, status=error.status)
    messages.success(request, _("Import discarded. The uploaded file is deleted."))
    return redirect("people:import", org_slug=request.org.slug)


# Export ------------------------------------------------------------------------------------


@never_cache
@org_view(Action.EXPORT_PEOPLE)
def person_export(request: HttpRequest) -> HttpResponse:
    """The persons list with the list page's search, filters and sort, as a file."""
    fmt = request.GET.get("format", "csv")
    if fmt not in exports.FORMATS:
        return _bad_format()
    _purposes, purpose = purpose_filter(request)
    export = exports.export_persons(
        org=request.org,
        membership=request.membership,
        actor=request.user,
        fmt=fmt,
        search=request.GET.get("q", "").strip(),
        in_household=IN_HOUSEHOLD.get(request.GET.get("household", "")),
        sort=PERSON_SORTS.get(request.GET.get("sort", "name"), "name"),
        purpose=purpose,
    )
    return _file(export)


@never_cache
@org_view(Action.EXPORT_PEOPLE)
def household_export(request: HttpRequest) -> HttpResponse:
    """The households list with the list page's search, as a file."""
    fmt = request.GET.get("format", "csv")
    if fmt not in exports.FORMATS:
        return _bad_format()
    export = exports.export_households(
        org=request.org,
        membership=request.membership,
        actor=request.user,
        fmt=fmt,
        search=request.GET.get("q", "").strip(),
    )
    return _file(export)
