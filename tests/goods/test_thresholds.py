"""Low-stock levels: the service (upsert, validation, audit), the low-stock query and
pages, and the needs-list settings."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from kindred.core.models import AuditEntry
from kindred.core.services import DomainError
from kindred.goods import services
from kindred.goods.models import GoodsSettings, Threshold
from kindred.goods.queries import stock as q
from tests.conftest import item_type, make_location, make_site, snapshot, stock

pytestmark = pytest.mark.django_db


def level(org, actor, code, size="", *, site=None, minimum=10, public=True):
    with scope(organization=org):
        return services.set_threshold(
            org=org,
            item_type=item_type(org, code),
            size=size,
            site=site,
            minimum=minimum,
            public=public,
            actor=actor,
        )


def test_setting_a_level_twice_changes_the_one_level_and_audits_both(org, admin):
    first = level(org, admin, "child-winter-jacket", "110", minimum=5)
    second = level(org, admin, "child-winter-jacket", "110", minimum=8, public=False)
    assert first.pk == second.pk
    with scope(organization=org):
        saved = Threshold.objects.get(pk=first.pk)
        assert (saved.minimum, saved.public) == (Decimal(8), False)
    with scopes_disabled():
        entries = AuditEntry.objects.filter(organization=org, action="threshold.changed")
        assert entries.count() == 2
        assert entries.order_by("pk").last().changes["minimum"] == ["5.000", "8"]


def test_sizes_are_normalised_and_blank_means_all_sizes(org, admin):
    assert level(org, admin, "sweater", "xxl").size == "XXL"
    assert level(org, admin, "sweater", "2xl").pk == level(org, admin, "sweater", "XXL").pk
    assert level(org, admin, "sweater", "").size == ""


def test_per_site_and_org_wide_levels_are_separate(org, admin, site):
    wide = level(org, admin, "toy")
    local = level(org, admin, "toy", site=site)
    assert wide.pk != local.pk


@pytest.mark.parametrize(
    ("code", "size", "minimum", "field"),
    [
        ("sweater", "110", 5, "size"),  # a children's size on an adult type
        ("toy", "M", 5, "size"),  # a type without sizes
        ("toy", "", -1, "minimum"),
        ("toy", "", "lots", "minimum"),
        ("toy", "", "1.0001", "minimum"),
        ("toy", "", "1e20", "minimum"),
    ],
)
def test_bad_levels_are_refused_naming_the_field_and_change_nothing(
    org, admin, code, size, minimum, field
):
    toy = item_type(org, code)
    before = snapshot(org)
    with scope(organization=org), pytest.raises(DomainError) as error:
        services.set_threshold(
            org=org, item_type=toy, size=size, site=None, minimum=minimum, public=True, actor=admin
        )
    assert error.value.field == field
    assert snapshot(org) == before


def test_another_organisations_item_type_or_site_is_refused(org, other_org, admin):
    theirs = item_type(other_org, "toy")
    their_site = make_site(other_org, "Theirs")
    with scope(organization=org), pytest.raises(DomainError) as error:
        services.set_threshold(
            org=org, item_type=theirs, size="", site=None, minimum=1, public=True, actor=admin
        )
    assert error.value.field == "item_type"
    with scope(organization=org), pytest.raises(DomainError) as error:
        services.set_threshold(
            org=org,
            item_type=item_type(org, "toy"),
            size="",
            site=their_site,
            minimum=1,
            public=True,
            actor=admin,
        )
    assert error.value.field == "site"


def test_deleting_a_level_is_audited(org, admin):
    threshold = level(org, admin, "toy")
    with scope(organization=org):
        services.delete_threshold(org=org, threshold=threshold, actor=admin)
        assert not Threshold.objects.filter(organization=org).exists()
    with scopes_disabled():
        assert AuditEntry.objects.filter(organization=org, action="threshold.changed").count() == 2


def test_low_stock_compares_available_stock_per_size_site_and_organisation(org, admin, site):
    shelf = make_location(org, site)
    rack = make_location(org, make_site(org, "Butikken"), "Rack")
    stock(org, {shelf: {"child-winter-jacket-110": 3, "child-winter-jacket-116": 4, "toy": 9}})
    stock(org, {rack: {"toy": 2}})
    level(org, admin, "child-winter-jacket", "110", minimum=5)  # 3 < 5: low
    level(org, admin, "child-winter-jacket", "", minimum=7)  # 7 of all sizes: not low
    level(org, admin, "toy", site=site, minimum=10)  # 9 at the site: low
    level(org, admin, "toy", minimum=10)  # 11 in the organisation: not low
    jacket = item_type(org, "child-winter-jacket")
    with scope(organization=org):
        services.record(
            org=org,
            moves=[services.Move("reserve", jacket.pk, "116", "good", Decimal(1), shelf.pk)],
            actor=admin,
        )
        lows = q.low_stock(org)
        at_site = q.low_stock(org, site=site.pk)
    found = {
        (low.threshold.item_type.code, low.threshold.size, low.threshold.site_id) for low in lows
    }
    # The reserved jacket makes 6 available of all sizes: below 7 now.
    assert found == {
        ("child-winter-jacket", "110", None),
        ("child-winter-jacket", "", None),
        ("toy", "", site.pk),
    }
    missing = {low.threshold.size: low.missing for low in lows if low.threshold.item_type == jacket}
    assert missing == {"110": 2, "": 1}
    assert [low.threshold.site_id for low in at_site] == [site.pk]


def test_thresholds_page_adds_changes_and_removes_levels(org, coordinator, client_for):
    client = client_for(coordinator)
    url = reverse("goods:thresholds", args=[org.slug])
    toy = item_type(org, "toy")
    assert client.get(url).status_code == 200
    response = client.post(url, {"item_type": toy.pk, "size": "", "minimum": "12", "public": "on"})
    assert response.status_code == 302
    with scope(organization=org):
        threshold = Threshold.objects.get(organization=org)
    assert threshold.minimum == 12 and threshold.public
    body = client.get(f"{url}?edit={threshold.pk}").content.decode()
    assert 'value="12"' in body
    client.post(url, {"item_type": toy.pk, "size": "", "minimum": "3"})
    with scope(organization=org):
        threshold.refresh_from_db()
    assert threshold.minimum == 3 and not threshold.public
    delete = reverse("goods:threshold-delete", args=[org.slug, threshold.pk])
    assert client.post(delete).status_code == 302
    with scope(organization=org):
        assert not Threshold.objects.filter(organization=org).exists()


def test_thresholds_page_shows_errors_on_the_field(org, admin, client_for):
    client = client_for(admin)
    url = reverse("goods:thresholds", args=[org.slug])
    sweater = item_type(org, "sweater")
    before = snapshot(org)
    response = client.post(url, {"item_type": sweater.pk, "size": "110", "minimum": "4"})
    assert response.status_code == 400
    assert "110 is not a size of Sweater." in response.content.decode()
    response = client.post(url, {"item_type": sweater.pk, "minimum": "-4"})
    assert response.status_code == 400
    assert snapshot(org) == before


def test_volunteer_cannot_change_levels_and_nothing_changes(org, admin, volunteer, client_for):
    threshold = level(org, admin, "toy")
    before = snapshot(org)
    client = client_for(volunteer)
    url = reverse("goods:thresholds", args=[org.slug])
    assert (
        client.post(url, {"item_type": threshold.item_type_id, "minimum": "1"}).status_code == 403
    )
    delete = reverse("goods:threshold-delete", args=[org.slug, threshold.pk])
    assert client.post(delete).status_code == 403
    assert snapshot(org) == before


def test_another_organisations_level_cannot_be_deleted(org, other_org, admin, client_for):
    theirs = level(other_org, None, "toy")
    before = snapshot(other_org)
    delete = reverse("goods:threshold-delete", args=[org.slug, theirs.pk])
    assert client_for(admin).post(delete).status_code == 404
    assert snapshot(other_org) == before


def test_low_stock_page_lists_what_is_missing(org, admin, volunteer, client_for, site):
    shelf = make_location(org, site)
    stock(org, {shelf: {"child-winter-jacket-110": 1}})
    level(org, admin, "child-winter-jacket", "110", minimum=5)
    client = client_for(volunteer)
    url = reverse("goods:low-stock", args=[org.slug])
    body = client.get(url).content.decode()
    assert "1 item type below its level" in body
    body = client.get(f"{url}?q=sofa").content.decode()
    assert "Nothing matching these filters is below its low-stock level." in body
    assert client.get(f"{url}?site=abc&sort=missing&page=x").status_code == 200


def test_needs_settings_are_saved_and_audited(org, admin, client_for):
    client = client_for(admin)
    url = reverse("goods:needs-settings", args=[org.slug])
    body = client.get(url).content.decode()
    assert "/needs/home/" in body
    data = {"public_needs": "on", "public_intro": "Bring jackets", "thank_you_text": "Tak!"}
    assert client.post(url, data).status_code == 302
    with scope(organization=org):
        saved = GoodsSettings.objects.get(organization=org)
    assert (saved.public_needs, saved.public_intro, saved.thank_you_text) == (
        True,
        "Bring jackets",
        "Tak!",
    )
    client.post(url, data)  # no change: no second entry
    with scopes_disabled():
        entries = AuditEntry.objects.filter(organization=org, action="needs.settings_changed")
        assert entries.count() == 1


def test_needs_settings_refuse_too_long_text(org, admin, client_for):
    before = snapshot(org)
    response = client_for(admin).post(
        reverse("goods:needs-settings", args=[org.slug]), {"public_intro": "x" * 6000}
    )
    assert response.status_code == 400
    assert snapshot(org) == before
