"""Small helpers every app's page views share."""

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

from kindred.core.services import DomainError

PAGE_SIZE = 25


def paginate(request: HttpRequest, qs, size: int = PAGE_SIZE) -> Page:
    """The requested page of `qs`; a missing or bad ?page= gives the first or last page."""
    return Paginator(qs, size).get_page(request.GET.get("page"))


def form_error(form, error: DomainError) -> None:
    """Show a service's domain error on the field it names (or on the whole form). A
    command's reference `household_id` is the form's choice `household`."""
    field = error.field or ""
    if field not in form.fields and field.endswith("_id") and field[:-3] in form.fields:
        field = field[:-3]
    form.add_error(field if field in form.fields else None, error.message)
