"""The recompute agrees with the pure rules, and its statement count is bounded."""

import datetime
import random
import threading
from collections import defaultdict
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection, connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import recompute, scoring, services
from indicators.models import Band, Indicator, UnitScore
from indicators.selectors import (
    group_scores,
    indicator_values,
    leaderboard,
    snapshot_latest_published,
)
from indicators.services import (
    IndicatorInput,
    snapshot_load_indicator_rows,
    snapshot_publish,
    snapshot_recompute,
)
from tests.indicators.factories import INDICATOR_MAX, load_totals, make_snapshot
from tests.units.factories import DistrictFactory, ProvinceFactory

CODES = list(INDICATOR_MAX)

# A unit's counts for each indicator: (numerator, denominator), None = not given.
count = st.integers(min_value=0, max_value=50)
pair = st.none() | st.tuples(st.none() | count, count)
unit_values = st.lists(pair, min_size=len(CODES), max_size=len(CODES))


def _rows(units, values_per_unit):
    rows = []
    for unit, values in zip(units, values_per_unit, strict=True):
        for code, value in zip(CODES, values, strict=True):
            if value is not None:
                num, den = value
                rows.append(IndicatorInput(unit.pk, code, num, den))
    return rows


def _expected(units, values_per_unit, framework, official):
    """Recompute with the pure functions only."""
    indicators = {i.code: i for i in Indicator.objects.filter(framework=framework)}
    bands = list(Band.objects.filter(framework=framework))
    totals, groups_by_unit = {}, {}
    for unit, values in zip(units, values_per_unit, strict=True):
        by_group = defaultdict(list)
        for code, value in zip(CODES, values, strict=True):
            ind = indicators[code]
            num, den = value if value is not None else (None, None)
            by_group[ind.group.code].append(ind.score(num, den, level=unit.level))
        groups = {code: scoring.group_points(results) for code, results in by_group.items()}
        groups_by_unit[unit.pk] = groups
        recomputed = scoring.total_points(groups.values())
        totals[unit.pk] = (recomputed, scoring.ranking_total(official.get(unit.pk), recomputed))
    ids = [u.pk for u in units]
    ranks = dict(zip(ids, scoring.competition_ranks([totals[i][1] for i in ids]), strict=True))
    return {
        pk: {
            "total": recomputed,
            "ranking_total": ranking,
            "rank": ranks[pk],
            "band": scoring.band_for(ranking, bands),
            "disagree": scoring.totals_disagree(official.get(pk), recomputed),
            "groups": groups_by_unit[pk],
        }
        for pk, (recomputed, ranking) in totals.items()
    }


@pytest.fixture
def peers(db):
    province = ProvinceFactory()
    return [DistrictFactory(parent=province) for _ in range(6)]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    values=st.lists(unit_values, min_size=6, max_size=6),
    official=st.lists(st.none() | st.decimals(0, 100, places=2), min_size=6, max_size=6),
)
def test_recompute_agrees_with_the_pure_rules(framework, peers, values, official):
    snapshot = make_snapshot(scope=peers[0].parent)
    official_by_unit = {u.pk: t for u, t in zip(peers, official, strict=True) if t is not None}
    load_totals(snapshot, {u: official_by_unit.get(u.pk) for u in peers})
    snapshot_load_indicator_rows(snapshot=snapshot, rows=_rows(peers, values))
    snapshot_recompute(snapshot_id=snapshot.pk)

    expected = _expected(peers, values, framework, official_by_unit)
    for score in UnitScore.objects.filter(snapshot=snapshot).select_related("band"):
        want = expected[score.unit_id]
        assert score.total == want["total"]
        assert score.ranking_total == want["ranking_total"]
        assert score.rank == want["rank"]
        assert (score.band.code if score.band else None) == want["band"]
        assert score.totals_disagree == want["disagree"]
        # A unit with no values at all has no group rows: unknown, like "no data".
        groups = dict.fromkeys(want["groups"])
        groups.update(
            (g.group.code, g.points)
            for g in group_scores(snapshot=snapshot, unit_ids=[score.unit_id])
            if not g.group.is_combined
        )
        assert groups == want["groups"]


def _units_with_values(n, seed=0):
    province = ProvinceFactory()
    units = [DistrictFactory(parent=province) for _ in range(n)]
    rnd = random.Random(seed)
    rows = []
    for unit in units:
        for code in CODES:
            den = rnd.randint(0, 500)
            rows.append(IndicatorInput(unit.pk, code, rnd.randint(0, den), den))
    return province, rows


def _count_queries(n, django_assert_max_num_queries, limit):
    province, rows = _units_with_values(n)
    snapshot = make_snapshot(scope=province)
    with django_assert_max_num_queries(limit) as captured:
        snapshot_load_indicator_rows(snapshot=snapshot, rows=rows)
        snapshot_recompute(snapshot_id=snapshot.pk)
        snapshot_publish(snapshot_id=snapshot.pk)
    assert UnitScore.objects.filter(snapshot=snapshot, rank__isnull=False).count() == n
    return len(captured)


def test_statement_count_does_not_grow_with_the_number_of_units(
    framework, django_assert_max_num_queries
):
    small = _count_queries(20, django_assert_max_num_queries, 60)
    large = _count_queries(400, django_assert_max_num_queries, 60)
    assert small == large


def test_the_leaderboard_reads_in_four_queries(framework, django_assert_num_queries):
    province, rows = _units_with_values(150)
    snapshot = make_snapshot(scope=province)
    snapshot_load_indicator_rows(snapshot=snapshot, rows=rows)
    snapshot_publish(snapshot_id=snapshot.pk)
    with django_assert_num_queries(4):  # groups, score rows, codes, group scores
        board = leaderboard(snapshot=snapshot)
    assert len(board) == 150
    assert all(len(row.groups) == 7 for row in board)


@pytest.mark.postgres
def test_a_national_commune_table_recomputes_in_bounded_statements(
    framework, django_assert_max_num_queries
):
    """3,400 units × 21 indicators through COPY, recompute and publish."""
    from units.models import AdministrativeUnit

    province = ProvinceFactory()
    AdministrativeUnit.objects.bulk_create(
        [
            AdministrativeUnit(
                name=f"Xã {i}",
                full_name=f"Xã {i}",
                kind="xa",
                level="commune",
                parent=province,
                valid_from=datetime.date(2025, 7, 1),
                search_name=f"xa {i}",
                sort_key=f"{i:05d}",
            )
            for i in range(3400)
        ]
    )
    units = list(AdministrativeUnit.objects.filter(parent=province, level="commune"))
    rnd = random.Random(1)
    rows = [IndicatorInput(u.pk, code, rnd.randint(0, 90), 90) for u in units for code in CODES]
    snapshot = make_snapshot(scope=province, as_of=datetime.date(2025, 11, 20))
    with django_assert_max_num_queries(40):
        snapshot_load_indicator_rows(snapshot=snapshot, rows=rows)
        snapshot_recompute(snapshot_id=snapshot.pk)
        snapshot_publish(snapshot_id=snapshot.pk)
    assert len(indicator_values(snapshot=snapshot)) == 3400 * 21
    assert UnitScore.objects.filter(snapshot=snapshot, rank__isnull=False).count() == 3400


@pytest.mark.postgres
def test_load_uses_copy_on_postgresql(framework, monkeypatch):
    province, rows = _units_with_values(3)
    snapshot = make_snapshot(scope=province)
    statements = []
    with connection.execute_wrapper(
        lambda execute, sql, *a: statements.append(sql) or execute(sql, *a)
    ):
        snapshot_load_indicator_rows(snapshot=snapshot, rows=rows)
    assert not any(s.lstrip().upper().startswith("INSERT") for s in statements)
    assert len(indicator_values(snapshot=snapshot)) == 63


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_readers_see_the_old_ranking_until_the_new_one_commits(framework, monkeypatch):
    scope = ProvinceFactory()
    unit = DistrictFactory(parent=scope)
    old = make_snapshot(scope=scope)
    load_totals(old, {unit: 91})
    snapshot_publish(snapshot_id=old.pk)
    new = make_snapshot(scope=scope)
    load_totals(new, {unit: 92})

    seen = {}

    def read_from_another_connection(label):
        def run():
            try:
                latest = snapshot_latest_published(scope=scope)
                seen[label] = (latest.pk, leaderboard(snapshot=latest)[0].ranking_total)
            finally:
                connections.close_all()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()

    original = services._refresh_movement

    def refresh_then_read(snapshot):
        original(snapshot)
        read_from_another_connection("during")  # both status updates done, not committed

    monkeypatch.setattr(services, "_refresh_movement", refresh_then_read)
    snapshot_publish(snapshot_id=new.pk)
    read_from_another_connection("after")

    assert seen["during"] == (old.pk, Decimal("91.00"))
    assert seen["after"] == (new.pk, Decimal("92.00"))


@given(
    st.lists(st.tuples(st.integers(0, 3), st.none() | st.integers(0, 40)), min_size=0, max_size=40)
)
def test_array_ranks_are_the_pure_competition_ranks_per_peer_set(rows):
    """recompute.competition_ranks ranks within each partition as scoring.competition_ranks."""
    partition = np.array([p for p, _v in rows], dtype=np.int64)
    value = np.array([-1 if v is None else v for _p, v in rows], dtype=np.int64)
    known = np.array([v is not None for _p, v in rows], dtype=bool)
    ranks, peers = recompute.competition_ranks(partition, value, known)
    for p in set(partition.tolist()):
        members = [i for i, (q, _v) in enumerate(rows) if q == p]
        expected = scoring.competition_ranks([rows[i][1] for i in members])
        assert [ranks[i] or None for i in members] == expected
        ranked = sum(1 for i in members if rows[i][1] is not None)
        assert [peers[i] for i in members] == [
            ranked if rows[i][1] is not None else 0 for i in members
        ]
