"""Snapshots through their services: seed figures, no data, revisions, publishing, movement."""

import datetime
from decimal import Decimal

import pytest

from indicators import services
from indicators.models import GroupScore, Snapshot, UnitScore
from indicators.selectors import (
    group_scores,
    indicator_values,
    leaderboard,
    snapshot_latest_published,
    snapshot_previous_published,
)
from indicators.services import (
    GroupInput,
    IndicatorInput,
    SnapshotStateError,
    snapshot_create_draft,
    snapshot_discard,
    snapshot_load_group_rows,
    snapshot_load_indicator_rows,
    snapshot_publish,
    snapshot_recompute,
)
from tests.indicators.factories import (
    full_marks,
    load_groups,
    load_indicators,
    load_totals,
    make_snapshot,
)
from tests.units.factories import DistrictFactory, OldCommuneFactory, ProvinceFactory

D = Decimal
DI_AN_GROUPS = {"CKMB": 18, "TDGQ": 19.2, "DVCTT": 8.5, "TTTT": 8.5, "SHHS": 19.2, "MDHL": 18}


def _score(snapshot, unit) -> UnitScore:
    return UnitScore.objects.select_related("band").get(snapshot=snapshot, unit=unit)


def _value(snapshot, code, unit):
    (value,) = [
        v
        for v in indicator_values(snapshot=snapshot, unit_ids=[unit.pk])
        if v.indicator.code == code
    ]
    return value


def _groups(snapshot, unit) -> dict[str, GroupScore]:
    return {g.group.code: g for g in group_scores(snapshot=snapshot, unit_ids=[unit.pk])}


# --- Drafts -----------------------------------------------------------------------------------


def test_draft_takes_the_framework_in_force_and_the_next_revision(framework, binh_duong):
    first = make_snapshot(scope=binh_duong, source_label="tuần 21/2025")
    second = make_snapshot(scope=binh_duong)
    assert (first.framework, first.revision, first.status) == (framework, 1, "draft")
    assert second.revision == 2
    assert first.period_number == 0


def test_period_number_defaults_to_the_period_containing_as_of(framework, binh_duong):
    month = make_snapshot(scope=binh_duong, period="month")
    quarter = make_snapshot(scope=binh_duong, period="quarter")
    half = make_snapshot(scope=binh_duong, period="half", as_of=datetime.date(2025, 7, 3))
    assert (month.period_number, quarter.period_number, half.period_number) == (5, 2, 2)


def test_no_framework_before_august_2022(framework, binh_duong):
    with pytest.raises(ValueError, match="no framework"):
        make_snapshot(scope=binh_duong, as_of=datetime.date(2022, 7, 1))


# --- Seed figures -----------------------------------------------------------------------------


def test_di_an_recomputed_91_4_against_official_92_is_flagged_and_banded_from_92(districts):
    di_an = districts[0]
    snapshot = make_snapshot(scope=di_an.parent)
    load_groups(snapshot, {di_an: (DI_AN_GROUPS, 92)})
    snapshot_recompute(snapshot_id=snapshot.pk)

    score = _score(snapshot, di_an)
    assert score.total == D("91.40")
    assert score.official_total == D("92.00")
    assert score.ranking_total == D("92.00")
    assert score.totals_disagree is True
    assert score.band.code == "xuat_sac"
    assert (score.rank, score.peer_count) == (1, 1)
    assert _groups(snapshot, di_an)["CCDVTT"].points == D("17.00")


def test_di_an_from_a_five_group_export(districts):
    di_an = districts[0]
    snapshot = make_snapshot(scope=di_an.parent)
    five = {"CKMB": 18, "MDHL": 18, "SHHS": 19.2, "TDGQ": 19.2, "CCDVTT": 17}
    load_groups(snapshot, {di_an: (five, 92)})
    snapshot_recompute(snapshot_id=snapshot.pk)

    score = _score(snapshot, di_an)
    assert (score.total, score.totals_disagree, score.band.code) == (D("91.40"), True, "xuat_sac")
    groups = _groups(snapshot, di_an)
    assert groups["CCDVTT"].points == D("17.00")
    assert "DVCTT" not in groups  # the parts are unknown, not zero


def test_binh_hung_dossiers_give_tdgq_20_of_20(framework):
    phan_thiet = DistrictFactory(name="Phan Thiết", kind="thanh_pho_thuoc_tinh")
    binh_hung = OldCommuneFactory(parent=phan_thiet, name="Bình Hưng", kind="phuong")
    snapshot = make_snapshot(scope=phan_thiet.parent, as_of=datetime.date(2024, 10, 31))
    received, on_time = 5105, 4605 + 330 + 170
    load_indicators(snapshot, {(binh_hung, "2.1"): (on_time, received)})
    snapshot_recompute(snapshot_id=snapshot.pk)

    groups = _groups(snapshot, binh_hung)
    assert groups["TDGQ"].points == D("20.00")
    value = _value(snapshot, "2.1", binh_hung)
    assert (value.numerator, value.denominator, value.points) == (5105, 5105, D("20.00"))
    # Nothing else was given: the other groups and the total are unknown, not zero.
    assert groups["CKMB"].points is None
    score = _score(snapshot, binh_hung)
    assert (score.total, score.rank, score.band) == (None, None, None)
    assert score.has_indicator_values


def test_ties_at_65_47_share_fifth_place_and_the_next_is_seventh(binh_duong):
    units = [DistrictFactory(parent=binh_duong) for _ in range(8)]
    totals = ["80", "75.1", "70", "66", "65.47", "65.47", "60", None]  # the last: no data
    snapshot = make_snapshot(scope=binh_duong)
    load_totals(snapshot, dict(zip(units, totals, strict=True)))
    snapshot_recompute(snapshot_id=snapshot.pk)

    ranks = [_score(snapshot, u).rank for u in units]
    assert ranks == [1, 2, 3, 4, 5, 5, 7, None]
    assert {_score(snapshot, u).peer_count for u in units[:7]} == {7}


# --- Indicator values -------------------------------------------------------------------------


def test_missing_counts_are_no_data_and_zero_counts_are_zero(districts):
    unit = districts[0]
    snapshot = make_snapshot(scope=unit.parent)
    values = full_marks(unit)
    values[(unit, "1.1")] = (None, 10)  # missing numerator
    values[(unit, "2.1")] = (0, 100)  # a real zero
    del values[(unit, "5.4")]  # not given at all
    load_indicators(snapshot, values)
    snapshot_recompute(snapshot_id=snapshot.pk)

    by_code = {v.indicator.code: v for v in indicator_values(snapshot=snapshot)}
    assert len(by_code) == 21
    assert (by_code["1.1"].status, by_code["1.1"].points) == ("no_data", None)
    assert (by_code["5.4"].status, by_code["5.4"].points) == ("no_data", None)
    assert (by_code["2.1"].status, by_code["2.1"].points) == ("ok", D("0.00"))
    groups = _groups(snapshot, unit)
    assert groups["CKMB"].points is None
    assert groups["MDHL"].points is None
    assert groups["TDGQ"].points == D("0.00")
    assert groups["SHHS"].points == D("22.00")
    assert _score(snapshot, unit).total is None


def test_zero_denominators_follow_each_indicators_policy(framework, districts):
    unit = districts[0]
    framework.indicators.filter(code="1.1").update(zero_denominator_policy="zero")
    framework.indicators.filter(code="1.2").update(zero_denominator_policy="not_applicable")
    snapshot = make_snapshot(scope=unit.parent)
    values = full_marks(unit)
    values.update({(unit, code): (0, 0) for code in ("1.1", "1.2", "5.2")})
    load_indicators(snapshot, values)
    snapshot_recompute(snapshot_id=snapshot.pk)

    statuses = {
        v.indicator.code: v.status
        for v in indicator_values(snapshot=snapshot)
        if v.indicator.code in ("1.1", "1.2", "5.2")
    }
    assert statuses == {
        "1.1": "zero_denominator_zero",
        "1.2": "not_applicable",
        "5.2": "zero_denominator_full",
    }
    groups = _groups(snapshot, unit)
    assert groups["CKMB"].points == D("8.00")  # 0 + (not applicable) + 2 + 6
    assert groups["MDHL"].points == D("18.00")
    assert _score(snapshot, unit).total == D("90.00")


def test_indicators_outside_a_units_level_are_not_applicable(framework, districts):
    unit = districts[0]
    framework.indicators.filter(code="4.6").update(levels=["commune"])
    snapshot = make_snapshot(scope=unit.parent)
    values = full_marks(unit)
    del values[(unit, "4.6")]
    load_indicators(snapshot, values)
    snapshot_recompute(snapshot_id=snapshot.pk)

    value = _value(snapshot, "4.6", unit)
    assert (value.status, value.points) == ("not_applicable", None)
    assert _groups(snapshot, unit)["SHHS"].points == D("20.00")


def test_indicator_values_override_group_figures_which_stay_as_official(districts):
    unit = districts[0]
    snapshot = make_snapshot(scope=unit.parent)
    load_groups(snapshot, {unit: (DI_AN_GROUPS, 92)})
    load_indicators(snapshot, full_marks(unit))
    snapshot_recompute(snapshot_id=snapshot.pk)

    tdgq = _groups(snapshot, unit)["TDGQ"]
    assert (tdgq.points, tdgq.official_points) == (D("20.00"), D("19.20"))
    score = _score(snapshot, unit)
    assert (score.total, score.official_total, score.totals_disagree) == (D("100"), D("92"), True)


def test_recompute_is_repeatable(districts):
    snapshot = make_snapshot(scope=districts[0].parent)
    load_groups(snapshot, {u: (DI_AN_GROUPS, None) for u in districts[:3]})
    load_indicators(snapshot, full_marks(districts[3]))
    snapshot_recompute(snapshot_id=snapshot.pk)
    first = sorted(
        UnitScore.objects.filter(snapshot=snapshot).values_list("unit_id", "total", "rank")
    )
    snapshot_recompute(snapshot_id=snapshot.pk)
    again = sorted(
        UnitScore.objects.filter(snapshot=snapshot).values_list("unit_id", "total", "rank")
    )
    assert first == again
    assert len(indicator_values(snapshot=snapshot)) == 21
    assert [r[2] for r in sorted(again, key=lambda r: r[2])] == [1, 2, 2, 2]


def test_loading_again_replaces_the_previous_load(districts):
    snapshot = make_snapshot(scope=districts[0].parent)
    load_totals(snapshot, {districts[0]: 80, districts[1]: 70})
    load_totals(snapshot, {districts[1]: 75})
    snapshot_recompute(snapshot_id=snapshot.pk)
    assert list(
        UnitScore.objects.filter(snapshot=snapshot).values_list("unit_id", "official_total")
    ) == [(districts[1].pk, D("75"))]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([GroupInput(0, {"XYZ": D("1")})], "unknown group code"),
        ([GroupInput(0, {"CKMB": D("18.5")})], "outside 0–18"),
        ([GroupInput(0, {"CKMB": D("-1")})], "outside"),
        ([GroupInput(0, {}, D("100.01"))], "outside 0–100"),
        ([GroupInput(0, {"CLGQ": D("8"), "DVCTT": D("8")})], "given twice"),
        ([GroupInput(0, {}), GroupInput(0, {})], "appears twice"),
    ],
)
def test_bad_group_rows_are_rejected_before_writing(districts, rows, message):
    snapshot = make_snapshot(scope=districts[0].parent)
    rows = [GroupInput(districts[0].pk, r.groups, r.official_total) for r in rows]
    with pytest.raises(ValueError, match=message):
        snapshot_load_group_rows(snapshot=snapshot, rows=rows)
    assert not UnitScore.objects.filter(snapshot=snapshot).exists()


def test_api_group_codes_are_accepted(districts):
    snapshot = make_snapshot(scope=districts[0].parent)
    load_groups(snapshot, {districts[0]: ({"clgq": 8, "MDSH": 20}, None)})
    codes = {g.group.code for g in group_scores(snapshot=snapshot)}
    assert codes == {"DVCTT", "SHHS"}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (IndicatorInput(0, "9.9", 1, 1), "unknown indicator"),
        (IndicatorInput(0, "1.1", -1, 1), "negative"),
        (IndicatorInput(0, "1.1", 1, 1, portal_points=D("7")), "outside 0–6"),
    ],
)
def test_bad_indicator_rows_are_rejected(districts, row, message):
    snapshot = make_snapshot(scope=districts[0].parent)
    row = IndicatorInput(
        districts[0].pk, row.indicator_code, row.numerator, row.denominator, row.portal_points
    )
    with pytest.raises(ValueError, match=message):
        snapshot_load_indicator_rows(snapshot=snapshot, rows=[row])


def test_unknown_units_are_rejected(districts):
    snapshot = make_snapshot(scope=districts[0].parent)
    with pytest.raises(ValueError, match="unknown units"):
        snapshot_load_indicator_rows(snapshot=snapshot, rows=[IndicatorInput(10**9, "1.1", 1, 1)])


# --- Publishing -------------------------------------------------------------------------------


def _published(scope, totals, **kwargs):
    snapshot = make_snapshot(scope=scope, **kwargs)
    load_totals(snapshot, totals)
    return snapshot_publish(snapshot_id=snapshot.pk)


def test_publish_recomputes_a_stale_draft_and_stamps_it(districts):
    snapshot = make_snapshot(scope=districts[0].parent)
    load_totals(snapshot, {districts[0]: 92})
    published = snapshot_publish(snapshot_id=snapshot.pk)
    assert (published.status, published.is_stale) == ("published", False)
    assert published.published_at is not None
    assert _score(snapshot, districts[0]).rank == 1
    # What it returns is what is stored.
    stored = Snapshot.objects.get(pk=snapshot.pk)
    fields = ("status", "is_stale", "recomputed_at", "published_at", "previous_snapshot_id")
    assert [getattr(published, f) for f in fields] == [getattr(stored, f) for f in fields]


def test_publishing_twice_is_a_no_op(districts):
    snapshot = _published(districts[0].parent, {districts[0]: 92})
    again = snapshot_publish(snapshot_id=snapshot.pk)
    assert again.published_at == snapshot.published_at


def test_a_correction_supersedes_and_the_old_revision_stays_readable(districts):
    scope, unit = districts[0].parent, districts[0]
    old = _published(scope, {unit: 91})
    new = _published(scope, {unit: 92})

    old.refresh_from_db()
    assert (old.status, new.status, new.revision) == ("superseded", "published", 2)
    assert snapshot_latest_published(scope=scope) == new
    assert leaderboard(snapshot=old)[0].ranking_total == D("91")
    assert leaderboard(snapshot=new)[0].ranking_total == D("92")


def test_a_failed_publish_leaves_the_old_ranking_published(districts, monkeypatch):
    scope, unit = districts[0].parent, districts[0]
    old = _published(scope, {unit: 91})
    draft = make_snapshot(scope=scope)
    load_totals(draft, {unit: 92})

    def fail(snapshot):
        raise RuntimeError("injected after the status updates")

    monkeypatch.setattr(services, "_refresh_movement", fail)
    with pytest.raises(RuntimeError, match="injected"):
        snapshot_publish(snapshot_id=draft.pk)

    assert Snapshot.objects.get(pk=old.pk).status == "published"
    assert Snapshot.objects.get(pk=draft.pk).status == "draft"
    assert snapshot_latest_published(scope=scope) == old


def test_only_drafts_load_publish_and_discard(districts):
    scope, unit = districts[0].parent, districts[0]
    published = _published(scope, {unit: 91})
    with pytest.raises(SnapshotStateError):
        load_totals(published, {unit: 92})
    with pytest.raises(SnapshotStateError):
        snapshot_discard(snapshot_id=published.pk)
    superseded = published
    _published(scope, {unit: 92})
    with pytest.raises(SnapshotStateError):
        snapshot_publish(snapshot_id=superseded.pk)


def test_discard_drops_the_drafts_scores_and_is_idempotent(districts):
    snapshot = make_snapshot(scope=districts[0].parent)
    load_indicators(snapshot, full_marks(districts[0]))
    snapshot_recompute(snapshot_id=snapshot.pk)
    discarded = snapshot_discard(snapshot_id=snapshot.pk)
    assert discarded.status == "discarded"
    assert indicator_values(snapshot=snapshot) == []
    assert snapshot_discard(snapshot_id=snapshot.pk).status == "discarded"
    with pytest.raises(SnapshotStateError):
        snapshot_recompute(snapshot_id=snapshot.pk)


# --- Movement ---------------------------------------------------------------------------------


def test_movement_against_the_previous_published_snapshot(districts):
    scope, a, b = districts[0].parent, districts[0], districts[1]
    _published(scope, {a: "91.95", b: 93}, as_of=datetime.date(2025, 5, 13))
    current = _published(scope, {a: 92, b: "91.5"}, as_of=datetime.date(2025, 5, 20))

    score = _score(current, a)
    assert (score.previous_total, score.previous_rank, score.rank) == (D("91.95"), 2, 1)
    assert score.delta_total == D("0.05")
    assert score.delta_rank == 1
    assert _score(current, b).delta_rank == -1


def test_movement_ignores_drafts_and_other_period_types(districts):
    scope, unit = districts[0].parent, districts[0]
    earlier = make_snapshot(scope=scope, as_of=datetime.date(2025, 5, 13))
    load_totals(earlier, {unit: 80})
    snapshot_recompute(snapshot_id=earlier.pk)  # a draft: not a reference
    _published(scope, {unit: 70}, as_of=datetime.date(2025, 5, 13), period="month")
    current = _published(scope, {unit: 92}, as_of=datetime.date(2025, 5, 20))
    assert _score(current, unit).previous_total is None


def test_previous_published_is_strictly_earlier_unless_a_same_date_revision_is_asked_for(
    districts,
):
    scope, unit = districts[0].parent, districts[0]
    may_13 = _published(scope, {unit: 90}, as_of=datetime.date(2025, 5, 13))
    may_20 = _published(scope, {unit: 92}, as_of=datetime.date(2025, 5, 20))
    correction = make_snapshot(scope=scope, as_of=datetime.date(2025, 5, 20))

    # Movement: the last published date before; a preview: the revision it would replace.
    assert snapshot_previous_published(correction) == may_13
    assert snapshot_previous_published(correction, same_date=True) == may_20
    # A snapshot never follows itself.
    assert snapshot_previous_published(may_20, same_date=True) == may_13
    assert snapshot_previous_published(may_13) is None


def test_publishing_a_correction_refreshes_the_next_snapshots_movement(districts):
    scope, unit = districts[0].parent, districts[0]
    _published(scope, {unit: 90}, as_of=datetime.date(2025, 5, 13))
    later = _published(scope, {unit: 92}, as_of=datetime.date(2025, 5, 20))
    assert _score(later, unit).previous_total == D("90")

    _published(scope, {unit: 91}, as_of=datetime.date(2025, 5, 13))  # revision 2 of 13 May
    assert _score(later, unit).previous_total == D("91")


def test_recomputing_a_published_snapshot_refreshes_the_next_ones_movement(districts):
    scope, unit = districts[0].parent, districts[0]
    earlier = _published(scope, {unit: 90}, as_of=datetime.date(2025, 5, 13))
    later = _published(scope, {unit: 92}, as_of=datetime.date(2025, 5, 20))
    UnitScore.objects.filter(snapshot=later).update(previous_total=None, previous_rank=None)
    snapshot_recompute(snapshot_id=earlier.pk)
    assert (_score(later, unit).previous_total, _score(later, unit).previous_rank) == (90, 1)
    assert Snapshot.objects.get(pk=later.pk).previous_snapshot_id == earlier.pk


def test_create_draft_keeps_scope_and_labels(binh_duong, framework):
    snapshot = snapshot_create_draft(
        scope=binh_duong,
        as_of=datetime.date(2025, 5, 20),
        period="ytd",
        period_year=2025,
        source_label="demo",
        is_synthetic=True,
    )
    assert (snapshot.scope, snapshot.source_label, snapshot.is_synthetic) == (
        binh_duong,
        "demo",
        True,
    )


def test_scores_of_a_province_ranked_among_provinces(framework):
    provinces = [ProvinceFactory(name=n) for n in ("Cà Mau", "Bình Dương", "Huế")]
    country = provinces[0].parent
    snapshot = _published(
        country,
        {provinces[0]: "85.4", provinces[1]: "73.4", provinces[2]: 80},
        as_of=datetime.date(2023, 9, 30),
    )
    rows = leaderboard(snapshot=snapshot)
    assert [(r.unit_name, r.rank, r.peer_count, r.band_code) for r in rows] == [
        ("Cà Mau", 1, 3, "tot"),
        ("Huế", 2, 3, "tot"),
        ("Bình Dương", 3, 3, "kha"),
    ]
    assert rows[2].band_is_confirmed is False
