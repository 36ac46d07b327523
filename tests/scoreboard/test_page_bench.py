"""The page benchmark runs end to end: history built, pages and floors served, load measured.

No time is asserted: only that every page and floor answers, the ratios exist, and the load
test counts requests without errors.
"""

import pytest
import redis
from django.db import connection

from scoreboard import page_bench
from tests.worker import RedisServer, _test_database_url


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_page_benchmark_measures_every_page_against_its_floor(framework):
    lines = []
    history = page_bench.build_history(weeks=2, say=lines.append)
    assert history.latest.as_of == page_bench.FIRST_WEEK + page_bench.datetime.timedelta(days=7)
    assert sum(len(c) for c in history.communes_by_province.values()) == page_bench.COMMUNES
    # A second build reuses what is there.
    again = page_bench.build_history(weeks=2, say=lines.append)
    assert again.latest.pk == history.latest.pk
    assert connection.vendor == "postgresql"
    cache = RedisServer().start()
    try:
        with page_bench.serving(_test_database_url(), cache.url) as base:
            ratios = page_bench.measure_pages(
                base, history, cache_url=cache.url, rounds=1, say=lines.append
            )
            assert set(ratios) == {
                f"{p.name}, {state}"
                for p in page_bench.pages(history)
                for state in ("cold", "warm")
            }
            assert all(r > 0 for r in ratios.values())
            # The server keeps its published rows in the bench's cache (what the cold rounds
            # empty), not in a cache of its own.
            assert redis.Redis.from_url(cache.url).dbsize() > 0
            load = page_bench.load_test(base, history, clients=2, seconds=2, floor=False)
            floor = page_bench.load_test(base, history, clients=2, seconds=2, floor=True)
    finally:
        cache.stop()
    assert load.errors == 0 and floor.errors == 0
    assert load.latencies and floor.latencies
    assert load.percentile(50) <= load.percentile(99)
