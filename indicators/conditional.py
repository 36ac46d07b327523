"""Conditional requests for published data: ETag and Last-Modified, then 304 Not Modified.

What a page, a download or an API response shows changes only when something is published
(anywhere: home and unit pages span scopes), when the framework or the registry is edited,
or when the viewer, their access or their language changes. The ETag hashes exactly those:
the cache versions of `indicators.published_cache` ("published", "units", "frameworks"),
the viewer's access key, the user (whose name is in the page), the language and the full
path. Last-Modified is the latest publish time; If-None-Match wins over it (RFC 9110), so an
edit that does not publish still changes the answer. With the cache down the versions are
fresh tokens: every request is answered in full, never wrongly with a 304.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections.abc import Callable

from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from django.utils.translation import get_language

from indicators.models import Snapshot
from scoreboard.cache import versions

# What a browser may do with a page or an API answer: keep it for this user only, and ask
# (If-None-Match) before showing it again.
REVALIDATE = "private, no-cache"


def published_etag(request: HttpRequest, *, viewer: str) -> str:
    """The ETag of a read of published data by this viewer (Access.cache_key) and request."""
    user = getattr(request, "user", None)
    parts = [
        versions("published", "units", "frameworks"),
        viewer,
        str(getattr(user, "pk", "") or ""),
        get_language() or "",
        request.get_full_path(),
    ]
    return quote_etag(hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32])


def not_modified(
    request: HttpRequest, *, etag: str, last_modified: datetime.datetime | None
) -> HttpResponse | None:
    """A 304 (or 412) when the client's copy is current, else None: build the answer."""
    if request.method not in ("GET", "HEAD"):
        return None
    timestamp = int(last_modified.timestamp()) if last_modified else None
    return get_conditional_response(request, etag=etag, last_modified=timestamp)


def mark(
    response: HttpResponse,
    *,
    etag: str,
    last_modified: datetime.datetime | None,
    cache_control: str = REVALIDATE,
) -> HttpResponse:
    """Put the validators on a full answer (and who may keep it)."""
    if response.status_code == 200:
        response["ETag"] = etag
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified.timestamp())
        response.setdefault("Cache-Control", cache_control)
    return response


def last_published_at() -> datetime.datetime | None:
    """When anything was last published (1 query on the small snapshots table)."""
    return Snapshot.objects.aggregate(latest=Max("published_at"))["latest"]


def conditional_published(viewer: Callable[[HttpRequest], str], *, cache_control: str = REVALIDATE):
    """Answer a view of published data with 304 when the client's copy is current.

    viewer gives the request's access key (`Access.cache_key`). A 304 is only ever given to
    the user, access and language that got the full answer under the same versions, so it
    skips the view (and its access checks) safely; anything else runs the view.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            etag = published_etag(request, viewer=viewer(request))
            last_modified = last_published_at()
            early = not_modified(request, etag=etag, last_modified=last_modified)
            if early is not None:
                return early
            response = view(request, *args, **kwargs)
            return mark(
                response, etag=etag, last_modified=last_modified, cache_control=cache_control
            )

        return wrapper

    return decorate
