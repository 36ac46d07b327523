"""The bulk insert of columns: what goes in comes back, whatever the text holds."""

from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import scoring
from indicators.models import Indicator, IndicatorValue, UnitScore, ValueStatus
from indicators.services import Column, _points_text, _store_columns, _store_facts
from tests.indicators.factories import make_snapshot
from tests.units.factories import DistrictFactory, ProvinceFactory

# Anything PostgreSQL's text type holds (it refuses NUL), the characters COPY escapes first.
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(["\\", "\t", "\n", "\r", "N", ".", '"', ",", "đ", "Ỹ"]),
        st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
    ),
    max_size=30,
)
TRICKY = ["", "\\", "\\N", "\\.", "a\tb", "a\nb", "a\r\nb", '{"i":[1],"s":["ok"]}', "\\\\t"]


@pytest.fixture
def units(framework):
    province = ProvinceFactory()
    return make_snapshot(scope=province), [DistrictFactory(parent=province) for _ in range(3)]


def store_and_read(snapshot, units, texts, cents):
    UnitScore.objects.filter(snapshot=snapshot).delete()
    count = len(texts)
    _store_columns(
        UnitScore,
        {
            "snapshot_id": pa.array([snapshot.pk] * count, pa.int64()),
            "unit_id": pa.array([u.pk for u in units[:count]], pa.int64()),
            "peer_key": pa.array([t[:64] for t in texts], pa.string()),
            "totals_disagree": pa.array([n % 2 == 0 for n in range(count)]),
            "has_indicator_values": pa.array([True] * count),
            "listed_in_source": pa.array([False] * count),
            "official_total": _points_text(np.asarray(cents, dtype=np.int64)),
        },
    )
    return list(
        UnitScore.objects.filter(snapshot=snapshot)
        .order_by("unit_id")
        .values_list("peer_key", "totals_disagree", "official_total")
    )


def expected(texts, cents):
    return [
        (
            text[:64],
            n % 2 == 0,
            None if c == -1 else Decimal(c).scaleb(-2),
        )
        for n, (text, c) in enumerate(zip(texts, cents, strict=True))
    ]


def test_escapes_and_nulls_come_back_as_they_went_in(units):
    snapshot, unit_list = units
    for start in range(0, len(TRICKY), 3):
        texts = TRICKY[start : start + 3]
        cents = [-1, 0, 10000][: len(texts)]
        assert store_and_read(snapshot, unit_list, texts, cents) == expected(texts, cents)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(TEXT, min_size=1, max_size=3), data=st.data())
def test_any_text_comes_back_as_it_went_in(units, texts, data):
    snapshot, unit_list = units
    cents = data.draw(st.lists(st.integers(-1, 10000), min_size=len(texts), max_size=len(texts)))
    assert store_and_read(snapshot, unit_list, texts, cents) == expected(texts, cents)


@given(st.lists(st.integers(-1, 12_000), max_size=50))
def test_points_text_is_the_hundredths_as_points(values):
    array = np.asarray(values, dtype=np.int64)
    expected = [None if v == -1 else Decimal(v).scaleb(-2) for v in values]
    assert [None if p is None else Decimal(str(p)) for p in _points_text(array).to_pylist()] == (
        expected
    )


VALUE = st.tuples(
    st.one_of(st.none(), st.integers(0, 10**12 - 1)),  # numerator
    st.one_of(st.none(), st.integers(0, 10**12 - 1)),  # denominator
    st.integers(-1, 10_000),  # points in hundredths, -1 for none
    st.booleans(),  # which of the two statuses that fit the points
)


def _status(cents: int, other: bool) -> str:
    """A status that fits the points (the table checks it)."""
    if cents == -1:
        return ValueStatus.NOT_APPLICABLE if other else ValueStatus.NO_DATA
    return ValueStatus.ZERO_DENOMINATOR_FULL if other else ValueStatus.OK


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(VALUE, min_size=1, max_size=21))
def test_fact_rows_come_back_as_they_went_in(units, values):
    """The binary COPY of fact rows (PostgreSQL; `_store_columns` elsewhere) round trip."""
    snapshot, unit_list = units
    values = [(n, d, p, _status(p, other)) for n, d, p, other in values]
    indicators = list(Indicator.objects.order_by("pk")[: len(values)])
    IndicatorValue.objects.filter(snapshot=snapshot).delete()
    numerators = np.asarray([n or 0 for n, _d, _p, _s in values], dtype=np.int64)
    denominators = np.asarray([d or 0 for _n, d, _p, _s in values], dtype=np.int64)
    cents = np.asarray([p for _n, _d, p, _s in values], dtype=np.int64)
    status = np.asarray([scoring.STATUS_ORDER.index(s) for *_rest, s in values], dtype=np.int64)
    count = len(values)
    _store_facts(
        IndicatorValue,
        {
            "snapshot_id": Column("int8", np.full(count, snapshot.pk, dtype=np.int64)),
            "unit_id": Column("int8", np.full(count, unit_list[0].pk, dtype=np.int64)),
            "indicator_id": Column("int8", np.asarray([i.pk for i in indicators[:count]])),
            "numerator": Column("count", numerators, np.asarray([v[0] is None for v in values])),
            "denominator": Column(
                "count", denominators, np.asarray([v[1] is None for v in values])
            ),
            "points": Column("points", cents, cents == -1),
            "portal_points": Column("points", cents[::-1].copy(), cents[::-1] == -1),
            "status": Column("label", status, labels=[s.value for s in scoring.STATUS_ORDER]),
        },
    )
    stored = {
        v.indicator_id: (v.numerator, v.denominator, v.points, v.portal_points, v.status)
        for v in IndicatorValue.objects.filter(snapshot=snapshot)
    }

    def points(c):
        return None if c == -1 else Decimal(int(c)).scaleb(-2)

    assert [stored[i.pk] for i in indicators[:count]] == [
        (
            None if n is None else Decimal(n),
            None if d is None else Decimal(d),
            points(p),
            points(cents[::-1][k]),
            str(s),
        )
        for k, (n, d, p, s) in enumerate(values)
    ]
