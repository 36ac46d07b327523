"""A Redis cache that degrades instead of failing: Redis down reads as an empty cache.

What the cache holds here (API throttle counters, cached values) is an optimisation; a
request must not answer 500 because Redis is away (issue 15). Each failure is logged once
per minute at most, so a long outage does not flood the log.
"""

from __future__ import annotations

import functools
import logging
import time

import redis
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

_FAILURES = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
_last_warning = 0.0


def _forgiving(default):
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            global _last_warning
            try:
                return method(self, *args, **kwargs)
            except _FAILURES as exc:
                if time.monotonic() - _last_warning > 60:
                    _last_warning = time.monotonic()
                    logger.warning("cache unavailable, serving without it: %s", exc)
                return default(*args, **kwargs) if callable(default) else default

        return wrapper

    return decorate


def _get_default(key, default=None, version=None):
    return default


class ForgivingRedisCache(RedisCache):
    """RedisCache whose reads miss and whose writes are dropped while Redis is unreachable."""

    get = _forgiving(_get_default)(RedisCache.get)
    get_many = _forgiving({})(RedisCache.get_many)
    has_key = _forgiving(False)(RedisCache.has_key)
    add = _forgiving(False)(RedisCache.add)
    set = _forgiving(None)(RedisCache.set)
    set_many = _forgiving(lambda data, *a, **k: list(data))(RedisCache.set_many)
    touch = _forgiving(False)(RedisCache.touch)
    delete = _forgiving(False)(RedisCache.delete)
    delete_many = _forgiving(None)(RedisCache.delete_many)
    incr = _forgiving(_get_default)(RedisCache.incr)
    clear = _forgiving(None)(RedisCache.clear)
