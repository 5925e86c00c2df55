"""Every write service of this issue writes its audit entry, in the same transaction."""

import pytest
from django.conf import settings
from django_scopes import scope, scopes_disabled

from kindred.core import services
from kindred.core.models import AuditEntry, Invitation, Membership, Site
from kindred.core.roles import Role
from tests.conftest import make_member, make_user


def _invite(org, admin, links):
    return services.invite_member(
        org=org,
        email="new@example.org",
        role=Role.VOLUNTEER,
        actor=admin,
        accept_url_for=lambda raw: links.append(raw) or "x",
    )


def _run(name, org, admin, site):
    links: list[str] = []
    volunteer = make_member(org, Role.VOLUNTEER, "v@home.test")
    membership = Membership.objects.get(user=volunteer)
    calls = {
        "update_organization": lambda: services.update_organization(
            org=org, values={"name": "New name"}, actor=admin
        ),
        "create_site": lambda: services.create_site(
            org=org, values={"name": "Butik", "kind": Site.Kind.SHOP}, actor=admin
        ),
        "update_site": lambda: services.update_site(
            org=org, site=site, values={"city": "Ikast"}, actor=admin
        ),
        "set_site_archived": lambda: services.set_site_archived(
            org=org, site=site, archived=True, actor=admin
        ),
        "add_member": lambda: services.add_member(
            org=org, user=make_user("x@example.org"), role=Role.FUNDRAISER, actor=admin
        ),
        "change_role": lambda: services.change_role(
            org=org, membership=membership, role=Role.COORDINATOR, actor=admin
        ),
        "remove_member": lambda: services.remove_member(
            org=org, membership=membership, actor=admin
        ),
        "invite_member": lambda: _invite(org, admin, links),
        "revoke_invitation": lambda: services.revoke_invitation(
            org=org, invitation=_invite(org, admin, links), actor=admin
        ),
        "accept_invitation": lambda: (
            _invite(org, admin, links),
            services.accept_invitation(
                raw_token=links[-1], user=None, full_name="N", password="a-long-password-9"
            ),
        ),
        "create_api_token": lambda: services.create_api_token(org=org, user=admin, name="t"),
        "revoke_api_token": lambda: services.revoke_api_token(
            org=org,
            token=services.create_api_token(org=org, user=admin, name="t")[0],
            actor=admin,
        ),
        "set_language": lambda: services.set_language(user=admin, language="fi"),
        "record_password_change": lambda: services.record_password_change(user=admin, reset=False),
    }
    calls[name]()


EXPECTED = {
    "update_organization": "organization.updated",
    "create_site": "site.created",
    "update_site": "site.updated",
    "set_site_archived": "site.archived",
    "add_member": "member.added",
    "change_role": "member.role_changed",
    "remove_member": "member.removed",
    "invite_member": "invitation.sent",
    "revoke_invitation": "invitation.revoked",
    "accept_invitation": "invitation.accepted",
    "create_api_token": "api_token.created",
    "revoke_api_token": "api_token.revoked",
    "set_language": "user.language_changed",
    "record_password_change": "user.password_changed",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_service_writes_its_audit_entry(name, org, admin, site):
    with scopes_disabled():
        before = AuditEntry.objects.count()
    with scope(organization=org):
        _run(name, org, admin, site)
    with scopes_disabled():
        actions = list(AuditEntry.objects.order_by("id")[before:].values_list("action", flat=True))
    assert EXPECTED[name] in actions


def test_every_service_of_the_module_is_covered():
    """A new write service without an audit test fails here."""
    import inspect

    public = {
        n
        for n, f in inspect.getmembers(services, inspect.isfunction)
        if f.__module__ == services.__name__ and not n.startswith("_")
    }
    # A lookup, and the helpers every app's services build on (not services themselves).
    reads = {"find_invitation", "apply_values", "validate_fields", "update_and_audit"}
    covered = set(EXPECTED) | {"create_organization", "start_audit_export"}  # see below
    assert public - reads <= covered, public - reads - covered


def test_create_organization_is_audited(org):
    # The `org` fixture is made by services.create_organization.
    with scopes_disabled():
        assert AuditEntry.objects.filter(organization=org, action="organization.created").exists()


def test_a_failed_service_leaves_no_audit_entry_and_no_change(org, admin):
    with scopes_disabled():
        before = AuditEntry.objects.count()
    with scope(organization=org), pytest.raises(services.DomainError):
        services.invite_member(
            org=org,
            email="not-an-address",
            role=Role.VOLUNTEER,
            actor=admin,
            accept_url_for=lambda raw: "x",
        )
    with scopes_disabled():
        assert AuditEntry.objects.count() == before
        assert not Invitation.objects.exists()


def test_django_admin_is_for_superusers_only_at_a_non_default_path(client, admin):
    assert client.get("/admin/").status_code == 404
    client.force_login(admin)  # an organisation administrator, not a superuser
    response = client.get(f"/{settings.ADMIN_URL}")
    assert response.status_code == 302 and "login" in response["Location"]
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    assert client.get(f"/{settings.ADMIN_URL}").status_code == 302  # staff is not enough
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    assert client.get(f"/{settings.ADMIN_URL}").status_code == 200
