"""The pure scoring rules: examples from DOMAIN.md, then hypothesis properties."""

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.scoring import (
    NO_POINTS,
    STATUS_ORDER,
    IndicatorResult,
    SimpleBand,
    ValueStatus,
    band_for,
    competition_ranks,
    group_applicable_max,
    group_band_for,
    group_points,
    indicator_points,
    indicator_points_array,
    indicator_scorer,
    quantize_points,
    ranking_total,
    total_points,
    totals_disagree,
)

D = Decimal
BANDS_766 = [
    SimpleBand("xuat_sac", D("90")),
    SimpleBand("tot", D("80")),
    SimpleBand("kha", D("70")),
    SimpleBand("trung_binh", D("50")),
    SimpleBand("yeu", D("0")),
]


# --- indicator_points: examples --------------------------------------------------------------


def test_binh_hung_dossiers_on_time_score_full_marks():
    # 4,605 before deadline + 330 on time + 170 in progress within deadline, of 5,105 received.
    result = indicator_points(4605 + 330 + 170, 5105, max_points=20)
    assert result == IndicatorResult(D("20.00"), ValueStatus.OK)


def test_linear_indicator_is_max_times_ratio_rounded_half_up():
    assert indicator_points(1, 3, max_points=6).points == D("2.00")
    assert indicator_points(1, 8, max_points=6).points == D("0.75")
    # 6 × 7/16 = 2.625 → 2.63 (half up, not banker's 2.62)
    assert indicator_points(7, 16, max_points=6).points == D("2.63")


def test_threshold_gives_full_marks_at_or_above_t_and_scales_below():
    assert indicator_points(80, 100, max_points=2, threshold=D("0.8")).points == D("2.00")
    assert indicator_points(40, 100, max_points=2, threshold=D("0.8")).points == D("1.00")
    # 5.4: 100% − overdue% − complaint% = 81% against T = 90%: 6 × 0.81 / 0.9 = 5.4
    assert indicator_points(81, 100, max_points=6, threshold=D("0.9")).points == D("5.40")


def test_ratio_above_one_counts_as_one():
    assert indicator_points(120, 100, max_points=6).points == D("6.00")


def test_missing_numerator_or_denominator_is_no_data_not_zero():
    for num, den in [(None, 10), (3, None), (None, None)]:
        result = indicator_points(num, den, max_points=6)
        assert result.points is None
        assert result.status == ValueStatus.NO_DATA


def test_zero_numerator_is_a_real_zero():
    assert indicator_points(0, 10, max_points=6) == IndicatorResult(D("0.00"), ValueStatus.OK)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("full", IndicatorResult(D("6.00"), ValueStatus.ZERO_DENOMINATOR_FULL)),
        ("zero", IndicatorResult(D("0.00"), ValueStatus.ZERO_DENOMINATOR_ZERO)),
        ("not_applicable", IndicatorResult(None, ValueStatus.NOT_APPLICABLE)),
    ],
)
def test_zero_denominator_follows_the_indicator_policy(policy, expected):
    assert indicator_points(0, 0, max_points=6, zero_denominator_policy=policy) == expected


def test_indicator_outside_the_units_level_is_not_applicable():
    result = indicator_points(5, 10, max_points=2, applicable=False)
    assert result == IndicatorResult(None, ValueStatus.NOT_APPLICABLE)


def test_negative_counts_and_bad_thresholds_are_rejected():
    with pytest.raises(ValueError):
        indicator_points(-1, 10, max_points=6)
    with pytest.raises(ValueError):
        indicator_points(1, 10, max_points=6, threshold=D("1.5"))


def test_float_inputs_go_through_their_decimal_text():
    assert indicator_points(99.15, 100, max_points=6).points == D("5.95")


# --- groups, totals, bands, ranks: examples ---------------------------------------------------


def test_di_an_recomputed_total_is_91_4_against_official_92_and_flagged():
    groups = [D("18"), D("19.2"), D("8.5"), D("8.5"), D("19.2"), D("18")]
    recomputed = total_points(groups)
    assert recomputed == D("91.4")
    assert totals_disagree(D("92"), recomputed)
    assert ranking_total(D("92"), recomputed) == D("92.00")
    assert band_for(ranking_total(D("92"), recomputed), BANDS_766) == "xuat_sac"
    # Recomputed alone would also be "xuất sắc"; the flag is what tells them apart.
    assert band_for(recomputed, BANDS_766) == "xuat_sac"


def test_disagreement_needs_more_than_two_hundredths():
    assert not totals_disagree(D("65.49"), D("65.47"))
    assert totals_disagree(D("65.50"), D("65.47"))
    assert not totals_disagree(None, D("65.47"))
    assert not totals_disagree(D("65.47"), None)


def test_group_with_one_missing_indicator_is_unknown():
    ok = IndicatorResult(D("6.00"), ValueStatus.OK)
    missing = IndicatorResult(None, ValueStatus.NO_DATA)
    assert group_points([ok, ok]) == D("12.00")
    assert group_points([ok, missing]) is None
    assert group_points([]) is None


def test_not_applicable_indicators_add_nothing_and_shrink_the_attainable_maximum():
    ok = IndicatorResult(D("1.50"), ValueStatus.OK)
    na = IndicatorResult(None, ValueStatus.NOT_APPLICABLE)
    assert group_points([ok, na]) == D("1.50")
    assert group_applicable_max([(ok, 2), (na, 2)]) == D("2")


def test_total_is_unknown_when_a_group_is():
    assert total_points([D("18"), None]) is None
    assert total_points([]) is None


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (D("92"), "xuat_sac"),
        (D("90.00"), "xuat_sac"),
        (D("89.995"), "xuat_sac"),  # rounds to 90.00
        (D("89.99"), "tot"),
        (D("80"), "tot"),
        (D("73.4"), "kha"),
        (D("65.47"), "trung_binh"),
        (D("49.99"), "yeu"),
        (D("0"), "yeu"),
        (None, None),
    ],
)
def test_bands_follow_domain_thresholds(total, band):
    assert band_for(total, BANDS_766) == band


def test_group_band_uses_percentage_of_maximum():
    assert group_band_for(D("17.7"), D("18"), BANDS_766) == "xuat_sac"
    assert group_band_for(D("8.53"), D("12"), BANDS_766) == "kha"
    assert group_band_for(None, D("18"), BANDS_766) is None


def test_ties_share_rank_five_and_the_next_is_seventh():
    values = [D("80"), D("75.1"), D("70"), D("66"), D("65.47"), D("65.47"), D("60")]
    assert competition_ranks(values) == [1, 2, 3, 4, 5, 5, 7]


def test_ranks_compare_rounded_values_and_skip_none():
    assert competition_ranks([D("65.471"), None, D("65.474"), D("65.476")]) == [2, None, 2, 1]


# --- properties ---------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=10**7)
maxima = st.decimals(min_value=D("0.5"), max_value=D("22"), places=1)
thresholds = st.none() | st.decimals(min_value=D("0.01"), max_value=D("1"), places=2)
policies = st.sampled_from(["full", "zero", "not_applicable"])
points_values = st.decimals(min_value=D("0"), max_value=D("100"), places=2)


@given(counts, counts, maxima, thresholds, policies)
def test_points_stay_within_zero_and_max(num, den, maximum, threshold, policy):
    result = indicator_points(
        num, den, max_points=maximum, threshold=threshold, zero_denominator_policy=policy
    )
    if result.points is None:
        assert result.status == ValueStatus.NOT_APPLICABLE
    else:
        assert D("0") <= result.points <= quantize_points(maximum)
        assert result.points == quantize_points(result.points)


@given(counts, st.integers(min_value=1, max_value=10**7), maxima, thresholds)
def test_points_grow_with_the_numerator(num, den, maximum, threshold):
    lower = indicator_points(num, den, max_points=maximum, threshold=threshold).points
    higher = indicator_points(num + 1, den, max_points=maximum, threshold=threshold).points
    assert lower <= higher


@given(st.lists(points_values, min_size=1, max_size=25))
def test_group_and_total_are_exact_sums(values):
    results = [IndicatorResult(v, ValueStatus.OK) for v in values]
    assert group_points(results) == sum(values)
    assert total_points(values) == sum(values)


@given(st.lists(st.none() | points_values, max_size=60))
def test_ranks_are_a_valid_competition_ranking(values):
    ranks = competition_ranks(values)
    ranked = [(v, r) for v, r in zip(values, ranks, strict=True) if v is not None]
    assert all(r is None for v, r in zip(values, ranks, strict=True) if v is None)
    for value, rank in ranked:
        # Rank = 1 + number of strictly better values.
        assert rank == 1 + sum(1 for other, _ in ranked if other > value)
    if ranked:
        assert min(r for _, r in ranked) == 1
        assert max(r for _, r in ranked) <= len(ranked)


@given(st.lists(st.none() | points_values, max_size=40), st.randoms())
def test_ranks_do_not_depend_on_input_order(values, rnd):
    order = list(range(len(values)))
    rnd.shuffle(order)
    shuffled = [values[i] for i in order]
    original = competition_ranks(values)
    assert competition_ranks(shuffled) == [original[i] for i in order]


@given(st.none() | st.decimals(min_value=D("-5"), max_value=D("105"), places=3))
def test_band_is_the_highest_reached_threshold(total):
    code = band_for(total, BANDS_766)
    if total is None or quantize_points(total) < 0:
        assert code is None
        return
    reached = [b for b in BANDS_766 if b.min_total <= quantize_points(total)]
    assert code == max(reached, key=lambda b: b.min_total).code


@given(st.none() | points_values, st.none() | points_values)
def test_disagreement_is_symmetric(a, b):
    assert totals_disagree(a, b) == totals_disagree(b, a)


# --- indicator_scorer: the bulk loader's form of indicator_points -------------------------------

GRID_COUNTS = [
    None,
    0,
    1,
    2,
    3,
    7,
    8,
    9,
    16,
    79,
    80,
    81,
    90,
    100,
    101,
    D("2.625"),
    D("0.0001"),
    1.5,
]


@pytest.mark.parametrize("policy", ["full", "zero", "not_applicable"])
@pytest.mark.parametrize("threshold", [None, D("0.8"), D("0.9"), D("1"), D("0.0001")])
@pytest.mark.parametrize("maximum", [D("6"), D("2.50"), 20])
def test_scorer_agrees_with_indicator_points_on_a_grid(policy, threshold, maximum):
    """Thresholds met and missed, zero denominators, no data, ratios above 1, half-up cases."""
    score = indicator_scorer(
        max_points=maximum, threshold=threshold, zero_denominator_policy=policy
    )
    for num in GRID_COUNTS:
        for den in GRID_COUNTS:
            expected = indicator_points(
                num, den, max_points=maximum, threshold=threshold, zero_denominator_policy=policy
            )
            assert score(num, den) == (expected.points, expected.status), (num, den)


fine_counts = st.none() | st.decimals(min_value=D("0"), max_value=D("1000000"), places=4)


@given(fine_counts | counts, fine_counts | counts, maxima, thresholds, policies)
def test_scorer_agrees_with_indicator_points(num, den, maximum, threshold, policy):
    expected = indicator_points(
        num, den, max_points=maximum, threshold=threshold, zero_denominator_policy=policy
    )
    score = indicator_scorer(
        max_points=maximum, threshold=threshold, zero_denominator_policy=policy
    )
    assert score(num, den) == (expected.points, expected.status)


def test_scorer_rejects_what_indicator_points_rejects():
    with pytest.raises(ValueError, match="negative count: -1/10"):
        indicator_scorer(max_points=6)(-1, 10)
    with pytest.raises(ValueError, match="threshold must be in"):
        indicator_scorer(max_points=6, threshold=D("1.5"))(1, 10)
    # Like indicator_points, a bad threshold only matters once a ratio is computed.
    assert indicator_scorer(max_points=6, threshold=D("1.5"))(None, 10)[1] == ValueStatus.NO_DATA


# --- indicator_points_array: the columnar loader's form of indicator_points ---------------------

whole_counts = st.integers(min_value=0, max_value=10**9 - 1)
fine_maxima = st.decimals(min_value=D("0.01"), max_value=D("100"), places=2)
fine_thresholds = st.none() | st.decimals(min_value=D("0.0001"), max_value=D("1"), places=4)


def assert_array_scoring_agrees(pairs, maximum, threshold, policy) -> None:
    cents, statuses = indicator_points_array(
        np.array([n for n, _d in pairs], dtype=np.int64),
        np.array([d for _n, d in pairs], dtype=np.int64),
        max_points=maximum,
        threshold=threshold,
        zero_denominator_policy=policy,
    )
    got = [
        (None if c == NO_POINTS else D(int(c)).scaleb(-2), STATUS_ORDER[s])
        for c, s in zip(cents.tolist(), statuses.tolist(), strict=True)
    ]
    expected = [
        indicator_points(
            n, d, max_points=maximum, threshold=threshold, zero_denominator_policy=policy
        )
        for n, d in pairs
    ]
    assert got == [(e.points, e.status) for e in expected]


@given(
    st.lists(st.tuples(whole_counts | st.sampled_from([0, 1, 7, 16]), whole_counts), max_size=40),
    fine_maxima,
    fine_thresholds,
    policies,
)
def test_array_scoring_agrees_with_indicator_points(pairs, maximum, threshold, policy):
    """Exact integer arithmetic gives the Decimal rules' points and statuses, value by value."""
    assert_array_scoring_agrees(pairs, maximum, threshold, policy)


@pytest.mark.parametrize("policy", ["full", "zero", "not_applicable"])
@pytest.mark.parametrize("threshold", [None, D("0.8"), D("0.9"), D("1"), D("0.0001")])
@pytest.mark.parametrize("maximum", [D("6"), D("2.50"), 20])
def test_array_scoring_agrees_on_the_grid(policy, threshold, maximum):
    whole = [c for c in GRID_COUNTS if isinstance(c, int)]
    assert_array_scoring_agrees([(n, d) for n in whole for d in whole], maximum, threshold, policy)


def test_array_scoring_refuses_what_it_cannot_compute_exactly():
    with pytest.raises(ValueError, match="whole counts"):
        indicator_points_array(np.array([10**9]), np.array([10**9]), max_points=6)
    with pytest.raises(ValueError, match="whole counts"):
        indicator_points_array(np.array([-1]), np.array([10]), max_points=6)
    with pytest.raises(ValueError, match="two decimals"):
        indicator_points_array(np.array([1]), np.array([3]), max_points=D("2.005"))
    with pytest.raises(ValueError, match="4 decimals"):
        indicator_points_array(np.array([1]), np.array([3]), max_points=6, threshold=D("0.00005"))
