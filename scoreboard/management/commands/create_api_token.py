"""Issue, rotate or revoke the API token of one client of a user (hashed at rest, audited)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.services import ApiTokenError, api_token_create, api_token_revoke, api_token_rotate


class Command(BaseCommand):
    help = (
        "Print a new API token for one client of USER; clients send it as "
        "'Authorization: Token <token>'. Only a digest is stored, so the token is shown once: "
        "--rotate replaces a client's token (the old one stops working), --revoke deletes it."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--client", default="default", help="Name of the client (a script)")
        parser.add_argument("--days", type=int, default=None, help="Expiry in days (0: never)")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--rotate", action="store_true", help="Replace the client's token")
        action.add_argument("--revoke", action="store_true", help="Delete the client's token")

    def handle(self, *args, username, client, days, rotate, revoke, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        if revoke:
            if not api_token_revoke(user=user, client=client):
                raise CommandError(f"{username} has no token for client {client!r}.")
            self.stderr.write(f"Token of {username} for {client!r} revoked.")
            return
        try:
            issue = api_token_rotate if rotate else api_token_create
            row, token = issue(user=user, client=client, days=days)
        except ApiTokenError as exc:
            raise CommandError(f"{exc} (--rotate)") from exc
        expiry = row.expiry.date().isoformat() if row.expiry else "never"
        self.stderr.write(f"Token of {username} for {client!r}, expires {expiry}; shown once:")
        self.stdout.write(token)
