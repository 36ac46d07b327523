"""Write paths of snapshots: create, load, recompute, publish, discard.

Every function here is the one sanctioned way to change scores, whichever interface calls it
(pages, API, Celery task, management command). Writes are set-based, in a number of
statements that does not depend on the number of units: bulk loads (COPY on PostgreSQL, one
executemany on SQLite), and a recompute that reads a snapshot's inputs as columns, applies
the rules to every unit at once (`indicators.recompute`, numpy) and writes the results back
in bulk inserts (the unit rows, and their group scores as rows of `GroupScore`; indicator
values are rows of `IndicatorValue`, written by the loaders). The few SQL statements run
unchanged on PostgreSQL and SQLite.
"""

# The SQL below interpolates only table names from model _meta and constants of this module;
# every value is a query parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from indicators import published_cache, recompute, scoring, signals
from indicators.models import (
    Band,
    Framework,
    GroupScore,
    Indicator,
    IndicatorGroup,
    IndicatorValue,
    Snapshot,
    SnapshotPeriod,
    SnapshotStatus,
    UnitScore,
    ValueStatus,
    period_number_on,
)
from indicators.selectors import snapshot_previous_published
from scoreboard.arrays import all_distinct, factorize
from scoreboard.db import id_list
from units.models import AdministrativeUnit
from units.selectors import UnitPeers, peer_keys, unit_levels_and_peer_keys


class SnapshotStateError(Exception):
    """The snapshot is not in a state that allows the requested change."""


@dataclass(frozen=True, slots=True)
class GroupInput:
    """One row of a group table: a unit's group points (six- or five-group codes) and total."""

    unit_id: int
    groups: Mapping[str, Decimal | None]
    official_total: Decimal | None = None


@dataclass(frozen=True, slots=True)
class IndicatorInput:
    """One row of an indicator table: a unit's counts for one indicator (1.1 … 5.4)."""

    unit_id: int
    indicator_code: str
    numerator: Decimal | None
    denominator: Decimal | None
    portal_points: Decimal | None = None


@dataclass(frozen=True)
class IndicatorCounts:
    """An indicator table as columns: row i gives unit_ids[i]'s whole-number counts for
    indicator_codes[indicator_index[i]] (what ingest hands over when every count is whole)."""

    unit_ids: np.ndarray  # int64
    indicator_codes: Sequence[str]
    indicator_index: np.ndarray  # int64, into indicator_codes
    numerators: np.ndarray  # int64, 0 ≤ count < 10⁹
    denominators: np.ndarray  # int64
    # The portal's own points in hundredths (scoring.NO_POINTS where not given), or None.
    portal_cents: np.ndarray | None = None
    # The units' levels and peer keys when the caller found them on the way (validation
    # matches names against the scope's units): the loader then need not look them up.
    unit_peers: UnitPeers | None = None


@dataclass(frozen=True)
class SnapshotValues:
    """A snapshot's indicator values as the recompute reads them: one entry per value."""

    unit: np.ndarray  # int64
    indicator: np.ndarray  # int64
    points: np.ndarray  # int64 hundredths; scoring.NO_POINTS for none
    no_data: np.ndarray  # bool: the status is "no data"


# --- Snapshots ----------------------------------------------------------------------------------


def _default_period_number(period: str, period_year: int, as_of: datetime.date) -> int:
    if period != SnapshotPeriod.YTD and as_of.year != period_year:
        raise ValueError("period_number is required when as_of is outside period_year")
    return period_number_on(period, as_of)


def snapshot_create_draft(
    *,
    scope: AdministrativeUnit,
    as_of: datetime.date,
    period: str,
    period_year: int,
    period_number: int | None = None,
    framework: Framework | None = None,
    source_label: str = "",
    is_synthetic: bool = False,
) -> Snapshot:
    """Create the next revision of a snapshot key as a draft.

    period_number (month 1–12, quarter 1–4, half 1–2, 0 for year-to-date) defaults to the
    period containing as_of; framework defaults to the one in force on as_of.
    """
    if period_number is None:
        period_number = _default_period_number(period, period_year, as_of)
    if framework is None:
        framework = Framework.objects.valid_on(as_of)
        if framework is None:
            raise ValueError(f"no framework is in force on {as_of}")
    key = {
        "scope": scope,
        "as_of": as_of,
        "period": period,
        "period_year": period_year,
        "period_number": period_number,
    }
    # Two concurrent drafts of one key may pick the same revision; the unique constraint
    # rejects the second, which then retries with the next number.
    for attempt in range(3):
        try:
            with transaction.atomic():
                latest = Snapshot.objects.filter(**key).aggregate(r=Max("revision"))["r"] or 0
                return Snapshot.objects.create(
                    **key,
                    framework=framework,
                    revision=latest + 1,
                    source_label=source_label[:255],
                    is_synthetic=is_synthetic,
                )
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _get_draft(snapshot: Snapshot) -> Snapshot:
    current = Snapshot.objects.get(pk=snapshot.pk)
    if current.status != SnapshotStatus.DRAFT:
        raise SnapshotStateError(
            f"snapshot {current.pk} is {current.status}: load into a new revision instead"
        )
    return current


# --- Loading ----------------------------------------------------------------------------------


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _bulk_insert(model, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert rows in one COPY (PostgreSQL) or one executemany (SQLite)."""
    if not rows:
        return
    table = _qn(model._meta.db_table)
    column_list = ", ".join(_qn(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's wrapper hides psycopg's copy(); .cursor is the raw psycopg 3 cursor.
            with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})",
                rows,
            )


def _group_lookup(framework: Framework) -> dict[str, IndicatorGroup]:
    """Map every code a source may use (code, API code, five-group code) to its group."""
    lookup: dict[str, IndicatorGroup] = {}
    for group in IndicatorGroup.objects.filter(framework=framework):
        for code in [group.code, *group.api_codes]:
            lookup[code.strip().upper()] = group
    return lookup


def _points_or_none(
    value: Decimal | int | float | None, *, limit: Decimal, what: str
) -> Decimal | None:
    if value is None:
        return None
    points = scoring.quantize_points(scoring.as_decimal(value))
    if not 0 <= points <= limit:
        raise ValueError(f"{what}: {points} is outside 0–{limit}")
    return points


def snapshot_load_group_rows(*, snapshot: Snapshot, rows: Iterable[GroupInput]) -> int:
    """Replace a draft's group-level source figures (group points, official totals).

    Group codes may be the framework's (CKMB …), the portal API's (CLGQ, MDSH) or the
    five-group block (CCDVTT). A None value is "no data" and stores no row. Returns the
    number of units loaded.
    """
    rows = list(rows)
    with transaction.atomic():
        snapshot = _get_draft(snapshot)
        lookup = _group_lookup(snapshot.framework)
        seen: set[int] = set()
        unit_rows: list[tuple[int, Decimal | None]] = []
        figure_rows: list[tuple[int, int, Decimal]] = []  # unit, group, official points
        for row in rows:
            if row.unit_id in seen:
                raise ValueError(f"unit {row.unit_id} appears twice")
            seen.add(row.unit_id)
            figures: dict[int, Decimal] = {}
            for code, value in row.groups.items():
                group = lookup.get(code.strip().upper())
                if group is None:
                    raise ValueError(f"unknown group code {code!r}")
                if group.pk in figures:
                    raise ValueError(f"unit {row.unit_id}: group {group.code} given twice")
                points = _points_or_none(
                    value, limit=group.max_points, what=f"unit {row.unit_id} {group.code}"
                )
                figures[group.pk] = points
            figure_rows.extend(
                (row.unit_id, pk, points) for pk, points in figures.items() if points is not None
            )
            total = _points_or_none(
                row.official_total, limit=scoring.HUNDRED, what=f"unit {row.unit_id} total"
            )
            unit_rows.append((row.unit_id, total))
        _replace_sources(snapshot, group_rows=(unit_rows, figure_rows))
    return len(unit_rows)


def snapshot_has_group_figures(*, snapshot: Snapshot, rows: Iterable[GroupInput]) -> bool:
    """True when rows give exactly the source figures a snapshot holds: the same units, the
    same official totals and group points (a fetch of data that has not changed)."""
    lookup = _group_lookup(snapshot.framework)
    given = {}
    for row in rows:
        groups = {}
        for code, value in row.groups.items():
            group = lookup.get(code.strip().upper())
            if group is None:
                return False
            points = None if value is None else scoring.quantize_points(scoring.as_decimal(value))
            if points is not None:
                groups[group.pk] = points
        total = row.official_total
        total = None if total is None else scoring.quantize_points(scoring.as_decimal(total))
        given[row.unit_id] = (total, groups)
    figures: dict[int, dict[int, Decimal]] = {}
    for unit_id, group_id, official in GroupScore.objects.filter(
        snapshot=snapshot, official_points__isnull=False
    ).values_list("unit_id", "group_id", "official_points"):
        figures.setdefault(unit_id, {})[group_id] = official
    stored = {
        unit_id: (total, figures.get(unit_id, {}))
        for unit_id, total in UnitScore.objects.filter(snapshot=snapshot).values_list(
            "unit_id", "official_total"
        )
    }
    return given == stored


def snapshot_load_indicator_rows(*, snapshot: Snapshot, rows: Iterable[IndicatorInput]) -> int:
    """Replace a draft's indicator values, scoring each row with the pure rules.

    Every unit that has a row gets a value for every indicator of the framework: one not
    given is stored as "no data", and one that does not apply to the unit's level as "not
    applicable". Recompute relies on that completeness. Returns the number of values stored.
    A bad row raises ValueError and stores nothing.
    """
    rows = list(rows)
    with transaction.atomic():
        snapshot = _get_draft(snapshot)
        indicators = list(Indicator.objects.filter(framework=snapshot.framework))
        units = np.unique(np.asarray([row.unit_id for row in rows], dtype=np.int64))
        levels = _unit_levels(units)
        width = len(indicators)
        position = {i.code: p for p, i in enumerate(indicators)}
        row_of = {unit_id: k for k, unit_id in enumerate(units.tolist())}
        size = len(units) * width
        numerators: list[str | None] = [None] * size
        denominators: list[str | None] = [None] * size
        given = np.zeros(size, dtype=bool)
        cents = np.full(size, scoring.NO_POINTS, dtype=np.int64)
        portal = np.full(size, scoring.NO_POINTS, dtype=np.int64)
        status = np.full(size, _STATUS_CODE[ValueStatus.NO_DATA], dtype=np.int8)
        # What the loop needs per indicator, worked out once: its applicable levels and a
        # scorer with the policy and threshold bound (scoring.indicator_points' rules).
        specs = [
            (
                frozenset(i.levels),
                i.max_points,
                scoring.indicator_scorer(
                    max_points=i.max_points,
                    threshold=i.threshold,
                    zero_denominator_policy=i.zero_denominator_policy,
                ),
            )
            for i in indicators
        ]
        for row in rows:
            p = position.get(row.indicator_code)
            if p is None:
                p = position.get(row.indicator_code.strip())
                if p is None:
                    raise ValueError(f"unknown indicator {row.indicator_code!r}")
            cell = row_of[row.unit_id] * width + p
            if given[cell]:
                raise ValueError(f"unit {row.unit_id} indicator {row.indicator_code} given twice")
            given[cell] = True
            applicable, maximum, score = specs[p]
            numerators[cell] = _count_text(row.numerator)
            denominators[cell] = _count_text(row.denominator)
            if levels[row.unit_id] in applicable:
                points, value_status = score(row.numerator, row.denominator)
            else:
                points, value_status = None, ValueStatus.NOT_APPLICABLE
            cents[cell] = _cents(points)
            status[cell] = _STATUS_CODE[value_status]
            if row.portal_points is not None:
                portal[cell] = _cents(
                    _points_or_none(
                        row.portal_points,
                        limit=maximum,
                        what=f"unit {row.unit_id} {row.indicator_code}",
                    )
                )
        _mark_not_applicable(status, units, levels, indicators)
        value_columns = _value_columns(
            snapshot,
            units,
            indicators,
            pa.array(numerators, pa.string()),
            pa.array(denominators, pa.string()),
            None,
            cents,
            portal,
            status,
        )
        _replace_sources(snapshot, values=(units, value_columns))
    return size


def snapshot_load_indicator_counts(
    *, snapshot: Snapshot, counts: IndicatorCounts, recompute_scores: bool = False
) -> int:
    """Replace a draft's indicator values from columns, scored and stored set-based.

    The same result as `snapshot_load_indicator_rows` for whole-number counts (the tests
    load both ways and compare), for a national table in milliseconds of Python: values are
    scored per indicator by `scoring.indicator_points_array`. With `recompute_scores`, the
    snapshot is also recomputed (as `snapshot_recompute` would) from the values in hand,
    without reading them back. Returns the number of values stored.
    """
    with transaction.atomic():
        snapshot = _get_draft(snapshot)
        indicators = list(Indicator.objects.filter(framework_id=snapshot.framework_id))
        units, unit_position = factorize(counts.unit_ids)
        # Levels and peer keys together, for units valid on the snapshot's date.
        known = unit_levels_and_peer_keys(units.tolist(), snapshot.as_of, counts.unit_peers)
        levels = {pk: level for pk, (level, _key) in known.items()}
        position = {i.code: p for p, i in enumerate(indicators)}
        unknown = [c for c in counts.indicator_codes if c not in position]
        if unknown:
            raise ValueError(f"unknown indicators {unknown!r}")
        code_position = np.asarray([position[c] for c in counts.indicator_codes], dtype=np.int64)
        # One cell per unit × indicator, units in id order, indicators in framework order.
        width = len(indicators)
        cells = unit_position * width + code_position[counts.indicator_index]
        if not all_distinct(cells):
            raise ValueError("a unit is given the same indicator twice")
        size = len(units) * width
        given = np.zeros(size, dtype=bool)
        given[cells] = True
        numerators = np.zeros(size, dtype=np.int64)
        denominators = np.zeros(size, dtype=np.int64)
        numerators[cells] = counts.numerators
        denominators[cells] = counts.denominators
        portal = np.full(size, scoring.NO_POINTS, dtype=np.int64)
        if counts.portal_cents is not None:
            portal[cells] = counts.portal_cents
        cents = np.full(size, scoring.NO_POINTS, dtype=np.int64)
        status = np.full(size, _STATUS_CODE[ValueStatus.NO_DATA], dtype=np.int8)
        _mark_not_applicable(status, units, levels, indicators)
        for p, indicator in enumerate(indicators):
            column = np.arange(p, size, width)
            if np.any(portal[column] > int(indicator.max_points * 100)):
                raise ValueError(f"portal points of {indicator.code} above {indicator.max_points}")
            scored = column[given[column] & (status[column] != _STATUS_CODE[_NA])]
            cents[scored], status[scored] = scoring.indicator_points_array(
                numerators[scored],
                denominators[scored],
                max_points=indicator.max_points,
                threshold=indicator.threshold,
                zero_denominator_policy=indicator.zero_denominator_policy,
            )
        value_columns = _value_columns(
            snapshot,
            units,
            indicators,
            numerators,
            denominators,
            given,
            cents,
            portal,
            status,
        )
        if not recompute_scores:
            _replace_sources(snapshot, values=(units, value_columns))
            return size
        # The values are stored once; the recompute takes them in hand rather than reading
        # them back, and writes the unit rows and group scores.
        _store_values(snapshot, value_columns)
        _recompute(
            snapshot,
            values=SnapshotValues(
                unit=np.repeat(units, width),
                indicator=np.tile(
                    np.asarray([i.pk for i in indicators], dtype=np.int64), len(units)
                ),
                points=cents,
                no_data=status == _STATUS_CODE[ValueStatus.NO_DATA],
            ),
            keys={pk: key for pk, (_level, key) in known.items()},
        )
    return size


_NA = ValueStatus.NOT_APPLICABLE
_STATUS_CODE = {status: code for code, status in enumerate(scoring.STATUS_ORDER)}
# A count must fit the precision the index's counts have always had (16 digits, 4 decimals).
_COUNT_LIMIT = Decimal(10) ** 12


def _unit_levels(units: np.ndarray) -> dict[int, str]:
    levels = dict(
        AdministrativeUnit.objects.filter(pk__in=id_list(units)).values_list("id", "level")
    )
    if len(levels) != len(units):
        raise ValueError(f"unknown units: {sorted(set(units.tolist()) - levels.keys())[:10]}")
    return levels


def _mark_not_applicable(
    status: np.ndarray, units: np.ndarray, levels: dict[int, str], indicators: list[Indicator]
) -> None:
    """An indicator outside a unit's level is "not applicable", given or not."""
    names = sorted(set(levels.values()))
    unit_levels = np.asarray([names.index(levels[u]) for u in units.tolist()], dtype=np.int64)
    width = len(indicators)
    for p, indicator in enumerate(indicators):
        applies = np.asarray([name in indicator.levels for name in names], dtype=bool)
        status[np.arange(p, len(status), width)[~applies[unit_levels]]] = _STATUS_CODE[_NA]


def _count_text(value: Decimal | int | float | None) -> str | None:
    """A count as text, or None."""
    if value is None:
        return None
    number = value if type(value) is Decimal else scoring.as_decimal(value)
    if not number.is_finite() or abs(number) >= _COUNT_LIMIT:
        raise ValueError(f"count {value} does not fit 12 digits")
    return str(number)


def _cents(value: Decimal | None) -> int:
    return scoring.NO_POINTS if value is None else int(value.scaleb(2))


def _value_columns(
    snapshot: Snapshot,
    units: np.ndarray,
    indicators: list[Indicator],
    numerators: np.ndarray | pa.Array,
    denominators: np.ndarray | pa.Array,
    given: np.ndarray | None,
    cents: np.ndarray,
    portal: np.ndarray,
    status: np.ndarray,
) -> dict[str, Column]:
    """The `IndicatorValue` rows of the units' values (units × indicators in framework order).

    Counts are whole numbers in int64 (`given` marks those the source gave), or the text of
    any Decimal (pa strings, null where not given)."""
    count, width = len(units), len(indicators)
    counts = "count" if given is not None else "text"
    return {
        "snapshot_id": Column("int8", np.full(count * width, snapshot.pk, dtype=np.int64)),
        "unit_id": Column("int8", np.repeat(units, width)),
        "indicator_id": Column(
            "int8", np.tile(np.asarray([i.pk for i in indicators], dtype=np.int64), count)
        ),
        "numerator": Column(counts, numerators, None if given is None else ~given),
        "denominator": Column(counts, denominators, None if given is None else ~given),
        "points": Column("points", cents, cents == scoring.NO_POINTS),
        "portal_points": Column("points", portal, portal == scoring.NO_POINTS),
        "status": Column("label", status.astype(np.int64), labels=_STATUS_LABELS),
    }


_STATUS_LABELS = [s.value for s in scoring.STATUS_ORDER]


def _store_values(snapshot: Snapshot, columns: Mapping[str, Column]) -> None:
    """Replace a draft's indicator values by these rows."""
    IndicatorValue.objects.filter(snapshot=snapshot).delete()
    _store_facts(IndicatorValue, columns)


def _replace_sources(
    snapshot: Snapshot,
    *,
    values: tuple[np.ndarray, Mapping[str, Column]] | None = None,
    group_rows: tuple[list[tuple[int, Decimal | None]], list[tuple[int, int, Decimal]]]
    | None = None,
) -> None:
    """Replace one kind of a draft's source figures, keep the other, and mark it stale.

    A snapshot's source figures are its indicator values (`values`: the units that have
    them, and their `IndicatorValue` rows) or a group table's (`group_rows`: each listed
    unit's official total, and (unit, group, points) for every figure given, stored as the
    official points of `GroupScore` rows). Loading one kind replaces its rows and keeps those
    of the other kind; the unit rows are written anew for the units of both, their derived
    columns blank until the recompute.
    """
    scores = UnitScore.objects.filter(snapshot=snapshot)
    if values is None:
        value_units = set(
            scores.filter(has_indicator_values=True).values_list("unit_id", flat=True)
        )
    else:
        value_units = set(values[0].tolist())
        _store_values(snapshot, values[1])
    if group_rows is None:
        listed = dict(scores.filter(listed_in_source=True).values_list("unit_id", "official_total"))
    else:
        listed = dict(group_rows[0])
        figures = group_rows[1]
        GroupScore.objects.filter(snapshot=snapshot).delete()
        _store_columns(
            GroupScore,
            {
                "snapshot_id": pa.array([snapshot.pk] * len(figures), pa.int64()),
                "unit_id": pa.array([f[0] for f in figures], pa.int64()),
                "group_id": pa.array([f[1] for f in figures], pa.int64()),
                "points": pa.array([f[2] for f in figures], pa.decimal128(6, 2)),
                "official_points": pa.array([f[2] for f in figures], pa.decimal128(6, 2)),
            },
        )
    units = sorted(value_units | listed.keys())
    scores.delete()
    if units:
        _store_columns(
            UnitScore,
            {
                "snapshot_id": pa.array([snapshot.pk] * len(units), pa.int64()),
                "unit_id": pa.array(units, pa.int64()),
                "peer_key": pa.array([""] * len(units), pa.string()),
                "totals_disagree": pa.array([False] * len(units)),
                "has_indicator_values": pa.array([u in value_units for u in units]),
                "listed_in_source": pa.array([u in listed for u in units]),
                "official_total": pa.array([listed.get(u) for u in units], pa.decimal128(6, 2)),
            },
        )
    Snapshot.objects.filter(pk=snapshot.pk).update(is_stale=True)


# --- Recompute ----------------------------------------------------------------------------------


def snapshot_recompute(*, snapshot_id: int) -> Snapshot:
    """Recompute a snapshot's group scores, totals, bands, peer ranks and movement.

    1. Every unit of the snapshot (with indicator values, a source group figure or a source
       total) and its peer key.
    2. Group points = sum of indicator points (None if one has no data), else the source's
       figure; ranked per peer set on the official figure when given (like totals).
    3. Combined blocks (CCDVTT) = sum of their parts, or the source's figure when a part
       is unknown; ranked the same way.
    4. One UnitScore per unit: totals = sum of the five-group view; ranking total = official
       total if given, else recomputed; flag a difference above 0,02; band, competition rank
       and movement against the previous published snapshot of the same scope and period type.
    The source figures (official group points and totals) stay as loaded.
    """
    with transaction.atomic():
        snapshot = (
            Snapshot.objects.select_for_update().select_related("framework").get(pk=snapshot_id)
        )
        if snapshot.status == SnapshotStatus.DISCARDED:
            raise SnapshotStateError(f"snapshot {snapshot.pk} is discarded")
        _recompute(snapshot)
        if snapshot.status == SnapshotStatus.PUBLISHED:
            # The next published snapshot's movement was copied from the old figures.
            _refresh_following(snapshot, force=True)
            published_cache.scope_changed(snapshot.scope_id)  # its rows changed: uncache them
    snapshot.refresh_from_db()
    return snapshot


def _recompute(
    snapshot: Snapshot, values: SnapshotValues | None = None, keys: dict[int, str] | None = None
) -> None:
    """Recompute every derived score of a snapshot; the caller holds the transaction.

    Reads the inputs in a constant number of statements, applies the rules to all units at
    once (`indicators.recompute`), then replaces the snapshot's unit rows and group scores in
    one bulk write each; the official group points and totals are written back with them,
    and the indicator values, which it only reads, stay as they are. `values` are the snapshot's indicator values when the caller has them in hand
    (`_read_values` reads them otherwise), and `keys` the peer keys of at least the
    snapshot's units (`units.selectors.peer_keys`).
    """
    sid = snapshot.pk
    previous_id = _previous_published(snapshot)
    if values is None:
        values = _read_values(sid)
    inputs = _recompute_inputs(snapshot, previous_id, values)
    units = recompute.units_of(inputs)
    if keys is None or not set(units.tolist()) <= keys.keys():
        keys = peer_keys(units.tolist(), snapshot.as_of) if units.size else {}
    unit_keys = [keys[u] for u in units.tolist()]
    key_numbers = {key: n for n, key in enumerate(dict.fromkeys(unit_keys))}
    scores = recompute.recompute_scores(
        inputs, np.asarray([key_numbers[k] for k in unit_keys], dtype=np.int64)
    )
    UnitScore.objects.filter(snapshot_id=sid).delete()
    GroupScore.objects.filter(snapshot_id=sid).delete()
    _store_columns(
        UnitScore,
        {
            "snapshot_id": pa.array(np.full(len(units), sid, dtype=np.int64)),
            "unit_id": pa.array(units),
            "peer_key": pa.array(unit_keys, pa.string()),
            "has_indicator_values": pa.array(scores.has_values),
            "listed_in_source": pa.array(scores.listed_in_source),
            "official_total": _points_text(scores.official_total),
            "total": _points_text(scores.total),
            "ranking_total": _points_text(scores.ranking_total),
            "totals_disagree": pa.array(scores.totals_disagree),
            "band_id": _positive_or_null(scores.band_id),
            "rank": _positive_or_null(scores.rank),
            "peer_count": _positive_or_null(scores.peer_count),
            "previous_total": _points_text(scores.previous_total),
            "previous_rank": _positive_or_null(scores.previous_rank),
        },
    )
    cells = scores.group_row.ravel()
    points, official = scores.group_points.ravel()[cells], scores.group_official.ravel()[cells]
    rank, peers = scores.group_rank.ravel()[cells], scores.group_peer_count.ravel()[cells]
    _store_facts(
        GroupScore,
        {
            "snapshot_id": Column("int8", np.full(len(points), sid, dtype=np.int64)),
            "unit_id": Column("int8", np.repeat(units, len(inputs.groups))[cells]),
            "group_id": Column(
                "int8",
                np.tile(np.asarray([g.group_id for g in inputs.groups]), len(units))[cells],
            ),
            "points": Column("points", points, points == scoring.NO_POINTS),
            "official_points": Column("points", official, official == scoring.NO_POINTS),
            "rank": Column("int4", rank, rank == 0),
            "peer_count": Column("int4", peers, peers == 0),
        },
    )
    snapshot.recomputed_at, snapshot.is_stale = timezone.now(), False
    snapshot.previous_snapshot_id = previous_id
    Snapshot.objects.filter(pk=sid).update(
        recomputed_at=snapshot.recomputed_at, is_stale=False, previous_snapshot_id=previous_id
    )


def _recompute_inputs(
    snapshot: Snapshot, previous_id: int | None, values: SnapshotValues
) -> recompute.RecomputeInputs:
    """Read what a recompute needs: eight statements, whatever the number of units."""
    sid = snapshot.pk
    groups = [
        recompute.GroupSpec(g.pk, g.code, g.five_group_code, g.is_combined)
        for g in IndicatorGroup.objects.filter(framework_id=snapshot.framework_id).order_by(
            "position"
        )
    ]
    position = {g.group_id: k for k, g in enumerate(groups)}
    indicator_group = {
        indicator_id: position[group_id]
        for indicator_id, group_id in Indicator.objects.filter(
            framework_id=snapshot.framework_id
        ).values_list("id", "group_id")
    }
    indicator = values.indicator
    groups_lookup = np.zeros(max(indicator_group, default=0) + 1, dtype=np.int64)
    groups_lookup[list(indicator_group)] = list(indicator_group.values())
    source_units = list(
        UnitScore.objects.filter(snapshot_id=sid, listed_in_source=True).values_list(
            "unit_id", "official_total"
        )
    )
    source_groups = list(
        GroupScore.objects.filter(
            snapshot_id=sid,
            official_points__isnull=False,
            unit_id__in=UnitScore.objects.filter(snapshot_id=sid, listed_in_source=True).values(
                "unit_id"
            ),
        ).values_list("unit_id", "group_id", "official_points")
    )
    bands = list(
        Band.objects.filter(framework_id=snapshot.framework_id)
        .order_by("min_total")
        .values_list("id", "min_total")
    )
    previous = _previous_scores(previous_id)

    def column(rows: list[tuple], k: int, convert=int) -> np.ndarray:
        return np.asarray([convert(r[k]) for r in rows], dtype=np.int64)

    return recompute.RecomputeInputs(
        groups=groups,
        values_unit=values.unit,
        values_group=groups_lookup[indicator] if indicator.size else indicator,
        values_points=values.points,
        values_no_data=values.no_data,
        source_group_unit=column(source_groups, 0),
        source_group_group=column(source_groups, 1, position.__getitem__),
        source_group_official=column(source_groups, 2, _cents),
        source_unit_unit=column(source_units, 0),
        source_unit_official=column(source_units, 1, _cents),
        band_ids=column(bands, 0),
        band_min=column(bands, 1, _cents),
        previous_unit=previous[:, 0],
        previous_total=previous[:, 1],
        previous_rank=previous[:, 2],
    )


def _previous_scores(previous_id: int | None) -> np.ndarray:
    """(unit, ranking total in hundredths or NO_POINTS, rank or 0) of each unit of a snapshot."""
    if previous_id is None:
        return np.zeros((0, 3), dtype=np.int64)
    # Integers straight from the database, without the ORM's per-value converters: twice
    # as fast for a national snapshot's 3,355 rows.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT unit_id, COALESCE(CAST(ROUND(ranking_total * 100) AS INTEGER), %s), "
            f"COALESCE({_qn('rank')}, 0) FROM {_qn(UnitScore._meta.db_table)} "
            "WHERE snapshot_id = %s",
            [scoring.NO_POINTS, previous_id],
        )
        return np.asarray(cursor.fetchall(), dtype=np.int64).reshape(-1, 3)


def _read_values(sid: int) -> SnapshotValues:
    """A snapshot's stored indicator values, as the recompute reads them."""
    # Integers straight from the database, as `_previous_scores` reads them.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT unit_id, indicator_id, "
            "COALESCE(CAST(ROUND(points * 100) AS INTEGER), %s), "
            "CASE WHEN status = %s THEN 1 ELSE 0 END "
            f"FROM {_qn(IndicatorValue._meta.db_table)} WHERE snapshot_id = %s",
            [scoring.NO_POINTS, ValueStatus.NO_DATA.value, sid],
        )
        rows = np.asarray(cursor.fetchall(), dtype=np.int64).reshape(-1, 4)
    return SnapshotValues(
        unit=rows[:, 0], indicator=rows[:, 1], points=rows[:, 2], no_data=rows[:, 3] == 1
    )


# The text of every figure a point column can hold (0.00 to 100.00), looked up by hundredths:
# faster than Arrow's decimal-to-text cast, on two 70,455-value columns per national upload.
_POINTS_TEXT = pa.array([f"{n // 100}.{n % 100:02d}" for n in range(10_001)])


def _points_text(cents: np.ndarray) -> pa.Array:
    """Hundredths as 2-decimal text ("5.50"), as COPY and SQLite read numbers; null for
    NO_POINTS."""
    indices = pa.array(cents, mask=cents == scoring.NO_POINTS)
    if cents.size and (cents.max() >= len(_POINTS_TEXT) or cents.min() < scoring.NO_POINTS):
        return (pa.array(cents / 100, mask=cents == scoring.NO_POINTS)).cast(pa.decimal128(8, 2))
    return _POINTS_TEXT.take(indices)


def _positive_or_null(values: np.ndarray) -> pa.Array:
    """Ranks and counts: 0 means none (NULL)."""
    return pa.array(values, pa.int64(), mask=values == 0)


@dataclass(frozen=True)
class Column:
    """One column of fact rows as numpy, for `_store_facts`.

    kind: "int8" / "int4" (integers), "points" (hundredths, stored as numeric(6, 2)), "count"
    (whole counts, numeric(16, 4)), "label" (codes into `labels`), or "text" (a pa string
    array of numbers, as the row loader has them). `null` marks NULLs.
    """

    kind: str
    values: np.ndarray | pa.Array
    null: np.ndarray | None = None
    labels: Sequence[str] = ()

    def arrow(self) -> pa.Array:
        """The column as `_store_columns` takes it."""
        if self.kind == "text":
            return self.values
        if self.kind == "points":
            return _points_text(np.where(self.null, scoring.NO_POINTS, self.values))
        if self.kind == "label":
            return pa.DictionaryArray.from_arrays(
                pa.array(self.values), pa.array(list(self.labels))
            ).cast(pa.string())
        return pa.array(self.values, pa.int64(), mask=self.null)


def _store_facts(model, columns: Mapping[str, Column]) -> None:
    """Insert fact rows: one binary COPY on PostgreSQL (numbers need no parsing there: a
    third less time for a national snapshot's 70,455 values), else `_store_columns`."""
    if connection.vendor != "postgresql" or any(c.kind == "text" for c in columns.values()):
        _store_columns(model, {name: column.arrow() for name, column in columns.items()})
        return
    chunks = _copy_binary(list(columns.values()))
    if not chunks:
        return
    column_list = ", ".join(_qn(c) for c in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {_qn(model._meta.db_table)} ({column_list}) FROM STDIN (FORMAT binary)"
        ) as copy,
    ):
        for chunk in chunks:
            copy.write(chunk)


# PostgreSQL's binary COPY: the signature, no flags, no header extension; -1 ends the data.
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_BINARY_TRAILER = b"\xff\xff"
_COUNT_DIGITS_LIMIT = 10**12  # three base-10000 digits


def _binary_parts(column: Column) -> tuple[list[tuple[str, np.ndarray]], int | None]:
    """A column's values in PostgreSQL's binary send format, as big-endian parts (dtype,
    values per row) and, for a label, the byte length of each label (None otherwise)."""
    values = np.asarray(column.values, dtype=np.int64)
    if column.kind in ("int8", "int4"):
        return [(">i8" if column.kind == "int8" else ">i4", values)], None
    if column.kind == "label":
        return [], None  # written per label: see _copy_binary
    # numeric: ndigits, weight, sign, dscale, then base-10000 digits (leading and trailing
    # zero digits are allowed: PostgreSQL strips them).
    known = values[~column.null] if column.null is not None else values
    if column.kind == "points":  # hundredths ≤ 100.00: [whole points, hundredths × 100]
        if known.size and (known.min() < 0 or known.max() >= 10_000 * 100):
            raise ValueError("points out of range")
        words = [2, 0, 0, 2, values // 100, values % 100 * 100]
    else:  # whole counts below 10¹²: three digits, four decimals
        if known.size and (known.min() < 0 or known.max() >= _COUNT_DIGITS_LIMIT):
            raise ValueError("count out of range")
        words = [3, 2, 0, 4, values // 10**8, values // 10**4 % 10**4, values % 10**4]
    return [(">i2", word) for word in words], None


def _copy_binary(columns: list[Column]) -> list:
    """Rows in COPY's binary format, as buffers to write in turn (none when there are no
    rows): per row the field count, then per field its length (-1 for NULL) and its bytes.

    Every row is first one record of a numpy record array at its widest (every field with
    its bytes, labels padded), filled a column at a time, so no Python runs per row; then
    the bytes of NULLs and of the padding are dropped by one boolean mask. The rows keep
    their order: the key index takes ascending keys fastest (out of order, a national value
    table took 20–90 % longer to store).
    """
    count = len(columns[0].values)
    if not count:
        return []
    fields: list[tuple[str, str]] = [("n", ">i2")]
    filled: list[tuple[str, object]] = [("n", len(columns))]
    varying: list[tuple[str, np.ndarray]] = []  # payload field, bytes used per row
    for c, column in enumerate(columns):
        pieces, _unused = _binary_parts(column)
        null = column.null if column.null is not None and column.null.any() else None
        if column.kind == "label":
            encoded = [label.encode() for label in column.labels]
            sizes = np.asarray([len(e) for e in encoded], dtype=np.int64)[column.values]
            width = int(sizes.max())  # of the labels used: no padding when all are alike
            fields += [(f"l{c}", ">i4"), (f"v{c}", f"S{width}")]
            labels = np.asarray([e[:width] for e in encoded], dtype=f"S{width}")
            filled += [(f"l{c}", sizes), (f"v{c}", labels[column.values])]
            if (sizes != width).any():
                varying.append((f"v{c}", sizes))
            continue
        size = sum(np.dtype(dtype).itemsize for dtype, _values in pieces)
        fields.append((f"l{c}", ">i4"))
        filled.append((f"l{c}", size if null is None else np.where(null, -1, size)))
        if null is not None and null.all():
            continue  # no bytes at all
        fields.append((f"v{c}", [(f"p{p}", dtype) for p, (dtype, _v) in enumerate(pieces)]))
        for p, (_dtype, values) in enumerate(pieces):
            filled.append(((f"v{c}", f"p{p}"), values))
        if null is not None:
            varying.append((f"v{c}", np.where(null, 0, size)))
    records = np.empty(count, dtype=np.dtype(fields))
    for name, values in filled:
        if isinstance(name, tuple):
            records[name[0]][name[1]] = values
        else:
            records[name] = values
    data = records.view(np.uint8).reshape(count, records.dtype.itemsize)
    if varying:
        keep = np.ones(data.shape, dtype=bool)
        for name, used in varying:
            start = records.dtype.fields[name][1]
            width = records.dtype.fields[name][0].itemsize
            keep[:, start : start + width] = np.arange(width) < used[:, None]
        data = data[keep]
    return [_BINARY_HEADER, memoryview(data.reshape(-1)), _BINARY_TRAILER]


def _store_columns(model, columns: Mapping[str, pa.Array]) -> None:
    """Insert rows given as columns: one COPY in its text format, or one executemany."""
    names = list(columns)
    if connection.vendor != "postgresql":
        rows = list(zip(*(columns[n].to_pylist() for n in names), strict=True))
        _bulk_insert(model, names, rows)
        return
    if not len(columns[names[0]]):
        return
    column_list = ", ".join(_qn(c) for c in names)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {_qn(model._meta.db_table)} ({column_list}) FROM STDIN") as copy,
    ):
        copy.write(_copy_text(columns.values()))


# What COPY's text format escapes in a field; a backslash first, so as not to escape twice.
_COPY_ESCAPES = [(b"\\", "\\\\"), (b"\t", "\\t"), (b"\n", "\\n"), (b"\r", "\\r")]


def _copy_text(columns: Iterable[pa.Array]) -> memoryview:
    """Rows in COPY's text format, built by Arrow's string kernels: fields joined by tabs,
    NULL as \\N, backslashes and line breaks escaped.

    Not CSV: quotes in text (the JSON documents of the time) are doubled by CSV and undone
    by PostgreSQL character by character; the text format leaves them as they are. The fact
    tables take the binary format instead (`_store_facts`).
    """
    fields = []
    for values in columns:
        if pa.types.is_string(values.type):
            # One byte search per character over the column's text (it rarely has any).
            text = values.buffers()[2]
            data = text.to_pybytes() if text is not None else b""
            for raw, escaped in _COPY_ESCAPES:
                if raw in data:
                    values = pc.replace_substring(values, raw.decode(), escaped)
        else:  # numbers, decimals and booleans print as PostgreSQL reads them
            values = values.cast(pa.string())
        fields.append(values.fill_null("\\N"))
    fields[-1] = pc.binary_join_element_wise(fields[-1], "\n", "")
    lines = pc.binary_join_element_wise(*fields, "\t")
    # The array's text is every line, one after the other.
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    start, end = offsets[lines.offset], offsets[lines.offset + len(lines)]
    return memoryview(lines.buffers()[2])[start:end]


def _previous_published(snapshot: Snapshot) -> int | None:
    previous = snapshot_previous_published(snapshot)
    return previous.pk if previous else None


def _refresh_movement(snapshot: Snapshot, *, force: bool = False) -> None:
    """Point a snapshot's movement at the current previous published snapshot, if it changed."""
    previous_id = _previous_published(snapshot)
    if previous_id == snapshot.previous_snapshot_id and not force:
        return
    us = _qn(UnitScore._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {us} SET previous_total = r.pt, previous_rank = r.pr FROM ("
            f"  SELECT c.unit_id, p.ranking_total AS pt, p.rank AS pr FROM {us} c "
            f"  LEFT JOIN {us} p ON p.snapshot_id = %s AND p.unit_id = c.unit_id "
            "  WHERE c.snapshot_id = %s"
            f") r WHERE {us}.snapshot_id = %s AND {us}.unit_id = r.unit_id",
            [previous_id, snapshot.pk, snapshot.pk],
        )
    Snapshot.objects.filter(pk=snapshot.pk).update(previous_snapshot_id=previous_id)
    snapshot.previous_snapshot_id = previous_id


def _publish_movement(snapshot: Snapshot) -> None:
    """Refresh movement of the published snapshot and of the next one, which now compares to it."""
    _refresh_movement(snapshot)
    _refresh_following(snapshot)


def _refresh_following(snapshot: Snapshot, *, force: bool = False) -> None:
    following = (
        Snapshot.objects.filter(
            scope_id=snapshot.scope_id,
            period=snapshot.period,
            status=SnapshotStatus.PUBLISHED,
            as_of__gt=snapshot.as_of,
        )
        .order_by("as_of")
        .first()
    )
    if following is not None:
        _refresh_movement(following, force=force)


# --- Publishing ---------------------------------------------------------------------------------


def snapshot_publish(*, snapshot_id: int) -> Snapshot:
    """Publish a draft atomically, superseding the published revision of the same key.

    Readers filter on status=published, and both status changes commit together, so a
    reader sees the old ranking or the new one, never a mix. Publishing an already
    published snapshot is a no-op. A stale draft is recomputed first.
    """
    with transaction.atomic():
        probe = Snapshot.objects.get(pk=snapshot_id)
        key = {
            "scope_id": probe.scope_id,
            "as_of": probe.as_of,
            "period": probe.period,
            "period_year": probe.period_year,
            "period_number": probe.period_number,
        }
        # Lock every revision of the key in one ordered statement, so two publishers of
        # the same key queue up instead of deadlocking.
        revisions = list(
            Snapshot.objects.select_for_update()
            .filter(**key)
            .order_by("pk")
            .select_related("framework")
        )
        snapshot = next(s for s in revisions if s.pk == snapshot_id)
        if snapshot.status == SnapshotStatus.PUBLISHED:
            return snapshot
        if snapshot.status != SnapshotStatus.DRAFT:
            raise SnapshotStateError(f"snapshot {snapshot.pk} is {snapshot.status}")
        if snapshot.is_stale:
            _recompute(snapshot)
        # Supersede first: the one-published-per-key constraint holds after each statement.
        Snapshot.objects.filter(**key, status=SnapshotStatus.PUBLISHED).update(
            status=SnapshotStatus.SUPERSEDED
        )
        snapshot.status, snapshot.published_at = SnapshotStatus.PUBLISHED, timezone.now()
        Snapshot.objects.filter(pk=snapshot.pk).update(
            status=snapshot.status, published_at=snapshot.published_at
        )
        # The previous published snapshot may have changed since the recompute, and the
        # next published one now compares against this one.
        _publish_movement(snapshot)
        # Cached boards of the scope (movement, statuses) and histories are dropped, at once
        # and again at commit (published_cache), so no reader keeps the old revision.
        published_cache.scope_changed(snapshot.scope_id)
        # After the outermost commit (an upload's publish wraps this in its own transaction):
        # listeners (notifications) see the published ranking, or nothing if it rolled back.
        published_id = snapshot.pk
        transaction.on_commit(
            lambda: signals.snapshot_published.send_robust(
                sender=Snapshot, snapshot_id=published_id
            )
        )
    return snapshot


def snapshot_discard(*, snapshot_id: int) -> Snapshot:
    """Discard a draft and delete its scores; discarding twice is a no-op.

    A published snapshot is never discarded: publish a corrected revision instead.
    """
    with transaction.atomic():
        snapshot = Snapshot.objects.select_for_update().get(pk=snapshot_id)
        if snapshot.status == SnapshotStatus.DISCARDED:
            return snapshot
        if snapshot.status != SnapshotStatus.DRAFT:
            raise SnapshotStateError(
                f"snapshot {snapshot.pk} is {snapshot.status}: publish a corrected revision instead"
            )
        UnitScore.objects.filter(snapshot=snapshot).delete()
        GroupScore.objects.filter(snapshot=snapshot).delete()
        IndicatorValue.objects.filter(snapshot=snapshot).delete()
        snapshot.status = SnapshotStatus.DISCARDED
        snapshot.save(update_fields=["status"])
    return snapshot
