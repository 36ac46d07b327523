"""What this app does when other apps send their signals."""

import logging

logger = logging.getLogger(__name__)


def on_snapshot_published(sender, *, snapshot_id: int, **kwargs) -> None:
    """Evaluate a published snapshot's alerts: queued for a worker, or here without a broker.

    It runs after the publication committed and must not fail it: a broker that is down
    loses nothing, as the scheduler evaluates publications left without an evaluation
    (services.alert_evaluate_schedule).
    """
    from notifications import services
    from notifications.tasks import alert_evaluate_snapshot_task

    try:
        if alert_evaluate_snapshot_task.app.conf.task_always_eager:
            # In-process (make run, the demo): the same service, without Celery's task log.
            services.alert_evaluate_snapshot(snapshot_id=snapshot_id)
        else:
            alert_evaluate_snapshot_task.delay(snapshot_id)
    except Exception:
        logger.exception("alerts of snapshot %s not evaluated now; the scheduler will", snapshot_id)
