"""Jobs that finish: leases, the sweeper, the outbox, bounded tries, retry and discard.

These run on any database with eager tasks; tests/ingest/test_faults.py does the same
things to a real worker, broker and PostgreSQL.
"""

import datetime
from datetime import timedelta
from pathlib import Path

import kombu.exceptions
import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.utils import timezone, translation

from accounts.models import AuditAction, AuditEvent, Role
from accounts.services import membership_grant
from indicators.models import Snapshot, SnapshotStatus
from ingest import services, tasks
from ingest.models import Upload, UploadStatus

DEMO = Path(__file__).resolve().parents[2] / "demo"
FILE = DEMO / "binh-duong-cap-huyen-2025-05-20.csv"
AS_OF = datetime.date(2025, 5, 20)


@pytest.fixture(autouse=True)
def _eager(eager_tasks):
    pass


def receive(scope, *, enqueue=False, path=FILE):
    upload, _ = services.upload_receive(
        data=path.read_bytes(),
        filename=path.name,
        scope=scope,
        as_of=AS_OF,
        period="ytd",
        enqueue=enqueue,
    )
    return upload


def previewed(scope) -> Upload:
    upload = services.upload_validate(upload_id=receive(scope).pk)
    assert upload.status == UploadStatus.PREVIEWED, upload.errors
    return upload


@pytest.fixture
def broker_down(monkeypatch):
    """Every send to the broker fails as kombu fails when Redis refuses the connection."""

    def refuse(*args, **kwargs):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6399.")

    monkeypatch.setattr(tasks.upload_validate_task, "delay", refuse)
    monkeypatch.setattr(tasks.upload_publish_task, "delay", refuse)
    return monkeypatch


@pytest.fixture
def admin(binh_duong):
    user = get_user_model().objects.create_user("quantri", password="a-long-test-password-766")
    membership_grant(user=user, unit=binh_duong.province, role=Role.DATA_ADMIN)
    return user


# --- The outbox: the state is the intent; the sweeper sends what could not be sent ----------


@pytest.mark.django_db(transaction=True)
def test_an_upload_made_while_the_broker_is_down_is_kept_and_sent_later(binh_duong, broker_down):
    upload = receive(binh_duong.province, enqueue=True)
    upload.refresh_from_db()
    assert (upload.status, upload.is_unsent, upload.is_waiting_for_worker) == (
        UploadStatus.RECEIVED,
        True,
        True,
    )
    assert services.upload_sweep()["sent"] == 0  # still down: still kept
    broker_down.undo()
    assert services.upload_sweep() == {"returned": 0, "failed": 0, "due": 1, "sent": 1}
    upload.refresh_from_db()
    assert upload.status == UploadStatus.PREVIEWED  # the eager worker ran it
    assert (upload.lease_owner, upload.lease_expires_at) == ("", None)


@pytest.mark.django_db(transaction=True)
def test_the_upload_form_answers_queued_when_the_broker_is_down(
    binh_duong, admin, client, broker_down
):
    client.force_login(admin)
    with FILE.open("rb") as fh:
        response = client.post(
            "/uploads/",
            {"file": fh, "scope": "Bình Dương", "as_of": "2025-05-20", "period": "ytd"},
            HTTP_ACCEPT_LANGUAGE="vi",
            follow=True,
        )
    assert response.status_code == 200
    upload = Upload.objects.get()
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/uploads/{upload.pk}/"
    assert "sẽ được xử lý ngay khi hàng đợi hoạt động trở lại" in html
    assert "Đang chờ máy xử lý từ" in html
    # The same bytes again hand back the same upload, still waiting, still nothing lost.
    with FILE.open("rb") as fh:
        client.post(
            "/uploads/", {"file": fh, "scope": "Bình Dương", "as_of": "2025-05-20", "period": "ytd"}
        )
    assert Upload.objects.count() == 1
    # The polled status says it too (the page keeps it current while it waits), and stops
    # saying it once a worker has the job.
    polled = client.get(f"/uploads/{upload.pk}/status.json", HTTP_ACCEPT_LANGUAGE="vi").json()
    since = timezone.localtime(upload.queued_at).strftime("%d/%m/%Y %H:%M")
    assert f"Đang chờ máy xử lý từ {since}" in polled["waiting"]
    assert "hàng đợi hoạt động trở lại" in polled["waiting"]
    broker_down.undo()
    services.upload_sweep()
    polled = client.get(f"/uploads/{upload.pk}/status.json", HTTP_ACCEPT_LANGUAGE="vi").json()
    assert (polled["status"], polled["waiting"]) == (UploadStatus.PREVIEWED, "")


@pytest.mark.django_db(transaction=True)
def test_publishing_while_the_broker_is_down_is_kept_and_sent_later(binh_duong, broker_down):
    upload = previewed(binh_duong.province)
    services.upload_request_publish(upload_id=upload.pk)
    upload.refresh_from_db()
    assert (upload.status, upload.is_unsent) == (UploadStatus.PUBLISHING, True)
    broker_down.undo()
    services.upload_sweep()
    upload.refresh_from_db()
    assert upload.status == UploadStatus.PUBLISHED
    assert upload.snapshot.status == SnapshotStatus.PUBLISHED


def test_a_sent_job_is_left_alone_until_its_pickup_deadline(binh_duong, settings):
    upload = receive(binh_duong.province)  # enqueue=False: the caller runs it
    assert services.upload_sweep()["due"] == 0
    later = timezone.now() + timedelta(seconds=settings.SCOREBOARD_JOB_PICKUP_SECONDS + 1)
    assert services.upload_sweep(now=later)["due"] == 1
    upload.refresh_from_db()
    assert upload.status == UploadStatus.PREVIEWED


# --- Leases: one holder at a time; a dead holder's step goes back; tries are bounded ---------


def test_a_step_held_by_a_live_worker_is_not_taken_twice(binh_duong):
    upload = receive(binh_duong.province)
    Upload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.VALIDATING,
        lease_owner="task-alive",
        lease_expires_at=timezone.now() + timedelta(minutes=1),
    )
    again = services.upload_validate(upload_id=upload.pk, owner="task-duplicate")
    assert (again.status, again.lease_owner, again.snapshot_id) == (
        UploadStatus.VALIDATING,
        "task-alive",
        None,
    )
    assert services.upload_sweep()["returned"] == 0


def test_the_sweeper_hands_back_the_step_of_a_dead_worker(binh_duong):
    upload = previewed(binh_duong.province)
    services.upload_request_publish(upload_id=upload.pk, enqueue=False)
    Upload.objects.filter(pk=upload.pk).update(
        lease_owner="task-killed",
        lease_expires_at=timezone.now() - timedelta(seconds=1),
        attempts=1,
    )
    result = services.upload_sweep()
    assert (result["returned"], result["sent"]) == (1, 1)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.PUBLISHED
    assert upload.attempts == 2
    assert AuditEvent.objects.filter(action=AuditAction.PUBLISH).count() == 1


def test_after_the_last_try_the_upload_fails_with_a_readable_reason(binh_duong, settings):
    upload = receive(binh_duong.province)
    Upload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.VALIDATING,
        lease_owner="task-killed",
        lease_expires_at=timezone.now() - timedelta(seconds=1),
        attempts=settings.SCOREBOARD_JOB_MAX_ATTEMPTS,
    )
    with translation.override("vi"):
        assert services.upload_sweep()["failed"] == 1
    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    assert upload.failed_during == UploadStatus.VALIDATING
    assert "Máy xử lý đã dừng 5 lần" in upload.failure_reason


# --- Transient errors are retried; permanent ones fail readably -------------------------------


def test_a_lost_database_connection_hands_the_publish_back_for_a_retry(binh_duong, monkeypatch):
    upload = previewed(binh_duong.province)
    services.upload_request_publish(upload_id=upload.pk, enqueue=False)

    def connection_lost(**kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(services.snapshot_services, "snapshot_publish", connection_lost)
    with pytest.raises(OperationalError):
        services.upload_publish(upload_id=upload.pk, owner="task-1")
    upload.refresh_from_db()
    assert (upload.status, upload.lease_owner, upload.failure_reason) == (
        UploadStatus.PUBLISHING,
        "",
        "",
    )
    monkeypatch.undo()
    assert services.upload_publish(upload_id=upload.pk, owner="task-1").status == "published"


def test_a_database_that_stays_away_fails_the_upload_after_the_last_try(
    binh_duong, monkeypatch, settings
):
    upload = previewed(binh_duong.province)
    services.upload_request_publish(upload_id=upload.pk, enqueue=False)

    def connection_lost(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services.snapshot_services, "snapshot_publish", connection_lost)
    for _try in range(settings.SCOREBOARD_JOB_MAX_ATTEMPTS - 1):
        with pytest.raises(OperationalError):
            services.upload_publish(upload_id=upload.pk, owner="task-1")
    with translation.override("en"):
        last = services.upload_publish(upload_id=upload.pk, owner="task-1")
    assert last.status == UploadStatus.FAILED
    assert "database could not be reached (5 tries)" in last.failure_reason
    assert "server closed" not in last.failure_reason
    assert Snapshot.objects.get(pk=last.snapshot_id).status == SnapshotStatus.DRAFT


# --- Retry and discard ----------------------------------------------------------------------------


def test_a_failed_publish_is_retried_with_its_draft_and_no_second_upload(
    binh_duong, monkeypatch, django_capture_on_commit_callbacks
):
    upload = previewed(binh_duong.province)

    def broken(**kwargs):
        raise RuntimeError("permanent")

    monkeypatch.setattr(services.snapshot_services, "snapshot_publish", broken)
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_request_publish(upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        retried = services.upload_retry(upload_id=upload.pk)
    retried.refresh_from_db()
    assert retried.status == UploadStatus.PUBLISHED
    assert retried.snapshot_id == upload.snapshot_id
    assert Upload.objects.count() == 1
    assert not Snapshot.objects.filter(status=SnapshotStatus.DRAFT).exists()
    assert AuditEvent.objects.filter(action=AuditAction.RETRY).count() == 1
    with pytest.raises(services.UploadStateError):
        services.upload_retry(upload_id=upload.pk)


def test_a_failed_validation_is_retried_from_the_file_and_its_orphan_draft_removed(
    binh_duong, django_capture_on_commit_callbacks
):
    upload = previewed(binh_duong.province)
    orphan = upload.snapshot_id
    Upload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.FAILED, failed_during=UploadStatus.VALIDATING
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_retry(upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.PREVIEWED
    assert upload.snapshot_id != orphan
    assert Snapshot.objects.get(pk=orphan).status == SnapshotStatus.DISCARDED
    assert Snapshot.objects.filter(status=SnapshotStatus.DRAFT).count() == 1


@pytest.mark.parametrize(
    "status", [UploadStatus.RECEIVED, UploadStatus.REJECTED, UploadStatus.FAILED]
)
def test_any_upload_not_published_can_be_discarded(binh_duong, status):
    upload = receive(binh_duong.province)
    Upload.objects.filter(pk=upload.pk).update(status=status)
    assert services.upload_discard(upload_id=upload.pk).status == UploadStatus.DISCARDED
    assert services.upload_sweep()["due"] == 0


def test_a_published_upload_or_one_a_worker_holds_is_not_discarded(binh_duong):
    upload = previewed(binh_duong.province)
    Upload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.PUBLISHING,
        lease_owner="task-alive",
        lease_expires_at=timezone.now() + timedelta(minutes=1),
    )
    with pytest.raises(services.UploadStateError):
        services.upload_discard(upload_id=upload.pk)
    Upload.objects.filter(pk=upload.pk).update(lease_owner="", lease_expires_at=None)
    services.upload_publish(upload_id=upload.pk)
    with pytest.raises(services.UploadStateError):
        services.upload_discard(upload_id=upload.pk)


def test_the_upload_page_offers_retry_for_failed_and_discard_for_unpublished(
    binh_duong, admin, client, django_capture_on_commit_callbacks
):
    upload = receive(binh_duong.province)
    client.force_login(admin)
    html = client.get(f"/uploads/{upload.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Waiting for a worker since" in html
    assert f"/uploads/{upload.pk}/discard" in html
    assert f"/uploads/{upload.pk}/retry" not in html
    Upload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.FAILED, failure_reason="The worker stopped 5 times."
    )
    html = client.get(f"/uploads/{upload.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/uploads/{upload.pk}/retry" in html
    assert "Waiting for a worker since" not in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/uploads/{upload.pk}/retry")
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.status == UploadStatus.PREVIEWED  # eager: validated at once


@pytest.mark.django_db(transaction=True)
def test_a_second_click_sends_a_job_the_broker_refused_the_first_time(binh_duong, broker_down):
    upload = previewed(binh_duong.province)
    services.upload_request_publish(upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.is_unsent
    broker_down.undo()
    services.upload_request_publish(upload_id=upload.pk)  # the admin clicks again
    upload.refresh_from_db()
    assert upload.status == UploadStatus.PUBLISHED
    assert AuditEvent.objects.filter(action=AuditAction.PUBLISH).count() == 1
