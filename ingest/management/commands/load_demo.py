"""Publish the demo exports through the ingest pipeline and create one demo user per role."""

from django.conf import settings
from django.core.management.base import BaseCommand

from ingest.demo import DEMO_PASSWORD, demo_load, demo_users_create


class Command(BaseCommand):
    help = "Load the demo data in demo/ (synthetic except the seed figures) and demo users."

    def add_arguments(self, parser):
        parser.add_argument("--no-users", action="store_true", help="do not create demo users")

    def handle(self, *args, no_users, **options):
        report = demo_load(progress=self.stdout.write)
        self.stdout.write(
            f"Demo exports: {len(report.published)} published, {len(report.previewed)} left for "
            f"review, {len(report.unchanged)} already loaded, {len(report.rejected)} rejected."
        )
        for line in report.rejected:
            self.stderr.write(f"rejected: {line}")
        if not no_users and not settings.PRODUCTION:
            demo_users_create(report=report)
            if report.users:
                self.stdout.write(
                    f"Demo users created (password “{DEMO_PASSWORD}”): {', '.join(report.users)}"
                )
        if report.rejected:
            raise SystemExit(1)
