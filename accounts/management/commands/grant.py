"""Give a user a role on a unit: `manage.py grant USER ROLE UNIT_CODE`."""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role
from accounts.services import membership_grant
from units.services import unit_resolve


class Command(BaseCommand):
    help = "Grant USER the ROLE (provincial_staff, unit_chair, data_admin) on a unit."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("unit", help="unit code (GSO, portal) or name")
        parser.add_argument(
            "--as-of",
            type=datetime.date.fromisoformat,
            default=None,
            help="date the unit code or name is valid on (default: today)",
        )

    def handle(self, *args, username, role, unit, as_of, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(
                f"no user {username!r}; create it first (createsuperuser or the admin)"
            ) from exc
        match = unit_resolve(text=unit, as_of=as_of or datetime.date.today())
        if match.unit is None:
            raise CommandError(f"unit {unit!r}: {match.error}")
        _membership, created = membership_grant(user=user, unit=match.unit, role=role)
        verb = "granted" if created else "already had"
        self.stdout.write(f"{username} {verb} {role} on {match.unit.full_name} (#{match.unit.pk}).")
