"""Goods for the demo organisations (`kindred demo`): locations at both sites, eight weeks of
donations, sortings, transfers, counts, disposal lots, handouts, low-stock levels and a
public needs list. Everything is recorded through the services, so the ledger, the
receipts and the audit log agree; the demo's history is then dated back over the last
eight weeks (only here: the demo has no real history to keep), so pages such as "stock at a
date" have something to show. Safe to run again: an organisation that already has
donation receipts keeps its goods as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from kindred.core.demo import member
from kindred.core.models import Organization, Site, User
from kindred.people.models import Contact, Person

from . import services
from .models import (
    DisposalLot,
    DonationReceipt,
    ItemType,
    Location,
    Movement,
    Sorting,
    StockCount,
    Stream,
    Transfer,
)


@dataclass(frozen=True)
class Places:
    """Location names per demo organisation: (site name, location name, kind, parent)."""

    intake_site: str
    store_site: str
    locations: list[tuple[str, str, str, str]]
    intake: str  # where drop-offs go
    sacks: str  # unsorted sacks
    clothes: str  # sorted clothes
    shoes: str
    furniture: str
    kitchen: str
    export: str
    shop: str | None = None


PLACES = {
    "hjaelpesporet": Places(
        intake_site="Indlevering Herning",
        store_site="Lageret Herning",
        locations=[
            ("Indlevering Herning", "Modtagelsen", "room", ""),
            ("Indlevering Herning", "Sækkeområdet", "area", ""),
            ("Lageret Herning", "Tøjrummet", "room", ""),
            ("Lageret Herning", "Hylde A1", "shelf", "Tøjrummet"),
            ("Lageret Herning", "Hylde A2", "shelf", "Tøjrummet"),
            ("Lageret Herning", "Kasse sko", "bin", "Hylde A2"),
            ("Lageret Herning", "Møbellageret", "room", ""),
            ("Lageret Herning", "Køkkenhylden", "shelf", "Møbellageret"),
            ("Lageret Herning", "Eksportpladsen", "area", ""),
        ],
        intake="Modtagelsen",
        sacks="Sækkeområdet",
        clothes="Hylde A1",
        shoes="Kasse sko",
        furniture="Møbellageret",
        kitchen="Køkkenhylden",
        export="Eksportpladsen",
    ),
    "hjarta-till-hjarta": Places(
        intake_site="Lagret Linköping",
        store_site="Lagret Linköping",
        locations=[
            ("Lagret Linköping", "Inlämningen", "room", ""),
            ("Lagret Linköping", "Säckar", "area", "Inlämningen"),
            ("Lagret Linköping", "Klädrummet", "room", ""),
            ("Lagret Linköping", "Hylla 1", "shelf", "Klädrummet"),
            ("Lagret Linköping", "Skolådan", "bin", "Hylla 1"),
            ("Lagret Linköping", "Möbelhallen", "room", ""),
            ("Lagret Linköping", "Köksgången", "shelf", "Möbelhallen"),
            ("Lagret Linköping", "Exportlagret", "area", ""),
            ("Second hand-butiken Linköping", "Butikslagret", "room", ""),
        ],
        intake="Inlämningen",
        sacks="Säckar",
        clothes="Hylla 1",
        shoes="Skolådan",
        furniture="Möbelhallen",
        kitchen="Köksgången",
        export="Exportlagret",
        shop="Butikslagret",
    ),
}

# (days ago, channel, donor: "" anonymous | "contact:<name>" | "person:<given family>" |
#  "name:<text>", lines: (where, item code, size, grade, quantity))
Line = tuple[str, str, str, str, str]
RECEIPTS: dict[str, list[tuple[int, str, str, list[Line]]]] = {
    "hjaelpesporet": [
        (54, "drop_off", "", [("sacks", "unsorted-textiles", "", "unsorted", "38.5")]),
        (
            52,
            "company",
            "contact:SuperBrugsen Gullestrup",
            [
                ("clothes", "child-winter-jacket", "110", "new", "6"),
                ("clothes", "child-winter-jacket", "116", "new", "4"),
                ("clothes", "child-hat-gloves", "", "new", "12"),
            ],
        ),
        (
            47,
            "drop_off",
            "person:Birthe Madsen",
            [
                ("kitchen", "plates", "", "good", "2"),
                ("kitchen", "pots-pans", "", "good", "1"),
                ("clothes", "duvet", "", "good", "2"),
            ],
        ),
        (44, "pickup", "name:Familien Poulsen", [("furniture", "sofa", "", "good", "1")]),
        (40, "container", "", [("sacks", "unsorted-textiles", "", "unsorted", "64")]),
        (
            33,
            "drop_off",
            "",
            [
                ("clothes", "child-trousers", "104", "good", "8"),
                ("clothes", "child-sweater", "122", "good", "5"),
                ("shoes", "winter-boots", "31", "good", "2"),
                ("shoes", "winter-boots", "34", "used", "1"),
            ],
        ),
        (
            26,
            "company",
            "contact:Bageriet Fredhøj ApS",
            [("kitchen", "glasses-cups", "", "new", "4"), ("kitchen", "cutlery", "", "new", "4")],
        ),
        (19, "pickup", "name:Ole Jakobsen", [("furniture", "bed", "", "good", "1")]),
        (
            12,
            "drop_off",
            "",
            [
                ("clothes", "jeans", "M", "good", "6"),
                ("clothes", "winter-coat", "L", "good", "3"),
                ("clothes", "child-winter-jacket", "128", "used", "2"),
            ],
        ),
        (5, "container", "", [("sacks", "unsorted-textiles", "", "unsorted", "41.2")]),
        (
            2,
            "drop_off",
            "",
            [("clothes", "toy", "", "good", "15"), ("clothes", "childrens-book", "", "good", "20")],
        ),
    ],
    "hjarta-till-hjarta": [
        (55, "container", "", [("sacks", "unsorted-textiles", "", "unsorted", "120")]),
        (
            50,
            "company",
            "contact:ICA Nära Ryd",
            [
                ("kitchen", "hygiene-kit", "", "new", "40"),
                ("kitchen", "sanitary-pads", "", "new", "60"),
            ],
        ),
        (
            43,
            "drop_off",
            "",
            [
                ("clothes", "child-snowsuit", "92", "good", "3"),
                ("clothes", "child-snowsuit", "98", "good", "2"),
                ("shoes", "rubber-boots", "26", "good", "4"),
            ],
        ),
        (36, "pickup", "name:Familjen Ek", [("furniture", "wardrobe", "", "good", "1")]),
        (29, "container", "", [("sacks", "unsorted-textiles", "", "unsorted", "95.5")]),
        (
            22,
            "company",
            "contact:Linköpings Hembageri AB",
            [("kitchen", "kettle", "", "new", "3"), ("kitchen", "plates", "", "good", "5")],
        ),
        (
            15,
            "drop_off",
            "person:Jessica Lind",
            [
                ("clothes", "child-winter-jacket", "134", "good", "1"),
                ("clothes", "child-trousers", "128", "good", "3"),
            ],
        ),
        (8, "pickup", "name:Göran Svensson", [("furniture", "desk", "", "good", "1")]),
        (3, "container", "", [("sacks", "unsorted-textiles", "", "unsorted", "77")]),
    ],
}

# (days ago, item code, size, grade, quantity, where)
HANDOUTS = {
    "hjaelpesporet": [
        (20, "child-winter-jacket", "110", "new", 2, "clothes"),
        (9, "duvet", "", "good", 1, "clothes"),
    ],
    "hjarta-till-hjarta": [
        (18, "hygiene-kit", "", "new", 12, "kitchen"),
        (11, "child-snowsuit", "92", "good", 1, "clothes"),
    ],
}

THRESHOLDS = [
    ("child-winter-jacket", ["110", "116", "122", "128"], 4),
    ("winter-boots", ["30", "31", "32", "33", "34", "35"], 2),
    ("duvet", [""], 5),
    ("pram", [""], 1),
    ("bed", [""], 2),
]


def build(org: Organization) -> None:
    """Called by `kindred demo` once per demo organisation, in its scope and language."""
    places = PLACES.get(org.slug)
    if places is None:
        return
    services.ensure_default_catalogue(org)
    where = _locations(org, places)
    if DonationReceipt.objects.filter(organization=org).exists():
        return
    _history(org, org.slug, places, where)


def _user(org: Organization, role: str) -> User:
    return member(org, role)


def _locations(org: Organization, places: Places) -> dict[str, Location]:
    admin = _user(org, "admin")
    found: dict[str, Location] = {}
    for site_name, name, kind, parent in places.locations:
        site = Site.objects.get(organization=org, name=site_name)
        location = Location.objects.filter(organization=org, site=site, name=name).first()
        if location is None:
            location = services.create_location(
                org=org,
                site=site,
                values={"name": name, "kind": kind, "parent": found.get(parent)},
                actor=admin,
            )
        found[name] = location
    return found


def _types(org: Organization) -> dict[str, ItemType]:
    return {t.code: t for t in ItemType.objects.filter(organization=org).exclude(code="")}


def _history(org: Organization, slug: str, places: Places, where: dict[str, Location]) -> None:
    zone = ZoneInfo(org.time_zone)
    today = timezone.localdate(timezone=zone)
    volunteer = _user(org, "volunteer")
    coordinator = _user(org, "coordinator")
    types = _types(org)
    spot = {
        role: where[getattr(places, role)]
        for role in ("intake", "sacks", "clothes", "shoes", "furniture", "kitchen", "export")
    }
    dated: list[tuple[str, int, int]] = []  # (document type, id, days ago)

    for days, channel, donor, lines in RECEIPTS[slug]:
        kind, _, who = donor.partition(":")
        donor_values: dict = {}
        if kind == "contact":
            donor_values = {
                "donor_kind": DonationReceipt.DonorKind.CONTACT,
                "donor_contact": Contact.objects.get(organization=org, name=who),
            }
        elif kind == "person":
            given, family = who.split(" ", 1)
            donor_values = {
                "donor_kind": DonationReceipt.DonorKind.PERSON,
                "donor_person": Person.objects.filter(
                    organization=org, given_name=given, family_name=family
                ).first(),
            }
        elif kind == "name":
            donor_values = {"donor_kind": DonationReceipt.DonorKind.NAMED, "donor_name": who}
        first = spot[lines[0][0]]
        receipt = services.record_receipt(
            org=org,
            site=first.site,
            lines=[
                services.ReceiptLineIn(
                    item_type=types[code],
                    size=size,
                    grade=grade,
                    quantity=Decimal(quantity),
                    location=spot[role],
                    description="",
                )
                for role, code, size, grade, quantity in lines
            ],
            actor=volunteer,
            channel=channel,
            received_on=today - timedelta(days=days),
            **donor_values,
        )
        dated.append(("receipt", receipt.pk, days))

    # Two sortings of sacks: counted clothes kept, the rest to export and recycling.
    keep = spot["clothes"] if places.intake_site == places.store_site else spot["sacks"]
    for days, kilograms, kept in ((38, "30", 22), (4, "25", 14)):
        lines = [
            services.SortingLineIn(
                stream=Stream.KEEP,
                item_type=types["child-tshirt"],
                size="110",
                grade="good",
                quantity=Decimal(kept),
                location=keep,
            ),
            services.SortingLineIn(
                stream=Stream.EXPORT,
                item_type=types["export-textiles"],
                weight_kg=Decimal(kilograms) * Decimal("0.5"),
                location=spot["export"] if keep.site == spot["export"].site else keep,
            ),
            services.SortingLineIn(
                stream=Stream.RECYCLE,
                item_type=types["recycling-textiles"],
                weight_kg=Decimal(kilograms) * Decimal("0.25"),
                location=spot["export"] if keep.site == spot["export"].site else keep,
            ),
            services.SortingLineIn(stream=Stream.DISCARD, weight_kg=Decimal("1.5")),
        ]
        if places.shop:
            lines.append(
                services.SortingLineIn(
                    stream=Stream.SHOP,
                    item_type=types["sweater"],
                    size="M",
                    grade="good",
                    quantity=Decimal(4),
                    location=where[places.shop],
                )
            )
        sorting = services.record_sorting(
            org=org,
            source_location=spot["sacks"],
            source_item_type=types["unsorted-textiles"],
            weight_kg=Decimal(kilograms),
            lines=lines,
            actor=volunteer,
        )
        dated.append(("sorting", sorting.pk, days))

    # Sorted T-shirts move to the store (between sites in Herning: one received, one on
    # its way).
    if keep != spot["clothes"]:
        for days, received in ((30, True), (1, False)):
            transfer = services.send_transfer(
                org=org,
                from_location=keep,
                to_location=spot["clothes"],
                lines=[services.TransferLineIn(types["child-tshirt"], "110", "good", Decimal(6))],
                actor=volunteer,
            )
            if received:
                services.receive_transfer(org=org, transfer=transfer, actor=coordinator)
            dated.append(("transfer", transfer.pk, days))
    elif places.shop:
        for days, received in ((27, True), (1, False)):
            transfer = services.send_transfer(
                org=org,
                from_location=spot["clothes"],
                to_location=where[places.shop],
                lines=[services.TransferLineIn(types["child-tshirt"], "110", "good", Decimal(4))],
                actor=volunteer,
            )
            if received:
                services.receive_transfer(org=org, transfer=transfer, actor=coordinator)
            dated.append(("transfer", transfer.pk, days))

    # Handouts (the help-request issue will record these from reservations).
    for days, code, size, grade, quantity, role in HANDOUTS[slug]:
        movement = services.hand_out(
            org=org,
            location=spot[role],
            item_type=types[code],
            size=size,
            grade=grade,
            quantity=Decimal(quantity),
            actor=volunteer,
        )
        dated.append(("movement", movement.pk, days))

    # A count of the kitchen shelf, approved with one plate set missing; a second one open.
    count = services.start_count(org=org, location=spot["kitchen"], actor=volunteer)
    counted = {line.pk: line.expected for line in count.lines.all()}
    plates = next((line for line in count.lines.all() if line.item_type.code == "plates"), None)
    if plates is not None and plates.expected > 0:
        counted[plates.pk] = plates.expected - 1
    services.record_counts(org=org, count=count, counted=counted, actor=volunteer)
    services.approve_count(org=org, count=count, actor=coordinator)
    dated.append(("count", count.pk, 10))
    services.start_count(org=org, location=spot["shoes"], actor=volunteer)

    # An export lot of the sorted textiles to a named receiver.
    exported = Decimal(10)
    lot = services.record_disposal(
        org=org,
        kind=DisposalLot.Kind.EXPORT,
        site=spot["export"].site if keep.site == spot["export"].site else keep.site,
        lines=[
            services.DisposalLineIn(
                item_type=types["export-textiles"],
                size="",
                grade="used",
                location=spot["export"] if keep.site == spot["export"].site else keep,
                quantity=exported,
                weight_kg=exported,
            )
        ],
        actor=coordinator,
        receiver_name="Humana Nordic" if slug == "hjaelpesporet" else "Human Bridge",
        reason="",
        shipped_on=today - timedelta(days=7),
    )
    dated.append(("disposal", lot.pk, 7))

    for code, sizes, minimum in THRESHOLDS:
        for size in sizes:
            services.set_threshold(
                org=org,
                item_type=types[code],
                size=size,
                site=None,
                minimum=Decimal(minimum),
                public=True,
                actor=coordinator,
            )
    services.update_needs_settings(
        org=org,
        public_needs=True,
        public_intro=(
            "Vi tager imod tøj, sko, møbler og køkkenting på vores indleveringsdage."
            if slug == "hjaelpesporet"
            else "Vi tar emot kläder, skor, möbler och husgeråd i lagret på Roxtorpsgatan."
        ),
        thank_you_text=(
            "Tak for din gave! Den gør en forskel for familier i Herning."
            if slug == "hjaelpesporet"
            else "Tack för din gåva! Den gör skillnad för familjer i Linköping."
        ),
        actor=coordinator,
    )
    _date_back(org, dated, zone)


def _date_back(org: Organization, dated: list[tuple[str, int, int]], zone: ZoneInfo) -> None:
    """Spread the demo's documents and their movements over the past weeks (demo only)."""
    models = {
        "receipt": DonationReceipt,
        "sorting": Sorting,
        "transfer": Transfer,
        "count": StockCount,
        "disposal": DisposalLot,
    }
    today = timezone.localdate(timezone=zone)
    for document_type, document_id, days in dated:
        moment = datetime.combine(today - timedelta(days=days), time(11, 0), tzinfo=zone)
        if document_type == "movement":
            Movement.objects.filter(organization=org, pk=document_id).backdate(moment)
            continue
        Movement.objects.filter(
            organization=org, document_type=document_type, document_id=document_id
        ).backdate(moment)
        model = models.get(document_type)
        if model is not None:
            model.objects.filter(organization=org, pk=document_id).update(created_at=moment)
