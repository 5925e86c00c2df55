"""Apps plug in through their declaration alone (core/declarations.py).

tests/example_app is a folder and a contrib.py, with no change to core: installed, its
area and pages appear in the navigation of the roles that may use them, its card on the
home page with a figure that equals an independent count, its demo builder runs for each
demo organisation, and its audit label is used. The system check refuses declarations that
name what does not exist."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import modify_settings, override_settings
from django.urls import clear_url_caches, reverse
from django_scopes import scopes_disabled

import kindred.core
from kindred.core import audit, declarations
from kindred.core.checks import declarations_are_valid
from kindred.core.declarations import Card, Nav, PersonRef
from kindred.core.models import Organization, Site
from kindred.core.roles import Action
from tests.conftest import make_site
from tests.example_app.contrib import DEMO_SITE


@pytest.fixture
def example_app():
    with (
        modify_settings(INSTALLED_APPS={"append": "tests.example_app"}),
        override_settings(ROOT_URLCONF="tests.example_app.urls"),
    ):
        clear_url_caches()
        yield apps.get_app_config("example_app")
    clear_url_caches()


def _dashboard(client, org):
    return client.get(reverse("core:dashboard", kwargs={"org_slug": org.slug})).content.decode()


def test_the_example_app_adds_its_area_page_and_card_for_roles_that_may_use_them(
    example_app, org, admin, volunteer, client_for
):
    make_site(org, "Lageret")
    make_site(org, "Butikken")
    with scopes_disabled():
        expected = Site.objects.filter(organization=org, archived=False).count()
    body = _dashboard(client_for(admin), org)
    garden = reverse("example_app:garden", kwargs={"org_slug": org.slug})
    assert f'<a href="{garden}">Garden</a>' in body  # an area of one page is one link
    assert f"Sites to water: <strong>{expected}</strong>" in body
    # The first card: ordered before core's own.
    assert body.index('id="garden-card"') < body.index('id="card-members-h"')
    assert client_for(admin).get(garden).status_code == 200

    body = _dashboard(client_for(volunteer), org)  # may not manage sites
    assert "Gardening" not in body and garden not in body and "garden-card" not in body
    assert client_for(volunteer).get(garden).status_code == 403


def test_the_current_page_is_marked_and_its_area_open(example_app, org, admin, client_for):
    garden = reverse("example_app:garden", kwargs={"org_slug": org.slug})
    menu = declarations.menu("admin", "example_app:garden")
    current = [(g.area.key, e.nav.url_name) for g in menu for e in g.entries if e.current]
    assert current == [("example", "example_app:garden")]
    assert [g.area.key for g in menu if g.current] == ["example"]
    roles = reverse("core:roles", kwargs={"org_slug": org.slug})
    body = client_for(admin).get(roles).content.decode()
    assert body.count('aria-current="page"') == 1
    assert f'<a href="{roles}" aria-current="page">' in body
    assert f'<a href="{garden}">Garden</a>' in body


def test_the_demo_runs_the_example_apps_builder_for_each_organisation(example_app, db, capsys):
    call_command("demo")
    with scopes_disabled():
        for org in Organization.objects.filter(slug__in=["hjaelpesporet", "hjarta-till-hjarta"]):
            assert Site.objects.filter(organization=org, name=DEMO_SITE).count() == 1
    call_command("demo")  # safe to repeat
    with scopes_disabled():
        assert Site.objects.filter(name=DEMO_SITE).count() == 2


def test_the_example_apps_audit_label_is_used(example_app):
    assert audit.action_label("garden.watered") == "Garden watered"


def test_the_check_accepts_the_installed_declarations(example_app):
    assert declarations_are_valid(None) == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"nav": [Nav("nowhere", "example_app:garden", "Garden", None)]}, "kindred.E103"),
        ({"nav": [Nav("example", "example_app:shed", "Shed", None)]}, "kindred.E105"),
        ({"nav": [Nav("example", "core:home", "Home", None)]}, "kindred.E105"),
        ({"nav": [Nav("example", "core:sites", "Sites", None)]}, "kindred.E104"),
        (
            {"home_cards": [Card("x", "example_app/missing.html", lambda r: {}, None)]},
            "kindred.E107",
        ),
        ({"audit_labels": {"site.created": "Site added"}}, "kindred.E108"),
        ({"extends": {"volunteers.shifts": [object()]}}, "kindred.E109"),
        ({"person_refs": [PersonRef("core.Site", "name")]}, "kindred.E110"),
        ({"person_refs": [PersonRef("people.Consent", "person")]}, "kindred.E110"),
    ],
)
def test_the_check_names_a_declaration_that_points_nowhere(example_app, change, code):
    example_app.contrib = replace(example_app.contrib, **change)
    codes = [error.id for error in declarations_are_valid(None)]
    assert code in codes, codes


def test_an_undeclared_reference_to_a_person_is_an_error():
    people = apps.get_app_config("people")
    original = people.contrib
    people.contrib = replace(original, person_refs=original.person_refs[1:])
    try:
        errors = declarations_are_valid(None)
    finally:
        people.contrib = original
    assert [e.id for e in errors] == ["kindred.E101"]
    assert "people.HouseholdMember.person" in errors[0].msg


def test_card_and_nav_permissions_come_from_the_role_table(example_app):
    cards = [c.key for c in declarations.home_cards("volunteer")]
    assert "example.garden" not in cards and "core.sites" in cards
    assert Action.MANAGE_SITES in {n.needs for n in example_app.contrib.nav}


def test_core_imports_no_app():
    """Core knows apps only through their declarations (import-linter will hold every layer)."""
    apps_above = ("kindred.people", "kindred.privacy", "kindred.goods", "kindred.aid")
    found = []
    for path in Path(kindred.core.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            found += [f"{path.name}: {n}" for n in names if n.startswith(apps_above)]
    assert found == []
