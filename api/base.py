"""Base classes of the API views: exempt from the login redirect; bounds of ids."""

from django.contrib.auth.decorators import login_not_required
from rest_framework import viewsets
from rest_framework.views import APIView

# The largest id a URL or a filter accepts: bigint. Larger numbers would reach the database
# and fail there (SQLite: OverflowError, PostgreSQL: out of range) instead of answering 404.
MAX_ID = 2**63 - 1
ID_REGEX = r"[0-9]{1,18}"


class LoginNotRequiredMixin:
    """Exempt the view from LoginRequiredMiddleware: DRF authenticates and answers 401 JSON.

    The middleware runs before DRF's authentication, when a token-authenticated request is
    still anonymous, so it would redirect every API client to the login page. Recent DRF
    releases mark their views so already; this says it where our views are defined, whatever
    the DRF release, and tests/api/test_auth.py holds it.
    """

    @classmethod
    def as_view(cls, *args, **kwargs):
        return login_not_required(super().as_view(*args, **kwargs))


class ApiView(LoginNotRequiredMixin, APIView):
    pass


class ApiViewSet(LoginNotRequiredMixin, viewsets.GenericViewSet):
    lookup_value_regex = ID_REGEX


class ReadOnlyApiViewSet(LoginNotRequiredMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID_REGEX
