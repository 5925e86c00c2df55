from urllib.parse import unquote

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext

from . import audit


class UserLanguageMiddleware:
    """A logged-in user's saved language wins over cookie and browser headers.

    Runs after LocaleMiddleware (which handles visitors by cookie and Accept-Language)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


def client_ip(request) -> str | None:
    """The client's address. Behind KINDRED_PROXY_COUNT trusted reverse proxies, the address
    the outermost trusted proxy saw, read from the right of X-Forwarded-For (the left part
    can be forged by the client). Also used by django-axes (AXES_CLIENT_IP_CALLABLE)."""
    proxies = settings.KINDRED_PROXY_COUNT
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Make the client's IP address available to the audit log for this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        via = "api" if request.path.startswith("/api/") else "web"
        token = audit.set_request_info(audit.RequestInfo(ip_address=client_ip(request), via=via))
        try:
            response = self.get_response(request)
        finally:
            audit.reset_request_info(token)
        if via == "api" and response.status_code == 405:
            # ninja answers an unsupported method with plain text; keep the API's one shape.
            allowed = response.get("Allow", "")
            response = JsonResponse(
                {"detail": gettext("This method is not allowed here."), "errors": []}, status=405
            )
            response["Allow"] = allowed
        return response


class RejectNulMiddleware:
    """Answer 400 to a NUL character in the address or a JSON body.

    No text we store may contain one (PostgreSQL refuses it outright, so it would surface as
    a server error deep inside a query). Forms already reject it field by field; this covers
    query strings and the API's JSON in one place."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            message = gettext("The request contains a NUL character, which is not allowed.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "errors": []}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            return True
        if request.content_type == "application/json":
            body = request.body
            return b"\x00" in body or b"\\u0000" in body
        return False
