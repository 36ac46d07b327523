"""Indicator values move into the unit's score row (`UnitScore.indicator_document`).

With values and scores in one row, storing a national snapshot is one COPY of 3,355 rows
instead of two: one reference check and one key index fewer (docs/PERFORMANCE.md). Each
document is carried over as it is, and back on reversal. Values of a draft that was loaded
but not yet recomputed get a row of their own (blank peer key, as a group table's rows have
before the recompute), and their snapshot is marked stale, so publishing recomputes it.

The reference checks follow: the values table's triggers go with it. The guard on indicators
(migration 0005) stays: the documents still name indicators by id.
"""

from django.db import migrations, models

from indicators.reference_checks import swap_reference_checks

SCORES = [
    ("snapshot_id", "indicators_snapshot"),
    ("unit_id", "units_administrativeunit"),
    ("band_id", "indicators_band"),
]
BEFORE = {
    "indicators_unitindicatorvalues": [
        ("snapshot_id", "indicators_snapshot"),
        ("unit_id", "units_administrativeunit"),
    ],
    "indicators_unitscore": SCORES,
}
AFTER = {"indicators_unitscore": SCORES}

SAME_ROW = "v.snapshot_id = s.snapshot_id AND v.unit_id = s.unit_id"
FORWARD = [
    (
        "UPDATE indicators_unitscore AS s SET indicator_document = ("
        f"SELECT v.document FROM indicators_unitindicatorvalues v WHERE {SAME_ROW}) "
        f"WHERE EXISTS (SELECT 1 FROM indicators_unitindicatorvalues v WHERE {SAME_ROW})",
        [],
    ),
    (
        "UPDATE indicators_snapshot SET is_stale = %s WHERE id IN ("
        "SELECT v.snapshot_id FROM indicators_unitindicatorvalues v WHERE NOT EXISTS ("
        f"SELECT 1 FROM indicators_unitscore s WHERE {SAME_ROW}))",
        [True],
    ),
    (
        "INSERT INTO indicators_unitscore (snapshot_id, unit_id, peer_key, totals_disagree, "
        "has_indicator_values, listed_in_source, group_document, indicator_document) "
        "SELECT v.snapshot_id, v.unit_id, '', %s, %s, %s, '', v.document "
        "FROM indicators_unitindicatorvalues v WHERE NOT EXISTS ("
        f"SELECT 1 FROM indicators_unitscore s WHERE {SAME_ROW})",
        [False, True, False],
    ),
]
BACKWARD = [
    (
        "INSERT INTO indicators_unitindicatorvalues (snapshot_id, unit_id, document) "
        "SELECT snapshot_id, unit_id, indicator_document FROM indicators_unitscore "
        "WHERE indicator_document <> ''",
        [],
    ),
    # The rows that held only values (never recomputed, not in a group table).
    (
        "DELETE FROM indicators_unitscore WHERE peer_key = '' AND listed_in_source = %s",
        [False],
    ),
]


def values_into_scores(apps, schema_editor):
    for sql, params in FORWARD:
        schema_editor.execute(sql, params)


def values_out_of_scores(apps, schema_editor):
    for sql, params in BACKWARD:
        schema_editor.execute(sql, params)


def checks_forward(apps, schema_editor):
    swap_reference_checks(schema_editor, BEFORE, AFTER)


def checks_backward(apps, schema_editor):
    swap_reference_checks(schema_editor, AFTER, BEFORE)


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0008_unit_scores_keyed_by_snapshot_and_unit'),
    ]

    operations = [
        migrations.AddField(
            model_name='unitscore',
            name='indicator_document',
            field=models.TextField(blank=True, default='', verbose_name='indicator values'),
        ),
        migrations.RunPython(values_into_scores, values_out_of_scores),
        migrations.RunPython(checks_forward, checks_backward),
        migrations.DeleteModel(
            name='UnitIndicatorValues',
        ),
    ]
