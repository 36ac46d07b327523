"""Actions agreed at the weekly review: who fixes what for which unit, by when.

An action belongs to a unit and to the snapshot that prompted it, optionally to a group or an
indicator of that snapshot's framework; it keeps the figure it was created on (`baseline`),
so "did it work?" compares with what the meeting saw even if the snapshot is corrected later.
Rows are written only by `actions.services`, which also records every change in
`ActionChange` and the audit log.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


# Statuses of work still to do: listed on the unit page, flagged when overdue.
ACTIVE_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class Action(models.Model):
    """One task given to a unit after a review, tied to the figure that prompted it."""

    unit = models.ForeignKey(
        "units.AdministrativeUnit",
        on_delete=models.PROTECT,
        related_name="actions",
        verbose_name=_("unit"),
    )
    snapshot = models.ForeignKey(
        "indicators.Snapshot",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("snapshot"),
    )
    group = models.ForeignKey(
        "indicators.IndicatorGroup",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("group"),
    )
    indicator = models.ForeignKey(
        "indicators.Indicator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("indicator"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_actions",
        verbose_name=_("owner"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    # The figure of the target (indicator, group, else the total) in `snapshot`, when created.
    baseline = models.DecimalField(
        _("figure when created"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        indexes = [models.Index(fields=["unit", "status"], name="action_unit_status")]
        constraints = [
            # An indicator's action names its group too (services set it), so lists by group
            # find it.
            models.CheckConstraint(
                condition=Q(indicator__isnull=True) | Q(group__isnull=False),
                name="action_indicator_has_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.unit_id}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        """Still to do and past its due date."""
        today = today or timezone.localdate()
        return self.is_active and self.due_date < today

    @property
    def target_label(self) -> str:
        """What the action is about: "1.2", "TDGQ" or "" (the total)."""
        if self.indicator_id:
            return self.indicator.code
        if self.group_id:
            return self.group.code
        return ""


class ActionComment(models.Model):
    """A note on an action's progress."""

    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="comments", verbose_name=_("action")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.action_id} · {self.text[:40]}"


class ActionChange(models.Model):
    """One field of an action changed (or the action created): the action's history."""

    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="changes", verbose_name=_("action")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("who"),
    )
    field = models.CharField(_("field"), max_length=30)
    old_value = models.CharField(_("before"), max_length=300, blank=True)
    new_value = models.CharField(_("after"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("change")
        verbose_name_plural = _("changes")

    def __str__(self) -> str:
        return f"{self.action_id} · {self.field}: {self.old_value} → {self.new_value}"

    @property
    def field_label(self) -> str:
        """The changed field as the pages name it ("trạng thái")."""
        try:
            return str(Action._meta.get_field(self.field).verbose_name)
        except FieldDoesNotExist:
            return self.field

    def _label(self, value: str) -> str:
        if self.field == "status" and value in ActionStatus.values:
            return str(ActionStatus(value).label)
        return value

    @property
    def old_label(self) -> str:
        return self._label(self.old_value)

    @property
    def new_label(self) -> str:
        return self._label(self.new_value)
