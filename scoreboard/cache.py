"""A Redis cache that degrades instead of failing: Redis down reads as an empty cache.

What the cache holds here (API throttle counters, published data) is an optimisation; a
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
    incr = _forgiving(lambda key, delta=1, version=None: delta)(RedisCache.incr)
    clear = _forgiving(None)(RedisCache.clear)


# --- Version keys: what makes cached published data unreachable when it changes ------------
#
# A cached value's key embeds the versions of what it was built from ("scope:12",
# "framework:1", "units"); changing one (a publish, an edit of the framework or the registry)
# sets a new version and every key built on the old one is never read again (it expires).
# A version is a fresh token rather than a counter: one evicted or lost reads as a new token,
# never as an older value that old entries were stored under.


def _token() -> str:
    return format(time.time_ns(), "x") + format(id(object()) & 0xFFFF, "x")


def version_bump(*names: str) -> None:
    """Give each named version a new token: whatever was cached under the old ones is gone."""
    from django.core.cache import cache

    cache.set_many({f"version:{name}": _token() for name in names}, timeout=None)


def versions(*names: str) -> str:
    """Return the current tokens of the named versions, joined (missing ones made), 1–2 trips."""
    from django.core.cache import cache

    keys = [f"version:{name}" for name in names]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, _token(), timeout=None)  # another process may have won: re-read
            found[key] = cache.get(key) or _token()  # cache down: a token nobody reuses
    return ".".join(found[key] for key in keys)
