"""A family registered in one form, in a Danish interface on a phone (360 x 740), in a real
Chromium (issue 14 items 3 and 4): a mother and two children — the second child's row added
by the page's script, with its live duplicate check — and the family's consent; a wrong CPR
number brings the error summary, focused; then straight on to the help request, whose page
shows every eligibility rule met and approves it without leaving the page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scope
from playwright.sync_api import Page, expect

from kindred.aid.models import EligibilityRule, HelpRequest
from kindred.core import services as core_services
from kindred.core.roles import Role
from kindred.people import services as people
from kindred.people.models import Consent, HouseholdMember
from tests.browser.conftest import log_in
from tests.conftest import item_type, make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
WRONG_CPR = "321385-1234"  # no 32nd day: the number's birth date is not a date
MOTHERS_CPR = "020488-1236"


def da(msgid: str) -> str:
    with translation.override("da"):
        return gettext(msgid)


def fits_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def fill_member(page: Page, row: int, given: str, born: str, relation: str = "") -> None:
    page.get_by_label(da("Given name")).nth(row).fill(given)
    page.locator(f"#id_members-{row}-family_name").fill("Jensen")
    page.locator(f"#id_members-{row}-birth_date").fill(born)
    if relation:
        page.locator(f"#id_members-{row}-relation").select_option(relation)


def test_a_family_in_one_form_then_its_request_approved_on_its_page(new_page, org):
    coordinator = make_user("koordinator@home.test", language="da")
    with scope(organization=org):
        core_services.add_member(org=org, user=coordinator, role=Role.COORDINATOR, actor=None)
        help_records = {p.key: p for p in people.ensure_default_purposes(org)}["help-records"]
        EligibilityRule.objects.create(
            organization=org, kind="required_consent", name="", consent_purpose=help_records
        )
        # Another Ida Jensen, born the same day: the live check warns on her row.
        people.create_person(
            org=org,
            values={"given_name": "Ida", "family_name": "Jensen", "birth_date": date(2019, 1, 30)},
            actor=None,
        )
    jacket = item_type(org, "child-winter-jacket")

    page = new_page(viewport=PHONE)
    log_in(page, coordinator.email)
    page.goto(f"/o/{org.slug}/people/households/")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    with page.expect_navigation():
        page.get_by_role("link", name=da("Register a family")).click()
    expect(page.locator("h1")).to_have_text(da("Register a family"))

    # The mother and the first child have rows already; the second child's is added.
    fill_member(page, 0, "Mette", "1988-04-02")
    expect(page.locator("#id_members-0-relation")).to_have_value("head")
    page.locator("#id_members-0-phone").fill("20 30 40 50")
    page.locator("#id_members-0-national_id").fill(WRONG_CPR)
    fill_member(page, 1, "Emil", "2015-09-14")
    page.get_by_role("button", name=da("Add a child")).click()
    expect(page.locator("#id_members-2-given_name")).to_be_focused()
    expect(page.locator("#id_members-TOTAL_FORMS")).to_have_value("3")
    fill_member(page, 2, "Ida", "2019-01-30")
    expect(page.locator("#members-2-duplicates")).to_contain_text("Ida Jensen")
    page.get_by_label(da("Consent"), exact=True).check()
    fits_phone(page)

    # A wrong CPR number: the summary at the top takes focus, the rows are kept as typed.
    with page.expect_navigation():
        page.get_by_role("button", name=da("Register the family")).click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(da("The identity number does not contain a valid birth date."))
    expect(page.locator("#id_members-2-given_name")).to_have_value("Ida")
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_members-0-national_id")).to_be_focused()
    page.locator("#id_members-0-national_id").fill(MOTHERS_CPR)
    with page.expect_navigation():
        page.get_by_role("button", name=da("Register the family")).click()
    # Nothing saved yet: Ida may be registered already. She is another Ida.
    expect(page.locator("#members-2-duplicates")).to_contain_text("Ida Jensen")
    with page.expect_navigation():
        page.get_by_role("button", name=da("Continue: they are not registered yet")).click()

    # Straight on to the family's help request, the household chosen.
    expect(page).to_have_url(re.compile(r"/aid/requests/new/\?household=\d+$"))
    with scope(organization=org):
        members = HouseholdMember.objects.filter(person__family_name="Jensen", left_on=None)
        assert sorted((m.person.given_name, m.relation) for m in members) == [
            ("Emil", "child"),
            ("Ida", "child"),
            ("Mette", "head"),
        ]
        household = members.first().household
        assert (
            Consent.objects.filter(
                person__in=[m.person for m in members], basis="consent", purpose=help_records
            ).count()
            == 3
        )
    expect(page.locator("#id_household")).to_have_value(str(household.pk))
    page.locator("#id_lines-0-item_type").select_option(str(jacket.pk))
    page.locator("#id_lines-0-sizes").fill("128")
    page.locator("#id_lines-0-quantity").fill("1")
    with page.expect_navigation():
        page.get_by_role("button", name=da("Register the request")).click()
    with scope(organization=org):
        request = HelpRequest.objects.get(household=household)
    request_url = f"/o/{org.slug}/aid/requests/{request.pk}/"
    expect(page).to_have_url(re.compile(re.escape(request_url) + "$"))

    # Eligibility before approving: the consent rule is met. Approve here.
    checks = page.locator(".eligibility-checks li")
    expect(checks).to_have_count(1)
    expect(checks.first).to_contain_text("✓")
    expect(page.locator("#eligibility")).to_contain_text(
        da("Every rule is met: the request can be approved.")
    )
    fits_phone(page)
    with page.expect_navigation():
        page.get_by_role("button", name=da("Approve"), exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(request_url) + "$"))
    expect(page.locator("h1 .badge")).to_have_text(da("Approved"))
    with scope(organization=org):
        request.refresh_from_db()
    assert request.status == HelpRequest.Status.APPROVED
    assert page.evaluate("window.__cspViolations") == []
