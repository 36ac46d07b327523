"""Scoring rules of the 766 index: pure functions on Decimals, no ORM.

Rounding (ROUND_HALF_UP to 2 decimal places) happens in exactly three places, mirroring what
the portal publishes:

1. `indicator_points` rounds each indicator's points (the portal shows them with 2 decimals;
   reverse-engineered values agree within 0,015).
2. `quantize_points` is applied to every figure that comes from a source (group points,
   official totals) before it is stored, compared or ranked.
3. `competition_ranks`, `band_for` and `totals_disagree` compare *rounded* totals, as
   DOMAIN.md §4 asks ("rank on the rounded total").

Group and total sums add already-rounded 2-decimal figures, so they are exact and need no
further rounding. `indicators.services.snapshot_recompute` implements the same rules in SQL;
`tests/indicators/test_recompute.py` checks that both agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Protocol

import numpy as np

TWO_PLACES = Decimal("0.01")
DISAGREEMENT_TOLERANCE = Decimal("0.02")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
_ZERO = Decimal(0)
_ONE = Decimal(1)

Number = Decimal | int


class ValueStatus(StrEnum):
    """Why an indicator has the points it has (mirrored by `models.ValueStatus`)."""

    OK = "ok"
    # A numerator or denominator is missing: unknown, which is not the same as zero.
    NO_DATA = "no_data"
    ZERO_DENOMINATOR_FULL = "zero_denominator_full"
    ZERO_DENOMINATOR_ZERO = "zero_denominator_zero"
    NOT_APPLICABLE = "not_applicable"


class ZeroDenominatorPolicy(StrEnum):
    """What an indicator is worth when there is nothing to count (DOMAIN.md §3)."""

    FULL = "full"
    ZERO = "zero"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """Points of one indicator for one unit; `points` is None unless the indicator scored."""

    points: Decimal | None
    status: ValueStatus


class BandRule(Protocol):
    """Anything with a band code and its lower bound (`models.Band` qualifies)."""

    code: str
    min_total: Decimal


@dataclass(frozen=True, slots=True)
class SimpleBand:
    code: str
    min_total: Decimal


def quantize_points(value: Number) -> Decimal:
    """Round a points figure to 2 decimals, half up."""
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def as_decimal(value: Number | float) -> Decimal:
    # Floats arrive from spreadsheets; go through str so 0.1 stays 0.1.
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def indicator_points(
    numerator: Number | float | None,
    denominator: Number | float | None,
    *,
    max_points: Number,
    threshold: Number | None = None,
    zero_denominator_policy: str = ZeroDenominatorPolicy.FULL,
    applicable: bool = True,
) -> IndicatorResult:
    """Score one indicator: max × ratio, or with a threshold T, max if ratio ≥ T else max × ratio / T.

    - `applicable=False` (the indicator does not apply to the unit's level) and the
      "not_applicable" zero-denominator policy give no points and status not_applicable.
    - A missing numerator or denominator gives status no_data, never zero points.
    - A ratio above 1 (e.g. more dossiers synced than received, when syncing lags) counts
      as 1, so points never exceed the maximum.
    - 5.4 ("100% − overdue% − complaint%") is expected as a ratio too: numerator = dossiers
      neither overdue nor complained about, denominator = dossiers; the caller converts.
    """
    if not applicable:
        return IndicatorResult(None, ValueStatus.NOT_APPLICABLE)
    if numerator is None or denominator is None:
        return IndicatorResult(None, ValueStatus.NO_DATA)
    num, den = as_decimal(numerator), as_decimal(denominator)
    if num < 0 or den < 0:
        raise ValueError(f"negative count: {numerator}/{denominator}")
    maximum = Decimal(max_points)
    if den == 0:
        policy = ZeroDenominatorPolicy(zero_denominator_policy)
        if policy is ZeroDenominatorPolicy.FULL:
            return IndicatorResult(quantize_points(maximum), ValueStatus.ZERO_DENOMINATOR_FULL)
        if policy is ZeroDenominatorPolicy.ZERO:
            return IndicatorResult(ZERO, ValueStatus.ZERO_DENOMINATOR_ZERO)
        return IndicatorResult(None, ValueStatus.NOT_APPLICABLE)
    if num >= den:
        return IndicatorResult(quantize_points(maximum), ValueStatus.OK)
    if threshold is None:
        # Multiply before dividing: max × num / den loses less than max × (num / den).
        raw = maximum * num / den
    else:
        t = Decimal(threshold)
        if not 0 < t <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        raw = maximum if num >= den * t else maximum * num / (den * t)
    return IndicatorResult(quantize_points(min(raw, maximum)), ValueStatus.OK)


Scorer = Callable[
    [Number | float | None, Number | float | None], tuple[Decimal | None, ValueStatus]
]


def indicator_scorer(
    *,
    max_points: Number,
    threshold: Number | None = None,
    zero_denominator_policy: str = ZeroDenominatorPolicy.FULL,
) -> Scorer:
    """Return `(numerator, denominator) -> (points, status)` for one indicator that applies.

    The same rules and the same Decimal arithmetic as `indicator_points`, which stays the
    reference (tests/indicators/test_scoring.py checks that both agree); the per-indicator
    work (policy, threshold, rounded maximum) is done once, so a bulk load of 70,000 values
    pays a few Decimal operations per value instead of a full call.
    """
    maximum = Decimal(max_points)
    full = (quantize_points(maximum), ValueStatus.OK)
    policy = ZeroDenominatorPolicy(zero_denominator_policy)
    if policy is ZeroDenominatorPolicy.FULL:
        zero_denominator = (quantize_points(maximum), ValueStatus.ZERO_DENOMINATOR_FULL)
    elif policy is ZeroDenominatorPolicy.ZERO:
        zero_denominator = (ZERO, ValueStatus.ZERO_DENOMINATOR_ZERO)
    else:
        zero_denominator = (None, ValueStatus.NOT_APPLICABLE)
    no_data = (None, ValueStatus.NO_DATA)
    t = None if threshold is None else Decimal(threshold)
    ok = ValueStatus.OK

    def score(
        numerator: Number | float | None, denominator: Number | float | None
    ) -> tuple[Decimal | None, ValueStatus]:
        # Comparisons against Decimal constants and a positional rounding argument: each
        # costs a fraction of its int / keyword form, which matters 70,000 times over.
        if numerator is None or denominator is None:
            return no_data
        num = numerator if type(numerator) is Decimal else as_decimal(numerator)
        den = denominator if type(denominator) is Decimal else as_decimal(denominator)
        if num < _ZERO or den < _ZERO:
            raise ValueError(f"negative count: {numerator}/{denominator}")
        if den == _ZERO:
            return zero_denominator
        if num >= den:
            return full
        if t is None:
            raw = maximum * num / den
        else:
            if not _ZERO < t <= _ONE:
                raise ValueError(f"threshold must be in (0, 1], got {threshold}")
            if num >= den * t:
                return full
            raw = maximum * num / (den * t)
        if raw > maximum:  # indicator_points' min(raw, maximum)
            raw = maximum
        return raw.quantize(TWO_PLACES, ROUND_HALF_UP), ok

    return score


# Status codes of `indicator_points_array`: positions in this tuple.
STATUS_ORDER: tuple[ValueStatus, ...] = tuple(ValueStatus)
NO_POINTS = -1  # in the cents of `indicator_points_array`: the value has no points
# Counts `indicator_points_array` takes: up to 9 digits keep max¢ × count × 10⁴ within 64 bits.
ARRAY_COUNT_DIGITS = 9


def indicator_points_array(
    numerators: np.ndarray,
    denominators: np.ndarray,
    *,
    max_points: Number,
    threshold: Number | None = None,
    zero_denominator_policy: str = ZeroDenominatorPolicy.FULL,
) -> tuple[np.ndarray, np.ndarray]:
    """Score many values of one indicator at once: (points in cents, status codes).

    The rules and the rounding of `indicator_points` (which stays the reference; the tests
    compare both), in exact integer arithmetic: rounding half up of max × num / den to cents
    is ⌊(2 · max¢ · num + den) / (2 · den)⌋. Counts must be whole and 0 ≤ count < 10⁹, which
    keeps every product inside 64 bits; a cent of NO_POINTS means None, a status code indexes
    STATUS_ORDER. For the national table's 70,000 values this is milliseconds where the
    Decimal path takes a third of a second.
    """
    num = np.asarray(numerators, dtype=np.int64)
    den = np.asarray(denominators, dtype=np.int64)
    limit = 10**ARRAY_COUNT_DIGITS
    if num.size and (num.min() < 0 or den.min() < 0 or max(num.max(), den.max()) >= limit):
        raise ValueError(f"vectorised scoring takes whole counts from 0 to {limit - 1:,}")
    maximum = quantize_points(Decimal(max_points))
    if maximum != Decimal(max_points) or not 0 <= maximum <= HUNDRED:
        raise ValueError(f"maximum {max_points} must have at most two decimals")
    max_cents = int(maximum * 100)
    safe_den = np.where(den == 0, 1, den)
    if threshold is None:
        full = num >= den
        cents = (2 * max_cents * num + safe_den) // (2 * safe_den)
    else:
        t = Decimal(threshold)
        if not _ZERO < t <= _ONE or t != t.quantize(Decimal("0.0001")):
            raise ValueError(
                f"threshold must be in (0, 1] with at most 4 decimals, got {threshold}"
            )
        t_units = int(t * 10000)
        scaled = safe_den * t_units
        full = num * 10000 >= den * t_units
        cents = (2 * max_cents * num * 10000 + scaled) // (2 * scaled)
    cents = np.where(full, max_cents, np.minimum(cents, max_cents))
    status = np.full(num.shape, STATUS_ORDER.index(ValueStatus.OK), dtype=np.int8)
    zero = den == 0
    if zero.any():
        policy = ZeroDenominatorPolicy(zero_denominator_policy)
        zero_cents, zero_status = {
            ZeroDenominatorPolicy.FULL: (max_cents, ValueStatus.ZERO_DENOMINATOR_FULL),
            ZeroDenominatorPolicy.ZERO: (0, ValueStatus.ZERO_DENOMINATOR_ZERO),
            ZeroDenominatorPolicy.NOT_APPLICABLE: (NO_POINTS, ValueStatus.NOT_APPLICABLE),
        }[policy]
        cents = np.where(zero, zero_cents, cents)
        status[zero] = STATUS_ORDER.index(zero_status)
    return cents.astype(np.int64), status


def group_points(results: Iterable[IndicatorResult]) -> Decimal | None:
    """Sum a group's indicator points; None when the group is empty or any indicator has no data.

    One missing indicator makes the whole group unknown: summing the others would silently
    under-score the unit, while None keeps "no data" visible up to the total. Indicators that
    do not apply contribute nothing (the group's attainable maximum shrinks; see
    `group_applicable_max`).
    """
    total = ZERO
    seen = False
    for result in results:
        seen = True
        if result.status is ValueStatus.NO_DATA:
            return None
        if result.points is not None:
            total += result.points
    return total if seen else None


# The name docs/ARCHITECTURE.md gives the group rule.
group_sum = group_points


def group_applicable_max(results: Iterable[tuple[IndicatorResult, Number]]) -> Decimal:
    """Sum the maxima of the indicators that apply, from (result, max_points) pairs."""
    return sum(
        (
            Decimal(maximum)
            for result, maximum in results
            if result.status is not ValueStatus.NOT_APPLICABLE
        ),
        ZERO,
    )


def total_points(groups: Iterable[Decimal | None]) -> Decimal | None:
    """Sum group points into the total; None when there are no groups or any group is unknown."""
    total = ZERO
    seen = False
    for points in groups:
        if points is None:
            return None
        seen = True
        total += points
    return total if seen else None


def ranking_total(official: Decimal | None, recomputed: Decimal | None) -> Decimal | None:
    """Pick the total that ranks and bands a unit: the official one when the source gave one.

    The official figure is what the province publishes and what press quotes ("92/100"), so
    ranking on it keeps our tables identical to theirs; the recomputed sum stays visible next
    to it and is flagged by `totals_disagree`.
    """
    value = official if official is not None else recomputed
    return None if value is None else quantize_points(value)


def totals_disagree(
    official: Decimal | None,
    recomputed: Decimal | None,
    tolerance: Decimal = DISAGREEMENT_TOLERANCE,
) -> bool:
    """Tell whether the official and the recomputed total differ by more than the tolerance."""
    if official is None or recomputed is None:
        return False
    return abs(quantize_points(official) - quantize_points(recomputed)) > tolerance


def band_for(total: Decimal | None, bands: Iterable[BandRule]) -> str | None:
    """Return the code of the band whose lower bound is the highest one not above the rounded total."""
    if total is None:
        return None
    rounded = quantize_points(total)
    best: BandRule | None = None
    for band in bands:
        if band.min_total <= rounded and (best is None or band.min_total > best.min_total):
            best = band
    return best.code if best else None


def group_band_for(
    points: Decimal | None, max_points: Decimal, bands: Iterable[BandRule]
) -> str | None:
    """Band a single group by its percentage of the maximum (press usage; open in DOMAIN.md §4)."""
    if points is None or max_points <= 0:
        return None
    return band_for(points * HUNDRED / max_points, bands)


def competition_ranks(values: Sequence[Decimal | None]) -> list[int | None]:
    """Rank values descending with standard competition ranking ("1224") on 2-decimal rounding.

    Equal rounded values share a rank and the next value skips the shared places
    (65,47 and 65,47 are both 5th, the next is 7th). None values are not ranked.
    The result is aligned with `values`, so it does not depend on their order.
    """
    rounded = [None if v is None else quantize_points(v) for v in values]
    ordered = sorted((v for v in rounded if v is not None), reverse=True)
    first_place: dict[Decimal, int] = {}
    for position, value in enumerate(ordered, start=1):
        first_place.setdefault(value, position)
    return [None if v is None else first_place[v] for v in rounded]
