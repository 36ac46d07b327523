"""manage.py reporting_role NAME [--password …]: a read-only login for Metabase, Superset, Excel."""

import os

from django.core.management.base import BaseCommand, CommandError

from reporting.services import SCHEMA, reporting_role_grant


class Command(BaseCommand):
    help = (
        "Create (or update) a PostgreSQL role that may read the reporting schema and nothing else."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="the role's name, e.g. analyst")
        parser.add_argument(
            "--password-env",
            metavar="VARIABLE",
            help="read the role's password from this environment variable (not the command line)",
        )

    def handle(self, *args, name, password_env, **options):
        password = None
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"The environment variable {password_env} is empty or unset.")
        try:
            reporting_role_grant(role=name, password=password)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Role {name} may read the schema {SCHEMA} (and nothing else).")
