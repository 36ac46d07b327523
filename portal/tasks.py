"""Celery tasks of the portal sync: thin wrappers over portal.services."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model

from portal import services
from portal.models import FetchTrigger, SyncScope

# A sync paces its requests and backs off for minutes on a busy portal: its own, longer time
# limit. Acknowledged on receipt, not at the end: a redelivery while it still runs would be a
# second client beside the first, and the portal would see twice the pace.
SYNC_OPTIONS = {
    "ignore_result": True,
    "acks_late": False,
    "soft_time_limit": settings.PORTAL_SYNC_TIME_LIMIT_SECONDS,
    "time_limit": settings.PORTAL_SYNC_TIME_LIMIT_SECONDS + 60,
}


@shared_task(**SYNC_OPTIONS)
def portal_sync_due_task() -> int:
    """Fetch the scopes whose hour has come today (Celery beat)."""
    return len(services.portal_sync_due())


@shared_task(**SYNC_OPTIONS)
def portal_sync_now_task(sync_scope_id: int, user_id: int | None = None) -> int:
    """A data admin's "Đồng bộ từ Cổng": every period of one sync scope, now."""
    sync = SyncScope.objects.select_related("scope").filter(pk=sync_scope_id).first()
    if sync is None:
        return 0
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    for period in sync.period_list:
        services.portal_sync_scope(
            scope=sync.scope, period=period, trigger=FetchTrigger.BUTTON, user=user
        )
    return len(sync.period_list)
