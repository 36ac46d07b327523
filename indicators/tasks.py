"""Celery tasks of the index: thin wrappers over services, taking IDs only."""

from celery import shared_task

from indicators import published_cache


@shared_task(ignore_result=True, acks_late=True)
def published_cache_warm_task(snapshot_id: int) -> int:
    """Fill the published cache of a snapshot just published (`published_cache.warm`)."""
    return published_cache.warm(snapshot_id=snapshot_id)
