"""`kindred stock …`: checks of the stock ledger.

kindred stock verify [--org SLUG]
    recompute every balance (quantity and reserved) from the movements and print each
    stock key whose balance row differs, then a summary. Exits 0 when there is no
    difference and 1 when there is one (ADR 0011: balances are a cache of the movements).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from kindred.core.models import Organization
from kindred.goods.models import ItemType, Location
from kindred.goods.queries import Difference, verify_balances


class Command(BaseCommand):
    help = "Checks of the stock ledger: verify."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="operation", required=True)
        verify = sub.add_parser(
            "verify",
            help="Recompute every balance from the movements and report any difference "
            "(exit status 1 when there is one).",
        )
        verify.add_argument(
            "--org", metavar="SLUG", default="", help="Only this organisation (its slug)."
        )

    def handle(self, *args, operation: str, **options):
        if operation == "verify":
            self.verify(options["org"])

    def verify(self, slug: str) -> None:
        started = time.perf_counter()
        with scopes_disabled():
            orgs = Organization.objects.order_by("slug")
            if slug:
                orgs = orgs.filter(slug=slug)
                if not orgs.exists():
                    raise CommandError(
                        _("There is no organisation with the slug %(slug)s.") % {"slug": slug}
                    )
            orgs = list(orgs)
        total = 0
        for org in orgs:
            with scope(organization=org):
                differences = verify_balances(org)
                for line in describe(org, differences):
                    self.stdout.write(line)
            total += len(differences)
        seconds = time.perf_counter() - started
        if total:
            raise CommandError(
                _(
                    "%(count)s stock balances differ from their movements "
                    "(%(orgs)s organisations checked)."
                )
                % {"count": total, "orgs": len(orgs)},
                returncode=1,
            )
        self.stdout.write(
            _(
                "Every stock balance equals the sum of its movements "
                "(%(orgs)s organisations checked in %(seconds).1f s)."
            )
            % {"orgs": len(orgs), "seconds": seconds}
        )


def describe(org: Organization, differences: list[Difference]) -> list[str]:
    """One readable line per difference (call inside the organisation's scope)."""
    if not differences:
        return []
    locations = Location.objects.filter(
        organization=org, pk__in={d.location_id for d in differences}
    ).select_related("site")
    locations_by_id = {location.pk: str(location) for location in locations}
    types = ItemType.objects.filter(organization=org, pk__in={d.item_type_id for d in differences})
    types_by_id = {item_type.pk: item_type.label for item_type in types}
    lines = []
    for d in differences:
        lines.append(
            _(
                "%(org)s · %(location)s · %(item)s · size %(size)s · %(grade)s: "
                "balance %(balance)s, movements %(movements)s; "
                "reserved %(balance_reserved)s, movements %(movements_reserved)s"
            )
            % {
                "org": org.slug,
                "location": locations_by_id.get(d.location_id, f"L{d.location_id}"),
                "item": types_by_id.get(d.item_type_id, f"#{d.item_type_id}"),
                "size": d.size or "-",
                "grade": d.grade,
                "balance": _number(d.balance_quantity),
                "movements": _number(d.movements_quantity),
                "balance_reserved": _number(d.balance_reserved),
                "movements_reserved": _number(d.movements_reserved),
            }
        )
    return lines


def _number(value) -> str:
    return f"{value.normalize():f}"
