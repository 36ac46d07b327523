"""Celery tasks of the import pipeline: thin wrappers over services, taking IDs only."""

from celery import shared_task
from django.db import OperationalError

from ingest import services

# Only transient infrastructure errors are retried; a bad file is a result, not an error.
TRANSIENT = (OperationalError, ConnectionError)


@shared_task(bind=True)
def worker_probe_complete_task(self, probe_id: int) -> int:
    """Mark a worker probe done, recording which worker did it."""
    services.worker_probe_complete(probe_id=probe_id, worker_hostname=self.request.hostname or "")
    return probe_id


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def upload_validate_task(upload_id: int) -> str:
    """Validate an upload and compute its preview."""
    return services.upload_validate(upload_id=upload_id).status


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def upload_publish_task(upload_id: int) -> str:
    """Publish an upload's snapshot."""
    return services.upload_publish(upload_id=upload_id).status
