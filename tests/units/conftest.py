"""A small real-world tree: Bình Dương's TP Dĩ An before 2025, and its three HCMC wards after."""

import datetime
from types import SimpleNamespace

import pytest

from tests.units.factories import (
    CommuneFactory,
    CountryFactory,
    DepartmentFactory,
    DistrictFactory,
    LineageLinkFactory,
    OldCommuneFactory,
    ProvinceFactory,
    UnitCodeFactory,
)
from units.models import REFORM_2025, CodeScheme, LineageKind, LineageShare, UnitKind

BEFORE = datetime.date(2025, 5, 20)  # the seed article's date
AFTER = datetime.date(2025, 11, 20)


@pytest.fixture
def di_an(db):
    """Return the units of the Dĩ An story (DOMAIN §5) as attributes."""
    t = SimpleNamespace()
    t.vn = CountryFactory()
    t.hcmc = ProvinceFactory(name="Hồ Chí Minh", kind=UnitKind.CENTRAL_CITY)
    t.binh_duong = ProvinceFactory(name="Bình Dương", valid_to=REFORM_2025)
    t.ha_noi = ProvinceFactory(name="Hà Nội", kind=UnitKind.CENTRAL_CITY)
    t.hue = ProvinceFactory(name="Huế", kind=UnitKind.CENTRAL_CITY)
    t.di_an_city = DistrictFactory(name="Dĩ An", kind=UnitKind.PROVINCIAL_CITY, parent=t.binh_duong)
    t.ben_cat = DistrictFactory(name="Bến Cát", kind=UnitKind.PROVINCIAL_CITY, parent=t.binh_duong)
    t.tan_uyen = DistrictFactory(
        name="Tân Uyên", kind=UnitKind.PROVINCIAL_CITY, parent=t.binh_duong
    )
    t.old_wards = {
        name: OldCommuneFactory(name=name, kind=UnitKind.WARD, parent=t.di_an_city)
        for name in [
            "Dĩ An",
            "Tân Bình",
            "Tân Đông Hiệp",
            "Bình An",
            "Bình Thắng",
            "Đông Hòa",
            "An Bình",
        ]
    }
    t.thai_hoa = OldCommuneFactory(name="Thái Hòa", kind=UnitKind.WARD, parent=t.tan_uyen)
    t.new_wards = {
        name: CommuneFactory(name=name, kind=UnitKind.WARD, parent=t.hcmc)
        for name in ["Dĩ An", "Đông Hòa", "Tân Đông Hiệp"]
    }
    t.hcmc_department = DepartmentFactory(name="Sở Tư pháp", parent=t.hcmc)
    parts = {
        "Dĩ An": [
            ("An Bình", LineageShare.WHOLE),
            ("Dĩ An", LineageShare.WHOLE),
            ("Tân Đông Hiệp", LineageShare.PART),
        ],
        "Đông Hòa": [
            ("Bình An", LineageShare.WHOLE),
            ("Bình Thắng", LineageShare.WHOLE),
            ("Đông Hòa", LineageShare.WHOLE),
        ],
        "Tân Đông Hiệp": [("Tân Bình", LineageShare.WHOLE), ("Tân Đông Hiệp", LineageShare.PART)],
    }
    for new, preds in parts.items():
        for old, share in preds:
            LineageLinkFactory(
                predecessor=t.old_wards[old],
                successor=t.new_wards[new],
                kind=LineageKind.MERGE,
                share=share,
            )
    LineageLinkFactory(
        predecessor=t.thai_hoa,
        successor=t.new_wards["Tân Đông Hiệp"],
        kind=LineageKind.MERGE,
        share=LineageShare.PART,
    )
    LineageLinkFactory(predecessor=t.binh_duong, successor=t.hcmc, kind=LineageKind.MERGE)
    # GSO reused the old ward's code for the new one: the code means different rows by date.
    UnitCodeFactory(
        unit=t.old_wards["Dĩ An"], scheme=CodeScheme.GSO, code="25942", valid_to=REFORM_2025
    )
    UnitCodeFactory(
        unit=t.new_wards["Dĩ An"], scheme=CodeScheme.GSO, code="25942", valid_from=REFORM_2025
    )
    UnitCodeFactory(unit=t.hcmc, scheme=CodeScheme.GSO, code="79")
    UnitCodeFactory(unit=t.hcmc, scheme=CodeScheme.PORTAL, code="H29", valid_from=REFORM_2025)
    UnitCodeFactory(unit=t.hcmc_department, scheme=CodeScheme.PORTAL, code="H29.17")
    return t
