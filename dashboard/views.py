"""Dashboard pages: home, leaderboard, unit, comparison. Parse input, read, render.

Every unit and snapshot a page shows is fetched through `dashboard.lookups` (the same
look-ups as the downloads), and every list of leaderboard rows passes
`_visible_leaderboard_rows`: the decisions are all `accounts.access`'s.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import access_for, readable_peer_keys, require, visible_rows
from accounts.decorators import reader_view
from accounts.selectors import home_scope_for
from dashboard import lookups, pages
from dashboard.links import can_open_board, links_for
from indicators.conditional import conditional_published
from indicators.models import Snapshot
from units.models import AdministrativeUnit

# --- Access hooks ---------------------------------------------------------------------------
# The only place these pages meet access control: every decision is `accounts.access`'s.


def _visible_leaderboard_rows(request: HttpRequest, snapshot: Snapshot, rows: list) -> list:
    """Return the rows of snapshot the user may see: whole readable tables, a chair's own."""
    return visible_rows(access_for(request), snapshot, rows)


def _readable_keys(request: HttpRequest, snapshot: Snapshot) -> set[str] | None:
    """Return the peer tables of snapshot the user may read (None: all of them)."""
    return readable_peer_keys(access_for(request), snapshot)


def _require_readable_board(request: HttpRequest, scope: AdministrativeUnit, snapshot) -> None:
    """404 unless the user may read the scope or at least one of its peer tables."""
    require(can_open_board(access_for(request), scope, snapshot))


def _home_scope(request: HttpRequest) -> AdministrativeUnit | None:
    """The scope of the home page: the user's own, else SCOREBOARD_HOME_SCOPE, else the latest."""
    own = home_scope_for(request.user)
    if own is not None:
        return own
    return pages.home_scope(setting=getattr(settings, "SCOREBOARD_HOME_SCOPE", ""))


def _viewer(request: HttpRequest) -> str:
    """What decides the rows this request reads (in the ETag of published data)."""
    return access_for(request).cache_key


# Pages of published data answer If-None-Match / If-Modified-Since with 304.
published = conditional_published(_viewer)


# --- Input ----------------------------------------------------------------------------------


def _descending(request: HttpRequest) -> bool | None:
    return {"asc": False, "desc": True}.get(request.GET.get("dir", ""))


# --- Pages ----------------------------------------------------------------------------------


@reader_view
@published
def home(request: HttpRequest) -> HttpResponse:
    """Show the latest published snapshot of the user's scope, this week's changes, freshness."""
    scope = _home_scope(request)
    snapshot = lookups.latest_snapshot_holding(scope)
    page = pages.home_page(
        scope=scope, snapshot=snapshot, readable_keys=partial(_readable_keys, request)
    )
    access = access_for(request)
    page.other_scopes = [s for s in page.other_scopes if access.can_read_scope(s)]
    return render(request, "dashboard/home.html", {"page": page})


@reader_view
def leaderboard_home(request: HttpRequest) -> HttpResponse:
    """Send /bang-xep-hang/ to the leaderboard of the home scope."""
    scope = _home_scope(request)
    if scope is None:
        return redirect("home")
    return redirect("dashboard:leaderboard", scope_id=scope.pk)


@reader_view
@published
def leaderboard(request: HttpRequest, scope_id: int) -> HttpResponse:
    """Show a scope's peer tables for one snapshot: search, band filter, sort, snapshot picker."""
    scope = lookups.scope_unit(scope_id)
    snapshot = lookups.requested_snapshot(request, scope)
    _require_readable_board(request, scope, snapshot)
    page = pages.leaderboard_page(
        scope=scope,
        snapshot=snapshot,
        peers=request.GET.get("peers") or None,
        query=request.GET.get("q", ""),
        band=request.GET.get("band", ""),
        sort=request.GET.get("sort", pages.SORT_DEFAULT),
        descending=_descending(request),
        group_view=request.GET.get("groups"),
        page_number=request.GET.get("page", 1),
        readable_keys=partial(_readable_keys, request),
    )
    return render(request, "dashboard/leaderboard.html", {"page": page})


@reader_view
@published
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a unit's standing, breakdown, gaps, neighbours, trend, children and lineage."""
    unit = lookups.readable_unit(request, pk)
    snapshot = lookups.requested_snapshot(request, None)
    rows_hook = partial(_visible_leaderboard_rows, request)
    page = pages.unit_page(unit=unit, snapshot=snapshot, visible_rows=rows_hook)
    as_of = page.snapshot.as_of if page.snapshot else None
    children_snapshot = lookups.latest_snapshot_holding(unit, as_of=as_of)
    children = pages.children_boards(unit=unit, snapshot=children_snapshot, visible_rows=rows_hook)
    # Only the neighbours the viewer may open: the comparison refuses the whole set otherwise.
    compare_ids = links_for(request).openable_ids(page.compare_ids, page.snapshot)
    context = {
        "page": page,
        "children": children,
        "children_snapshot": children_snapshot,
        "compare_ids": compare_ids if len(compare_ids) > 1 else [],
    }
    return render(request, "dashboard/unit_detail.html", context)


@reader_view
@published
def compare(request: HttpRequest) -> HttpResponse:
    """Compare up to four units side by side over time (?units=1,2,3)."""
    ids = pages.parse_unit_ids(request.GET.getlist("units"))
    if ids is None:
        raise BadRequest(
            _("The parameter “units” must be unit ids (whole numbers) separated by commas.")
        )
    kept = ids[: pages.COMPARE_MAX]
    units = lookups.readable_units(request, kept)
    page = pages.compare_page(
        units=units,
        query=request.GET.get("q", ""),
        dropped=len(ids) - len(kept),
        readable=access_for(request).units_q(),
    )
    return render(request, "dashboard/compare.html", {"page": page})
