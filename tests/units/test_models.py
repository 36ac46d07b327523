"""Derived fields, labels and integrity rules of AdministrativeUnit."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from tests.units.conftest import AFTER, BEFORE
from tests.units.factories import CountryFactory, DistrictFactory, ProvinceFactory
from units.models import AdministrativeUnit, UnitKind, UnitLevel


@pytest.mark.django_db
def test_save_derives_level_full_name_and_keys():
    unit = DistrictFactory(name="Dĩ An", kind=UnitKind.PROVINCIAL_CITY)
    assert unit.level == UnitLevel.DISTRICT
    assert unit.full_name == "Thành phố Dĩ An"
    assert unit.search_name == "di an"
    assert unit.short_label == "TP. Dĩ An"


@pytest.mark.parametrize(
    ("kind", "name", "label"),
    [
        (UnitKind.WARD, "Tân Bình", "P. Tân Bình"),
        (UnitKind.PROVINCE, "Bình Dương", "Tỉnh Bình Dương"),
        (UnitKind.WARD, "1", "Phường 1"),
        (UnitKind.COUNTRY, "Việt Nam", "Việt Nam"),
    ],
)
def test_short_label(kind, name, label):
    unit = AdministrativeUnit(kind=kind, name=name)
    unit.set_derived_fields()
    assert unit.short_label == label


def test_is_valid_on_treats_valid_to_as_exclusive(di_an):
    old = di_an.old_wards["Dĩ An"]
    assert old.is_valid_on(BEFORE)
    assert not old.is_valid_on(old.valid_to)
    assert di_an.new_wards["Dĩ An"].is_valid_on(AFTER)


@pytest.mark.django_db
def test_only_the_country_has_no_parent():
    with pytest.raises(IntegrityError):
        AdministrativeUnit.objects.create(name="Mồ côi", kind=UnitKind.PROVINCE)


@pytest.mark.django_db
def test_kind_must_match_level():
    province = ProvinceFactory()
    with pytest.raises(IntegrityError):
        AdministrativeUnit.objects.bulk_create(
            [
                AdministrativeUnit(
                    name="X",
                    full_name="X",
                    kind=UnitKind.WARD,
                    level=UnitLevel.DISTRICT,
                    parent=province,
                )
            ]
        )


@pytest.mark.django_db
def test_clean_reports_parent_and_dates():
    unit = AdministrativeUnit(name="X", kind=UnitKind.WARD, valid_from=AFTER, valid_to=BEFORE)
    with pytest.raises(ValidationError) as exc:
        unit.clean()
    assert set(exc.value.message_dict) == {"parent", "valid_to"}
    CountryFactory().clean()  # the root is fine without a parent


@pytest.mark.django_db
def test_default_ordering_is_vietnamese():
    vn = CountryFactory()
    for name in ["Đồng Nai", "Điện Biên", "Đà Nẵng", "Dak Lak"]:
        ProvinceFactory(name=name, parent=vn)
    assert list(AdministrativeUnit.objects.filter(parent=vn).values_list("name", flat=True)) == [
        "Dak Lak",
        "Đà Nẵng",
        "Điện Biên",
        "Đồng Nai",
    ]
