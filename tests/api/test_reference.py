"""Units and frameworks: public reference data for any authenticated user."""

from tests.units.factories import LineageLinkFactory, ProvinceFactory
from units.models import REFORM_2025, UnitKind


def names(response) -> list[str]:
    return [u["full_name"] for u in response.json()["results"]]


def test_units_search_folds_diacritics_and_puts_exact_names_first(api, world):
    response = api.nobody.get("/api/v1/units/", {"q": "Di An"})
    assert response.status_code == 200
    found = names(response)
    assert found[:2] == ["Thành phố Dĩ An", "Phường Dĩ An"]  # exact name, then by id
    assert "Phường Tân Bình" not in found  # "an" must start a word: not "Tân"


def test_units_filter_by_level_parent_and_date(api, world):
    wards = api.nobody.get("/api/v1/units/", {"parent": world.di_an.pk, "level": "commune"})
    assert sorted(names(wards)) == sorted(w.full_name for w in world.wards.values())
    after_reform = api.nobody.get(
        "/api/v1/units/", {"parent": world.province.pk, "as_of": "2025-08-01"}
    )
    assert names(after_reform) == []  # Bình Dương's districts ended on 2025-07-01
    before = api.nobody.get("/api/v1/units/", {"parent": world.province.pk, "as_of": "2025-05-20"})
    assert before.json()["count"] == 9


def test_units_filter_by_code(api, world):
    response = api.nobody.get("/api/v1/units/", {"code": "724"})
    assert names(response) == ["Thành phố Dĩ An"]


def test_unit_detail_has_codes_and_ancestors(api, world):
    body = api.nobody.get(f"/api/v1/units/{world.di_an.pk}/").json()
    assert body["codes"] == [{"scheme": "gso", "code": "724", "valid_from": None, "valid_to": None}]
    assert [a["name"] for a in body["ancestors"]] == ["Việt Nam", "Bình Dương"]
    assert body["valid_to"] == REFORM_2025.isoformat()
    assert body["kind"] == "thanh_pho_thuoc_tinh"


def test_bad_filters_are_400_with_field_details(api, world):
    response = api.nobody.get("/api/v1/units/", {"level": "galaxy", "as_of": "yesterday"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["details"]) == {"level", "as_of"}


def test_huge_ids_are_404_not_a_crash(api, world):
    assert api.nobody.get(f"/api/v1/units/{10**30}/").status_code == 404
    assert api.nobody.get("/api/v1/units/", {"parent": 10**30}).status_code == 400
    assert api.nobody.get("/api/v1/units/", {"offset": 10**30}).status_code == 200


def test_lineage_lists_predecessors_and_successors(api, world):
    hcmc = ProvinceFactory(name="Hồ Chí Minh", kind=UnitKind.CENTRAL_CITY)
    LineageLinkFactory(predecessor=world.province, successor=hcmc, effective_date=REFORM_2025)
    body = api.nobody.get(f"/api/v1/units/{world.province.pk}/lineage/").json()
    assert [s["unit"]["name"] for s in body["successors"]] == ["Hồ Chí Minh"]
    assert body["successors"][0]["effective_date"] == "2025-07-01"
    back = api.nobody.get(f"/api/v1/units/{hcmc.pk}/lineage/").json()
    assert [p["unit"]["name"] for p in back["predecessors"]] == ["Bình Dương"]


def test_resolve_finds_a_scope_by_name_or_code(api, world):
    by_name = api.nobody.get(
        "/api/v1/units/resolve/", {"text": "Binh Duong", "as_of": "2025-05-20"}
    )
    assert by_name.json()["unit"]["id"] == world.province.pk
    by_code = api.nobody.get("/api/v1/units/resolve/", {"text": "74", "as_of": "2025-05-20"})
    assert by_code.json()["unit"]["id"] == world.province.pk
    unknown = api.nobody.get("/api/v1/units/resolve/", {"text": "Atlantis"}).json()
    assert unknown["unit"] is None and unknown["reason"] == "unknown" and unknown["message"]


def test_frameworks_give_groups_indicators_and_bands(api, world):
    listed = api.nobody.get("/api/v1/frameworks/").json()["results"]
    assert [f["code"] for f in listed] == ["766-2022"]
    body = api.nobody.get("/api/v1/frameworks/766-2022/").json()
    six = [g for g in body["groups"] if not g["is_combined"]]
    assert sum(float(g["max_points"]) for g in six) == 100
    tdgq = next(g for g in body["groups"] if g["code"] == "TDGQ")
    assert tdgq["max_points"] == "20.00"
    assert [i["code"] for i in tdgq["indicators"]] == ["2.1"]
    assert [b["code"] for b in body["bands"]][:2] == ["xuat_sac", "tot"]
    assert body["bands"][0]["min_total"] == "90.00"
    assert api.nobody.get("/api/v1/frameworks/1999/").status_code == 404


def test_reference_data_answers_every_authenticated_user(api, world):
    for client in (api.chair, api.other_staff, api.nobody):
        assert client.get("/api/v1/units/", {"q": "Tân Bình"}).status_code == 200
        assert client.get("/api/v1/frameworks/766-2022/").status_code == 200
