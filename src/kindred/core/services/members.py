"""Members and their roles, and invitations (e-mailed through the outbox)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from .. import audit, outbox
from ..errors import Conflict, DomainError, NotFound
from ..models import ApiToken, Invitation, Membership, Organization, User
from ..roles import Role
from .common import validate_fields

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
