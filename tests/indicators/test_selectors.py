"""Reads: leaderboard rows, latest published snapshot, history, breakdown, peer sets."""

import datetime
from decimal import Decimal

from django.utils import translation

from indicators.selectors import (
    leaderboard,
    leaderboard_count,
    peer_sets,
    snapshot_latest_published,
    snapshot_list,
    unit_breakdown,
    unit_history,
)
from indicators.services import snapshot_publish, snapshot_recompute
from tests.indicators.dashboard_data import build_binh_duong
from tests.indicators.factories import (
    full_marks,
    load_groups,
    load_indicators,
    load_totals,
    make_snapshot,
)
from tests.units.factories import (
    CommuneFactory,
    DepartmentFactory,
    ProvinceFactory,
    UnitCodeFactory,
)

D = Decimal
MAY_13, MAY_20 = datetime.date(2025, 5, 13), datetime.date(2025, 5, 20)
DI_AN_GROUPS = {"CKMB": 18, "TDGQ": 19.2, "DVCTT": 8.5, "TTTT": 8.5, "SHHS": 19.2, "MDHL": 18}


def _publish(snapshot):
    return snapshot_publish(snapshot_id=snapshot.pk)


def test_leaderboard_row_carries_everything_a_table_shows(districts):
    di_an, thu_dau_mot = districts[0], districts[1]
    UnitCodeFactory(unit=di_an, scheme="gso", code="724")
    UnitCodeFactory(unit=di_an, scheme="portal", code="H12.4")
    earlier = make_snapshot(scope=di_an.parent, as_of=MAY_13)
    load_totals(earlier, {di_an: "91.95", thu_dau_mot: 93})
    _publish(earlier)
    snapshot = make_snapshot(scope=di_an.parent, as_of=MAY_20)
    load_groups(snapshot, {di_an: (DI_AN_GROUPS, 92), thu_dau_mot: ({}, "90.5")})
    _publish(snapshot)

    first, second = leaderboard(snapshot=snapshot)
    assert (first.unit_name, first.unit_short_label, first.unit_code) == (
        "Dĩ An",
        "H. Dĩ An",
        "724",
    )
    assert first.codes == {"gso": "724", "portal": "H12.4"}
    assert (first.rank, first.peer_count, first.peer_key) == (1, 2, f"{di_an.parent_id}:district")
    assert (first.total, first.official_total, first.ranking_total) == (D("91.4"), D("92"), D("92"))
    assert first.totals_disagree
    assert (first.band_code, first.band_is_confirmed) == ("xuat_sac", True)
    with translation.override("en"):
        assert leaderboard(snapshot=snapshot)[0].band_label == "Excellent"
    assert (first.delta_total, first.delta_rank) == (D("0.05"), 1)
    tdgq = first.groups["TDGQ"]
    assert (tdgq.points, tdgq.max_points, tdgq.rank, tdgq.peer_count) == (D("19.2"), 20, 1, 1)
    assert first.groups["CCDVTT"].points == D("17")
    assert list(first.groups) == ["CKMB", "TDGQ", "DVCTT", "TTTT", "CCDVTT", "SHHS", "MDHL"]
    assert (second.unit_name, second.rank, second.groups["CKMB"].points) == ("Thủ Dầu Một", 2, None)


def test_leaderboard_filters_by_peer_set_and_level(binh_duong):
    communes = [CommuneFactory(parent=binh_duong) for _ in range(3)]
    departments = [DepartmentFactory(parent=binh_duong) for _ in range(2)]
    snapshot = make_snapshot(scope=binh_duong, as_of=datetime.date(2025, 11, 20))
    load_totals(snapshot, {u: 80 + i for i, u in enumerate(communes + departments)})
    _publish(snapshot)

    assert len(leaderboard(snapshot=snapshot)) == 5
    board = leaderboard(snapshot=snapshot, level="department")
    assert [(r.unit_id, r.rank, r.peer_count) for r in board] == [
        (departments[1].pk, 1, 2),
        (departments[0].pk, 2, 2),
    ]
    key = f"{binh_duong.pk}:commune"
    assert [r.rank for r in leaderboard(snapshot=snapshot, peer_key=key)] == [1, 2, 3]


def test_peer_sets_are_labelled_and_counted(binh_duong):
    communes = [CommuneFactory(parent=binh_duong) for _ in range(3)]
    department = DepartmentFactory(parent=binh_duong)
    snapshot = make_snapshot(scope=binh_duong, as_of=datetime.date(2025, 11, 20))
    load_totals(snapshot, {communes[0]: 80, communes[1]: 70, communes[2]: None, department: 90})
    snapshot_recompute(snapshot_id=snapshot.pk)

    sets = peer_sets(snapshot=snapshot)
    assert [(p.level, p.unit_count, p.ranked_count) for p in sets] == [
        ("commune", 3, 2),
        ("department", 1, 1),
    ]
    assert "Bình Dương" in sets[0].label


def test_latest_published_snapshot(binh_duong, districts):
    old = make_snapshot(scope=binh_duong, as_of=MAY_13)
    load_totals(old, {districts[0]: 80})
    _publish(old)
    month = make_snapshot(scope=binh_duong, as_of=MAY_20, period="month")
    load_totals(month, {districts[0]: 80})
    _publish(month)
    ytd = make_snapshot(scope=binh_duong, as_of=MAY_20)
    load_totals(ytd, {districts[0]: 80})
    _publish(ytd)
    make_snapshot(scope=binh_duong, as_of=datetime.date(2025, 5, 27))  # a draft: invisible

    assert snapshot_latest_published(scope=binh_duong) == ytd
    assert snapshot_latest_published(scope=binh_duong, period="month") == month
    assert snapshot_latest_published(scope=binh_duong, as_of=datetime.date(2025, 5, 19)) == old
    assert snapshot_latest_published(scope=binh_duong, as_of=datetime.date(2025, 5, 1)) is None
    assert snapshot_latest_published(scope=ProvinceFactory()) is None


def test_snapshot_list_shows_revisions(binh_duong, districts):
    first = make_snapshot(scope=binh_duong)
    load_totals(first, {districts[0]: 80})
    _publish(first)
    second = make_snapshot(scope=binh_duong)
    load_totals(second, {districts[0]: 81})
    draft = make_snapshot(scope=binh_duong)

    listed = list(snapshot_list(scope=binh_duong))
    assert [(s.pk, s.status, s.unit_count) for s in listed] == [(first.pk, "published", 1)]
    _publish(second)
    with_drafts = [s.pk for s in snapshot_list(scope=binh_duong, include_drafts=True)]
    assert with_drafts == [draft.pk, second.pk, first.pk]


def test_unit_history_follows_published_snapshots(binh_duong, districts):
    unit = districts[0]
    for as_of, total in [(MAY_13, "91.95"), (MAY_20, 92)]:
        snapshot = make_snapshot(scope=binh_duong, as_of=as_of)
        load_groups(snapshot, {unit: ({"TDGQ": 19}, total)})
        _publish(snapshot)
    draft = make_snapshot(scope=binh_duong, as_of=datetime.date(2025, 5, 27))
    load_totals(draft, {unit: 99})

    history = unit_history(unit=unit)
    assert [(h.as_of, h.ranking_total, h.rank) for h in history] == [
        (MAY_13, D("91.95"), 1),
        (MAY_20, D("92"), 1),
    ]
    assert history[0].groups["TDGQ"] == D("19")
    assert history[0].is_provisional
    assert unit_history(unit=unit, period="month") == []


def test_unit_breakdown_shows_points_lost_per_indicator(districts):
    unit = districts[0]
    snapshot = make_snapshot(scope=unit.parent)
    values = full_marks(unit)
    values[(unit, "2.1")] = (4605, 5105)
    values[(unit, "1.1")] = (None, 3)
    load_indicators(snapshot, values)
    snapshot_recompute(snapshot_id=snapshot.pk)

    breakdown = unit_breakdown(snapshot=snapshot, unit=unit)
    groups = {g.code: g for g in breakdown.groups}
    tdgq = groups["TDGQ"]
    line = tdgq.indicators[0]
    assert (line.code, line.numerator, line.denominator) == ("2.1", 4605, 5105)
    assert (line.points, line.points_lost, line.status) == (D("18.04"), D("1.96"), "ok")
    assert (tdgq.points, tdgq.points_lost) == (D("18.04"), D("1.96"))
    no_data = groups["CKMB"].indicators[0]
    assert (no_data.status, no_data.points, no_data.points_lost) == ("no_data", None, None)
    assert groups["CKMB"].points is None
    assert not groups["DVCTT"].indicators[0].is_confirmed
    assert groups["CCDVTT"].indicators == []
    assert breakdown.score.total is None


def test_selectors_cost_constant_queries(districts, django_assert_num_queries):
    snapshot = make_snapshot(scope=districts[0].parent)
    load_indicators(snapshot, {k: v for u in districts for k, v in full_marks(u).items()})
    _publish(snapshot)
    with django_assert_num_queries(2):
        peer_sets(snapshot=snapshot)
    with django_assert_num_queries(3):
        unit_history(unit=districts[0])
    with django_assert_num_queries(5):
        unit_breakdown(snapshot=snapshot, unit=districts[0])


def test_a_window_of_the_leaderboard_is_that_slice_of_it(framework, django_assert_max_num_queries):
    """The API builds one page of a national board: the same rows, in the same order, as
    slicing the whole board, whatever narrows it; the count agrees too."""
    board = build_binh_duong(weeks=2)
    for snapshot in (board.snapshots[-1], board.ward_snapshots[-1]):
        whole = leaderboard(snapshot=snapshot)
        bands = {row.band_code for row in whole}
        narrowings = [
            {},
            {"peer_keys": {whole[0].peer_key}},
            {"peer_keys": set()},
            *({"band": band} for band in bands if band),
            {"band": "no-such-band"},
            {"level": whole[0].unit_level},
        ]
        for narrowing in narrowings:
            rows = leaderboard(snapshot=snapshot, **narrowing)
            assert leaderboard_count(snapshot=snapshot, **narrowing) == len(rows)
            for window in (slice(0, 3), slice(2, 5), slice(4, 100), slice(50, 60)):
                with django_assert_max_num_queries(4):
                    page = leaderboard(snapshot=snapshot, window=window, **narrowing)
                assert page == rows[window], (narrowing, window)
        assert [r.unit_id for r in leaderboard(snapshot=snapshot, band=whole[0].band_code)] == [
            r.unit_id for r in whole if r.band_code == whole[0].band_code
        ]


def _reference_order(rows, sort, descending, group_code=None):
    """The order the pages sorted in Python before the SQL sort: stable, unknowns last."""
    from units.text import vietnamese_sort_key

    def value(row):
        if sort == "name":
            return vietnamese_sort_key(row.unit_name)
        if sort == "movement":
            return row.delta_total
        if sort == "total":
            return row.ranking_total
        return row.groups[group_code].ranking_points

    known = [r for r in rows if value(r) is not None]
    known.sort(key=value, reverse=descending)
    return [r.unit_id for r in known] + [r.unit_id for r in rows if value(r) is None]


def test_board_entries_sort_as_the_built_rows_would(framework, django_assert_num_queries):
    """Every sort the board offers, in SQL (or on the group documents), in both directions,
    gives the order of sorting the built rows; filters and peer order apply as in `leaderboard`."""
    from indicators.selectors import leaderboard_entries

    board = build_binh_duong(weeks=2)
    for snapshot in (board.snapshots[-1], board.ward_snapshots[-1]):
        rows = leaderboard(snapshot=snapshot)
        group_ids = {g.code: g.pk for g in framework.groups.all()}
        for sort in ("total", "name", "movement", "CKMB", "SHHS", "CCDVTT"):
            for descending in (True, False):
                with django_assert_num_queries(1):
                    entries = leaderboard_entries(
                        snapshot=snapshot,
                        sort=sort,
                        descending=descending,
                        group_id=group_ids.get(sort),
                    )
                expected = _reference_order(rows, sort, descending, sort)
                assert [e.unit_id for e in entries] == expected, (sort, descending)
        key = rows[0].peer_key
        assert [e.unit_id for e in leaderboard_entries(snapshot=snapshot, peer_keys={key})] == [
            r.unit_id for r in rows if r.peer_key == key
        ]
        assert leaderboard_entries(snapshot=snapshot, peer_keys=set()) == []
