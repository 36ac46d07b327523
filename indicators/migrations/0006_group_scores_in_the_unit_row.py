"""Group scores: in the unit's row (`UnitScore.group_document`) instead of a row per group.

A national snapshot's ~23,500 group rows cost about twice a bare COPY to store, one index
entry each; as a short JSON document in the 3,355 unit rows that are written anyway they
cost a few milliseconds (docs/PERFORMANCE.md). Existing group scores are carried over and
back on reversal.

The per-statement reference checks of migrations 0003 and 0005 lose the group table; the
group ids now inside the documents are guarded like the indicator ids (migration 0005): on
PostgreSQL a group whose framework has snapshots cannot be deleted.
"""

import json
from collections import defaultdict
from decimal import Decimal

from django.db import migrations, models

from indicators.reference_checks import swap_reference_checks

WITH_GROUPS = {
    "indicators_unitindicatorvalues": [
        ("snapshot_id", "indicators_snapshot"),
        ("unit_id", "units_administrativeunit"),
    ],
    "indicators_groupscore": [
        ("snapshot_id", "indicators_snapshot"),
        ("unit_id", "units_administrativeunit"),
        ("group_id", "indicators_indicatorgroup"),
    ],
}
WITHOUT_GROUPS = {"indicators_unitindicatorvalues": WITH_GROUPS["indicators_unitindicatorvalues"]}

# Migration 0005's guard, on the groups: their ids now live in the unit rows' documents.
GROUP_GUARD = (
    "CREATE TRIGGER indicators_indicatorgroup_in_use_delete AFTER DELETE ON "
    "indicators_indicatorgroup REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION framework_part_in_use_check()"
)
GROUP_GUARD_DROP = (
    "DROP TRIGGER IF EXISTS indicators_indicatorgroup_in_use_delete ON indicators_indicatorgroup",
)


def checks_forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        swap_reference_checks(schema_editor, WITH_GROUPS, WITHOUT_GROUPS)
        schema_editor.execute(GROUP_GUARD, None)


def checks_backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in GROUP_GUARD_DROP:
            schema_editor.execute(statement, None)
        swap_reference_checks(schema_editor, WITHOUT_GROUPS, WITH_GROUPS)


def _cents(value):
    return None if value is None else int(value.scaleb(2))


def groups_to_documents(apps, schema_editor):
    GroupScore = apps.get_model("indicators", "GroupScore")
    UnitScore = apps.get_model("indicators", "UnitScore")
    snapshots = GroupScore.objects.values_list("snapshot_id", flat=True).distinct()
    for snapshot_id in list(snapshots):
        documents = defaultdict(lambda: {"g": [], "p": [], "o": [], "r": [], "c": []})
        rows = (
            GroupScore.objects.filter(snapshot_id=snapshot_id)
            .order_by("unit_id", "group__position")
            .values_list("unit_id", "group_id", "points", "official_points", "rank", "peer_count")
        )
        for unit_id, group_id, points, official, rank, peer_count in rows.iterator():
            doc = documents[unit_id]
            doc["g"].append(group_id)
            doc["p"].append(_cents(points))
            doc["o"].append(_cents(official))
            doc["r"].append(rank)
            doc["c"].append(peer_count)
        scores = list(UnitScore.objects.filter(snapshot_id=snapshot_id, unit_id__in=documents))
        for score in scores:
            score.group_document = json.dumps(documents[score.unit_id], separators=(",", ":"))
        UnitScore.objects.bulk_update(scores, ["group_document"], batch_size=1000)


def documents_to_groups(apps, schema_editor):
    GroupScore = apps.get_model("indicators", "GroupScore")
    UnitScore = apps.get_model("indicators", "UnitScore")
    for score in UnitScore.objects.exclude(group_document="").iterator():
        doc = json.loads(score.group_document)
        GroupScore.objects.bulk_create(
            [
                GroupScore(
                    snapshot_id=score.snapshot_id,
                    unit_id=score.unit_id,
                    group_id=g,
                    points=None if p is None else Decimal(p).scaleb(-2),
                    official_points=None if o is None else Decimal(o).scaleb(-2),
                    rank=r,
                    peer_count=c,
                )
                for g, p, o, r, c in zip(
                    doc["g"], doc["p"], doc["o"], doc["r"], doc["c"], strict=True
                )
            ]
        )


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0005_unit_indicator_values_one_row_per_unit'),
    ]

    operations = [
        migrations.AddField(
            model_name='unitscore',
            name='group_document',
            field=models.TextField(blank=True, default='', verbose_name='group scores'),
        ),
        migrations.RunPython(groups_to_documents, documents_to_groups),
        migrations.RunPython(checks_forward, checks_backward),
        migrations.DeleteModel(
            name='GroupScore',
        ),
    ]
