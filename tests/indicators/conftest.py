import pytest

from tests.units.factories import DistrictFactory, ProvinceFactory


@pytest.fixture
def binh_duong(framework):
    return ProvinceFactory(name="Bình Dương")


@pytest.fixture
def districts(binh_duong):
    """Bình Dương's 9 district-level units before 2025-07-01, Dĩ An first."""
    names = ["Dĩ An", "Thủ Dầu Một", "Thuận An", "Tân Uyên", "Bến Cát"]
    names += ["Bàu Bàng", "Bắc Tân Uyên", "Dầu Tiếng", "Phú Giáo"]
    return [DistrictFactory(parent=binh_duong, name=name) for name in names]
