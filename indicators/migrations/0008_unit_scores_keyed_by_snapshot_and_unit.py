"""Key unit scores by (snapshot, unit) instead of a surrogate id, as 0004 did for values.

Dropping `id` drops its index: the unique (snapshot, unit) constraint, kept as is, is the key
on PostgreSQL and SQLite. Every index costs a WAL-logged entry on each of a national
snapshot's 3,355 rows, written again at each recompute (docs/PERFORMANCE.md).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0007_unit_score_references_checked_per_statement'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='unitscore',
            name='id',
        ),
        migrations.AddField(
            model_name='unitscore',
            name='pk',
            field=models.CompositePrimaryKey('snapshot', 'unit', blank=True, editable=False, primary_key=True, serialize=False),
        ),
    ]
