"""Models of the import pipeline: an upload and its life from file to published snapshot."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UploadStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    VALIDATING = "validating", _("Validating")
    REJECTED = "rejected", _("Rejected")
    PREVIEWED = "previewed", _("Ready to publish")
    PUBLISHING = "publishing", _("Publishing")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")
    DISCARDED = "discarded", _("Discarded")


# States after which nothing more happens to an upload.
FINAL_STATUSES = frozenset(
    {UploadStatus.REJECTED, UploadStatus.PUBLISHED, UploadStatus.FAILED, UploadStatus.DISCARDED}
)
# States that wait on a worker: each has an owner (lease_owner) and a deadline
# (lease_expires_at), and the sweeper (services.upload_sweep) acts when the deadline passes.
WORKER_STATUSES = frozenset(
    {UploadStatus.RECEIVED, UploadStatus.VALIDATING, UploadStatus.PUBLISHING}
)
# States in which an identical re-upload is recognised as the same upload.
LIVE_STATUSES = frozenset(
    {
        UploadStatus.RECEIVED,
        UploadStatus.VALIDATING,
        UploadStatus.PREVIEWED,
        UploadStatus.PUBLISHING,
        UploadStatus.PUBLISHED,
    }
)


class UploadSource(models.TextChoices):
    PERSON = "person", _("Uploaded by a person")
    PORTAL = "portal", _("Fetched from the portal")


class TableKind(models.TextChoices):
    GROUP = "group", _("Group table")
    INDICATOR = "indicator", _("Indicator table")


def upload_path(instance: "Upload", filename: str) -> str:
    # Content-addressed, so the original file is kept byte for byte and never overwritten.
    return f"uploads/{instance.sha256[:2]}/{instance.sha256}/{filename}"


class Upload(models.Model):
    """One weekly export file for one scope, as-of date and period."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="uploads",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    file = models.FileField(_("file"), upload_to=upload_path, max_length=400)
    original_filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.PositiveIntegerField(default=0)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    scope = models.ForeignKey(
        "units.AdministrativeUnit",
        on_delete=models.PROTECT,
        related_name="uploads",
        verbose_name=_("scope"),
    )
    as_of = models.DateField(_("as of"))
    period = models.CharField(_("period"), max_length=10)
    period_year = models.PositiveSmallIntegerField(_("year"))
    is_synthetic = models.BooleanField(_("synthetic (demo) data"), default=False)
    # Where the file came from: a person's upload, or a fetch of the portal (portal app), with
    # the request it sent and when; the kept file is then the fetch's bundle of responses.
    source = models.CharField(
        _("source"), max_length=8, choices=UploadSource.choices, default=UploadSource.PERSON
    )
    source_request = models.JSONField(_("request sent"), default=dict, blank=True)
    fetched_at = models.DateTimeField(_("fetched at"), null=True, blank=True)
    kind = models.CharField(_("table kind"), max_length=10, choices=TableKind.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=UploadStatus.choices, default=UploadStatus.RECEIVED
    )
    status_changed_at = models.DateTimeField(auto_now=True)
    progress = models.PositiveSmallIntegerField(default=0)  # percent, for the progress bar
    progress_message = models.CharField(max_length=200, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    unit_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # [unit id, code]: the portal codes the file gives for units it was matched to by name,
    # kept as those units' portal codes when the upload is published (docs/DOMAIN.md §5).
    portal_codes = models.JSONField(default=list, blank=True)
    failure_reason = models.TextField(blank=True)
    snapshot = models.ForeignKey(
        "indicators.Snapshot",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="uploads",
        verbose_name=_("snapshot"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # The job's lease. Waiting (received, publishing): lease_owner is empty and
    # lease_expires_at is when the sent message must have been picked up (None: not sent
    # yet, the broker was down: the sweeper sends it). Held (validating, publishing): the
    # task id of the worker, whose heartbeat pushes lease_expires_at forward; a deadline
    # that passes means the worker died.
    queued_at = models.DateTimeField(_("waiting for a worker since"), null=True, blank=True)
    lease_owner = models.CharField(max_length=255, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # workers that took this step
    failed_during = models.CharField(max_length=12, blank=True)  # the step a failure stopped

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["scope", "as_of", "period", "period_year", "sha256"]),
            # The sweeper's scan: uploads waiting on a worker, by deadline.
            models.Index(
                fields=["status", "lease_expires_at"],
                name="ingest_upload_lease_idx",
                condition=models.Q(status__in=["received", "validating", "publishing"]),
            ),
        ]
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self) -> str:
        return f"{self.original_filename} ({self.as_of}, {self.get_status_display()})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_waiting_for_worker(self) -> bool:
        """Queued or taken back after a fault, and no worker holds it yet."""
        return self.status in WORKER_STATUSES and not self.lease_owner

    @property
    def is_unsent(self) -> bool:
        """Queued while the broker was unreachable: the sweeper sends it when it is back."""
        return self.is_waiting_for_worker and self.lease_expires_at is None


class WorkerProbe(models.Model):
    """A row a Celery worker stamps to prove the broker → worker → database path works."""

    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    worker_hostname = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"probe {self.pk} ({'done' if self.completed_at else 'pending'})"
