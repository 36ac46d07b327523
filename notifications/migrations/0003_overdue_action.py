"""Overdue actions alerted to their owner and creator (issue 20), and its default rule.

Users who had saved their own choice of rules never saw this one: it is added to their
choice, so saving settings before the rule existed does not silence it.
"""

import django.db.models.deletion
from django.db import migrations, models

# Every role: whoever owns or created an action hears about it, whatever their role.
ROLES = "unit_chair,provincial_staff,data_admin"


def create(apps, schema_editor):
    AlertRule = apps.get_model("notifications", "AlertRule")
    rule, created = AlertRule.objects.get_or_create(
        kind="overdue_action", defaults={"default_roles": ROLES}
    )
    if created:
        Preference = apps.get_model("notifications", "NotificationPreference")
        for pref in Preference.objects.filter(rules_customised=True):
            pref.rules.add(rule)


def remove(apps, schema_editor):
    apps.get_model("notifications", "AlertRule").objects.filter(kind="overdue_action").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('actions', '0001_initial'),
        ('indicators', '0011_unit_scores_primary_key'),
        ('notifications', '0002_default_rules'),
        ('units', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='alert',
            name='alert_once_per_rule_unit_key',
        ),
        migrations.AddField(
            model_name='alert',
            name='action',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='actions.action', verbose_name='action'),
        ),
        migrations.AlterField(
            model_name='alertrule',
            name='kind',
            field=models.CharField(choices=[('rank_drop', 'Rank fell'), ('band_down', 'Band went down'), ('turned_weak', 'Turned “weak”'), ('group_drop', 'A group lost points week on week'), ('below_median', 'Fell below the peer median in a group'), ('totals_disagree', 'Official total disagrees with the groups'), ('missing_upload', 'Weekly data missing at the deadline'), ('stale_table', "A table lags the scope's others"), ('overdue_action', 'An action is overdue')], max_length=20, unique=True, verbose_name='kind'),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.UniqueConstraint(condition=models.Q(('action__isnull', True)), fields=('rule', 'unit', 'scope', 'as_of', 'period', 'period_year', 'period_number'), name='alert_once_per_rule_unit_key'),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.UniqueConstraint(condition=models.Q(('action__isnull', False)), fields=('rule', 'action', 'as_of'), name='alert_once_per_action_due_date'),
        ),
        migrations.RunPython(create, remove),
    ]
