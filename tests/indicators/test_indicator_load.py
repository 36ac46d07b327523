"""The bulk load of indicator values: every stored value is what the pure rules give."""

import random
from decimal import Decimal

import numpy as np
import pytest

from indicators import services
from indicators.models import Indicator, IndicatorGroup, Snapshot, UnitScore, ValueStatus
from indicators.scoring import quantize_points
from indicators.selectors import indicator_values
from indicators.services import IndicatorInput, snapshot_load_indicator_rows
from tests.indicators.factories import (
    INDICATOR_MAX,
    full_marks,
    load_groups,
    load_indicators,
    make_snapshot,
)
from tests.units.factories import DistrictFactory, OldCommuneFactory, ProvinceFactory

D = Decimal
# (numerator, denominator): no data, zero denominators, thresholds met and missed, ratios
# above 1, half-up rounding (6 × 7/16 = 2.625), decimals and floats.
CASES = [
    (None, 5),
    (5, None),
    (None, None),
    (0, 0),
    (3, 0),
    (0, 10),
    (7, 16),
    (1, 3),
    (79, 100),
    (80, 100),
    (81, 100),
    (89, 100),
    (90, 100),
    (120, 100),
    (D("2.5"), D("4")),
    (99.15, 100),
    (D("5105"), D("5105")),
]


@pytest.fixture
def varied_framework(framework):
    """The framework with every zero-denominator policy in use and some district-only indicators."""
    indicators = list(Indicator.objects.filter(framework=framework).order_by("position"))
    for n, indicator in enumerate(indicators):
        indicator.zero_denominator_policy = ["full", "zero", "not_applicable"][n % 3]
        if n % 5 == 0:
            indicator.levels = ["district"]
        indicator.save()
    return indicators


def test_every_stored_value_follows_the_pure_rules(varied_framework):
    province = ProvinceFactory()
    districts = [DistrictFactory(parent=province) for _ in range(4)]
    units = districts + [OldCommuneFactory(parent=districts[0]) for _ in range(3)]
    rows = []
    for u, unit in enumerate(units):
        for n, indicator in enumerate(varied_framework):
            if (u + n) % 7 == 0:
                continue  # not in the file: no data, or not applicable
            num, den = CASES[(u * 5 + n) % len(CASES)]
            portal = D((u + n) % 9) / 8 if n % 4 == 0 else None  # 0.125 → 0.13
            rows.append(IndicatorInput(unit.pk, indicator.code, num, den, portal))
    random.Random(3).shuffle(rows)  # any order: units interleaved
    snapshot = make_snapshot(scope=province)

    stored = snapshot_load_indicator_rows(snapshot=snapshot, rows=rows)

    assert stored == len(units) * len(varied_framework)
    given = {(r.unit_id, r.indicator_code): r for r in rows}
    values = indicator_values(snapshot=snapshot)
    assert len(values) == stored
    levels = {unit.pk: unit.level for unit in units}
    for value in values:
        row = given.get((value.unit_id, value.indicator.code))
        num, den = (row.numerator, row.denominator) if row else (None, None)
        expected = value.indicator.score(num, den, level=levels[value.unit_id])
        assert (value.points, value.status) == (expected.points, expected.status), (num, den)
        assert value.numerator == (None if num is None else D(str(num)))
        assert value.denominator == (None if den is None else D(str(den)))
        portal = row.portal_points if row else None
        assert value.portal_points == (None if portal is None else quantize_points(portal))


def test_a_bad_row_stores_nothing(framework):
    province = ProvinceFactory()
    units = sorted((DistrictFactory(parent=province) for _ in range(3)), key=lambda u: u.pk)
    rows = [IndicatorInput(u.pk, code, 1, 2) for u in units for code in INDICATOR_MAX]
    rows[-1] = IndicatorInput(units[-1].pk, rows[-1].indicator_code, -1, 2)
    snapshot = make_snapshot(scope=province)

    with pytest.raises(ValueError, match="negative count"):
        snapshot_load_indicator_rows(snapshot=snapshot, rows=rows)

    assert indicator_values(snapshot=snapshot) == []
    rows[-1] = IndicatorInput(units[-1].pk, rows[-1].indicator_code, 1, 2)
    assert snapshot_load_indicator_rows(snapshot=snapshot, rows=rows) == len(rows)


def _stored(snapshot) -> list[tuple]:
    return sorted(
        (v.unit_id, v.indicator_id, v.numerator, v.denominator, v.points, v.portal_points, v.status)
        for v in indicator_values(snapshot=snapshot)
    )


def test_columns_load_exactly_what_rows_load(varied_framework):
    """The columnar loader (plain files) and the row loader store the same values."""
    province = ProvinceFactory()
    districts = [DistrictFactory(parent=province) for _ in range(4)]
    units = districts + [OldCommuneFactory(parent=districts[0]) for _ in range(3)]
    rnd = random.Random(11)
    given = []  # (unit id, code, numerator, denominator, portal cents)
    for u, unit in enumerate(units):
        for n, indicator in enumerate(varied_framework):
            if (u + n) % 7 == 0:
                continue  # not in the file: no data, or not applicable
            den = rnd.choice([0, 0, 1, 3, 16, 100, 5105, rnd.randint(0, 10**6)])
            num = rnd.randint(0, den)
            portal = rnd.randint(0, int(indicator.max_points * 100)) if n % 3 == 0 else -1
            given.append((unit.pk, indicator.code, num, den, portal))
    rnd.shuffle(given)
    codes = list(dict.fromkeys(code for _u, code, *_rest in given))
    by_rows, by_columns = make_snapshot(scope=province), make_snapshot(scope=province)

    stored_rows = snapshot_load_indicator_rows(
        snapshot=by_rows,
        rows=[
            IndicatorInput(u, code, num, den, None if p < 0 else D(p).scaleb(-2))
            for u, code, num, den, p in given
        ],
    )
    stored_columns = services.snapshot_load_indicator_counts(
        snapshot=by_columns,
        counts=services.IndicatorCounts(
            unit_ids=np.array([g[0] for g in given]),
            indicator_codes=codes,
            indicator_index=np.array([codes.index(g[1]) for g in given]),
            numerators=np.array([g[2] for g in given]),
            denominators=np.array([g[3] for g in given]),
            portal_cents=np.array([g[4] for g in given]),
        ),
    )

    assert stored_columns == stored_rows == len(units) * len(varied_framework)
    assert _stored(by_columns) == _stored(by_rows)
    statuses = {row[-1] for row in _stored(by_columns)}
    assert statuses == {s.value for s in ValueStatus}  # every case was exercised


def test_columns_with_a_bad_value_store_nothing(framework):
    province = ProvinceFactory()
    unit = DistrictFactory(parent=province)
    codes = list(INDICATOR_MAX)
    snapshot = make_snapshot(scope=province)
    counts = services.IndicatorCounts(
        unit_ids=np.array([unit.pk] * len(codes)),
        indicator_codes=codes,
        indicator_index=np.arange(len(codes)),
        numerators=np.ones(len(codes), dtype=np.int64),
        denominators=np.full(len(codes), 2, dtype=np.int64),
        portal_cents=np.array([*[-1] * (len(codes) - 1), 10_000]),  # 100 points: above max
    )
    with pytest.raises(ValueError, match="portal points"):
        services.snapshot_load_indicator_counts(snapshot=snapshot, counts=counts)
    assert indicator_values(snapshot=snapshot) == []
    twice = services.IndicatorCounts(
        unit_ids=np.array([unit.pk, unit.pk]),
        indicator_codes=codes[:1],
        indicator_index=np.array([0, 0]),
        numerators=np.array([1, 1]),
        denominators=np.array([2, 2]),
    )
    with pytest.raises(ValueError, match="twice"):
        services.snapshot_load_indicator_counts(snapshot=snapshot, counts=twice)


def test_loading_with_the_recompute_equals_loading_then_recomputing(framework):
    """The ingest path recomputes from the values in hand; the result is snapshot_recompute's."""
    province = ProvinceFactory()
    units = [DistrictFactory(parent=province) for _ in range(5)]
    rnd = random.Random(5)
    codes = list(INDICATOR_MAX)
    rows = [(u.pk, k, rnd.randint(0, 50)) for u in units for k in range(len(codes))]
    counts = services.IndicatorCounts(
        unit_ids=np.array([r[0] for r in rows]),
        indicator_codes=codes,
        indicator_index=np.array([r[1] for r in rows]),
        numerators=np.array([rnd.randint(0, r[2]) for r in rows]),
        denominators=np.array([r[2] for r in rows]),
    )
    in_one_go, in_two = make_snapshot(scope=province), make_snapshot(scope=province)
    services.snapshot_load_indicator_counts(
        snapshot=in_one_go, counts=counts, recompute_scores=True
    )
    services.snapshot_load_indicator_counts(snapshot=in_two, counts=counts)
    services.snapshot_recompute(snapshot_id=in_two.pk)

    def scores(snapshot):
        fields = [
            f.attname
            for f in UnitScore._meta.concrete_fields
            if f.attname not in ("id", "snapshot_id")
        ]
        return sorted(UnitScore.objects.filter(snapshot=snapshot).values_list(*fields))

    assert scores(in_one_go) == scores(in_two)
    assert len(scores(in_one_go)) == 5
    in_one_go.refresh_from_db()
    assert not in_one_go.is_stale and in_one_go.recomputed_at is not None


def _sources(snapshot) -> dict[int, tuple]:
    """Each unit row's source figures: official total, official group points, value count."""
    return {
        s.unit_id: (
            s.official_total,
            sorted(
                (g.group.code, g.official_points)
                for g in s.group_scores(groups)
                if g.official_points is not None
            ),
            len(s.indicator_values(indicators)),
        )
        for groups in [IndicatorGroup.objects.filter(framework=snapshot.framework).in_bulk()]
        for indicators in [Indicator.objects.filter(framework=snapshot.framework).in_bulk()]
        for s in UnitScore.objects.filter(snapshot=snapshot)
        .with_group_scores()
        .with_indicator_values()
    }


@pytest.mark.parametrize("groups_first", [True, False])
def test_each_load_keeps_the_other_kind_of_source_and_marks_the_draft_stale(
    framework, groups_first
):
    """Group figures and indicator values are a draft's two sources: loading one keeps the other."""
    province = ProvinceFactory()
    listed, valued, both = (DistrictFactory(parent=province) for _ in range(3))
    snapshot = make_snapshot(scope=province)

    def load_group_table():
        load_groups(snapshot, {listed: ({"CKMB": 17}, 90), both: ({"TDGQ": 19}, None)})

    def load_values():
        load_indicators(snapshot, {**full_marks(valued), **full_marks(both)})

    first, second = (
        (load_group_table, load_values) if groups_first else (load_values, load_group_table)
    )
    first()
    services.snapshot_recompute(snapshot_id=snapshot.pk)
    assert not Snapshot.objects.get(pk=snapshot.pk).is_stale
    second()
    assert Snapshot.objects.get(pk=snapshot.pk).is_stale  # publishing will recompute
    width = len(INDICATOR_MAX)
    expected = {
        listed.pk: (D("90.00"), [("CKMB", D("17.00"))], 0),
        valued.pk: (None, [], width),
        both.pk: (None, [("TDGQ", D("19.00"))], width),
    }
    assert _sources(snapshot) == expected
    services.snapshot_recompute(snapshot_id=snapshot.pk)
    assert _sources(snapshot) == expected  # the recompute carries every source over


def test_scores_bring_their_fact_rows_in_one_query_per_kind(framework, django_assert_num_queries):
    province = ProvinceFactory()
    units = [DistrictFactory(parent=province) for _ in range(4)]
    snapshot = make_snapshot(scope=province)
    load_indicators(snapshot, {k: v for u in units for k, v in full_marks(u).items()})
    services.snapshot_recompute(snapshot_id=snapshot.pk)
    indicators = Indicator.objects.in_bulk()
    groups = IndicatorGroup.objects.in_bulk()
    with django_assert_num_queries(3):
        scores = list(
            UnitScore.objects.filter(snapshot=snapshot).with_group_scores().with_indicator_values()
        )
        read = {
            s.unit_id: ([v.indicator.code for v in s.indicator_values(indicators)],
                        [g.group.code for g in s.group_scores(groups)])
            for s in scores
        }  # fmt: skip
    framework_order = [i.code for i in sorted(indicators.values(), key=lambda i: i.position)]
    assert all(value_codes == framework_order for value_codes, _groups in read.values())
    assert all(len(group_codes) == 7 for _values, group_codes in read.values())
    score = UnitScore.objects.get(snapshot=snapshot, unit=units[0])
    with django_assert_num_queries(1):  # not brought along: read when asked
        assert len(score.indicator_values(indicators)) == len(INDICATOR_MAX)
