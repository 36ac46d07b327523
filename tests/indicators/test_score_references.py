"""The score tables keep their references checked, set-based (migrations 0003, 0007, 0012)."""

import pytest
from django.db import IntegrityError, connection, transaction

from indicators.models import (
    GroupScore,
    Indicator,
    IndicatorGroup,
    IndicatorValue,
    UnitScore,
)
from indicators.services import snapshot_recompute
from tests.indicators.factories import full_marks, load_indicators, make_snapshot
from tests.units.factories import DistrictFactory, ProvinceFactory

pytestmark = pytest.mark.postgres
MISSING = 10**9


@pytest.fixture
def scored(framework):
    """A snapshot of one district with indicator values, group scores and a unit score."""
    province = ProvinceFactory()
    unit = DistrictFactory(parent=province)
    snapshot = make_snapshot(scope=province)
    load_indicators(snapshot, full_marks(unit))
    snapshot_recompute(snapshot_id=snapshot.pk)
    return snapshot, unit


def raises_reference_error():
    return pytest.raises(IntegrityError, match="violates the reference")


@pytest.mark.parametrize("field", ["snapshot_id", "unit_id"])
def test_a_new_unit_row_must_name_existing_rows(scored, field):
    snapshot, unit = scored
    row = {
        "snapshot_id": snapshot.pk,
        "unit_id": DistrictFactory(parent=unit.parent).pk,
    }
    UnitScore.objects.create(**row)  # the same row with real references goes in
    with raises_reference_error(), transaction.atomic():
        UnitScore.objects.create(**{**row, "unit_id": unit.pk, field: MISSING})


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (GroupScore, "snapshot_id"),
        (GroupScore, "unit_id"),
        (GroupScore, "group_id"),
        (IndicatorValue, "snapshot_id"),
        (IndicatorValue, "unit_id"),
        (IndicatorValue, "indicator_id"),
    ],
)
def test_a_fact_row_must_name_existing_rows(scored, model, field):
    snapshot, unit = scored
    row = model.objects.filter(snapshot=snapshot, unit=unit).values()[0]
    other = DistrictFactory(parent=unit.parent).pk
    model.objects.bulk_create([model(**{**row, "unit_id": other})])  # real references go in
    with raises_reference_error(), transaction.atomic():
        model.objects.bulk_create([model(**{**row, "unit_id": other, field: MISSING})])


@pytest.mark.parametrize("field", ["snapshot_id", "unit_id", "band_id"])
def test_a_unit_score_must_name_existing_rows(scored, field):
    snapshot, unit = scored
    with raises_reference_error(), transaction.atomic():
        UnitScore.objects.filter(snapshot=snapshot, unit=unit).update(**{field: MISSING})


def test_an_update_cannot_point_scores_at_a_missing_row(scored):
    snapshot, _unit = scored
    with raises_reference_error(), transaction.atomic():
        UnitScore.objects.filter(snapshot=snapshot).update(unit_id=MISSING)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("indicators_snapshot", "snapshot"),
        ("units_administrativeunit", "unit"),
        ("indicators_indicator", "indicator"),
        ("indicators_indicatorgroup", "group"),
        ("indicators_band", "band"),
    ],
)
def test_rows_that_scores_name_cannot_be_deleted_behind_the_orm(scored, table, key):
    snapshot, unit = scored
    ids = {
        "snapshot": snapshot.pk,
        "unit": unit.pk,
        "indicator": Indicator.objects.first().pk,
        "group": IndicatorGroup.objects.filter(is_combined=False).first().pk,
        "band": UnitScore.objects.get(snapshot=snapshot).band_id,
    }
    with raises_reference_error(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [ids[key]])


def test_the_orm_still_deletes_a_snapshot_with_its_scores(scored):
    snapshot, _unit = scored
    assert GroupScore.objects.filter(snapshot=snapshot).exists()
    assert IndicatorValue.objects.filter(snapshot=snapshot).exists()
    snapshot.delete()
    assert not UnitScore.objects.filter(snapshot_id=snapshot.pk).exists()
    assert not GroupScore.objects.filter(snapshot_id=snapshot.pk).exists()
    assert not IndicatorValue.objects.filter(snapshot_id=snapshot.pk).exists()


@pytest.mark.parametrize("model", [Indicator, IndicatorGroup])
def test_indicators_and_groups_of_a_framework_in_use_cannot_be_deleted(scored, model):
    """Stricter than the fact rows' references: a framework's parts stay while snapshots use it."""
    row = model.objects.first()
    with raises_reference_error(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [row.pk])
