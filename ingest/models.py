"""Models of the import pipeline."""

from django.db import models


class WorkerProbe(models.Model):
    """A row a Celery worker stamps to prove the broker → worker → database path works."""

    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    worker_hostname = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"probe {self.pk} ({'done' if self.completed_at else 'pending'})"
