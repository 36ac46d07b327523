"""Celery tasks of the import pipeline: thin wrappers over services, taking IDs only.

Each job task holds its step under a lease named after the task id (a retry keeps the id,
so it takes its own step back) and keeps the lease alive with a heartbeat while it runs.
"""

import contextlib

from celery import shared_task
from django.conf import settings

from ingest import services
from ingest.leases import lease_heartbeat

# Only transient infrastructure errors are retried; a bad file is a result, not an error,
# and the services turn every other error into a failed upload with a readable reason.
TRANSIENT = (*services.TRANSIENT_DB_ERRORS, ConnectionError)
JOB_OPTIONS = {
    "bind": True,
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": settings.SCOREBOARD_RETRY_BACKOFF_MAX,
    "retry_jitter": True,
    "max_retries": settings.SCOREBOARD_JOB_MAX_ATTEMPTS,
}


def _held(task, upload_id: int):
    # In-process (eager) runs share the caller's connection and transaction: no heartbeat.
    if task.request.is_eager:
        return contextlib.nullcontext()
    return lease_heartbeat(upload_id=upload_id, owner=task.request.id)


@shared_task(bind=True)
def worker_probe_complete_task(self, probe_id: int) -> int:
    """Mark a worker probe done, recording which worker did it."""
    services.worker_probe_complete(probe_id=probe_id, worker_hostname=self.request.hostname or "")
    return probe_id


@shared_task(**JOB_OPTIONS)
def upload_validate_task(self, upload_id: int) -> str:
    """Validate an upload and compute its preview."""
    with _held(self, upload_id):
        return services.upload_validate(upload_id=upload_id, owner=self.request.id).status


@shared_task(**JOB_OPTIONS)
def upload_publish_task(self, upload_id: int) -> str:
    """Publish an upload's snapshot."""
    with _held(self, upload_id):
        return services.upload_publish(upload_id=upload_id, owner=self.request.id).status


@shared_task(ignore_result=True)
def upload_sweep_task() -> dict:
    """Take back the steps of dead workers and send the jobs never sent (Celery beat)."""
    return services.upload_sweep()
