"""The audit log: `log()` is called by services inside their transaction.

The request's IP address and channel (web or API) reach `log()` through a context variable
set by `RequestContextMiddleware` and the API's authentication, so services need not pass
the request around.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import declarations
from .models import AuditEntry, Organization, User

MASK = "•••"

# Field names whose values never reach the audit log in clear.
SENSITIVE_FIELDS = frozenset(
    {"password", "token", "token_hash", "secret", "national_id", "identity_number"}
)


# What each action code means, for people reading the log. Codes stay stable in the data
# and the API; labels follow the reader's language. Apps declare theirs (`audit_labels` in
# their contrib.py); `labels()` holds core's and every installed app's.
ACTION_LABELS: dict[str, Any] = {
    "organization.created": _("Organisation created"),
    "organization.updated": _("Organisation settings changed"),
    "site.created": _("Site added"),
    "site.updated": _("Site changed"),
    "site.archived": _("Site archived"),
    "site.restored": _("Site restored"),
    "member.added": _("Member added"),
    "member.role_changed": _("Role changed"),
    "member.removed": _("Member removed"),
    "invitation.sent": _("Invitation sent"),
    "invitation.revoked": _("Invitation revoked"),
    "invitation.accepted": _("Invitation accepted"),
    "user.created": _("Account created"),
    "user.language_changed": _("Language changed"),
    "user.password_changed": _("Password changed"),
    "user.password_reset": _("Password reset"),
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
    "audit.exported": _("Audit log exported"),
}


# The channel a change came through, as stored in AuditEntry.via.
VIA_LABELS: dict[str, Any] = {"web": _("web page"), "api": _("API")}


def via_label(via: str) -> str:
    return str(VIA_LABELS.get(via, via))


def labels() -> dict[str, Any]:
    """Every action code's label: core's and the installed apps' declarations."""
    return {**ACTION_LABELS, **declarations.audit_labels()}


def action_label(action: str) -> str:
    return str(labels().get(action, action))


@dataclass(frozen=True)
class RequestInfo:
    ip_address: str | None = None
    via: str = ""


_NO_REQUEST = RequestInfo()
_request_info: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar(
    "kindred_request_info", default=None
)


def set_request_info(info: RequestInfo) -> contextvars.Token:
    return _request_info.set(info)


def reset_request_info(token: contextvars.Token) -> None:
    _request_info.reset(token)


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):  # e.g. languages spoken
        return ", ".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def diff(instance: models.Model, before: Mapping[str, Any], fields: Iterable[str]) -> dict:
    """The {field: [old, new]} of `fields` whose value differs from `before`."""
    changes = {}
    for field in fields:
        new = getattr(instance, field)
        if before.get(field) != new:
            changes[field] = [_plain(before.get(field)), _plain(new)]
    return changes


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {field: getattr(instance, field) for field in fields}


def mask(changes: Mapping[str, Any], sensitive: Iterable[str] = ()) -> dict:
    """Hide sensitive values; make the rest JSON-safe (dates, decimals and objects as text)."""
    hidden = SENSITIVE_FIELDS | set(sensitive)
    masked = {}
    for field, value in changes.items():
        if field in hidden:
            masked[field] = [MASK, MASK]
        elif isinstance(value, list | tuple):
            masked[field] = [_plain(v) for v in value]
        else:
            masked[field] = _plain(value)
    return masked


def log(
    *,
    org: Organization | None,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    sensitive: Iterable[str] = (),
) -> AuditEntry:
    """Append one audit entry. Call inside the service's transaction."""
    info = _request_info.get() or _NO_REQUEST
    return AuditEntry.objects.create(
        organization=org,
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor.email if actor is not None else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=mask(changes or {}, sensitive),
        ip_address=info.ip_address,
        via=info.via,
    )


def readable_changes(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """An entry's changes as (field label, old, new) with choice codes shown as labels."""
    try:
        model = apps.get_model(entry.object_type) if entry.object_type else None
    except (LookupError, ValueError):
        model = None
    rows = []
    for name, pair in (entry.changes or {}).items():
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        label, choices = name, {}
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
            if field is not None:
                label = str(getattr(field, "verbose_name", name))
                choices = {str(k): str(v) for k, v in (getattr(field, "flatchoices", None) or [])}
        rows.append((label, _shown(old, choices), _shown(new, choices)))
    return rows


def _shown(value: Any, choices: Mapping[str, str]) -> str:
    if value is None or value == "":
        return "∅"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return choices.get(str(value), str(value))
