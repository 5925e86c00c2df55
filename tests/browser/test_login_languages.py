"""Real Chromium, real pages: log in, switch languages, lock-out, small screens, the CSP.

Expected words come from the catalogues (gettext under translation.override), never from
literals, so these tests stay right while translations change.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scope
from playwright.sync_api import Page, expect

from kindred.core import services
from kindred.core.roles import Role
from tests.browser.conftest import choose_language, log_in, submit_login
from tests.conftest import PASSWORD, make_site, make_user

pytestmark = pytest.mark.browser

# The navigation as the administrator sees it, in order: area by area, as the apps declare
# it (their contrib.py), the areas' own names in between.
NAV = (
    "Home",
    "Persons",
    "Households",
    "Possible duplicates",
    "Contacts",
    "Import",
    "Stock",
    "Intake table",
    "Donation receipts",
    "Sortings",
    "Transfers",
    "Stock counts",
    "Disposal",
    "Catalogue",
    "Locations",
    "Print labels",
    "Help requests",
    "Allocation",
    "Distribution",
    "Reservations",
    "Handout station",
    "Eligibility rules",
    "Sites",
    "Members",
    "Audit log",
    "Privacy",
    "Settings",
    "Consent purposes",
    "Who may do what",
)
AREAS = ("People", "Goods", "Aid", "Administration")
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
WRONG_PASSWORD = "not-the-password"


def translated(lang: str, *msgids: str) -> tuple[str, ...]:
    with translation.override(lang):
        return tuple(gettext(msgid) for msgid in msgids)


def test_languages_are_the_six_kindred_promises():
    assert LANGUAGE_CODES == ["en", "sv", "da", "fi", "bg", "uk"]


def test_admin_logs_in_and_switches_through_all_six_languages(page: Page, org, admin):
    log_in(page, admin.email)
    expect(page).to_have_url(re.compile(rf"/o/{org.slug}/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # Start from Swedish so that every step, English included, is a real change.
    for lang in [*LANGUAGE_CODES[1:], "en"]:
        choose_language(page, lang)
        expected = translated(lang, *NAV)
        expect(page.locator("nav.sidenav a")).to_have_text(list(expected))
        expect(page.locator("nav.sidenav summary")).to_have_text(list(translated(lang, *AREAS)))
        expect(page.locator("details.lang-picker summary")).to_have_text(lang.upper())
        (title,) = translated(lang, "Dashboard")
        expect(page).to_have_title(re.compile(rf"^{re.escape(title)} · "))
        expect(page).to_have_url(re.compile(rf"/o/{org.slug}/$"))  # stayed on the dashboard
    admin.refresh_from_db()
    assert admin.language == "en"  # the choice is saved on the user

    # TRANSLATION GATE — the only assertion here that depends on the catalogues' content:
    # each non-English navigation must really be translated, not fall back to English.
    # It fails while sv/da/fi/bg/uk still have empty msgstr for the navigation words.
    english = translated("en", *NAV)
    untranslated = [lang for lang in LANGUAGE_CODES[1:] if translated(lang, *NAV) == english]
    assert not untranslated, f"navigation not translated for: {', '.join(untranslated)}"


def test_wrong_password_error_is_in_the_visitors_chosen_language(page: Page, admin):
    page.goto("/accounts/login/")
    choose_language(page, "sv")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies[settings.LANGUAGE_COOKIE_NAME] == "sv"

    submit_login(page, admin.email, WRONG_PASSWORD)

    (message,) = translated("sv", "The e-mail address or password is not correct.")
    expect(page.locator("main .error-summary li")).to_have_text(message)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("nav.sidenav")).to_have_count(0)  # not logged in


@pytest.mark.axes
def test_sixth_attempt_after_five_wrong_passwords_is_locked_out_even_with_right_password(
    page: Page, org, admin
):
    page.goto("/accounts/login/")
    choose_language(page, "fi")
    invalid, locked_title = translated(
        "fi", "The e-mail address or password is not correct.", "Too many attempts"
    )

    for _attempt in range(4):
        submit_login(page, admin.email, WRONG_PASSWORD)
        expect(page.locator("main .error-summary li")).to_have_text(invalid)
    submit_login(page, admin.email, WRONG_PASSWORD)  # the fifth: the limit is reached
    expect(page.locator("main h1")).to_have_text(locked_title)

    page.goto("/accounts/login/")
    submit_login(page, admin.email, PASSWORD)

    expect(page.locator("main h1")).to_have_text(locked_title)
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.locator("nav.sidenav")).to_have_count(0)
    page.goto(f"/o/{org.slug}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))  # still not logged in


def _horizontal_overflow(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("lang", ["en", "fi"])  # Finnish: long compound words
def test_dashboard_and_members_fit_a_360px_screen(new_page, org, admin, site, lang):
    long_email = "kristiina.vapaaehtoistyontekija-esimerkki@hyvantekevaisyysjarjesto.example"
    with scope(organization=org):
        services.add_member(org=org, user=make_user(long_email), role=Role.VOLUNTEER, actor=None)
    admin.language = lang
    admin.save(update_fields=["language"])
    page = new_page(viewport={"width": 360, "height": 740})
    log_in(page, admin.email)
    expect(page.locator("html")).to_have_attribute("lang", lang)

    assert _horizontal_overflow(page) <= 360, "dashboard scrolls sideways at 360 px"
    # On a phone the navigation is a drawer behind the Menu button, not the first screen.
    drawer = page.locator("nav.sidenav")
    expect(drawer).to_be_hidden()
    heading = page.locator("main h1").bounding_box()
    assert heading and heading["y"] + heading["height"] <= 740, "heading not in the first screen"
    menu_button = page.locator("[data-drawer-toggle]")
    menu_button.click()
    expect(drawer).to_be_visible()
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    closed = drawer.locator("details:not([open]) > summary")
    while closed.count():
        closed.first.click()  # open every area to see every link
    links = drawer.locator("a")
    expect(links).to_have_count(len(NAV))
    for i in range(len(NAV)):
        link = links.nth(i)
        link.scroll_into_view_if_needed()
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360, f"nav link {i} cut off"
    page.keyboard.press("Escape")  # closes the drawer, focus back on the Menu button
    expect(drawer).to_be_hidden()
    expect(menu_button).to_be_focused()
    menu_button.click()

    links.nth(NAV.index("Members")).click()
    expect(page).to_have_url(re.compile(rf"/o/{org.slug}/members/$"))
    expect(page.locator("#results")).to_contain_text(long_email)
    assert _horizontal_overflow(page) <= 360, "members list scrolls sideways at 360 px"


def test_keyboard_focus_is_visible(page: Page, admin):
    log_in(page, admin.email)
    # Tab (a real keyboard) into the main navigation, so :focus-visible applies.
    for _press in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('nav.sidenav')"):
            break
    else:
        pytest.fail("the main navigation cannot be reached with the Tab key")
    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; })()"
    )
    assert outline[0] != "none" and outline[1] != "0px", f"no visible focus: {outline}"


def test_csp_blocks_nothing_and_htmx_filters_sites_without_reload(
    page: Page, browser_log, org, admin, site
):
    make_site(org, "Butikken", city="Aarhus")
    log_in(page, admin.email)
    nav = page.locator("nav.sidenav")

    for label, path in [
        ("Sites", "sites/"),
        ("Members", "members/"),
        ("Audit log", "audit/"),
        ("Home", ""),
    ]:
        with page.expect_response(re.compile(rf"/o/{org.slug}/{path}$")) as answer:
            link = nav.get_by_role("link", name=gettext(label), exact=True)
            if not link.is_visible():  # in an area that is not open: open it first
                name = gettext(label)
                area = nav.locator("details").filter(has=page.locator(f'a:text-is("{name}")'))
                area.locator("summary").click()
            link.click()
        policy = answer.value.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.htmx") == "object", f"htmx missing on {path!r}"
        assert page.evaluate("window.__cspViolations") == [], f"CSP violation on {path!r}"

    # The site filter swaps the result table in place through htmx.
    page.goto(f"/o/{org.slug}/sites/")
    page.wait_for_load_state("load")
    results = page.locator("#results")
    expect(results).to_contain_text("Butikken")
    expect(results).to_contain_text("Lageret")
    page.evaluate("window.__sameDocument = true")
    with page.expect_request(
        lambda r: "q=Herning" in r.url and r.headers.get("hx-request") == "true"
    ):
        page.locator("#q").fill("Herning")
    expect(results).not_to_contain_text("Butikken")
    expect(results).to_contain_text("Lageret")
    assert page.evaluate("window.__sameDocument") is True, "the page was reloaded"
    expect(page).to_have_url(re.compile(r"[?&]q=Herning"))  # hx-push-url

    assert page.evaluate("window.__cspViolations") == []
    assert not browser_log.mentioning("Content Security Policy"), browser_log.console
    assert not browser_log.errors, browser_log.errors
