"""Error pages: translated, in the base layout when possible; JSON under /api/."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# Seconds a client should wait before trying again while the database is unreachable
# (a restart takes a few seconds; pages and API recover on their own when it is back).
RETRY_AFTER = 10


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if _api(request):
        return JsonResponse(
            {"detail": _("You do not have permission to do this."), "errors": []}, status=403
        )
    return render(request, "403.html", status=403)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": _("Not found."), "errors": []}, status=404)
    return render(request, "404.html", status=404)


# Words of the drivers' messages for a database that does not answer for now (PostgreSQL
# restarting or unreachable, a connection dropped, SQLite busy) - not for a fault such as a
# missing table, which stays a 500 so it is seen and fixed.
TRANSIENT = ("connect", "connection", "server closed", "terminat", "shutting down", "locked")


def _database_unreachable() -> bool:
    """Whether the error being handled is the database not answering for now, rather than
    a fault in Kindred."""
    error = sys.exc_info()[1]
    if isinstance(error, InterfaceError):
        return True
    message = str(error).lower()
    return isinstance(error, OperationalError) and any(word in message for word in TRANSIENT)


def unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: the page or call can be repeated as it is in a moment. Rendered
    without the base layout, which would ask the database for the user."""
    if _api(request):
        response: HttpResponse = JsonResponse(
            {
                "detail": _("The service is briefly unavailable. Try again in a moment."),
                "errors": [],
            },
            status=503,
        )
    else:
        response = HttpResponse(
            render_to_string("503.html", {"retry_after": RETRY_AFTER}), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    if _database_unreachable():
        return unavailable(request)
    if _api(request):
        return JsonResponse(
            {"detail": _("Something went wrong on our side."), "errors": []}, status=500
        )
    return render(request, "500.html", status=500)
