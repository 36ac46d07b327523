"""/api/v1/units/{id}/what-it-takes/: the cheapest points in dossiers, and the unit's goals."""

from decimal import Decimal

from indicators.models import Indicator


def test_what_it_takes_names_the_dossiers_and_the_points(api, world):
    wards = list(world.wards.values())
    third = wards[2]  # 2.1 at 94/100 (new dossiers), 4.2 at 88/100 (existing dossiers)
    response = api.staff.get(f"/api/v1/units/{third.pk}/what-it-takes/")
    assert response.status_code == 200
    body = response.json()
    assert body["snapshot"]["id"] == world.ward_snapshot.pk
    by_code = {o["indicator"]: o for o in body["opportunities"]}
    assert set(by_code) == {"2.1", "4.2"}
    # 2.1: 20 × 94/100 = 18,80; one more on-time dossier: 20 × 95/101 = 18,81.
    assert by_code["2.1"]["improved_by"] == "new"
    assert by_code["2.1"]["next_points"] == {
        "dossiers": 1,
        "points_before": "18.80",
        "points_after": "18.81",
        "gain": "0.01",
    }
    # 4.2: 4 × 88/100 = 3,52; digitising 12 received dossiers gives full marks.
    assert by_code["4.2"]["improved_by"] == "existing"
    assert by_code["4.2"]["full_marks"]["dossiers"] == 12
    assert by_code["4.2"]["full_marks"]["points_after"] == "4.00"
    # Cheapest first: 4.2 gives 0,04 a dossier, 2.1 about 0,01.
    assert [o["indicator"] for o in body["opportunities"]] == ["4.2", "2.1"]
    kinds = {g["kind"] for g in body["goals"]}
    assert "pass_above" in kinds
    above = next(g for g in body["goals"] if g["kind"] == "pass_above")
    assert above["plan"]["reachable"] is True
    assert Decimal(above["plan"]["gain"]) >= Decimal(above["needed"])


def test_what_it_takes_of_a_unit_without_indicator_values_is_404(api, world):
    response = api.root.get(f"/api/v1/units/{world.di_an.pk}/what-it-takes/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_what_it_takes_follows_the_framework_reading_of_each_ratio(world):
    reading = dict(
        Indicator.objects.filter(framework=world.framework).values_list("code", "improved_by")
    )
    assert reading["2.1"] == "new" and reading["4.2"] == "existing" and reading["1.1"] == "existing"
