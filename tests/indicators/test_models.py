"""Snapshot periods, provisional state and the database constraints on scores."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from indicators.models import Band, BandCode, Snapshot, UnitScore
from tests.units.factories import ProvinceFactory

D = datetime.date


def _snapshot(framework, scope, **kwargs):
    fields = {
        "as_of": D(2025, 5, 20),
        "period": "ytd",
        "period_year": 2025,
        "period_number": 0,
        "framework": framework,
    }
    fields.update(kwargs)
    return Snapshot.objects.create(scope=scope, **fields)


@pytest.mark.parametrize(
    ("period", "number", "as_of", "provisional"),
    [
        ("ytd", 0, D(2025, 12, 31), True),
        ("ytd", 0, D(2026, 1, 1), False),
        ("month", 5, D(2025, 5, 31), True),
        ("month", 5, D(2025, 6, 1), False),
        ("quarter", 4, D(2025, 12, 31), True),
        ("quarter", 4, D(2026, 1, 5), False),
        ("half", 1, D(2025, 7, 1), False),
    ],
)
def test_a_snapshot_is_provisional_until_its_period_closes(period, number, as_of, provisional):
    snapshot = Snapshot(as_of=as_of, period=period, period_year=2025, period_number=number)
    assert snapshot.is_provisional is provisional


def test_period_bounds():
    q3 = Snapshot(as_of=D(2025, 8, 1), period="quarter", period_year=2025, period_number=3)
    assert (q3.period_start, q3.period_end) == (D(2025, 7, 1), D(2025, 10, 1))
    ytd = Snapshot(as_of=D(2025, 8, 1), period="ytd", period_year=2025, period_number=0)
    assert (ytd.period_start, ytd.period_end) == (D(2025, 1, 1), D(2026, 1, 1))


def test_band_label_is_translated_from_its_code(framework):
    band = Band.objects.get(framework=framework, code="xuat_sac")
    assert band.label == BandCode.XUAT_SAC.label


def test_only_one_published_revision_per_key(framework):
    scope = ProvinceFactory()
    now = timezone.now()
    _snapshot(framework, scope, revision=1, status="published", published_at=now)
    _snapshot(framework, scope, revision=2, status="superseded")
    with pytest.raises(IntegrityError), transaction.atomic():
        _snapshot(framework, scope, revision=3, status="published", published_at=now)
    # Another period of the same date is another key.
    _snapshot(
        framework, scope, period="month", period_number=5, status="published", published_at=now
    )


def test_revision_numbers_are_unique_per_key(framework):
    scope = ProvinceFactory()
    _snapshot(framework, scope, revision=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        _snapshot(framework, scope, revision=1)


@pytest.mark.parametrize(
    ("period", "number"), [("ytd", 1), ("month", 0), ("month", 13), ("quarter", 5), ("half", 3)]
)
def test_period_number_must_fit_the_period(framework, period, number):
    with pytest.raises(IntegrityError), transaction.atomic():
        _snapshot(framework, ProvinceFactory(), period=period, period_number=number)


def test_totals_stay_within_0_and_100(framework):
    snapshot = _snapshot(framework, ProvinceFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitScore.objects.create(snapshot=snapshot, unit=snapshot.scope, total=101)
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitScore.objects.create(snapshot=snapshot, unit=snapshot.scope, rank=3, peer_count=2)


def test_a_unit_scores_once_per_snapshot_under_a_real_primary_key(framework):
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, UnitScore._meta.db_table)
    keys = [c["columns"] for c in constraints.values() if c["primary_key"]]
    assert keys == [["snapshot_id", "unit_id"]]  # PostgreSQL had none before 0011
    snapshot = _snapshot(framework, ProvinceFactory())
    UnitScore.objects.create(snapshot=snapshot, unit=snapshot.scope, total=50)
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitScore.objects.create(snapshot=snapshot, unit=snapshot.scope, total=60)
