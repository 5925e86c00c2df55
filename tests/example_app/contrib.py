from kindred.core.declarations import AppContrib, Area, Card, Nav
from kindred.core.models import Organization, Site
from kindred.core.roles import Action
from kindred.core.services import create_site

DEMO_SITE = "Community garden"


def garden_card(request):
    """The card's figure: the organisation's sites that are not archived (one query)."""
    return {"sites": Site.objects.filter(organization=request.org, archived=False).count()}


def build_demo(org: Organization) -> None:
    if not Site.objects.filter(organization=org, name=DEMO_SITE).exists():
        create_site(org=org, values={"name": DEMO_SITE, "kind": "office"}, actor=None)


CONTRIB = AppContrib(
    areas=[Area("example", "Gardening", order=50)],
    nav=[
        Nav("example", "example_app:garden", "Garden", Action.MANAGE_SITES, 10),
    ],
    home_cards=[
        Card("example.garden", "example_app/card.html", garden_card, Action.MANAGE_SITES, 1)
    ],
    demo=build_demo,
    audit_labels={"garden.watered": "Garden watered"},
)
