"""The alert rules as pure functions of two rankings: a snapshot's rows and the previous ones.

No ORM here: `services.alert_evaluate_snapshot` reads the rows (the leaderboard selector, the
one source of movement figures) and calls these. Each returns the detail of a fired rule
(a dict of JSON-able figures) or None.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from indicators.models import BandCode

WEAK = BandCode.YEU.value


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def rank_drop(row, threshold: Decimal) -> dict | None:
    """The unit fell at least threshold places in its peer table."""
    gained = row.delta_rank
    if gained is None or -gained < threshold:
        return None
    return {
        "previous_rank": row.previous_rank,
        "rank": row.rank,
        "peer_count": row.peer_count,
        "places": -gained,
    }


def band_down(row, previous, band_floor: dict[str, Decimal]) -> dict | None:
    """The unit's band is lower than the previous snapshot's."""
    if previous is None or row.band_code is None or previous.band_code is None:
        return None
    now, before = band_floor.get(row.band_code), band_floor.get(previous.band_code)
    if now is None or before is None or now >= before:
        return None
    return {
        "previous_band": previous.band_code,
        "band": row.band_code,
        "total": _text(row.ranking_total),
    }


def turned_weak(row, previous) -> dict | None:
    """The unit is "yếu" now and was not in the previous snapshot."""
    if previous is None or row.band_code != WEAK or previous.band_code in (None, WEAK):
        return None
    return {"previous_band": previous.band_code, "total": _text(row.ranking_total)}


def _comparable_groups(row, previous):
    for code, cell in row.groups.items():
        before = previous.groups.get(code)
        if cell.is_combined or before is None:
            continue
        if cell.ranking_points is None or before.ranking_points is None:
            continue
        yield code, cell, before


def group_drop(row, previous, threshold: Decimal) -> dict | None:
    """One or more groups lost at least threshold points since the previous snapshot."""
    if previous is None:
        return None
    lost = [
        {
            "group": code,
            "previous": _text(before.ranking_points),
            "points": _text(cell.ranking_points),
            "lost": _text(before.ranking_points - cell.ranking_points),
        }
        for code, cell, before in _comparable_groups(row, previous)
        if before.ranking_points - cell.ranking_points >= threshold
    ]
    return {"groups": lost} if lost else None


def group_medians(rows: Sequence) -> dict[tuple[str, str], Decimal]:
    """{(peer key, group code): the median of the table's points}, as the unit page shows it."""
    figures: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for r in rows:
        for code, cell in r.groups.items():
            if not cell.is_combined and cell.ranking_points is not None:
                figures[(r.peer_key, code)].append(cell.ranking_points)
    return {key: statistics.median(values) for key, values in figures.items()}


def below_median(row, previous, medians: dict, previous_medians: dict) -> dict | None:
    """One or more groups went from at or above the peer median to below it."""
    if previous is None:
        return None
    fell = []
    for code, cell, before in _comparable_groups(row, previous):
        median = medians.get((row.peer_key, code))
        median_before = previous_medians.get((previous.peer_key, code))
        if median is None or median_before is None:
            continue
        if cell.ranking_points < median and before.ranking_points >= median_before:
            fell.append(
                {"group": code, "points": _text(cell.ranking_points), "median": _text(median)}
            )
    return {"groups": fell} if fell else None


def totals_disagree(row) -> dict | None:
    """The official total differs from the sum of the groups (scoring's tolerance, stored)."""
    if not row.totals_disagree:
        return None
    return {"official_total": _text(row.official_total), "total": _text(row.total)}
