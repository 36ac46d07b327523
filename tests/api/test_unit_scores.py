"""A unit's scores, breakdown and history: the unit page's numbers, 404 unless readable."""

from decimal import Decimal

import pytest

from dashboard import pages
from indicators.selectors import unit_history


def dec(value):
    return None if value is None else Decimal(value)


def test_breakdown_has_the_unit_pages_numbers(api, world):
    ward = world.wards["Tân Đông Hiệp"]
    response = api.staff.get(f"/api/v1/units/{ward.pk}/breakdown/")
    assert response.status_code == 200
    body = response.json()
    page = pages.unit_page(unit=ward)
    assert body["snapshot"]["id"] == page.snapshot.pk == world.ward_snapshot.pk
    score = body["score"]
    assert dec(score["total"]) == page.score.ranking_total
    assert (score["rank"], score["peer_count"]) == (page.score.rank, page.score.peer_count)
    assert dec(score["points_lost"]) == page.points_lost
    assert score["band"]["code"] == page.score.band.code
    groups = {g["code"]: g for g in body["groups"]}
    for line in page.groups:
        g = groups[line.group.code]
        assert dec(g["points"]) == line.shown_points
        assert dec(g["points_lost"]) == line.group.points_lost
        indicators = {i["code"]: i for i in g["indicators"]}
        for i in line.group.indicators:
            assert dec(indicators[i.code]["points"]) == i.points
            assert dec(indicators[i.code]["points_lost"]) == i.points_lost
            assert dec(indicators[i.code]["numerator"]) == i.numerator


def test_breakdown_counts_and_points_lost(api, world):
    ward = world.wards["Tân Đông Hiệp"]  # third ward: 2.1 at 94/100, 4.2 at 88/100
    body = api.staff.get(f"/api/v1/units/{ward.pk}/breakdown/").json()
    tdgq = next(g for g in body["groups"] if g["code"] == "TDGQ")
    line = tdgq["indicators"][0]
    assert (line["code"], line["numerator"], line["denominator"]) == ("2.1", "94.0000", "100.0000")
    assert (line["points"], line["max_points"], line["points_lost"]) == ("18.80", "20.00", "1.20")
    assert line["status"] == "ok"


def test_breakdown_of_a_chosen_snapshot(api, world):
    earlier = api.staff.get(
        f"/api/v1/units/{world.di_an.pk}/breakdown/", {"snapshot": world.earlier.pk}
    ).json()
    assert earlier["snapshot"]["as_of"] == "2025-05-13"
    assert earlier["score"]["total"] == "91.95"
    latest = api.staff.get(f"/api/v1/units/{world.di_an.pk}/breakdown/").json()
    assert latest["score"]["total"] == "92.00"
    assert latest["score"]["recomputed_total"] == "91.40"
    assert (
        api.staff.get(
            f"/api/v1/units/{world.di_an.pk}/breakdown/", {"snapshot": world.ward_snapshot.pk}
        ).status_code
        == 404
    )


def test_scores_list_every_published_standing(api, world):
    body = api.staff.get(f"/api/v1/units/{world.di_an.pk}/scores/").json()
    assert [s["snapshot"]["as_of"] for s in body["results"]] == ["2025-05-20", "2025-05-13"]
    latest = body["results"][0]
    assert (latest["total"], latest["rank"], latest["peer_count"]) == ("92.00", 1, 9)
    assert {g["code"]: g["points"] for g in latest["groups"]}["SHHS"] == "19.20"
    assert latest["movement"]["delta_total"] == "0.05"
    filtered = api.staff.get(
        f"/api/v1/units/{world.di_an.pk}/scores/", {"as_of_before": "2025-05-15"}
    ).json()
    assert [s["snapshot"]["as_of"] for s in filtered["results"]] == ["2025-05-13"]


def test_history_is_the_selectors(api, world):
    body = api.staff.get(f"/api/v1/units/{world.di_an.pk}/history/").json()
    points = unit_history(unit=world.di_an)
    assert [(h["as_of"], dec(h["total"]), h["rank"]) for h in body] == [
        (p.as_of.isoformat(), p.ranking_total, p.rank) for p in points
    ]
    assert body[-1]["groups"]["TDGQ"] == "19.20"
    assert body[-1]["is_synthetic"] is True


@pytest.mark.parametrize("what", ["scores", "breakdown", "history", "what-it-takes"])
def test_chair_reads_their_unit_and_gets_404_for_a_sibling(api, world, what):
    own, sibling = world.wards["Tân Bình"], world.wards["An Bình"]
    assert api.chair.get(f"/api/v1/units/{own.pk}/{what}/").status_code == 200
    response = api.chair.get(f"/api/v1/units/{sibling.pk}/{what}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("what", ["scores", "breakdown", "history"])
def test_other_province_and_no_role_get_404(api, world, what):
    for client in (api.other_staff, api.nobody, api.other_admin):
        assert client.get(f"/api/v1/units/{world.di_an.pk}/{what}/").status_code == 404
    assert api.root.get(f"/api/v1/units/{world.di_an.pk}/{what}/").status_code == 200
    assert api.admin.get(f"/api/v1/units/{world.di_an.pk}/{what}/").status_code == 200


def test_unknown_and_huge_unit_ids_are_404(api, world):
    assert api.root.get("/api/v1/units/999999/breakdown/").status_code == 404
    assert api.root.get(f"/api/v1/units/{10**30}/scores/").status_code == 404


def test_a_unit_without_scores_has_no_breakdown(api, world):
    response = api.root.get(f"/api/v1/units/{world.other_province.pk}/breakdown/")
    assert response.status_code == 404
