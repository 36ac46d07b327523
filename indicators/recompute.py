"""The recompute of one snapshot as array arithmetic: group sums, combined blocks, totals,
bands, competition ranks and movement for every unit at once.

Pure (no ORM): `indicators.services` reads the snapshot's inputs in a constant number of
statements, calls `recompute_scores`, and stores what it returns in two bulk writes (the unit
rows, and their group scores as rows). Every figure is a whole number of hundredths of a point (the sources are rounded to
two decimals when loaded, and sums of such figures are exact), so the rules of
`indicators.scoring` — which stay the reference; `tests/indicators/test_recompute.py`
compares both — hold exactly in int64 arithmetic. For a national snapshot (3,355 communes,
~23,500 group scores) this is milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indicators.scoring import DISAGREEMENT_TOLERANCE, NO_POINTS
from scoreboard.arrays import factorize

# A difference between the official and the recomputed total above this is flagged (0,02).
DISAGREEMENT_CENTS = int(DISAGREEMENT_TOLERANCE * 100)


@dataclass(frozen=True)
class GroupSpec:
    """A group of the snapshot's framework, in framework order."""

    group_id: int
    code: str
    five_group_code: str
    is_combined: bool


@dataclass(frozen=True)
class RecomputeInputs:
    """What a recompute reads; every figure in hundredths, NO_POINTS for none.

    `values_*` are the snapshot's indicator values (one entry each), `source_group_*` the
    official group figures of a loaded group table, `source_unit_*` its official totals.
    """

    groups: list[GroupSpec]
    values_unit: np.ndarray
    values_group: np.ndarray  # position in `groups` of the value's indicator's group
    values_points: np.ndarray
    values_no_data: np.ndarray  # bool: status "no data"
    source_group_unit: np.ndarray
    source_group_group: np.ndarray  # position in `groups`
    source_group_official: np.ndarray
    source_unit_unit: np.ndarray
    source_unit_official: np.ndarray
    band_ids: np.ndarray  # bands by ascending lower bound
    band_min: np.ndarray
    previous_unit: np.ndarray  # the previous published snapshot's unit scores
    previous_total: np.ndarray
    previous_rank: np.ndarray


@dataclass(frozen=True)
class RecomputedScores:
    """Rows to store: `units` (sorted ids) and, per unit, its group scores and total."""

    units: np.ndarray
    # Group scores: one per True cell of `group_row` (units × groups), row-major order.
    group_row: np.ndarray
    group_points: np.ndarray  # units × groups
    group_official: np.ndarray
    group_rank: np.ndarray  # 0 = unranked
    group_peer_count: np.ndarray
    has_values: np.ndarray
    listed_in_source: np.ndarray
    official_total: np.ndarray
    total: np.ndarray
    ranking_total: np.ndarray
    totals_disagree: np.ndarray
    band_id: np.ndarray  # 0 = no band
    rank: np.ndarray  # 0 = unranked
    peer_count: np.ndarray
    previous_total: np.ndarray
    previous_rank: np.ndarray  # 0 = none


def units_of(inputs: RecomputeInputs) -> np.ndarray:
    """Every unit the snapshot scores: with values, a source group figure or a source total."""
    every = np.concatenate([inputs.values_unit, inputs.source_group_unit, inputs.source_unit_unit])
    return factorize(every.astype(np.int64))[0]


def recompute_scores(inputs: RecomputeInputs, peer_index: np.ndarray) -> RecomputedScores:
    """Apply the recompute rules (see `services.snapshot_recompute`) to every unit at once.

    `peer_index[i]` numbers the peer set of `units_of(inputs)[i]`: ranks count within it.
    """
    units = units_of(inputs)
    count, width = len(units), len(inputs.groups)
    plain = np.array([not g.is_combined for g in inputs.groups], dtype=bool)

    def cells(unit_ids: np.ndarray, group_positions: np.ndarray) -> np.ndarray:
        return np.searchsorted(units, unit_ids) * width + group_positions

    size = count * width
    official = np.full(size, NO_POINTS, dtype=np.int64)
    official[cells(inputs.source_group_unit, inputs.source_group_group)] = (
        inputs.source_group_official
    )
    has_source = official != NO_POINTS
    value_cells = cells(inputs.values_unit, inputs.values_group)
    scored = inputs.values_points != NO_POINTS
    sums = np.bincount(
        value_cells, weights=np.where(scored, inputs.values_points, 0), minlength=size
    )
    from_values = np.bincount(value_cells, minlength=size) > 0
    no_data = np.bincount(value_cells, weights=inputs.values_no_data, minlength=size) > 0
    has_values = np.bincount(np.searchsorted(units, inputs.values_unit), minlength=count) > 0

    # Groups holding indicators: the sum of their values' points (unknown if one has no
    # data) for a unit with values; else the source's figure.
    points = np.full(size, NO_POINTS, dtype=np.int64)
    points[from_values] = np.rint(sums[from_values]).astype(np.int64)
    points[from_values & no_data] = NO_POINTS
    unit_without_values = np.repeat(~has_values, width)
    plain_cells = np.tile(plain, count)
    from_source = plain_cells & unit_without_values & has_source
    points[from_source] = official[from_source]
    row = np.zeros(size, dtype=bool)
    row[from_values | from_source] = True

    # Combined blocks: the sum of their parts when all are known, else the source's figure.
    grid_points, grid_row = points.reshape(count, width), row.reshape(count, width)
    grid_official, grid_source = official.reshape(count, width), has_source.reshape(count, width)
    for k, block in enumerate(inputs.groups):
        if not block.is_combined:
            continue
        parts = [
            p
            for p, g in enumerate(inputs.groups)
            if not g.is_combined and g.five_group_code == block.code
        ]
        with_parts = grid_row[:, parts].any(axis=1)
        known = (grid_row[:, parts] & (grid_points[:, parts] != NO_POINTS)).sum(axis=1)
        summed = np.where(grid_points[:, parts] == NO_POINTS, 0, grid_points[:, parts]).sum(axis=1)
        block_points = np.where(known == len(parts), summed, grid_official[:, k])
        block_points = np.where(with_parts, block_points, grid_official[:, k])
        grid_points[:, k] = np.where(with_parts | grid_source[:, k], block_points, NO_POINTS)
        grid_row[:, k] = with_parts | grid_source[:, k]

    # Group ranks: on the official figure when there is one, like totals.
    ranked_points = np.where(has_source, official, points).reshape(count, width)
    group_rank = np.zeros((count, width), dtype=np.int64)
    group_peer_count = np.zeros((count, width), dtype=np.int64)
    for k in range(width):
        known = grid_row[:, k] & (ranked_points[:, k] != NO_POINTS)
        group_rank[:, k], group_peer_count[:, k] = competition_ranks(
            peer_index, ranked_points[:, k], known
        )

    # Totals over the five-group view: combined blocks and groups that are their own block.
    five_view = np.array(
        [g.is_combined or g.five_group_code == g.code for g in inputs.groups], dtype=bool
    )
    known_parts = grid_row[:, five_view] & (grid_points[:, five_view] != NO_POINTS)
    total = np.where(
        known_parts.sum(axis=1) == five_view.sum(),
        np.where(known_parts, grid_points[:, five_view], 0).sum(axis=1),
        NO_POINTS,
    )
    official_total = np.full(count, NO_POINTS, dtype=np.int64)
    official_total[np.searchsorted(units, inputs.source_unit_unit)] = inputs.source_unit_official
    listed = np.zeros(count, dtype=bool)
    listed[np.searchsorted(units, inputs.source_unit_unit)] = True
    ranking_total = np.where(official_total != NO_POINTS, official_total, total)
    known_total = ranking_total != NO_POINTS
    disagree = (
        (official_total != NO_POINTS)
        & (total != NO_POINTS)
        & (np.abs(official_total - total) > DISAGREEMENT_CENTS)
    )
    band_position = np.searchsorted(inputs.band_min, ranking_total, side="right") - 1
    band_id = np.where(
        known_total & (band_position >= 0),
        inputs.band_ids[np.clip(band_position, 0, None)] if len(inputs.band_ids) else 0,
        0,
    )
    rank, peer_count = competition_ranks(peer_index, ranking_total, known_total)
    previous_total = np.full(count, NO_POINTS, dtype=np.int64)
    previous_rank = np.zeros(count, dtype=np.int64)
    if count:
        position = np.searchsorted(units, inputs.previous_unit)
        present = (position < count) & (
            units[np.clip(position, 0, count - 1)] == inputs.previous_unit
        )
        previous_total[position[present]] = inputs.previous_total[present]
        previous_rank[position[present]] = inputs.previous_rank[present]
    return RecomputedScores(
        units=units,
        group_row=grid_row,
        group_points=grid_points,
        group_official=grid_official,
        group_rank=group_rank,
        group_peer_count=group_peer_count,
        has_values=has_values,
        listed_in_source=listed,
        official_total=official_total,
        total=total,
        ranking_total=ranking_total,
        totals_disagree=disagree,
        band_id=band_id,
        rank=rank,
        peer_count=peer_count,
        previous_total=previous_total,
        previous_rank=previous_rank,
    )


def competition_ranks(
    partition: np.ndarray, value: np.ndarray, known: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Competition rank ("1224") of each known value within its partition, highest first,
    and how many known values its partition has; 0 for both where the value is unknown."""
    rank = np.zeros(len(value), dtype=np.int64)
    peers = np.zeros(len(value), dtype=np.int64)
    index = np.flatnonzero(known)
    if not index.size:
        return rank, peers
    order = index[np.lexsort((-value[index], partition[index]))]
    p, v = partition[order], value[order]
    position = np.arange(order.size)
    starts = np.r_[True, p[1:] != p[:-1]]
    first_of_partition = np.maximum.accumulate(np.where(starts, position, 0))
    first_of_value = np.maximum.accumulate(
        np.where(starts | np.r_[True, v[1:] != v[:-1]], position, 0)
    )
    rank[order] = first_of_value - first_of_partition + 1
    sizes = np.diff(np.r_[np.flatnonzero(starts), order.size])
    peers[order] = np.repeat(sizes, sizes)
    return rank, peers
