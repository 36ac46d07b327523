"""Search within what the viewer may read, exact and prefix matches first (defect 4)."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model

from tests.units.factories import CommuneFactory, OldCommuneFactory
from units.models import UnitCode, UnitKind
from units.selectors import unit_search


def _login(client, username):
    client.force_login(get_user_model().objects.get(username=username))


def _candidates(client, query: str) -> list[str]:
    html = client.get("/so-sanh/", {"q": query}).content.decode()
    return re.findall(r'<li><a href="\?units=[^"]*">\+ ([^<]+)</a>', html)


def test_compare_search_finds_the_readers_unit_behind_twenty_namesakes(demo, client):
    # Twenty wards "Tân Bình" elsewhere come first in Vietnamese order (Hà Nội…): a search
    # that took the first 15 nationwide, then removed the unreadable ones, found nothing.
    for _ in range(20):
        OldCommuneFactory(name="Tân Bình", kind=UnitKind.WARD)
    _login(client, "canbo.binhduong")
    assert _candidates(client, "Tân Bình") == ["Phường Tân Bình"]
    assert _candidates(client, "thuan an") == ["Thành phố Thuận An"]


def test_compare_search_never_offers_what_the_reader_cannot_open(demo, client):
    _login(client, "chutich.dian")
    found = _candidates(client, "an")
    assert found and "Thành phố Thuận An" not in found  # another district: not the chair's


def test_exact_name_first_and_words_match_from_their_start(demo):
    OldCommuneFactory(name="An Điền", kind=UnitKind.WARD, parent=demo.districts["Bến Cát"])
    found = [u.full_name for u in unit_search("Dĩ An")]
    assert set(found[:2]) == {"Phường Dĩ An", "Thành phố Dĩ An"}  # both exactly "Dĩ An"
    assert "Phường An Điền" not in found  # "di" starts no word of "An Điền"
    # Names starting with the text before names with it further in.
    assert [u.name for u in unit_search("dong")] == ["Đông Hòa", "Đồng Nai", "Tân Đông Hiệp"]


@pytest.mark.parametrize(
    "text, as_of, expected",
    [
        ("H29", datetime.date(2025, 8, 1), "ok"),
        ("79", datetime.date(2025, 8, 1), "ok"),
        ("079", datetime.date(2025, 8, 1), "ok"),
        ("H29", datetime.date(2025, 5, 20), "“H29” là mã của Thành phố Hồ Chí Minh từ 01/07/2025"),
        ("Bình Dương", datetime.date(2025, 5, 20), "ok"),
        ("Bình Dương", datetime.date(2025, 8, 1), "Tỉnh Bình Dương, tồn tại đến 30/06/2025"),
    ],
)
def test_the_upload_form_resolves_the_codes_it_hints_at_or_says_why(demo, text, as_of, expected):
    from ingest.forms import UploadForm
    from tests.units.factories import ProvinceFactory
    from units.models import REFORM_2025

    hcmc = ProvinceFactory(name="Hồ Chí Minh", kind=UnitKind.CENTRAL_CITY)
    UnitCode.objects.create(unit=hcmc, scheme="gso", code="79", valid_from=REFORM_2025)
    UnitCode.objects.create(unit=hcmc, scheme="portal", code="H29", valid_from=REFORM_2025)
    CommuneFactory(name="Bình Dương", kind=UnitKind.WARD, parent=hcmc)
    CommuneFactory(name="Bình Dương", parent=ProvinceFactory(name="Gia Lai"))
    form = UploadForm(data={"scope": text, "as_of": as_of.isoformat(), "period": "year"})
    form.is_valid()
    if expected == "ok":
        assert "scope" not in form.errors, form.errors
        return
    message = " ".join(form.errors["scope"])
    assert expected in message
    assert "không tồn tại" in message or "không có đơn vị nào mang mã này" in message
