-- The reporting schema: published figures as plain rows, with names, dates and periods
-- joined in, for Metabase, Superset or Excel on a read-only role (docs/REPORTING.md).
-- Rebuilt after every migrate (reporting/services.py). Points are numeric(6, 2) and counts
-- numeric(16, 4), as in the tables.

CREATE VIEW reporting.snapshots AS
SELECT s.id AS snapshot_id,
       s.scope_id,
       scope.full_name AS scope_name,
       scope.level AS scope_level,
       s.as_of,
       s.period,
       s.period_year,
       s.period_number,
       s.status,
       s.revision,
       s.published_at,
       s.source_label,
       s.is_synthetic,
       f.code AS framework_code
FROM indicators_snapshot s
JOIN units_administrativeunit scope ON scope.id = s.scope_id
JOIN indicators_framework f ON f.id = s.framework_id
WHERE s.status IN ('published', 'superseded');

CREATE VIEW reporting.units AS
SELECT u.id AS unit_id,
       u.name AS unit_name,
       u.full_name AS unit_full_name,
       u.kind AS unit_kind,
       u.level AS unit_level,
       u.parent_id,
       parent.full_name AS parent_name,
       u.valid_from,
       u.valid_to,
       (SELECT c.code FROM units_unitcode c
         WHERE c.unit_id = u.id AND c.scheme = 'gso'
         ORDER BY c.valid_from DESC NULLS LAST, c.id DESC LIMIT 1) AS gso_code
FROM units_administrativeunit u
LEFT JOIN units_administrativeunit parent ON parent.id = u.parent_id;

CREATE VIEW reporting.unit_scores AS
SELECT s.snapshot_id, s.scope_name, s.as_of, s.period, s.period_year, s.period_number,
       s.status, s.revision, s.is_synthetic,
       u.unit_id, u.unit_full_name, u.unit_level, u.parent_name, u.gso_code,
       us.peer_key,
       us.ranking_total AS total,
       us.total AS recomputed_total,
       us.official_total,
       us.totals_disagree,
       b.code AS band_code,
       b.name AS band_name,
       us.rank,
       us.peer_count,
       us.previous_total,
       us.previous_rank,
       us.ranking_total - us.previous_total AS delta_total,
       us.previous_rank - us.rank AS delta_rank
FROM indicators_unitscore us
JOIN reporting.snapshots s ON s.snapshot_id = us.snapshot_id
JOIN reporting.units u ON u.unit_id = us.unit_id
LEFT JOIN indicators_band b ON b.id = us.band_id;

-- One row per (snapshot, unit, group) and per (snapshot, unit, indicator): the fact tables
-- indicators_groupscore and indicators_indicatorvalue (indicators/models.py), names joined in.
CREATE VIEW reporting.group_scores AS
SELECT s.snapshot_id, s.scope_name, s.as_of, s.period, s.period_year, s.period_number,
       s.status, s.revision,
       u.unit_id, u.unit_full_name, u.unit_level, u.parent_name, u.gso_code,
       g.code AS group_code,
       g.name AS group_name,
       g.is_combined,
       g.max_points,
       gs.points,
       gs.official_points,
       gs.rank,
       gs.peer_count
FROM indicators_groupscore gs
JOIN reporting.snapshots s ON s.snapshot_id = gs.snapshot_id
JOIN reporting.units u ON u.unit_id = gs.unit_id
JOIN indicators_indicatorgroup g ON g.id = gs.group_id;

CREATE VIEW reporting.indicator_values AS
SELECT s.snapshot_id, s.scope_name, s.as_of, s.period, s.period_year, s.period_number,
       s.status, s.revision,
       u.unit_id, u.unit_full_name, u.unit_level, u.parent_name, u.gso_code,
       g.code AS group_code,
       i.code AS indicator_code,
       i.name AS indicator_name,
       i.max_points,
       iv.numerator,
       iv.denominator,
       iv.points,
       iv.portal_points,
       iv.status AS value_status
FROM indicators_indicatorvalue iv
JOIN reporting.snapshots s ON s.snapshot_id = iv.snapshot_id
JOIN reporting.units u ON u.unit_id = iv.unit_id
JOIN indicators_indicator i ON i.id = iv.indicator_id
JOIN indicators_indicatorgroup g ON g.id = i.group_id;
