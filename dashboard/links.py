"""Whether a page may offer a link to a unit or a leaderboard: asked of `accounts.access`.

A page only offers links its viewer may open; everything else is shown as plain text. The
rules are `accounts.access`'s (the views enforce the same ones); this module only asks them
about the objects a page shows, once per request and object, so a page's queries stay
constant: a row of a snapshot costs nothing when the viewer reads the whole scope, else one
query per snapshot shown (the readable units among its rows).
"""

from __future__ import annotations

from django.http import HttpRequest

from accounts.access import Access, access_for, readable_peer_keys
from indicators.models import Snapshot, UnitScore
from indicators.selectors import snapshot_latest_published
from units.models import AdministrativeUnit

_CACHE_ATTR = "_dashboard_links"
_SCOPE_PARENTS = "scope__parent__parent__parent__parent"


def can_open_board(access: Access, scope: AdministrativeUnit, snapshot: Snapshot | None) -> bool:
    """May the viewer open scope's leaderboard (for snapshot): the scope or one of its tables."""
    if access.can_read_scope(scope):
        return True
    return snapshot is not None and bool(readable_peer_keys(access, snapshot))


class Links:
    """One viewer's answers about link targets, memoised for the request."""

    def __init__(self, access: Access):
        self.access = access
        self._units: dict[int, bool] = {}
        self._rows: dict[int, set[int] | None] = {}  # snapshot id -> readable unit ids (None: all)
        self._boards: dict[tuple[int, int | None], bool] = {}

    def unit(self, unit: AdministrativeUnit) -> bool:
        """May the viewer open this unit's page? (its ancestors loaded, or a query per level)"""
        if unit.pk not in self._units:
            self._units[unit.pk] = self.access.can_read_unit(unit)
        return self._units[unit.pk]

    def row(self, unit_id: int, snapshot: Snapshot | None) -> bool:
        """May the viewer open the page of a unit shown as a row of snapshot?"""
        if unit_id in self._units:
            return self._units[unit_id]
        if self.access.is_superuser:
            return True
        if snapshot is None:
            unit = AdministrativeUnit.objects.select_related("parent__parent__parent").get(
                pk=unit_id
            )
            return self.unit(unit)
        if snapshot.pk not in self._rows:
            self._rows[snapshot.pk] = self._readable_units_of(snapshot)
        readable = self._rows[snapshot.pk]
        return readable is None or unit_id in readable

    def openable_ids(self, unit_ids: list[int], snapshot: Snapshot | None) -> list[int]:
        return [pk for pk in unit_ids if self.row(pk, snapshot)]

    def board(self, scope: AdministrativeUnit, snapshot: Snapshot | None = None) -> bool:
        """May the viewer open scope's leaderboard, for snapshot or else its latest one?"""
        key = (scope.pk, snapshot.pk if snapshot is not None else None)
        if key not in self._boards:
            if self.access.can_read_scope(scope):
                self._boards[key] = True
            else:
                if snapshot is None or snapshot.scope_id != scope.pk:
                    snapshot = snapshot_latest_published(scope=scope)
                self._boards[key] = can_open_board(self.access, scope, snapshot)
        return self._boards[key]

    def _readable_units_of(self, snapshot: Snapshot) -> set[int] | None:
        scope = snapshot.scope
        if self.access.can_read_scope(scope):
            return None  # the whole scope: every row's unit lies in it
        return set(
            UnitScore.objects.filter(snapshot=snapshot)
            .filter(self.access.units_q("unit__"))
            .values_list("unit_id", flat=True)
        )


def links_for(request: HttpRequest) -> Links:
    """The request viewer's `Links`, built once per request."""
    links = getattr(request, _CACHE_ATTR, None)
    if links is None:
        links = Links(access_for(request))
        setattr(request, _CACHE_ATTR, links)
    return links
