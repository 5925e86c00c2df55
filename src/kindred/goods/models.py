"""Goods: the catalogue, storage locations, the stock ledger and the documents that move
stock (donation receipts, sortings, transfers, stock counts, disposal lots).

The ledger (ADR 0011): `Movement` rows are append-only; `StockBalance` holds the current
quantity per location, item type, size and grade and is written only by
`goods.services.ledger`, in the transaction that appends the movements, under row locks
taken in primary-key order. Database CHECKs keep every balance non-negative and the
reserved part within it, whatever code runs.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from kindred.core.models import Organization, Site

from .sizes import SizeSystem

QTY = {"max_digits": 14, "decimal_places": 3}
ZERO = Decimal("0")


def _org():
    return models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )


class Grade(models.TextChoices):
    NEW = "new", _("New")
    GOOD = "good", _("Good")
    USED = "used", _("Used")
    WORN = "worn", _("Worn")
    UNSORTED = "unsorted", _("Unsorted")


class Unit(models.TextChoices):
    PIECE = "piece", _("piece")
    PAIR = "pair", _("pair")
    SET = "set", _("set")
    KG = "kg", _("kg")


class Category(models.Model):
    """A node of the catalogue tree. Built-in categories have a `code` and take their
    translated name from goods.catalogue; `name` overrides it (or names a custom one)."""

    organization = _org()
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    code = models.SlugField(_("code"), max_length=60, blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    hidden = models.BooleanField(_("hidden"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                condition=~Q(code=""),
                name="category_code_unique_per_org",
            )
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        from .catalogue import builtin_name

        return self.name or builtin_name(self.code)


class ItemType(models.Model):
    class Fit(models.TextChoices):
        ANY = "", _("Anyone")
        FEMALE = "female", _("Women and girls")
        MALE = "male", _("Men and boys")

    class Age(models.TextChoices):
        ANY = "", _("Any age")
        BABY = "baby", _("Baby (0-2)")
        CHILD = "child", _("Child (2-12)")
        TEEN = "teen", _("Teenager")
        ADULT = "adult", _("Adult")

    organization = _org()
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="item_types", verbose_name=_("category")
    )
    code = models.SlugField(_("code"), max_length=60, blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    size_system = models.CharField(
        _("sizes"), max_length=20, choices=SizeSystem.choices, default=SizeSystem.NONE
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PIECE)
    fit = models.CharField(_("fit"), max_length=10, choices=Fit.choices, blank=True)
    age = models.CharField(_("age"), max_length=10, choices=Age.choices, blank=True)
    standard_weight_kg = models.DecimalField(
        _("standard weight (kg per unit)"), max_digits=8, decimal_places=3, default=ZERO
    )
    fair_value = models.DecimalField(
        _("fair-market value per unit"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    # Furniture and other single pieces: each is registered on its own, with a photo and
    # a label, instead of only counted.
    one_off = models.BooleanField(_("registered one by one"), default=False)
    hidden = models.BooleanField(_("hidden"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("item type")
        verbose_name_plural = _("item types")
        ordering = ["category__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                condition=~Q(code=""),
                name="item_type_code_unique_per_org",
            ),
            models.CheckConstraint(
                condition=Q(standard_weight_kg__gte=0), name="item_type_weight_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        from .catalogue import builtin_name

        return self.name or builtin_name(self.code)


class Location(models.Model):
    """Where stock lies: a room, shelf or bin at a site (a tree), or the in-transit
    location of a site, where goods sent from another site wait to be received."""

    class Kind(models.TextChoices):
        ROOM = "room", _("Room")
        SHELF = "shelf", _("Shelf")
        BIN = "bin", _("Bin")
        AREA = "area", _("Area")
        TRANSIT = "transit", _("In transit")

    organization = _org()
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="locations", verbose_name=_("site")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("inside"),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ROOM)
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["site__name", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["site"],
                condition=Q(kind="transit"),
                name="location_one_transit_per_site",
            )
        ]

    def __str__(self) -> str:
        return f"{self.site.name} · {self.label}"

    @property
    def label(self) -> str:
        return str(self.get_kind_display()) if self.kind == self.Kind.TRANSIT else self.name

    @property
    def code(self) -> str:
        return f"L{self.pk}"


class StockBalance(models.Model):
    """The current quantity of one stock key. Written only by goods.services.ledger."""

    organization = _org()
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="balances", verbose_name=_("location")
    )
    item_type = models.ForeignKey(
        ItemType, on_delete=models.PROTECT, related_name="balances", verbose_name=_("item type")
    )
    size = models.CharField(_("size"), max_length=10, blank=True)
    grade = models.CharField(_("condition"), max_length=10, choices=Grade.choices)
    quantity = models.DecimalField(_("quantity"), default=ZERO, **QTY)
    # Set aside for a household (help requests); still on the shelf, not available.
    reserved = models.DecimalField(_("reserved"), default=ZERO, **QTY)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            models.UniqueConstraint(
                fields=["location", "item_type", "size", "grade"], name="balance_key_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="balance_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("quantity")),
                name="balance_reserved_within_quantity",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "item_type", "size"], name="balance_by_type"),
        ]

    def __str__(self) -> str:
        return f"{self.item_type} {self.size} {self.grade}: {self.quantity}"

    @property
    def available(self) -> Decimal:
        return self.quantity - self.reserved


class Movement(models.Model):
    """One append-only line of the ledger: `quantity` of a stock key moved from a location
    (an outflow), to a location (an inflow) or between two. RESERVE and RELEASE change the
    reserved part at `from_location` and move nothing."""

    class Kind(models.TextChoices):
        INTAKE = "intake", _("Intake")
        SORT = "sort", _("Sorting")
        TRANSFER = "transfer", _("Transfer")
        RESERVE = "reserve", _("Reservation")
        RELEASE = "release", _("Release of a reservation")
        HANDOUT = "handout", _("Handout")
        TO_SHOP = "to_shop", _("To a shop")
        SALE = "sale", _("Sale")
        EXPORT = "export", _("Export")
        RECYCLE = "recycle", _("Recycling")
        DISCARD = "discard", _("Discard")
        COUNT = "count", _("Count adjustment")
        CORRECTION = "correction", _("Correction")

    organization = _org()
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    item_type = models.ForeignKey(
        ItemType, on_delete=models.PROTECT, related_name="movements", verbose_name=_("item type")
    )
    size = models.CharField(_("size"), max_length=10, blank=True)
    grade = models.CharField(_("condition"), max_length=10, choices=Grade.choices)
    quantity = models.DecimalField(_("quantity"), **QTY)
    from_location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from"),
    )
    to_location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to"),
    )
    # The document that caused it ("receipt", "sorting", "transfer", "count", "disposal",
    # "handout", …) and its id: a loose reference, so later apps add documents freely.
    document_type = models.CharField(_("document"), max_length=20, blank=True)
    document_id = models.BigIntegerField(null=True, blank=True)
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        verbose_name=_("reverses"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_quantity_positive"),
            models.CheckConstraint(
                condition=Q(from_location__isnull=False) | Q(to_location__isnull=False),
                name="movement_has_a_location",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "created_at"], name="movement_by_time"),
            models.Index(fields=["from_location", "created_at"], name="movement_from"),
            models.Index(fields=["to_location", "created_at"], name="movement_to"),
            models.Index(fields=["item_type", "created_at"], name="movement_by_type"),
            models.Index(fields=["document_type", "document_id"], name="movement_document"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_type} {self.quantity}"


class DocumentCounter(models.Model):
    """The last number given to each kind of document in an organisation (R-1, R-2, …)."""

    organization = _org()
    kind = models.CharField(max_length=20)
    value = models.PositiveIntegerField(default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class DonationReceipt(models.Model):
    class Channel(models.TextChoices):
        DROP_OFF = "drop_off", _("Intake-day drop-off")
        PICKUP = "pickup", _("Pickup at the donor")
        COMPANY = "company", _("Company donation")
        CONTAINER = "container", _("Collection container")

    class DonorKind(models.TextChoices):
        ANONYMOUS = "anonymous", _("Anonymous")
        PERSON = "person", _("Person")
        CONTACT = "contact", _("Company or organisation")
        NAMED = "named", _("Named (not registered)")

    organization = _org()
    number = models.PositiveIntegerField(_("number"))
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    received_on = models.DateField(_("received on"))
    channel = models.CharField(
        _("channel"), max_length=12, choices=Channel.choices, default=Channel.DROP_OFF
    )
    donor_kind = models.CharField(
        _("donor"), max_length=12, choices=DonorKind.choices, default=DonorKind.ANONYMOUS
    )
    donor_person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("donor (person)"),
    )
    donor_contact = models.ForeignKey(
        "people.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("donor (company or organisation)"),
    )
    donor_name = models.CharField(_("donor's name"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    # A double click or a resubmitted form carries the same key: one receipt, never two.
    idempotency_key = models.CharField(max_length=64, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    thank_you_sent_at = models.DateTimeField(_("thank-you sent"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("donation receipt")
        verbose_name_plural = _("donation receipts")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="receipt_number_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="receipt_idempotency_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["organization", "received_on"], name="receipt_by_date")]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"R-{self.number}"


class DonationLine(models.Model):
    organization = _org()
    receipt = models.ForeignKey(
        DonationReceipt, on_delete=models.CASCADE, related_name="lines", verbose_name=_("receipt")
    )
    item_type = models.ForeignKey(
        ItemType, on_delete=models.PROTECT, related_name="+", verbose_name=_("item type")
    )
    size = models.CharField(_("size"), max_length=10, blank=True)
    grade = models.CharField(_("condition"), max_length=10, choices=Grade.choices)
    quantity = models.DecimalField(_("quantity"), **QTY)
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=10, decimal_places=3, null=True, blank=True
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Lines replaced by a correction stay, marked void, so the receipt's history is whole.
    voided = models.BooleanField(_("void"), default=False)
    position = models.PositiveIntegerField(default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("donation line")
        verbose_name_plural = _("donation lines")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="donation_line_positive")
        ]

    def __str__(self) -> str:
        return f"{self.item_type} {self.size} x {self.quantity}"


class OneOffItem(models.Model):
    """A single piece registered on its own (a sofa, a pram): photo, label, whereabouts."""

    class Status(models.TextChoices):
        IN_STOCK = "in_stock", _("In stock")
        GONE = "gone", _("Gone")

    organization = _org()
    item_type = models.ForeignKey(
        ItemType, on_delete=models.PROTECT, related_name="+", verbose_name=_("item type")
    )
    size = models.CharField(_("size"), max_length=10, blank=True)
    grade = models.CharField(_("condition"), max_length=10, choices=Grade.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    photo = models.ImageField(_("photo"), upload_to="goods/items/%Y/%m/", blank=True)
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    line = models.ForeignKey(
        DonationLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.IN_STOCK
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("one-off item")
        verbose_name_plural = _("one-off items")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.code} {self.item_type}"

    @property
    def code(self) -> str:
        return f"I{self.pk}"


class Stream(models.TextChoices):
    """Where sorted goods go."""

    KEEP = "keep", _("Keep for handout")
    SHOP = "shop", _("Shop")
    EXPORT = "export", _("Export")
    RECYCLE = "recycle", _("Textile recycling")
    DISCARD = "discard", _("Discard")


class Sorting(models.Model):
    """Sacks taken by weight from unsorted stock and sorted into counted items and
    streams; kilograms in and out are compared and the difference shown."""

    organization = _org()
    number = models.PositiveIntegerField(_("number"))
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    source_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("taken from")
    )
    source_item_type = models.ForeignKey(
        ItemType, on_delete=models.PROTECT, related_name="+", verbose_name=_("unsorted goods")
    )
    source_grade = models.CharField(
        _("condition"), max_length=10, choices=Grade.choices, default=Grade.UNSORTED
    )
    weight_kg = models.DecimalField(_("weight taken (kg)"), max_digits=10, decimal_places=3)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("sorted"), default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("sorting")
        verbose_name_plural = _("sortings")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="sorting_number"),
            models.CheckConstraint(condition=Q(weight_kg__gt=0), name="sorting_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"S-{self.number}"


class SortingLine(models.Model):
    organization = _org()
    sorting = models.ForeignKey(Sorting, on_delete=models.CASCADE, related_name="lines")
    stream = models.CharField(_("stream"), max_length=10, choices=Stream.choices)
    item_type = models.ForeignKey(
        ItemType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("item type"),
    )
    size = models.CharField(_("size"), max_length=10, blank=True)
    grade = models.CharField(_("condition"), max_length=10, choices=Grade.choices, blank=True)
    quantity = models.DecimalField(_("quantity"), null=True, blank=True, **QTY)
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=10, decimal_places=3, null=True, blank=True
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("put in"),
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.stream} {self.item_type or ''} {self.weight_kg or ''}"


class Transfer(models.Model):
    """Goods moved between locations. Within a site they arrive at once; between sites
    they wait in the receiving site's in-transit location until received."""

    class Status(models.TextChoices):
        IN_TRANSIT = "in_transit", _("In transit")
        DONE = "done", _("Done")

    organization = _org()
    number = models.PositiveIntegerField(_("number"))
    from_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    to_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    received_at = models.DateTimeField(_("received"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="transfer_number")
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"T-{self.number}"


class TransferLine(models.Model):
    organization = _org()
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    item_type = models.ForeignKey(
        ItemType, on_delete=models.PROTECT, related_name="+", verbose_name=_("item type")
    )
    size = models.CharField(_("size"), max_length=10, blank=True)
    grade = models.CharField(_("condition"), max_length=10, choices=Grade.choices)
    quantity = models.DecimalField(_("quantity"), **QTY)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.item_type} {self.size} x {self.quantity}"


class StockCount(models.Model):
    """A count sheet for one location: the expected quantities are taken when it opens,
    counted ones entered, and a coordinator's approval turns the differences into count
    adjustments (counted minus expected, so movements during the count are not undone)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Counting")
        APPROVED = "approved", _("Approved")
        CANCELLED = "cancelled", _("Cancelled")

    organization = _org()
    number = models.PositiveIntegerField(_("number"))
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="count_number")
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"C-{self.number}"


class StockCountLine(models.Model):
    organization = _org()
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    item_type = models.ForeignKey(
        ItemType, on_delete=models.PROTECT, related_name="+", verbose_name=_("item type")
    )
    size = models.CharField(_("size"), max_length=10, blank=True)
    grade = models.CharField(_("condition"), max_length=10, choices=Grade.choices)
    expected = models.DecimalField(_("expected"), **QTY)
    counted = models.DecimalField(_("counted"), null=True, blank=True, **QTY)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["count", "item_type", "size", "grade"], name="count_line_unique"
            ),
            models.CheckConstraint(
                condition=Q(counted__isnull=True) | Q(counted__gte=0),
                name="count_line_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_type} {self.size}: {self.counted}"

    @property
    def difference(self) -> Decimal | None:
        return None if self.counted is None else self.counted - self.expected


class DisposalLot(models.Model):
    """Goods leaving for good: an export lot to a named receiver (with a waybill),
    textile recycling, or discard, each with a reason."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("Export")
        RECYCLE = "recycle", _("Recycling")
        DISCARD = "discard", _("Discard")

    organization = _org()
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    receiver_contact = models.ForeignKey(
        "people.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receiver"),
    )
    receiver_name = models.CharField(_("receiver's name"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    shipped_on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("disposal lot")
        verbose_name_plural = _("disposal lots")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="disposal_number")
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"D-{self.number}"


class DisposalLine(models.Model):
    organization = _org()
    lot = models.ForeignKey(DisposalLot, on_delete=models.CASCADE, related_name="lines")
    item_type = models.ForeignKey(
        ItemType, on_delete=models.PROTECT, related_name="+", verbose_name=_("item type")
    )
    size = models.CharField(_("size"), max_length=10, blank=True)
    grade = models.CharField(_("condition"), max_length=10, choices=Grade.choices)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    quantity = models.DecimalField(_("quantity"), **QTY)
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=10, decimal_places=3, null=True, blank=True
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.item_type} {self.size} x {self.quantity}"


class Threshold(models.Model):
    """A low-stock level: below `minimum` available units (of one size, or of all sizes
    when `size` is blank; at one site or across the organisation) the item type is
    wanted, and shown on the public needs list when that is on."""

    organization = _org()
    item_type = models.ForeignKey(
        ItemType, on_delete=models.CASCADE, related_name="thresholds", verbose_name=_("item type")
    )
    size = models.CharField(_("size"), max_length=10, blank=True)
    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    minimum = models.DecimalField(_("minimum"), **QTY)
    public = models.BooleanField(_("on the public needs list"), default=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("low-stock level")
        verbose_name_plural = _("low-stock levels")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "item_type", "size", "site"],
                condition=Q(site__isnull=False),
                name="threshold_unique_per_site",
            ),
            models.UniqueConstraint(
                fields=["organization", "item_type", "size"],
                condition=Q(site__isnull=True),
                name="threshold_unique_org_wide",
            ),
            models.CheckConstraint(condition=Q(minimum__gte=0), name="threshold_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item_type} {self.size} >= {self.minimum}"


class GoodsSettings(models.Model):
    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="goods_settings"
    )
    public_needs = models.BooleanField(_("publish a needs list"), default=False)
    public_intro = models.TextField(_("introduction on the needs list"), blank=True)
    # Days-of-stock horizon etc. can come later; the receipt's thank-you text is here.
    thank_you_text = models.TextField(_("thank-you text on receipts"), blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("goods settings")

    def __str__(self) -> str:
        return str(self.organization_id)
