"""Write paths of the import pipeline.

An upload goes: received → validating → previewed (a draft snapshot holds the computed
scores) → publishing → published, or ends rejected / failed / discarded. Every step is
a function here, called alike by the pages, the API, the Celery tasks and the CLI.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import date

from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditAction
from accounts.services import audit_record
from indicators import services as snapshot_services
from indicators.models import Framework, Snapshot, SnapshotPeriod
from ingest.models import LIVE_STATUSES, Upload, UploadStatus, WorkerProbe
from ingest.parsers import gc_paused
from ingest.validation import ValidatedTable, validate_upload_bytes
from units.models import AdministrativeUnit

logger = logging.getLogger(__name__)

# The periods an upload may name: the snapshot's own (indicators.models.SnapshotPeriod),
# with "year" for the year to date, as the form and the command say it.
PERIOD_CHOICES = [
    ("year", SnapshotPeriod.YTD.label),
    *((p.value, p.label) for p in SnapshotPeriod if p != SnapshotPeriod.YTD),
]
PERIOD_ALIASES = {"year": SnapshotPeriod.YTD.value, **{p.value: p.value for p in SnapshotPeriod}}


class UploadStateError(Exception):
    """The upload is not in a state that allows the requested step."""


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
) -> tuple[Upload, bool]:
    """Store an export file and queue its validation; return (upload, created).

    The same bytes for the same scope, date and period return the earlier upload unchanged,
    so a double click or a re-run of a script changes nothing.
    """
    period = PERIOD_ALIASES[period]
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
            from ingest.tasks import upload_validate_task

            transaction.on_commit(lambda: upload_validate_task.delay(upload.pk))
    return upload, True


def _set_progress(upload: Upload, percent: int, message: str) -> None:
    # A separate, committed write so that a page polling the status sees it mid-run.
    Upload.objects.filter(pk=upload.pk).update(progress=percent, progress_message=message[:200])


def upload_validate(
    *, upload_id: int, on_progress: Callable[[int, str], None] | None = None
) -> Upload:
    """Parse and validate an upload; on success compute a draft snapshot for the preview.

    1. Claim the upload (received → validating); any other state returns it unchanged.
    2. Parse the file (pure) and match its units (constant queries).
    3. On errors: rejected, with the list; no score row is written.
    4. Otherwise, in one transaction: draft snapshot, rows loaded, scores recomputed → previewed.
    """
    claimed = Upload.objects.filter(pk=upload_id, status=UploadStatus.RECEIVED).update(
        status=UploadStatus.VALIDATING, progress=10, progress_message=_("Reading the file")
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
            _finish_rejected(upload, validated)
            return upload
        progress(60, _("Computing scores"))
        with transaction.atomic(), gc_paused():
            snapshot = _draft_snapshot_from(validated, upload=upload, framework=framework)
            Upload.objects.filter(pk=upload.pk).update(
                status=UploadStatus.PREVIEWED,
                kind=validated.kind,
                snapshot=snapshot,
                row_count=validated.row_count,
                unit_count=len(validated.unit_ids),
                errors=[],
                warnings=[asdict(w) for w in validated.warnings],
                progress=100,
                progress_message=_("Ready to publish"),
            )
    except OperationalError:
        # The database went away: hand the upload back so the task's retry can claim it again.
        Upload.objects.filter(pk=upload.pk).update(status=UploadStatus.RECEIVED, progress=0)
        raise
    except Exception as exc:
        logger.exception("validation of upload %s failed", upload_id)
        Upload.objects.filter(pk=upload.pk).update(
            status=UploadStatus.FAILED,
            failure_reason=_(
                "Validation stopped by an internal error (%(error)s). Nothing was changed; try again or report it."
            )
            % {"error": exc.__class__.__name__},
        )
    upload.refresh_from_db()
    return upload


def _finish_rejected(upload: Upload, validated: ValidatedTable) -> None:
    Upload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.REJECTED,
        kind=validated.kind or "",
        row_count=validated.row_count,
        errors=[asdict(e) for e in validated.errors],
        warnings=[asdict(w) for w in validated.warnings],
        progress=100,
        progress_message=_("Rejected"),
    )
    upload.refresh_from_db()


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
        upload.save(
            update_fields=[
                "status",
                "published_by",
                "progress",
                "progress_message",
                "status_changed_at",
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
            from ingest.tasks import upload_publish_task

            transaction.on_commit(lambda: upload_publish_task.delay(upload.pk))
    return upload


def upload_publish(*, upload_id: int) -> Upload:
    """Publish the upload's draft snapshot atomically (publishing → published); safe to retry.

    A failure leaves the previously published snapshot in place and marks the upload failed.
    """
    upload = Upload.objects.get(pk=upload_id)
    if upload.status == UploadStatus.PUBLISHED:
        return upload
    if upload.status not in (UploadStatus.PUBLISHING, UploadStatus.PREVIEWED):
        raise UploadStateError(f"upload {upload_id} is {upload.status}, not publishable")
    _set_progress(upload, 30, _("Publishing the snapshot"))
    try:
        with transaction.atomic():
            locked = Upload.objects.select_for_update().get(pk=upload_id)
            if locked.status == UploadStatus.PUBLISHED:
                return locked
            snapshot_services.snapshot_publish(snapshot_id=locked.snapshot_id)
            locked.status = UploadStatus.PUBLISHED
            locked.published_at = timezone.now()
            locked.progress = 100
            locked.progress_message = _("Published")
            locked.save(
                update_fields=[
                    "status",
                    "published_at",
                    "progress",
                    "progress_message",
                    "status_changed_at",
                ]
            )
        return locked
    except Exception as exc:
        logger.exception("publishing upload %s failed", upload_id)
        Upload.objects.filter(pk=upload_id).update(
            status=UploadStatus.FAILED,
            failure_reason=_(
                "Publishing failed (%(error)s: %(detail)s). The previously published ranking is unchanged."
            )
            % {"error": exc.__class__.__name__, "detail": str(exc)[:300]},
        )
    upload.refresh_from_db()
    return upload


def upload_discard(*, upload_id: int, user=None, origin: dict | None = None) -> Upload:
    """Drop a previewed upload and its draft snapshot (previewed → discarded)."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload_id)
        if upload.status == UploadStatus.DISCARDED:
            return upload
        if upload.status not in (UploadStatus.PREVIEWED, UploadStatus.RECEIVED):
            raise UploadStateError(
                _(
                    "Only an upload that is not yet published can be discarded (this one is “%(status)s”)."
                )
                % {"status": upload.get_status_display()}
            )
        if upload.snapshot_id:
            snapshot_services.snapshot_discard(snapshot_id=upload.snapshot_id)
        upload.status = UploadStatus.DISCARDED
        upload.save(update_fields=["status", "status_changed_at"])
        audit_record(
            action=AuditAction.DISCARD,
            actor=user,
            username="cli",
            target=f"#{upload.pk} {upload.original_filename}",
            detail={"upload": upload.pk},
            origin=origin,
        )
    return upload
