"""The fault suite (issue 15): kill things on the real stack and see every job finish.

Each test runs real Celery workers (with beat, so the sweeper is the real periodic task)
against the test's PostgreSQL database and a Redis of the test's own, and bounds every wait.
Leases, sweeps and back-offs are shortened through the same environment variables an
operator would set, so a dead worker is noticed in seconds rather than a minute.
"""

import datetime
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import AuditAction, AuditEvent, Role
from accounts.services import membership_grant
from indicators.models import Snapshot, SnapshotStatus, UnitScore
from ingest import services
from ingest.models import Upload, UploadStatus
from tests.worker import RedisServer, Worker, _test_database_url, celery_broker, wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
DEMO_FILE = ROOT / "demo" / "binh-duong-cap-huyen-2025-05-20.csv"
GOOD = ROOT / "tests" / "fixtures" / "db" / "good-binh-duong.csv"
CORRECTION = ROOT / "tests" / "fixtures" / "db" / "good-binh-duong-correction.csv"
AS_OF = datetime.date(2025, 5, 20)
LEASE = 6  # seconds: a killed worker's step is taken back this long after its last beat
FAST_JOBS = {
    "SCOREBOARD_JOB_LEASE_SECONDS": str(LEASE),
    "SCOREBOARD_SWEEP_SECONDS": "1",
    "SCOREBOARD_JOB_PICKUP_SECONDS": "30",
    "SCOREBOARD_RETRY_BACKOFF_MAX": "2",
}


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    try:
        with celery_broker(server.url):
            yield server
    finally:
        server.stop()


@pytest.fixture
def workers(redis_server):
    """Start workers on the test's Redis; every one is stopped (or was killed) at the end."""
    started: list[Worker] = []

    def start(*, beat: bool = True) -> Worker:
        env = {
            **FAST_JOBS,
            "CELERY_BROKER_URL": redis_server.url,
            "REDIS_URL": redis_server.url,
            "CELERY_RESULT_BACKEND": redis_server.url,
        }
        worker = Worker(beat=beat, env=env).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    for worker in started:
        print(f"--- log of worker {worker.name} ---\n{worker.log()}")  # shown on failure
        worker.close()


@pytest.fixture
def admin(binh_duong):
    user = get_user_model().objects.create_user("quantri", password="a-long-test-password-766")
    membership_grant(user=user, unit=binh_duong.province, role=Role.DATA_ADMIN)
    return user


def previewed(scope, path=DEMO_FILE) -> Upload:
    upload, _ = services.upload_receive(
        data=path.read_bytes(),
        filename=path.name,
        scope=scope,
        as_of=AS_OF,
        period="ytd",
        enqueue=False,
    )
    upload = services.upload_validate(upload_id=upload.pk)
    assert upload.status == UploadStatus.PREVIEWED, upload.errors
    return upload


def status_of(upload: Upload) -> str:
    upload.refresh_from_db()
    return upload.status


class SnapshotLock:
    """Hold a snapshot row locked from another connection, so a publish waits on it."""

    def __init__(self, snapshot_id: int):
        self.conn = psycopg.connect(_test_database_url().replace("postgres://", "postgresql://"))
        self.conn.execute(
            "SELECT id FROM indicators_snapshot WHERE id = %s FOR UPDATE", [snapshot_id]
        )

    def release(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()
            self.conn.close()


def publisher_waiting_on_lock() -> int | None:
    """The pid of a backend of the test database blocked on a lock (the worker's publish)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid() LIMIT 1"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def assert_published_once(upload: Upload, binh_duong) -> None:
    upload.refresh_from_db()
    assert upload.status == UploadStatus.PUBLISHED, upload.failure_reason
    key = {"scope": upload.scope, "as_of": AS_OF, "period": "ytd"}
    assert list(Snapshot.objects.filter(**key, status=SnapshotStatus.PUBLISHED)) == [
        upload.snapshot
    ]
    assert not Snapshot.objects.filter(**key, status=SnapshotStatus.DRAFT).exists()
    score = UnitScore.objects.get(snapshot=upload.snapshot, unit=binh_duong.di_an)
    assert (score.rank, score.peer_count) == (1, 9)
    assert AuditEvent.objects.filter(action=AuditAction.PUBLISH).count() == 1


# 1 -------------------------------------------------------------------------------------------


def test_a_worker_killed_while_it_holds_a_publish_is_replaced_and_the_upload_published(
    binh_duong, workers
):
    upload = previewed(binh_duong.province)
    first = workers()
    lock = SnapshotLock(upload.snapshot_id)
    try:
        services.upload_request_publish(upload_id=upload.pk)
        wait_until(publisher_waiting_on_lock, timeout=60, what="the worker to block on the lock")
        upload.refresh_from_db()
        assert (upload.status, upload.attempts) == (UploadStatus.PUBLISHING, 1)
        assert upload.lease_owner
        first.kill()
    finally:
        lock.release()
    workers()
    wait_until(lambda: status_of(upload) == UploadStatus.PUBLISHED, timeout=120, what="publish")
    assert_published_once(upload, binh_duong)
    assert upload.attempts == 2  # the dead worker's try, then the new worker's


# 2 -------------------------------------------------------------------------------------------


def test_with_redis_down_uploads_are_kept_and_answered_queued_then_processed(
    binh_duong, admin, workers, redis_server, settings
):
    # The cache lives in the same Redis: it goes down too, and must only degrade.
    settings.CACHES = {
        "default": {
            "BACKEND": "scoreboard.cache.ForgivingRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "5/minute", "user": "5/minute", "uploads": "5/hour"},
    }
    workers()
    redis_server.stop()

    from django.test import Client

    page = Client()
    page.force_login(admin)
    with GOOD.open("rb") as fh:
        response = page.post(
            "/uploads/",
            {"file": fh, "scope": "Bình Dương", "as_of": "2025-05-20", "period": "ytd"},
            HTTP_ACCEPT_LANGUAGE="vi",
            follow=True,
        )
    assert response.status_code == 200
    assert "sẽ được xử lý ngay khi hàng đợi hoạt động trở lại" in response.content.decode()
    from_page = Upload.objects.get(original_filename=GOOD.name)
    assert from_page.is_unsent

    api = APIClient()
    api.force_authenticate(admin)
    with CORRECTION.open("rb") as fh:
        answer = api.post(
            "/api/v1/uploads/",
            {"file": fh, "scope": "Bình Dương", "as_of": "2025-05-20", "period": "year"},
            format="multipart",
        )
    assert answer.status_code == 201, answer.content
    assert (answer.json()["status"], answer.json()["queue_unreachable"]) == ("received", True)
    from_api = Upload.objects.get(pk=answer.json()["id"])
    for _ in range(8):  # over the throttle's rate: no throttle while the cache is down
        assert api.get(f"/api/v1/uploads/{from_api.pk}/").status_code == 200

    redis_server.start()
    wait_until(
        lambda: status_of(from_page) == status_of(from_api) == UploadStatus.PREVIEWED,
        timeout=120,
        what="both uploads validated once Redis is back",
    )
    page.post(f"/uploads/{from_page.pk}/publish", {"confirmed": "1"})
    wait_until(lambda: status_of(from_page) == UploadStatus.PUBLISHED, timeout=60, what="publish")
    assert api.post(f"/api/v1/uploads/{from_api.pk}/publish/").status_code == 202
    wait_until(lambda: status_of(from_api) == UploadStatus.PUBLISHED, timeout=60, what="publish")
    assert Upload.objects.count() == 2
    snapshots = Snapshot.objects.filter(scope=binh_duong.province, as_of=AS_OF)
    assert sorted(snapshots.values_list("status", flat=True)) == ["published", "superseded"]


# 3 -------------------------------------------------------------------------------------------


def test_a_terminated_database_backend_mid_publish_is_retried_and_published(binh_duong, workers):
    upload = previewed(binh_duong.province)
    worker = workers()
    lock = SnapshotLock(upload.snapshot_id)
    try:
        services.upload_request_publish(upload_id=upload.pk)
        pid = wait_until(publisher_waiting_on_lock, timeout=60, what="the worker to block")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        lock.release()
    wait_until(lambda: status_of(upload) == UploadStatus.PUBLISHED, timeout=60, what="retry")
    assert_published_once(upload, binh_duong)
    assert upload.attempts == 2
    assert "Retry in" in worker.log() or "retry" in worker.log().lower()


# 4 -------------------------------------------------------------------------------------------


def test_a_publish_failed_for_good_is_retried_from_the_page_without_a_second_upload(
    binh_duong, admin, workers, client
):
    upload = previewed(binh_duong.province)
    with connection.cursor() as cursor:
        # An injected permanent error: the database refuses to publish this one snapshot.
        cursor.execute(
            "CREATE FUNCTION test_refuse_publish() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF NEW.status = 'published' AND NEW.id = {int(upload.snapshot_id)} THEN "
            "RAISE EXCEPTION 'injected: disk quota exceeded'; END IF; RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER test_refuse_publish BEFORE UPDATE ON indicators_snapshot "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse_publish()"
        )
    workers()
    client.force_login(admin)
    client.post(f"/uploads/{upload.pk}/publish", {"confirmed": "1"})
    wait_until(lambda: status_of(upload) == UploadStatus.FAILED, timeout=60, what="the failure")
    assert upload.attempts == 1  # permanent: not retried by the task
    html = client.get(f"/uploads/{upload.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "injected" not in html and "disk quota" not in html
    assert "bảng xếp hạng đã công bố trước đó không thay đổi" in html
    assert f"/uploads/{upload.pk}/retry" in html
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_refuse_publish ON indicators_snapshot")
        cursor.execute("DROP FUNCTION test_refuse_publish()")

    assert client.post(f"/uploads/{upload.pk}/retry").status_code == 302
    wait_until(lambda: status_of(upload) == UploadStatus.PUBLISHED, timeout=60, what="publish")
    assert Upload.objects.count() == 1
    assert not Snapshot.objects.filter(status=SnapshotStatus.DRAFT).exists()
    assert Snapshot.objects.get(pk=upload.snapshot_id).status == SnapshotStatus.PUBLISHED


# 5 -------------------------------------------------------------------------------------------


def test_two_uploads_of_one_scope_and_date_published_concurrently(binh_duong, workers):
    first, second = previewed(binh_duong.province, GOOD), previewed(binh_duong.province, CORRECTION)
    workers(beat=True), workers(beat=False)
    lock = SnapshotLock(first.snapshot_id)  # both publishers queue up behind it, then race
    try:
        services.upload_request_publish(upload_id=first.pk)
        services.upload_request_publish(upload_id=second.pk)
        wait_until(
            lambda: Upload.objects.exclude(lease_owner="").count() == 2,
            timeout=60,
            what="both workers to hold a publish",
        )
    finally:
        lock.release()
    wait_until(
        lambda: status_of(first) == status_of(second) == UploadStatus.PUBLISHED,
        timeout=60,
        what="both publishes",
    )
    snapshots = {s.pk: s for s in Snapshot.objects.filter(scope=binh_duong.province)}
    statuses = sorted(s.status for s in snapshots.values())
    assert statuses == [SnapshotStatus.PUBLISHED, SnapshotStatus.SUPERSEDED]
    latest = max(snapshots.values(), key=lambda s: s.published_at)
    assert latest.status == SnapshotStatus.PUBLISHED  # the last to publish is the one readers see
    for snapshot in snapshots.values():  # nothing lost: both revisions keep all their rows
        assert UnitScore.objects.filter(snapshot=snapshot).count() == 9
