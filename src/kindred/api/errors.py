"""One error shape for the whole API: {"detail": str, "errors": [{"field", "message"}]}.

Pydantic's own messages are English only, so validation errors are mapped to translated
messages by error type, naming the field."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from kindred.core.services import DomainError


def _message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in {"string_too_long", "too_long"}:
        return _("Use at most %(max)s characters.") % {"max": ctx.get("max_length", "?")}
    if kind in {"string_too_short", "too_short"}:
        return _("Use at least %(min)s characters.") % {"min": ctx.get("min_length", "?")}
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Enter a whole number.")
    if kind in {"bool_parsing", "bool_type"}:
        return _("Enter true or false.")
    if kind in {"enum", "literal_error"}:
        return _("Choose one of: %(choices)s.") % {
            "choices": ctx.get("expected", "").replace("'", "")
        }
    if kind in {"greater_than_equal", "greater_than"}:
        return _("The value is too small.")
    if kind in {"less_than_equal", "less_than"}:
        return _("The value is too large.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return _("Send an object with the fields described.")
    if kind == "list_type":
        return _("Send a list.")
    if kind in {"decimal_type", "decimal_parsing", "float_type", "float_parsing"}:
        return _("Enter a number.")
    if kind.startswith("datetime_") or kind == "timezone_aware":
        return _("Enter a date and time in ISO 8601 (2026-05-31T18:00:00+02:00).")
    if kind.startswith("date_"):
        return _("Enter a date in ISO 8601 (2026-05-31).")
    if kind.startswith("time_"):
        return _("Enter a time (18:00).")
    if kind == "value_error" and "email" in str(error.get("msg", "")).lower():
        return _("Enter a valid e-mail address.")
    if kind in {"string_type"}:
        return _("Enter text.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    return _("This value is not valid.")


def _field(loc: list | tuple) -> str:
    # ninja prefixes the location with "body"/"query"/"path" and the parameter name.
    parts = [str(p) for p in loc if p not in {"body", "query", "path", "payload", "filters"}]
    return ".".join(parts) or "body"


def body(detail: str, errors: list[dict] | None = None) -> dict:
    return {"detail": detail, "errors": errors or []}


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = [{"field": _field(e.get("loc", ())), "message": _message(e)} for e in exc.errors]
        return api.create_response(
            request, body(_("Some fields are not valid."), errors), status=422
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return api.create_response(
            request,
            body(
                _("Authentication required: send a valid API token as “Authorization: Bearer …”.")
            ),
            status=401,
        )

    @api.exception_handler(AuthorizationError)
    def unauthorised(request, exc):
        return api.create_response(
            request, body(_("You do not have permission to do this.")), status=403
        )

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return api.create_response(
            request, body(_("You do not have permission to do this.")), status=403
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, body(_("Not found.")), status=404)

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        errors = [{"field": exc.field, "message": exc.message}] if exc.field else []
        return api.create_response(request, body(exc.message, errors), status=exc.status)

    # ninja raises these two with fixed English text; answer in the caller's language.
    ninja_messages = {
        "CSRF check Failed": lambda: _(
            "The CSRF check failed: send the X-CSRFToken header, or use an API token."
        ),
        "Cannot parse request body": lambda: _("The request body is not valid JSON."),
    }

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        text = str(exc)
        for prefix, message in ninja_messages.items():
            if text.startswith(prefix):
                text = message()
        return api.create_response(request, body(text), status=exc.status_code)
