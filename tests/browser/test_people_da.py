"""The registry in a Danish interface, in a real Chromium: a household with two children, a
duplicate warning for a near-identical person, the merge, and finding the result by a
misspelt name."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scope, scopes_disabled
from playwright.sync_api import Page, expect

from kindred.core.roles import Role
from kindred.people.models import HouseholdMember, Person
from tests.browser.conftest import log_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def da(msgid: str) -> str:
    with translation.override("da"):
        return gettext(msgid)


def register(page: Page, org, given: str, family: str, born: str, **extra) -> None:
    page.goto(f"/o/{org.slug}/people/persons/new/")
    page.locator("#id_given_name").fill(given)
    page.locator("#id_family_name").fill(family)
    page.locator("#id_birth_date").fill(born)
    for field, value in extra.items():
        locator = page.locator(f"#id_{field}")
        if locator.evaluate("e => e.tagName") == "SELECT":
            locator.select_option(label=value)
        else:
            locator.fill(value)


def save(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=da("Save"), exact=True).click()


def test_household_duplicate_warning_merge_and_misspelt_search(page: Page, org):
    coordinator = make_user("koordinator@home.test", language="da")
    from kindred.core import services as core_services

    with scope(organization=org):
        core_services.add_member(org=org, user=coordinator, role=Role.COORDINATOR, actor=None)
    log_in(page, coordinator.email)
    expect(page.locator("html")).to_have_attribute("lang", "da")

    # A household with a mother and two children.
    page.goto(f"/o/{org.slug}/people/households/new/")
    page.locator("#id_label").fill("Familien Jensen")
    page.locator("#id_city").fill("Herning")
    save(page)
    register(page, org, "Mette", "Jensen", "1988-04-02", phone="20 30 40 50")
    page.locator("#id_household").select_option(label="Familien Jensen")
    page.locator("#id_relation").select_option(label=da("Head of household"))
    save(page)
    for child, born in (("Emil", "2015-09-14"), ("Ida", "2019-01-30")):
        register(page, org, child, "Jensen", born)
        page.locator("#id_household").select_option(label="Familien Jensen")
        page.locator("#id_relation").select_option(label=da("Child"))
        save(page)
    with scopes_disabled():
        members = HouseholdMember.objects.filter(household__label="Familien Jensen")
        assert sorted(m.relation for m in members) == ["child", "child", "head"]
        household_id = members.first().household_id
    page.goto(f"/o/{org.slug}/people/households/{household_id}/")
    expect(page.locator("main")).to_contain_text("Emil Jensen")
    expect(page.locator("main")).to_contain_text("Ida Jensen")

    # A near-identical person: the warning comes before anything is saved.
    register(page, org, "Mete", "Jensen", "1988-04-02", phone="+45 2030 4050")
    page.get_by_role("button", name=da("Save"), exact=True).click()
    warning = page.locator("#duplicates")
    expect(warning).to_contain_text(da("This person may already be registered"))
    expect(warning).to_contain_text("Mette Jensen")
    with scopes_disabled():
        assert Person.objects.filter(organization=org).count() == 3

    # Merge what was typed into the existing record.
    with page.expect_navigation():
        warning.get_by_role("button", name=da("Merge into this person")).click()
    expect(page.locator("main h1")).to_have_text("Mette Jensen")
    expect(page.locator("main")).to_contain_text(
        da("The details were merged into the existing person.")
    )
    with scopes_disabled():
        assert Person.objects.filter(organization=org).count() == 3

    # Find her by a misspelt name.
    page.goto(f"/o/{org.slug}/people/persons/")
    page.locator("#q").fill("Mete Jensn")
    expect(page.locator("#results")).to_contain_text("Mette Jensen")
    expect(page.locator("#results")).to_contain_text(
        da("No name starts with these letters. These names sound alike:")
    )
    page.locator("#results a", has_text="Mette Jensen").click()
    expect(page).to_have_url(re.compile(r"/people/persons/\d+/$"))
