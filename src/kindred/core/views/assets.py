"""Files browsers ask for by a fixed address."""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """/favicon.ico, which browsers request on their own (e.g. for a PDF or a JSON page):
    the icon. Resolved per request, as the hashed name exists only after collectstatic."""
    return HttpResponsePermanentRedirect(static("kindred/favicon.svg"))
