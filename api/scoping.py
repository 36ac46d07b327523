"""Apply `accounts.access` to snapshots and leaderboard rows, for the API and the downloads.

Nothing here decides who may read what: each function only asks the user's `Access`
(can_read_scope, can_read_peer_set, can_read_unit, units_q) about the objects at hand.
The peer-set filters themselves live in `accounts.access` and are re-exported here.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.access import Access, readable_peer_keys, visible_rows
from indicators.models import Snapshot, SnapshotStatus, UnitScore
from units.models import AdministrativeUnit

# Published and superseded snapshots are readable; drafts belong to the uploads.
READABLE_STATUSES = (SnapshotStatus.PUBLISHED, SnapshotStatus.SUPERSEDED)
# Enough parents for Access._in_subtree to walk without a query per level.
SCOPE_PARENTS = "scope__parent__parent__parent__parent"


def can_read_snapshot(access: Access, snapshot: Snapshot) -> bool:
    """May the user read at least one peer table of snapshot?"""
    keys = readable_peer_keys(access, snapshot)
    return keys is None or bool(keys)


def readable_snapshots(access: Access, snapshots: QuerySet[Snapshot]) -> QuerySet[Snapshot]:
    """Filter snapshots to those whose scope, or one of whose unit scores, the user may read."""
    scopes = AdministrativeUnit.objects.filter(pk__in=snapshots.values("scope_id")).select_related(
        "parent__parent__parent__parent"
    )
    scope_ids = {scope.pk: access.can_read_scope(scope) for scope in scopes}
    readable = [pk for pk, ok in scope_ids.items() if ok]
    if len(readable) == len(scope_ids):
        return snapshots
    with_own_units = UnitScore.objects.filter(access.units_q("unit__")).values("snapshot_id")
    return snapshots.filter(Q(scope_id__in=readable) | Q(pk__in=with_own_units))


__all__ = [
    "READABLE_STATUSES",
    "SCOPE_PARENTS",
    "can_read_snapshot",
    "readable_peer_keys",
    "readable_snapshots",
    "visible_rows",
]
