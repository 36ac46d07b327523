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

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["scope", "as_of", "period", "period_year", "sha256"])]
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self) -> str:
        return f"{self.original_filename} ({self.as_of}, {self.get_status_display()})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class WorkerProbe(models.Model):
    """A row a Celery worker stamps to prove the broker → worker → database path works."""

    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    worker_hostname = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"probe {self.pk} ({'done' if self.completed_at else 'pending'})"
