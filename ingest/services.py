"""Write paths of the import pipeline.

An upload goes: received → validating → previewed (a draft snapshot holds the computed
scores) → publishing → published, or ends rejected / failed / discarded; a failed one can
be retried. Every step is a function here, called alike by the pages, the API, the Celery
tasks and the CLI.

Jobs never get stuck (README, "Operations"): the states that wait on a worker are their own
outbox (the state change and the intent commit together; `upload_send` sends the message
after commit and the sweeper sends what could not be sent), a worker holds a step under a
lease (ingest/leases.py), and `upload_sweep` hands back the steps of workers that died.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import date

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import access_for_user
from accounts.models import AuditAction
from accounts.services import audit_record
from indicators import services as snapshot_services
from indicators.models import Framework, Snapshot, SnapshotPeriod, SnapshotStatus, period_from_input
from ingest import selectors
from ingest.leases import (
    RELEASED,
    WAITING_STATUS_OF,
    held_by,
    lease_claim,
    lease_release,
    local_owner,
    pickup_deadline,
)
from ingest.models import (
    LIVE_STATUSES,
    WORKER_STATUSES,
    Upload,
    UploadSource,
    UploadStatus,
    WorkerProbe,
)
from ingest.parsers import gc_paused
from ingest.validation import ValidatedTable, validate_upload_bytes
from units.models import AdministrativeUnit, UnitCode
from units.services import (
    AliasRefused,
    department_register,
    unit_aliases_add,
    units_keep_portal_codes,
)

logger = logging.getLogger(__name__)

# Errors of the database that pass: a lost connection, a serialization failure, a deadlock.
# The task retries them with back-off; anything else fails the upload for good.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)


class UploadStateError(Exception):
    """The upload is not in a state that allows the requested step."""


class _LeaseLost(Exception):
    """This worker's lease was taken back (it was thought dead, or the upload discarded)."""


def _broker_errors() -> tuple[type[BaseException], ...]:
    import kombu.exceptions
    import redis.exceptions

    return (kombu.exceptions.OperationalError, redis.exceptions.RedisError, OSError)


def upload_send(*, upload_id: int) -> bool:
    """Send the message of an upload waiting on a worker; False if the broker is unreachable.

    The deadline is set before sending, so an eager (in-process) run that finishes at once
    is not overwritten; a failed send puts it back to "never sent" for the sweeper.
    """
    from ingest.tasks import upload_publish_task, upload_validate_task

    upload = (
        Upload.objects.filter(
            pk=upload_id,
            status__in=(UploadStatus.RECEIVED, UploadStatus.PUBLISHING),
            lease_owner="",
        )
        .only("pk", "status")
        .first()
    )
    if upload is None:
        return False
    deadline = pickup_deadline()
    Upload.objects.filter(pk=upload.pk, lease_owner="", status=upload.status).update(
        lease_expires_at=deadline
    )
    task = upload_validate_task if upload.status == UploadStatus.RECEIVED else upload_publish_task
    try:
        task.delay(upload.pk)
    except _broker_errors() as exc:
        logger.warning("queue unreachable, upload %s left for the sweeper: %s", upload.pk, exc)
        Upload.objects.filter(pk=upload.pk, lease_owner="", lease_expires_at=deadline).update(
            lease_expires_at=None
        )
        return False
    return True


def _send_on_commit(upload_id: int) -> None:
    transaction.on_commit(lambda: upload_send(upload_id=upload_id))


def worker_probe_complete(*, probe_id: int, worker_hostname: str) -> None:
    """Stamp a probe as completed by a worker (idempotent)."""
    WorkerProbe.objects.filter(pk=probe_id, completed_at__isnull=True).update(
        completed_at=timezone.now(), worker_hostname=worker_hostname[:255]
    )


def upload_receive(
    *,
    data: bytes,
    filename: str,
    scope: AdministrativeUnit,
    as_of: date,
    period: str,
    user=None,
    sheet: str = "",
    is_synthetic: bool = False,
    enqueue: bool = True,
    origin: dict | None = None,
    source: str = UploadSource.PERSON,
    source_request: dict | None = None,
    fetched_at=None,
) -> tuple[Upload, bool]:
    """Store an export file and queue its validation; return (upload, created).

    The same bytes for the same scope, date and period return the earlier upload unchanged,
    so a double click or a re-run of a script changes nothing. With enqueue=False the caller
    validates it itself (CLI): the sweeper leaves it alone until the pick-up deadline.
    A fetch of the portal (portal app) gives source="portal", the request it sent and when.
    """
    period = period_from_input(period)
    if period not in SnapshotPeriod.values:
        raise ValueError(f"unknown period {period!r}; one of {', '.join(SnapshotPeriod.values)}")
    sha256 = hashlib.sha256(data).hexdigest()
    existing = (
        Upload.objects.filter(
            sha256=sha256,
            scope=scope,
            as_of=as_of,
            period=period,
            period_year=as_of.year,
            sheet=sheet,
            status__in=LIVE_STATUSES,
        )
        .order_by("-pk")
        .first()
    )
    if existing is not None:
        if enqueue and existing.is_unsent:
            upload_send(upload_id=existing.pk)  # the same file again: a chance to send it now
        return existing, False
    with transaction.atomic():
        upload = Upload(
            uploaded_by=user if user is not None and user.is_authenticated else None,
            original_filename=filename[:255],
            sha256=sha256,
            size_bytes=len(data),
            sheet=sheet,
            scope=scope,
            as_of=as_of,
            period=period,
            period_year=as_of.year,
            is_synthetic=is_synthetic,
            source=source,
            source_request=source_request or {},
            fetched_at=fetched_at,
            queued_at=timezone.now(),
            lease_expires_at=None if enqueue else pickup_deadline(),
            progress_message=_("Waiting for a worker"),
        )
        upload.file.save(filename.replace("/", "_")[:150], ContentFile(data), save=False)
        upload.save()
        audit_record(
            action=AuditAction.UPLOAD,
            actor=user,
            username="cli",
            target=f"#{upload.pk} {upload.original_filename} · {scope.full_name} · {as_of}",
            detail={"upload": upload.pk, "sha256": sha256},
            origin=origin,
        )
        if enqueue:
            _send_on_commit(upload.pk)
    return upload, True


def _set_progress(upload: Upload, percent: int, message: str) -> None:
    # A separate, committed write so that a page polling the status sees it mid-run.
    Upload.objects.filter(pk=upload.pk).update(progress=percent, progress_message=message[:200])


def upload_validate(
    *, upload_id: int, owner: str = "", on_progress: Callable[[int, str], None] | None = None
) -> Upload:
    """Parse and validate an upload; on success compute a draft snapshot for the preview.

    1. Claim the step (received → validating) under owner's lease; an upload another live
       worker holds, or in any other state, is returned unchanged.
    2. Parse the file (pure) and match its units (constant queries).
    3. On errors: rejected, with the list; no score row is written.
    4. Otherwise, in one transaction: draft snapshot, rows loaded, scores recomputed → previewed.
    A transient database error hands the step back and is raised for the task to retry.
    """
    owner = owner or local_owner()
    claimed = lease_claim(
        upload_id=upload_id,
        owner=owner,
        from_statuses=(UploadStatus.RECEIVED, UploadStatus.VALIDATING),
        to_status=UploadStatus.VALIDATING,
        progress=10,
        progress_message=_("Reading the file"),
    )
    upload = Upload.objects.select_related("scope").get(pk=upload_id)
    if not claimed:
        return upload

    def progress(percent: int, message: str) -> None:
        _set_progress(upload, percent, message)
        if on_progress:
            on_progress(percent, message)

    try:
        if on_progress:
            on_progress(upload.progress, upload.progress_message)
        with upload.file.open("rb") as fh:
            data = fh.read()
        progress(40, _("Checking units and values"))
        framework = Framework.objects.valid_on(upload.as_of)
        # Tens of thousands of short-lived objects, none in a cycle: see parsers.gc_paused.
        # A savepoint: should a query fail mid-validation, the caller's transaction (the
        # command's, the test's) stays usable for marking the upload failed below.
        with transaction.atomic(), gc_paused():
            validated = validate_upload_bytes(
                data,
                filename=upload.original_filename,
                sheet=upload.sheet or None,
                scope=upload.scope,
                as_of=upload.as_of,
                framework=framework,
            )
        validated.is_synthetic = upload.is_synthetic
        if validated.errors:
            _finish_rejected(upload, validated, owner=owner)
            return upload
        progress(60, _("Computing scores"))
        with transaction.atomic(), gc_paused():
            snapshot = _draft_snapshot_from(validated, upload=upload, framework=framework)
            done = Upload.objects.filter(held_by(owner), pk=upload.pk).update(
                status=UploadStatus.PREVIEWED,
                kind=validated.kind,
                snapshot=snapshot,
                row_count=validated.row_count,
                unit_count=len(validated.unit_ids),
                errors=[],
                warnings=[asdict(w) for w in validated.warnings],
                portal_codes=[list(pair) for pair in validated.portal_codes],
                progress=100,
                progress_message=_("Ready to publish"),
                failure_reason="",
                failed_during="",
                **RELEASED,
            )
            if not done:
                raise _LeaseLost  # rolls the draft back: the upload is someone else's now
    except _LeaseLost:
        pass
    except TRANSIENT_DB_ERRORS as exc:
        if _give_back(upload_id, owner=owner, step=UploadStatus.VALIDATING, exc=exc):
            raise
    except SoftTimeLimitExceeded:
        _fail(upload_id, owner=owner, step=UploadStatus.VALIDATING, reason=_reason_time_limit())
    except Exception:
        logger.exception("validation of upload %s failed", upload_id)
        _fail(
            upload_id,
            owner=owner,
            step=UploadStatus.VALIDATING,
            reason=_(
                "Validation stopped because of an internal error. Nothing was changed: retry, "
                "or report upload #%(id)s to the administrators."
            )
            % {"id": upload_id},
        )
    upload.refresh_from_db()
    return upload


def _finish_rejected(upload: Upload, validated: ValidatedTable, *, owner: str) -> None:
    Upload.objects.filter(held_by(owner), pk=upload.pk).update(
        status=UploadStatus.REJECTED,
        kind=validated.kind or "",
        row_count=validated.row_count,
        errors=[asdict(e) for e in validated.errors],
        warnings=[asdict(w) for w in validated.warnings],
        progress=100,
        progress_message=_("Rejected"),
        **RELEASED,
    )
    upload.refresh_from_db()


# --- Failure and recovery of a step -------------------------------------------------------
# Reasons are sentences for the admin who reads the upload page; the exception itself goes to
# the log (never a driver's text on the page).


def _reason_time_limit() -> str:
    return _(
        "The job took longer than the time limit (%(minutes)s minutes) and was stopped. "
        "Nothing was changed: retry it, or split the file."
    ) % {"minutes": settings.CELERY_TASK_TIME_LIMIT // 60}


def _reason_database(attempts: int) -> str:
    return _(
        "The database could not be reached (%(n)s tries). Nothing was changed and the "
        "published ranking is intact: retry once the database is back."
    ) % {"n": attempts}


def _reason_worker_lost(attempts: int) -> str:
    return _(
        "The worker stopped %(n)s times while processing this upload (restarted, or out of "
        "memory). Nothing was changed and the published ranking is intact: retry, or report "
        "it to the administrators."
    ) % {"n": attempts}


def _reconnect_if_broken() -> None:
    # After a lost connection Django keeps the dead one; outside a transaction, drop it so
    # the next query connects again.
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


def _fail(upload_id: int, *, owner: str, step: str, reason: str) -> None:
    Upload.objects.filter(held_by(owner), pk=upload_id).update(
        status=UploadStatus.FAILED,
        failed_during=step,
        failure_reason=reason,
        progress_message=_("Failed"),
        **RELEASED,
    )


def _give_back(upload_id: int, *, owner: str, step: str, exc: BaseException) -> bool:
    """After a transient error: hand the step back to the queue (True, the task retries) or,
    after SCOREBOARD_JOB_MAX_ATTEMPTS tries, fail the upload readably (False)."""
    logger.warning("upload %s: transient error while %s: %s", upload_id, step, exc)
    _reconnect_if_broken()
    attempts = Upload.objects.filter(pk=upload_id).values_list("attempts", flat=True).first() or 0
    if attempts >= settings.SCOREBOARD_JOB_MAX_ATTEMPTS:
        _fail(upload_id, owner=owner, step=step, reason=_reason_database(attempts))
        return False
    lease_release(
        upload_id=upload_id,
        owner=owner,
        to_status=WAITING_STATUS_OF[step],
        retry_at=pickup_deadline(),
    )
    return True


def _draft_snapshot_from(
    validated: ValidatedTable, *, upload: Upload, framework: Framework | None = None
) -> Snapshot:
    snapshot = snapshot_services.snapshot_create_draft(
        scope=upload.scope,
        as_of=upload.as_of,
        period=upload.period,
        period_year=upload.period_year,
        framework=framework,
        source_label=upload.original_filename,
        is_synthetic=validated.is_synthetic,
    )
    if validated.indicator_counts is not None:
        # Loaded and recomputed in one go: the values need not be read back.
        snapshot_services.snapshot_load_indicator_counts(
            snapshot=snapshot, counts=validated.indicator_counts, recompute_scores=True
        )
        return snapshot
    if validated.kind == "indicator":
        snapshot_services.snapshot_load_indicator_rows(
            snapshot=snapshot, rows=validated.indicator_inputs
        )
    else:
        snapshot_services.snapshot_load_group_rows(snapshot=snapshot, rows=validated.group_inputs)
    snapshot_services.snapshot_recompute(snapshot_id=snapshot.pk)
    return snapshot


def upload_request_publish(
    *, upload_id: int, user=None, enqueue: bool = True, origin: dict | None = None
) -> Upload:
    """Queue the publication of a previewed upload (previewed → publishing)."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload_id)
        if upload.status == UploadStatus.PUBLISHING or upload.status == UploadStatus.PUBLISHED:
            if enqueue and upload.is_unsent:
                _send_on_commit(upload.pk)  # a second click: a chance to send it now
            return upload
        if upload.status != UploadStatus.PREVIEWED:
            raise UploadStateError(
                _(
                    "Only an upload that is ready to publish can be published (this one is “%(status)s”)."
                )
                % {"status": upload.get_status_display()}
            )
        upload.status = UploadStatus.PUBLISHING
        upload.published_by = user if user is not None and user.is_authenticated else None
        upload.progress = 0
        upload.progress_message = _("Waiting for a worker")
        _queue_fields(upload, enqueue=enqueue)
        upload.save(
            update_fields=[
                "status",
                "published_by",
                "progress",
                "progress_message",
                "status_changed_at",
                *_QUEUE_FIELDS,
            ]
        )
        audit_record(
            action=AuditAction.PUBLISH,
            actor=user,
            username="cli",
            target=f"#{upload.pk} {upload.original_filename}",
            detail={"upload": upload.pk, "snapshot": upload.snapshot_id},
            origin=origin,
        )
        if enqueue:
            _send_on_commit(upload.pk)
    return upload


_QUEUE_FIELDS = ["queued_at", "lease_owner", "lease_expires_at", "attempts"]


def _queue_fields(upload: Upload, *, enqueue: bool) -> None:
    # A fresh step: nobody holds it, no try yet; "never sent" until upload_send has sent it.
    upload.queued_at = timezone.now()
    upload.lease_owner = ""
    upload.lease_expires_at = None if enqueue else pickup_deadline()
    upload.attempts = 0


def upload_publish(*, upload_id: int, owner: str = "") -> Upload:
    """Publish the upload's draft snapshot atomically (publishing → published); safe to retry.

    The step is claimed under owner's lease, so two deliveries of one job publish once. A
    failure leaves the previously published snapshot in place: a transient database error
    hands the step back and is raised for the task to retry; anything else fails the upload.
    """
    # A caller in this process (CLI) may publish a previewed upload directly; a task only
    # what an admin asked to publish, so a stray message can never publish a preview.
    publishable = (
        (UploadStatus.PUBLISHING,) if owner else (UploadStatus.PUBLISHING, UploadStatus.PREVIEWED)
    )
    owner = owner or local_owner()
    upload = Upload.objects.get(pk=upload_id)
    if upload.status == UploadStatus.PUBLISHED:
        return upload
    if upload.status not in publishable:
        raise UploadStateError(f"upload {upload_id} is {upload.status}, not publishable")
    claimed = lease_claim(
        upload_id=upload_id,
        owner=owner,
        from_statuses=publishable,
        to_status=UploadStatus.PUBLISHING,
        progress=30,
        progress_message=_("Publishing the snapshot"),
    )
    if not claimed:
        upload.refresh_from_db()
        return upload
    try:
        with transaction.atomic():
            snapshot_services.snapshot_publish(snapshot_id=upload.snapshot_id)
            units_keep_portal_codes(codes=upload.portal_codes, valid_from=upload.as_of)
            done = Upload.objects.filter(held_by(owner), pk=upload_id).update(
                status=UploadStatus.PUBLISHED,
                published_at=timezone.now(),
                progress=100,
                progress_message=_("Published"),
                failure_reason="",
                failed_during="",
                **RELEASED,
            )
            if not done:
                raise _LeaseLost  # rolls the publication back: another worker has the step
    except _LeaseLost:
        pass
    except TRANSIENT_DB_ERRORS as exc:
        if _give_back(upload_id, owner=owner, step=UploadStatus.PUBLISHING, exc=exc):
            raise
    except SoftTimeLimitExceeded:
        _fail(upload_id, owner=owner, step=UploadStatus.PUBLISHING, reason=_reason_time_limit())
    except Exception:
        logger.exception("publishing upload %s failed", upload_id)
        _fail(
            upload_id,
            owner=owner,
            step=UploadStatus.PUBLISHING,
            reason=_(
                "Publishing stopped because of an internal error; the previously published "
                "ranking is unchanged. Retry, or report upload #%(id)s to the administrators."
            )
            % {"id": upload_id},
        )
    upload.refresh_from_db()
    return upload


def _discard_draft(upload: Upload) -> None:
    if upload.snapshot_id and upload.snapshot.status == SnapshotStatus.DRAFT:
        snapshot_services.snapshot_discard(snapshot_id=upload.snapshot_id)


def upload_discard(*, upload_id: int, user=None, origin: dict | None = None) -> Upload:
    """Drop an upload that is not published, and its draft snapshot (→ discarded).

    A step a live worker holds right now is not discarded under its feet: the admin waits
    for it to end (or for its lease to run out if the worker died).
    """
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload_id)
        if upload.status == UploadStatus.DISCARDED:
            return upload
        if upload.status == UploadStatus.PUBLISHED:
            raise UploadStateError(
                _(
                    "A published upload cannot be discarded: upload a corrected file for the "
                    "same date instead."
                )
            )
        if (
            upload.lease_owner
            and upload.lease_expires_at
            and upload.lease_expires_at > timezone.now()
        ):
            raise UploadStateError(
                _("A worker is processing this upload right now; discard it once it has finished.")
            )
        _discard_draft(upload)
        upload.status = UploadStatus.DISCARDED
        upload.lease_owner, upload.lease_expires_at = "", None
        upload.save(
            update_fields=["status", "status_changed_at", "lease_owner", "lease_expires_at"]
        )
        audit_record(
            action=AuditAction.DISCARD,
            actor=user,
            username="cli",
            target=f"#{upload.pk} {upload.original_filename}",
            detail={"upload": upload.pk},
            origin=origin,
        )
    return upload


def upload_retry(
    *, upload_id: int, user=None, enqueue: bool = True, origin: dict | None = None
) -> Upload:
    """Run a failed upload again from its kept file, without uploading it again.

    A publication that failed is queued again with the same draft (the admin had already
    asked for it); a validation that failed starts over, and a draft left from it (an orphan
    no upload would ever publish) is discarded. A retry of an upload already queued again
    changes nothing (a double click).
    """
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload_id)
        if upload.status in WORKER_STATUSES:
            return upload
        if upload.status != UploadStatus.FAILED:
            raise UploadStateError(
                _("Only a failed upload can be retried (this one is “%(status)s”).")
                % {"status": upload.get_status_display()}
            )
        draft = upload.snapshot if upload.snapshot_id else None
        if (
            upload.failed_during == UploadStatus.PUBLISHING
            and draft is not None
            and draft.status == SnapshotStatus.DRAFT
        ):
            upload.status = UploadStatus.PUBLISHING
        else:
            _discard_draft(upload)
            upload.snapshot = None
            upload.status = UploadStatus.RECEIVED
        upload.failure_reason, upload.failed_during = "", ""
        upload.progress, upload.progress_message = 0, _("Waiting for a worker")
        _queue_fields(upload, enqueue=enqueue)
        upload.save(
            update_fields=[
                "status",
                "snapshot",
                "failure_reason",
                "failed_during",
                "progress",
                "progress_message",
                "status_changed_at",
                *_QUEUE_FIELDS,
            ]
        )
        audit_record(
            action=AuditAction.RETRY,
            actor=user,
            username="cli",
            target=f"#{upload.pk} {upload.original_filename}",
            detail={"upload": upload.pk, "step": upload.status},
            origin=origin,
        )
        if enqueue:
            _send_on_commit(upload.pk)
    return upload


def upload_register_departments(
    *, upload_id: int, user=None, enqueue: bool = True, origin: dict | None = None
) -> list[AdministrativeUnit]:
    """On an admin's word, register the departments a rejected province table names and
    validate the same upload again (nothing to upload twice).

    1. The kept file is validated again: its rows that name no known unit and read as
       departments of the province (ingest.validation, `departments`) are the ones registered.
    2. Each becomes a unit of level department under the province, valid from the upload's
       date, with the file's code as its portal code (units.services.department_register).
    3. One audit event lists them; the upload goes back to "received" and is queued again.
    A file that names no such row changes nothing (and returns no unit).
    """
    with transaction.atomic():
        upload = Upload.objects.select_for_update().select_related("scope").get(pk=upload_id)
        if upload.status != UploadStatus.REJECTED:
            raise UploadStateError(
                _("Departments are registered from a rejected upload (this one is “%(status)s”).")
                % {"status": upload.get_status_display()}
            )
        with upload.file.open("rb") as fh:
            validated = validate_upload_bytes(
                fh.read(),
                filename=upload.original_filename,
                sheet=upload.sheet or None,
                scope=upload.scope,
                as_of=upload.as_of,
                framework=Framework.objects.valid_on(upload.as_of),
            )
        if not validated.departments:
            return []  # nothing to register: the upload stays as it is
        registered = []
        for code, name in validated.departments:
            unit, created = department_register(
                province=upload.scope, name=name, valid_from=upload.as_of, portal_code=code
            )
            if created:
                registered.append(unit)
        _check_again(
            upload,
            enqueue=enqueue,
            audited=AuditAction.DEPARTMENTS_REGISTERED,
            detail={"province": upload.scope_id, "units": [[u.pk, u.name] for u in registered]},
            user=user,
            origin=origin,
        )
    return registered


def _check_again(
    upload: Upload, *, enqueue: bool, audited: str, detail: dict, user, origin: dict | None
) -> None:
    """A rejected upload whose registry an admin just completed: one audit event says what
    was added, and the upload goes back to "received", queued again: the same kept file,
    validated with what was added."""
    audit_record(
        action=audited,
        actor=user,
        username="cli",
        target=f"#{upload.pk} {upload.original_filename}",
        detail={"upload": upload.pk, **detail},
        origin=origin,
    )
    upload.status = UploadStatus.RECEIVED
    upload.errors, upload.warnings = [], []
    upload.progress, upload.progress_message = 0, _("Waiting for a worker")
    _queue_fields(upload, enqueue=enqueue)
    upload.save(
        update_fields=[
            "status",
            "errors",
            "warnings",
            "progress",
            "progress_message",
            "status_changed_at",
            *_QUEUE_FIELDS,
        ]
    )
    if enqueue:
        _send_on_commit(upload.pk)


def upload_pick_aliases(
    *,
    upload_id: int,
    picks: Mapping[str, int | str | None],
    user=None,
    enqueue: bool = True,
    origin: dict | None = None,
) -> list[UnitCode]:
    """On a data admin's pick, keep unknown names of a rejected upload as aliases of units of
    its scope, and validate the same upload again (nothing to upload twice).

    `picks`: name as the file writes it (the value of an "unknown unit" error) → unit id;
    a blank id leaves the name unknown. Everything is checked before anything changes
    (AliasRefused, nothing kept): each name is one of the upload's unknown names, each unit
    one of the scope's that the admin reads, and no alias makes a name of the scope name
    two units (units.services.unit_aliases_add). One audit event lists what was kept; next
    week's file with the same name matches without asking.
    """
    with transaction.atomic():
        upload = Upload.objects.select_for_update().select_related("scope").get(pk=upload_id)
        if upload.status != UploadStatus.REJECTED:
            raise UploadStateError(
                _("Names are picked on a rejected upload (this one is “%(status)s”).")
                % {"status": upload.get_status_display()}
            )
        access = access_for_user(user) if user is not None else None
        if access is not None and not access.can_upload(upload.scope):
            raise AliasRefused(
                _("Only a data admin of %(scope)s picks its names.")
                % {"scope": upload.scope.full_name}
            )
        chosen = {name: unit for name, unit in picks.items() if str(unit or "").strip()}
        if not chosen:
            raise AliasRefused(_("Pick a unit for at least one of the unknown names."))
        unknown = {n.text for n in selectors.upload_unknown_names(upload, with_candidates=False)}
        strange = sorted(set(chosen) - unknown)
        if strange:
            raise AliasRefused(
                _("“%(text)s” is not one of the names this upload could not match.")
                % {"text": strange[0]}
            )
        try:
            ids = {name: int(str(unit).strip()) for name, unit in chosen.items()}
        except ValueError:
            raise AliasRefused(_("A pick is not a unit.")) from None
        units = AdministrativeUnit.objects.select_related("parent__parent__parent").in_bulk(
            set(ids.values())
        )
        for name, unit_id in ids.items():
            unit = units.get(unit_id)
            if unit is None or (access is not None and not access.can_read_unit(unit)):
                raise AliasRefused(
                    _("The unit picked for “%(text)s” is not one of %(scope)s.")
                    % {"text": name, "scope": upload.scope.full_name}
                )
        created = unit_aliases_add(
            scope=upload.scope,
            as_of=upload.as_of,
            picks=[(name, units[unit_id]) for name, unit_id in ids.items()],
        )
        _check_again(
            upload,
            enqueue=enqueue,
            audited=AuditAction.ALIASES_ADDED,
            detail={"scope": upload.scope_id, "aliases": [[c.unit_id, c.code] for c in created]},
            user=user,
            origin=origin,
        )
    return created


def upload_sweep(*, now=None) -> dict[str, int]:
    """Recover the jobs nobody will finish otherwise; Celery beat runs it periodically.

    1. A held step whose lease ran out (its worker died) goes back to the queue, or, after
       SCOREBOARD_JOB_MAX_ATTEMPTS workers, the upload fails with a readable reason.
    2. A waiting step whose message was never sent (broker down at the click) or was not
       taken in time is sent (again); a duplicate message finds the step claimed and stops.
    """
    now = now or timezone.now()
    expired = (
        Upload.objects.filter(
            status__in=(UploadStatus.VALIDATING, UploadStatus.PUBLISHING),
            lease_expires_at__lt=now,
        )
        .exclude(lease_owner="")
        .values_list("pk", "status", "lease_owner", "attempts")
    )
    returned = failed = 0
    for pk, status, owner, attempts in list(expired):
        # Conditional on the same owner and deadline: a heartbeat that came in meanwhile wins.
        still = Upload.objects.filter(pk=pk, lease_owner=owner, lease_expires_at__lt=now)
        if attempts >= settings.SCOREBOARD_JOB_MAX_ATTEMPTS:
            failed += still.update(
                status=UploadStatus.FAILED,
                failed_during=status,
                failure_reason=_reason_worker_lost(attempts),
                progress_message=_("Failed"),
                **RELEASED,
            )
        else:
            returned += still.update(
                status=WAITING_STATUS_OF[status],
                progress=0,
                progress_message=_("Waiting for a worker"),
                **RELEASED,
            )
    due = list(
        Upload.objects.filter(
            Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now),
            status__in=(UploadStatus.RECEIVED, UploadStatus.PUBLISHING),
            lease_owner="",
        ).values_list("pk", flat=True)
    )
    sent = sum(upload_send(upload_id=pk) for pk in due)
    if returned or failed or sent or due:
        logger.info(
            "sweep: %s step(s) taken back, %s failed, %s of %s sent",
            returned,
            failed,
            sent,
            len(due),
        )
    return {"returned": returned, "failed": failed, "due": len(due), "sent": sent}
