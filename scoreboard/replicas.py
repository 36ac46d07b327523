"""Reads of published data from streaming replicas, everything else from the primary.

A published snapshot never changes, so a replica that lags by a second shows the previous
ranking or the new one, never a mix (publishing flips states in one transaction). What may
not lag is what a user just wrote: after any write request the user's reads stay on the
primary for `REPLICA_READ_YOUR_WRITES_SECONDS` (a cookie, so it holds across web processes).

Only requests to the views in `REPLICA_VIEWS` read from a replica, and only models of the
apps in `REPLICA_APPS`: sessions, users, roles and uploads always come from the primary, so a
fresh login, a new role or an upload's live status is never read stale. Celery tasks and
management commands never set the flag, so they read the primary.
"""

from __future__ import annotations

import contextvars
import random
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PIN_COOKIE = "read_primary_until"

# The apps whose rows a board, a unit page, an export or a score API reads.
REPLICA_APPS = frozenset({"units", "indicators"})

# Views that only read published data: URL namespaces, then single route names.
REPLICA_NAMESPACES = frozenset({"indicators", "dashboard", "downloads"})
REPLICA_ROUTE_NAMES = frozenset(
    {
        "home",
        "api:unit-scores",
        "api:unit-breakdown",
        "api:unit-history",
        "api:unit-what-it-takes",
        "api:leaderboard",
        "api:unit-list",
        "api:unit-detail",
        "api:framework-list",
        "api:framework-detail",
        "api:snapshot-list",
        "api:snapshot-detail",
    }
)

_reading_published_data: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "reading_published_data", default=False
)


def replica_aliases() -> list[str]:
    """Name the database aliases that are replicas (settings.DATABASE_REPLICAS)."""
    return list(getattr(settings, "DATABASE_REPLICAS", ()))


class ReplicaRouter:
    """Send reads of `REPLICA_APPS` to a replica while a published-data view runs."""

    def db_for_read(self, model, **hints) -> str | None:
        replicas = replica_aliases()
        if replicas and _reading_published_data.get() and model._meta.app_label in REPLICA_APPS:
            return random.choice(replicas)
        return None  # Django's default: the primary, or the alias an instance came from

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # Every alias holds the same data (streaming replication), so any relation is sound.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == "default"


def reads_published_data(route_name: str, namespaces: list[str]) -> bool:
    """Tell whether a resolved view only reads published data (see the module docstring)."""
    return bool(REPLICA_NAMESPACES.intersection(namespaces)) or route_name in REPLICA_ROUTE_NAMES


class ReplicaReadsMiddleware:
    """Route a safe request to a published-data view to the replicas; pin writers to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _reading_published_data.set(False)
        try:
            response = self.get_response(request)
        finally:
            _reading_published_data.reset(token)
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and replica_aliases():
            window = settings.REPLICA_READ_YOUR_WRITES_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                str(int(time.time()) + window),
                max_age=window,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        if request.method not in ("GET", "HEAD") or not replica_aliases():
            return None
        if _pinned_to_primary(request):
            return None
        match = request.resolver_match
        if match and reads_published_data(match.view_name, match.namespaces):
            _reading_published_data.set(True)
        return None


def _pinned_to_primary(request: HttpRequest) -> bool:
    try:
        return int(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
    except ValueError:
        return False
