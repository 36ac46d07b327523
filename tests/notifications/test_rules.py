"""The alert rules as pure functions of two rows of a ranking."""

from dataclasses import dataclass, field
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from indicators.models import Movement
from notifications import rules

FLOORS = {
    "xuat_sac": Decimal(90),
    "tot": Decimal(80),
    "kha": Decimal(70),
    "trung_binh": Decimal(50),
    "yeu": Decimal(0),
}


@dataclass
class Cell:
    ranking_points: Decimal | None
    is_combined: bool = False


@dataclass
class Row(Movement):
    rank: int | None = None
    previous_rank: int | None = None
    ranking_total: Decimal | None = None
    previous_total: Decimal | None = None
    peer_count: int = 9
    band_code: str | None = None
    peer_key: str = "1:district"
    groups: dict = field(default_factory=dict)
    totals_disagree: bool = False
    official_total: Decimal | None = None
    total: Decimal | None = None


ranks = st.integers(min_value=1, max_value=9)


@given(before=ranks, now=ranks, threshold=st.integers(min_value=1, max_value=5))
def test_rank_drop_fires_exactly_when_the_unit_fell_threshold_places(before, now, threshold):
    fired = rules.rank_drop(Row(rank=now, previous_rank=before), Decimal(threshold))
    assert (fired is not None) == (now - before >= threshold)
    if fired:
        assert fired["places"] == now - before


def test_rank_drop_needs_a_previous_rank():
    assert rules.rank_drop(Row(rank=9, previous_rank=None), Decimal(2)) is None


@given(st.sampled_from(list(FLOORS)), st.sampled_from(list(FLOORS)))
def test_band_down_and_turned_weak(before, now):
    row, previous = Row(band_code=now, ranking_total=Decimal(1)), Row(band_code=before)
    assert (rules.band_down(row, previous, FLOORS) is not None) == (FLOORS[now] < FLOORS[before])
    assert (rules.turned_weak(row, previous) is not None) == (now == "yeu" != before)


def test_no_previous_snapshot_no_movement_alerts():
    row = Row(band_code="yeu", groups={"CKMB": Cell(Decimal(1))})
    assert rules.band_down(row, None, FLOORS) is None
    assert rules.turned_weak(row, None) is None
    assert rules.group_drop(row, None, Decimal(1)) is None
    assert rules.below_median(row, None, {}, {}) is None


points = st.decimals(min_value=0, max_value=20, places=2)


@given(before=points, now=points)
def test_group_drop_fires_from_one_point_lost(before, now):
    row, previous = Row(groups={"TDGQ": Cell(now)}), Row(groups={"TDGQ": Cell(before)})
    fired = rules.group_drop(row, previous, Decimal(1))
    assert (fired is not None) == (before - now >= 1)


def test_combined_blocks_are_not_groups_of_their_own():
    row = Row(groups={"CCDVTT": Cell(Decimal(10), is_combined=True)})
    previous = Row(groups={"CCDVTT": Cell(Decimal(20), is_combined=True)})
    assert rules.group_drop(row, previous, Decimal(1)) is None


def test_below_median_fires_when_the_unit_crosses_it():
    others = [Row(groups={"SHHS": Cell(Decimal(v))}) for v in (10, 12, 14)]
    before = [Row(groups={"SHHS": Cell(Decimal(v))}) for v in (10, 12, 14)]
    unit_now, unit_before = (
        Row(groups={"SHHS": Cell(Decimal(11))}),
        Row(groups={"SHHS": Cell(Decimal(13))}),
    )
    medians = rules.group_medians([*others, unit_now])
    previous_medians = rules.group_medians([*before, unit_before])
    fired = rules.below_median(unit_now, unit_before, medians, previous_medians)
    assert fired == {"groups": [{"group": "SHHS", "points": "11", "median": "11.5"}]}
    # Already below the week before: not news.
    assert rules.below_median(unit_now, unit_now, medians, medians) is None
