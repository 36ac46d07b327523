"""The portal sync's panel on the uploads page: the scopes a data admin may sync, their last
fetches and the "Đồng bộ từ Cổng" button."""

from django import template

from accounts.access import access_for
from portal.models import Fetch, SyncScope

register = template.Library()
RECENT = 5


@register.inclusion_tag("portal/_sync_panel.html", takes_context=True)
def portal_sync_panel(context):
    request = context["request"]
    access = access_for(request)
    scopes = [
        s
        for s in SyncScope.objects.select_related("scope__parent__parent")
        if access.can_upload(s.scope)
    ]
    fetches = (
        Fetch.objects.filter(scope__in=[s.scope_id for s in scopes])
        .select_related("scope", "upload")
        .order_by("-started_at", "-pk")[:RECENT]
        if scopes
        else []
    )
    return {"scopes": scopes, "fetches": fetches, "csrf_token": context.get("csrf_token")}
