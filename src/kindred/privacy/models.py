"""Legal holds, the retention rule and the record of daily purges (docs/decisions/0008)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from kindred.core.models import Organization
from kindred.people.models import Person

DEFAULT_RETENTION_MONTHS = 24
MIN_RETENTION_MONTHS = 1
MAX_RETENTION_MONTHS = 600


class LegalHold(models.Model):
    """A reason (a court case, a police request, an insurance claim) why a person's data
    must be kept: while a hold is active, erasure is refused and the retention purge skips
    the person. A hold is lifted, never deleted."""

    # Placing or lifting a hold is the organisation's act, not the person's: it does not
    # count as activity for the retention rule (privacy.queries.activity_columns).
    privacy_activity = False

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="legal_holds", verbose_name=_("person")
    )
    reason = models.TextField(_("reason"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("placed by"),
    )
    placed_at = models.DateTimeField(_("placed"), default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(lifted_at__isnull=True),
                name="one_active_legal_hold_per_person",
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | Q(lifted_at__gte=models.F("placed_at")),
                name="legal_hold_lifted_after_placed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.placed_at:%Y-%m-%d})"

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class RetentionRule(models.Model):
    """How long the organisation keeps the data of persons with no activity. One row per
    organisation; without one, the default applies (DEFAULT_RETENTION_MONTHS, automatic
    purge on)."""

    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    months = models.PositiveSmallIntegerField(
        _("months without activity"), default=DEFAULT_RETENTION_MONTHS
    )
    enabled = models.BooleanField(_("automatic purge"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(months__gte=MIN_RETENTION_MONTHS, months__lte=MAX_RETENTION_MONTHS),
                name="retention_months_in_range",
            )
        ]

    def __str__(self) -> str:
        return str(_("Retention rule"))


class PurgeRun(models.Model):
    """One daily retention purge of one organisation. The unique (organisation, day) pair is
    what makes the scheduler idempotent: the worker that inserts the row runs the purge,
    every other attempt that day finds it taken (privacy.tasks.enqueue_due_purges)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    run_on = models.DateField(_("day"))
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    anonymised = models.PositiveIntegerField(_("anonymised"), default=0)
    kept = models.PositiveIntegerField(_("kept: legal hold"), default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("retention purge")
        verbose_name_plural = _("retention purges")
        ordering = ["-run_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "run_on"], name="one_purge_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.run_on}"
