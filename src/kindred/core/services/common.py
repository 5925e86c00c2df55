"""What the core services share: applying and validating a form's values, and the generic
change-and-audit of one record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from .. import audit
from ..errors import Invalid
from ..models import Organization, User

ORG_FIELDS = ("name", "country", "default_language", "currency", "time_zone")
SITE_FIELDS = ("name", "kind", "street", "postcode", "city", "country")


def apply_values(instance, values: Mapping[str, Any], allowed: tuple[str, ...]) -> list[str]:
    unknown = set(values) - set(allowed)
    if unknown:
        raise Invalid(_("Unknown field."), field=sorted(unknown)[0])
    changed = []
    for field, value in values.items():
        if value is None:
            # An explicit null (e.g. a JSON PATCH) clears an optional text field; a field
            # that must hold a value says so instead of failing in the database.
            model_field = instance._meta.get_field(field)
            if model_field.null:
                pass
            elif model_field.blank and isinstance(model_field, models.CharField):
                value = ""
            else:
                raise Invalid(_("This field is required."), field=field)
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed.append(field)
    return changed


def validate_fields(instance, fields: list[str] | tuple[str, ...]) -> None:
    """Run model field validation on `fields` and turn the first problem into a DomainError."""

    exclude = [f.name for f in instance._meta.fields if f.name not in fields]
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise Invalid(str(messages[0]), field=field) from error


def update_and_audit(
    instance,
    values: Mapping[str, Any],
    fields: tuple[str, ...],
    *,
    org: Organization,
    actor: User | None,
    action: str,
    check=None,
) -> list[str]:
    """Apply `values` to a locked `instance`, validate, save only what changed, and audit
    the old → new values. `check(changed)` runs extra rules before saving."""
    before = audit.snapshot(instance, fields)
    changed = apply_values(instance, values, fields)
    validate_fields(instance, fields)
    if check is not None:
        check(changed)
    if changed:
        instance.save(update_fields=changed)
        audit.log(
            org=org,
            actor=actor,
            action=action,
            obj=instance,
            changes=audit.diff(instance, before, changed),
        )
    return changed


def save_archived(
    instance, archived: bool, *, org: Organization, actor: User | None, kind: str, also=()
) -> bool:
    """Archive or restore a locked record: set `archived`, save it (with the fields in
    `also`, e.g. an auto `updated_at`) and audit "<kind>.archived" or "<kind>.restored".
    Nothing is written when it already is so. Returns whether it changed."""
    if instance.archived == archived:
        return False
    instance.archived = archived
    instance.save(update_fields=["archived", *also])
    audit.log(
        org=org,
        actor=actor,
        action=f"{kind}.archived" if archived else f"{kind}.restored",
        obj=instance,
        changes={"archived": [not archived, archived]},
    )
    return True
