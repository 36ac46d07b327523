"""Dashboard pages: home, leaderboard, unit, compare (happy paths, bad input, query counts)."""

import datetime
import json
import re
import traceback
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from indicators.services import snapshot_publish
from tests.indicators.dashboard_data import build_binh_duong, groups_for
from tests.indicators.factories import load_groups, load_totals, make_snapshot
from tests.units.factories import CommuneFactory, DepartmentFactory, ProvinceFactory
from units.text import vietnamese_sort_key

NOV_20 = datetime.date(2025, 11, 20)


@pytest.fixture
def board(framework):
    return build_binh_duong(weeks=2)


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _row_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr data-unit="(\d+)"', html)]


def _figure(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, element_id
    return json.loads(match.group(1))


def _leaderboard(client, t, **params):
    return client.get(f"/bang-xep-hang/{t.binh_duong.pk}/", params)


def _province_with(n: int):
    """A 2025 province whose n communes are ranked (as on a national-size page, smaller)."""
    province = ProvinceFactory()
    communes = [CommuneFactory(parent=province) for _ in range(n)]
    department = DepartmentFactory(parent=province)
    snapshot = make_snapshot(scope=province, as_of=NOV_20)
    figures = {
        c: (groups_for(Decimal(60) + Decimal(i % 400) / 10), None) for i, c in enumerate(communes)
    }
    figures[department] = (groups_for(Decimal("88.5")), None)
    load_groups(snapshot, figures)
    snapshot = snapshot_publish(snapshot_id=snapshot.pk)
    return province, communes, snapshot


def _count_queries(client, url, *, warm: bool = False) -> int:
    """Queries of one request; on a cold cache unless warm (published data cached)."""
    from django.core.cache import cache

    if not warm:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# --- Home -------------------------------------------------------------------------------------


def test_home_shows_the_broadest_scope_with_the_di_an_headline(admin_client, board):
    html = _html(admin_client.get("/"))
    assert "TP. Dĩ An 92/100" in html
    assert re.search(r"TP\. Dĩ An 92/100, \w+ 1/9", html)
    assert "20/05/2025" in html  # data freshness
    assert "label-provisional" in html and "label-synthetic" in html
    assert len(_row_ids(html)) == 9
    # Other scopes with data: TP Dĩ An's wards.
    assert f'href="/bang-xep-hang/{board.di_an.pk}/"' in html


def test_home_lists_this_weeks_rises(admin_client, board):
    html = _html(admin_client.get("/"))
    changes = html.split('id="changes-title"')[1]
    rises = re.findall(r'href="/don-vi/(\d+)/', changes.split("</ol>")[0])
    assert int(rises[0]) == board.districts["Dầu Tiếng"].pk  # +0,43, the biggest
    assert "0,43" in changes


def test_home_shows_band_changes(admin_client, framework):
    province = ProvinceFactory()
    rising, steady = CommuneFactory(parent=province), CommuneFactory(parent=province)
    for as_of, totals in [(NOV_20, {rising: 89, steady: 75}), (NOV_20.replace(day=27), {rising: 90.5, steady: 75.5})]:  # fmt: skip
        snapshot = make_snapshot(scope=province, as_of=as_of)
        load_totals(snapshot, totals)
        snapshot_publish(snapshot_id=snapshot.pk)
    html = _html(admin_client.get("/"))
    section = html.split('id="changes-title"')[1]
    assert "band-tot" in section and "band-xuat_sac" in section
    assert rising.short_label in section


@override_settings(SCOREBOARD_HOME_SCOPE="Dĩ An")
def test_home_scope_is_configurable_by_name(admin_client, board):
    html = _html(admin_client.get("/"))
    assert "P. Tân Bình 93,3/100" in html
    assert len(_row_ids(html)) == 7


@override_settings(SCOREBOARD_HOME_SCOPE="724")
def test_home_scope_is_configurable_by_code(admin_client, board):
    assert "P. Tân Bình 93,3/100" in _html(admin_client.get("/"))


def test_home_without_data(admin_client, db):
    html = _html(admin_client.get("/"))
    assert "empty-state" in html
    assert "plotly" not in html


def test_pages_need_a_login(client, board):
    for url in ["/", f"/bang-xep-hang/{board.binh_duong.pk}/", f"/don-vi/{board.di_an.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- Leaderboard ------------------------------------------------------------------------------


def test_leaderboard_table(admin_client, board):
    html = _html(_leaderboard(admin_client, board))
    assert "TP. Dĩ An 92/100" in html
    ids = _row_ids(html)
    assert ids[0] == board.di_an.pk and len(ids) == 9
    first_row = html.split(f'<tr data-unit="{board.di_an.pk}"')[1].split("</tr>")[0]
    assert "1/9" in first_row
    # Official and recomputed totals, flagged; band as text in a coloured badge; movement.
    assert "92,00" in first_row and "91,40" in first_row and 'class="flag"' in first_row
    assert 'class="band band-xuat_sac"' in first_row
    assert 'class="delta up"' in first_row and "0,05" in first_row
    # Each group against its maximum.
    assert '<td class="g" style="--p:96%">19,20</td>' in first_row  # 19,2 of 20: a 96 % bar
    assert "/20</small>" in html
    assert "tie-rule" in html  # the tie rule is stated
    assert "plotly" not in html  # no chart, no chart library


def test_leaderboard_numbers_follow_the_language(admin_client, board):
    vietnamese = _html(_leaderboard(admin_client, board))
    english = _html(
        admin_client.get(f"/bang-xep-hang/{board.binh_duong.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    )
    assert '<html lang="vi">' in vietnamese and '<html lang="en">' in english
    assert "89,87" in vietnamese and "89.87" not in vietnamese
    assert "89.87" in english and "89,87" not in english
    assert "TP. Dĩ An 92/100, rank 1/9" in english


@pytest.mark.parametrize("query", ["Di An", "di an", "TP Dĩ An", "DĨ AN", "724"])
def test_leaderboard_search_ignores_diacritics_and_prefixes(admin_client, board, query):
    html = _html(_leaderboard(admin_client, board, q=query))
    assert _row_ids(html) == [board.di_an.pk]
    assert "TP. Dĩ An 92/100" in html  # the headline still names the leader


def test_leaderboard_search_matches_word_starts_only(admin_client, board):
    assert _row_ids(_html(_leaderboard(admin_client, board, q="an"))) == [
        board.di_an.pk,
        board.districts["Thuận An"].pk,
    ]
    html = _html(_leaderboard(admin_client, board, q="Hà Nội"))
    assert _row_ids(html) == []
    assert "Không có đơn vị nào khớp" in html  # "No unit matches …" in Vietnamese


def test_leaderboard_search_spans_every_peer_table(admin_client, framework):
    province, communes, snapshot = _province_with(3)
    department = snapshot.unit_scores.get(unit__level="department").unit
    url = f"/bang-xep-hang/{province.pk}/"
    assert len(_row_ids(_html(admin_client.get(url)))) == 3  # communes first
    html = _html(admin_client.get(url, {"q": department.name}))
    assert _row_ids(html) == [department.pk]
    tabs = _html(admin_client.get(url, {"peers": f"{province.pk}:department"}))
    assert _row_ids(tabs) == [department.pk]


def test_leaderboard_band_filter(admin_client, board):
    good = _row_ids(_html(_leaderboard(admin_client, board, band="tot")))
    assert len(good) == 7 and board.di_an.pk not in good
    assert len(_row_ids(_html(_leaderboard(admin_client, board, band="nonsense")))) == 9


def test_leaderboard_sorts(admin_client, board):
    by_id = {u.pk: name for name, u in board.districts.items()}
    names = [by_id[i] for i in _row_ids(_html(_leaderboard(admin_client, board, sort="name")))]
    assert names == sorted(names, key=vietnamese_sort_key)
    assert names[:2] == ["Bàu Bàng", "Bắc Tân Uyên"]
    moved = _row_ids(_html(_leaderboard(admin_client, board, sort="movement")))
    assert by_id[moved[0]] == "Dầu Tiếng" and by_id[moved[-1]] == "Dĩ An"
    ckmb = _row_ids(_html(_leaderboard(admin_client, board, sort="CKMB", dir="asc")))
    assert by_id[ckmb[-1]] == "Dĩ An"  # 18/18
    assert _row_ids(_html(_leaderboard(admin_client, board, sort="bogus")))[0] == board.di_an.pk
    reversed_total = _row_ids(_html(_leaderboard(admin_client, board, sort="total", dir="asc")))
    assert by_id[reversed_total[0]] == "Phú Giáo"


def test_leaderboard_marks_ties(admin_client, framework):
    province = ProvinceFactory()
    communes = [CommuneFactory(parent=province) for _ in range(4)]
    snapshot = make_snapshot(scope=province, as_of=NOV_20)
    load_totals(snapshot, dict(zip(communes, [90, "65.47", "65.47", 60], strict=True)))
    snapshot_publish(snapshot_id=snapshot.pk)
    html = _html(admin_client.get(f"/bang-xep-hang/{province.pk}/"))
    ranks = re.findall(r'<td class="col-rank">([^<]+)(<abbr class="tie")?', html)
    assert ranks == [
        ("1/4", ""),
        ("2/4 ", '<abbr class="tie"'),
        ("2/4 ", '<abbr class="tie"'),
        ("4/4", ""),
    ]


def test_leaderboard_snapshot_picker(admin_client, board):
    earlier, latest = board.snapshots
    html = _html(_leaderboard(admin_client, board))
    assert f'<option value="{earlier.pk}">13/05/2025' in html
    assert f'<option value="{latest.pk}" selected>20/05/2025' in html
    older = _html(_leaderboard(admin_client, board, snapshot=earlier.pk))
    assert "TP. Dĩ An 91,95/100" in older


def test_leaderboard_bad_input(admin_client, board):
    assert _leaderboard(admin_client, board, snapshot="abc").status_code == 400
    # Another scope's snapshot, a draft, a missing scope: not found.
    other = board.ward_snapshots[-1]
    assert _leaderboard(admin_client, board, snapshot=other.pk).status_code == 404
    draft = make_snapshot(scope=board.binh_duong, as_of=datetime.date(2025, 5, 27))
    assert _leaderboard(admin_client, board, snapshot=draft.pk).status_code == 404
    assert admin_client.get("/bang-xep-hang/999999/").status_code == 404
    assert _leaderboard(admin_client, board, page="x").status_code == 200


def test_leaderboard_of_a_scope_without_data(admin_client, board):
    html = _html(admin_client.get(f"/bang-xep-hang/{board.hcmc.pk}/"))
    assert "empty-state" in html


def test_leaderboard_home_redirects_to_the_home_scope(admin_client, board):
    response = admin_client.get("/bang-xep-hang/")
    assert response.status_code == 302
    assert response["Location"] == f"/bang-xep-hang/{board.binh_duong.pk}/"


def test_leaderboard_queries_do_not_grow_with_units(admin_client, framework):
    small, _, _ = _province_with(10)
    large, _, _ = _province_with(200)
    counts = [_count_queries(admin_client, f"/bang-xep-hang/{p.pk}/") for p in (small, large)]
    assert counts[0] == counts[1]
    searched = _count_queries(admin_client, f"/bang-xep-hang/{large.pk}/?q=x&sort=name")
    assert searched == counts[1]


def test_leaderboard_query_budget(admin_client, django_assert_max_num_queries, framework):
    province, _, _ = _province_with(200)
    # 14, the header bell's unread count, and the page's group scores (a table of their own)
    with django_assert_max_num_queries(16):
        admin_client.get(f"/bang-xep-hang/{province.pk}/")


def test_leaderboard_paginates_long_tables(admin_client, framework):
    province, _, _ = _province_with(230)
    first = _html(admin_client.get(f"/bang-xep-hang/{province.pk}/"))
    assert len(_row_ids(first)) == 200 and "?page=2" in first
    second = _html(admin_client.get(f"/bang-xep-hang/{province.pk}/", {"page": 2}))
    assert len(_row_ids(second)) == 30


@pytest.mark.parametrize("sort", ["total", "name", "movement", "CKMB"])
def test_a_long_board_builds_only_the_rows_it_shows(
    admin_client, framework, sort, monkeypatch, settings
):
    """Sorted and paged before rows are built: 230 communes, 30 rows built for page 2."""
    from indicators import selectors

    settings.SCOREBOARD_PUBLISHED_CACHE = False  # built, not read from the cache

    province, _, _ = _province_with(230)
    built = []
    real = selectors.LeaderboardRow
    monkeypatch.setattr(selectors, "LeaderboardRow", lambda **kw: built.append(1) or real(**kw))
    html = _html(admin_client.get(f"/bang-xep-hang/{province.pk}/", {"page": 2, "sort": sort}))
    assert len(_row_ids(html)) == 30
    assert len(built) <= 30 + 1  # the page's rows and the leader


# --- Unit -------------------------------------------------------------------------------------


def test_unit_page_of_di_an(admin_client, board):
    html = _html(admin_client.get(f"/don-vi/{board.di_an.pk}/"))
    assert "TP. Dĩ An 92/100" in html
    assert "1/9" in html
    # Official total and the sum of groups, both shown.
    assert "92,00" in html and "91,40" in html
    # Groups with points and points lost: TDGQ 19,2/20 loses 0,80; DVCTT 8,5/12 loses 3,50.
    breakdown = html.split('id="breakdown-title"')[1]
    for code in ["CKMB", "TDGQ", "DVCTT", "TTTT", "SHHS", "MDHL"]:
        assert f">{code}</abbr>" in breakdown
    assert "0,80" in breakdown and "3,50" in breakdown
    assert "8,00" in html  # 100 − 92 points lost
    # Its wards, led by Tân Bình, and the trend.
    assert "P. Tân Bình" in html and f"/don-vi/{board.wards['Tân Bình'].pk}/" in html
    trend = _figure(html, "trend-figure")
    assert trend["data"][0]["x"] == ["2025-05-13", "2025-05-20"]
    assert trend["data"][0]["y"] == [91.95, 92.0]
    assert trend["layout"]["separators"] == ",."
    groups = _figure(html, "groups-figure")
    assert groups["data"][0]["x"] == ["CKMB", "TDGQ", "DVCTT", "TTTT", "SHHS", "MDHL"]
    # Charts drawn from static files only.
    assert "vendor/plotly/plotly-basic.min.js" in html and "js/charts.js" in html


def test_unit_page_gaps_and_neighbours(admin_client, board):
    thuan_an = board.districts["Thuận An"]
    html = _html(admin_client.get(f"/don-vi/{thuan_an.pk}/"))
    gaps = html.split('id="gaps-title"')[1].split("</section>")[0]
    assert "0,13" in gaps  # to 90, Xuất sắc
    assert "2,13" in gaps and "TP. Dĩ An" in gaps  # behind the unit ranked above
    neighbours = html.split('id="neighbours-title"')[1].split("</section>")[0]
    # Rank 2 of 9: one unit above, two below, itself highlighted.
    assert neighbours.count("<tr") == 1 + 4
    assert 'class="highlight"' in neighbours
    leader = _html(admin_client.get(f"/don-vi/{board.di_an.pk}/"))
    assert "2,13" in leader.split('id="gaps-title"')[1].split("</section>")[0]


def test_unit_page_snapshot_and_peer_median(admin_client, board):
    earlier = board.snapshots[0]
    html = _html(admin_client.get(f"/don-vi/{board.di_an.pk}/", {"snapshot": earlier.pk}))
    assert "TP. Dĩ An 91,95/100" in html
    groups = _figure(html, "groups-figure")
    assert groups["data"][1]["y"][0] is not None  # the peer median of CKMB


def test_unit_page_indicator_breakdown(admin_client, framework):
    t = build_binh_duong(weeks=1, ward_indicators=True)
    html = _html(admin_client.get(f"/don-vi/{t.wards['Tân Bình'].pk}/"))
    breakdown = html.split('id="breakdown-title"')[1]
    row = breakdown.split('<span class="code">1.1</span>')[1].split("</tr>")[0]
    assert "311" in row and "339" in row
    assert "5,50" in row and "0,50" in row  # 6 × 311/339 = 5,50: 0,50 lost
    assert "9.115" in breakdown  # counts are grouped in Vietnamese
    english = _html(
        admin_client.get(f"/don-vi/{t.wards['Tân Bình'].pk}/", HTTP_ACCEPT_LANGUAGE="en")
    )
    assert "9,115" in english and "5.50" in english


def test_unit_page_lineage_links(admin_client, board):
    html = _html(admin_client.get(f"/don-vi/{board.wards['An Bình'].pk}/"))
    lineage = html.split('id="lineage-title"')[1]
    assert f"/don-vi/{board.new_di_an.pk}/" in lineage
    successor = _html(admin_client.get(f"/don-vi/{board.new_di_an.pk}/"))
    assert "empty-state" in successor  # no score after the reform in this data
    assert f"/don-vi/{board.wards['An Bình'].pk}/" in successor.split('id="lineage-title"')[1]


def test_unit_page_of_a_scope_lists_its_children(admin_client, board):
    html = _html(admin_client.get(f"/don-vi/{board.binh_duong.pk}/"))
    assert "empty-state" in html  # the province itself is not scored here
    assert "TP. Dĩ An" in html and "92,00" in html


def test_unit_page_bad_input(admin_client, board):
    assert admin_client.get("/don-vi/999999/").status_code == 404
    assert admin_client.get(f"/don-vi/{board.di_an.pk}/?snapshot=x").status_code == 400
    draft = make_snapshot(scope=board.binh_duong, as_of=datetime.date(2025, 5, 27))
    assert admin_client.get(f"/don-vi/{board.di_an.pk}/?snapshot={draft.pk}").status_code == 404


def test_unit_page_queries_do_not_grow_with_peers(admin_client, framework):
    _, small, _ = _province_with(10)
    _, large, _ = _province_with(200)
    counts = [_count_queries(admin_client, f"/don-vi/{units[3].pk}/") for units in (small, large)]
    assert counts[0] == counts[1]


def test_unit_page_query_budget(admin_client, board, django_assert_max_num_queries):
    with django_assert_max_num_queries(31):  # one more since the group scores are rows
        admin_client.get(f"/don-vi/{board.di_an.pk}/")


# --- Compare ----------------------------------------------------------------------------------


def test_compare_units(admin_client, board):
    a, b = board.di_an, board.districts["Thuận An"]
    html = _html(admin_client.get("/so-sanh/", {"units": f"{a.pk},{b.pk}"}))
    assert "TP. Dĩ An" in html and "TP. Thuận An" in html
    assert "92,00" in html and "89,87" in html
    figure = _figure(html, "compare-figure")
    assert [t["name"] for t in figure["data"]] == ["TP. Dĩ An", "TP. Thuận An"]
    assert figure["data"][0]["y"] == [91.95, 92.0]
    repeated = _html(admin_client.get(f"/so-sanh/?units={a.pk}&units={b.pk}"))
    assert _figure(repeated, "compare-figure") == figure


def test_compare_keeps_four_units(admin_client, board):
    ids = ",".join(str(u.pk) for u in list(board.districts.values())[:6])
    html = _html(admin_client.get("/so-sanh/", {"units": ids}))
    assert len(_figure(html, "compare-figure")["data"]) == 4
    assert "message-warning" in html


def test_compare_search_adds_units(admin_client, board):
    html = _html(admin_client.get("/so-sanh/", {"units": board.di_an.pk, "q": "thuan an"}))
    thuan_an = board.districts["Thuận An"]
    assert f'?units={board.di_an.pk},{thuan_an.pk}"' in html
    empty = _html(admin_client.get("/so-sanh/"))
    assert "empty-state" in empty and "plotly" not in empty


def test_compare_bad_input(admin_client, board):
    assert admin_client.get("/so-sanh/?units=1,x").status_code == 400
    assert admin_client.get("/so-sanh/?units=999999").status_code == 404


def test_compare_queries_do_not_grow_with_units(admin_client, board):
    units = list(board.districts.values())
    two = _count_queries(admin_client, f"/so-sanh/?units={units[0].pk},{units[1].pk}")
    four = _count_queries(admin_client, "/so-sanh/?units=" + ",".join(str(u.pk) for u in units[:4]))
    assert two == four


def test_home_queries_do_not_grow_with_units(admin_client, framework):
    small, _, _ = _province_with(10)
    with override_settings(SCOREBOARD_HOME_SCOPE=str(small.pk and small.name)):
        few = _count_queries(admin_client, "/")
    large, _, _ = _province_with(200)
    with override_settings(SCOREBOARD_HOME_SCOPE=large.name):
        many = _count_queries(admin_client, "/")
    assert few == many


# --- Pages in general -------------------------------------------------------------------------


def test_no_inline_scripts(admin_client, board):
    for url in [
        "/",
        f"/bang-xep-hang/{board.binh_duong.pk}/",
        f"/don-vi/{board.di_an.pk}/",
        f"/so-sanh/?units={board.di_an.pk}",
    ]:
        for tag in re.findall(r"<script[^>]*>", _html(admin_client.get(url))):
            assert 'src="/static/' in tag or 'type="application/json"' in tag, (url, tag)


def test_static_files_are_local(admin_client, board):
    html = _html(admin_client.get(f"/don-vi/{board.di_an.pk}/"))
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    for path in ["/static/js/charts.js", "/static/js/dashboard.js"]:
        assert admin_client.get(path).status_code == 200


# --- Read models ------------------------------------------------------------------------------


def test_leaderboard_narrows_by_peer_set_and_units_at_constant_queries(
    board, django_assert_num_queries
):
    from indicators.selectors import leaderboard

    latest = board.snapshots[-1]
    key = f"{board.binh_duong.pk}:district"
    with django_assert_num_queries(4):
        everything = leaderboard(snapshot=latest)
    with django_assert_num_queries(4):
        peers = leaderboard(snapshot=latest, peer_key=key)
    assert peers == [r for r in everything if r.peer_key == key]
    assert [r.rank for r in peers] == sorted(r.rank for r in peers)
    some = leaderboard(snapshot=latest, unit_ids=[board.di_an.pk])
    assert [r.unit_id for r in some] == [board.di_an.pk]
    assert some[0] == next(r for r in everything if r.unit_id == board.di_an.pk)
    assert some[0].unit_short_label == "TP. Dĩ An"


def test_national_snapshot(admin_client, framework):
    """3,400 communes in 34 provinces: the all-tables search stays at constant queries."""
    from indicators.services import GroupInput, snapshot_load_group_rows
    from tests.units.factories import CountryFactory
    from units.models import AdministrativeUnit, UnitKind

    country = CountryFactory()
    provinces = [ProvinceFactory(parent=country) for _ in range(34)]
    communes = []
    for i in range(3400):
        unit = AdministrativeUnit(
            name=f"Xã {i}", kind=UnitKind.COMMUNE, parent=provinces[i % 34], valid_from=None
        )
        unit.set_derived_fields()
        communes.append(unit)
    AdministrativeUnit.objects.bulk_create(communes)
    snapshot = make_snapshot(scope=country, as_of=NOV_20)
    rows = [
        GroupInput(unit_id=u.pk, groups=groups_for(Decimal(50) + Decimal(i % 500) / 10))
        for i, u in enumerate(provinces + communes)
    ]
    snapshot_load_group_rows(snapshot=snapshot, rows=rows)
    snapshot_publish(snapshot_id=snapshot.pk)

    url = f"/bang-xep-hang/{country.pk}/"
    provinces_only = _count_queries(admin_client, url)
    everything = _count_queries(admin_client, url + "?peers=all&sort=name&page=3")
    searched = _count_queries(admin_client, url + "?q=xa+12")
    assert provinces_only == everything == searched
    html = _html(admin_client.get(url + "?q=xa+12"))
    assert 0 < len(_row_ids(html)) <= 200
    assert _count_queries(admin_client, f"/don-vi/{communes[0].pk}/") <= 30


def test_compare_shows_the_six_blocks_once(admin_client, board):
    html = _html(admin_client.get("/so-sanh/", {"units": board.di_an.pk}))
    assert ">DVCTT</abbr>" in html and ">TTTT</abbr>" in html
    assert ">CCDVTT</abbr>" not in html  # their sum is not shown beside them


def test_compare_costs_constant_queries(board, django_assert_num_queries):
    from dashboard.pages import compare_page

    thuan_an = board.districts["Thuận An"]
    with django_assert_num_queries(3):  # scores, groups, the latest scores' group rows
        page = compare_page(units=[board.di_an, thuan_an])
    assert [c.unit for c in page.columns] == [board.di_an, thuan_an]
    assert page.group_rows and all(len(cells) == 2 for _group, cells in page.group_rows)


def test_the_pages_old_url_names_still_reverse_to_the_same_paths():
    from django.urls import reverse

    for name, kwargs in [
        ("leaderboard_home", {}),
        ("leaderboard", {"scope_id": 7}),
        ("unit_detail", {"pk": 7}),
        ("compare", {}),
    ]:
        assert reverse(f"indicators:{name}", kwargs=kwargs) == reverse(
            f"dashboard:{name}", kwargs=kwargs
        )


def _weekly_history(weeks: int):
    """A district's three communes scored weekly, `weeks` published snapshots."""
    province = ProvinceFactory()
    communes = [CommuneFactory(parent=province) for _ in range(3)]
    for week in range(weeks):
        snapshot = make_snapshot(
            scope=province, as_of=datetime.date(2026, 1, 5) + datetime.timedelta(weeks=week)
        )
        load_groups(
            snapshot,
            {
                c: (groups_for(Decimal(60 + i) + Decimal(week % 30) / 10), None)
                for i, c in enumerate(communes)
            },
        )
        snapshot_publish(snapshot_id=snapshot.pk)
    return communes[1]


def test_a_unit_page_stays_flat_as_its_history_grows(admin_client, framework, monkeypatch):
    """10 or 156 weeks: the same queries and the same documents decoded (history is narrow)."""
    decoded = []
    real_loads = json.loads

    def counting(*args, **kwargs):  # the app's own documents, not the libraries' files
        caller = traceback.extract_stack(limit=2)[0].filename
        if caller.startswith(str(settings.BASE_DIR)) and "site-packages" not in caller:
            decoded.append(caller)
        return real_loads(*args, **kwargs)

    monkeypatch.setattr(json, "loads", counting)
    costs = []
    for weeks in (10, 156):
        unit = _weekly_history(weeks)
        decoded.clear()
        with CaptureQueriesContext(connection) as queries:
            html = _html(admin_client.get(f"/don-vi/{unit.pk}/"))
        assert html.count("<tr><td>") >= weeks  # the whole history is in the table
        costs.append((len(queries), len(decoded)))
    assert costs[0] == costs[1]


def test_a_post_merger_province_sees_its_communes_from_the_national_snapshot(client, framework):
    """TP Hồ Chí Minh has no snapshot of its own: the national one holds its communes and
    departments, and its staff's home page shows them, not "no data published"."""
    from django.contrib.auth import get_user_model

    from accounts.models import Role
    from accounts.services import membership_grant
    from tests.units.factories import CountryFactory

    country = CountryFactory()
    hcmc, other = ProvinceFactory(name="Hồ Chí Minh", parent=country), ProvinceFactory()
    communes = [CommuneFactory(parent=hcmc) for _ in range(3)]
    strangers = [CommuneFactory(parent=other) for _ in range(2)]
    department = DepartmentFactory(parent=hcmc)
    snapshot = make_snapshot(scope=country, as_of=NOV_20)
    units = [hcmc, other, *communes, *strangers, department]
    load_groups(snapshot, {u: (groups_for(Decimal(70 + i)), None) for i, u in enumerate(units)})
    snapshot = snapshot_publish(snapshot_id=snapshot.pk)
    user = get_user_model().objects.create_user(username="canbo.hcm", password="x-766-long-pass")
    membership_grant(user=user, unit=hcmc, role=Role.PROVINCIAL_STAFF)
    client.force_login(user)

    html = _html(client.get("/"))
    assert "empty-state" not in html
    shown = set(_row_ids(html))
    assert shown == {u.pk for u in [*communes, department]}  # its own tables, nobody else's
    assert f"/bang-xep-hang/{country.pk}/?snapshot={snapshot.pk}&amp;peers={hcmc.pk}%3A" in html
    unit_page = _html(client.get(f"/don-vi/{hcmc.pk}/"))
    assert all(f"/don-vi/{c.pk}/" in unit_page for c in communes)  # children tables too


def test_a_board_row_stays_within_its_byte_budget(admin_client, framework):
    """Lean rendering: a board row is at most half of the ~1,430 bytes it took before (one
    tag builds it; no tooltip, meter or indentation per row), links and figures kept."""
    province, communes, snapshot = _province_with(200)
    html = _html(admin_client.get(f"/bang-xep-hang/{province.pk}/"))
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = body.count("<tr ")
    assert rows == 200
    assert len(body.encode()) / rows <= 715
    first = communes[-1]  # the highest total
    assert f'<a href="/don-vi/{first.pk}/?snapshot={snapshot.pk}">' in body
    assert '<td class="g" style="--p:' in body and 'class="col-rank">1/200<' in body


def test_a_long_board_downloads_as_a_stream_in_the_pages_order(admin_client, framework):
    """230 units (more than a page): the CSV is streamed, every row, in the sort asked."""
    province, communes, _ = _province_with(230)
    url = f"/bang-xep-hang/{province.pk}/tai-ve.csv"
    response = admin_client.get(url, {"sort": "name", "peers": "all"})
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    names = [line.split(";")[4] for line in text.splitlines()[1:]]
    expected = sorted([*communes], key=lambda c: vietnamese_sort_key(c.name))
    assert len(names) == 231  # the communes and the department's own table
    assert [n for n in names if n in {c.full_name for c in communes}] == [
        c.full_name for c in expected
    ]
