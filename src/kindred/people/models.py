"""Persons, households and their members.

Identity numbers are never stored in clear: `national_id_ciphertext` holds AES-GCM
ciphertext and `national_id_index` an HMAC blind index for exact lookup (people/identity.py).
"""

import unicodedata
from datetime import date

from anyascii import anyascii
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from kindred.core.models import COUNTRY_CHOICES, Organization


def search_key(*parts: str) -> str:
    """Lower-case ASCII form of names for accent-, case- and script-insensitive search."""

    text = " ".join(p for p in parts if p)
    text = unicodedata.normalize("NFKC", text)
    return " ".join(anyascii(text).lower().split())


class Person(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("e-mail address"), blank=True, db_index=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, choices=COUNTRY_CHOICES, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    national_id_country = models.CharField(_("identity number country"), max_length=2, blank=True)
    national_id_ciphertext = models.TextField(blank=True)
    national_id_index = models.CharField(max_length=64, blank=True, db_index=True)
    search_name = models.CharField(max_length=400, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    # Set when the person's data was erased (anonymised); only statistics remain.
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["family_name", "given_name", "pk"]
        # The persons list's order, so a page of a long search result is read in order.
        indexes = [
            models.Index(
                fields=["organization", "family_name", "given_name", "id"], name="person_by_name"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True)
                | Q(birth_year__gte=1850, birth_year__lte=2200),
                name="person_birth_year_plausible",
            ),
            # Two simultaneous registrations of one identity number: one fails here.
            models.UniqueConstraint(
                fields=["organization", "national_id_index"],
                condition=~Q(national_id_index=""),
                name="person_national_id_once",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        if self.anonymised_at is not None:
            return gettext("Anonymised person")  # in the reader's language, not the stored word
        return " ".join(p for p in [self.preferred_name or self.given_name, self.family_name] if p)

    @property
    def has_national_id(self) -> bool:
        return bool(self.national_id_ciphertext)

    def age_on(self, day: date) -> int | None:
        """Whole years on `day`; None without a birth date (a birth year alone is not
        precise enough to tell, e.g., whether a child is still under 18)."""
        if self.birth_date is None:
            return None
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())


class Household(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    label = models.CharField(_("label"), max_length=200)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, choices=COUNTRY_CHOICES, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["label", "pk"]

    def __str__(self) -> str:
        return self.label


class HouseholdMember(models.Model):
    """A person's membership of a household over time. History is kept: leaving sets
    `left_on`; a person has at most one current household (database constraint)."""

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of household")
        PARTNER = "partner", _("Partner")
        CHILD = "child", _("Child")
        OTHER_ADULT = "other_adult", _("Other adult")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("household")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="households", verbose_name=_("person")
    )
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    joined_on = models.DateField(_("joined"))
    left_on = models.DateField(_("left"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["joined_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(left_on__isnull=True),
                name="one_current_household_per_person",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="household_member_leaves_after_joining",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_relation_display()})"


class Contact(models.Model):
    """A company, association or public body: later a donor, sponsor or partner. Its
    registration number is validated where python-stdnum knows the country's format."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        ASSOCIATION = "association", _("Association or charity")
        PUBLIC_BODY = "public_body", _("Public body")
        OTHER = "other", _("Other")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMPANY)
    name = models.CharField(_("name"), max_length=200)
    registration_country = models.CharField(
        _("registration country"), max_length=2, choices=COUNTRY_CHOICES, blank=True
    )
    registration_number = models.CharField(_("registration number"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    website = models.URLField(_("website"), blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, choices=COUNTRY_CHOICES, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    search_name = models.CharField(max_length=400, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "registration_country", "registration_number"],
                condition=~Q(registration_number=""),
                name="contact_registration_number_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ContactPerson(models.Model):
    """A person (in the registry, so access and erasure requests cover them) who speaks
    for a contact."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="people", verbose_name=_("contact")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="contact_roles", verbose_name=_("person")
    )
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    is_primary = models.BooleanField(_("main contact"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["-is_primary", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "person"], name="contact_person_once")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.contact})"


class ConsentPurpose(models.Model):
    """Something the organisation does with personal data ("help records", "newsletter"),
    for which each person needs a lawful basis."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    key = models.SlugField(_("key"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    wording = models.TextField(_("consent wording"), blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="purpose_key_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Consent(models.Model):
    """A lawful basis for one purpose, for one person: when it was given, who recorded it,
    the exact wording shown, and when (and by whom) it was withdrawn. Records are never
    edited away; withdrawing sets `withdrawn_at`, giving again adds a new record."""

    class Basis(models.TextChoices):
        CONSENT = "consent", _("Consent")
        LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")
        CONTRACT = "contract", _("Contract")
        LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
        VITAL_INTEREST = "vital_interest", _("Vital interest")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="consents", verbose_name=_("person")
    )
    purpose = models.ForeignKey(
        ConsentPurpose, on_delete=models.PROTECT, related_name="consents", verbose_name=_("purpose")
    )
    basis = models.CharField(_("lawful basis"), max_length=30, choices=Basis.choices)
    wording = models.TextField(_("wording shown"), blank=True)
    given_at = models.DateTimeField(_("given"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("given_at")),
                name="consent_withdrawn_after_given",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.purpose} ({self.get_basis_display()})"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class DuplicateDismissal(models.Model):
    """A coordinator's decision that two similar records are not the same person, so the
    pair is not proposed again. `person_a` has the lower primary key."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="dismissal_once"),
            models.CheckConstraint(
                condition=Q(person_a__lt=models.F("person_b")), name="dismissal_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_a_id} ≠ {self.person_b_id}"


class PersonKey(models.Model):
    """Indexed lookup keys of a person, derived from the record (never typed): the
    beginnings of name tokens for search ("p:"), name skeletons for misspelt-name search ("s:") and the
    duplicate engine's blocking keys ("b:"). Rewritten whenever the person changes."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="keys")
    key = models.CharField(max_length=100)

    objects = ScopedManager(organization="organization")

    class Meta:
        indexes = [models.Index(fields=["organization", "key"], name="person_key_lookup")]

    def __str__(self) -> str:
        return self.key


# Spreadsheet import (people/imports.py) ----------------------------------------------------


class ImportBatch(models.Model):
    """One uploaded spreadsheet on its way in: where the file is kept, its columns and the
    chosen mapping, the latest check's report and the import's result.

    The file lives under KINDRED_DATA_DIR/imports/<org slug>/ and is deleted once the rows
    are imported, when the batch is discarded, or a day after the upload
    (imports.purge_expired) — whichever comes first. Reports hold row numbers, column
    names and messages, never the cells' contents."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Choose columns")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        IMPORTING = "importing", _("Importing")
        IMPORTED = "imported", _("Imported")
        REFUSED = "refused", _("Nothing imported")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Discarded")

    class Mode(models.TextChoices):
        VALID_ROWS = "valid_rows", _("Import the valid rows")
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    file_name = models.CharField(_("file"), max_length=200)
    # The stored copy's name in the organisation's import folder; empty once deleted.
    stored_name = models.CharField(max_length=100, blank=True)
    file_format = models.CharField(max_length=4)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    headers = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    # One Kindred field key per column, "" for a column that is not imported.
    mapping = models.JSONField(default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.UPLOADED
    )
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, blank=True)
    report = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    progress = models.ForeignKey(
        "core.TaskProgress", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def running(self) -> bool:
        return self.status in {self.Status.CHECKING, self.Status.IMPORTING}
