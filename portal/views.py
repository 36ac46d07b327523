"""The "Đồng bộ từ Cổng" button: a data admin fetches one of their scopes from the portal now."""

import logging

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import access_for
from accounts.decorators import uploader_view
from portal.models import SyncScope

logger = logging.getLogger(__name__)


@uploader_view
@require_POST
def sync_now(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a fetch of every period of one sync scope; another province's scope is a 404."""
    sync = get_object_or_404(SyncScope.objects.select_related("scope"), pk=pk)
    if not access_for(request).can_upload(sync.scope):
        raise Http404
    from portal.tasks import portal_sync_now_task

    try:
        portal_sync_now_task.delay(sync.pk, request.user.pk)
    except Exception:  # the queue is down: say so rather than fail the page
        logger.exception("could not queue the portal sync of %s", sync.scope)
        messages.error(
            request,
            _("The job queue cannot be reached right now: try the sync again in a few minutes."),
        )
    else:
        messages.success(
            request,
            _(
                "The portal sync of %(scope)s is under way: its fetches appear below, and an "
                "upload for each that brings new figures."
            )
            % {"scope": sync.scope.full_name},
        )
    return redirect("ingest:upload_list")
