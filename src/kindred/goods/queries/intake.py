"""Reads for intake: the receipts list, one receipt with its totals (the thank-you page,
PDF and e-mail), the catalogue as the intake table's type-ahead sees it, each site's
default location and the donor type-ahead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kindred.core.models import Membership, Organization, Site
from kindred.core.numbers import parse_id, quantity
from kindred.core.roles import Action, can
from kindred.people import queries as people_queries
from kindred.people.models import Contact, Person

from .. import measures
from ..models import (
    ZERO,
    DonationLine,
    DonationReceipt,
    GoodsSettings,
    ItemType,
    Location,
    Movement,
)
from ..sizes import sizes_for

RECEIPT_SORTS = {
    "newest": ("-number",),
    "oldest": ("number",),
    "date": ("-received_on", "-number"),
    "-date": ("received_on", "number"),
    "site": ("site__name", "-number"),
}


def receipts(
    org: Organization,
    *,
    search: str = "",
    site: int | None = None,
    channel: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    sort: str = "newest",
) -> QuerySet[DonationReceipt]:
    """Receipts matching `search` (the number, "R-12" or "12", or the donor's name: a
    free-text name, a registered person's or contact's), with `line_count`."""
    qs = DonationReceipt.objects.filter(organization=org).select_related(
        "site", "donor_person", "donor_contact"
    )
    text = search.strip()
    if text:
        number = text.upper().removeprefix("R-").removeprefix("R").strip()
        condition = (
            Q(donor_name__icontains=text)
            | Q(donor_contact__name__icontains=text)
            | Q(note__icontains=text)
        )
        words = text.split()
        if words:
            person = Q()
            for word in words:
                person &= Q(donor_person__given_name__icontains=word) | Q(
                    donor_person__family_name__icontains=word
                )
            condition |= person & Q(donor_person__anonymised_at__isnull=True)
        if number.isdigit() and len(number) < 10:
            condition |= Q(number=int(number))
        qs = qs.filter(condition)
    if site:
        qs = qs.filter(site_id=site)
    if channel:
        qs = qs.filter(channel=channel)
    if date_from:
        qs = qs.filter(received_on__gte=date_from)
    if date_to:
        qs = qs.filter(received_on__lte=date_to)
    qs = qs.annotate(line_count=Count("lines", filter=Q(lines__voided=False)))
    return qs.order_by(*RECEIPT_SORTS.get(sort, RECEIPT_SORTS["newest"]))


def donor_label(receipt: DonationReceipt) -> str:
    kinds = DonationReceipt.DonorKind
    if receipt.donor_kind == kinds.PERSON and receipt.donor_person is not None:
        return receipt.donor_person.full_name
    if receipt.donor_kind == kinds.CONTACT and receipt.donor_contact is not None:
        return receipt.donor_contact.name
    if receipt.donor_kind == kinds.NAMED and receipt.donor_name:
        return receipt.donor_name
    if receipt.donor_kind in (kinds.PERSON, kinds.CONTACT):
        return _("Registered donor (removed)")
    return _("Anonymous donor")


def line_weight(line) -> Decimal:
    """Kilograms of an intake line (measures.line_weight; 0 when nothing tells)."""
    return measures.line_weight(line.item_type, line.quantity, line.weight_kg) or Decimal("0")


@dataclass(frozen=True)
class SummaryLine:
    line: DonationLine
    label: str
    size: str
    quantity: Decimal
    unit: str
    weight_kg: Decimal
    value: Decimal | None
    grade: str
    location: str

    @property
    def quantity_text(self) -> str:
        return _fmt(self.quantity)


@dataclass(frozen=True)
class ReceiptSummary:
    receipt: DonationReceipt
    donor: str
    donor_address: str
    site_address: str
    lines: list[SummaryLine]
    total_kg: Decimal
    total_value: Decimal
    currency: str
    thank_you_text: str

    @property
    def amounts(self) -> str:
        """The quantities per unit, never added across units: "12 pieces, 2 pairs, 3,5 kg"."""
        per_unit: dict[str, Decimal] = {}
        for x in self.lines:
            unit = x.line.item_type.unit
            per_unit[unit] = per_unit.get(unit, ZERO) + x.quantity
        return measures.amounts(per_unit.items())


def _fmt(value: Decimal, places: int | None = None) -> str:
    if places is not None:
        return number_format(value, places, use_l10n=True, force_grouping=True)
    return quantity(value)


def receipt_summary(receipt: DonationReceipt) -> ReceiptSummary:
    """What the thank-you receipt shows: the lines in force with kilograms and fair value,
    and the totals (kilograms estimated from standard weights where not weighed)."""

    org = receipt.organization
    rows = (
        DonationLine.objects.filter(receipt=receipt, voided=False)
        .select_related("item_type", "location", "location__site")
        .order_by("position", "pk")
    )
    lines = []
    for row in rows:
        lines.append(
            SummaryLine(
                line=row,
                label=str(row.item_type.label),
                size=row.size,
                quantity=row.quantity,
                unit=str(row.item_type.get_unit_display()),
                weight_kg=line_weight(row).quantize(Decimal("0.001")),
                value=row.value,
                grade=str(row.get_grade_display()),
                location=str(row.location.label),
            )
        )
    settings_row = GoodsSettings.objects.filter(organization=org).first()
    donor_address = ""
    if receipt.donor_kind == DonationReceipt.DonorKind.CONTACT and receipt.donor_contact:
        c = receipt.donor_contact
        donor_address = ", ".join(p for p in [c.street, f"{c.postcode} {c.city}".strip()] if p)
    return ReceiptSummary(
        receipt=receipt,
        donor=donor_label(receipt),
        donor_address=donor_address,
        site_address=receipt.site.address,
        lines=lines,
        total_kg=sum((x.weight_kg for x in lines), ZERO),
        total_value=sum((x.value for x in lines if x.value is not None), ZERO).quantize(
            Decimal("0.01")
        ),
        currency=receipt.currency or org.currency,
        thank_you_text=settings_row.thank_you_text if settings_row else "",
    )


def receipt_lines(receipt: DonationReceipt) -> QuerySet[DonationLine]:
    """Every line, void ones too (struck through on the receipt page)."""
    return (
        DonationLine.objects.filter(receipt=receipt)
        .select_related("item_type", "location")
        .prefetch_related("items")
        .order_by("position", "pk")
    )


def receipt_movements(receipt: DonationReceipt) -> QuerySet[Movement]:
    return (
        Movement.objects.filter(
            organization_id=receipt.organization_id,
            document_type="receipt",
            document_id=receipt.pk,
        )
        .select_related("item_type", "to_location", "from_location", "actor")
        .order_by("pk")
    )


# The intake table --------------------------------------------------------------------------


def intake_catalogue(org: Organization) -> list[dict]:
    """The item types that can be received, as the page's type-ahead reads them: id, code,
    translated label and category, unit, sizes, one-off."""
    types = (
        ItemType.objects.filter(organization=org, hidden=False, category__hidden=False)
        .select_related("category")
        .order_by("category__position", "pk")
    )
    return [
        {
            "id": t.pk,
            "code": t.code,
            "label": str(t.label),
            "category": str(t.category.label),
            "unit": t.unit,
            "unit_label": str(t.get_unit_display()),
            "sizes": [s for s in sizes_for(t.size_system) if s],
            "one_off": t.one_off,
            "weight": str(t.standard_weight_kg),
        }
        for t in types
    ]


def intake_locations(org: Organization) -> QuerySet[Location]:
    """Where goods can be put at intake: every location in use, except in-transit ones."""
    return (
        Location.objects.filter(organization=org, archived=False, site__archived=False)
        .exclude(kind=Location.Kind.TRANSIT)
        .select_related("site")
        .order_by("site__name", "name", "pk")
    )


def default_location(site: Site) -> Location | None:
    """The site's default intake location: its first room or shelf (or any location)."""
    locations = Location.objects.filter(site=site, archived=False).exclude(
        kind=Location.Kind.TRANSIT
    )
    for kinds in ((Location.Kind.ROOM, Location.Kind.SHELF), None):
        qs = locations.filter(kind__in=kinds) if kinds else locations
        found = qs.order_by("pk").first()
        if found is not None:
            return found
    return None


def find_item_type(org: Organization, text: str) -> ItemType | None:
    """The visible item type named by `text`: an id, a code or an exact translated label."""
    text = (text or "").strip()
    if not text:
        return None
    qs = ItemType.objects.filter(organization=org, hidden=False)
    if text.isdigit() and len(text) < 19:
        found = qs.filter(pk=int(text)).first()
        if found is not None:
            return found
    found = qs.filter(code=text.lower()).first()
    if found is not None:
        return found
    wanted = text.casefold()
    matches = [t for t in qs if str(t.label).casefold() == wanted]
    return matches[0] if len(matches) == 1 else None


@dataclass(frozen=True)
class Donor:
    kind: str  # DonationReceipt.DonorKind: person or contact
    id: int
    name: str
    detail: str
    contact_kind: str = ""


def search_donors(
    org: Organization, membership: Membership, text: str, limit: int = 8
) -> list[Donor]:
    """Registered companies, organisations and persons whose name matches, for the intake
    table's donor type-ahead: names only (a volunteer picks a donor, nothing more)."""

    text = text.strip()
    if len(text) < 2:
        return []
    found: list[Donor] = []
    for contact in people_queries.contacts(org, search=text)[:limit]:
        found.append(
            Donor(
                DonationReceipt.DonorKind.CONTACT,
                contact.pk,
                contact.name,
                str(contact.get_kind_display()),
                contact.kind,
            )
        )
    if can(membership.role, Action.VIEW_PEOPLE):
        persons = people_queries.persons(org, membership=membership, search=text).filter(
            anonymised_at__isnull=True
        )
        for person in persons[:limit]:
            found.append(
                Donor(DonationReceipt.DonorKind.PERSON, person.pk, person.full_name, _("Person"))
            )
    return found


def donor_person(org: Organization, membership: Membership, person_id) -> Person | None:
    if not can(membership.role, Action.VIEW_PEOPLE):
        return None
    pk = parse_id(person_id)
    if pk is None:
        return None
    return (
        people_queries.visible_persons(org, membership)
        .filter(pk=pk, anonymised_at__isnull=True)
        .first()
    )


def donor_contact(org: Organization, contact_id) -> Contact | None:
    pk = parse_id(contact_id)
    if pk is None:
        return None
    return Contact.objects.filter(organization=org, pk=pk).first()


def format_quantity(value: Decimal) -> str:
    return _fmt(value)
