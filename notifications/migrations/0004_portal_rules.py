"""The portal sync's alert rules (issue 19): told to data admins by default.

As in 0003, users who had saved their own choice of rules get the new ones added to it, so a
choice saved before the rules existed does not silence them.
"""

from django.db import migrations, models

DEFAULTS = [("portal_stopped", ["data_admin"]), ("portal_review", ["data_admin"])]


def create(apps, schema_editor):
    AlertRule = apps.get_model("notifications", "AlertRule")
    Preference = apps.get_model("notifications", "NotificationPreference")
    for kind, roles in DEFAULTS:
        rule, created = AlertRule.objects.get_or_create(
            kind=kind, defaults={"default_roles": ",".join(roles)}
        )
        if created:
            for pref in Preference.objects.filter(rules_customised=True):
                pref.rules.add(rule)


def remove(apps, schema_editor):
    apps.get_model("notifications", "AlertRule").objects.filter(
        kind__in=[kind for kind, _r in DEFAULTS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_overdue_action")]
    operations = [
        migrations.AlterField(
            model_name="alertrule",
            name="kind",
            field=models.CharField(
                choices=[
                    ("rank_drop", "Rank fell"),
                    ("band_down", "Band went down"),
                    ("turned_weak", "Turned “weak”"),
                    ("group_drop", "A group lost points week on week"),
                    ("below_median", "Fell below the peer median in a group"),
                    ("totals_disagree", "Official total disagrees with the groups"),
                    ("missing_upload", "Weekly data missing at the deadline"),
                    ("stale_table", "A table lags the scope's others"),
                    ("overdue_action", "An action is overdue"),
                    ("portal_stopped", "Portal sync stopped after failures"),
                    ("portal_review", "A portal fetch waits for review"),
                ],
                max_length=20,
                unique=True,
                verbose_name="kind",
            ),
        ),
        migrations.RunPython(create, remove),
    ]
