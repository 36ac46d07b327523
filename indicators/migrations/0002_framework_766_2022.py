"""Load framework "766-2022" (groups, indicators, bands) from indicators/frameworks/766-2022.json."""

from django.db import migrations

from indicators.frameworks import load_framework, read_framework

CODE = "766-2022"


def forwards(apps, schema_editor):
    load_framework(
        read_framework(CODE),
        Framework=apps.get_model("indicators", "Framework"),
        IndicatorGroup=apps.get_model("indicators", "IndicatorGroup"),
        Indicator=apps.get_model("indicators", "Indicator"),
        Band=apps.get_model("indicators", "Band"),
    )


def backwards(apps, schema_editor):
    # Snapshots PROTECT their framework: unloading fails loudly while scores exist.
    apps.get_model("indicators", "Framework").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
