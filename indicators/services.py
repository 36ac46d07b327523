"""Write paths of snapshots: create, load, recompute, publish, discard.

Every function here is the one sanctioned way to change scores, whichever interface calls it
(pages, API, Celery task, management command). Writes are set-based: bulk loads (COPY on
PostgreSQL, one executemany on SQLite) and INSERT … SELECT / UPDATE … FROM statements whose
number does not depend on the number of units. The SQL below runs unchanged on PostgreSQL
and on SQLite ≥ 3.33 (window functions, UPDATE … FROM, upserts).
"""

# The SQL below interpolates only table names from model _meta and constants of this module;
# every value is a query parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from indicators import scoring
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
)
from units.models import AdministrativeUnit
from units.selectors import peer_keys

# Units per INSERT … VALUES statement of the unit upsert: 3 parameters a row stays below the
# PostgreSQL (65,535) and SQLite (32,766) limits; the whole country (~11,000 units) is 3.
PEER_KEY_CHUNK = 5000


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


# --- Snapshots ----------------------------------------------------------------------------------


def _default_period_number(period: str, period_year: int, as_of: datetime.date) -> int:
    if period == SnapshotPeriod.YTD:
        return 0
    if as_of.year != period_year:
        raise ValueError("period_number is required when as_of is outside period_year")
    months = {SnapshotPeriod.MONTH: 1, SnapshotPeriod.QUARTER: 3, SnapshotPeriod.HALF: 6}
    return (as_of.month - 1) // months[SnapshotPeriod(period)] + 1


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
        group_rows: list[tuple] = []
        unit_rows: list[tuple] = []
        for row in rows:
            if row.unit_id in seen:
                raise ValueError(f"unit {row.unit_id} appears twice")
            seen.add(row.unit_id)
            groups_seen: set[int] = set()
            for code, value in row.groups.items():
                group = lookup.get(code.strip().upper())
                if group is None:
                    raise ValueError(f"unknown group code {code!r}")
                if group.pk in groups_seen:
                    raise ValueError(f"unit {row.unit_id}: group {group.code} given twice")
                groups_seen.add(group.pk)
                points = _points_or_none(
                    value, limit=group.max_points, what=f"unit {row.unit_id} {group.code}"
                )
                if points is not None:
                    group_rows.append((snapshot.pk, row.unit_id, group.pk, points, points))
            total = _points_or_none(
                row.official_total, limit=scoring.HUNDRED, what=f"unit {row.unit_id} total"
            )
            unit_rows.append((snapshot.pk, row.unit_id, total, False, "", False, True))
        GroupScore.objects.filter(snapshot=snapshot).delete()
        UnitScore.objects.filter(snapshot=snapshot).delete()
        _bulk_insert(
            UnitScore,
            [
                "snapshot_id",
                "unit_id",
                "official_total",
                "totals_disagree",
                "peer_key",
                "has_indicator_values",
                "listed_in_source",
            ],
            unit_rows,
        )
        _bulk_insert(
            GroupScore,
            ["snapshot_id", "unit_id", "group_id", "points", "official_points"],
            group_rows,
        )
        Snapshot.objects.filter(pk=snapshot.pk).update(is_stale=True)
    return len(unit_rows)


def snapshot_load_indicator_rows(*, snapshot: Snapshot, rows: Iterable[IndicatorInput]) -> int:
    """Replace a draft's indicator values, scoring each row with the pure rules in one pass.

    Every unit that has a row gets a value for every indicator of the framework: one not
    given is stored as "no data", and one that does not apply to the unit's level as "not
    applicable". Recompute relies on that completeness. Returns the number of values stored.
    """
    rows = list(rows)
    with transaction.atomic():
        snapshot = _get_draft(snapshot)
        indicators = list(Indicator.objects.filter(framework=snapshot.framework))
        unit_ids = {row.unit_id for row in rows}
        levels = dict(AdministrativeUnit.objects.filter(pk__in=unit_ids).values_list("id", "level"))
        if len(levels) != len(unit_ids):
            raise ValueError(f"unknown units: {sorted(unit_ids - levels.keys())[:10]}")
        # What the inner loop needs, looked up once: 70,000 rows cost one scoring call each.
        specs = {
            i.code: (
                i.pk,
                i.max_points,
                i.threshold,
                i.zero_denominator_policy,
                frozenset(i.levels),
            )
            for i in indicators
        }
        indicator_points = scoring.indicator_points
        sid = snapshot.pk
        given: dict[int, set[int]] = {unit_id: set() for unit_id in unit_ids}
        values: list[tuple] = []
        for row in rows:
            spec = specs.get(row.indicator_code.strip())
            if spec is None:
                raise ValueError(f"unknown indicator {row.indicator_code!r}")
            pk, maximum, threshold, policy, applicable_levels = spec
            unit_given = given[row.unit_id]
            if pk in unit_given:
                raise ValueError(f"unit {row.unit_id} indicator {row.indicator_code} given twice")
            unit_given.add(pk)
            result = indicator_points(
                row.numerator,
                row.denominator,
                max_points=maximum,
                threshold=threshold,
                zero_denominator_policy=policy,
                applicable=levels[row.unit_id] in applicable_levels,
            )
            portal = _points_or_none(
                row.portal_points, limit=maximum, what=f"unit {row.unit_id} {row.indicator_code}"
            )
            values.append(
                (
                    sid,
                    row.unit_id,
                    pk,
                    _count(row.numerator),
                    _count(row.denominator),
                    result.points,
                    portal,
                    result.status.value,
                )
            )
        for unit_id, unit_given in given.items():
            for pk, _max, _t, _p, applicable_levels in specs.values():
                if pk not in unit_given:
                    status = (
                        ValueStatus.NO_DATA
                        if levels[unit_id] in applicable_levels
                        else ValueStatus.NOT_APPLICABLE
                    )
                    values.append((sid, unit_id, pk, None, None, None, None, status.value))
        IndicatorValue.objects.filter(snapshot=snapshot).delete()
        _bulk_insert(
            IndicatorValue,
            [
                "snapshot_id",
                "unit_id",
                "indicator_id",
                "numerator",
                "denominator",
                "points",
                "portal_points",
                "status",
            ],
            values,
        )
        Snapshot.objects.filter(pk=snapshot.pk).update(is_stale=True)
    return len(values)


def _count(value: Decimal | int | float | None) -> Decimal | None:
    return None if value is None else scoring.as_decimal(value)


# --- Recompute ----------------------------------------------------------------------------------


def snapshot_recompute(*, snapshot_id: int) -> Snapshot:
    """Recompute a snapshot's group scores, totals, bands, peer ranks and movement.

    1. Drop derived rows; the source figures (official group points and totals) stay.
    2. Ask units for every unit's peer key; upsert one UnitScore per unit.
    3. Group points = sum of indicator points (None if one has no data), else the source's
       figure; ranked per peer set on the official figure when given (like totals).
    4. Combined blocks (CCDVTT) = sum of their parts, or the source's figure when a part
       is unknown; ranked the same way.
    5. Totals = sum of the five-group view; ranking total = official total if given, else
       recomputed; flag a difference above 0,02; band, competition rank and movement against
       the previous published snapshot of the same scope and period type — one UPDATE.
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
    snapshot.refresh_from_db()
    return snapshot


def _tables() -> dict[str, str]:
    return {
        "us": _qn(UnitScore._meta.db_table),
        "gs": _qn(GroupScore._meta.db_table),
        "iv": _qn(IndicatorValue._meta.db_table),
        "ind": _qn(Indicator._meta.db_table),
        "grp": _qn(IndicatorGroup._meta.db_table),
        "band": _qn(Band._meta.db_table),
    }


# Competition rank ("1224") of a rounded figure `rp` within `partition`; NULL figures are
# put in a partition of their own and get no rank. RANK() is standard competition ranking.
def _rank_sql(rp: str, partition: str) -> str:
    unknown = f"CASE WHEN {rp} IS NULL THEN 1 ELSE 0 END"
    return (
        f"CASE WHEN {rp} IS NULL THEN NULL ELSE RANK() OVER "
        f"(PARTITION BY {partition}, {unknown} ORDER BY {rp} DESC) END"
    )


def _count_sql(rp: str, partition: str) -> str:
    return f"CASE WHEN {rp} IS NULL THEN NULL ELSE COUNT({rp}) OVER (PARTITION BY {partition}) END"


def _recompute(snapshot: Snapshot) -> None:
    """Run the recompute statements; the caller holds the transaction."""
    t = _tables()
    sid = snapshot.pk
    groups = list(IndicatorGroup.objects.filter(framework_id=snapshot.framework_id))
    combined_ids = [g.pk for g in groups if g.is_combined]
    five_view_count = sum(1 for g in groups if g.is_combined or g.five_group_code == g.code)
    previous_id = _previous_published(snapshot)
    # Inlined as a literal, not a parameter: Django hands SQLite Decimals as text, and
    # SQLite orders every text after every number, so "x > '0.02'" would never hold.
    tolerance = scoring.DISAGREEMENT_TOLERANCE
    us, gs, iv = t["us"], t["gs"], t["iv"]

    with connection.cursor() as cursor:
        # 1. Derived rows go; source rows stay (and are overwritten below).
        cursor.execute(
            f"DELETE FROM {gs} WHERE snapshot_id = %s AND official_points IS NULL", [sid]
        )
        cursor.execute(
            f"DELETE FROM {us} WHERE snapshot_id = %s AND listed_in_source = %s", [sid, False]
        )
        # 2. Every unit of the snapshot, and whether it has indicator values.
        cursor.execute(
            "SELECT unit_id, MAX(has_values) FROM ("
            f"SELECT DISTINCT unit_id, 1 AS has_values FROM {iv} WHERE snapshot_id = %s "
            f"UNION ALL SELECT unit_id, 0 FROM {gs} WHERE snapshot_id = %s "
            f"UNION ALL SELECT unit_id, 0 FROM {us} WHERE snapshot_id = %s) x GROUP BY unit_id",
            [sid, sid, sid],
        )
        units = cursor.fetchall()
    keys = peer_keys([unit_id for unit_id, _ in units], snapshot.as_of) if units else {}
    _upsert_units(sid, [(unit_id, keys[unit_id], bool(has)) for unit_id, has in units])

    group_points = (
        "CASE WHEN SUM(CASE WHEN v.status = %s THEN 1 ELSE 0 END) > 0 THEN NULL "
        "ELSE ROUND(COALESCE(SUM(v.points), 0), 2) END"
    )
    with connection.cursor() as cursor:
        # 3. Groups holding indicators: from indicator values where the unit has them, else
        #    the source's figure; ranked in the same statement.
        cursor.execute(
            f"INSERT INTO {gs} (snapshot_id, unit_id, group_id, points, rank, peer_count) "
            f"SELECT %s, x.unit_id, x.group_id, x.points, "
            f"{_rank_sql('x.rp', 'u.peer_key, x.group_id')}, "
            f"{_count_sql('x.rp', 'u.peer_key, x.group_id')} "
            "FROM ("
            "  SELECT a.unit_id, a.group_id, a.points, "
            "  ROUND(COALESCE(s.official_points, a.points), 2) AS rp FROM ("
            f"    SELECT v.unit_id, ind.group_id, {group_points} AS points "
            f"    FROM {iv} v JOIN {t['ind']} ind ON ind.id = v.indicator_id "
            "     WHERE v.snapshot_id = %s GROUP BY v.unit_id, ind.group_id"
            f"  ) a LEFT JOIN {gs} s ON s.snapshot_id = %s AND s.unit_id = a.unit_id "
            "   AND s.group_id = a.group_id "
            "  UNION ALL "
            "  SELECT s.unit_id, s.group_id, s.official_points, ROUND(s.official_points, 2) "
            f"  FROM {gs} s JOIN {t['grp']} g ON g.id = s.group_id "
            "   WHERE s.snapshot_id = %s AND g.is_combined = %s AND NOT EXISTS ("
            f"    SELECT 1 FROM {iv} v WHERE v.snapshot_id = s.snapshot_id "
            "     AND v.unit_id = s.unit_id)"
            f") x JOIN {us} u ON u.snapshot_id = %s AND u.unit_id = x.unit_id "
            # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT (parser ambiguity).
            "WHERE 1 = 1 "
            "ON CONFLICT (snapshot_id, unit_id, group_id) DO UPDATE SET "
            "points = excluded.points, rank = excluded.rank, peer_count = excluded.peer_count",
            [sid, ValueStatus.NO_DATA.value, sid, sid, sid, False, sid],
        )
        if combined_ids:
            _recompute_combined(cursor, t, sid, combined_ids)
        # 5. Totals, ranking total, flag, band, rank and movement in one UPDATE.
        cursor.execute(
            f"UPDATE {us} SET total = r.total, ranking_total = r.rt, "
            "totals_disagree = r.disagree, band_id = r.band_id, rank = r.rnk, peer_count = r.n, "
            "previous_total = r.pt, previous_rank = r.pr FROM ("
            "  SELECT w.id, w.total, w.rt, "
            "  CASE WHEN w.official_total IS NOT NULL AND w.total IS NOT NULL "
            f"   AND ROUND(ABS(w.official_total - w.total), 2) > {tolerance} "
            "   THEN %s ELSE %s END AS disagree, "
            f"  (SELECT b.id FROM {t['band']} b WHERE b.framework_id = %s AND b.min_total <= w.rt "
            "   ORDER BY b.min_total DESC LIMIT 1) AS band_id, "
            f"  {_rank_sql('w.rt', 'w.peer_key')} AS rnk, "
            f"  {_count_sql('w.rt', 'w.peer_key')} AS n, "
            "  p.ranking_total AS pt, p.rank AS pr FROM ("
            "    SELECT c.id, c.unit_id, c.peer_key, c.official_total, s.total, "
            "    ROUND(COALESCE(c.official_total, s.total), 2) AS rt "
            f"    FROM {us} c LEFT JOIN ("
            "      SELECT g.unit_id, "
            "      CASE WHEN COUNT(g.points) = %s THEN ROUND(SUM(g.points), 2) ELSE NULL END AS total "
            f"      FROM {gs} g JOIN {t['grp']} grp ON grp.id = g.group_id "
            "       WHERE g.snapshot_id = %s "
            "       AND (grp.is_combined = %s OR grp.five_group_code = grp.code) "
            "       GROUP BY g.unit_id"
            "    ) s ON s.unit_id = c.unit_id WHERE c.snapshot_id = %s"
            f"  ) w LEFT JOIN {us} p ON p.snapshot_id = %s AND p.unit_id = w.unit_id"
            f") r WHERE {us}.id = r.id",
            [True, False, snapshot.framework_id, five_view_count, sid, True, sid, previous_id],
        )
    Snapshot.objects.filter(pk=sid).update(
        recomputed_at=timezone.now(), is_stale=False, previous_snapshot_id=previous_id
    )
    snapshot.previous_snapshot_id = previous_id


def _recompute_combined(cursor, t: dict[str, str], sid: int, combined_ids: list[int]) -> None:
    """Step 4: combined blocks from their parts (or the source figure), then their ranks."""
    gs, grp, us = t["gs"], t["grp"], t["us"]
    ids = ", ".join(["%s"] * len(combined_ids))
    # A five-group export gives the block but not its parts: start from the source figure.
    cursor.execute(
        f"UPDATE {gs} SET points = official_points WHERE snapshot_id = %s AND group_id IN ({ids})",
        [sid, *combined_ids],
    )
    cursor.execute(
        f"INSERT INTO {gs} (snapshot_id, unit_id, group_id, points) "
        "SELECT %s, m.unit_id, cg.id, CASE WHEN COUNT(m.points) = ("
        f"  SELECT COUNT(*) FROM {grp} k WHERE k.framework_id = cg.framework_id "
        "   AND k.is_combined = %s AND k.five_group_code = cg.code"
        ") THEN ROUND(SUM(m.points), 2) ELSE NULL END "
        f"FROM {gs} m JOIN {grp} g ON g.id = m.group_id "
        f"JOIN {grp} cg ON cg.framework_id = g.framework_id AND cg.is_combined = %s "
        "AND cg.code = g.five_group_code "
        "WHERE m.snapshot_id = %s AND g.is_combined = %s "
        "GROUP BY m.unit_id, cg.id, cg.framework_id, cg.code "
        "ON CONFLICT (snapshot_id, unit_id, group_id) DO UPDATE SET "
        f"points = COALESCE(excluded.points, {gs}.official_points)",
        [sid, False, True, sid, False],
    )
    cursor.execute(
        f"UPDATE {gs} SET rank = r.rnk, peer_count = r.n FROM ("
        f"  SELECT x.id, {_rank_sql('x.rp', 'u.peer_key, x.group_id')} AS rnk, "
        f"  {_count_sql('x.rp', 'u.peer_key, x.group_id')} AS n FROM ("
        "    SELECT id, unit_id, group_id, ROUND(COALESCE(official_points, points), 2) AS rp "
        f"    FROM {gs} WHERE snapshot_id = %s AND group_id IN ({ids})"
        f"  ) x JOIN {us} u ON u.snapshot_id = %s AND u.unit_id = x.unit_id"
        f") r WHERE {gs}.id = r.id",
        [sid, *combined_ids, sid],
    )


def _upsert_units(snapshot_id: int, units: list[tuple[int, str, bool]]) -> None:
    """Create or update one UnitScore per unit with its peer key, PEER_KEY_CHUNK rows a statement."""
    us = _qn(UnitScore._meta.db_table)
    # The snapshot id and the constant flags are inlined (an int and literals) so each row
    # costs 3 parameters: psycopg renders every parameter client-side.
    row_sql = f"({int(snapshot_id)}, %s, %s, %s, FALSE, FALSE)"
    with connection.cursor() as cursor:
        for start in range(0, len(units), PEER_KEY_CHUNK):
            chunk = units[start : start + PEER_KEY_CHUNK]
            cursor.execute(
                f"INSERT INTO {us} (snapshot_id, unit_id, peer_key, has_indicator_values, "
                f"totals_disagree, listed_in_source) VALUES {', '.join([row_sql] * len(chunk))} "
                "ON CONFLICT (snapshot_id, unit_id) DO UPDATE SET "
                "peer_key = excluded.peer_key, has_indicator_values = excluded.has_indicator_values",
                [p for row in chunk for p in row],
            )


def _previous_published(snapshot: Snapshot) -> int | None:
    """The latest published snapshot of the same scope and period type before this one."""
    return (
        Snapshot.objects.filter(
            scope_id=snapshot.scope_id,
            period=snapshot.period,
            status=SnapshotStatus.PUBLISHED,
            as_of__lt=snapshot.as_of,
        )
        .order_by("-as_of")
        .values_list("id", flat=True)
        .first()
    )


def _refresh_movement(snapshot: Snapshot, *, force: bool = False) -> None:
    """Point a snapshot's movement at the current previous published snapshot, if it changed."""
    previous_id = _previous_published(snapshot)
    if previous_id == snapshot.previous_snapshot_id and not force:
        return
    us = _qn(UnitScore._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {us} SET previous_total = r.pt, previous_rank = r.pr FROM ("
            f"  SELECT c.id, p.ranking_total AS pt, p.rank AS pr FROM {us} c "
            f"  LEFT JOIN {us} p ON p.snapshot_id = %s AND p.unit_id = c.unit_id "
            "  WHERE c.snapshot_id = %s"
            f") r WHERE {us}.id = r.id",
            [previous_id, snapshot.pk],
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
        Snapshot.objects.filter(pk=snapshot.pk).update(
            status=SnapshotStatus.PUBLISHED, published_at=timezone.now()
        )
        # The previous published snapshot may have changed since the recompute, and the
        # next published one now compares against this one.
        _publish_movement(snapshot)
    snapshot.refresh_from_db()
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
        IndicatorValue.objects.filter(snapshot=snapshot).delete()
        GroupScore.objects.filter(snapshot=snapshot).delete()
        UnitScore.objects.filter(snapshot=snapshot).delete()
        snapshot.status = SnapshotStatus.DISCARDED
        snapshot.save(update_fields=["status"])
    return snapshot
