import pytest

from indicators.frameworks import load_framework, read_framework
from indicators.models import Band, Framework, Indicator, IndicatorGroup
from tests.units.factories import DistrictFactory, ProvinceFactory


@pytest.fixture
def framework(db):
    """The "766-2022" framework, as the data migration loads it (loaded here under --nomigrations)."""
    found = Framework.objects.filter(code="766-2022").first()
    return found or load_framework(
        read_framework("766-2022"),
        Framework=Framework,
        IndicatorGroup=IndicatorGroup,
        Indicator=Indicator,
        Band=Band,
    )


@pytest.fixture
def binh_duong(framework):
    return ProvinceFactory(name="Bình Dương")


@pytest.fixture
def districts(binh_duong):
    """Bình Dương's 9 district-level units before 2025-07-01, Dĩ An first."""
    names = ["Dĩ An", "Thủ Dầu Một", "Thuận An", "Tân Uyên", "Bến Cát"]
    names += ["Bàu Bàng", "Bắc Tân Uyên", "Dầu Tiếng", "Phú Giáo"]
    return [DistrictFactory(parent=binh_duong, name=name) for name in names]
