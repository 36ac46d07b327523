"""Shared fixtures, and the rule that CI may not skip tests of the production path."""

import os

import pytest
from django.conf import settings
from django.db import connection

SERVICE_MARKERS = ("postgres", "redis", "worker", "browser")


def _require_services() -> bool:
    # .ci/run sets this: there, a skipped service test is a failure, not a pass.
    return os.environ.get("SCOREBOARD_REQUIRE_SERVICES") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _require_services():
        markers = [m for m in SERVICE_MARKERS if item.get_closest_marker(m)]
        if markers:
            report.outcome = "failed"
            report.longrepr = (
                f"{item.nodeid} needs {', '.join(markers)} and was skipped, but "
                "SCOREBOARD_REQUIRE_SERVICES=1 demands it runs: start the services."
            )


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://…")
    if item.get_closest_marker("redis") or item.get_closest_marker("worker"):
        _skip_without_redis()


def _skip_without_redis() -> None:
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis"):
        pytest.skip("needs Redis: set CELERY_BROKER_URL=redis://…")
    import redis

    try:
        redis.Redis.from_url(broker, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis at {broker} does not answer: {exc}")
