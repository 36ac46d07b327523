"""Pagination of the API (its own module: DRF imports it while building its generic views)."""

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """?limit=&offset=: 100 rows by default, at most 1000 a page."""

    max_limit = 1000
    max_offset = 10**9

    def get_offset(self, request) -> int:
        # An offset past any real table still answers an empty page, not a database error.
        return min(super().get_offset(request), self.max_offset)
