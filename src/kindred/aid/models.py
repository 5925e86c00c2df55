"""Aid: help requests and their need lines, eligibility rules, allocation runs and their
proposals, reservations, distribution days with bookings, and handouts (ADR 0013).

Stock itself never changes here: reservations and handouts are ledger movements written
by `goods.services` (ADR 0011). These rows record *why* stock moved and for whom.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from kindred.core.models import Organization, Site, TaskProgress
from kindred.goods.models.common import org_field


def user_field(verbose_name, related_name="+"):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=verbose_name,
    )


class AidSettings(models.Model):
    """An organisation's choices for help requests, reservations and the allocation."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    public_requests = models.BooleanField(
        _("accept help requests through the public form"), default=False
    )
    public_intro = models.TextField(_("introduction on the public form"), blank=True)
    reservation_days = models.PositiveSmallIntegerField(
        _("days a reservation is kept"),
        default=14,
        help_text=_("Reserved goods that are not collected go back to stock after this."),
    )
    # The allocation's policy (../shared/formats/allocation.md).
    substitute_value = models.DecimalField(
        _("value of a substitute size"), max_digits=4, decimal_places=2, default="0.80"
    )
    fairness_weight = models.DecimalField(
        _("weight of fairness"), max_digits=6, decimal_places=2, default="1.00"
    )
    waiting_bonus = models.DecimalField(
        _("bonus per 30 days of waiting"), max_digits=4, decimal_places=2, default="0.10"
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("aid settings")
        verbose_name_plural = _("aid settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(reservation_days__gte=1), name="aid_reservation_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(self.organization)


class HelpRequest(models.Model):
    """A household's request for help, from the public form, a referrer or staff."""

    PREFIX = "H"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        FULFILLING = "fulfilling", _("Being fulfilled")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        PUBLIC = "public", _("Public form")
        REFERRER = "referrer", _("Referrer")
        STAFF = "staff", _("Staff")

    organization = org_field()
    number = models.PositiveIntegerField(_("number"))
    household = models.ForeignKey(
        "people.Household",
        on_delete=models.PROTECT,
        related_name="help_requests",
        verbose_name=_("household"),
    )
    applicant = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="help_requests",
        verbose_name=_("applicant"),
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    # What the public form shows the household instead of the number (which would tell
    # anyone how many requests the organisation gets): random, e.g. "K7QF-2M9D".
    public_code = models.CharField(_("public code"), max_length=9, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    # A referrer's organisation (social services, a school, a partner charity).
    referrer_organisation = models.CharField(
        _("referring organisation"), max_length=200, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    # The language the household reads: booking links and reminders are sent in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    # Where the household will collect its goods when it has no booking yet: the allocation
    # reserves only stock at this site (a booking's site wins; ADR 0022).
    pickup_site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pickup site"),
        help_text=_("Where the household collects its goods, until it books a time."),
    )
    # The last eligibility check: [{"rule": id, "kind": …, "passed": bool, "message": "…"}, …].
    eligibility = models.JSONField(_("eligibility"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = user_field(_("decided by"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = user_field(_("registered by"))
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="help_request_number"),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "submitted_at"], name="request_queue"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"{self.PREFIX}-{self.number}"


class NeedLine(models.Model):
    """What a household needs: `quantity` of an item type in one of `sizes` (the exact
    size first, then acceptable ones; empty = any size), with an urgency from 1 to 3.
    What is neither reserved nor handed out stays an open need (a back-order)."""

    class Urgency(models.IntegerChoices):
        LOW = 1, _("Can wait")
        MEDIUM = 2, _("Soon")
        HIGH = 3, _("Urgent")

    organization = org_field()
    request = models.ForeignKey(
        HelpRequest, on_delete=models.CASCADE, related_name="lines", verbose_name=_("request")
    )
    item_type = models.ForeignKey(
        "goods.ItemType", on_delete=models.PROTECT, related_name="+", verbose_name=_("item type")
    )
    sizes = models.JSONField(_("acceptable sizes"), default=list, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), choices=Urgency.choices, default=Urgency.MEDIUM
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Units given to the household so far (written by the handout service).
    handed_out = models.PositiveIntegerField(_("handed out"), default=0)
    cancelled = models.BooleanField(_("cancelled"), default=False)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="need_quantity_positive"),
            models.CheckConstraint(
                condition=Q(urgency__gte=1) & Q(urgency__lte=3), name="need_urgency_1_to_3"
            ),
            models.CheckConstraint(
                condition=Q(handed_out__lte=models.F("quantity")), name="need_not_overfilled"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.item_type}"


class EligibilityRule(models.Model):
    """One rule of an organisation's eligibility policy, set up in the UI (ADR 0013):

    - VISIT_FREQUENCY: at most `max_count` handouts per household in `period_days`;
    - CATEGORY_CAP: at most `max_count` units of `category` per `scale` unit (household,
      member or child) in `period_days` (handed out plus reserved plus asked for);
    - SCALED_QUANTITY: one request asks for at most `max_count` units of `category` per
      `scale` unit (e.g. one blanket per household member);
    - REQUIRED_CONSENT: the applicant has a lawful basis in force for `consent_purpose`.
    """

    class Kind(models.TextChoices):
        VISIT_FREQUENCY = "visit_frequency", _("Visit frequency")
        CATEGORY_CAP = "category_cap", _("Cap per category and period")
        SCALED_QUANTITY = "scaled_quantity", _("Quantity scaled by household")
        REQUIRED_CONSENT = "required_consent", _("Required consent")

    class Scale(models.TextChoices):
        HOUSEHOLD = "household", _("per household")
        MEMBER = "member", _("per household member")
        CHILD = "child", _("per child")

    organization = org_field()
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)
    max_count = models.PositiveIntegerField(_("at most"), null=True, blank=True)
    period_days = models.PositiveIntegerField(_("period in days"), null=True, blank=True)
    category = models.ForeignKey(
        "goods.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    scale = models.CharField(
        _("counted"), max_length=10, choices=Scale.choices, default=Scale.HOUSEHOLD
    )
    consent_purpose = models.ForeignKey(
        "people.ConsentPurpose",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("purpose"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return self.name or self.get_kind_display()


class EligibilityOverride(models.Model):
    """A coordinator's decision to let a request or handout through although a rule
    failed, with the reason (also in the audit log)."""

    organization = org_field()
    rule = models.ForeignKey(
        EligibilityRule, on_delete=models.PROTECT, related_name="overrides", verbose_name=_("rule")
    )
    request = models.ForeignKey(
        HelpRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="overrides",
        verbose_name=_("request"),
    )
    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="+", verbose_name=_("household")
    )
    message = models.TextField(_("failed rule"), blank=True)
    reason = models.TextField(_("reason"))
    created_by = user_field(_("overridden by"))
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("eligibility override")
        verbose_name_plural = _("eligibility overrides")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.rule}: {self.reason}"


class AllocationRun(models.Model):
    """One run of the allocation engine over the approved open needs and the available
    stock of the chosen sites. `snapshot` records the available quantity of every stock
    balance the run saw, so confirming can tell whether stock changed meanwhile."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        PROPOSED = "proposed", _("Proposal ready")
        CONFIRMED = "confirmed", _("Confirmed")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Discarded")

    organization = org_field()
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    sites = models.ManyToManyField(Site, related_name="+", verbose_name=_("sites"))
    progress = models.ForeignKey(
        TaskProgress, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    snapshot = models.JSONField(default=dict, blank=True)  # {balance id: available units}
    # {request id: [site id or None, source]}: where each request's household collects, as
    # the run decided it; its needs were given stock of that site only (ADR 0022).
    pickup_sites = models.JSONField(default=dict, blank=True)
    objective = models.FloatField(_("objective"), null=True, blank=True)
    baseline_objective = models.FloatField(_("first come, first served"), null=True, blank=True)
    needs_count = models.PositiveIntegerField(_("needs"), default=0)
    households_served = models.PositiveIntegerField(_("households served"), default=0)
    units = models.PositiveIntegerField(_("units"), default=0)
    # What first come, first served would give the same needs from the same stock.
    baseline_households = models.PositiveIntegerField(
        _("households served first come, first served"), null=True, blank=True
    )
    baseline_units = models.PositiveIntegerField(
        _("units first come, first served"), null=True, blank=True
    )
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = user_field(_("started by"))
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    confirmed_by = user_field(_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk}"


class ProposalLine(models.Model):
    """`quantity` units of one stock balance proposed for one need line."""

    organization = org_field()
    run = models.ForeignKey(
        AllocationRun, on_delete=models.CASCADE, related_name="lines", verbose_name=_("run")
    )
    need = models.ForeignKey(
        NeedLine, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("need")
    )
    balance = models.ForeignKey(
        "goods.StockBalance", on_delete=models.PROTECT, related_name="+", verbose_name=_("stock")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    exact = models.BooleanField(_("exact size"), default=True)
    edited = models.BooleanField(_("changed by hand"), default=False)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("proposed line")
        verbose_name_plural = _("proposed lines")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "need", "balance"], name="proposal_line_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="proposal_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} → {self.need_id}"


class Reservation(models.Model):
    """Goods set aside for one request's household (RESERVE movements in the ledger). It
    ends handed out, expired (back to stock by the scheduled task) or cancelled."""

    PREFIX = "RV"

    class Status(models.TextChoices):
        ACTIVE = "active", _("Reserved")
        HANDED_OUT = "handed_out", _("Handed out")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    organization = org_field()
    number = models.PositiveIntegerField(_("number"))
    request = models.ForeignKey(
        HelpRequest,
        on_delete=models.PROTECT,
        related_name="reservations",
        verbose_name=_("request"),
    )
    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    run = models.ForeignKey(
        AllocationRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name=_("allocation run"),
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    expires_at = models.DateTimeField(_("expires"))
    created_by = user_field(_("reserved by"))
    created_at = models.DateTimeField(_("reserved"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="reservation_number"),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="reservation_expiry"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"{self.PREFIX}-{self.number}"


class ReservationLine(models.Model):
    """One stock key reserved for one need line."""

    organization = org_field()
    reservation = models.ForeignKey(
        Reservation, on_delete=models.CASCADE, related_name="lines", verbose_name=_("reservation")
    )
    need = models.ForeignKey(
        NeedLine, on_delete=models.PROTECT, related_name="reservation_lines", verbose_name=_("need")
    )
    location = models.ForeignKey(
        "goods.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    item_type = models.ForeignKey(
        "goods.ItemType", on_delete=models.PROTECT, related_name="+", verbose_name=_("item type")
    )
    size = models.CharField(_("size"), max_length=10, blank=True)
    grade = models.CharField(_("condition"), max_length=10)
    quantity = models.PositiveIntegerField(_("quantity"))

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("reserved line")
        verbose_name_plural = _("reserved lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.item_type} {self.size}"


class DistributionDay(models.Model):
    """A day on which a site hands out goods, cut into slots of `slot_minutes` between
    `starts_at` and `ends_at`, each taking at most `capacity` households."""

    organization = org_field()
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot length in minutes"), default=15)
    capacity = models.PositiveSmallIntegerField(_("households per slot"), default=4)
    note = models.CharField(_("note"), max_length=300, blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    created_by = user_field(_("planned by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("distribution day")
        verbose_name_plural = _("distribution days")
        ordering = ["date", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="day_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(slot_minutes__gte=5), name="day_slot_minutes"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="day_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.date}"


class Booking(models.Model):
    """A household's pickup slot on a distribution day. `token` is the secret of its
    personal link (booking, rebooking, cancelling, the calendar file); `code` is the short
    reference its QR code carries to the handout station, which needs a login."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Collected")
        NO_SHOW = "no_show", _("Did not come")

    organization = org_field()
    request = models.ForeignKey(
        HelpRequest, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("request")
    )
    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    day = models.ForeignKey(
        DistributionDay,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("distribution day"),
    )
    slot_start = models.DateTimeField(_("slot"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.BOOKED
    )
    token = models.CharField(max_length=64, unique=True)
    code = models.CharField(_("booking code"), max_length=12)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    created_by = user_field(_("booked by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["slot_start", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="booking_code_unique"),
            # One live booking per request: rebooking moves it, it does not add one.
            models.UniqueConstraint(
                fields=["request"], condition=Q(status="booked"), name="one_live_booking"
            ),
        ]
        indexes = [models.Index(fields=["day", "slot_start"], name="booking_by_slot")]

    def __str__(self) -> str:
        return self.code


class Handout(models.Model):
    """Goods given to a household at the station: everything reserved, part of it (the
    rest is released), with substitutions, or a walk-in without a reservation. One
    reservation has at most one handout (a database constraint: two stations handing
    out the same reservation cannot both succeed)."""

    PREFIX = "U"

    class Kind(models.TextChoices):
        FULL = "full", _("Everything reserved")
        PARTIAL = "partial", _("Part of the reservation")
        WALK_IN = "walk_in", _("Walk-in")

    organization = org_field()
    number = models.PositiveIntegerField(_("number"))
    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    request = models.ForeignKey(
        HelpRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handouts",
        verbose_name=_("request"),
    )
    reservation = models.ForeignKey(
        Reservation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handouts",
        verbose_name=_("reservation"),
    )
    booking = models.ForeignKey(
        Booking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handouts",
        verbose_name=_("booking"),
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = user_field(_("handed out by"))
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("handout")
        verbose_name_plural = _("handouts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="handout_number"),
            models.UniqueConstraint(
                fields=["reservation"],
                condition=Q(reservation__isnull=False),
                name="one_handout_per_reservation",
            ),
        ]
        indexes = [models.Index(fields=["household", "created_at"], name="handout_by_household")]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"{self.PREFIX}-{self.number}"


class HandoutLine(models.Model):
    organization = org_field()
    handout = models.ForeignKey(
        Handout, on_delete=models.CASCADE, related_name="lines", verbose_name=_("handout")
    )
    need = models.ForeignKey(
        NeedLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handout_lines",
        verbose_name=_("need"),
    )
    location = models.ForeignKey(
        "goods.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    item_type = models.ForeignKey(
        "goods.ItemType", on_delete=models.PROTECT, related_name="+", verbose_name=_("item type")
    )
    size = models.CharField(_("size"), max_length=10, blank=True)
    grade = models.CharField(_("condition"), max_length=10)
    quantity = models.PositiveIntegerField(_("quantity"))
    # Given instead of what was reserved (another size or item type).
    substitute = models.BooleanField(_("substitution"), default=False)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("handed-out line")
        verbose_name_plural = _("handed-out lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="handout_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.item_type} {self.size}"


class OutgoingMessage(models.Model):
    """An e-mail or SMS sent to a household (booking link, confirmation, reminder): what was
    sent, to whom, when, and the backend's error if it failed."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Kind(models.TextChoices):
        BOOKING_LINK = "booking_link", _("Booking link")
        CONFIRMATION = "confirmation", _("Booking confirmation")
        REMINDER = "reminder", _("Reminder")

    organization = org_field()
    booking = models.ForeignKey(
        Booking,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("booking"),
    )
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    recipient = models.CharField(_("recipient"), max_length=200)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Failed attempts and when the worker's schedule tries again (None: sent or given up).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["next_attempt_at"], name="aid_message_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"

    @property
    def given_up(self) -> bool:
        return self.sent_at is None and bool(self.error) and self.next_attempt_at is None
