"""A user's own account (language, password), personal API tokens, and the audit log's
export."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import audit, queries, tasks
from ..errors import DomainError, NotFound
from ..models import ApiToken, Organization, TaskProgress, User

# Account -----------------------------------------------------------------------------------


@transaction.atomic
def set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("Choose a valid language."), field="language")
    if user.language != language:
        old = user.language
        user.language = language
        user.save(update_fields=["language"])
        audit.log(
            org=None,
            actor=user,
            action="user.language_changed",
            obj=user,
            changes={"language": [old, language]},
        )


@transaction.atomic
def record_password_change(*, user: User, reset: bool) -> None:
    """The password itself is saved by Django's form; this records that it happened."""
    audit.log(
        org=None,
        actor=user,
        action="user.password_reset" if reset else "user.password_changed",
        obj=user,
        changes={"password": ["", ""]},
    )


# API tokens --------------------------------------------------------------------------------


@transaction.atomic
def create_api_token(*, org: Organization, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; return it with the raw secret, which is shown once and never stored."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the token a name, e.g. where it is used."), field="name")
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        organization=org,
        user=user,
        name=name[:100],
        key_prefix=raw[:10],
        token_hash=ApiToken.hash(raw),
    )
    audit.log(
        org=org,
        actor=user,
        action="api_token.created",
        obj=token,
        changes={"name": [None, token.name]},
    )
    return token, raw


@transaction.atomic
def revoke_api_token(*, org: Organization, token: ApiToken, actor: User) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk, organization=org)
    if token.user_id != actor.pk:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.log(org=org, actor=actor, action="api_token.revoked", obj=token)
    return token


# Exports -----------------------------------------------------------------------------------


def start_audit_export(
    *, org: Organization, filters: queries.AuditFilter, actor: User
) -> TaskProgress:
    """Start writing the audit entries that match `filters` to a CSV file in the background.

    Taking a copy of the log is itself audited (who, and which part of the log), in the same
    transaction as the progress record; the job is queued only once both are committed. The
    file's headers and messages use the language active now, i.e. the requester's."""
    filter_values = tasks.audit_filter_to_json(filters)
    with transaction.atomic():
        progress = tasks.start_job(org=org, name=_("Audit log export"), actor=actor)
        audit.log(
            org=org,
            actor=actor,
            action="audit.exported",
            obj=progress,
            changes={field: [None, value] for field, value in filter_values.items() if value},
        )
        tasks.enqueue_job(
            tasks.export_audit_log,
            progress=progress,
            filters=filter_values,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
    return progress
