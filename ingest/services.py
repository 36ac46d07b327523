"""Write paths of the import pipeline."""

from django.utils import timezone

from ingest.models import WorkerProbe


def worker_probe_complete(*, probe_id: int, worker_hostname: str) -> None:
    """Stamp a probe as completed by a worker (idempotent)."""
    WorkerProbe.objects.filter(pk=probe_id, completed_at__isnull=True).update(
        completed_at=timezone.now(), worker_hostname=worker_hostname[:255]
    )
