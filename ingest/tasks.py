"""Celery tasks of the import pipeline: thin wrappers over services."""

from celery import shared_task

from ingest import services


@shared_task(bind=True)
def worker_probe_complete_task(self, probe_id: int) -> int:
    """Mark a worker probe done, recording which worker did it."""
    services.worker_probe_complete(probe_id=probe_id, worker_hostname=self.request.hostname or "")
    return probe_id
