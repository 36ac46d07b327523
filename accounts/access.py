"""The one place where access is decided, for pages, downloads and the API alike.

A user's memberships become an `Access`: the units whose subtree they read (provincial
staff and data admins; a province's 2025 predecessors included, so HCMC staff read Bình
Dương's history), the units whose own breakdown they read (unit chairs), and the units they
may upload for (data admins). Views never test roles themselves: they ask this module, and
filter querysets with the Q objects it builds.

National data: a country-scope snapshot is read in full only by national roles (a role
bound to the country) and superusers. Any provincial role opens it, but reads only its
provinces table and the peer tables of units in its own area (the communes or departments
of its province); a chair reads its own peer table. Every page, API endpoint, download,
comparison and search gets its rows through `readable_peer_keys`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpRequest

from accounts.models import Membership, Role
from units.models import AdministrativeUnit, LineageLink, UnitCode, UnitLevel

_CACHE_ATTR = "_scoreboard_access"


@dataclass(frozen=True)
class Access:
    """What one user may read and do."""

    is_authenticated: bool = False
    is_superuser: bool = False
    read_roots: frozenset[int] = field(default_factory=frozenset)
    chair_units: frozenset[int] = field(default_factory=frozenset)
    upload_roots: frozenset[int] = field(default_factory=frozenset)
    staff_roots: frozenset[int] = field(default_factory=frozenset)  # provincial staff only

    @property
    def cache_key(self) -> str:
        """Everything that decides what this viewer reads, as text (ETags of published data)."""

        def ids(values: frozenset[int]) -> str:
            return ",".join(map(str, sorted(values)))

        return (
            f"{int(self.is_authenticated)}{int(self.is_superuser)}:{ids(self.read_roots)}:"
            f"{ids(self.chair_units)}:{ids(self.upload_roots)}"
        )

    @property
    def sees_anything(self) -> bool:
        return self.is_superuser or bool(self.read_roots or self.chair_units)

    @property
    def sees_national_ranking(self) -> bool:
        """Provincial staff and admins see the ranking of all provinces; chairs do not."""
        return self.is_superuser or bool(self.read_roots)

    @property
    def can_upload_somewhere(self) -> bool:
        return self.is_superuser or bool(self.upload_roots)

    def _in_subtree(self, unit: AdministrativeUnit, roots: frozenset[int]) -> bool:
        # Units are at most four deep (country → province → district → commune); walk the
        # parents already loaded on the row (select_related) rather than querying.
        node: AdministrativeUnit | None = unit
        for _depth in range(5):
            if node is None:
                return False
            if node.pk in roots:
                return True
            node = node.parent if node.parent_id else None
        return False

    def can_read_unit(self, unit: AdministrativeUnit) -> bool:
        """May the user open this unit's breakdown and history?"""
        if self.is_superuser:
            return True
        # A chair's own unit, and what lies below it (a district chair reads its wards).
        return self._in_subtree(unit, self.read_roots | self.chair_units)

    def can_read_scope(self, scope: AdministrativeUnit) -> bool:
        """May the user open this scope's leaderboard (its rows filtered by readable_peer_keys)?"""
        if self.is_superuser:
            return True
        if scope.level == UnitLevel.COUNTRY:
            return self.sees_national_ranking
        return self._in_subtree(scope, self.read_roots | self.chair_units)

    def reads_whole_scope(self, scope: AdministrativeUnit) -> bool:
        """May the user read every row of a snapshot of this scope?

        For the country: national roles and superusers only, never a provincial role.
        """
        if self.is_superuser:
            return True
        return self._in_subtree(scope, self.read_roots | self.chair_units)

    def can_read_peer_set(
        self,
        scope: AdministrativeUnit,
        peer_unit_ids: set[int],
        *,
        parent: AdministrativeUnit | None = None,
        level: str = "",
    ) -> bool:
        """May the user read one peer table of a snapshot of scope?

        The whole scope; a chair's own peer set; the provinces table for provincial roles;
        or a table of units whose parent (loaded with its ancestors) is in the user's area.
        """
        if self.reads_whole_scope(scope) or self.chair_units & peer_unit_ids:
            return True
        if level == UnitLevel.PROVINCE:
            return self.sees_national_ranking
        return parent is not None and self._in_subtree(parent, self.read_roots | self.chair_units)

    def can_assign_actions(self, unit: AdministrativeUnit) -> bool:
        """May the user give this unit an action after a review (actions app)?

        Provincial staff for the units of their province; a chair for their own unit and the
        units below it. Data admins upload, they do not assign work.
        """
        if self.is_superuser:
            return True
        return self._in_subtree(unit, self.staff_roots | self.chair_units)

    @property
    def assigns_actions_somewhere(self) -> bool:
        return self.is_superuser or bool(self.staff_roots or self.chair_units)

    def can_upload(self, scope: AdministrativeUnit) -> bool:
        if self.is_superuser:
            return True
        return self._in_subtree(scope, self.upload_roots)

    def units_q(self, prefix: str = "") -> Q:
        """Q filtering a unit relation (prefix e.g. "unit__") to the units the user may read."""
        if self.is_superuser:
            return Q()
        roots = list(self.read_roots | self.chair_units)
        p = prefix
        return (
            Q(**{f"{p}pk__in": roots})
            | Q(**{f"{p}parent__in": roots})
            | Q(**{f"{p}parent__parent__in": roots})
            | Q(**{f"{p}parent__parent__parent__in": roots})
        )

    def upload_scopes_q(self, prefix: str = "scope__") -> Q:
        if self.is_superuser:
            return Q()
        roots = list(self.upload_roots)
        p = prefix
        return (
            Q(**{f"{p}pk__in": roots})
            | Q(**{f"{p}parent__in": roots})
            | Q(**{f"{p}parent__parent__in": roots})
        )


def readable_peer_keys(access: Access, snapshot) -> set[str] | None:
    """Return the peer sets of a snapshot the user may read; None means all of them.

    The snapshot's peer sets come from the published cache (they never change); a chair's own
    sets and the sets' parents, with enough ancestors for _in_subtree, are one query each."""
    from indicators import published_cache
    from indicators.models import UnitScore

    if access.reads_whole_scope(snapshot.scope):
        return None
    sets = published_cache.peer_sets(snapshot=snapshot)
    own = set()
    if access.chair_units:
        own = set(
            UnitScore.objects.filter(snapshot=snapshot, unit_id__in=access.chair_units).values_list(
                "peer_key", flat=True
            )
        )
    # A peer key is "{parent id}:{level}" (units.selectors.peer_key_of).
    parsed = {p.key: _parse_peer_key(p.key) for p in sets}
    parents = AdministrativeUnit.objects.select_related("parent__parent__parent__parent").in_bulk(
        {parent_id for parent_id, _level in parsed.values() if parent_id is not None}
    )
    return {
        key
        for key, (parent_id, level) in parsed.items()
        if key in own
        or access.can_read_peer_set(
            snapshot.scope, set(), parent=parents.get(parent_id), level=level
        )
    }


def _parse_peer_key(key: str) -> tuple[int | None, str]:
    parent, _sep, level = key.partition(":")
    return (int(parent) if parent.isdigit() else None), level


def visible_rows(access: Access, snapshot, rows: list) -> list:
    """Return the leaderboard rows (anything with peer_key) of the peer sets the user may read."""
    keys = readable_peer_keys(access, snapshot)
    return list(rows) if keys is None else [r for r in rows if r.peer_key in keys]


def _with_predecessors(unit_ids: set[int]) -> frozenset[int]:
    """Add the units that merged into these (a 2025 province reads its old provinces)."""
    if not unit_ids:
        return frozenset()
    older = LineageLink.objects.filter(
        successor_id__in=unit_ids,
        predecessor__level__in=[UnitLevel.PROVINCE, UnitLevel.DISTRICT],
    ).values_list("predecessor_id", flat=True)
    return frozenset(unit_ids | set(older))


def access_for_user(user) -> Access:
    """Build a user's access from their memberships (two queries)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Access()
    if user.is_superuser:
        return Access(is_authenticated=True, is_superuser=True)
    read: set[int] = set()
    chair: set[int] = set()
    upload: set[int] = set()
    staff: set[int] = set()
    for unit_id, role in Membership.objects.filter(user=user).values_list("unit_id", "role"):
        if role == Role.UNIT_CHAIR:
            chair.add(unit_id)
        else:
            read.add(unit_id)
            if role == Role.DATA_ADMIN:
                upload.add(unit_id)
            elif role == Role.PROVINCIAL_STAFF:
                staff.add(unit_id)
    return Access(
        is_authenticated=True,
        read_roots=_with_predecessors(read),
        chair_units=frozenset(chair),
        upload_roots=_with_predecessors(upload),
        staff_roots=_with_predecessors(staff),
    )


def access_for(request: HttpRequest) -> Access:
    """Return the request user's access (anonymous: the public scopes), once per request."""
    cached = getattr(request, _CACHE_ATTR, None)
    if cached is None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            cached = access_for_user(user)
        else:
            cached = public_access()
        setattr(request, _CACHE_ATTR, cached)
    return cached


def public_access() -> Access:
    """What anonymous visitors read: nothing, unless SCOREBOARD_PUBLIC_SCOPES names scopes."""
    codes = tuple(settings.SCOREBOARD_PUBLIC_SCOPES)
    if not codes:
        return Access()
    ids = UnitCode.objects.filter(code__in=codes).values_list("unit_id", flat=True)
    return Access(read_roots=_with_predecessors(set(ids)))


def require(allowed: bool) -> None:
    """Raise 404 when not allowed: whether a unit's breakdown exists is itself private."""
    if not allowed:
        raise Http404
