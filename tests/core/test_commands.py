"""The `kindred` commands a charity's operator runs."""

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from kindred.core.models import AuditEntry, Membership, Organization, User
from kindred.core.roles import Role


def test_createorg_creates_the_organisation_and_an_admin_with_a_printed_password(db, capsys):
    call_command(
        "createorg", "hjaelp", "Hjælpen", "--admin", "Boss@Example.org", "--language", "da"
    )
    out = capsys.readouterr().out
    org = Organization.objects.get(slug="hjaelp")
    user = User.objects.get(email="boss@example.org")
    password = out.split("with password ")[1].split(" ")[0]
    assert user.check_password(password)
    with scopes_disabled():
        assert Membership.objects.get(organization=org, user=user).role == Role.ADMIN
        assert AuditEntry.objects.filter(organization=org, action="organization.created").exists()


def test_createorg_refuses_a_bad_slug_naming_the_field(db):
    with pytest.raises(CommandError, match="slug"):
        call_command("createorg", "Not A Slug!", "X", "--admin", "a@example.org")
    assert not Organization.objects.exists()


def test_demo_refuses_to_run_in_production_mode(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo")
    assert not Organization.objects.exists()
