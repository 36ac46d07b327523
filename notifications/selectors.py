"""Reads of the notification centre for the pages, the API and the e-mails."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import AlertRule, Notification


def unread_count(*, user) -> int:
    """How many of the user's in-app notifications are unread (one query)."""
    return Notification.objects.filter(user=user, in_app=True, read_at__isnull=True).count()


def notification_list(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first, with what their text and links need."""
    found = Notification.objects.filter(user=user, in_app=True).select_related(
        "alert__rule",
        "alert__unit__parent__parent__parent__parent",
        "alert__scope__parent__parent__parent__parent",
        "alert__snapshot",
        "alert__action",
    )
    if unread_only:
        found = found.filter(read_at__isnull=True)
    return found.order_by("-created_at", "-pk")


def rule_list() -> QuerySet[AlertRule]:
    return AlertRule.objects.filter(enabled=True).order_by("pk")
