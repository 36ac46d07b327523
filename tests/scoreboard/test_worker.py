"""The production path: Django → Redis broker → a real worker process → PostgreSQL."""

import time

import pytest

from ingest.models import WorkerProbe
from ingest.tasks import worker_probe_complete_task
from tests.worker import running_worker


@pytest.mark.postgres
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_task_and_writes_to_postgres():
    probe = WorkerProbe.objects.create()
    with running_worker() as queue:
        result = worker_probe_complete_task.apply_async(args=[probe.pk], queue=queue)
        assert result.get(timeout=90) == probe.pk
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            probe.refresh_from_db()
            if probe.completed_at:
                break
            time.sleep(0.2)
    assert probe.completed_at is not None
    assert probe.worker_hostname.startswith(queue)
