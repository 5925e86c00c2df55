"""Home: today's work, built from the apps' cards, per role.

On the demo (loaded once for this module) each card's figure equals a count the test makes
its own way, each card links to its filtered list, each role sees only the cards of what
it may do, and the page costs the same number of queries with 10 and with 1,000 requests."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from kindred.aid.models import HelpRequest, Reservation
from kindred.core.models import Membership, Organization, Site
from kindred.goods.models import DonationReceipt, StockBalance, Threshold
from kindred.people.demo import DEMO_DUPLICATES
from tests.shared import shared

SLUG = "hjaelpesporet"
CARD = re.compile(r'<h2 id="card-([a-z-]+)-h">.*?(?:<span class="count">(\d+)</span>)?</h2>', re.S)


@shared
def demo() -> bool:
    call_command("demo", stdout=io.StringIO())
    return True


def _member(role: str):
    with scopes_disabled():
        return (
            Membership.objects.filter(organization__slug=SLUG, role=role)
            .select_related("user")
            .order_by("pk")
            .first()
            .user
        )


def _home(client_for, role: str) -> str:
    response = client_for(_member(role)).get(reverse("core:dashboard", kwargs={"org_slug": SLUG}))
    assert response.status_code == 200
    return response.content.decode()


def _figures(body: str) -> dict[str, int | None]:
    return {key: int(n) if n else None for key, n in CARD.findall(body)}


def test_each_cards_figure_equals_an_independent_count(demo, client_for):
    figures = _figures(_home(client_for, "admin"))
    org = Organization.objects.get(slug=SLUG)
    now = timezone.now()
    with scopes_disabled():
        statuses = HelpRequest.objects.filter(organization=org).values_list("status", flat=True)
        waiting = sum(1 for status in statuses if status in ("submitted", "in_review"))
        expiring = sum(
            1
            for r in Reservation.objects.filter(organization=org)
            if r.status == "active" and r.expires_at <= now + timedelta(days=2)
        )
        received = sum(
            1
            for day in DonationReceipt.objects.filter(organization=org).values_list(
                "received_on", flat=True
            )
            if day == timezone.localdate()
        )
        balances = list(StockBalance.objects.filter(organization=org).select_related("location"))
        low = 0
        for level in Threshold.objects.filter(organization=org):
            available = sum(
                (
                    b.quantity - b.reserved
                    for b in balances
                    if b.item_type_id == level.item_type_id
                    and (not level.size or b.size == level.size)
                    and (level.site_id is None or b.location.site_id == level.site_id)
                ),
                Decimal(0),
            )
            low += available < level.minimum
        sites = Site.objects.filter(organization=org, archived=False).count()
        members = Membership.objects.filter(organization=org).count()
    assert figures["requests"] == waiting
    assert figures["expiring"] == expiring
    assert figures["intake"] == received
    assert figures["low"] == low > 0  # the demo has something below its level
    assert figures["duplicates"] == len(DEMO_DUPLICATES[SLUG])
    assert figures["sites"] == sites
    assert figures["members"] == members


def test_each_card_links_to_its_list(demo, client_for):
    body = _home(client_for, "admin")
    for name, query in [
        ("aid:requests", "?status=submitted"),
        ("aid:days", ""),
        ("goods:low-stock", ""),
        ("people:duplicates", ""),
        ("privacy:overview", ""),
        ("core:members", ""),
        ("core:audit", ""),
    ]:
        href = reverse(name, kwargs={"org_slug": SLUG}) + query
        assert f'href="{href}"' in body, name


def test_each_role_sees_the_cards_of_what_it_may_do(demo, client_for):
    seen = {
        role: set(_figures(_home(client_for, role)))
        for role in ("admin", "coordinator", "volunteer", "referrer", "fundraiser")
    }
    assert seen["admin"] >= {
        "requests",
        "days",
        "expiring",
        "intake",
        "low",
        "duplicates",
        "retention",
        "members",
        "sites",
        "audit",
    }
    assert "retention" not in seen["coordinator"] and "audit" not in seen["coordinator"]
    assert seen["volunteer"] == {"days", "expiring", "intake", "low", "sites"}
    assert seen["fundraiser"] == {"intake", "low", "sites"}
    assert seen["referrer"] == set()
    with translation.override("da"):  # the demo members read Danish
        assert gettext("Nothing needs you today.") in _home(client_for, "referrer")


def test_the_home_page_costs_the_same_queries_with_10_and_1000_requests(demo, client_for):
    org = Organization.objects.get(slug=SLUG)
    client = client_for(_member("admin"))
    url = reverse("core:dashboard", kwargs={"org_slug": SLUG})

    def add_requests(n: int) -> None:
        with scopes_disabled():
            model = HelpRequest.objects.filter(organization=org).order_by("pk").first()
            top = HelpRequest.objects.filter(organization=org).order_by("-number")[0].number
            copies = []
            for i in range(n):
                model.pk = None
                model.number = top + 1 + i
                model.status = HelpRequest.Status.SUBMITTED
                copies.append(
                    HelpRequest(
                        **{
                            f.attname: getattr(model, f.attname)
                            for f in HelpRequest._meta.concrete_fields
                        }
                    )
                )
            HelpRequest.objects.bulk_create(copies)

    def queries() -> int:
        client.get(url)  # warm: sessions, caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add_requests(10)
    with_ten = queries()
    waiting_ten = _figures(client.get(url).content.decode())["requests"]
    add_requests(990)
    assert queries() == with_ten
    assert _figures(client.get(url).content.decode())["requests"] == waiting_ten + 990


def test_the_icon_is_linked_and_favicon_ico_answers(client, admin, client_for, org):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"].endswith("kindred/favicon.svg")
    page = client_for(admin).get(f"/o/{org.slug}/").content.decode()
    assert 'rel="icon"' in page and "kindred/favicon.svg" in page
    assert finders.find("kindred/favicon.svg")
