"""What the core services share: applying and validating a form's values, and the generic
change-and-audit of one record."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
    fields: Sequence[str],
    *,
    org: Organization,
    actor: User | None,
    action: str,
    check: Callable[[list[str]], None] | None = None,
    validate: Sequence[str] | None = None,
    save: Callable[[list[str]], None] | None = None,
    context: Mapping[str, Any] | None = None,
    sensitive: Sequence[str] = (),
) -> list[str]:
    """Apply `values` to a locked `instance`, validate, save only what changed, and audit
    the old → new values. Returns the changed fields; nothing is written when none changed.

    - `check(changed)` runs extra rules before saving (also when nothing changed);
    - `validate`: the fields to run model validation on (default all of `fields`; `()`
      when the caller has checked the values itself);
    - `save(changed)` replaces the save (e.g. to save more fields or turn a race on a
      unique key into a Conflict); by default the changed fields are saved, or the whole
      row when `instance` was never saved (a settings row written for the first time);
    - `context`: keys put first in the audit entry's changes (what the record is about);
    - `sensitive`: fields masked in the audit entry."""
    before = audit.snapshot(instance, fields)
    changed = apply_values(instance, values, tuple(fields))
    checked = tuple(fields if validate is None else validate)
    if checked:
        validate_fields(instance, checked)
    if check is not None:
        check(changed)
    if changed:
        if save is not None:
            save(changed)
        elif instance.pk is None:
            instance.save()
        else:
            instance.save(update_fields=changed)
        audit.log(
            org=org,
            actor=actor,
            action=action,
            obj=instance,
            changes={**(context or {}), **audit.diff(instance, before, changed)},
            sensitive=sensitive,
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
