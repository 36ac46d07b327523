"""What this app does when a snapshot is published (`indicators.signals`)."""

import logging

logger = logging.getLogger(__name__)


def on_snapshot_published(sender, *, snapshot_id: int, **kwargs) -> None:
    """Queue the warming of the published cache for a worker.

    Without a broker (make run, tests) nothing is queued: each web process's cache in memory
    fills as pages are read, and warming in-process would only keep the publisher waiting.
    A broker that is down loses nothing but speed: the first readers build what they read.
    """
    from indicators.tasks import published_cache_warm_task

    if published_cache_warm_task.app.conf.task_always_eager:
        return
    try:
        published_cache_warm_task.delay(snapshot_id)
    except Exception:
        logger.exception("published cache of snapshot %s not warmed; pages build it", snapshot_id)
