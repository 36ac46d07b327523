"""What it takes, in dossiers: exact by the scoring rules, never fewer, never one too many."""

import datetime
import itertools
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.scoring import indicator_points, quantize_points
from indicators.what_it_takes import (
    EXISTING,
    NEW,
    IndicatorState,
    dossiers_to_reach,
    first_step,
    full_marks,
    opportunities,
    plan_for,
    remaining_dossiers,
)

D = Decimal


@st.composite
def states(draw, code="x", group="G", max_denominator=20_000):
    denominator = draw(st.integers(min_value=1, max_value=max_denominator))
    return IndicatorState(
        code=code,
        group_code=group,
        max_points=D(draw(st.sampled_from([2, 4, 6, 20]))),
        threshold=draw(st.sampled_from([None, D("0.5"), D("0.8"), D("0.9")])),
        zero_denominator_policy="full",
        improved_by=draw(st.sampled_from([EXISTING, NEW])),
        numerator=draw(st.integers(min_value=0, max_value=denominator)),
        denominator=denominator,
        limit=draw(st.one_of(st.none(), st.integers(min_value=0, max_value=5_000))),
    )


def scored(state: IndicatorState, added: int) -> Decimal:
    """The points the scoring rules give with `added` more good dossiers, computed here from
    the counts (not through the module's own `points_with`): a good dossier raises the
    numerator, and the denominator too when it is a new one."""
    result = indicator_points(
        state.numerator + added,
        state.denominator + (added if state.improved_by == NEW else 0),
        max_points=state.max_points,
        threshold=state.threshold,
        zero_denominator_policy=state.zero_denominator_policy,
    )
    return result.points if result.points is not None else D(0)


def plan_gain(group, dossiers: dict[str, int]) -> Decimal:
    by_code = {s.code: s for s in group}
    return sum((scored(by_code[c], k) - scored(by_code[c], 0) for c, k in dossiers.items()), D(0))


@settings(max_examples=300, deadline=None)
@given(states(), st.integers(min_value=1, max_value=2_000))
def test_the_dossiers_named_reach_the_points_and_one_fewer_does_not(state, hundredths):
    target = min(state.points + D(hundredths) / 100, quantize_points(state.max_points))
    needed = dossiers_to_reach(state, target)
    if needed is None:
        # Out of reach: even every dossier the bound allows falls short.
        assert state.headroom is not None and scored(state, state.headroom) < target
        return
    assert scored(state, needed) >= target  # never fewer points than stated
    assert needed == 0 or scored(state, needed - 1) < target  # one dossier fewer does not
    assert state.headroom is None or needed <= state.headroom


@settings(max_examples=300, deadline=None)
@given(states())
def test_the_first_step_is_the_fewest_dossiers_that_raise_the_points(state):
    step = first_step(state)
    maximum = quantize_points(state.max_points)
    if step is None:
        # At its maximum, or no dossier within the bound raises it.
        assert state.points == maximum or state.points_with(state.headroom) == state.points
        return
    assert step.dossiers >= 1 and step.points_after > step.points_before == scored(state, 0)
    assert scored(state, step.dossiers) == step.points_after  # reaches what it says
    assert scored(state, step.dossiers - 1) == scored(state, 0)  # one fewer does not
    assert state.headroom is None or step.dossiers <= state.headroom


@settings(max_examples=300, deadline=None)
@given(states())
def test_full_marks_take_exactly_the_dossiers_named(state):
    step = full_marks(state)
    maximum = quantize_points(state.max_points)
    if step is None:
        assert state.points == maximum or state.points_with(state.headroom) < maximum
        return
    assert scored(state, step.dossiers) == maximum
    assert scored(state, step.dossiers - 1) < maximum


@settings(max_examples=200, deadline=None)
@given(
    st.lists(states(), min_size=1, max_size=5),
    st.decimals(min_value=D("0.01"), max_value=D("15"), places=2),
)
def test_a_plan_reaches_its_goal_when_it_says_so(raw, needed):
    group = [IndicatorState(**{**s.__dict__, "code": str(i)}) for i, s in enumerate(raw)]
    plan = plan_for(group, needed)
    by_code = {s.code: s for s in group}
    gain = plan_gain(group, plan.dossiers)
    assert plan.gain == gain  # the points it states are the rules' own
    assert plan.reachable == (gain >= needed)
    for code, dossiers in plan.dossiers.items():
        headroom = by_code[code].headroom
        assert dossiers >= 1 and (headroom is None or dossiers <= headroom)
        if plan.reachable:
            # One dossier fewer, on any indicator of the plan, falls short of the goal.
            fewer = {**plan.dossiers, code: dossiers - 1}
            assert plan_gain(group, fewer) < needed, code
    if not plan.reachable:
        # Nothing was left on the table: every indicator is at its maximum or its bound.
        for state in group:
            taken = plan.dossiers.get(state.code, 0)
            assert (
                first_step(
                    IndicatorState(
                        **{
                            **state.__dict__,
                            "numerator": state.numerator + taken,
                            "denominator": state.denominator
                            + (taken if state.improved_by == NEW else 0),
                            "limit": None if state.limit is None else state.limit - taken,
                        }
                    )
                )
                is None
            )


def _cheapest_by_brute_force(group, needed, bound):
    best = None
    for counts in itertools.product(range(bound + 1), repeat=len(group)):
        gain = sum(s.points_with(k) - s.points for s, k in zip(group, counts, strict=True))
        if gain >= needed and (best is None or sum(counts) < best):
            best = sum(counts)
    return best


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.lists(states(max_denominator=12), min_size=2, max_size=2),
    st.decimals(min_value=D("0.01"), max_value=D("6"), places=2),
)
def test_on_small_tables_the_plan_is_about_as_cheap_as_any(raw, needed):
    # Rounding to 0,01 makes single indicators slightly uneven, so a greedy plan can miss the
    # cheapest by a dossier (1 case in ~20,000 random tables; none by more). Derandomized: a
    # rare miss must not make CI flaky.
    group = [
        IndicatorState(**{**s.__dict__, "code": str(i), "limit": 12}) for i, s in enumerate(raw)
    ]
    plan = plan_for(group, needed)
    cheapest = _cheapest_by_brute_force(group, needed, bound=12)
    assert plan.reachable == (cheapest is not None)
    if cheapest is not None:
        assert cheapest <= plan.total_dossiers <= cheapest + 1


def test_tan_binh_publishes_procedures_on_time():
    # Phường Tân Bình's 1.1 (demo): 311 of 339 procedures published on time, 6 points × ratio.
    state = IndicatorState("1.1", "CKMB", D(6), None, "full", EXISTING, 311, 339)
    assert state.points == D("5.50")
    assert first_step(state).dossiers == 1 and first_step(state).points_after == D("5.52")
    assert full_marks(state).dossiers == 28  # every missing procedure
    assert dossiers_to_reach(state, D("7")) is None  # above the maximum


def test_a_threshold_gives_full_marks_at_the_threshold():
    # 3.3 online dossiers, threshold 50 %: 40 of 100 online; 10 more new online dossiers
    # make 50/110 < 50 %, 20 more make 60/120 = 50 %.
    state = IndicatorState("3.3", "DVCTT", D(6), D("0.5"), "full", NEW, 40, 100)
    assert state.points == D("4.80")
    assert full_marks(state).dossiers == 20


def test_new_dossiers_are_bounded_by_what_the_period_still_brings():
    state = IndicatorState("2.1", "TDGQ", D(20), None, "full", NEW, 50, 100, limit=3)
    assert full_marks(state) is None  # far beyond 3 dossiers
    plan = plan_for([state], D("5"))
    assert not plan.reachable and plan.dossiers == {"2.1": 3}


def test_opportunities_list_the_cheapest_points_first_and_flag_tiny_denominators():
    tiny = IndicatorState("5.2", "MDHL", D(6), None, "full", NEW, 1, 2)
    big = IndicatorState("2.1", "TDGQ", D(20), None, "full", NEW, 900, 1000)
    full = IndicatorState("1.3", "CKMB", D(2), None, "full", EXISTING, 5, 5)
    found = opportunities([big, full, tiny])
    assert [o.state.code for o in found] == ["5.2", "2.1"]
    assert found[0].small_denominator and not found[1].small_denominator


def test_remaining_dossiers_follow_the_pace_so_far():
    start, end = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
    # 181 days elapsed by 30 June, 184 to come: 1,810 dossiers so far → 1,840 more.
    assert (
        remaining_dossiers(
            1810, period_start=start, as_of=datetime.date(2026, 6, 30), period_end=end
        )
        == 1840
    )
    assert remaining_dossiers(0, period_start=start, as_of=end, period_end=end) is None
