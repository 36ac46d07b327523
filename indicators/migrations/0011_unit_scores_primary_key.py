"""Give unit scores a real primary key (snapshot, unit) on PostgreSQL.

0008 declared the composite key, but on PostgreSQL dropping `id` left the table with no
primary key at all, only the unique (snapshot, unit) constraint: tools that need a key
(logical replication, some reporting clients) could not use it. The key replaces the unique
constraint (same columns, so still one index to maintain per row). SQLite already had it.
"""

from django.db import migrations, models

CONSTRAINT = models.UniqueConstraint(fields=["snapshot", "unit"], name="unit_score_unique")


def add_primary_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE indicators_unitscore "
            "ADD CONSTRAINT indicators_unitscore_pkey PRIMARY KEY (snapshot_id, unit_id)"
        )


def drop_primary_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE indicators_unitscore DROP CONSTRAINT indicators_unitscore_pkey"
        )


class Migration(migrations.Migration):
    dependencies = [("indicators", "0010_indicator_improved_by")]

    operations = [
        migrations.RemoveConstraint(model_name="unitscore", name="unit_score_unique"),
        migrations.RunPython(add_primary_key, drop_primary_key),
    ]
