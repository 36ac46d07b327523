"""Page-level read models of the dashboard, composed from the selectors.

Each builder takes the objects a view has already fetched (through its access hooks) and
returns a dataclass the template renders as is. None of them sees the request. Every page
costs a constant number of queries whatever the number of units. A board is read narrow
and in order first (`selectors.leaderboard_entries`, sorted in SQL), filtered and paged, and
only the rows shown are built (`LeaderboardRow`s of `selectors.leaderboard`); medians and
neighbours come from a peer table's rows. Published data is read through
`indicators.published_cache`, the same for every viewer; every list of rows then goes through
the view's access hook (`readable_keys`, or `visible_rows` on rows already read) before
anything is derived from it.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Max, Q, Value, When
from django.utils.translation import get_language

from dashboard import charts
from indicators import published_cache, scoring
from indicators.models import (
    Band,
    IndicatorGroup,
    Snapshot,
    SnapshotStatus,
    UnitScore,
    attach_facts,
)
from indicators.selectors import (
    PEER_SET_LABELS,
    GroupBreakdown,
    GroupCell,
    LeaderboardRow,
    PeerSet,
    SeriesPoint,
    UnitBreakdown,
    leaderboard_name_matches,
    leaderboard_search_words,
    unit_breakdown,
    unit_codes,
)
from units.models import AdministrativeUnit, UnitCode, UnitLevel
from units.selectors import (
    UnitLineage,
    peer_key_of,
    unit_ancestors,
    unit_lineage,
    unit_search,
)
from units.text import fold

# (snapshot, rows) -> the rows the user may see; rows are anything with a `unit_id`.
RowFilter = Callable[[Snapshot, list], list]
# snapshot -> the peer keys the user may read, None for all of them (`readable_peer_keys`).
KeyFilter = Callable[[Snapshot], "set[str] | None"]

PAGE_SIZE = 200  # rows of one leaderboard page: a national search stays light on a phone
HOME_ROWS = 50  # rows of the home page's table before "see the whole leaderboard"
CHANGES = 5  # biggest rises and falls on the home page
COMPARE_MAX = 4
NEIGHBOURS = 2  # units shown above and below a unit on its page
VISIBLE_STATUSES = (SnapshotStatus.PUBLISHED, SnapshotStatus.SUPERSEDED)
# Broadest first: the order of peer tables on a page and of default home scopes.
LEVEL_ORDER = [
    UnitLevel.COUNTRY,
    UnitLevel.PROVINCE,
    UnitLevel.DISTRICT,
    UnitLevel.COMMUNE,
    UnitLevel.DEPARTMENT,
]


def all_rows(snapshot: Snapshot, rows: list) -> list:
    """Let every row through (the default access hook)."""
    return rows


def every_key(snapshot: Snapshot) -> set[str] | None:
    """Let every peer table through (the default access hook)."""
    return None


# --- Rows -----------------------------------------------------------------------------------


class BoardRow:
    """A leaderboard row with what a page adds: tie flag, shown group cells, peer label.

    Every other attribute is the selector's `LeaderboardRow`'s (rank, ranking_total, …), so
    templates read `row.rank` whichever of the two they hold.
    """

    __slots__ = ("row", "tied", "cells", "peer_label")

    def __init__(
        self,
        row: LeaderboardRow,
        *,
        tied: bool = False,
        cells: Sequence[GroupCell] = (),
        peer_label: str = "",
    ):
        self.row = row
        self.tied = tied
        self.cells = list(cells)
        self.peer_label = peer_label

    def __getattr__(self, name: str):
        if name == "row":  # not set yet (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self.row, name)


def _board_rows(
    rows: Sequence[LeaderboardRow],
    *,
    groups: Sequence[IndicatorGroup] = (),
    labels: dict[str, str] | None = None,
    ties: Counter | None = None,
) -> list[BoardRow]:
    """Wrap rows for a table; ties counts (peer key, rank) over the whole table (else rows)."""
    ranks = (
        ties
        if ties is not None
        else Counter((r.peer_key, r.rank) for r in rows if r.rank is not None)
    )
    labels = labels or {}
    return [
        BoardRow(
            r,
            tied=r.rank is not None and ranks[(r.peer_key, r.rank)] > 1,
            cells=[r.groups[g.code] for g in groups if g.code in r.groups],
            peer_label=labels.get(r.peer_key, ""),
        )
        for r in rows
    ]


def _group_views(groups: Sequence[IndicatorGroup]) -> dict[str, list[IndicatorGroup]]:
    return {
        "6": [g for g in groups if not g.is_combined],
        "5": [g for g in groups if g.is_combined or g.five_group_code == g.code],
    }


def _pick_group_view(order: published_cache.BoardOrder, wanted: str | None) -> str:
    """The six-group view (the portal's), unless asked otherwise or the data has only five."""
    if wanted in ("5", "6"):
        return wanted
    return "6" if order.has_part_figures or not order.entries else "5"


def _frameworks_parts(snapshot: Snapshot) -> tuple[list[IndicatorGroup], list[Band]]:
    groups = list(
        IndicatorGroup.objects.filter(framework_id=snapshot.framework_id).order_by("position")
    )
    bands = list(Band.objects.filter(framework_id=snapshot.framework_id).order_by("-min_total"))
    return groups, bands


def _sorted_peer_sets(sets: list[PeerSet]) -> list[PeerSet]:
    return sorted(sets, key=lambda p: (LEVEL_ORDER.index(p.level), p.label))


# --- Search, filter, sort -------------------------------------------------------------------


SORT_DEFAULT = "total"


@dataclass(frozen=True, slots=True)
class SortState:
    """What a sortable column header needs: where its link leads and how to announce it."""

    key: str
    next_dir: str
    aria: str  # "ascending" | "descending" | "none"


def _sort_states(columns: Sequence[str], sort: str, descending: bool) -> dict[str, SortState]:
    states = {}
    for key in columns:
        default_desc = key != "name"
        if key == sort:
            states[key] = SortState(
                key, "asc" if descending else "desc", "descending" if descending else "ascending"
            )
        else:
            states[key] = SortState(key, "desc" if default_desc else "asc", "none")
    return states


# --- Leaderboard ----------------------------------------------------------------------------


@dataclass
class LeaderboardPage:
    """One snapshot of a scope as a peer table, searched, filtered and sorted."""

    scope: AdministrativeUnit
    snapshot: Snapshot | None
    snapshots: list[Snapshot] = field(default_factory=list)
    peer_sets: list[PeerSet] = field(default_factory=list)
    peer_set: PeerSet | None = None  # None: every peer set of the snapshot (a search)
    groups: list[IndicatorGroup] = field(default_factory=list)
    group_view: str = "6"
    bands: list[Band] = field(default_factory=list)
    rows: list[BoardRow] = field(default_factory=list)  # the current page of the table
    page: Page | None = None
    row_count: int = 0  # rows of the chosen peer set(s) before search and band filter
    hidden_count: int = 0  # rows of the chosen peer set(s) outside what the viewer may read
    revisions: list[Snapshot] = field(default_factory=list)  # of the snapshot's key, newest first
    match_count: int = 0
    leaders: list[BoardRow] = field(default_factory=list)
    query: str = ""
    band: str = ""
    sort: str = SORT_DEFAULT
    descending: bool = True
    sort_states: dict[str, SortState] = field(default_factory=dict)
    # Every row after search, filter and sort, as unit ids: what a download streams.
    ordered_ids: list[int] = field(default_factory=list)
    ties: Counter = field(default_factory=Counter)
    framework_groups: list[IndicatorGroup] = field(default_factory=list)

    @property
    def group_headers(self) -> list[tuple[IndicatorGroup, SortState]]:
        return [(g, self.sort_states[g.code]) for g in self.groups]

    @property
    def spans_peer_sets(self) -> bool:
        return self.peer_set is None and len(self.peer_sets) > 1

    @property
    def is_filtered(self) -> bool:
        return bool(self.query or self.band)

    @property
    def has_unconfirmed_band(self) -> bool:
        return any(not b.is_confirmed for b in self.bands)


def snapshot_choices(*, scope: AdministrativeUnit) -> list[Snapshot]:
    """Return the published snapshots of a scope for the picker, newest first (1 query)."""
    ytd_first = Case(
        When(period="ytd", then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return list(
        Snapshot.objects.filter(scope=scope, status=SnapshotStatus.PUBLISHED).order_by(
            "-as_of", ytd_first, "-period_year", "-period_number"
        )[:500]
    )


def snapshot_revisions(*, snapshot: Snapshot) -> list[Snapshot]:
    """Return every readable revision of snapshot's key (itself included), newest first (1 query).

    A corrected file for the same date is a new revision; the older ones stay readable and
    the leaderboard lists them ("superseded", with a link), so nobody has to type ?snapshot=.
    """
    return list(
        Snapshot.objects.filter(
            scope_id=snapshot.scope_id,
            as_of=snapshot.as_of,
            period=snapshot.period,
            period_year=snapshot.period_year,
            period_number=snapshot.period_number,
            status__in=VISIBLE_STATUSES,
        ).order_by("-revision")
    )


def snapshot_picker(
    *, scope: AdministrativeUnit, snapshot: Snapshot | None
) -> tuple[list[Snapshot], list[Snapshot]]:
    """`snapshot_choices` and `snapshot_revisions` of one page in one query (2 if the
    snapshot's key is older than the picker's 500 newest)."""
    if snapshot is None or snapshot.scope_id != scope.pk:
        choices = snapshot_choices(scope=scope)
        return choices, snapshot_revisions(snapshot=snapshot) if snapshot else []
    ytd_first = Case(
        When(period="ytd", then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    key = {
        "as_of": snapshot.as_of,
        "period": snapshot.period,
        "period_year": snapshot.period_year,
        "period_number": snapshot.period_number,
    }
    rows = list(
        Snapshot.objects.filter(
            Q(status=SnapshotStatus.PUBLISHED) | Q(status=SnapshotStatus.SUPERSEDED, **key),
            scope=scope,
        ).order_by("-as_of", ytd_first, "-period_year", "-period_number", "-revision")[:600]
    )
    choices = [s for s in rows if s.status == SnapshotStatus.PUBLISHED][:500]
    revisions = [s for s in rows if all(getattr(s, f) == v for f, v in key.items())]
    if not any(s.pk == snapshot.pk for s in revisions):
        revisions = snapshot_revisions(snapshot=snapshot)
    return choices, revisions


def leaderboard_page(
    *,
    scope: AdministrativeUnit,
    snapshot: Snapshot | None,
    peers: str | None = None,
    query: str = "",
    band: str = "",
    sort: str = SORT_DEFAULT,
    descending: bool | None = None,
    group_view: str | None = None,
    page_number: int | str | None = 1,
    page_size: int | None = PAGE_SIZE,
    readable_keys: KeyFilter = every_key,
    build_rows: bool = True,
) -> LeaderboardPage:
    """Build a leaderboard page in 10 queries (fewer from the cache), whatever the number of units.

    peers is a peer key ("12:district"), "all", or None for the broadest peer set (every
    peer set when searching, so a commune is found whichever table it ranks in). The board
    is read narrow, filtered, sorted and paged first (`selectors.leaderboard_entries`); only
    the page's rows and the leaders are built. page_size None puts every row on one page;
    build_rows False builds only the leaders (a download streams `board_rows_iter`).
    """
    page = LeaderboardPage(scope=scope, snapshot=snapshot, query=(query or "").strip()[:100])
    page.snapshots, page.revisions = snapshot_picker(scope=scope, snapshot=snapshot)
    if snapshot is None:
        return page
    page.peer_sets = _sorted_peer_sets(published_cache.peer_sets(snapshot=snapshot))
    by_key = {p.key: p for p in page.peer_sets}
    words = leaderboard_search_words(page.query)
    if peers in by_key:
        page.peer_set = by_key[peers]
    elif peers != "all" and not words and page.peer_sets:
        page.peer_set = page.peer_sets[0]
    keys = readable_keys(snapshot)
    chosen = [page.peer_set] if page.peer_set else page.peer_sets
    shown_sets = [p for p in chosen if keys is None or p.key in keys]
    # Said on the page: an empty table needs a why.
    page.hidden_count = sum(p.unit_count for p in chosen) - sum(p.unit_count for p in shown_sets)
    all_groups, page.bands = _frameworks_parts(snapshot)
    codes = [g.code for g in all_groups]
    page.sort = sort if sort in ("total", "name", "movement", *codes) else SORT_DEFAULT
    page.descending = (page.sort != "name") if descending is None else descending
    group_ids = {g.code: g.pk for g in all_groups}
    order = published_cache.board_order(
        snapshot=snapshot,
        sort=page.sort,
        descending=page.descending,
        group_id=group_ids.get(page.sort),
        # Every peer set at once: broadest table first, as the tabs are ordered.
        peer_order=() if page.peer_set else [p.key for p in page.peer_sets],
        part_ids=frozenset(
            g.pk for g in all_groups if not g.is_combined and g.five_group_code != g.code
        ),
    )
    # Access after the cache: the order is every viewer's, the rows kept are this one's.
    entries = [
        e
        for e in order.entries
        if (page.peer_set is None or e.peer_key == page.peer_set.key)
        and (keys is None or e.peer_key in keys)
    ]
    page.row_count = len(entries)
    page.group_view = _pick_group_view(order, group_view)
    page.groups = _group_views(all_groups)[page.group_view]
    # A group's sort asked in the other view (?sort=CCDVTT&groups=6) still sorts the table.
    page.sort_states = _sort_states(
        ["total", "name", "movement", *codes], page.sort, page.descending
    )
    # Ties are of the whole table the viewer reads, before search and band filter.
    ties = Counter((e.peer_key, e.rank) for e in entries if e.rank is not None)
    first_key = shown_sets[0].key if shown_sets and entries else None
    leader_ids = [e.unit_id for e in entries if e.rank == 1 and e.peer_key == first_key]
    unit_codes_read = None
    if words:
        if len(words) == 1:  # a lone word may be a code: read the codes of every candidate
            unit_codes_read = unit_codes(snapshot=snapshot, unit_ids=[e.unit_id for e in entries])
        entries = [
            e
            for e in entries
            if leaderboard_name_matches(
                e.unit_name, (unit_codes_read or {}).get(e.unit_id, {}), words
            )
        ]
    band_ids = {b.code: b.pk for b in page.bands}
    if band in band_ids:
        page.band = band
        entries = [e for e in entries if e.band_id == band_ids[band]]
    page.match_count = len(entries)
    page.ordered_ids = [e.unit_id for e in entries]
    page.ties, page.framework_groups = ties, all_groups
    size = page_size or max(len(entries), 1)
    page.page = Paginator(entries, size, allow_empty_first_page=True).get_page(page_number)
    wanted = [e.unit_id for e in page.page.object_list] if build_rows else []
    built = published_cache.board_rows(
        snapshot=snapshot,
        unit_ids=list(dict.fromkeys([*wanted, *leader_ids])),
        codes=unit_codes_read,
        groups=all_groups,
    )
    labels = {p.key: p.label for p in page.peer_sets}
    page.rows = _board_rows(
        [built[i] for i in wanted if i in built],
        groups=page.groups,
        labels=labels,
        ties=ties,
    )
    page.leaders = _board_rows([built[i] for i in leader_ids if i in built], ties=ties)
    return page


def board_rows_iter(page: LeaderboardPage, *, chunk: int = 500):
    """Yield every row of a built page in its order, building (or reading) chunk at a time."""
    labels = {p.key: p.label for p in page.peer_sets}
    for start in range(0, len(page.ordered_ids), chunk):
        ids = page.ordered_ids[start : start + chunk]
        built = published_cache.board_rows(
            snapshot=page.snapshot, unit_ids=ids, groups=page.framework_groups
        )
        yield from _board_rows(
            [built[i] for i in ids if i in built],
            groups=page.groups,
            labels=labels,
            ties=page.ties,
        )


# --- Home -----------------------------------------------------------------------------------


def _level_rank(prefix: str = "") -> Case:
    return Case(
        *[When(**{f"{prefix}level": level}, then=Value(i)) for i, level in enumerate(LEVEL_ORDER)],
        default=Value(len(LEVEL_ORDER)),
        output_field=IntegerField(),
    )


def home_scope(*, setting: str = "") -> AdministrativeUnit | None:
    """Return the scope the home page shows (1 query; 2 when a setting names no data scope).

    setting (SCOREBOARD_HOME_SCOPE) names it by any code or by name ("Bình Dương", "74");
    among namesakes the broadest unit with published data wins. Without a setting: the
    broadest scope that has a published snapshot, then the one with the latest data.
    """
    snapshots = Snapshot.objects.filter(status=SnapshotStatus.PUBLISHED)
    setting = (setting or "").strip()
    if setting:
        named = Q(scope__search_name=fold(setting)) | Q(
            scope__in=UnitCode.objects.filter(code__iexact=setting).values("unit_id")
        )
        found = (
            snapshots.filter(named)
            .select_related("scope__parent")
            .order_by(_level_rank("scope__"), "-as_of", "-published_at")
            .first()
        )
        if found is not None:
            return found.scope
        return (
            AdministrativeUnit.objects.filter(
                Q(search_name=fold(setting))
                | Q(pk__in=UnitCode.objects.filter(code__iexact=setting).values("unit_id"))
            )
            .select_related("parent")
            .order_by(_level_rank(), "sort_key")
            .first()
        )
    latest = (
        snapshots.select_related("scope__parent")
        .order_by(_level_rank("scope__"), "-as_of", "-published_at")
        .first()
    )
    return latest.scope if latest else None


@dataclass
class Change:
    """A unit that moved between the previous snapshot and this one."""

    score: UnitScore
    delta: Decimal | None
    previous_band_code: str | None = None
    previous_band_label: str = ""

    @property
    def unit_id(self) -> int:
        return self.score.unit_id


@dataclass
class HomePage:
    scope: AdministrativeUnit | None
    snapshot: Snapshot | None
    board: LeaderboardPage | None = None
    rises: list[Change] = field(default_factory=list)
    falls: list[Change] = field(default_factory=list)
    band_changes: list[Change] = field(default_factory=list)
    other_scopes: list[AdministrativeUnit] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return bool(self.board and self.board.row_count > len(self.board.rows))

    @property
    def board_peers(self) -> str:
        """The peer table the "see all" link opens: the scope's own when the board is broader."""
        if not self.board or self.board.scope == self.scope or not self.board.rows:
            return ""
        return self.board.rows[0].peer_key


@dataclass(frozen=True, slots=True)
class _Moved:
    """The figures of one unit's movement, enough to pick and order the changes."""

    pk: int
    unit_id: int
    peer_key: str
    sort_key: str
    total: Decimal
    delta: Decimal
    previous_band_code: str | None
    band_code: str | None


def _top(moves: list[_Moved], count: int = CHANGES) -> list[_Moved]:
    """The first count moves of a sorted list, and every move tied with the last of them."""
    if len(moves) <= count:
        return moves
    last = moves[count - 1].delta
    return [m for i, m in enumerate(moves) if i < count or m.delta == last]


def _changes(snapshot: Snapshot, bands: list[Band], keys: set[str] | None) -> dict:
    """Biggest rises and falls and band changes of a whole snapshot, in 2 queries.

    Movement is subtracted in Python on the stored Decimals, never in SQL: SQLite does
    decimal arithmetic in floating point (92,05 − 91,62 = 0,4299…), which misstated and
    misordered the changes. Ties are listed in the Vietnamese order of the names.
    """
    moved = []
    for pk, unit_id, peer_key, sort_key, total, previous, band_code in UnitScore.objects.filter(
        snapshot=snapshot, ranking_total__isnull=False, previous_total__isnull=False
    ).values_list(
        "pk", "unit_id", "peer_key", "unit__sort_key", "ranking_total", "previous_total",
        "band__code",
    ):  # fmt: skip
        previous_band = scoring.band_for(previous, bands)
        moved.append(
            _Moved(
                pk, unit_id, peer_key, sort_key, total, total - previous, previous_band, band_code
            )
        )
    if keys is not None:
        moved = [m for m in moved if m.peer_key in keys]
    rises = sorted((m for m in moved if m.delta > 0), key=lambda m: (-m.delta, m.sort_key))
    falls = sorted((m for m in moved if m.delta < 0), key=lambda m: (m.delta, m.sort_key))
    changed = sorted(
        (m for m in moved if m.previous_band_code != m.band_code),
        key=lambda m: (-m.total, m.sort_key),
    )
    # Units tied with the last one shown are shown too: a cut inside a tie would drop one
    # of two equal movers on the order of their names alone.
    rises, falls, changed = _top(rises), _top(falls), changed[:20]
    wanted = sorted({m.pk for m in (*rises, *falls, *changed)})
    # Ancestors loaded: whether a unit's name is a link walks them (dashboard.links).
    scores = UnitScore.objects.filter(pk__in=wanted).select_related(
        "unit__parent__parent__parent", "band"
    )
    by_pk = {score.pk: score for score in scores}
    labels = {b.code: str(b.label) for b in bands}

    def change(m: _Moved) -> Change:
        code = m.previous_band_code
        return Change(by_pk[m.pk], m.delta, code, labels.get(code, "") if code else "")

    return {
        "rises": [change(m) for m in rises],
        "falls": [change(m) for m in falls],
        "band_changes": [change(m) for m in changed],
    }


def published_scopes(*, exclude: AdministrativeUnit | None = None) -> list[AdministrativeUnit]:
    """Return scopes with published snapshots, broadest first, with `latest` (1 query)."""
    scopes = (
        AdministrativeUnit.objects.filter(snapshots__status=SnapshotStatus.PUBLISHED)
        .annotate(latest=Max("snapshots__as_of"))
        # Ancestors loaded so that access checks walk them without queries.
        .select_related("parent__parent__parent__parent")
        .order_by(_level_rank(), "sort_key")
    )
    if exclude is not None:
        scopes = scopes.exclude(pk=exclude.pk)
    return list(scopes[:50])


def home_page(
    *,
    scope: AdministrativeUnit | None,
    snapshot: Snapshot | None,
    readable_keys: KeyFilter = every_key,
) -> HomePage:
    """Build the home page: the scope's broadest peer table, this week's changes, freshness.

    snapshot may be of a broader scope that ranks scope's children (a national snapshot
    for a post-merger province: `selectors.snapshot_latest_holding`); the page then shows
    the scope's own tables of it (its communes and departments), changes included.
    """
    page = HomePage(scope=scope, snapshot=snapshot)
    if scope is None:
        return page
    page.other_scopes = published_scopes(exclude=scope)
    if snapshot is None:
        return page
    keys = readable_keys(snapshot)
    peers = None
    if snapshot.scope_id != scope.pk:
        own = {peer_key_of(scope.pk, level) for level in UnitLevel.values}
        keys = own if keys is None else keys & own
        peers = "all"
    page.board = leaderboard_page(
        scope=snapshot.scope,
        snapshot=snapshot,
        peers=peers,
        page_size=HOME_ROWS,
        readable_keys=lambda _s: keys,
    )
    for name, value in _changes(snapshot, page.board.bands, keys).items():
        setattr(page, name, value)
    return page


# --- Unit -----------------------------------------------------------------------------------


@dataclass
class GroupLine:
    """A group of the unit's breakdown with the median of its peers."""

    group: GroupBreakdown
    median: Decimal | None

    @property
    def shown_points(self) -> Decimal | None:
        g = self.group
        return g.official_points if g.official_points is not None else g.points


@dataclass
class Gap:
    """How far a unit is from a target: a band bound or another unit's total."""

    points: Decimal
    row: BoardRow | None = None
    band: Band | None = None


@dataclass
class UnitPage:
    unit: AdministrativeUnit
    ancestors: list[AdministrativeUnit]
    peer_label: str
    snapshot: Snapshot | None = None
    score: UnitScore | None = None
    standings: list[UnitScore] = field(default_factory=list)  # same date, every scope
    series: list[SeriesPoint] = field(default_factory=list)  # same scope and period, oldest first
    breakdown: UnitBreakdown | None = None
    groups: list[GroupLine] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    next_band: Gap | None = None
    above: Gap | None = None  # the nearest unit ranked above
    below: Gap | None = None  # the nearest unit ranked below (shown to the leader)
    neighbours: list[BoardRow] = field(default_factory=list)
    lineage: UnitLineage | None = None
    trend_figure: dict | None = None
    groups_figure: dict | None = None
    latest_score: UnitScore | None = None  # when the snapshot asked has no row for the unit

    # "Points lost" has one definition: the sum of what each group of the breakdown misses,
    # maximum minus its shown points, i.e. 100 minus the sum of the groups. The card and the
    # table add up to it. When the official total differs from the groups (Dĩ An: 92 against
    # 91,4), the card says which total it refers to and by how much the official one differs;
    # only when a group is unknown does it fall back to 100 minus the total that ranks.

    @property
    def groups_total(self) -> Decimal | None:
        """The sum of the shown groups' points, or None when one is unknown."""
        shown = [line.shown_points for line in self.groups]
        if not shown or any(p is None for p in shown):
            return None
        return sum(shown, Decimal(0))

    @property
    def groups_max(self) -> Decimal:
        return sum((line.group.max_points for line in self.groups), Decimal(0))

    @property
    def points_lost(self) -> Decimal | None:
        if self.groups_total is not None:
            return self.groups_max - self.groups_total
        if self.score is None or self.score.ranking_total is None:
            return None
        return scoring.HUNDRED - self.score.ranking_total

    @property
    def points_lost_of_groups(self) -> bool:
        """Whether points_lost is counted from the groups (else from the ranking total)."""
        return self.groups_total is not None

    @property
    def official_total_differs(self) -> Decimal | None:
        """The official total minus the sum of the groups, when they differ (else None)."""
        if self.groups_total is None or self.score is None or self.score.ranking_total is None:
            return None
        difference = self.score.ranking_total - self.groups_total
        return difference or None

    @property
    def compare_ids(self) -> list[int]:
        """The unit and its nearest neighbours, for a comparison link (at most four)."""
        ids = [self.unit.pk] + [r.unit_id for r in self.neighbours if r.unit_id != self.unit.pk]
        return ids[:COMPARE_MAX]

    @property
    def has_indicator_values(self) -> bool:
        return bool(self.score and self.score.has_indicator_values)


def peer_label_of(unit: AdministrativeUnit) -> str:
    """Label the peer set a unit ranks in ("District-level units of Tỉnh Bình Dương")."""
    label = PEER_SET_LABELS.get(unit.level, "%(parent)s")
    return str(label) % {"parent": unit.parent.full_name if unit.parent else ""}


def _pick_score(scores: list[UnitScore], snapshot: Snapshot | None) -> UnitScore | None:
    if snapshot is not None:
        return next((s for s in scores if s.snapshot_id == snapshot.pk), None)
    published = [s for s in scores if s.snapshot.status == SnapshotStatus.PUBLISHED]
    if not published:
        return None
    # Latest date; year-to-date before other periods; the last published among equals.
    return max(
        published,
        key=lambda s: (
            s.snapshot.as_of,
            s.snapshot.period == "ytd",
            s.snapshot.published_at or s.snapshot.created_at,
        ),
    )


def _pick_point(points: list[SeriesPoint], snapshot: Snapshot | None) -> SeriesPoint | None:
    """The standing asked, else the latest published one (`_pick_score`'s rule, narrow)."""
    if snapshot is not None:
        return next((p for p in points if p.snapshot_id == snapshot.pk), None)
    published = [p for p in points if p.status == SnapshotStatus.PUBLISHED]
    if not published:
        return None
    return max(published, key=lambda p: (p.as_of, p.period == "ytd", p.stamp))


def _scores_of(unit: AdministrativeUnit, snapshot_ids: list[int]) -> list[UnitScore]:
    """The unit's score rows of some snapshots, with snapshot, scope and band (1 query)."""
    return list(
        UnitScore.objects.filter(unit=unit, snapshot_id__in=snapshot_ids)
        .select_related("snapshot__scope", "band")
        .order_by("snapshot__as_of", "snapshot__period", "snapshot_id")
    )


def _median(values: list[Decimal]) -> Decimal | None:
    return statistics.median(values) if values else None


def _known(group: GroupBreakdown) -> bool:
    return group.points is not None or group.official_points is not None


def _shown_breakdown_groups(
    groups: list[GroupBreakdown], five_codes: dict[str, str]
) -> list[GroupBreakdown]:
    """Groups holding indicators; a combined block in place of its parts when only it is known.

    A five-group export gives "Cung cấp dịch vụ trực tuyến" (22) but not DVCTT and TTTT.
    """
    shown = [g for g in groups if not g.is_combined]
    for block in (g for g in groups if g.is_combined):
        parts = [g for g in shown if five_codes.get(g.code) == block.code]
        if parts and not any(_known(p) for p in parts) and _known(block):
            at = shown.index(parts[0])
            shown = [g for g in shown if all(g is not p for p in parts)]
            shown.insert(at, block)
    return shown


def unit_page(
    *,
    unit: AdministrativeUnit,
    snapshot: Snapshot | None = None,
    visible_rows: RowFilter = all_rows,
) -> UnitPage:
    """Build a unit's page in a constant number of queries (about 16).

    snapshot picks the standing shown (default: the latest published one with the unit);
    the trend follows the snapshots of the same scope and period.
    """
    page = UnitPage(unit=unit, ancestors=unit_ancestors(unit), peer_label=peer_label_of(unit))
    page.lineage = unit_lineage(unit)
    history = published_cache.unit_series(
        unit=unit, snapshot_id=snapshot.pk if snapshot is not None else None
    )
    point = _pick_point(history, snapshot)
    if point is None:
        # Why there is nothing to show: the snapshot asked has no row for the unit while
        # others do, or the unit has never been scored (a province ranking its districts).
        page.snapshot = snapshot
        latest = _pick_point(history, None)
        if latest is not None:
            page.latest_score = _scores_of(unit, [latest.snapshot_id])[0]
        return page
    # Standings of the same date in every scope (published, or the one asked).
    standing_ids = [
        p.snapshot_id
        for p in history
        if p.as_of == point.as_of
        and p.period == point.period
        and (p.status == SnapshotStatus.PUBLISHED or p.snapshot_id == point.snapshot_id)
    ]
    page.standings = _scores_of(unit, standing_ids)
    page.score = next(s for s in page.standings if s.snapshot_id == point.snapshot_id)
    page.snapshot = chosen = page.score.snapshot
    page.series = [
        p
        for p in history
        if p.scope_id == point.scope_id
        and p.period == point.period
        and (p.status == SnapshotStatus.PUBLISHED or p.snapshot_id == point.snapshot_id)
    ]
    all_groups, page.bands = _frameworks_parts(chosen)
    page.breakdown = unit_breakdown(snapshot=chosen, unit=unit)
    peers = _board_rows(
        visible_rows(
            chosen, published_cache.peer_rows(snapshot=chosen, peer_key=page.score.peer_key)
        )
    )
    five_codes = {g.code: g.five_group_code for g in all_groups}
    shown = _shown_breakdown_groups(page.breakdown.groups, five_codes)
    page.groups = [
        GroupLine(
            g,
            _median(
                [
                    r.groups[g.code].ranking_points
                    for r in peers
                    if g.code in r.groups and r.groups[g.code].ranking_points is not None
                ]
            ),
        )
        for g in shown
    ]
    _place_among_peers(page, peers)
    language = get_language() or "vi"
    page.trend_figure = charts.trend_figure(
        [charts.TrendPoint(s.as_of, s.ranking_total, s.rank, s.peer_count) for s in page.series],
        language=language,
    )
    page.groups_figure = charts.group_bars_figure(
        [
            charts.GroupBar(line.group.code, line.group.name, line.group.max_points,
                            line.shown_points, line.median)
            for line in page.groups
        ],
        unit_label=unit.short_label,
        language=language,
    )  # fmt: skip
    return page


def _place_among_peers(page: UnitPage, peers: list[BoardRow]) -> None:
    """Fill the next band, the units just above and below, and the neighbours."""
    total = page.score.ranking_total
    if total is not None:
        higher = [b for b in page.bands if b.min_total > total]
        if higher:
            target = min(higher, key=lambda b: b.min_total)
            page.next_band = Gap(points=target.min_total - total, band=target)
    index = next((i for i, r in enumerate(peers) if r.unit_id == page.unit.pk), None)
    if index is None:
        return
    page.neighbours = peers[max(0, index - NEIGHBOURS) : index + NEIGHBOURS + 1]
    rank = page.score.rank
    if rank is None or total is None:
        return
    above = [r for r in peers if r.rank is not None and r.rank < rank]
    if above:
        nearest = max(above, key=lambda r: r.rank)
        page.above = Gap(points=nearest.ranking_total - total, row=nearest)
    below = [r for r in peers if r.rank is not None and r.rank > rank]
    if below:
        nearest = min(below, key=lambda r: r.rank)
        page.below = Gap(points=total - nearest.ranking_total, row=nearest)


@dataclass
class ChildBoard:
    """A peer table of a unit's children (a district's wards) on the unit's page."""

    peer_set: PeerSet
    rows: list[BoardRow]
    truncated: bool


def children_boards(
    *,
    unit: AdministrativeUnit,
    snapshot: Snapshot | None,
    visible_rows: RowFilter = all_rows,
    limit: int = HOME_ROWS,
) -> list[ChildBoard]:
    """Return the peer tables of unit's children in snapshot (its own scope's), ≤ 3 tables."""
    if snapshot is None:
        return []
    boards = []
    sets = [
        p
        for p in _sorted_peer_sets(published_cache.peer_sets(snapshot=snapshot))
        if p.parent_id == unit.pk
    ]
    for peer_set in sets:  # one per child level: districts, communes, departments
        rows = visible_rows(
            snapshot, published_cache.peer_rows(snapshot=snapshot, peer_key=peer_set.key)
        )
        board = _board_rows(rows)
        boards.append(ChildBoard(peer_set, board[:limit], len(board) > limit))
    return boards


# --- Compare --------------------------------------------------------------------------------


@dataclass
class CompareColumn:
    unit: AdministrativeUnit
    score: UnitScore | None
    series: list[UnitScore]
    peer_label: str


@dataclass
class ComparePage:
    columns: list[CompareColumn] = field(default_factory=list)
    group_rows: list[tuple[IndicatorGroup, list[Decimal | None]]] = field(default_factory=list)
    figure: dict | None = None
    candidates: list[AdministrativeUnit] = field(default_factory=list)
    query: str = ""
    dropped: int = 0  # units asked for beyond COMPARE_MAX

    @property
    def unit_ids(self) -> list[int]:
        return [c.unit.pk for c in self.columns]


def parse_unit_ids(values: Sequence[str]) -> list[int] | None:
    """Read "1,2,3" and/or repeated values into distinct ids in order; None if one is not a number."""
    ids: list[int] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                return None
            if int(part) not in ids:
                ids.append(int(part))
    return ids


def compare_page(
    *,
    units: list[AdministrativeUnit],
    query: str = "",
    dropped: int = 0,
    readable: Q | None = None,
) -> ComparePage:
    """Build the comparison of up to four units over time in 3 queries (4 with a search)."""
    page = ComparePage(query=(query or "").strip()[:100], dropped=dropped)
    ids = [u.pk for u in units]
    scores = list(
        UnitScore.objects.filter(unit_id__in=ids, snapshot__status=SnapshotStatus.PUBLISHED)
        .select_related("snapshot", "band")
        .order_by("snapshot__as_of", "snapshot__period", "snapshot_id")
    )
    latest_ids = []
    for unit in units:
        own = [s for s in scores if s.unit_id == unit.pk]
        score = _pick_score(own, None)
        series = []
        if score is not None:
            latest_ids.append(score.snapshot_id)
            series = [
                s
                for s in own
                if s.snapshot.scope_id == score.snapshot.scope_id
                and s.snapshot.period == score.snapshot.period
            ]
        page.columns.append(CompareColumn(unit, score, series, peer_label_of(unit)))
    cells: dict[tuple[int, str], Decimal | None] = {}
    group_list: dict[str, IndicatorGroup] = {}
    if latest_ids:
        frameworks = {c.score.snapshot.framework_id for c in page.columns if c.score}
        framework_groups = list(
            IndicatorGroup.objects.filter(framework_id__in=frameworks).order_by("position")
        )
        by_id = {g.pk: g for g in framework_groups}
        attach_facts([column.score for column in page.columns if column.score])
        for column in page.columns:
            if column.score:
                for gs in column.score.group_scores(by_id):
                    cells[(gs.unit_id, gs.group.code)] = gs.ranking_points
        for g in framework_groups:
            group_list.setdefault(g.code, g)
    # The six blocks when a unit has DVCTT and TTTT, else the five groups (as the tables do).
    parts = [
        g.code for g in group_list.values() if not g.is_combined and g.five_group_code != g.code
    ]
    view = "6" if any(code == part for _unit, code in cells for part in parts) else "5"
    page.group_rows = [
        (g, [cells.get((c.unit.pk, g.code)) for c in page.columns])
        for g in _group_views(list(group_list.values()))[view]
        if any((c.unit.pk, g.code) in cells for c in page.columns)
    ]
    if any(c.series for c in page.columns):
        page.figure = charts.compare_figure(
            [
                charts.CompareSeries(
                    c.unit.short_label, [(s.snapshot.as_of, s.ranking_total) for s in c.series]
                )
                for c in page.columns
            ],
            language=get_language() or "vi",
        )
    if page.query and len(page.columns) < COMPARE_MAX:
        # Searched among the units the viewer may open (readable: `Access.units_q()`), so the
        # 15 shown are the best of those, not what is left of the country's first 15.
        within = ~Q(pk__in=ids) if readable is None else readable & ~Q(pk__in=ids)
        page.candidates = unit_search(page.query, limit=15, within=within)
    return page
