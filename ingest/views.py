"""Upload pages: form, history, status with progress, preview, publish, discard and retry.

Only data admins (and superusers) reach these views, and each upload is visible only to the
admins of its scope: another province's upload is a 404, as if it did not exist.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import access_for
from accounts.decorators import uploader_view
from accounts.services import request_origin
from indicators.models import period_label, period_number_on
from ingest import selectors, services
from ingest.forms import UploadForm
from ingest.models import UploadStatus

HISTORY_LENGTH = 50


def _visible_uploads(request: HttpRequest):
    return selectors.upload_list().filter(access_for(request).upload_scopes_q())


@uploader_view
def upload_list(request: HttpRequest) -> HttpResponse:
    """Show the upload form and the upload history; receive a new file."""
    form = UploadForm(request.POST or None, request.FILES or None, access=access_for(request))
    if request.method == "POST" and form.is_valid():
        upload, created = services.upload_receive(
            data=form.cleaned_data["file"].read(),
            filename=form.cleaned_data["file"].name,
            scope=form.cleaned_data["scope_unit"],
            as_of=form.cleaned_data["as_of"],
            period=form.cleaned_data["period"],
            sheet=form.cleaned_data["sheet"],
            user=request.user,
            origin=request_origin(request),
        )
        if not created:
            messages.info(
                request,
                _("This file was already uploaded for the same scope and date; nothing changed."),
            )
        _say_if_unsent(request, upload)
        return redirect("ingest:upload_detail", pk=upload.pk)
    uploads = _visible_uploads(request)[:HISTORY_LENGTH]
    return render(request, "ingest/upload_list.html", {"form": form, "uploads": uploads})


def _say_if_unsent(request: HttpRequest, upload) -> None:
    # The broker was down at the click: the job is saved and the sweeper sends it later.
    upload.refresh_from_db(fields=["status", "lease_owner", "lease_expires_at"])
    if upload.is_unsent:
        messages.warning(
            request,
            _(
                "The upload is saved and queued, but the job queue cannot be reached right "
                "now: it will be processed as soon as the queue is back. Nothing needs to be "
                "uploaded again."
            ),
        )


@uploader_view
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show an upload's status, errors, warnings and, once validated, the preview."""
    upload = get_object_or_404(_visible_uploads(request), pk=pk)
    shows_preview = upload.status in (
        UploadStatus.PREVIEWED,
        UploadStatus.PUBLISHING,
        UploadStatus.PUBLISHED,
    )
    preview = selectors.upload_preview(upload=upload) if shows_preview else None
    context = {
        "upload": upload,
        "preview": preview,
        "errors": selectors.issues_in_row_order(upload.errors),
        "warnings": selectors.issues_in_row_order(upload.warnings),
        "period_label": _period_label(upload),
        # Rows that read as departments the registry lacks: the admin may register them.
        "department_rows": sum(e["code"] == "unknown_department" for e in upload.errors),
        # Names no unit answers to: the admin may pick the unit each one means.
        **_name_picks(upload),
        # The confirmation step before publishing: what will change, then one more click.
        "confirming": request.GET.get("confirm") == "publish"
        and upload.status == UploadStatus.PREVIEWED,
    }
    return render(request, "ingest/upload_detail.html", context)


def _name_picks(upload) -> dict:
    if upload.status != UploadStatus.REJECTED:
        return {"unknown_names": [], "pick_choices": []}
    names = selectors.upload_unknown_names(upload)
    return {
        "unknown_names": names,
        "pick_choices": selectors.upload_pick_choices(upload, names) if names else [],
    }


def _period_label(upload) -> str:
    """The period in words ("lũy kế năm 2025"), never the stored code ("ytd")."""
    if upload.snapshot_id is not None:
        return upload.snapshot.period_label
    return period_label(
        upload.period, upload.period_year, period_number_on(upload.period, upload.as_of)
    )


@uploader_view
def upload_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Return the status and progress the detail page polls."""
    upload = get_object_or_404(_visible_uploads(request), pk=pk)
    return JsonResponse(
        {
            "status": upload.status,
            "label": upload.get_status_display(),
            "progress": upload.progress,
            # Said once: a message that only repeats the status is left out.
            "message": ""
            if upload.progress_message == upload.get_status_display()
            else upload.progress_message,
            "final": upload.is_final or upload.status == UploadStatus.PREVIEWED,
            # "Waiting for a worker since …", kept current while the page polls.
            "waiting": render_to_string(
                "ingest/partials/_waiting.html", {"upload": upload}, request=request
            ).strip(),
        }
    )


@uploader_view
@require_POST
def upload_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the publication of a previewed upload."""
    upload = get_object_or_404(_visible_uploads(request), pk=pk)
    if request.POST.get("confirmed") != "1":
        # Publishing is shown what it changes first (the confirmation step), then confirmed.
        return redirect(reverse("ingest:upload_detail", args=[upload.pk]) + "?confirm=publish")
    try:
        services.upload_request_publish(
            upload_id=upload.pk, user=request.user, origin=request_origin(request)
        )
        messages.success(request, _("Publication requested: this page says when it is done."))
    except services.UploadStateError as exc:
        messages.error(request, str(exc))
    else:
        _say_if_unsent(request, upload)
    return redirect("ingest:upload_detail", pk=upload.pk)


def _step(request: HttpRequest, upload, run, *, said=None, refused=()) -> HttpResponse:
    """Run one step of an upload for the page: a refusal is a message, never an error page;
    `said(result)` is the success message."""
    try:
        result = run()
    except (services.UploadStateError, *refused) as exc:
        messages.error(request, str(exc))
    else:
        if said is not None:
            messages.success(request, said(result))
        _say_if_unsent(request, upload)
    return redirect("ingest:upload_detail", pk=upload.pk)


@uploader_view
@require_POST
def upload_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Run a failed upload again from its kept file."""
    upload = get_object_or_404(_visible_uploads(request), pk=pk)
    return _step(
        request,
        upload,
        lambda: services.upload_retry(
            upload_id=upload.pk, user=request.user, origin=request_origin(request)
        ),
    )


@uploader_view
@require_POST
def upload_register_departments(request: HttpRequest, pk: int) -> HttpResponse:
    """Register the departments a rejected province table names, and validate it again."""
    upload = get_object_or_404(_visible_uploads(request), pk=pk)
    return _step(
        request,
        upload,
        lambda: services.upload_register_departments(
            upload_id=upload.pk, user=request.user, origin=request_origin(request)
        ),
        said=lambda units: (
            ngettext(
                "%(count)s department was registered; the file is being checked again.",
                "%(count)s departments were registered; the file is being checked again.",
                len(units),
            )
            % {"count": len(units)}
        ),
    )


@uploader_view
@require_POST
def upload_pick_aliases(request: HttpRequest, pk: int) -> HttpResponse:
    """Keep the units picked for a rejected upload's unknown names as their aliases, and
    validate it again; a refused pick changes nothing and says why."""
    upload = get_object_or_404(_visible_uploads(request), pk=pk)
    picks = {
        request.POST[key]: request.POST.get(f"unit-{key.removeprefix('name-')}", "")
        for key in request.POST
        if key.startswith("name-")
    }
    return _step(
        request,
        upload,
        lambda: services.upload_pick_aliases(
            upload_id=upload.pk, picks=picks, user=request.user, origin=request_origin(request)
        ),
        refused=(services.AliasRefused,),
        said=lambda created: (
            ngettext(
                "%(count)s name was kept as the unit's alias; the file is being checked again.",
                "%(count)s names were kept as the units' aliases; the file is being checked again.",
                len(created),
            )
            % {"count": len(created)}
        ),
    )


@uploader_view
@require_POST
def upload_discard(request: HttpRequest, pk: int) -> HttpResponse:
    """Drop an upload that is not published, and its draft."""
    upload = get_object_or_404(_visible_uploads(request), pk=pk)
    try:
        services.upload_discard(
            upload_id=upload.pk, user=request.user, origin=request_origin(request)
        )
        messages.success(
            request, _("The upload was discarded; the published ranking is unchanged.")
        )
    except services.UploadStateError as exc:
        messages.error(request, str(exc))
    return redirect("ingest:upload_detail", pk=upload.pk)
