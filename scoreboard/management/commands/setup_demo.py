"""Load reference data and demo data; safe to run any number of times."""

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load reference data (units, framework) and demo data. Idempotent."

    def handle(self, *args, **options):
        # Each step is provided by its app; a step that does not exist yet is skipped so the
        # chain keeps working while the apps are built out.
        available = get_commands()
        for name in ("load_units", "load_demo", "load_demo_actions", "load_demo_alerts"):
            if name in available:
                self.stdout.write(f"→ {name}")
                call_command(name, stdout=self.stdout, stderr=self.stderr)
