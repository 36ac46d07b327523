"""Rate limits per user (or address, when anonymous), from REST_FRAMEWORK's THROTTLE_RATES.

DRF's throttles read the rates once, at import; these read them on each request, so the
settings (API_THROTTLE_USER, API_THROTTLE_ANON, API_THROTTLE_UPLOADS) and tests that
override them apply without a restart.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _LiveRates:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_LiveRates, AnonRateThrottle):
    pass


class UserThrottle(_LiveRates, UserRateThrottle):
    pass


class UploadThrottle(_LiveRates, UserRateThrottle):
    """New uploads per user: each stores a file and starts a validation job."""

    scope = "uploads"
