"""Raise the demo's alerts and tell the demo users (run after load_demo); idempotent."""

from django.core.management.base import BaseCommand

from notifications.services import alert_demo_load


class Command(BaseCommand):
    help = "Evaluate the alert rules on the published demo snapshots and notify the demo users."

    def handle(self, *args, **options):
        alerts, told = alert_demo_load()
        # Its own line: the lines of load_demo that CI reads stay as they are.
        self.stdout.write(f"Demo alerts: {alerts} alerts, {told} new notifications.")
