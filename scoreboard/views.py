"""Project-level views: the health check (the home page is dashboard.views.home)."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_broker() -> str:
    from scoreboard.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Report whether the database (and the broker, when configured) answer."""
    checks: dict[str, str] = {}
    healthy = True
    probes = [("database", _check_database)]
    if settings.BROKER_CONFIGURED:
        probes.append(("broker", _check_broker))
    for name, probe in probes:
        try:
            checks[name] = probe()
        except Exception as exc:  # a health check reports failures, it must not raise
            checks[name] = f"error: {exc.__class__.__name__}"
            healthy = False
    if not settings.BROKER_CONFIGURED:
        checks["broker"] = "not configured (tasks run eagerly)"
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )
