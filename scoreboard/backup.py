"""Backup and restore: one archive with a pg_dump of the database and the kept originals.

The archive (a .tar.gz) holds `database.dump` (pg_dump's custom format), `media/` (the
uploaded exports under MEDIA_ROOT, byte for byte) and `manifest.json`, which records a
fingerprint of every published ranking. A restore goes into an empty database only, and
checks the restored rankings against that fingerprint before saying it is done.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

# Every published ranking, in a fixed order: the rows readers see (and the order they rank in).
RANKINGS_SQL = """
SELECT count(*), md5(coalesce(string_agg(
    concat_ws(',', s.scope_id, s.as_of, s.period, s.period_year, s.period_number, s.revision,
              u.unit_id, u.peer_key, u.rank, u.ranking_total, u.band_id),
    ';' ORDER BY s.scope_id, s.as_of, s.period, s.period_year, s.period_number, u.unit_id), ''))
FROM indicators_unitscore u JOIN indicators_snapshot s ON s.id = u.snapshot_id
WHERE s.status = 'published'
"""


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Rankings:
    rows: int
    fingerprint: str


def libpq_url(url: str) -> str:
    """django-environ accepts postgres:// and psql:// ; libpq wants postgresql://."""
    for prefix in ("postgres://", "psql://", "pgsql://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    if not url.startswith("postgresql://"):
        raise BackupError(f"Backups need PostgreSQL; DATABASE_URL is {url.split(':')[0]}://…")
    return url


def configured_database_url() -> str:
    """The libpq URL of Django's default database (as DATABASE_URL configured it)."""
    from urllib.parse import quote

    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("Backups need PostgreSQL: DATABASE_URL is not a postgres:// URL.")
    user = quote(db.get("USER") or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgresql://{user}{password}@{host}:{port}/{db['NAME']}"


def published_rankings(url: str) -> Rankings:
    with psycopg.connect(libpq_url(url)) as conn:
        rows, fingerprint = conn.execute(RANKINGS_SQL).fetchone()
    return Rankings(rows=rows, fingerprint=fingerprint)


def backup_create(*, database_url: str, media_root: Path, output: Path) -> dict:
    """Write one archive of the database and the kept uploads; return its manifest."""
    url = libpq_url(database_url)
    rankings = published_rankings(url)
    with tempfile.TemporaryDirectory(prefix="backup-") as tmp:
        dump = Path(tmp) / "database.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={dump}", url])
        media = sorted(p for p in (media_root / "uploads").rglob("*") if p.is_file())
        manifest = {
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": url.rsplit("/", 1)[-1].split("?")[0],
            "published_rows": rankings.rows,
            "published_fingerprint": rankings.fingerprint,
            "media_files": len(media),
        }
        (Path(tmp) / "manifest.json").write_text(json.dumps(manifest, indent=2))
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(Path(tmp) / "manifest.json", arcname="manifest.json")
            tar.add(dump, arcname="database.dump")
            for path in media:
                tar.add(path, arcname=f"media/{path.relative_to(media_root)}")
        partial.replace(output)  # a backup cut short never looks like a whole one
    return manifest


def backup_restore(*, archive: Path, database_url: str, media_root: Path) -> dict:
    """Restore an archive into an empty database and MEDIA_ROOT; verify the rankings.

    1. Refuse a database that has tables (nothing is overwritten).
    2. pg_restore the dump; copy the originals in (same path = same bytes: content-addressed).
    3. Compare the restored published rankings with the manifest's fingerprint.
    """
    url = libpq_url(database_url)
    if not archive.is_file():
        raise BackupError(f"No backup file {archive}.")
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]
    if tables:
        raise BackupError(
            f"The database {url.rsplit('/', 1)[-1]} is not empty ({tables} tables): restore "
            "into a new, empty database (createdb), then point DATABASE_URL at it."
        )
    with tempfile.TemporaryDirectory(prefix="restore-") as tmp, tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
        manifest = json.loads((Path(tmp) / "manifest.json").read_text())
        _run(
            ["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", f"--dbname={url}"]
            + [str(Path(tmp) / "database.dump")]
        )
        source = Path(tmp) / "media"
        if source.is_dir():
            for path in source.rglob("*"):
                if path.is_file():
                    target = media_root / path.relative_to(source)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    if not target.exists():
                        shutil.copy2(path, target)
    restored = published_rankings(url)
    if (restored.rows, restored.fingerprint) != (
        manifest["published_rows"],
        manifest["published_fingerprint"],
    ):
        raise BackupError(
            f"The restored rankings differ from the backup's ({restored.rows} published rows, "
            f"expected {manifest['published_rows']}): do not use this database."
        )
    return manifest


def _run(args: list[str]) -> None:
    tool = args[0]
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed (apt-get install postgresql-client).")
    done = subprocess.run(args, capture_output=True, text=True)  # noqa: S603 - fixed tools
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[-500:]}")
