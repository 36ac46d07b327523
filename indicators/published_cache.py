"""Published data, cached: a published snapshot's rows, peer sets and the units' histories.

A published (or superseded) snapshot never changes but for three things, each a version in
the key of everything cached from it (`scoreboard.cache.versions`):

- "scope:<id>": a publish in the scope (a correction supersedes a revision, and movement of
  the next snapshot is refreshed against it), set by `indicators.services`;
- "framework:<id>": an edit of the framework's groups, indicators or bands (signals);
- "units": an edit of the registry (names and codes are on every row; signals and
  `units.services.units_load`).

Unit histories span scopes, so they hang on "published" (any publish). Values are built for
every viewer and filtered by access after the cache (`accounts.access`), never before; the
language is in the key (labels are translated). Drafts are never cached. With the Django
cache in local memory each process keeps its own copy; with Redis they share one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils.translation import get_language

from indicators import selectors
from indicators.models import GroupScore, IndicatorGroup, Snapshot, SnapshotStatus
from scoreboard.cache import version_bump, versions
from units.models import AdministrativeUnit

CACHED_STATUSES = (SnapshotStatus.PUBLISHED, SnapshotStatus.SUPERSEDED)
_MISSING = object()


def _enabled() -> bool:
    return getattr(settings, "SCOREBOARD_PUBLISHED_CACHE", True)


def _timeout() -> int:
    return getattr(settings, "SCOREBOARD_PUBLISHED_CACHE_SECONDS", 24 * 3600)


def _prefix(snapshot: Snapshot) -> str | None:
    """The key prefix of a snapshot's cached values; None when they are not to be cached."""
    if not _enabled() or snapshot.status not in CACHED_STATUSES:
        return None
    language = get_language() or ""
    memo = f"_published_cache_{language}"
    prefix = snapshot.__dict__.get(memo)  # once per snapshot object (one request)
    if prefix is None:
        tokens = versions(
            f"scope:{snapshot.scope_id}", f"framework:{snapshot.framework_id}", "units"
        )
        prefix = f"published:{snapshot.pk}:{tokens}:{language}"
        snapshot.__dict__[memo] = prefix
    return prefix


def _cached(key: str | None, build: Callable):
    if key is None:
        return build()
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = build()
        cache.set(key, value, _timeout())
    return value


# --- What changes a cached value ------------------------------------------------------------
# Called inside the writer's transaction: the versions change at once (the writer reads its
# own write afresh) and again at commit, so nothing a reader cached from the old rows in
# between is read after the commit.


def scope_changed(scope_id: int) -> None:
    """A snapshot of the scope was published: its boards and every unit's history change."""
    _now_and_at_commit(f"scope:{scope_id}", "published")


def framework_changed(framework_id: int) -> None:
    _now_and_at_commit(f"framework:{framework_id}", "frameworks")


def units_changed() -> None:
    _now_and_at_commit("units", "published")


def _now_and_at_commit(*names: str) -> None:
    version_bump(*names)
    transaction.on_commit(lambda: version_bump(*names))


# --- Reads ----------------------------------------------------------------------------------


def peer_sets(*, snapshot: Snapshot) -> list[selectors.PeerSet]:
    """`selectors.peer_sets`, cached."""
    prefix = _prefix(snapshot)
    return _cached(prefix and f"{prefix}:peer-sets", lambda: selectors.peer_sets(snapshot=snapshot))


@dataclass(frozen=True)
class BoardOrder:
    """A whole snapshot in one order, before access or filters: what a board pages from."""

    entries: list[selectors.BoardEntry]
    has_part_figures: bool  # a unit has figures for a part of a combined block (DVCTT, TTTT)


def board_order(
    *,
    snapshot: Snapshot,
    sort: str,
    descending: bool,
    group_id: int | None,
    peer_order: Sequence[str],
    part_ids: frozenset[int],
) -> BoardOrder:
    """Every unit of a snapshot in the order asked (`selectors.leaderboard_entries`), cached."""

    def build() -> BoardOrder:
        entries = selectors.leaderboard_entries(
            snapshot=snapshot,
            sort=sort,
            descending=descending,
            group_id=group_id,
            peer_order=peer_order,
        )
        return BoardOrder(entries, _has_part_figures(snapshot, part_ids))

    prefix = _prefix(snapshot)
    shape = f"{sort}:{int(descending)}:{int(bool(peer_order))}"
    return _cached(prefix and f"{prefix}:order:{shape}", build)


def _has_part_figures(snapshot: Snapshot, part_ids: frozenset[int]) -> bool:
    # A group row exists only where the unit has a figure (points or official points).
    return (
        GroupScore.objects.filter(snapshot_id=snapshot.pk, group_id__in=part_ids)
        .filter(Q(points__isnull=False) | Q(official_points__isnull=False))
        .exists()
    )


def board_rows(
    *,
    snapshot: Snapshot,
    unit_ids: Sequence[int],
    codes: dict | None = None,
    groups: Sequence[IndicatorGroup] | None = None,
) -> dict[int, selectors.LeaderboardRow]:
    """Some units' built rows of a snapshot (`selectors.leaderboard`), cached one by one."""
    prefix = _prefix(snapshot)
    if prefix is None:
        rows = selectors.leaderboard(
            snapshot=snapshot, unit_ids=list(unit_ids), codes=codes, groups=groups
        )
        return {r.unit_id: r for r in rows}
    keys = {unit_id: _row_key(prefix, unit_id) for unit_id in unit_ids}
    found = cache.get_many(list(keys.values()))
    rows = {unit_id: found[key] for unit_id, key in keys.items() if key in found}
    missing = [unit_id for unit_id in unit_ids if unit_id not in rows]
    if missing:
        built = selectors.leaderboard(
            snapshot=snapshot, unit_ids=missing, codes=codes, groups=groups
        )
        _keep_rows(prefix, built)
        rows.update((r.unit_id, r) for r in built)
    return rows


def _row_key(prefix: str, unit_id: int) -> str:
    return f"{prefix}:row:{unit_id}"


def _keep_rows(prefix: str, rows: Sequence[selectors.LeaderboardRow]) -> None:
    """Cache built rows one by one, as `board_rows` reads them."""
    cache.set_many({_row_key(prefix, r.unit_id): r for r in rows}, _timeout())


def peer_rows(*, snapshot: Snapshot, peer_key: str) -> list[selectors.LeaderboardRow]:
    """A whole peer table's built rows (`selectors.leaderboard`), cached."""
    prefix = _prefix(snapshot)
    return _cached(
        prefix and f"{prefix}:peers:{peer_key}",
        lambda: selectors.leaderboard(snapshot=snapshot, peer_key=peer_key),
    )


def unit_what_it_takes(
    *, snapshot: Snapshot, unit_id: int, peers: list[selectors.LeaderboardRow] | None = None
) -> selectors.WhatItTakes | None:
    """`selectors.unit_what_it_takes`, cached: a published snapshot's plans never change."""
    prefix = _prefix(snapshot)
    return _cached(
        prefix and f"{prefix}:takes:{unit_id}",
        lambda: selectors.unit_what_it_takes(snapshot=snapshot, unit_id=unit_id, peers=peers),
    )


def unit_series(
    *, unit: AdministrativeUnit, snapshot_id: int | None = None
) -> list[selectors.SeriesPoint]:
    """A unit's history (`selectors.unit_series`), cached until the next publish anywhere."""
    key = None
    if _enabled():
        key = f"series:{unit.pk}:{snapshot_id or ''}:{versions('published')}"
    return _cached(key, lambda: selectors.unit_series(unit=unit, snapshot_id=snapshot_id))


# --- Warming ----------------------------------------------------------------------------------


def warm(*, snapshot_id: int) -> int:
    """Build and cache what the pages of a published snapshot read before its readers come:
    its peer sets, each peer table's rows, each unit's board row, history and what it takes,
    in the default language. A Monday publish brings a province's chairs (the country's 3,321) within
    the hour; without this the first reader of each unit pays its plans (~0.1 s a unit).

    Return the units warmed. Idempotent, and optional: a warming lost with its worker costs
    the first readers their time, nothing else."""
    from django.utils import translation

    snapshot = Snapshot.objects.select_related("scope").filter(pk=snapshot_id).first()
    if snapshot is None:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        prefix = _prefix(snapshot)
        if prefix is None:  # a draft, or the cache is off
            return 0
        tables = [
            peer_rows(snapshot=snapshot, peer_key=p.key) for p in peer_sets(snapshot=snapshot)
        ]
        unit_ids = [row.unit_id for rows in tables for row in rows]
        units = AdministrativeUnit.objects.in_bulk(unit_ids)
        for rows in tables:
            # A peer table's rows are its units' board rows (`selectors.leaderboard` both).
            _keep_rows(prefix, rows)
            for row in rows:
                unit_series(unit=units[row.unit_id])
                unit_what_it_takes(snapshot=snapshot, unit_id=row.unit_id, peers=rows)
    return len(unit_ids)
