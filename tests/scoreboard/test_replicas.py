"""Reads of published data from a streaming replica; writes and writers on the primary."""

import json
import os
import subprocess
import sys

import psycopg
import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory, override_settings
from django.urls import resolve

from indicators.models import Snapshot
from scoreboard.replicas import PIN_COOKIE, ReplicaReadsMiddleware, ReplicaRouter
from tests.pg_clusters import primary_and_replica, server_binaries
from tests.worker import ROOT
from units.models import AdministrativeUnit

router = ReplicaRouter()


def route_of(method: str, path: str, cookies: dict | None = None):
    """Run the middleware around a view that reports where a unit read and a user read go."""
    request = getattr(RequestFactory(), method.lower())(path)
    request.COOKIES.update(cookies or {})
    seen = {}

    def view_stand_in(request):
        request.resolver_match = resolve(request.path_info)
        middleware.process_view(request, None, (), {})
        seen["unit"] = router.db_for_read(AdministrativeUnit)
        seen["snapshot"] = router.db_for_read(Snapshot)
        seen["user"] = router.db_for_read(User)
        from django.http import HttpResponse

        return HttpResponse("ok")

    middleware = ReplicaReadsMiddleware(view_stand_in)
    response = middleware(request)
    seen["after"] = router.db_for_read(AdministrativeUnit)
    return seen, response


@override_settings(DATABASE_REPLICAS=["replica"])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/bang-xep-hang/1/",
        "/don-vi/1/",
        "/so-sanh/",
        "/bang-xep-hang/1/tai-ve.csv",
        "/api/v1/leaderboard/",
        "/api/v1/units/1/history/",
    ],  # fmt: skip
)
def test_published_data_views_read_scores_and_units_from_the_replica(path):
    seen, _ = route_of("GET", path)
    assert seen["unit"] == "replica" and seen["snapshot"] == "replica"
    # Users, sessions and roles stay on the primary: a fresh login or grant is never stale.
    assert seen["user"] is None
    # The flag does not outlive the request.
    assert seen["after"] is None


@override_settings(DATABASE_REPLICAS=["replica"])
@pytest.mark.parametrize("path", ["/uploads/", "/api/v1/uploads/", "/admin/", "/accounts/login/"])
def test_other_views_read_the_primary(path):
    seen, _ = route_of("GET", path)
    assert seen["unit"] is None and seen["snapshot"] is None


@override_settings(DATABASE_REPLICAS=["replica"], REPLICA_READ_YOUR_WRITES_SECONDS=30)
def test_a_write_pins_its_author_to_the_primary():
    seen, response = route_of("POST", "/bang-xep-hang/1/")
    assert seen["unit"] is None
    pin = response.cookies[PIN_COOKIE]
    assert pin["max-age"] == 30 and pin["httponly"]
    seen, _ = route_of("GET", "/bang-xep-hang/1/", cookies={PIN_COOKIE: pin.value})
    assert seen["unit"] is None
    # An expired or forged pin is ignored.
    for stale in ("0", "not-a-time"):
        seen, _ = route_of("GET", "/bang-xep-hang/1/", cookies={PIN_COOKIE: stale})
        assert seen["unit"] == "replica"


@override_settings(DATABASE_REPLICAS=[])
def test_without_replicas_everything_reads_the_primary_and_nothing_is_pinned():
    seen, _ = route_of("GET", "/bang-xep-hang/1/")
    assert seen["unit"] is None
    _, response = route_of("POST", "/bang-xep-hang/1/")
    assert PIN_COOKIE not in response.cookies


def test_writes_and_migrations_go_to_the_primary():
    assert router.db_for_write(Snapshot) == "default"
    assert router.allow_migrate("default", "indicators")
    assert not router.allow_migrate("replica", "indicators")


@pytest.mark.postgres
def test_a_real_streaming_replica_serves_boards_and_sees_a_publish_arrive(tmp_path):
    bin_dir = server_binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_basebackup) are not installed")
    with primary_and_replica(bin_dir) as (primary, replica):
        with psycopg.connect(primary.url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE scoreboard")
        env = {
            **os.environ,
            "DATABASE_URL": primary.url("scoreboard"),
            "DATABASE_REPLICA_URL": replica.url("scoreboard"),
            "CELERY_BROKER_URL": "",
            "REDIS_URL": "",
            "CACHE_URL": "",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "MEDIA_ROOT": str(tmp_path / "media"),
        }
        run = lambda *args: subprocess.run(  # noqa: E731
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        migrated = run("manage.py", "migrate", "--noinput", "-v0")
        assert migrated.returncode == 0, migrated.stderr
        probe = run("-m", "tests.scoreboard.replica_probe")
        assert probe.returncode == 0, probe.stderr[-3000:]
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    assert result["replicated"]
    assert result["board"]["status"] == 200 and result["board_shows_di_an"]
    # The board's scores came from the replica, none from the primary.
    assert result["board"]["replica"] > 0 and result["board"]["primary"] == 0
    assert all(status == 200 for status in result["pages"].values()), result["pages"]
    # Right after a write, its author reads the primary.
    assert result["after_write"]["status"] == 200
    assert result["after_write"]["replica"] == 0 and result["after_write"]["primary"] > 0
    # A week published on the primary appears on the replica's boards.
    assert result["new_week_seen"]
