"""What it takes: points a unit can still earn, counted in dossiers (pure, no ORM).

Every figure here comes from `indicators.scoring.indicator_points`, the one copy of the
rules: a candidate count is scored, never estimated by a second formula. Points are monotone
in the dossiers added, so the smallest count that reaches a target is found by doubling and
then bisecting over real scorings.

What "one more dossier" means depends on the indicator (`Indicator.improved_by`):
- `existing`: one of the units already counted turns good (a procedure published on time, a
  received dossier digitised): numerator + k, denominator unchanged, at most what is missing;
- `new`: a new good one is added (a dossier processed on time, paid online, a satisfied
  answer): numerator + k and denominator + k, at most the dossiers the period still brings.

Goals ("reach the next band", "pass the unit above", "reach the peer median of a group")
take steps greedily by points per dossier, then give back what the goal does not need.
Each indicator's points are concave in the dossiers added (linear or capped-linear in the
ratio), so the greedy plan is the cheapest up to the 0,01 rounding of single indicators (on
small tables compared by brute force: the cheapest, or once in ~20,000 one dossier more); the
plan is always checked by scoring it.
"""

from __future__ import annotations

import datetime
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from indicators.scoring import ValueStatus, indicator_points, quantize_points

EXISTING = "existing"
NEW = "new"
# A denominator this small swings the indicator with a single dossier: the page says so.
SMALL_DENOMINATOR = 3
# How many hundredths ahead a goal's plan looks for the cheapest next step (`best_step`).
LOOK_AHEAD = 5
# How far the doubling search goes for a `new` indicator with no period bound.
_SEARCH_CEILING = 10**9


@dataclass(frozen=True)
class IndicatorState:
    """One indicator of one unit: its rule and its counts in the snapshot."""

    code: str
    group_code: str
    max_points: Decimal
    threshold: Decimal | None
    zero_denominator_policy: str
    improved_by: str
    numerator: int
    denominator: int
    # The most dossiers this indicator can still take: what is missing (`existing`) or the
    # period's expected remaining dossiers (`new`); None = no known bound.
    limit: int | None = None
    # What one more dossier is, as the framework's ratio names it (`Indicator.counted`).
    counted: str = ""

    def points_with(self, added: int) -> Decimal:
        """Score the indicator with `added` more good dossiers."""
        extra_denominator = added if self.improved_by == NEW else 0
        result = indicator_points(
            self.numerator + added,
            self.denominator + extra_denominator,
            max_points=self.max_points,
            threshold=self.threshold,
            zero_denominator_policy=self.zero_denominator_policy,
        )
        return result.points if result.points is not None else Decimal(0)

    @property
    def points(self) -> Decimal:
        return self.points_with(0)

    @property
    def headroom(self) -> int | None:
        """How many dossiers can be added at all (the bound of `limit` and of the counts)."""
        missing = self.denominator - self.numerator if self.improved_by == EXISTING else None
        bounds = [b for b in (missing, self.limit) if b is not None]
        return max(0, min(bounds)) if bounds else None


@dataclass(frozen=True)
class Step:
    """The fewest dossiers that raise one indicator to `points_after`."""

    code: str
    group_code: str
    dossiers: int
    points_before: Decimal
    points_after: Decimal

    @property
    def gain(self) -> Decimal:
        return self.points_after - self.points_before

    @property
    def points_per_dossier(self) -> Decimal:
        return self.gain / self.dossiers


def dossiers_to_reach(state: IndicatorState, target: Decimal) -> int | None:
    """Return the fewest dossiers that bring the indicator to `target` points, None if never.

    `target` is compared with the rounded points the rules give, so the answer k satisfies
    points_with(k) ≥ target > points_with(k − 1).
    """
    if state.points_with(0) >= target:
        return 0
    ceiling = state.headroom if state.headroom is not None else _SEARCH_CEILING
    if ceiling <= 0:
        return None
    high = 1
    while high < ceiling and state.points_with(high) < target:
        high = min(high * 2, ceiling)
    if state.points_with(high) < target:
        return None
    low = high // 2  # points_with(low) < target (or low is 0, checked above)
    while high - low > 1:
        middle = (low + high) // 2
        if state.points_with(middle) >= target:
            high = middle
        else:
            low = middle
    return high


def first_step(state: IndicatorState) -> Step | None:
    """The fewest dossiers that raise the indicator at all (by at least 0,01), or None."""
    before = state.points
    if state.denominator == 0 or before >= quantize_points(state.max_points):
        return None
    needed = dossiers_to_reach(state, before + Decimal("0.01"))
    if needed is None:
        return None
    return Step(state.code, state.group_code, needed, before, state.points_with(needed))


def best_step(state: IndicatorState, levels: int = LOOK_AHEAD) -> Step | None:
    """The step with the most points per dossier among the next `levels` hundredths.

    Rounding makes single indicators slightly uneven (+0,01 for one dossier, then +0,02 for
    the next), so the next hundredth alone can hide a cheaper pair of steps.
    """
    first = first_step(state)
    if first is None:
        return None
    best, maximum = first, quantize_points(state.max_points)
    for level in range(2, levels + 1):
        target = first.points_before + Decimal(level) / 100
        if target > maximum:
            break
        needed = dossiers_to_reach(state, target)
        if needed is None:
            break
        step = Step(
            state.code, state.group_code, needed, first.points_before, state.points_with(needed)
        )
        if step.points_per_dossier > best.points_per_dossier:
            best = step
    return best


def full_marks(state: IndicatorState) -> Step | None:
    """The fewest dossiers that bring the indicator to its maximum, or None if out of reach."""
    before = state.points
    maximum = quantize_points(state.max_points)
    if state.denominator == 0 or before >= maximum:
        return None
    needed = dossiers_to_reach(state, maximum)
    if needed is None:
        return None
    return Step(state.code, state.group_code, needed, before, maximum)


@dataclass(frozen=True)
class Opportunity:
    """One line of "điểm dễ lấy nhất": an indicator not at its maximum."""

    state: IndicatorState
    first: Step | None
    to_full: Step | None

    @property
    def small_denominator(self) -> bool:
        return 0 < self.state.denominator <= SMALL_DENOMINATOR


def opportunities(states: Iterable[IndicatorState]) -> list[Opportunity]:
    """Indicators below their maximum, cheapest points first (points per dossier, then code)."""
    found = []
    for state in states:
        if state.denominator == 0 or state.points >= quantize_points(state.max_points):
            continue
        found.append(Opportunity(state, first_step(state), full_marks(state)))

    def cheapest_first(item: Opportunity):
        rate = item.first.points_per_dossier if item.first else Decimal(-1)
        return (-rate, item.state.code)

    return sorted(found, key=cheapest_first)


@dataclass(frozen=True)
class Plan:
    """Dossiers per indicator that together add at least `needed` points (when `reachable`)."""

    needed: Decimal
    dossiers: dict[str, int] = field(default_factory=dict)
    gain: Decimal = Decimal(0)
    reachable: bool = True

    @property
    def total_dossiers(self) -> int:
        return sum(self.dossiers.values())


def plan_for(states: Sequence[IndicatorState], needed: Decimal) -> Plan:
    """Plan the cheapest dossiers that add `needed` points over `states` (greedy, then scored).

    Each round takes the indicator whose next step gives the most points per dossier. The
    gain is the scored points of the final counts, so the plan never claims more than the
    rules give.
    """
    if needed <= 0:
        return Plan(needed=needed)
    added = {s.code: 0 for s in states}
    by_code = {s.code: s for s in states}
    heap: list[tuple[Decimal, str, Step]] = []

    def push(code: str) -> None:
        state, extra = by_code[code], added[code]
        shifted = replace(
            state,
            numerator=state.numerator + extra,
            denominator=state.denominator + (extra if state.improved_by == NEW else 0),
            limit=None if state.limit is None else state.limit - extra,
        )
        step = best_step(shifted)
        if step is not None:
            heapq.heappush(heap, (-step.points_per_dossier, code, step))

    for code in by_code:
        push(code)
    gain = Decimal(0)
    while heap and gain < needed:
        _, code, step = heapq.heappop(heap)
        added[code] += step.dossiers
        gain += step.gain
        push(code)
    if gain >= needed:
        _trim(by_code, added, needed)
    scored = sum(
        (by_code[c].points_with(k) - by_code[c].points for c, k in added.items()), Decimal(0)
    )
    return Plan(
        needed=needed,
        dossiers={c: k for c, k in added.items() if k},
        gain=scored,
        reachable=scored >= needed,
    )


def _trim(by_code: dict[str, IndicatorState], added: dict[str, int], needed: Decimal) -> None:
    """Give back, indicator by indicator, the dossiers the goal does not need.

    Greedy steps follow the 0,01 rounding of each indicator, so the last steps can overshoot:
    each indicator keeps only the fewest dossiers that, with the others', still reach `needed`.
    """

    def gain_of(code: str, dossiers: int) -> Decimal:
        return by_code[code].points_with(dossiers) - by_code[code].points

    for code in sorted(added, key=lambda c: -added[c]):
        if not added[code]:
            continue
        others = sum((gain_of(c, k) for c, k in added.items() if c != code), Decimal(0))
        low, high = 0, added[code]  # gain_of(code, high) + others >= needed
        while low < high:
            middle = (low + high) // 2
            if gain_of(code, middle) + others >= needed:
                high = middle
            else:
                low = middle + 1
        added[code] = high


def remaining_dossiers(
    received: int, *, period_start: datetime.date, as_of: datetime.date, period_end: datetime.date
) -> int | None:
    """Estimate the dossiers still to come in the period at the pace seen so far (None: unknown)."""
    elapsed = (as_of - period_start).days + 1
    remaining = (period_end - as_of).days
    if elapsed <= 0 or received <= 0:
        return None
    return max(0, received * remaining // elapsed)


def is_scored(status: str) -> bool:
    """Tell whether a value has counts the rules scored (not missing, not inapplicable)."""
    return status in (ValueStatus.OK, ValueStatus.ZERO_DENOMINATOR_FULL)
