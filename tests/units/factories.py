"""Factories for administrative units, for the tests of every app.

    province = ProvinceFactory(name="Bình Dương")
    ward = CommuneFactory(parent=province, name="Dĩ An")          # a 2025 ward
    old = OldCommuneFactory(parent=DistrictFactory(parent=province))  # ends 2025-07-01

full_name, level, search_name and sort_key are derived on save.
"""

import factory
from factory.django import DjangoModelFactory

from units.models import (
    REFORM_2025,
    AdministrativeUnit,
    CodeScheme,
    LineageKind,
    LineageLink,
    LineageShare,
    UnitCode,
    UnitKind,
)


class CountryFactory(DjangoModelFactory):
    """The root "Việt Nam"; always the same row."""

    class Meta:
        model = AdministrativeUnit
        django_get_or_create = ["source_key"]
        skip_postgeneration_save = True

    source_key = "vn"
    name = "Việt Nam"
    kind = UnitKind.COUNTRY
    parent = None

    @factory.post_generation
    def code(obj, create, extracted, **kwargs):
        # As load_units does: the root answers to "VN".
        if create:
            UnitCode.objects.get_or_create(unit=obj, scheme=CodeScheme.ALIAS, code="VN")


class ProvinceFactory(DjangoModelFactory):
    """A province spanning all time (like the 34 that continued through 2025)."""

    class Meta:
        model = AdministrativeUnit

    name = factory.Sequence(lambda n: f"Tỉnh thử {n}")
    kind = UnitKind.PROVINCE
    parent = factory.SubFactory(CountryFactory)


class DistrictFactory(DjangoModelFactory):
    """A district-level unit, ended on 2025-07-01 like all of them."""

    class Meta:
        model = AdministrativeUnit

    name = factory.Sequence(lambda n: f"Huyện thử {n}")
    kind = UnitKind.RURAL_DISTRICT
    parent = factory.SubFactory(ProvinceFactory)
    valid_to = REFORM_2025


class CommuneFactory(DjangoModelFactory):
    """A commune-level unit of the 2025 structure (parent: a province)."""

    class Meta:
        model = AdministrativeUnit

    name = factory.Sequence(lambda n: f"Xã thử {n}")
    kind = UnitKind.COMMUNE
    parent = factory.SubFactory(ProvinceFactory)
    valid_from = REFORM_2025


class OldCommuneFactory(DjangoModelFactory):
    """A commune-level unit before 2025-07-01 (parent: a district)."""

    class Meta:
        model = AdministrativeUnit

    name = factory.Sequence(lambda n: f"Xã cũ {n}")
    kind = UnitKind.COMMUNE
    parent = factory.SubFactory(DistrictFactory)
    valid_to = REFORM_2025


class DepartmentFactory(DjangoModelFactory):
    """A provincial department (sở, ban, ngành)."""

    class Meta:
        model = AdministrativeUnit

    name = factory.Sequence(lambda n: f"Sở thử {n}")
    full_name = factory.SelfAttribute("name")
    kind = UnitKind.DEPARTMENT
    parent = factory.SubFactory(ProvinceFactory)


class UnitCodeFactory(DjangoModelFactory):
    class Meta:
        model = UnitCode

    unit = factory.SubFactory(CommuneFactory)
    scheme = CodeScheme.PORTAL
    code = factory.Sequence(lambda n: f"H99.{n}")


class LineageLinkFactory(DjangoModelFactory):
    class Meta:
        model = LineageLink

    predecessor = factory.SubFactory(OldCommuneFactory)
    successor = factory.SubFactory(CommuneFactory)
    effective_date = REFORM_2025
    kind = LineageKind.MERGE
    share = LineageShare.WHOLE
