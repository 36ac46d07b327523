"""Back up the database and the kept uploads into one archive (`make backup`)."""

from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scoreboard.backup import BackupError, backup_create, configured_database_url


class Command(BaseCommand):
    help = "Write backups/scoreboard-YYYYmmdd-HHMMSS.tar.gz: pg_dump + MEDIA_ROOT's uploads."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=None, help="Archive path")

    def handle(self, *args, output, **options):
        output = output or Path("backups") / f"scoreboard-{datetime.now():%Y%m%d-%H%M%S}.tar.gz"
        try:
            manifest = backup_create(
                database_url=configured_database_url(),
                media_root=Path(settings.MEDIA_ROOT),
                output=output,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            f"{manifest['published_rows']} published score rows, "
            f"{manifest['media_files']} kept files."
        )
        self.stdout.write(str(output))
