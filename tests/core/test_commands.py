"""The `kindred` commands a charity's operator runs."""

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from kindred.core.models import AuditEntry, Membership, Organization, Site, User
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


def test_demo_is_idempotent_and_prints_logins(db, capsys):
    call_command("demo")
    first = capsys.readouterr().out
    with scopes_disabled():
        counts = (
            Organization.objects.count(),
            User.objects.count(),
            Membership.objects.count(),
            Site.objects.count(),
        )
    call_command("demo")
    with scopes_disabled():
        assert counts == (
            Organization.objects.count(),
            User.objects.count(),
            Membership.objects.count(),
            Site.objects.count(),
        )
    assert counts[0] == 2 and counts[3] == 4
    assert "admin@hjaelpesporet.example" in first and "kindred-demo" in first
    danish = Organization.objects.get(slug="hjaelpesporet")
    assert (danish.default_language, danish.currency) == ("da", "DKK")
    with scopes_disabled():
        kinds = set(Site.objects.filter(organization=danish).values_list("kind", "city"))
        roles = set(Membership.objects.filter(organization=danish).values_list("role", flat=True))
    assert kinds == {("intake_point", "Herning"), ("warehouse", "Herning")}
    assert roles == set(Role.values)
    swedish = Organization.objects.get(slug="hjarta-till-hjarta")
    assert (swedish.default_language, swedish.currency) == ("sv", "SEK")
    assert User.objects.get(email="admin@hjaelpesporet.example").language == "da"
    from kindred.people.models import ContactPerson, Household, HouseholdMember, Person

    with scopes_disabled():
        # The demo households, and the one registered by the public help form (aid demo).
        assert Household.objects.filter(organization=danish).count() == 3 + 1
        hansen = Household.objects.get(organization=danish, label="Familien Hansen")
        assert HouseholdMember.objects.filter(household=hansen, left_on=None).count() == 4
        camilla = Person.objects.get(organization=danish, given_name="Camilla")
        assert camilla.phone == "+4521436587"  # stored as E.164
        # Run twice above: nobody is registered twice, no membership doubled. Each demo
        # organisation has its household members, one record registered twice (for the
        # possible-duplicates page), its companies' contact persons and the applicant who
        # used the public help form.
        from kindred.core.demo import DEMO_DUPLICATES, DEMO_HOUSEHOLDS

        for org in (danish, swedish):
            members = sum(len(h[4]) for h in DEMO_HOUSEHOLDS[org.slug])
            contacts = ContactPerson.objects.filter(organization=org).count()
            assert contacts >= 2
            assert Person.objects.filter(organization=org).count() == (
                members + len(DEMO_DUPLICATES[org.slug]) + contacts + 1
            )
            assert HouseholdMember.objects.filter(organization=org).count() == members + 1


def test_demo_refuses_to_run_in_production_mode(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo")
    assert not Organization.objects.exists()
