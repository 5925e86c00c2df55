"""The error summary in a real Chromium, in Danish on a phone (360 x 740): a wrong CPR
number brings the page back with the summary focused and in view (a screen reader reads
it), and its link moves focus to the CPR field (issue 14 item 2)."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django_scopes import scope
from playwright.sync_api import Page, expect

from kindred.core import services as core_services
from kindred.core.roles import Role
from kindred.people.values import identity_message
from tests.browser.conftest import log_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def test_a_wrong_cpr_number_focuses_the_summary_and_its_link_focuses_the_field(new_page, org):
    coordinator = make_user("koordinator@home.test", language="da")
    with scope(organization=org):
        core_services.add_member(org=org, user=coordinator, role=Role.COORDINATOR, actor=None)
    page: Page = new_page(viewport=PHONE)
    log_in(page, coordinator.email)
    expect(page.locator("html")).to_have_attribute("lang", "da")

    page.goto(f"/o/{org.slug}/people/persons/new/")
    page.locator("#id_given_name").fill("Mette")
    page.locator("#id_family_name").fill("Jensen")
    page.locator("#id_email").fill("mette@")
    page.locator("#id_national_id_country").select_option("DK")
    page.locator("#id_national_id").fill("511062-5629")  # day 51: no such birth date
    with translation.override("da"):
        save = gettext("Save")
        heading = ngettext("There is a problem", "There are %(counter)s problems", 2) % {
            "counter": 2
        }
        cpr_message = identity_message("date")
        cpr_label = gettext("Identity number")
    with page.expect_navigation():
        page.get_by_role("button", name=save, exact=True).click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary.locator("h2")).to_have_text(heading)
    assert page.evaluate("document.activeElement.getAttribute('role')") == "alert"
    link = summary.get_by_role("link", name=f"{cpr_label}: {cpr_message}")
    expect(link).to_have_attribute("href", "#id_national_id")
    # Nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    link.click()
    field = page.locator("#id_national_id")
    expect(field).to_be_focused()
    expect(field).to_be_in_viewport()
    expect(field).to_have_attribute("aria-invalid", "true")
    described = field.get_attribute("aria-describedby") or ""
    assert "id_national_id_error" in described.split()
    expect(page.locator("#id_national_id_error")).to_have_text(cpr_message)
    expect(page.locator("label[for='id_national_id']")).to_be_in_viewport()


def test_the_public_help_form_shows_every_problem_at_once_focused(new_page, org):
    from tests.aid.test_public_form import enable_public_form

    enable_public_form(org)
    page: Page = new_page(viewport=PHONE)
    page.goto(f"/help/{org.slug}/?lang=da")
    page.locator("#id_phone").fill("12")
    with translation.override("da"):
        send = gettext("Send my request")
        heading = ngettext("There is a problem", "There are %(counter)s problems", 4) % {
            "counter": 4
        }
    with page.expect_navigation():
        page.get_by_role("button", name=send).click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary.locator("h2")).to_have_text(heading)  # name, phone, consent, no need
    hrefs = summary.locator("a").evaluate_all("links => links.map(a => a.hash)")
    assert hrefs == ["#id_given_name", "#id_phone", "#id_consent"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    summary.locator("a[href='#id_consent']").click()
    expect(page.locator("#id_consent")).to_be_focused()
