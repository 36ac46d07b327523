"""Create the demo's actions (after load_demo and its users); idempotent."""

from django.conf import settings
from django.core.management.base import BaseCommand

from actions.demo import demo_actions_create


class Command(BaseCommand):
    help = "Create a few actions on demo units, as the review of 13 May 2025 decided them."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            return
        created, existing = demo_actions_create()
        self.stdout.write(f"Demo actions: {created} created, {existing} already there.")
