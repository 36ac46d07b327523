"""Reads of snapshots and scores for pages, the API and the CLI.

Each selector costs a constant number of queries, whatever the number of units: rows come
with their unit and band joined, and group scores and unit codes are fetched in one query
each for the whole table.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round
from django.utils.translation import gettext_lazy as _

from indicators import what_it_takes
from indicators.models import (
    Band,
    GroupScore,
    Indicator,
    IndicatorGroup,
    IndicatorValue,
    Movement,
    Snapshot,
    SnapshotPeriod,
    SnapshotStatus,
    UnitScore,
    ValueStatus,
)
from indicators.scoring import ValueStatus as Status
from indicators.scoring import quantize_points
from scoreboard.db import id_list
from units.models import AdministrativeUnit, CodeScheme, UnitCode, UnitLevel, valid_on_q
from units.selectors import peer_key_of, unit_ancestors
from units.text import fold, fold_name

# Which code identifies a unit in tables and exports, best first.
CODE_PREFERENCE = [CodeScheme.GSO, CodeScheme.PORTAL, CodeScheme.VAC, CodeScheme.ALIAS]

PEER_SET_LABELS = {
    UnitLevel.COUNTRY: _("Country"),
    UnitLevel.PROVINCE: _("Provinces"),
    UnitLevel.DISTRICT: _("District-level units of %(parent)s"),
    UnitLevel.COMMUNE: _("Communes of %(parent)s"),
    UnitLevel.DEPARTMENT: _("Departments of %(parent)s"),
}


@dataclass(frozen=True, slots=True)
class GroupCell:
    """A unit's figures for one group (or combined block) of a leaderboard row."""

    code: str
    name: str
    max_points: Decimal
    points: Decimal | None
    official_points: Decimal | None
    rank: int | None
    peer_count: int | None
    is_combined: bool
    is_confirmed: bool

    @property
    def ranking_points(self) -> Decimal | None:
        return self.official_points if self.official_points is not None else self.points


@dataclass(frozen=True, slots=True)
class LeaderboardRow(Movement):
    """One unit of a published ranking, with everything a table, chart or export shows."""

    unit_id: int
    unit_name: str
    unit_full_name: str
    unit_short_label: str
    unit_level: str
    codes: dict[str, str]
    peer_key: str
    rank: int | None
    peer_count: int | None
    total: Decimal | None
    official_total: Decimal | None
    ranking_total: Decimal | None
    totals_disagree: bool
    band_code: str | None
    band_label: str
    band_is_confirmed: bool
    groups: dict[str, GroupCell]
    previous_total: Decimal | None
    previous_rank: int | None
    has_indicator_values: bool

    @property
    def unit_code(self) -> str:
        """The unit's preferred code (GSO, else portal …), or an empty string."""
        return next((self.codes[s] for s in CODE_PREFERENCE if s in self.codes), "")


# Peer set, then rank (unranked last), then the unit's Vietnamese order: one order everywhere.
_BOARD_ORDER = ("peer_key", F("rank").asc(nulls_last=True), "unit__sort_key", "unit_id")


def _groups_of(snapshot: Snapshot) -> list[IndicatorGroup]:
    return list(
        IndicatorGroup.objects.filter(framework_id=snapshot.framework_id).order_by("position")
    )


def _codes_of(unit_ids, as_of: datetime.date) -> dict[int, dict[str, str]]:
    codes: dict[int, dict[str, str]] = defaultdict(dict)
    rows = (
        UnitCode.objects.filter(valid_on_q(as_of), unit_id__in=unit_ids)
        .order_by("unit_id", "scheme", "code")
        .values_list("unit_id", "scheme", "code")
    )
    for unit_id, scheme, code in rows:
        codes[unit_id].setdefault(scheme, code)
    return codes


def group_figures(
    snapshot: Snapshot, unit_ids: Sequence[int] | QuerySet | None = None
) -> dict[int, dict[int, tuple]]:
    """A snapshot's group scores as {unit id: {group id: (points, official points, rank, peers
    ranked)}}, in 1 query, without building objects: a national board reads ~23,500 of them."""
    rows = GroupScore.objects.filter(snapshot_id=snapshot.pk)
    if unit_ids is not None:
        rows = rows.filter(
            unit_id__in=unit_ids if isinstance(unit_ids, QuerySet) else id_list(unit_ids)
        )
    figures: dict[int, dict[int, tuple]] = defaultdict(dict)
    for unit_id, group_id, points, official, rank, count in rows.values_list(
        "unit_id", "group_id", "points", "official_points", "rank", "peer_count"
    ):
        figures[unit_id][group_id] = (points, official, rank, count)
    return figures


def _leaderboard_scores(
    snapshot: Snapshot,
    peer_key: str | None,
    level: str | None,
    unit_ids: Sequence[int] | None,
    peer_keys: Collection[str] | None,
    band: str | None,
) -> QuerySet[UnitScore]:
    scores = UnitScore.objects.filter(snapshot=snapshot)
    if peer_key is not None:
        scores = scores.filter(peer_key=peer_key)
    if peer_keys is not None:
        scores = scores.filter(peer_key__in=list(peer_keys))
    if level is not None:
        scores = scores.filter(unit__level=level)
    if band is not None:
        scores = scores.filter(band__code=band)
    if unit_ids is not None:
        scores = scores.filter(unit_id__in=list(unit_ids))
    return scores


def leaderboard_count(
    *,
    snapshot: Snapshot,
    peer_key: str | None = None,
    level: str | None = None,
    peer_keys: Collection[str] | None = None,
    band: str | None = None,
) -> int:
    """How many rows `leaderboard` returns for the same arguments, in one query."""
    return _leaderboard_scores(snapshot, peer_key, level, None, peer_keys, band).count()


def leaderboard(
    *,
    snapshot: Snapshot,
    peer_key: str | None = None,
    level: str | None = None,
    unit_ids: Sequence[int] | None = None,
    peer_keys: Collection[str] | None = None,
    band: str | None = None,
    window: slice | None = None,
    codes: dict[int, dict[str, str]] | None = None,
    groups: Sequence[IndicatorGroup] | None = None,
) -> list[LeaderboardRow]:
    """Return a snapshot's ranking, by peer set then rank (unranked units last), in 4 queries.

    Built from values() rather than model instances: a national snapshot (3,400 units,
    24,000 group scores) would otherwise build a model instance per unit and per group, five
    times slower. peer_key (one peer set), peer_keys (any of several), level, band (code) and
    unit_ids narrow it; window (a slice of that order) builds one page of it only. codes
    (the units' codes, already read for a search) and groups (the framework's, in position
    order, already read by a page) each save a query.
    """
    scores = _leaderboard_scores(snapshot, peer_key, level, unit_ids, peer_keys, band)
    groups = _groups_of(snapshot) if groups is None else groups
    cells = [(g.pk, g.code, g, _cell(g, None)) for g in groups]
    columns = [
        "unit_id", "unit__name", "unit__full_name", "unit__kind", "unit__level", "peer_key",
        "rank", "peer_count", "total", "official_total", "ranking_total", "totals_disagree",
        "band_id", "band__code", "band__name", "band__is_confirmed",
        "previous_total", "previous_rank", "has_indicator_values",
    ]  # fmt: skip
    ordered = scores.order_by(*_BOARD_ORDER).values_list(*columns)
    if codes is not None:
        ordered = list(ordered if window is None else ordered[window])
    elif window is None:
        codes = _codes_of(scores.values("unit_id"), snapshot.as_of)
    else:  # the page's rows first, then the codes of their units only
        ordered = list(ordered[window])
        codes = _codes_of(id_list(row[0] for row in ordered), snapshot.as_of)
    if window is None and unit_ids is None:
        figures = group_figures(snapshot, scores.values("unit_id"))
    else:
        ordered = list(ordered)
        figures = group_figures(snapshot, [row[0] for row in ordered])
    # Band labels resolved once per band, not per row (each is a lazy translation).
    bands: dict[int | None, tuple] = {None: (None, "", True)}
    rows = []
    for (unit_id, name, full_name, kind, unit_level, key, rank, count, total, official, ranking,
         disagree, band_id, band_code, band_name, band_confirmed, previous_total, previous_rank,
         has_values) in ordered:  # fmt: skip
        if band_id not in bands:
            label = Band(code=band_code, name=band_name).label
            bands[band_id] = (band_code, str(label), band_confirmed)
        band_code, band_label, band_confirmed = bands[band_id]
        own = figures.get(unit_id, {})
        rows.append(
            LeaderboardRow(
                unit_id=unit_id,
                unit_name=name,
                unit_full_name=full_name,
                unit_short_label=_short_label(name, full_name, kind),
                unit_level=unit_level,
                codes=codes.get(unit_id, {}),
                peer_key=key,
                rank=rank,
                peer_count=count,
                total=total,
                official_total=official,
                ranking_total=ranking,
                totals_disagree=disagree,
                band_code=band_code,
                band_label=band_label,
                band_is_confirmed=band_confirmed,
                groups={
                    code: _cell(group, own[pk]) if pk in own else empty
                    for pk, code, group, empty in cells
                },
                previous_total=previous_total,
                previous_rank=previous_rank,
                has_indicator_values=has_values,
            )
        )
    return rows


# --- One narrow read of a board, to filter, sort and page before any row is built --------

BOARD_SORTS = ("total", "name", "movement")  # and any group code


class BoardEntry(NamedTuple):
    """What a board needs of a unit to filter, sort and page it: no decoding, no formatting.

    A tuple, so that a national board's 3,400 of them pickle and unpickle cheaply (cache).
    """

    unit_id: int
    unit_name: str
    peer_key: str
    rank: int | None
    band_id: int | None


def leaderboard_entries(
    *,
    snapshot: Snapshot,
    peer_key: str | None = None,
    peer_keys: Collection[str] | None = None,
    sort: str = "total",
    descending: bool = True,
    group_id: int | None = None,
    peer_order: Sequence[str] = (),
) -> list[BoardEntry]:
    """Return a board's units in the order asked, in 1 query: the rows to page before building.

    sort is "total", "name", "movement" or, with group_id, a group's points (official first),
    all sorted in SQL. Units without a figure come last in every direction; equal figures keep
    the board's order (peer set in peer_order, rank, Vietnamese name), as `leaderboard` gives it.
    """
    scores = _leaderboard_scores(snapshot, peer_key, None, None, peer_keys, None)
    board_order = list(_BOARD_ORDER)
    if peer_order:
        board_order.insert(
            0,
            Case(
                *[When(peer_key=key, then=Value(i)) for i, key in enumerate(peer_order)],
                default=Value(len(peer_order)),
                output_field=IntegerField(),
            ),
        )
    columns = ("unit_id", "unit__name", "peer_key", "rank", "band_id")
    if sort in BOARD_SORTS:
        if sort == "total":
            value = F("ranking_total")
        elif sort == "name":
            value = F("unit__sort_key")
        else:  # rounded, so that SQLite's floating-point subtraction cannot split a tie
            value = Round(F("ranking_total") - F("previous_total"), 2)
    elif group_id is not None:
        value = Subquery(
            GroupScore.objects.filter(
                snapshot_id=OuterRef("snapshot_id"), unit_id=OuterRef("unit_id"), group_id=group_id
            )
            .annotate(figure=Coalesce("official_points", "points"))
            .values("figure")
        )
    else:
        return [BoardEntry(*row) for row in scores.order_by(*board_order).values_list(*columns)]
    value = value.desc(nulls_last=True) if descending else value.asc(nulls_last=True)
    ordered = scores.order_by(value, *board_order).values_list(*columns)
    return [BoardEntry(*row) for row in ordered]


def unit_codes(*, snapshot: Snapshot, unit_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """The codes of some units valid on the snapshot's date, by scheme (1 query)."""
    return _codes_of(id_list(unit_ids), snapshot.as_of)


class _Named:
    """The three fields `AdministrativeUnit.short_label` reads, without a model instance."""

    __slots__ = ("name", "full_name", "kind")

    def __init__(self, name: str, full_name: str, kind: str):
        self.name, self.full_name, self.kind = name, full_name, kind


def _short_label(name: str, full_name: str, kind: str) -> str:
    return AdministrativeUnit.short_label.fget(_Named(name, full_name, kind))


def _cell(group: IndicatorGroup, values: tuple | None) -> GroupCell:
    points, official, rank, count = values or (None, None, None, None)
    return GroupCell(
        code=group.code,
        name=group.name,
        max_points=group.max_points,
        points=points,
        official_points=official,
        rank=rank,
        peer_count=count,
        is_combined=group.is_combined,
        is_confirmed=group.is_confirmed,
    )


def snapshot_latest_published(
    *,
    scope: AdministrativeUnit,
    as_of: datetime.date | None = None,
    period: str | None = None,
) -> Snapshot | None:
    """Return the latest published snapshot of scope on or before as_of (any date if None).

    With no period, year-to-date wins over other periods of the same date.
    """
    snapshots = Snapshot.objects.filter(scope=scope, status=SnapshotStatus.PUBLISHED)
    if as_of is not None:
        snapshots = snapshots.filter(as_of__lte=as_of)
    if period is not None:
        snapshots = snapshots.filter(period=period)
    ytd_first = Case(
        When(period=SnapshotPeriod.YTD, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        snapshots.select_related("framework", "scope")
        .order_by("-as_of", ytd_first, "-period_year", "-period_number")
        .first()
    )


def snapshot_latest_holding(
    *, unit: AdministrativeUnit, as_of: datetime.date | None = None
) -> Snapshot | None:
    """Return the latest published snapshot (on or before as_of) that ranks unit's children,
    whatever its scope.

    After the 2025 merger a national snapshot holds every province's communes and
    departments: it is TP Hồ Chí Minh's latest data though no snapshot has that scope. The
    unit's own snapshots and its ancestors' count alike; the latest date wins, year-to-date
    first, then the last published (2 queries).
    """
    scopes = [unit.pk, *(a.pk for a in unit_ancestors(unit))]
    children = [peer_key_of(unit.pk, level) for level in UnitLevel.values]
    ytd_first = Case(
        When(period=SnapshotPeriod.YTD, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    holds = UnitScore.objects.filter(snapshot=OuterRef("pk"), peer_key__in=children)
    return (
        Snapshot.objects.filter(Exists(holds), scope_id__in=scopes, status=SnapshotStatus.PUBLISHED)
        .select_related("framework", "scope")
        .order_by("-as_of", ytd_first, "-period_year", "-period_number", "-published_at")
        .first()
    )


def snapshot_previous_published(snapshot: Snapshot, *, same_date: bool = False) -> Snapshot | None:
    """The published snapshot of the same scope and period type that `snapshot` follows.

    Movement compares with the latest one strictly before its date. A preview also compares
    with a published revision of its own date (same_date=True): the one a correction replaces.
    """
    dates = Q(as_of__lte=snapshot.as_of) if same_date else Q(as_of__lt=snapshot.as_of)
    return (
        Snapshot.objects.filter(
            dates,
            scope_id=snapshot.scope_id,
            period=snapshot.period,
            status=SnapshotStatus.PUBLISHED,
        )
        .exclude(pk=snapshot.pk)
        .order_by("-as_of", "-revision")
        .first()
    )


def snapshot_list(*, scope: AdministrativeUnit, include_drafts: bool = False) -> QuerySet[Snapshot]:
    """Return a scope's snapshots, newest first: published and superseded, drafts on request."""
    statuses = [SnapshotStatus.PUBLISHED, SnapshotStatus.SUPERSEDED]
    if include_drafts:
        statuses.append(SnapshotStatus.DRAFT)
    return (
        Snapshot.objects.filter(scope=scope, status__in=statuses)
        .select_related("framework")
        .annotate(unit_count=Count("unit_scores"))
        .order_by("-as_of", "period", "-period_year", "-period_number", "-revision")
    )


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """A unit's standing in one published snapshot, for trend charts."""

    snapshot_id: int
    as_of: datetime.date
    period: str
    period_year: int
    period_number: int
    is_provisional: bool
    is_synthetic: bool
    total: Decimal | None
    official_total: Decimal | None
    ranking_total: Decimal | None
    band_code: str | None
    rank: int | None
    peer_count: int | None
    groups: dict[str, Decimal | None] = field(default_factory=dict)


def unit_history(*, unit: AdministrativeUnit, period: str | None = None) -> list[HistoryPoint]:
    """Return the unit's scores over published snapshots, oldest first, in 3 queries."""
    scores = UnitScore.objects.filter(unit=unit, snapshot__status=SnapshotStatus.PUBLISHED)
    if period is not None:
        scores = scores.filter(snapshot__period=period)
    scores = scores.select_related("snapshot", "band").order_by(
        "snapshot__as_of", "snapshot__period"
    )
    scores = list(scores.with_group_scores())
    by_id = IndicatorGroup.objects.filter(
        framework_id__in={s.snapshot.framework_id for s in scores}
    ).in_bulk()
    groups = {
        s.snapshot_id: {g.group.code: g.ranking_points for g in s.group_scores(by_id)}
        for s in scores
    }
    return [
        HistoryPoint(
            snapshot_id=s.snapshot_id,
            as_of=s.snapshot.as_of,
            period=s.snapshot.period,
            period_year=s.snapshot.period_year,
            period_number=s.snapshot.period_number,
            is_provisional=s.snapshot.is_provisional,
            is_synthetic=s.snapshot.is_synthetic,
            total=s.total,
            official_total=s.official_total,
            ranking_total=s.ranking_total,
            band_code=s.band.code if s.band else None,
            rank=s.rank,
            peer_count=s.peer_count,
            groups=groups.get(s.snapshot_id, {}),
        )
        for s in scores
    ]


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """A unit's standing in one snapshot, as narrow as a trend and a picker need."""

    snapshot_id: int
    scope_id: int
    as_of: datetime.date
    period: str
    period_year: int
    period_number: int
    status: str
    stamp: datetime.datetime  # published_at, else created_at: the last among equals wins
    peer_key: str
    ranking_total: Decimal | None
    rank: int | None
    peer_count: int | None

    @property
    def period_label(self) -> str:
        return Snapshot(
            period=self.period, period_year=self.period_year, period_number=self.period_number
        ).period_label


def unit_series(*, unit: AdministrativeUnit, snapshot_id: int | None = None) -> list[SeriesPoint]:
    """Return the unit's standings in every published snapshot (and snapshot_id), in 1 query.

    Oldest first; no group or indicator row is read, whatever the length of the history.
    """
    visible = Q(snapshot__status=SnapshotStatus.PUBLISHED)
    if snapshot_id is not None:
        visible |= Q(snapshot_id=snapshot_id)
    rows = (
        UnitScore.objects.filter(visible, unit=unit)
        .order_by("snapshot__as_of", "snapshot__period", "snapshot_id")
        .values_list(
            "snapshot_id", "snapshot__scope_id", "snapshot__as_of", "snapshot__period",
            "snapshot__period_year", "snapshot__period_number", "snapshot__status",
            "snapshot__published_at", "snapshot__created_at", "peer_key", "ranking_total",
            "rank", "peer_count",
        )
    )  # fmt: skip
    return [
        SeriesPoint(*row[:7], row[7] or row[8], *row[9:])  # published_at, else created_at
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class IndicatorLine:
    code: str
    name: str
    ratio_definition: str
    max_points: Decimal
    threshold: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    points: Decimal | None
    portal_points: Decimal | None
    status: str
    status_label: str
    is_confirmed: bool
    note: str

    @property
    def points_lost(self) -> Decimal | None:
        """Points missed; None when the value is unknown or does not apply."""
        return None if self.points is None else self.max_points - self.points


@dataclass(frozen=True, slots=True)
class GroupBreakdown:
    code: str
    name: str
    max_points: Decimal
    is_combined: bool
    is_confirmed: bool
    points: Decimal | None
    official_points: Decimal | None
    rank: int | None
    peer_count: int | None
    indicators: list[IndicatorLine]

    @property
    def points_lost(self) -> Decimal | None:
        shown = self.official_points if self.official_points is not None else self.points
        return None if shown is None else self.max_points - shown


@dataclass(frozen=True, slots=True)
class UnitBreakdown:
    """Where one unit gains and loses points in one snapshot."""

    snapshot: Snapshot
    unit: AdministrativeUnit
    score: UnitScore | None
    groups: list[GroupBreakdown]


def unit_breakdown(*, snapshot: Snapshot, unit: AdministrativeUnit) -> UnitBreakdown:
    """Return groups → indicators with counts, points and points lost, in 5 queries."""
    score = (
        UnitScore.objects.filter(snapshot=snapshot, unit=unit)
        .select_related("band")
        .with_group_scores()
        .with_indicator_values()
        .first()
    )
    groups = list(
        IndicatorGroup.objects.filter(framework_id=snapshot.framework_id)
        .order_by("position")
        .prefetch_related("indicators")
    )
    indicators = {i.pk: i for g in groups for i in g.indicators.all()}
    group_scores = (
        {g.group_id: g for g in score.group_scores({g.pk: g for g in groups})} if score else {}
    )
    values = {v.indicator_id: v for v in score.indicator_values(indicators)} if score else {}
    result = []
    for group in groups:
        lines = []
        for indicator in group.indicators.all():
            value = values.get(indicator.pk)
            status = value.status if value else Status.NO_DATA.value
            lines.append(
                IndicatorLine(
                    code=indicator.code,
                    name=indicator.name,
                    ratio_definition=indicator.ratio_definition,
                    max_points=indicator.max_points,
                    threshold=indicator.threshold,
                    numerator=value.numerator if value else None,
                    denominator=value.denominator if value else None,
                    points=value.points if value else None,
                    portal_points=value.portal_points if value else None,
                    status=status,
                    status_label=str(ValueStatus(status).label),
                    is_confirmed=indicator.is_confirmed,
                    note=indicator.note,
                )
            )
        group_score = group_scores.get(group.pk)
        result.append(
            GroupBreakdown(
                code=group.code,
                name=group.name,
                max_points=group.max_points,
                is_combined=group.is_combined,
                is_confirmed=group.is_confirmed,
                points=group_score.points if group_score else None,
                official_points=group_score.official_points if group_score else None,
                rank=group_score.rank if group_score else None,
                peer_count=group_score.peer_count if group_score else None,
                indicators=lines,
            )
        )
    return UnitBreakdown(snapshot=snapshot, unit=unit, score=score, groups=result)


def indicator_values(
    *, snapshot: Snapshot, unit_ids: Sequence[int] | None = None
) -> list[IndicatorValue]:
    """The indicator values of a snapshot (of some units), by unit and framework order; 2 queries."""
    indicators = Indicator.objects.filter(framework_id=snapshot.framework_id).in_bulk()
    rows = IndicatorValue.objects.filter(snapshot=snapshot)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=id_list(unit_ids))
    values = list(rows)
    for value in values:
        value.indicator = indicators[value.indicator_id]
    return sorted(values, key=lambda v: (v.unit_id, v.indicator.position))


def group_scores(*, snapshot: Snapshot, unit_ids: Sequence[int] | None = None) -> list[GroupScore]:
    """The group scores of a snapshot (of some units), by unit and framework order; 2 queries."""
    groups = IndicatorGroup.objects.filter(framework_id=snapshot.framework_id).in_bulk()
    rows = GroupScore.objects.filter(snapshot=snapshot)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=id_list(unit_ids))
    scores = list(rows)
    for score in scores:
        score.group = groups[score.group_id]
    return sorted(scores, key=lambda g: (g.unit_id, g.group.position))


@dataclass(frozen=True, slots=True)
class PeerSet:
    key: str
    level: str
    parent_id: int | None
    label: str
    unit_count: int
    ranked_count: int


def peer_sets(*, snapshot: Snapshot) -> list[PeerSet]:
    """Return the peer sets present in a snapshot with labels and sizes, in 2 queries."""
    rows = list(
        UnitScore.objects.filter(snapshot=snapshot)
        .values("peer_key", "unit__level", "unit__parent_id")
        .annotate(units=Count("unit_id"), ranked=Count("rank"))
        .order_by("peer_key")
    )
    parents = AdministrativeUnit.objects.in_bulk(
        {r["unit__parent_id"] for r in rows if r["unit__parent_id"]}
    )
    result = []
    for row in rows:
        level, parent_id = row["unit__level"], row["unit__parent_id"]
        parent = parents.get(parent_id)
        label = PEER_SET_LABELS.get(level, "%(parent)s") % {
            "parent": parent.full_name if parent else ""
        }
        result.append(
            PeerSet(
                key=row["peer_key"],
                level=level,
                parent_id=parent_id,
                label=str(label),
                unit_count=row["units"],
                ranked_count=row["ranked"],
            )
        )
    return sorted(result, key=lambda p: (list(UnitLevel.values).index(p.level), p.label))


# --- Searching leaderboard rows (pages, downloads and the API alike) ----------------------


def leaderboard_row_matches(row: LeaderboardRow, words: Sequence[str]) -> bool:
    """Tell whether every folded word starts a word of the unit's folded name, or is a code.

    "Di An", "dĩ an" and "TP Dĩ An" find "Dĩ An" (prefixes are folded away by `fold`);
    "an" alone does not find "Tân Bình".
    """
    return leaderboard_name_matches(row.unit_name, row.codes, words)


def leaderboard_name_matches(name: str, codes: dict[str, str], words: Sequence[str]) -> bool:
    """`leaderboard_row_matches` on a unit's name and codes, before any row is built."""
    name_words = fold_name(name).split()
    if all(any(n.startswith(w) for n in name_words) for w in words):
        return True
    return len(words) == 1 and words[0] in {fold_name(c) for c in codes.values()}


def leaderboard_search_words(query: str) -> list[str]:
    """Fold a search box's text into words; a lone prefix ("phường") is kept as a word."""
    query = (query or "").strip()[:100]
    return fold(query).split() if query else []


# --- What it takes (indicators/what_it_takes.py) ------------------------------------------


@dataclass(frozen=True)
class Goal:
    """One target of a unit in its peer table, and the cheapest dossiers that reach it."""

    kind: str  # "next_band" | "pass_above" | "group_median"
    target: str  # the band's name, the unit above's short label, or the group's code
    needed: Decimal  # points to add
    plan: what_it_takes.Plan
    group_code: str | None = None


@dataclass(frozen=True)
class WhatItTakes:
    """What a unit can do next, in dossiers: the cheapest points first, then its goals."""

    snapshot: Snapshot
    row: LeaderboardRow
    opportunities: list[what_it_takes.Opportunity]
    goals: list[Goal]
    indicators: dict[str, Indicator]
    remaining_dossiers: int | None  # the period's expected new dossiers, at today's pace


def _median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def unit_what_it_takes(
    *, snapshot: Snapshot, unit_id: int, peers: list[LeaderboardRow] | None = None
) -> WhatItTakes | None:
    """Return what it takes for a unit with indicator values in a snapshot, else None (9 queries;
    3 when `peers`, the unit's whole peer table, is given by a caller that has it).

    Goals assume the total and group points the table ranks on move with the indicator points
    (a unit whose official total differs from its groups keeps that difference).
    """
    if peers is None:
        own = leaderboard(snapshot=snapshot, unit_ids=[unit_id])
    else:
        own = [p for p in peers if p.unit_id == unit_id]
    values = indicator_values(snapshot=snapshot, unit_ids=[unit_id])
    if not own or not values:
        return None
    row = own[0]
    if peers is None:
        peers = leaderboard(snapshot=snapshot, peer_key=row.peer_key)
    received = max((int(v.denominator) for v in values if v.denominator is not None), default=0)
    remaining = what_it_takes.remaining_dossiers(
        received,
        period_start=snapshot.period_start,
        as_of=snapshot.as_of,
        period_end=snapshot.period_end - datetime.timedelta(days=1),
    )
    states = [
        what_it_takes.IndicatorState(
            code=v.indicator.code,
            group_code=v.indicator.group.code,
            max_points=v.indicator.max_points,
            threshold=v.indicator.threshold,
            zero_denominator_policy=v.indicator.zero_denominator_policy,
            improved_by=v.indicator.improved_by,
            numerator=int(v.numerator),
            denominator=int(v.denominator),
            limit=remaining if v.indicator.improved_by == what_it_takes.NEW else None,
            counted=v.indicator.counted,
        )
        for v in values
        if what_it_takes.is_scored(v.status) and v.numerator is not None
    ]
    goals = []
    total = row.ranking_total
    if total is not None:
        bands = Band.objects.filter(framework_id=snapshot.framework_id).order_by("min_total")
        above_band = next((b for b in bands if b.min_total > total), None)
        if above_band is not None:
            needed = above_band.min_total - total
            goals.append(
                Goal("next_band", above_band.name, needed, what_it_takes.plan_for(states, needed))
            )
        better = [p for p in peers if p.ranking_total is not None and p.ranking_total > total]
        if better:
            above = min(better, key=lambda p: p.ranking_total)
            needed = above.ranking_total - total + Decimal("0.01")
            goals.append(
                Goal(
                    "pass_above",
                    above.unit_short_label,
                    needed,
                    what_it_takes.plan_for(states, needed),
                )
            )
    for code, cell in row.groups.items():
        if cell.is_combined or cell.ranking_points is None:
            continue
        figures = [
            p.groups[code].ranking_points
            for p in peers
            if code in p.groups and p.groups[code].ranking_points is not None
        ]
        median = quantize_points(_median(figures)) if figures else None
        if median is not None and cell.ranking_points < median:
            needed = median - cell.ranking_points
            in_group = [s for s in states if s.group_code == code]
            goals.append(
                Goal("group_median", code, needed, what_it_takes.plan_for(in_group, needed), code)
            )
    return WhatItTakes(
        snapshot=snapshot,
        row=row,
        opportunities=what_it_takes.opportunities(states),
        goals=goals,
        indicators={v.indicator.code: v.indicator for v in values},
        remaining_dossiers=remaining,
    )
