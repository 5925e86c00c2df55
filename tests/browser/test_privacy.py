"""The privacy pages in Chromium at phone width: nothing wider than the screen, no Content-
Security-Policy violation, the print button works without inline script, and erasing
through the confirmation dialog ends on the anonymised person page."""

from __future__ import annotations

import pytest
import time_machine
from django_scopes import scope
from playwright.sync_api import expect

from kindred.people import services as people
from kindred.privacy import services as privacy
from tests.browser.conftest import log_in
from tests.privacy.conftest import aware, build_subject

PHONE = {"width": 360, "height": 740}

pytestmark = pytest.mark.browser


def _no_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"
    assert page.evaluate("window.__cspViolations") == []


def test_privacy_pages_fit_a_phone_and_erasure_works(org, admin, new_page, browser_log):
    subject = build_subject(org, admin)
    with time_machine.travel(aware(2019, 1, 10, 12, 0), tick=False), scope(organization=org):
        old = people.create_person(
            org=org,
            values={"given_name": "Karoline-Margrethe", "family_name": "Vestergaard-Kristensen"},
            actor=admin,
        )
        privacy.place_legal_hold(
            org=org, person=old, reason="Skifteretten, sag 2025-114 " * 5, actor=admin
        )
    page = new_page(viewport=PHONE)
    log_in(page, admin.email)
    base = f"/o/{org.slug}"

    page.goto(f"{base}/people/persons/{subject.person.pk}/")
    expect(page.get_by_role("heading", name="Privacy")).to_be_visible()
    _no_overflow(page)

    page.goto(f"{base}/privacy/persons/{subject.person.pk}/export/")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    _no_overflow(page)

    page.goto(f"{base}/privacy/")
    expect(page.get_by_text("Vestergaard-Kristensen").first).to_be_visible()
    _no_overflow(page)

    page.goto(f"{base}/privacy/legal-holds/")
    _no_overflow(page)

    page.goto(f"{base}/privacy/persons/{subject.person.pk}/erase/")
    _no_overflow(page)
    page.fill("textarea[name='reason']", "Asked by e-mail on 3 May")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Erase this person").click()
    expect(page.get_by_text("Anonymised on")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anonymised person")
    _no_overflow(page)
    assert browser_log.errors == []
