"""The scan page in Chromium at phone width: a handheld scanner (keyboard input and Enter)
opens a location; the camera button appears only where the browser can read QR codes and,
with a (faked) camera and BarcodeDetector, opens the item it sees. The pages a label opens
fit a phone screen and break no Content-Security-Policy rule."""

from __future__ import annotations

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from kindred.goods.models import Grade, OneOffItem
from tests.browser.conftest import log_in
from tests.conftest import item_type, make_location, stock

PHONE = {"width": 360, "height": 740}

pytestmark = pytest.mark.browser

NO_DETECTOR = "delete window.BarcodeDetector;"
# A camera that films a blank canvas and a detector that "sees" the item's label at once.
FAKE_CAMERA = """
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
  detect() { return Promise.resolve([{ rawValue: window.__label, format: "qr_code" }]); }
};
navigator.mediaDevices.getUserMedia = function () {
  var canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 64;
  canvas.getContext("2d").fillRect(0, 0, 64, 64);
  return Promise.resolve(canvas.captureStream(5));
};
"""


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"
    assert page.evaluate("window.__cspViolations") == []


@pytest.fixture
def goods(org, site):
    room = make_location(org, site, "Room 1", kind="room")
    shelf = make_location(org, site, "Shelf A", kind="shelf", parent=room)
    bin_ = make_location(org, site, "Bin 3", kind="bin", parent=shelf)
    stock(org, {bin_: {"child-winter-jacket-110": 5, "toy": 3}})
    sofa = item_type(org, "sofa")
    with scope(organization=org):
        item = OneOffItem.objects.create(
            organization=org,
            item_type=sofa,
            grade=Grade.GOOD,
            description="Grey three-seater with a long description that has to wrap",
            location=bin_,
        )
    return bin_, item


def test_a_handheld_scanner_opens_the_location_on_a_phone(
    org, volunteer, goods, new_page, browser_log
):
    bin_, item = goods
    page = new_page(viewport=PHONE)
    page.add_init_script(NO_DETECTOR)
    log_in(page, volunteer.email)

    page.goto(f"/o/{org.slug}/goods/scan/")
    field = page.locator("input[name='code']")
    expect(field).to_be_focused()
    expect(page.get_by_role("button", name="Use the camera")).to_be_hidden()
    _fits(page)
    page.keyboard.type(bin_.code.lower())
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Bin 3")).to_be_visible()
    expect(page.get_by_role("heading", name="Stock here")).to_be_visible()
    expect(page.get_by_text("Children's winter jacket").first).to_be_visible()
    _fits(page)
    page.goto(f"/o/{org.slug}/goods/items/{item.pk}/")
    expect(page.get_by_role("heading", name="Sofa")).to_be_visible()
    _fits(page)
    page.goto(f"/o/{org.slug}/goods/labels/")
    page.get_by_label("Choose all on this page").check()
    expect(page.locator(f"input[name='location'][value='{bin_.pk}']")).to_be_checked()
    _fits(page)
    assert browser_log.errors == []


def test_the_camera_opens_the_item_it_sees(org, volunteer, goods, new_page, browser_log):
    _bin, item = goods
    page = new_page(viewport=PHONE)
    page.add_init_script(FAKE_CAMERA)
    log_in(page, volunteer.email)

    page.goto(f"/o/{org.slug}/goods/scan/")
    page.evaluate(f"window.__label = location.origin + '/o/{org.slug}/goods/items/{item.pk}/'")
    camera = page.get_by_role("button", name="Use the camera")
    expect(camera).to_be_visible()
    with page.expect_navigation():
        camera.click()

    expect(page.get_by_role("heading", name="Sofa")).to_be_visible()
    assert page.url.endswith(f"/goods/items/{item.pk}/")
    assert browser_log.errors == []
