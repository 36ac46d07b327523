"""Celery tasks of the portal sync: thin wrappers over portal.services."""

from celery import shared_task
from django.contrib.auth import get_user_model

from portal import services
from portal.models import FetchTrigger, SyncScope


@shared_task(ignore_result=True)
def portal_sync_due_task() -> int:
    """Fetch the scopes whose hour has come today (Celery beat)."""
    return len(services.portal_sync_due())


@shared_task(ignore_result=True)
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
