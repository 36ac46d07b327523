"""What this app does when other apps send their signals."""

import logging

logger = logging.getLogger(__name__)


def on_snapshot_published(sender, *, snapshot_id: int, **kwargs) -> None:
    """Queue the evaluation of a published snapshot's alerts (after its commit).

    A broker that is down loses nothing: the scheduler evaluates publications left without
    an evaluation (services.alert_evaluate_schedule).
    """
    from notifications.tasks import alert_evaluate_snapshot_task

    try:
        alert_evaluate_snapshot_task.delay(snapshot_id)
    except Exception:
        logger.exception(
            "alerts of snapshot %s not queued; the scheduler will evaluate them", snapshot_id
        )
