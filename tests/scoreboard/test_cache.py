"""A cache that is down degrades (misses, dropped writes), it never fails the request."""

import pytest
from django.core.cache import cache

from tests.worker import free_port

DOWN = {
    "default": {
        "BACKEND": "scoreboard.cache.ForgivingRedisCache",
        # Nothing listens there: every command meets a refused connection.
        "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


def test_a_cache_that_is_down_reads_as_empty(settings):
    settings.CACHES = DOWN
    assert cache.get("k", "fallback") == "fallback"
    cache.set("k", 1)
    assert cache.add("k", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.incr("k") == 1
    cache.delete("k")


@pytest.mark.django_db
def test_the_api_answers_without_throttling_while_the_cache_is_down(settings, client):
    settings.CACHES = DOWN
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "2/minute", "uploads": "2/hour"},
    }
    # Anonymous: 401 each time, never 500 and never 429 (the counter cannot be kept).
    assert {client.get("/api/v1/units/").status_code for _ in range(4)} == {401}
    assert client.get("/healthz").status_code in (200, 503)
