"""Dates keep their value in every language, in a real Chromium (issue 14, item 1).

A date input reads only ISO values (2026-12-10); Django would write the locale's format
(10.12.2026 in Danish), which the browser cannot read, so it showed an empty box: every
receipt needed its date typed again, and saving a distribution day's form blanked its
date. The intake table's date and a day's date are checked as a member of each language
sees and saves them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import Page, expect

from kindred.aid.models import DistributionDay
from kindred.core import services as core_services
from kindred.core.roles import Role
from tests.aid.test_distribution_helpers import make_day
from tests.browser.conftest import log_in
from tests.conftest import make_site, make_user

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "sv", "da", "fi", "bg", "uk"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_intake_date_and_a_days_date_keep_their_value(page: Page, org, language):
    coordinator = make_user(f"coordinator-{language}@home.test", language=language)
    with scope(organization=org):
        core_services.add_member(org=org, user=coordinator, role=Role.COORDINATOR, actor=None)
    site = make_site(org, "Lageret", city="Herning")
    on = timezone.localdate() + timedelta(days=3)
    day = make_day(org, site, on=on, start="10:00", end="12:00")

    log_in(page, coordinator.email)
    expect(page.locator("html")).to_have_attribute("lang", language)

    page.goto(f"/o/{org.slug}/goods/intake/")
    expect(page.locator("#id_received_on")).to_have_value(timezone.localdate().isoformat())

    page.goto(f"/o/{org.slug}/aid/days/{day.pk}/edit/")
    expect(page.locator("#id_date")).to_have_value(on.isoformat())
    expect(page.locator("#id_starts_at")).to_have_value("10:00")
    page.locator("#id_ends_at").fill("12:30")
    with page.expect_navigation():
        page.locator("main form button[type=submit].primary").click()
    with scopes_disabled():
        saved = DistributionDay.objects.get(pk=day.pk)
    assert saved.date == on and saved.ends_at.strftime("%H:%M") == "12:30"

    page.goto(f"/o/{org.slug}/aid/days/{day.pk}/edit/")
    expect(page.locator("#id_date")).to_have_value(on.isoformat())  # still there
