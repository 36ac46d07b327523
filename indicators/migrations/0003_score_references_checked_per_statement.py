"""Check the references of the bulk score tables once per statement instead of once per row.

IndicatorValue and GroupScore lose their foreign-key constraints (see indicators/models.py,
SCORE_REFERENCE, for why); on PostgreSQL, statement-level triggers with transition tables
enforce the same rule set-based:
- after an INSERT or UPDATE of score rows, every snapshot, unit, indicator and group they
  name exists, and is locked FOR KEY SHARE (as a foreign key locks it) until the end of the
  transaction, so that it cannot be deleted meanwhile;
- after a DELETE of snapshots, units, indicators or groups, no score row names one of them.
Like the constraints they replace, they raise foreign_key_violation (an IntegrityError).
They are immediate, not deferred: the services write a snapshot before its scores.
Not covered, as no code does either: changing the id of a referenced row, TRUNCATE.
"""

import django.db.models.deletion
from django.db import migrations, models

# Table names as of this migration: score table → [(column, referenced table)].
REFERENCES = {
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

CREATE_FUNCTIONS = r"""
CREATE FUNCTION score_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
-- Arguments: pairs of (column of the score table, referenced table with an "id" key).
DECLARE
    columns text := '';
    sets text := '';
    which text := '';
    i integer := 0;
    k integer;
    refs bigint[];
    found bigint;
    missing bigint;
BEGIN
    WHILE i < TG_NARGS LOOP
        columns := columns || CASE WHEN i > 0 THEN ', ' ELSE '' END || format('%I', TG_ARGV[i]);
        sets := sets || CASE WHEN i > 0 THEN ', ' ELSE '' END || format('(%I)', TG_ARGV[i]);
        which := which || format(' WHEN GROUPING(%I) = 0 THEN %s', TG_ARGV[i], i / 2);
        i := i + 2;
    END LOOP;
    -- One pass over the new rows (grouping sets hash every column at once) gives the
    -- distinct ids of each reference: a few thousand, whatever the number of rows.
    FOR k, refs IN EXECUTE format(
        'SELECT k, array_agg(ref) FROM (SELECT CASE%s END AS k, COALESCE(%s)::bigint AS ref '
        'FROM new_rows GROUP BY GROUPING SETS (%s)) g WHERE ref IS NOT NULL GROUP BY k',
        which, columns, sets)
    LOOP
        -- Lock them as a foreign key would, so that none is deleted before this commits.
        EXECUTE format(
            'SELECT count(*) FROM (SELECT 1 FROM %I p WHERE p.id = ANY($1) FOR KEY SHARE OF p) x',
            TG_ARGV[2 * k + 1])
        INTO found USING refs;
        IF found < cardinality(refs) THEN
            EXECUTE format(
                'SELECT r FROM unnest($1) r WHERE NOT EXISTS (SELECT 1 FROM %I p WHERE p.id = r) '
                'LIMIT 1', TG_ARGV[2 * k + 1])
            INTO missing USING refs;
            RAISE EXCEPTION 'insert or update on table "%" violates the reference of "%" to "%"',
                TG_TABLE_NAME, TG_ARGV[2 * k], TG_ARGV[2 * k + 1]
                USING ERRCODE = 'foreign_key_violation',
                DETAIL = format('Key (%s)=(%s) is not present in table "%s".',
                                TG_ARGV[2 * k], missing, TG_ARGV[2 * k + 1]);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

CREATE FUNCTION score_referenced_check() RETURNS trigger LANGUAGE plpgsql AS $$
-- Arguments: pairs of (score table, its column that names a row of this table).
DECLARE
    i integer := 0;
    found text;
BEGIN
    WHILE i < TG_NARGS LOOP
        EXECUTE format(
            'SELECT o.id::text FROM old_rows o '
            'WHERE EXISTS (SELECT 1 FROM %1$I c WHERE c.%2$I = o.id) LIMIT 1',
            TG_ARGV[i], TG_ARGV[i + 1])
        INTO found;
        IF found IS NOT NULL THEN
            RAISE EXCEPTION 'delete on table "%" violates the reference from "%"',
                TG_TABLE_NAME, TG_ARGV[i]
                USING ERRCODE = 'foreign_key_violation',
                DETAIL = format('Key (id)=(%s) is still referenced from table "%s".',
                                found, TG_ARGV[i]);
        END IF;
        i := i + 2;
    END LOOP;
    RETURN NULL;
END
$$;
"""


def _quote(*names: str) -> str:
    return ", ".join("'" + name + "'" for name in names)


def _statements() -> list[str]:
    statements = [CREATE_FUNCTIONS]
    referenced: dict[str, list[str]] = {}
    for table, references in REFERENCES.items():
        arguments = _quote(*(name for pair in references for name in pair))
        for event in ("INSERT", "UPDATE"):
            statements.append(
                f"CREATE TRIGGER {table}_references_{event.lower()} AFTER {event} ON {table} "
                "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
                f"EXECUTE FUNCTION score_references_check({arguments})"
            )
        for column, parent in references:
            referenced.setdefault(parent, []).extend([table, column])
    for parent, pairs in referenced.items():
        statements.append(
            f"CREATE TRIGGER {parent}_scores_delete AFTER DELETE ON {parent} "
            "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION score_referenced_check({_quote(*pairs)})"
        )
    return statements


def create_checks(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in _statements():
        schema_editor.execute(statement, params=None)


def drop_checks(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    parents = {parent for references in REFERENCES.values() for _column, parent in references}
    for table in REFERENCES:
        for event in ("insert", "update"):
            schema_editor.execute(f"DROP TRIGGER {table}_references_{event} ON {table}", None)
    for parent in sorted(parents):
        schema_editor.execute(f"DROP TRIGGER {parent}_scores_delete ON {parent}", None)
    schema_editor.execute("DROP FUNCTION score_references_check()", None)
    schema_editor.execute("DROP FUNCTION score_referenced_check()", None)


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0002_framework_766_2022'),
        ('units', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='groupscore',
            name='group',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='scores', to='indicators.indicatorgroup', verbose_name='group'),
        ),
        migrations.AlterField(
            model_name='groupscore',
            name='snapshot',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='group_scores', to='indicators.snapshot', verbose_name='snapshot'),
        ),
        migrations.AlterField(
            model_name='groupscore',
            name='unit',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='group_scores', to='units.administrativeunit', verbose_name='unit'),
        ),
        migrations.AlterField(
            model_name='indicatorvalue',
            name='indicator',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='values', to='indicators.indicator', verbose_name='indicator'),
        ),
        migrations.AlterField(
            model_name='indicatorvalue',
            name='snapshot',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='indicator_values', to='indicators.snapshot', verbose_name='snapshot'),
        ),
        migrations.AlterField(
            model_name='indicatorvalue',
            name='unit',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='indicator_values', to='units.administrativeunit', verbose_name='unit'),
        ),
        migrations.RunPython(create_checks, drop_checks),
    ]
