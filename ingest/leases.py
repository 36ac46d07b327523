"""Leases of the upload jobs: who holds a step, until when, and how a lease is kept alive.

Rules (the sweeper, `services.upload_sweep`, acts on them):
- A waiting upload (received, publishing) has no owner; its deadline is when the message
  sent for it must have been taken by a worker, or None if no message could be sent.
- A worker claims a step with one conditional UPDATE (so two deliveries of one job never
  both run it), becomes the owner and extends the deadline with a heartbeat while it works.
- A deadline that passes with an owner means that worker died: the sweeper hands the step
  back (or fails the upload after SCOREBOARD_JOB_MAX_ATTEMPTS).
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from ingest.models import Upload, UploadStatus


def lease_seconds() -> int:
    return settings.SCOREBOARD_JOB_LEASE_SECONDS


def pickup_deadline(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(seconds=settings.SCOREBOARD_JOB_PICKUP_SECONDS)


def local_owner() -> str:
    """An owner name for a step run in this process (CLI, eager tasks)."""
    return f"local-{uuid.uuid4().hex}"


def lease_claim(
    *, upload_id: int, owner: str, from_statuses: tuple[str, ...], to_status: str, **fields
) -> bool:
    """Take a step of an upload for owner; False if another live worker holds it or it moved on.

    Claimable: no owner, an expired lease (its worker died), or owner itself (a retry of
    the same Celery task keeps its id).
    """
    now = timezone.now()
    free = Q(lease_owner="") | Q(lease_expires_at__lt=now) | Q(lease_owner=owner)
    return bool(
        Upload.objects.filter(free, pk=upload_id, status__in=from_statuses).update(
            status=to_status,
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=lease_seconds()),
            attempts=F("attempts") + 1,
            **fields,
        )
    )


def lease_release(*, upload_id: int, owner: str, to_status: str, retry_at: datetime | None) -> bool:
    """Hand a step back to the queue (a transient error); the task's retry takes it again."""
    return bool(
        Upload.objects.filter(pk=upload_id, lease_owner=owner).update(
            status=to_status, lease_owner="", lease_expires_at=retry_at
        )
    )


def held_by(owner: str) -> Q:
    """Q for "owner still holds the lease": final writes are conditional on it."""
    return Q(lease_owner=owner)


RELEASED = {"lease_owner": "", "lease_expires_at": None}


@contextlib.contextmanager
def lease_heartbeat(*, upload_id: int, owner: str):
    """Renew owner's lease in a background thread while the body runs.

    The thread has its own database connection (Django's are per thread), so it keeps
    beating while the task waits on a lock or runs a long statement; a killed worker stops
    beating and its lease runs out within SCOREBOARD_JOB_LEASE_SECONDS.
    """
    stop = threading.Event()
    interval = max(lease_seconds() / 3, 0.5)

    def beat() -> None:
        try:
            while not stop.wait(interval):
                Upload.objects.filter(pk=upload_id, lease_owner=owner).update(
                    lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds())
                )
        except Exception:  # noqa: S110 - a missed beat only lets the lease run out sooner
            pass
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"lease-{upload_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


WAITING_STATUS_OF = {
    UploadStatus.VALIDATING: UploadStatus.RECEIVED,
    UploadStatus.RECEIVED: UploadStatus.RECEIVED,
    UploadStatus.PUBLISHING: UploadStatus.PUBLISHING,
}
