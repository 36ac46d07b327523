"""The bulk load of indicator values: every stored value is what the pure rules give."""

import random
from decimal import Decimal

import pytest

from indicators import services
from indicators.models import Indicator, IndicatorValue
from indicators.scoring import quantize_points
from indicators.services import IndicatorInput, snapshot_load_indicator_rows
from tests.indicators.factories import INDICATOR_MAX, make_snapshot
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
    values = IndicatorValue.objects.filter(snapshot=snapshot).select_related("indicator", "unit")
    assert values.count() == stored
    for value in values:
        row = given.get((value.unit_id, value.indicator.code))
        num, den = (row.numerator, row.denominator) if row else (None, None)
        expected = value.indicator.score(num, den, level=value.unit.level)
        assert (value.points, value.status) == (expected.points, expected.status), (num, den)
        assert value.numerator == (None if num is None else D(str(num)))
        assert value.denominator == (None if den is None else D(str(den)))
        portal = row.portal_points if row else None
        assert value.portal_points == (None if portal is None else quantize_points(portal))


def test_a_bad_row_after_batches_were_sent_stores_nothing(framework, monkeypatch):
    monkeypatch.setattr(services, "COPY_BATCH", 10)  # PostgreSQL: several batches go first
    province = ProvinceFactory()
    units = sorted((DistrictFactory(parent=province) for _ in range(3)), key=lambda u: u.pk)
    rows = [IndicatorInput(u.pk, code, 1, 2) for u in units for code in INDICATOR_MAX]
    rows[-1] = IndicatorInput(units[-1].pk, rows[-1].indicator_code, -1, 2)
    snapshot = make_snapshot(scope=province)

    with pytest.raises(ValueError, match="negative count"):
        snapshot_load_indicator_rows(snapshot=snapshot, rows=rows)

    assert not IndicatorValue.objects.filter(snapshot=snapshot).exists()
    rows[-1] = IndicatorInput(units[-1].pk, rows[-1].indicator_code, 1, 2)
    assert snapshot_load_indicator_rows(snapshot=snapshot, rows=rows) == len(rows)
