"""Restore a backup archive into an empty database (`make restore FILE=…`)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scoreboard.backup import BackupError, backup_restore, configured_database_url


class Command(BaseCommand):
    help = (
        "Restore FILE (from `make backup`) into the empty database of DATABASE_URL and into "
        "MEDIA_ROOT, then check the published rankings are the backed-up ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--database-url", default=None, help="Default: DATABASE_URL")
        parser.add_argument("--media-root", type=Path, default=None, help="Default: MEDIA_ROOT")

    def handle(self, *args, file, database_url, media_root, **options):
        try:
            manifest = backup_restore(
                archive=file,
                database_url=database_url or configured_database_url(),
                media_root=media_root or Path(settings.MEDIA_ROOT),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']}: {manifest['published_rows']} "
            f"published score rows, same rankings; {manifest['media_files']} kept files."
        )
