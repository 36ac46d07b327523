"""The default alert rules (issue 18); admins edit them in the Django admin."""

import datetime

from django.db import migrations

CHAIR, STAFF, ADMIN = "unit_chair", "provincial_staff", "data_admin"
DEFAULTS = [
    # kind, threshold, roles told by default
    ("rank_drop", 2, [CHAIR, STAFF]),
    ("band_down", None, [CHAIR, STAFF]),
    ("turned_weak", None, [CHAIR, STAFF]),
    ("group_drop", 1, [CHAIR]),
    ("below_median", None, [CHAIR]),
    ("totals_disagree", None, [ADMIN]),
    ("missing_upload", None, [STAFF, ADMIN]),
    # Days a table may lag its province's newest one: one week's upload may come a day later.
    ("stale_table", 7, [STAFF, ADMIN]),
]


def create(apps, schema_editor):
    AlertRule = apps.get_model("notifications", "AlertRule")
    for kind, threshold, roles in DEFAULTS:
        extra = {}
        if kind == "missing_upload":  # Tuesday 12:00, Asia/Ho_Chi_Minh
            extra = {"deadline_weekday": 1, "deadline_time": datetime.time(12, 0)}
        AlertRule.objects.get_or_create(
            kind=kind, defaults={"threshold": threshold, "default_roles": ",".join(roles), **extra}
        )


def remove(apps, schema_editor):
    apps.get_model("notifications", "AlertRule").objects.filter(
        kind__in=[kind for kind, _t, _r in DEFAULTS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
