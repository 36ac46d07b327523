"""Group scores and indicator values become fact tables: one row per (snapshot, unit, group)
and per (snapshot, unit, indicator), keyed by those columns.

The documents of `indicators_unitscore` (`group_document`, `indicator_document`: JSON text
with one-letter keys, migrations 0006 and 0009) are carried over into rows, and back on
reversal. The new tables' references (snapshot, unit, group or indicator) are checked per
statement like the unit rows' (migration 0003's triggers; foreign keys would check each of a
national snapshot's 70,455 value rows one by one: docs/PERFORMANCE.md). The guards of
migrations 0005 and 0006 (no part of a framework in use is deleted) stay.
"""

import json
from collections import defaultdict
from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

from indicators.reference_checks import swap_reference_checks

SCORES = [
    ("snapshot_id", "indicators_snapshot"),
    ("unit_id", "units_administrativeunit"),
    ("band_id", "indicators_band"),
]
BEFORE = {"indicators_unitscore": SCORES}
AFTER = {
    "indicators_unitscore": SCORES,
    "indicators_groupscore": [
        ("snapshot_id", "indicators_snapshot"),
        ("unit_id", "units_administrativeunit"),
        ("group_id", "indicators_indicatorgroup"),
    ],
    "indicators_indicatorvalue": [
        ("snapshot_id", "indicators_snapshot"),
        ("unit_id", "units_administrativeunit"),
        ("indicator_id", "indicators_indicator"),
    ],
}
BATCH = 5000


def _points(cents):
    return None if cents is None else Decimal(cents).scaleb(-2)


def _count(number):
    return None if number is None else Decimal(str(number))


def documents_into_rows(apps, schema_editor):
    UnitScore = apps.get_model("indicators", "UnitScore")
    GroupScore = apps.get_model("indicators", "GroupScore")
    IndicatorValue = apps.get_model("indicators", "IndicatorValue")
    groups, values = [], []
    rows = UnitScore.objects.values_list(
        "snapshot_id", "unit_id", "group_document", "indicator_document"
    )
    for snapshot_id, unit_id, group_document, indicator_document in rows.iterator():
        key = {"snapshot_id": snapshot_id, "unit_id": unit_id}
        if group_document:
            doc = json.loads(group_document)
            for group_id, points, official, rank, count in zip(
                doc["g"], doc["p"], doc["o"], doc["r"], doc["c"], strict=True
            ):
                groups.append(
                    GroupScore(
                        **key,
                        group_id=group_id,
                        points=_points(points),
                        official_points=_points(official),
                        rank=rank,
                        peer_count=count,
                    )
                )
        if indicator_document:
            doc = json.loads(indicator_document, parse_float=Decimal)
            for indicator_id, numerator, denominator, points, portal, status in zip(
                doc["i"], doc["n"], doc["d"], doc["p"], doc["pp"], doc["s"], strict=True
            ):
                values.append(
                    IndicatorValue(
                        **key,
                        indicator_id=indicator_id,
                        numerator=_count(numerator),
                        denominator=_count(denominator),
                        points=_points(points),
                        portal_points=_points(portal),
                        status=status,
                    )
                )
        if len(groups) + len(values) >= BATCH:
            GroupScore.objects.bulk_create(groups)
            IndicatorValue.objects.bulk_create(values)
            groups, values = [], []
    GroupScore.objects.bulk_create(groups)
    IndicatorValue.objects.bulk_create(values)


def _cents(points):
    return None if points is None else int(points.scaleb(2))


def _number(count):
    # A whole count as an integer, as the documents held it ("12", not "12.0000").
    if count is None:
        return None
    count = count.normalize()
    return int(count) if count == count.to_integral_value() else float(count)


def rows_into_documents(apps, schema_editor):
    UnitScore = apps.get_model("indicators", "UnitScore")
    GroupScore = apps.get_model("indicators", "GroupScore")
    IndicatorValue = apps.get_model("indicators", "IndicatorValue")
    group_docs = defaultdict(lambda: {k: [] for k in ("g", "p", "o", "r", "c")})
    for row in GroupScore.objects.order_by("snapshot_id", "unit_id", "group__position").iterator():
        doc = group_docs[(row.snapshot_id, row.unit_id)]
        for key, value in zip(
            "gporc",
            (row.group_id, _cents(row.points), _cents(row.official_points), row.rank,
             row.peer_count),
            strict=True,
        ):
            doc[key].append(value)
    value_docs = defaultdict(lambda: {k: [] for k in ("i", "n", "d", "p", "pp", "s")})
    for row in IndicatorValue.objects.order_by(
        "snapshot_id", "unit_id", "indicator__position"
    ).iterator():
        doc = value_docs[(row.snapshot_id, row.unit_id)]
        for key, value in zip(
            ("i", "n", "d", "p", "pp", "s"),
            (row.indicator_id, _number(row.numerator), _number(row.denominator),
             _cents(row.points), _cents(row.portal_points), row.status),
            strict=True,
        ):
            doc[key].append(value)
    for key in group_docs.keys() | value_docs.keys():
        UnitScore.objects.filter(snapshot_id=key[0], unit_id=key[1]).update(
            group_document=_json(group_docs.get(key)),
            indicator_document=_json(value_docs.get(key)),
        )


def _json(doc):
    return "" if doc is None else json.dumps(doc, separators=(",", ":"))


def checks_forward(apps, schema_editor):
    swap_reference_checks(schema_editor, BEFORE, AFTER)


def checks_backward(apps, schema_editor):
    swap_reference_checks(schema_editor, AFTER, BEFORE)


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0011_unit_scores_primary_key'),
        ('units', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='GroupScore',
            fields=[
                ('pk', models.CompositePrimaryKey('snapshot', 'unit', 'group', blank=True, editable=False, primary_key=True, serialize=False)),
                ('points', models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True, verbose_name='points')),
                ('official_points', models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True, verbose_name='official points')),
                ('rank', models.PositiveIntegerField(blank=True, null=True, verbose_name='rank')),
                ('peer_count', models.PositiveIntegerField(blank=True, null=True, verbose_name='peers ranked')),
                ('group', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='indicators.indicatorgroup', verbose_name='group')),
                ('snapshot', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='group_scores', to='indicators.snapshot', verbose_name='snapshot')),
                ('unit', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.administrativeunit', verbose_name='unit')),
            ],
            options={
                'verbose_name': 'group score',
                'verbose_name_plural': 'group scores',
                'constraints': [models.CheckConstraint(condition=models.Q(('points__isnull', True), models.Q(('points__gte', 0), ('points__lte', 100)), _connector='OR'), name='group_score_points_range'), models.CheckConstraint(condition=models.Q(('official_points__isnull', True), models.Q(('official_points__gte', 0), ('official_points__lte', 100)), _connector='OR'), name='group_score_official_points_range'), models.CheckConstraint(condition=models.Q(('rank__isnull', True), models.Q(('rank__gte', 1), ('rank__lte', models.F('peer_count'))), _connector='OR'), name='group_score_rank_within_peers')],
            },
        ),
        migrations.CreateModel(
            name='IndicatorValue',
            fields=[
                ('pk', models.CompositePrimaryKey('snapshot', 'unit', 'indicator', blank=True, editable=False, primary_key=True, serialize=False)),
                ('numerator', models.DecimalField(blank=True, decimal_places=4, max_digits=16, null=True, verbose_name='numerator')),
                ('denominator', models.DecimalField(blank=True, decimal_places=4, max_digits=16, null=True, verbose_name='denominator')),
                ('points', models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True, verbose_name='points')),
                ('portal_points', models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True, verbose_name='portal points')),
                ('status', models.CharField(choices=[('ok', 'Scored'), ('no_data', 'No data'), ('zero_denominator_full', 'Nothing to count: full marks'), ('zero_denominator_zero', 'Nothing to count: zero points'), ('not_applicable', 'Not applicable')], max_length=24, verbose_name='status')),
                ('indicator', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='indicators.indicator', verbose_name='indicator')),
                ('snapshot', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='indicator_values', to='indicators.snapshot', verbose_name='snapshot')),
                ('unit', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.administrativeunit', verbose_name='unit')),
            ],
            options={
                'verbose_name': 'indicator value',
                'verbose_name_plural': 'indicator values',
                'constraints': [models.CheckConstraint(condition=models.Q(('points__isnull', True), models.Q(('points__gte', 0), ('points__lte', 100)), _connector='OR'), name='indicator_value_points_range'), models.CheckConstraint(condition=models.Q(models.Q(('numerator__isnull', True), ('numerator__gte', 0), _connector='OR'), models.Q(('denominator__isnull', True), ('denominator__gte', 0), _connector='OR')), name='indicator_value_counts_nonneg'), models.CheckConstraint(condition=models.Q(models.Q(('points__isnull', True), ('status__in', ['no_data', 'not_applicable'])), models.Q(('points__isnull', False), ('status__in', ['ok', 'zero_denominator_full', 'zero_denominator_zero'])), _connector='OR'), name='indicator_value_status_points')],
            },
        ),
        migrations.RunPython(documents_into_rows, rows_into_documents),
        migrations.RunPython(checks_forward, checks_backward),
        migrations.RemoveField(
            model_name='unitscore',
            name='group_document',
        ),
        migrations.RemoveField(
            model_name='unitscore',
            name='indicator_document',
        ),
    ]
