"""Upload pages: form, history, status with progress, preview, publish and discard."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ingest import selectors, services
from ingest.forms import UploadForm
from ingest.models import Upload

HISTORY_LENGTH = 50


@staff_member_required
def upload_list(request: HttpRequest) -> HttpResponse:
    """Show the upload form and the upload history; receive a new file."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload, created = services.upload_receive(
            data=form.cleaned_data["file"].read(),
            filename=form.cleaned_data["file"].name,
            scope=form.cleaned_data["scope_unit"],
            as_of=form.cleaned_data["as_of"],
            period=form.cleaned_data["period"],
            sheet=form.cleaned_data["sheet"],
            user=request.user,
        )
        if not created:
            messages.info(
                request,
                _("This file was already uploaded for the same scope and date; nothing changed."),
            )
        return redirect("ingest:upload_detail", pk=upload.pk)
    uploads = selectors.upload_list()[:HISTORY_LENGTH]
    return render(request, "ingest/upload_list.html", {"form": form, "uploads": uploads})


@staff_member_required
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show an upload's status, errors, warnings and, once validated, the preview."""
    upload = get_object_or_404(selectors.upload_list(), pk=pk)
    preview = (
        selectors.upload_preview(upload=upload)
        if upload.status in ("previewed", "publishing", "published")
        else None
    )
    return render(request, "ingest/upload_detail.html", {"upload": upload, "preview": preview})


@staff_member_required
def upload_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Return the status and progress the detail page polls."""
    upload = get_object_or_404(Upload, pk=pk)
    return JsonResponse(
        {
            "status": upload.status,
            "label": upload.get_status_display(),
            "progress": upload.progress,
            "message": upload.progress_message,
            "final": upload.is_final or upload.status == "previewed",
        }
    )


@staff_member_required
@require_POST
def upload_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the publication of a previewed upload."""
    try:
        services.upload_request_publish(upload_id=pk, user=request.user)
    except services.UploadStateError as exc:
        messages.error(request, str(exc))
    return redirect("ingest:upload_detail", pk=pk)


@staff_member_required
@require_POST
def upload_discard(request: HttpRequest, pk: int) -> HttpResponse:
    """Drop a previewed upload and its draft."""
    try:
        services.upload_discard(upload_id=pk, user=request.user)
        messages.success(
            request, _("The upload was discarded; the published ranking is unchanged.")
        )
    except services.UploadStateError as exc:
        messages.error(request, str(exc))
    return redirect("ingest:upload_detail", pk=pk)
