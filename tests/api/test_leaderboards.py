"""Snapshots and leaderboards: the pages' numbers, scoped by peer set as the pages are."""

from decimal import Decimal

from dashboard import pages
from indicators.services import snapshot_create_draft, snapshot_load_group_rows
from tests.api.conftest import DI_AN_GROUPS, MAY_20
from tests.indicators.factories import load_groups, make_snapshot


def dec(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def assert_row_matches_page(api_row: dict, page_row) -> None:
    """Every figure of an API row equals the page's."""
    assert api_row["unit"]["id"] == page_row.unit_id
    assert dec(api_row["total"]) == page_row.ranking_total
    assert dec(api_row["official_total"]) == page_row.official_total
    assert dec(api_row["recomputed_total"]) == page_row.total
    assert api_row["totals_disagree"] == page_row.totals_disagree
    assert (api_row["rank"], api_row["peer_count"]) == (page_row.rank, page_row.peer_count)
    assert (api_row["band"] or {}).get("code") == page_row.band_code
    movement = api_row["movement"]
    assert dec(movement["delta_total"]) == page_row.delta_total
    assert dec(movement["previous_total"]) == page_row.previous_total
    assert movement["delta_rank"] == page_row.delta_rank
    groups = {g["code"]: g for g in api_row["groups"]}
    for code, cell in page_row.groups.items():
        assert dec(groups[code]["points"]) == cell.ranking_points
        assert dec(groups[code]["recomputed_points"]) == cell.points
        assert (groups[code]["rank"], groups[code]["peer_count"]) == (cell.rank, cell.peer_count)


def test_leaderboard_has_the_pages_numbers(api, world):
    response = api.staff.get("/api/v1/leaderboard/", {"scope": world.province.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["snapshot"]["id"] == world.latest.pk
    assert body["snapshot"]["is_synthetic"] is True
    assert [p["key"] for p in body["peer_sets"]] == [f"{world.province.pk}:district"]
    page = pages.leaderboard_page(scope=world.province, snapshot=world.latest, page_size=None)
    page_rows = {r.unit_id: r for r in page.rows}
    assert body["count"] == len(page_rows) == 9
    for row in body["results"]:
        assert_row_matches_page(row, page_rows[row["unit"]["id"]])


def test_di_an_seed_figures_as_strings_with_two_decimals(api, world):
    body = api.staff.get("/api/v1/leaderboard/", {"scope": world.province.pk}).json()
    first = body["results"][0]
    assert first["unit"]["name"] == "Dĩ An"
    assert (first["total"], first["official_total"], first["recomputed_total"]) == (
        "92.00",
        "92.00",
        "91.40",
    )
    assert first["totals_disagree"] is True
    assert (first["rank"], first["peer_count"]) == (1, 9)
    assert first["band"]["code"] == "xuat_sac"
    assert first["movement"] == {
        "previous_total": "91.95",
        "previous_rank": 1,
        "delta_total": "0.05",
        "delta_rank": 0,
    }
    assert {g["code"]: g["points"] for g in first["groups"]}["TDGQ"] == "19.20"
    assert first["unit_code"] == "724"


def test_leaderboard_by_snapshot_date_and_filters(api, world):
    earlier = api.staff.get(
        "/api/v1/leaderboard/", {"scope": world.province.pk, "as_of": "2025-05-15"}
    ).json()
    assert earlier["snapshot"]["id"] == world.earlier.pk
    by_id = api.staff.get("/api/v1/leaderboard/", {"snapshot": world.earlier.pk}).json()
    assert by_id["results"] == earlier["results"]
    searched = api.staff.get(
        "/api/v1/leaderboard/", {"scope": world.province.pk, "q": "di an"}
    ).json()
    assert [r["unit"]["name"] for r in searched["results"]] == ["Dĩ An"]
    excellent = api.staff.get(
        "/api/v1/leaderboard/", {"scope": world.province.pk, "band": "xuat_sac"}
    ).json()
    assert all(r["band"]["code"] == "xuat_sac" for r in excellent["results"])
    paged = api.staff.get(
        "/api/v1/leaderboard/", {"scope": world.province.pk, "limit": 4, "offset": 4}
    ).json()
    assert (paged["count"], len(paged["results"]), paged["results"][0]["rank"]) == (9, 4, 5)
    assert "offset=8" in paged["next"]


def test_leaderboard_needs_a_scope_or_a_snapshot(api, world):
    response = api.staff.get("/api/v1/leaderboard/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert api.staff.get("/api/v1/leaderboard/", {"scope": "abc"}).status_code == 400
    assert (
        api.staff.get("/api/v1/leaderboard/", {"scope": world.other_province.pk}).status_code == 404
    )


def test_drafts_are_not_leaderboards(api, world):
    draft = make_snapshot(scope=world.province, as_of=MAY_20)
    load_groups(draft, {world.di_an: (DI_AN_GROUPS, 50)})
    assert api.root.get("/api/v1/leaderboard/", {"snapshot": draft.pk}).status_code == 404
    assert api.root.get(f"/api/v1/snapshots/{draft.pk}/").status_code == 404


def test_chair_reads_their_own_peer_table_only(api, world):
    province = api.chair.get("/api/v1/leaderboard/", {"scope": world.province.pk})
    assert province.status_code == 404  # the districts' table is not theirs
    wards = api.chair.get("/api/v1/leaderboard/", {"scope": world.di_an.pk})
    assert wards.status_code == 200
    body = wards.json()
    assert body["count"] == 7
    assert {r["unit"]["name"] for r in body["results"]} == set(world.wards)
    listed = api.chair.get("/api/v1/snapshots/").json()["results"]
    assert [s["id"] for s in listed] == [world.ward_snapshot.pk]
    assert api.chair.get(f"/api/v1/snapshots/{world.latest.pk}/").status_code == 404


def test_chair_sees_no_other_peer_set_of_a_shared_snapshot(api, world, people):
    """A snapshot of the province holding districts and Dĩ An's wards: the chair gets the wards."""
    from indicators.services import GroupInput, snapshot_publish

    snapshot = snapshot_create_draft(
        scope=world.province, as_of=MAY_20, period="month", period_year=2025
    )
    rows = [
        GroupInput(unit_id=u.pk, groups={}, official_total=Decimal(80 + i))
        for i, u in enumerate(world.districts.values())
    ]
    rows += [
        GroupInput(unit_id=u.pk, groups={}, official_total=Decimal(85 + i))
        for i, u in enumerate(world.wards.values())
    ]
    snapshot_load_group_rows(snapshot=snapshot, rows=rows)
    snapshot_publish(snapshot_id=snapshot.pk)
    body = api.chair.get("/api/v1/leaderboard/", {"snapshot": snapshot.pk}).json()
    assert {r["unit"]["id"] for r in body["results"]} == {w.pk for w in world.wards.values()}
    assert [p["key"] for p in body["peer_sets"]] == [f"{world.di_an.pk}:commune"]
    staff = api.staff.get("/api/v1/leaderboard/", {"snapshot": snapshot.pk}).json()
    assert staff["count"] == 16 and len(staff["peer_sets"]) == 2
    other_set = f"{world.province.pk}:district"
    assert (
        api.chair.get(
            "/api/v1/leaderboard/", {"snapshot": snapshot.pk, "peer_set": other_set}
        ).status_code
        == 404
    )


def test_other_province_sees_nothing_of_binh_duong(api, world):
    assert (
        api.other_staff.get("/api/v1/leaderboard/", {"scope": world.province.pk}).status_code == 404
    )
    assert api.other_staff.get("/api/v1/snapshots/").json()["count"] == 0
    assert api.nobody.get("/api/v1/leaderboard/", {"scope": world.province.pk}).status_code == 404


def test_provincial_staff_and_superuser_list_every_snapshot(api, world):
    for client in (api.staff, api.root):
        listed = client.get("/api/v1/snapshots/", {"scope": world.province.pk}).json()["results"]
        assert [s["as_of"] for s in listed] == ["2025-05-20", "2025-05-13"]
    detail = api.staff.get(f"/api/v1/snapshots/{world.latest.pk}/").json()
    assert detail["peer_sets"][0]["unit_count"] == 9
    assert detail["compared_with"] == world.earlier.pk
    assert detail["period_label"]
