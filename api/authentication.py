"""Token authentication (django-rest-knox, hashed tokens) with failed attempts throttled.

DRF runs throttles after authentication, so a wrong token is refused before any throttle
sees it and could be retried without limit. Here each address may fail
API_THROTTLE_AUTH_FAILURES times per window; beyond that it gets 429 without the token
being looked at. The counter lives in the cache: a cache that is down means no limit.
"""

from django.core.cache import cache
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _parse_rate(rate: str) -> tuple[int, int]:
    """ "20/minute" → (20, 60), as DRF's throttles read their rates."""
    number, period = rate.split("/")
    return int(number), _PERIODS[period[0]]


class ThrottledTokenAuthentication(TokenAuthentication):
    """knox's TokenAuthentication, refusing an address after too many failed tokens."""

    scope = "auth_failures"

    def authenticate(self, request):
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if not rate:
            return super().authenticate(request)
        limit, window = _parse_rate(rate)
        key = f"throttle_{self.scope}_{BaseThrottle().get_ident(request)}"
        if (cache.get(key) or 0) >= limit:
            raise Throttled(wait=window)
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            # add() starts the window only once; incr() counts within it.
            cache.add(key, 0, timeout=window)
            try:
                cache.incr(key)
            except ValueError:  # the window ended between add() and incr()
                cache.add(key, 1, timeout=window)
            raise


class TokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme of these tokens: `Authorization: Token <token>`."""

    target_class = ThrottledTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
