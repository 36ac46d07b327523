"""Alert rules, the alerts they raise, who is told, and how (in the app, by e-mail, weekly).

An `Alert` is a fact about a unit or a scope ("Thuận An fell 2 places in the table of
27/05/2025"), raised once per rule, unit and data key; a `Notification` tells one user about
it; an `OutgoingEmail` is one message to send, claimed and marked sent so it never goes twice.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role


class RuleKind(models.TextChoices):
    RANK_DROP = "rank_drop", _("Rank fell")
    BAND_DOWN = "band_down", _("Band went down")
    TURNED_WEAK = "turned_weak", _("Turned “weak”")
    GROUP_DROP = "group_drop", _("A group lost points week on week")
    BELOW_MEDIAN = "below_median", _("Fell below the peer median in a group")
    TOTALS_DISAGREE = "totals_disagree", _("Official total disagrees with the groups")
    MISSING_UPLOAD = "missing_upload", _("Weekly data missing at the deadline")
    STALE_TABLE = "stale_table", _("A table lags the scope's others")
    OVERDUE_ACTION = "overdue_action", _("An action is overdue")
    # The portal sync (portal app): a scope stopped after repeated failures, and a fetched
    # preview that waits for a data admin.
    PORTAL_STOPPED = "portal_stopped", _("Portal sync stopped after failures")
    PORTAL_REVIEW = "portal_review", _("A portal fetch waits for review")


# Rules raised when a snapshot is published, against the previous published one; the others
# are checked by the scheduler (and the stale table after each publication too).
SNAPSHOT_RULES = frozenset(
    {
        RuleKind.RANK_DROP,
        RuleKind.BAND_DOWN,
        RuleKind.TURNED_WEAK,
        RuleKind.GROUP_DROP,
        RuleKind.BELOW_MEDIAN,
        RuleKind.TOTALS_DISAGREE,
    }
)
# Rules about a scope (its table) rather than one unit of it.
SCOPE_RULES = frozenset(
    {
        RuleKind.MISSING_UPLOAD,
        RuleKind.STALE_TABLE,
        RuleKind.PORTAL_STOPPED,
        RuleKind.PORTAL_REVIEW,
    }
)
# Rules about one action (actions app): told to its owner and its creator, not by role.
ACTION_RULES = frozenset({RuleKind.OVERDUE_ACTION})


class AlertRule(models.Model):
    """One kind of alert, its threshold and who receives it by default (edited in the admin)."""

    kind = models.CharField(_("kind"), max_length=20, choices=RuleKind.choices, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    # Places for rank_drop, points for group_drop; unused by the other kinds.
    threshold = models.DecimalField(
        _("threshold"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    # The roles told by default, comma-separated values of accounts.models.Role.
    default_roles = models.CharField(_("told by default"), max_length=100, blank=True)
    # missing_upload: the default weekly deadline (Asia/Ho_Chi_Minh); a scope may set its own.
    deadline_weekday = models.PositiveSmallIntegerField(
        _("deadline weekday (0 = Monday)"), null=True, blank=True
    )
    deadline_time = models.TimeField(_("deadline time"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline_weekday__isnull=True) | Q(deadline_weekday__lte=6),
                name="alert_rule_weekday_valid",
            )
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    @property
    def roles(self) -> set[str]:
        return {r.strip() for r in self.default_roles.split(",") if r.strip() in Role.values}


class UploadDeadline(models.Model):
    """A scope's own weekly deadline for its upload, instead of the rule's default."""

    scope = models.OneToOneField(
        "units.AdministrativeUnit",
        verbose_name=_("scope"),
        on_delete=models.CASCADE,
        related_name="upload_deadline",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday (0 = Monday)"))
    time = models.TimeField(_("time"))

    class Meta:
        verbose_name = _("upload deadline")
        verbose_name_plural = _("upload deadlines")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="upload_deadline_weekday")
        ]

    def __str__(self) -> str:
        return f"{self.scope} · {self.weekday} {self.time:%H:%M}"


class Alert(models.Model):
    """A rule that fired for a unit (or a scope's table) on one data key.

    The key is the scope, date and period of the data, not the snapshot: a correction is a
    new revision of the same key, so publishing it again raises nothing new for a rule that
    already fired (the unique constraint holds even against a retry running alongside).
    For missing_upload, as_of is the deadline's date; for stale_table, the date the table lags;
    for overdue_action, the action's due date, so a due date moved later and passed again is a
    new alert while the same due date never is.
    """

    rule = models.ForeignKey(
        AlertRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="alerts"
    )
    unit = models.ForeignKey(
        "units.AdministrativeUnit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    scope = models.ForeignKey(
        "units.AdministrativeUnit",
        verbose_name=_("scope"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    as_of = models.DateField(_("as of"))
    period = models.CharField(_("period"), max_length=8, blank=True)
    period_year = models.PositiveSmallIntegerField(_("year"), default=0)
    period_number = models.PositiveSmallIntegerField(_("period number"), default=0)
    # The snapshot that raised it (the first revision that did), for links.
    snapshot = models.ForeignKey(
        "indicators.Snapshot",
        verbose_name=_("snapshot"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # overdue_action: the action it is about (its unit is `unit`).
    action = models.ForeignKey(
        "actions.Action",
        verbose_name=_("action"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # The figures the message shows (ranks, points, group codes), as JSON.
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "unit", "scope", "as_of", "period", "period_year", "period_number"],
                condition=Q(action__isnull=True),
                name="alert_once_per_rule_unit_key",
            ),
            # Two actions of one unit may fall due the same day: each is alerted.
            models.UniqueConstraint(
                fields=["rule", "action", "as_of"],
                condition=Q(action__isnull=False),
                name="alert_once_per_action_due_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.unit} · {self.as_of}"


class SnapshotEvaluation(models.Model):
    """A published snapshot whose alerts were raised: the scheduler evaluates those without one
    (a publication whose message the broker never took)."""

    snapshot = models.OneToOneField(
        "indicators.Snapshot",
        verbose_name=_("snapshot"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="evaluation",
    )
    evaluated_at = models.DateTimeField(_("evaluated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluated snapshot")
        verbose_name_plural = _("evaluated snapshots")

    def __str__(self) -> str:
        return str(self.snapshot_id)


class Delivery(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("By e-mail")
    BOTH = "both", _("In the app and by e-mail")


class Timing(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DIGEST = "digest", _("In the weekly digest")


class NotificationPreference(models.Model):
    """A user's choices; without a row, the defaults of their roles apply."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.BOTH
    )
    timing = models.CharField(
        _("timing"), max_length=10, choices=Timing.choices, default=Timing.IMMEDIATE
    )
    digest = models.BooleanField(_("weekly digest by e-mail"), default=True)
    # Chosen rules and units; None (not customised) means the defaults of the user's roles.
    rules = models.ManyToManyField(AlertRule, verbose_name=_("rules"), blank=True)
    rules_customised = models.BooleanField(default=False)
    units = models.ManyToManyField(
        "units.AdministrativeUnit", verbose_name=_("units"), blank=True, related_name="+"
    )
    units_customised = models.BooleanField(default=False)
    language = models.CharField(_("language"), max_length=8, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def wants_in_app(self) -> bool:
        return self.delivery in (Delivery.IN_APP, Delivery.BOTH)

    @property
    def wants_email(self) -> bool:
        return self.delivery in (Delivery.EMAIL, Delivery.BOTH)


class Notification(models.Model):
    """One alert told to one user: an entry of their notification centre."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    alert = models.ForeignKey(
        Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="notifications"
    )
    # Shown in the centre (in-app delivery); an e-mail-only notification is still kept for
    # the digest and the record, but not listed.
    in_app = models.BooleanField(_("in the app"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "alert"], name="notification_once_per_user")
        ]
        indexes = [
            models.Index(
                fields=["user", "read_at"],
                condition=Q(in_app=True, read_at__isnull=True),
                name="notification_unread_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.alert}"


class EmailKind(models.TextChoices):
    ALERT = "alert", _("Alert")
    DIGEST = "digest", _("Weekly digest")


class OutgoingEmail(models.Model):
    """One e-mail to send: an alert (immediately) or a user's weekly digest.

    Sending claims the row (claimed_at) and marks it sent (sent_at) in conditional updates,
    so two deliveries of its task never send it twice.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=EmailKind.choices)
    notification = models.OneToOneField(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="email",
    )
    # digest: the Monday of the week it covers.
    week = models.DateField(_("week"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "week"],
                condition=Q(kind="digest"),
                name="outgoing_email_one_digest_per_week",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user} ({self.sent_at or 'unsent'})"


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of day's week."""
    return day - datetime.timedelta(days=day.weekday())
