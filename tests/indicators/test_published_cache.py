"""Published data cached: never stale after a correction, an edit of the framework or the
registry, and filtered by access after the cache (the matrix runs with it: tests/accounts)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import Band, IndicatorGroup
from indicators.services import snapshot_publish
from tests.indicators.dashboard_data import groups_for
from tests.indicators.factories import load_groups, make_snapshot
from tests.units.factories import CommuneFactory, ProvinceFactory

WEEK_1, WEEK_2 = datetime.date(2025, 11, 13), datetime.date(2025, 11, 20)


def _publish(province, as_of, totals):
    snapshot = make_snapshot(scope=province, as_of=as_of)
    load_groups(snapshot, {u: (groups_for(Decimal(t)), None) for u, t in totals.items()})
    return snapshot_publish(snapshot_id=snapshot.pk)


@pytest.fixture
def weeks(framework, settings):
    settings.SCOREBOARD_PUBLISHED_CACHE = True
    province = ProvinceFactory(name="Thử Nghiệm")
    communes = [CommuneFactory(parent=province, name=f"Xã Thử {i}") for i in range(3)]
    _publish(province, WEEK_1, {communes[0]: "70.00", communes[1]: "60.00", communes[2]: "50.00"})
    _publish(province, WEEK_2, {communes[0]: "71.00", communes[1]: "61.00", communes[2]: "51.00"})
    return province, communes


def _moved(html: str, amount: str) -> bool:
    """Whether a movement of amount points (▲/▼ then the number) is on the page."""
    return re.search(rf'visually-hidden">[^<]*</span> {re.escape(amount)}</span>', html) is not None


def _everything(client, province, unit):
    """What a reader sees of the latest week: board, home-like unit page, CSV, API."""
    board = client.get(f"/bang-xep-hang/{province.pk}/").content.decode()
    unit_page = client.get(f"/don-vi/{unit.pk}/").content.decode()
    download = client.get(f"/bang-xep-hang/{province.pk}/tai-ve.csv")
    csv = b"".join(download.streaming_content).decode("utf-8-sig")
    api = client.get("/api/v1/leaderboard/", {"scope": province.pk}).json()
    return board, unit_page, csv, api


def test_a_warm_board_costs_fewer_queries_and_shows_the_same(admin_client, weeks):
    province, _ = weeks
    url = f"/bang-xep-hang/{province.pk}/?sort=name"
    with CaptureQueriesContext(connection) as cold:
        first = admin_client.get(url).content.decode()
    with CaptureQueriesContext(connection) as warm:
        second = admin_client.get(url).content.decode()
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub("", second) == token.sub("", first)
    assert len(warm) <= len(cold) - 4  # peer sets, the board's order and its rows


def test_a_correction_shows_at_once_everywhere(admin_client, weeks):
    """Week 1 corrected: week 2's movement is refreshed, and every reader sees it."""
    province, communes = weeks
    board, unit_page, csv, api = _everything(admin_client, province, communes[2])
    assert _moved(board, "1,00") and not _moved(board, "6,00")
    # A corrected week 1 (Xã Thử 2: 50 → 45): its week-2 movement becomes +6.
    _publish(province, WEEK_1, {communes[0]: "70.00", communes[1]: "60.00", communes[2]: "45.00"})
    board, unit_page, csv, api = _everything(admin_client, province, communes[2])
    assert _moved(board, "6,00")
    assert _moved(unit_page, "6,00")
    assert "6,00" in csv
    row = next(r for r in api["results"] if r["unit"]["id"] == communes[2].pk)
    assert Decimal(row["movement"]["delta_total"]) == Decimal(6)
    # And a correction of the latest week itself: its new figures, not the cached ones.
    _publish(province, WEEK_2, {communes[0]: "71.00", communes[1]: "61.00", communes[2]: "88.00"})
    board, unit_page, csv, api = _everything(admin_client, province, communes[2])
    assert "88,00" in board and "88,00" in unit_page and "88,00" in csv
    assert Decimal(api["results"][0]["total"]) == Decimal("88.00")
    assert board.index("Xã Thử 2") < board.index("Xã Thử 0")  # re-ranked first


def test_a_renamed_unit_or_an_edited_framework_shows_at_once(admin_client, weeks):
    province, communes = weeks
    url = f"/bang-xep-hang/{province.pk}/"
    assert "Xã Thử 1" in admin_client.get(url).content.decode()
    unit = communes[1]
    unit.name = "Xã Đổi Tên"
    unit.full_name = ""
    unit.set_derived_fields()
    unit.save()
    html = admin_client.get(url).content.decode()
    assert "Đổi Tên" in html and "Xã Thử 1<" not in html
    group = IndicatorGroup.objects.get(code="CKMB")
    group.name = "Công khai (đã sửa)"
    group.save()
    unit_page = admin_client.get(f"/don-vi/{communes[0].pk}/").content.decode()
    assert "Công khai (đã sửa)" in unit_page
    assert Band.objects.exists()


def test_drafts_are_never_cached(admin_client, weeks):
    from indicators import published_cache

    province, communes = weeks
    draft = make_snapshot(scope=province, as_of=WEEK_2)
    load_groups(draft, {communes[0]: (groups_for(Decimal("10.00")), None)})
    assert published_cache._prefix(draft) is None


def test_a_warmed_snapshot_serves_its_first_readers_as_a_second_visit(admin_client, weeks):
    """Warming after a publish builds what a unit page reads: the first visit of a unit then
    costs what a second visit costs, not what a cold one does."""
    from django.core.cache import cache

    from indicators import published_cache
    from indicators.models import Snapshot

    province, communes = weeks
    latest = Snapshot.objects.filter(scope=province, as_of=WEEK_2).get()

    def visit(unit) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(f"/don-vi/{unit.pk}/").status_code == 200
        return len(queries)

    cache.clear()
    cold, again = visit(communes[0]), visit(communes[0])
    assert again < cold
    cache.clear()
    assert published_cache.warm(snapshot_id=latest.pk) == len(communes)
    assert visit(communes[1]) == again
    # A draft is never warmed (nor cached).
    draft = make_snapshot(scope=province, as_of=WEEK_2 + datetime.timedelta(7))
    assert published_cache.warm(snapshot_id=draft.pk) == 0
