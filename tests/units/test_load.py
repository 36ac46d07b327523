"""The full load from the data packages: the issue's "done when", on SQLite and PostgreSQL.

Loading ~14,000 units takes seconds, so the whole module shares one load (module-scoped,
rolled back at the end so no other test module sees it).
"""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from units.loading import read_registry
from units.models import REFORM_2025, AdministrativeUnit, LineageShare, UnitCode, UnitLevel
from units.selectors import peer_keys, unit_children, unit_lineage
from units.services import unit_match, units_load

BEFORE = datetime.date(2025, 5, 20)
AFTER = datetime.date(2025, 11, 20)


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        report = units_load()
        yield report
        transaction.set_rollback(True)


@pytest.fixture
def vn(loaded, db):
    return AdministrativeUnit.objects.get(source_key="vn")


def _province(name: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(level=UnitLevel.PROVINCE, name=name)


def test_first_load_created_everything(loaded):
    assert loaded.units.created > 14_000
    assert loaded.units.updated == loaded.units.unchanged == 0
    assert loaded.warnings == [
        "converter commune  Trung Tâm Huấn Luyện Cấm Sơn (1967379): no kind or district, skipped"
    ]


def test_current_structure(vn):
    assert unit_children(vn, as_of=AFTER).count() == 34
    assert (
        AdministrativeUnit.objects.valid_on(AFTER).filter(level=UnitLevel.COMMUNE).count() == 3321
    )
    assert AdministrativeUnit.objects.valid_on(AFTER).filter(level=UnitLevel.DISTRICT).count() == 0
    assert UnitCode.objects.filter(scheme="portal").count() == 34


def test_structure_before_2025(vn):
    assert unit_children(vn, as_of=BEFORE).count() == 63
    binh_duong = _province("Bình Dương")
    districts = unit_children(binh_duong, as_of=BEFORE)
    assert districts.count() == 9
    assert (
        AdministrativeUnit.objects.valid_on(BEFORE).filter(parent__parent=binh_duong).count() == 91
    )
    di_an = districts.get(name="Dĩ An")
    assert di_an.full_name == "Thành phố Dĩ An"
    assert sorted(u.name for u in unit_children(di_an, as_of=BEFORE)) == sorted(
        ["Dĩ An", "Tân Bình", "Tân Đông Hiệp", "Bình An", "Bình Thắng", "Đông Hòa", "An Bình"]
    )
    assert binh_duong.valid_to == REFORM_2025


def test_provinces_that_kept_their_name_span_both_periods(vn):
    hcmc, ha_noi = _province("Hồ Chí Minh"), _province("Hà Nội")
    assert (hcmc.valid_from, hcmc.valid_to, ha_noi.valid_to) == (None, None, None)
    assert sorted(s.unit.name for s in unit_lineage(hcmc).predecessors) == [
        "Bà Rịa-Vũng Tàu",
        "Bình Dương",
    ]
    assert (
        peer_keys([hcmc.pk], BEFORE)
        == peer_keys([hcmc.pk], AFTER)
        == {hcmc.pk: f"{vn.pk}:province"}
    )


def test_di_an_lineage_to_the_three_hcmc_wards(vn):
    hcmc = _province("Hồ Chí Minh")
    di_an_city = AdministrativeUnit.objects.get(parent=_province("Bình Dương"), name="Dĩ An")
    successors = unit_lineage(di_an_city).successors
    assert [s.unit.name for s in successors] == ["Dĩ An", "Đông Hòa", "Tân Đông Hiệp"]
    assert {s.unit.parent for s in successors} == {hcmc}

    new_di_an = AdministrativeUnit.objects.get(
        codes__scheme="gso", codes__code="25942", valid_from=REFORM_2025
    )
    preds = {(s.unit.name, s.share) for s in unit_lineage(new_di_an).predecessors}
    assert preds == {
        ("An Bình", LineageShare.WHOLE),
        ("Dĩ An", LineageShare.WHOLE),
        ("Tân Đông Hiệp", LineageShare.PART),
    }


def test_matching_on_the_real_registry(vn):
    hcmc = _province("Hồ Chí Minh")
    for text in ["TP Hồ Chí Minh", "Thành phố Hồ Chí Minh", "ho chi minh", "H29", "79"]:
        assert unit_match(text=text, scope=vn, as_of=AFTER, level=UnitLevel.PROVINCE).unit == hcmc
    assert (
        unit_match(text="Huế", scope=vn, as_of=AFTER, level=UnitLevel.PROVINCE).unit.full_name
        == "Thành phố Huế"
    )
    binh_duong = _province("Bình Dương")
    assert unit_match(text="TX Bến Cát", scope=binh_duong, as_of=BEFORE).unit.name == "Bến Cát"
    assert unit_match(text="Dĩ An", scope=binh_duong, as_of=BEFORE).reason == "ambiguous"
    # Two communes of Quảng Ngãi fold alike; the exact spelling decides.
    quang_ngai = _province("Quảng Ngãi")
    assert unit_match(text="Xã Sơn Hạ", scope=quang_ngai, as_of=AFTER).unit.name == "Sơn Hạ"
    assert unit_match(text="son ha", scope=quang_ngai, as_of=AFTER).reason == "ambiguous"


def test_reload_is_idempotent(loaded, db):
    report = units_load()
    assert report.created == 0
    assert report.units.updated == report.codes.updated == report.links.updated == 0


def test_reload_repairs_a_changed_row(loaded, db):
    AdministrativeUnit.objects.filter(source_key="province:binh-duong").update(name="Bình Dưong")
    report = units_load(registry=read_registry())
    assert (report.units.created, report.units.updated) == (0, 1)
    assert _province("Bình Dương").search_name == "binh duong"


def test_command_prints_progress_and_counts(loaded, db):
    out = StringIO()
    call_command("load_units", stdout=out, stderr=StringIO())
    assert "0 created" in out.getvalue()
    assert "Commune level" in out.getvalue() or "Cấp xã" in out.getvalue()


def test_portal_file_with_an_unknown_province_warns(tmp_path):
    path = tmp_path / "portal.csv"
    path.write_text("portal_code,province\nH29,TP Hồ Chí Minh\nH99,Atlantis\n", encoding="utf-8")
    registry = read_registry(portal_csv=path)
    assert [c.code for c in registry.codes if c.scheme == "portal"] == ["H29"]
    assert "portal code H99: no province 'Atlantis'" in registry.warnings
