"""What it takes, as the unit page, the leader brief and the what-if control show it.

The figures are `indicators.selectors.unit_what_it_takes`'s (scored by `indicators.scoring`);
the what-if control in the browser only looks up, in tables scored here, the points an
indicator gives with N more dossiers: no second copy of the rules in JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from indicators import published_cache
from indicators.models import Band, Snapshot
from indicators.selectors import Goal, WhatItTakes
from indicators.what_it_takes import NEW, Opportunity

# The most dossiers the what-if control adds to one indicator: enough for any weekly plan,
# and a page scores at most this many counts per indicator.
WHAT_IF_MAX_DOSSIERS = 200
SHOWN_OPPORTUNITIES = 5  # "điểm dễ lấy nhất": the cheapest first


@dataclass(frozen=True)
class OpportunityLine:
    code: str
    name: str
    group_code: str
    counted: str  # what one more dossier is: `Indicator.counted`, from the framework row
    is_new: bool  # a new good dossier (numerator and denominator grow), not one turning good
    points: Decimal
    max_points: Decimal
    first_dossiers: int | None
    first_gain: Decimal | None
    full_dossiers: int | None
    small_denominator: bool


@dataclass(frozen=True)
class UnitAdvice:
    snapshot: Snapshot
    total: Decimal | None
    lines: list[OpportunityLine]
    goals: list[Goal]
    remaining_dossiers: int | None
    what_if: dict  # the control's tables (json_script)


def unit_advice(*, snapshot: Snapshot | None, score) -> UnitAdvice | None:
    """What it takes for a unit's score row (its snapshot's `UnitScore` or leaderboard row)
    with indicator values, else None (and no query)."""
    if snapshot is None or score is None or not score.has_indicator_values:
        return None
    unit_id = score.unit_id
    found = published_cache.unit_what_it_takes(snapshot=snapshot, unit_id=unit_id)
    if found is None:
        return None
    lines = [_line(found, o) for o in found.opportunities]
    return UnitAdvice(
        snapshot=snapshot,
        total=found.row.ranking_total,
        lines=lines,
        goals=found.goals,
        remaining_dossiers=found.remaining_dossiers,
        what_if=_what_if(found, snapshot),
    )


def _line(found: WhatItTakes, item: Opportunity) -> OpportunityLine:
    indicator = found.indicators[item.state.code]
    return OpportunityLine(
        code=item.state.code,
        name=indicator.name,
        group_code=item.state.group_code,
        counted=item.state.counted or indicator.counted,
        is_new=item.state.improved_by == NEW,
        points=item.state.points,
        max_points=item.state.max_points,
        first_dossiers=item.first.dossiers if item.first else None,
        first_gain=item.first.gain if item.first else None,
        full_dossiers=item.to_full.dossiers if item.to_full else None,
        small_denominator=item.small_denominator,
    )


def _what_if(found: WhatItTakes, snapshot: Snapshot) -> dict:
    """The control's data: per indicator the points gained with 0…N more dossiers, the
    peers' totals and the bands, all as strings of two decimals (exact in the browser)."""
    indicators = []
    for item in found.opportunities:
        state = item.state
        bound = state.headroom
        top = WHAT_IF_MAX_DOSSIERS if bound is None else min(bound, WHAT_IF_MAX_DOSSIERS)
        if item.to_full is not None:
            top = min(top, item.to_full.dossiers)
        base = state.points
        gains = [str(state.points_with(n) - base) for n in range(top + 1)]
        indicators.append({"code": state.code, "gains": gains})
    row = found.row
    peers = published_cache.peer_rows(snapshot=snapshot, peer_key=row.peer_key)
    others = [str(p.ranking_total) for p in peers if p.unit_id != row.unit_id and p.ranking_total]
    bands = Band.objects.filter(framework_id=snapshot.framework_id).order_by("-min_total")
    return {
        "total": str(row.ranking_total) if row.ranking_total is not None else None,
        "peers": others,
        "peer_count": len(peers),
        "bands": [{"min": str(b.min_total), "name": b.name} for b in bands],
        "indicators": indicators,
    }
