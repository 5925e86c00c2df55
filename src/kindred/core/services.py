"""Every write to organisations, sites, memberships, invitations and API tokens.

Each service is one transaction, takes the acting user, raises a named translated
`DomainError` on a broken rule, and writes its audit entry inside the same transaction.
E-mails go out after commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from . import audit, declarations, outbox, queries, tasks
from .errors import Conflict, DomainError, Invalid, NotFound
from .models import ApiToken, Invitation, Membership, Organization, Site, TaskProgress, User
from .roles import Role

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


# Organisations ---------------------------------------------------------------------------


@transaction.atomic
def create_organization(
    *,
    slug: str,
    name: str,
    country: str,
    currency: str,
    default_language: str = "en",
    time_zone: str = "Europe/Copenhagen",
    admin: User,
    actor: User | None,
) -> Organization:
    """Create a tenant and make `admin` its first administrator."""
    if Organization.objects.filter(slug=slug).exists():
        raise Conflict(_("An organisation with this short name already exists."), field="slug")
    org = Organization(
        slug=slug,
        name=name,
        country=country,
        currency=currency,
        default_language=default_language,
        time_zone=time_zone,
    )
    validate_fields(org, ("slug", *ORG_FIELDS))
    org.save()
    audit.log(
        org=org,
        actor=actor,
        action="organization.created",
        obj=org,
        changes={f: [None, getattr(org, f)] for f in ("slug", *ORG_FIELDS)},
    )
    add_member(org=org, user=admin, role=Role.ADMIN, actor=actor)
    with scope(organization=org):
        # What every new organisation starts with, declared by the apps that own it (goods:
        # the default catalogue), inside this transaction: a failing hook leaves no
        # half-made organisation behind.
        for hook in declarations.organization_created_hooks():
            hook(org)
    return org


@transaction.atomic
def update_organization(
    *, org: Organization, values: Mapping[str, Any], actor: User
) -> Organization:
    org = Organization.objects.select_for_update().get(pk=org.pk)
    update_and_audit(org, values, ORG_FIELDS, org=org, actor=actor, action="organization.updated")
    return org


# Sites -------------------------------------------------------------------------------------


def _check_site_name(org: Organization, name: str, exclude_pk: int | None = None) -> None:
    clash = Site.objects.filter(organization=org, name__iexact=name.strip())
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise Conflict(_("A site with this name already exists."), field="name")


@transaction.atomic
def create_site(*, org: Organization, values: Mapping[str, Any], actor: User) -> Site:
    site = Site(organization=org)
    apply_values(site, values, SITE_FIELDS)
    validate_fields(site, SITE_FIELDS)
    _check_site_name(org, site.name)
    try:
        with transaction.atomic():
            site.save()
    except IntegrityError as error:  # a concurrent create with the same name
        raise Conflict(_("A site with this name already exists."), field="name") from error
    audit.log(
        org=org,
        actor=actor,
        action="site.created",
        obj=site,
        changes={f: [None, getattr(site, f)] for f in SITE_FIELDS if getattr(site, f)},
    )
    return site


@transaction.atomic
def update_site(*, org: Organization, site: Site, values: Mapping[str, Any], actor: User) -> Site:
    site = Site.objects.select_for_update().get(pk=site.pk, organization=org)

    def check(changed: list[str]) -> None:
        if "name" in changed:
            _check_site_name(org, site.name, exclude_pk=site.pk)

    update_and_audit(
        site, values, SITE_FIELDS, org=org, actor=actor, action="site.updated", check=check
    )
    return site


@transaction.atomic
def set_site_archived(*, org: Organization, site: Site, archived: bool, actor: User) -> Site:
    """Archive (hide from new work, keep history) or restore a site."""
    site = Site.objects.select_for_update().get(pk=site.pk, organization=org)
    if site.archived != archived:
        site.archived = archived
        site.save(update_fields=["archived"])
        audit.log(
            org=org,
            actor=actor,
            action="site.archived" if archived else "site.restored",
            obj=site,
            changes={"archived": [not archived, archived]},
        )
    return site


# Members -----------------------------------------------------------------------------------


def _admin_count(org: Organization) -> int:
    return Membership.objects.filter(organization=org, role=Role.ADMIN).count()


def _lock_memberships(org: Organization) -> None:
    # Two admins demoting each other at the same moment must not leave the organisation with
    # none: lock every membership row of the organisation, in primary-key order, first.
    list(Membership.objects.select_for_update().filter(organization=org).order_by("pk"))


@transaction.atomic
def change_role(*, org: Organization, membership: Membership, role: str, actor: User) -> Membership:
    if role not in Role.values:
        raise DomainError(_("Choose a valid role."), field="role")
    _lock_memberships(org)
    membership = Membership.objects.get(pk=membership.pk, organization=org)
    if membership.role == role:
        return membership
    if membership.role == Role.ADMIN and _admin_count(org) == 1:
        raise Conflict(
            _(
                "The organisation needs at least one administrator. Make someone else "
                "administrator first."
            ),
            field="role",
        )
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit.log(
        org=org,
        actor=actor,
        action="member.role_changed",
        obj=membership,
        changes={"role": [old, role]},
    )
    return membership


@transaction.atomic
def remove_member(*, org: Organization, membership: Membership, actor: User) -> None:
    _lock_memberships(org)
    membership = Membership.objects.select_related("user").get(pk=membership.pk, organization=org)
    if membership.role == Role.ADMIN and _admin_count(org) == 1:
        raise Conflict(
            _(
                "The organisation needs at least one administrator. Make someone else "
                "administrator first."
            ),
        )
    audit.log(
        org=org,
        actor=actor,
        action="member.removed",
        obj=membership,
        changes={"role": [membership.role, None], "user": [membership.user.email, None]},
    )
    # Their API tokens for this organisation stop working with the membership.
    ApiToken.objects.filter(organization=org, user=membership.user, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    membership.delete()


@transaction.atomic
def add_member(*, org: Organization, user: User, role: str, actor: User | None) -> Membership:
    """Give an existing user a role in `org` (used by set-up commands and the demo)."""
    if role not in Role.values:
        raise DomainError(_("Choose a valid role."), field="role")
    with scopes_disabled():
        if Membership.objects.filter(organization=org, user=user).exists():
            raise Conflict(_("This person is already a member."), field="email")
    membership = Membership.objects.create(organization=org, user=user, role=role)
    audit.log(
        org=org, actor=actor, action="member.added", obj=membership, changes={"role": [None, role]}
    )
    return membership


# Invitations -------------------------------------------------------------------------------


def _queue_invitation(invitation: Invitation, accept_url: str) -> None:
    """The invitation e-mail, in the organisation's language, queued (core/outbox.py)."""
    org = invitation.organization
    with translation.override(org.default_language):
        context = {"invitation": invitation, "org": org, "accept_url": accept_url}
        subject = _("You are invited to %(org)s on Kindred") % {"org": org.name}
        body = render_to_string("core/email/invitation.txt", context)
    outbox.queue(
        org=org,
        kind="core.invitation",
        recipient=invitation.email,
        subject=subject,
        body=body,
        about=invitation,
    )


@transaction.atomic
def invite_member(
    *, org: Organization, email: str, role: str, actor: User, accept_url_for
) -> Invitation:
    """Invite someone by e-mail. `accept_url_for(raw_token)` builds the link for the e-mail.

    The raw token exists only in that e-mail (kept in the outbox until it went; the body is
    cleared then); the database keeps its hash."""
    email = email.strip().lower()
    if role not in Role.values:
        raise DomainError(_("Choose a valid role."), field="role")
    with scopes_disabled():
        already = Membership.objects.filter(organization=org, user__email__iexact=email).exists()
    if already:
        raise Conflict(_("This person is already a member."), field="email")
    # A new invitation replaces any pending one to the same address.
    Invitation.objects.filter(
        organization=org, email__iexact=email, status=Invitation.Status.PENDING
    ).update(status=Invitation.Status.REVOKED)
    raw = secrets.token_urlsafe(32)
    invitation = Invitation(
        organization=org,
        email=email,
        role=role,
        token_hash=Invitation.hash(raw),
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    validate_fields(invitation, ("email", "role"))
    invitation.save()
    audit.log(
        org=org,
        actor=actor,
        action="invitation.sent",
        obj=invitation,
        changes={"email": [None, email], "role": [None, role]},
    )
    # The raw token lives only in the e-mail; the outbox clears the body once it went.
    _queue_invitation(invitation, accept_url_for(raw))
    return invitation


@transaction.atomic
def revoke_invitation(*, org: Organization, invitation: Invitation, actor: User) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk, organization=org)
    if invitation.status != Invitation.Status.PENDING:
        raise Conflict(_("This invitation is no longer pending."))
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status"])
    audit.log(
        org=org,
        actor=actor,
        action="invitation.revoked",
        obj=invitation,
        changes={"status": [Invitation.Status.PENDING, Invitation.Status.REVOKED]},
    )
    return invitation


def find_invitation(raw_token: str) -> Invitation | None:
    with scopes_disabled():
        return (
            Invitation.objects.select_related("organization")
            .filter(token_hash=Invitation.hash(raw_token))
            .first()
        )


@transaction.atomic
def accept_invitation(
    *, raw_token: str, user: User | None, full_name: str = "", password: str | None = None
) -> Membership:
    """Turn a pending invitation into a membership.

    With `user` (logged in) the invitation joins that account; otherwise a new account is
    created for the invited address with `password`."""
    with scopes_disabled():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("organization")
            .filter(token_hash=Invitation.hash(raw_token))
            .first()
        )
        if invitation is None or not invitation.is_usable:
            raise NotFound(
                _("This invitation link is invalid, used or expired. Ask for a new one.")
            )
        org = invitation.organization
        created = False
        if user is None:
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise Conflict(
                    _("An account with this e-mail address exists. Log in to accept."),
                    field="email",
                )
            user = User.objects.create_user(
                email=invitation.email,
                password=password,
                full_name=full_name,
                language=org.default_language,
            )
            created = True
        if Membership.objects.filter(organization=org, user=user).exists():
            raise Conflict(_("You are already a member of this organisation."))
        membership = Membership.objects.create(organization=org, user=user, role=invitation.role)
        invitation.status = Invitation.Status.ACCEPTED
        invitation.save(update_fields=["status"])
        if created:
            audit.log(org=org, actor=user, action="user.created", obj=user)
        audit.log(
            org=org,
            actor=user,
            action="invitation.accepted",
            obj=membership,
            changes={"role": [None, membership.role]},
        )
    return membership


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
