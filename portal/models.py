"""What the portal sync fetches (a scope's configuration, edited in the admin) and what each
fetch did (parameters, time, outcome, a readable reason, the upload it became)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The portal's timeTypes (docs/PORTAL_API.md) and the snapshot period each fills.
PORTAL_PERIODS = ("year", "quarter", "month")


class SyncScope(models.Model):
    """One scope the sync fetches every day: its periods, its hour, and whether a clean
    fetch publishes itself or waits for a data admin."""

    scope = models.OneToOneField(
        "units.AdministrativeUnit",
        verbose_name=_("scope"),
        on_delete=models.CASCADE,
        related_name="portal_sync",
    )
    # Comma-separated portal periods (year, quarter, month); each is one fetch a day.
    periods = models.CharField(
        _("periods"), max_length=40, default="year", help_text=_("year, quarter, month")
    )
    hour = models.PositiveSmallIntegerField(
        _("hour (Asia/Ho_Chi_Minh)"), default=6, validators=[MaxValueValidator(23)]
    )
    auto_publish = models.BooleanField(
        _("publish automatically"),
        default=False,
        help_text=_(
            "Only a fetch with no error, no unit missing and no warning to read is published "
            "without a data admin; any other waits for review."
        ),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    # The portal's id of a province (rootDepartmentId); learned from the provinces response,
    # or set here when the portal's answer does not give it.
    portal_department_id = models.CharField(_("portal department id"), max_length=64, blank=True)
    # The circuit breaker: failures in a row, and until when the schedule leaves the scope.
    consecutive_failures = models.PositiveSmallIntegerField(_("failures in a row"), default=0)
    breaker_open_until = models.DateTimeField(_("stopped until"), null=True, blank=True)
    last_scheduled_on = models.DateField(_("last scheduled run"), null=True, blank=True)

    class Meta:
        verbose_name = _("portal sync scope")
        verbose_name_plural = _("portal sync scopes")
        ordering = ["scope__sort_key"]
        constraints = [models.CheckConstraint(condition=models.Q(hour__lte=23), name="sync_hour")]

    def __str__(self) -> str:
        return str(self.scope)

    def clean(self) -> None:
        unknown = {p.strip() for p in self.periods.split(",")} - set(PORTAL_PERIODS)
        if unknown:
            raise ValidationError(
                {
                    "periods": _("Unknown period(s): %(names)s. Use year, quarter, month.")
                    % {"names": ", ".join(sorted(unknown))}
                }
            )

    @property
    def period_list(self) -> list[str]:
        given = [p.strip().lower() for p in self.periods.split(",")]
        return [p for p in PORTAL_PERIODS if p in given] or ["year"]

    def breaker_is_open(self, now=None) -> bool:
        return self.breaker_open_until is not None and self.breaker_open_until > (
            now or timezone.now()
        )


class FetchOutcome(models.TextChoices):
    PUBLISHED = "published", _("Published")
    WAITING = "waiting", _("Waiting for review")
    REJECTED = "rejected", _("Rejected by the checks")
    UNCHANGED = "unchanged", _("Unchanged")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped (stopped after failures)")


class FetchTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    COMMAND = "command", _("Command line")
    BUTTON = "button", _("Button")
    REPLAY = "replay", _("Replay of saved responses")


class Fetch(models.Model):
    """One fetch of one scope and period: what was asked, when, and what came of it."""

    scope = models.ForeignKey(
        "units.AdministrativeUnit",
        verbose_name=_("scope"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    sync_scope = models.ForeignKey(
        SyncScope,
        verbose_name=_("sync scope"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fetches",
    )
    trigger = models.CharField(_("trigger"), max_length=10, choices=FetchTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    fetched_at = models.DateTimeField(_("fetched at"), null=True, blank=True)
    as_of = models.DateField(_("as of"), null=True, blank=True)
    # The request body sent to service-results (timeType, year, …, rootDepartmentId).
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    requests_made = models.PositiveSmallIntegerField(_("requests"), default=0)
    outcome = models.CharField(_("outcome"), max_length=10, choices=FetchOutcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    bundle_sha256 = models.CharField(max_length=64, blank=True)
    upload = models.ForeignKey(
        "ingest.Upload",
        verbose_name=_("upload"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("portal fetch")
        verbose_name_plural = _("portal fetches")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.scope} · {self.as_of} · {self.outcome}"
