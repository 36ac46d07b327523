"""Indicator values: one row per (snapshot, unit) instead of one per value.

A national snapshot's 70,455 value rows cost 2.5–5× a bare COPY to store (one index entry
each); 3,355 rows holding the values as a JSON document cost about 1× (docs/PERFORMANCE.md).
The existing values are carried over unit by unit, and back on reversal.

The reference checks of migration 0003 follow: the new table's snapshot and unit are checked
per statement like the group scores'. The indicator ids now live inside the documents, where
no constraint sees them: on PostgreSQL a trigger refuses to delete an indicator whose
framework has snapshots (the ORM already could not: PROTECT from snapshots to frameworks
keeps the framework, and nothing deletes an indicator of a framework in use).
"""

import json
from collections import defaultdict
from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

from indicators.reference_checks import swap_reference_checks

OLD = {
    "indicators_indicatorvalue": [
        ("snapshot_id", "indicators_snapshot"),
        ("unit_id", "units_administrativeunit"),
        ("indicator_id", "indicators_indicator"),
    ],
    "indicators_groupscore": [
        ("snapshot_id", "indicators_snapshot"),
        ("unit_id", "units_administrativeunit"),
        ("group_id", "indicators_indicatorgroup"),
    ],
}
NEW = {
    "indicators_unitindicatorvalues": [
        ("snapshot_id", "indicators_snapshot"),
        ("unit_id", "units_administrativeunit"),
    ],
    "indicators_groupscore": OLD["indicators_groupscore"],
}

# Refuses to delete a part (indicator, group) of a framework that snapshots use: the score
# documents name parts by id, where no foreign key sees them. Migration 0006 puts the same
# function on the groups.
INDICATOR_GUARD = r"""
CREATE FUNCTION framework_part_in_use_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    found bigint;
BEGIN
    SELECT o.id INTO found FROM old_rows o
    WHERE EXISTS (SELECT 1 FROM indicators_snapshot s WHERE s.framework_id = o.framework_id)
    LIMIT 1;
    IF found IS NOT NULL THEN
        RAISE EXCEPTION 'delete on table "%" violates the reference from the snapshots'' scores',
            TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation',
            DETAIL = format('Key (id)=(%s) belongs to a framework that snapshots use.', found);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER indicators_indicator_in_use_delete AFTER DELETE ON indicators_indicator
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION framework_part_in_use_check();
"""
INDICATOR_GUARD_DROP = (
    "DROP TRIGGER IF EXISTS indicators_indicator_in_use_delete ON indicators_indicator",
    "DROP FUNCTION IF EXISTS framework_part_in_use_check()",
)


def checks_forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        swap_reference_checks(schema_editor, OLD, NEW)
        schema_editor.execute(INDICATOR_GUARD, None)


def checks_backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in INDICATOR_GUARD_DROP:
            schema_editor.execute(statement, None)
        swap_reference_checks(schema_editor, NEW, OLD)


def _number(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _cents(value):
    return None if value is None else int(value.scaleb(2))


def values_to_documents(apps, schema_editor):
    IndicatorValue = apps.get_model("indicators", "IndicatorValue")
    UnitIndicatorValues = apps.get_model("indicators", "UnitIndicatorValues")
    snapshots = IndicatorValue.objects.values_list("snapshot_id", flat=True).distinct()
    for snapshot_id in list(snapshots):
        units = defaultdict(lambda: {"i": [], "n": [], "d": [], "p": [], "pp": [], "s": []})
        rows = (
            IndicatorValue.objects.filter(snapshot_id=snapshot_id)
            .order_by("unit_id", "indicator__position")
            .values_list(
                "unit_id",
                "indicator_id",
                "numerator",
                "denominator",
                "points",
                "portal_points",
                "status",
            )
        )
        for unit_id, indicator_id, num, den, points, portal, status in rows.iterator():
            doc = units[unit_id]
            doc["i"].append(indicator_id)
            doc["n"].append(_number(num))
            doc["d"].append(_number(den))
            doc["p"].append(_cents(points))
            doc["pp"].append(_cents(portal))
            doc["s"].append(status)
        UnitIndicatorValues.objects.bulk_create(
            [
                UnitIndicatorValues(
                    snapshot_id=snapshot_id,
                    unit_id=unit_id,
                    document=json.dumps(doc, separators=(",", ":")),
                )
                for unit_id, doc in units.items()
            ],
            batch_size=1000,
        )


def documents_to_values(apps, schema_editor):
    IndicatorValue = apps.get_model("indicators", "IndicatorValue")
    UnitIndicatorValues = apps.get_model("indicators", "UnitIndicatorValues")
    for row in UnitIndicatorValues.objects.iterator():
        doc = json.loads(row.document, parse_float=Decimal)
        IndicatorValue.objects.bulk_create(
            [
                IndicatorValue(
                    snapshot_id=row.snapshot_id,
                    unit_id=row.unit_id,
                    indicator_id=i,
                    numerator=n,
                    denominator=d,
                    points=None if p is None else Decimal(p).scaleb(-2),
                    portal_points=None if pp is None else Decimal(pp).scaleb(-2),
                    status=s,
                )
                for i, n, d, p, pp, s in zip(
                    doc["i"], doc["n"], doc["d"], doc["p"], doc["pp"], doc["s"], strict=True
                )
            ]
        )


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0004_score_tables_keyed_by_their_unique_columns'),
        ('units', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='UnitIndicatorValues',
            fields=[
                ('pk', models.CompositePrimaryKey('snapshot', 'unit', blank=True, editable=False, primary_key=True, serialize=False)),
                ('document', models.TextField(verbose_name='values')),
                ('snapshot', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='unit_indicator_values', to='indicators.snapshot', verbose_name='snapshot')),
                ('unit', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='unit_indicator_values', to='units.administrativeunit', verbose_name='unit')),
            ],
            options={
                'verbose_name': 'indicator values',
                'verbose_name_plural': 'indicator values',
            },
        ),
        migrations.RunPython(values_to_documents, documents_to_values),
        migrations.RunPython(checks_forward, checks_backward),
        migrations.DeleteModel(
            name='IndicatorValue',
        ),
        migrations.AlterField(
            model_name='unitindicatorvalues',
            name='snapshot',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='indicator_values', to='indicators.snapshot', verbose_name='snapshot'),
        ),
        migrations.AlterField(
            model_name='unitindicatorvalues',
            name='unit',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='indicator_values', to='units.administrativeunit', verbose_name='unit'),
        ),
    ]
