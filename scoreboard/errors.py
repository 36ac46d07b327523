"""Error pages in the app's layout, Vietnamese and English, each with a way back.

Django's defaults are bare English pages without the header. 400, 403 and 404 render in
base.html with the viewer's way back (home, and their own leaderboard); on a unit's or a
leaderboard's address they add one sentence why, the same whether the unit is outside the
viewer's scope or has no data for the date, so the page reveals neither. 500 renders a
page that needs no database (the failure may be the database).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

UNIT_ROUTES = {"unit_detail", "unit", "unit_report", "unit_report_pdf"}
BOARD_ROUTES = {"leaderboard", "leaderboard_home"}


def _why(request: HttpRequest) -> str:
    try:
        name = resolve(request.path_info).url_name
    except Resolver404:
        return ""
    if name in UNIT_ROUTES:
        return _(
            "This unit's page cannot be opened: the unit is outside the units assigned to "
            "you, or it has no published scores for the date asked."
        )
    if name in BOARD_ROUTES:
        return _(
            "This leaderboard cannot be opened: it is outside the units assigned to you, or "
            "it has no published scores for the date asked."
        )
    return ""


def _way_back(request: HttpRequest):
    """The viewer's own leaderboard scope, if they have one (1 query)."""
    from accounts.selectors import home_scope_for

    return home_scope_for(getattr(request, "user", None))


def _render(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    context = {
        "status": status,
        "title": title,
        "message": message,
        "why": _why(request) if status in (403, 404) else "",
        "own_scope": _way_back(request),
    }
    html = render_to_string("errors/error.html", context, request=request)
    return HttpResponse(html, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    # Our own BadRequest messages are translated sentences naming the parameter and value.
    detail = str(exception) if exception is not None and str(exception) else ""
    message = detail or _("The address has a parameter this page cannot read.")
    return _render(request, 400, _("Bad request"), message)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _render(request, 403, _("Access denied"), _("You may not open this page."))


@requires_csrf_token
def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _render(request, 404, _("Page not found"), _("There is no page at this address."))


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponse(render_to_string("errors/500.html", {}), status=500)
