"""Core services: each change is one transaction with its audit entry."""

import pytest
from django_scopes import scope, scopes_disabled

from kindred.core import services
from kindred.core.models import AuditEntry, Invitation, Membership, Site
from kindred.core.roles import Role
from tests.conftest import audit_count, make_member, make_site


def _last_entry(org):
    with scopes_disabled():
        return AuditEntry.objects.filter(organization=org).order_by("-id").first()


def test_creating_an_organisation_makes_the_creator_admin_and_audits_it(org, admin):
    with scopes_disabled():
        membership = Membership.objects.get(organization=org, user=admin)
        actions = list(AuditEntry.objects.filter(organization=org).values_list("action", flat=True))
    assert membership.role == Role.ADMIN
    assert "organization.created" in actions and "member.added" in actions


def test_update_organization_records_old_and_new_values(org, admin):
    with scope(organization=org):
        services.update_organization(org=org, values={"name": "Renamed"}, actor=admin)
    entry = _last_entry(org)
    assert entry.action == "organization.updated"
    assert entry.changes == {"name": ["Home Charity", "Renamed"]}
    assert entry.actor == admin


def test_update_organization_with_bad_currency_names_the_field_and_saves_nothing(org, admin):
    before = audit_count(org)
    with scope(organization=org), pytest.raises(services.DomainError) as caught:
        services.update_organization(org=org, values={"name": "X", "currency": "XXX"}, actor=admin)
    assert caught.value.field == "currency"
    org.refresh_from_db()
    assert org.name == "Home Charity"
    assert audit_count(org) == before


def test_site_names_are_unique_per_organisation_case_insensitively(org, other_org, admin):
    make_site(org, "Lageret")
    make_site(other_org, "Lageret")  # another organisation may use the same name
    with scope(organization=org), pytest.raises(services.Conflict) as caught:
        services.create_site(
            org=org, values={"name": "lageret", "kind": Site.Kind.SHOP}, actor=admin
        )
    assert caught.value.field == "name"


def test_site_update_and_archive_are_audited(org, admin, site):
    with scope(organization=org):
        services.update_site(org=org, site=site, values={"city": "Ikast"}, actor=admin)
        assert _last_entry(org).changes == {"city": ["Herning", "Ikast"]}
        services.set_site_archived(org=org, site=site, archived=True, actor=admin)
    assert _last_entry(org).action == "site.archived"


def test_last_admin_cannot_be_demoted_or_removed(org, admin):
    with scope(organization=org):
        membership = Membership.objects.get(user=admin)
        with pytest.raises(services.Conflict):
            services.change_role(org=org, membership=membership, role=Role.VOLUNTEER, actor=admin)
        with pytest.raises(services.Conflict):
            services.remove_member(org=org, membership=membership, actor=admin)
        assert Membership.objects.get(user=admin).role == Role.ADMIN


def test_removing_a_member_revokes_their_tokens_and_is_audited(org, admin):
    user = make_member(org, Role.VOLUNTEER)
    with scope(organization=org):
        token, _raw = services.create_api_token(org=org, user=user, name="phone")
        membership = Membership.objects.get(user=user)
        services.remove_member(org=org, membership=membership, actor=admin)
        token.refresh_from_db()
        assert not Membership.objects.filter(user=user).exists()
    assert token.revoked_at is not None
    assert _last_entry(org).action == "member.removed"


def test_invitation_is_stored_hashed_mailed_and_accepted_once(
    org, admin, mailoutbox, django_capture_on_commit_callbacks
):
    links = []
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_member(
            org=org,
            email="New@Example.org",
            role=Role.VOLUNTEER,
            actor=admin,
            accept_url_for=lambda raw: links.append(raw) or f"https://k.test/invitations/{raw}/",
        )
    raw = links[0]
    assert invitation.email == "new@example.org"
    assert raw not in invitation.token_hash
    assert len(mailoutbox) == 1 and raw in mailoutbox[0].body
    membership = services.accept_invitation(
        raw_token=raw, user=None, full_name="New Person", password="a-long-password-1"
    )
    assert membership.role == Role.VOLUNTEER
    assert membership.user.check_password("a-long-password-1")
    with pytest.raises(services.NotFound):
        services.accept_invitation(raw_token=raw, user=None, password="x")


def test_expired_invitation_cannot_be_accepted(org, admin):
    from datetime import timedelta

    from django.utils import timezone

    links = []
    with scope(organization=org):
        invitation = services.invite_member(
            org=org,
            email="late@example.org",
            role=Role.VOLUNTEER,
            actor=admin,
            accept_url_for=lambda raw: links.append(raw) or "x",
        )
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    with pytest.raises(services.NotFound):
        services.accept_invitation(raw_token=links[0], user=None, password="a-long-password-1")
    with scopes_disabled():
        assert not Membership.objects.filter(user__email="late@example.org").exists()


def test_audit_entries_are_append_only(org):
    entry = _last_entry(org)
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with scopes_disabled(), pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_sensitive_values_are_masked_in_the_audit_log(org, admin):
    from kindred.core import audit

    with scope(organization=org):
        entry = audit.log(
            org=org, actor=admin, action="test.sensitive", changes={"token_hash": ["a", "b"]}
        )
    assert entry.changes == {"token_hash": ["•••", "•••"]}


def test_scoped_models_refuse_queries_without_an_active_scope(org):
    from django_scopes import ScopeError

    with pytest.raises(ScopeError):
        list(Site.objects.all())
