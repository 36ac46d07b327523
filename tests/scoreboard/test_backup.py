"""`make backup` / `make restore`: a backup restored into an empty database ranks the same."""

import datetime
import hashlib
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command

from ingest import services
from scoreboard.backup import configured_database_url

DEMO = Path(__file__).resolve().parents[2] / "demo"
AS_OF = datetime.date(2025, 5, 20)
RANKINGS = """
SELECT a.name, s.as_of, u.rank, u.peer_count, u.ranking_total::text
FROM indicators_unitscore u
JOIN indicators_snapshot s ON s.id = u.snapshot_id
JOIN units_administrativeunit a ON a.id = u.unit_id
WHERE s.status = 'published' ORDER BY s.as_of, u.rank, a.name
"""


def rankings(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(RANKINGS).fetchall()


@pytest.fixture
def empty_database():
    """A new, empty database beside the test database; dropped afterwards."""
    source = configured_database_url()
    name = source.rsplit("/", 1)[1] + "_restore"
    admin_url = source.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield source.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_has_the_same_published_rankings(
    binh_duong, empty_database, tmp_path, capsys
):
    for name in ("binh-duong-cap-huyen-2025-05-13.csv", "binh-duong-cap-huyen-2025-05-20.csv"):
        path = DEMO / name
        upload, _ = services.upload_receive(
            data=path.read_bytes(),
            filename=path.name,
            scope=binh_duong.province,
            as_of=datetime.date.fromisoformat(name[-14:-4]),
            period="ytd",
            enqueue=False,
        )
        services.upload_validate(upload_id=upload.pk)
        services.upload_request_publish(upload_id=upload.pk, enqueue=False)
        assert services.upload_publish(upload_id=upload.pk).status == "published"
    before = rankings(configured_database_url())
    assert ("Dĩ An", AS_OF, 1, 9, "92.00") in before

    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive)
    restored_media = tmp_path / "restored-media"
    call_command(
        "restore", str(archive), database_url=empty_database, media_root=str(restored_media)
    )
    assert "same rankings" in capsys.readouterr().out

    assert rankings(empty_database) == before
    kept = restored_media / upload.file.name
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == upload.sha256
    # A restore never writes over a database that has data.
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), database_url=empty_database)
