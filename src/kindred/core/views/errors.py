"""Error pages: translated, in the base layout when possible; JSON under /api/."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


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


def server_error(request: HttpRequest) -> HttpResponse:
    if _api(request):
        return JsonResponse(
            {"detail": _("Something went wrong on our side."), "errors": []}, status=500
        )
    return render(request, "500.html", status=500)
