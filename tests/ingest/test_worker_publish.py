"""CI's proof of the production path for imports: a real worker validates and publishes."""

import datetime
from pathlib import Path

import pytest

from indicators.models import SnapshotStatus, UnitScore
from ingest import services
from ingest.models import UploadStatus
from ingest.tasks import upload_publish_task, upload_validate_task
from tests.worker import running_worker

DEMO = Path(__file__).resolve().parents[2] / "demo"


@pytest.mark.postgres
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_validates_and_publishes_an_upload(binh_duong):
    path = DEMO / "binh-duong-cap-huyen-2025-05-20.csv"
    upload, _ = services.upload_receive(
        data=path.read_bytes(),
        filename=path.name,
        scope=binh_duong.province,
        as_of=datetime.date(2025, 5, 20),
        period="year",
        enqueue=False,
    )
    with running_worker() as queue:
        status = upload_validate_task.apply_async(args=[upload.pk], queue=queue).get(timeout=120)
        upload.refresh_from_db()
        assert status == "previewed", (upload.errors, upload.failure_reason)
        services.upload_request_publish(upload_id=upload.pk, enqueue=False)
        assert (
            upload_publish_task.apply_async(args=[upload.pk], queue=queue).get(timeout=120)
            == "published"
        )
    upload.refresh_from_db()
    assert upload.status == UploadStatus.PUBLISHED
    assert upload.snapshot.status == SnapshotStatus.PUBLISHED
    score = UnitScore.objects.get(snapshot=upload.snapshot, unit=binh_duong.di_an)
    assert (score.rank, score.peer_count) == (1, 9)
