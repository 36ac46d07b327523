"""scripts/ensure_database.py creates a missing PostgreSQL database once and leaves SQLite be."""

import importlib.util
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ensure_database.py"
spec = importlib.util.spec_from_file_location("ensure_database", SCRIPT)
ensure_database = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ensure_database)


def _server_url(name: str) -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _exists(conn: psycopg.Connection, name: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
    )


@pytest.mark.postgres
def test_creates_a_missing_database_once(db):
    name = f"scoreboard_ensure_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(
        _server_url("postgres").replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        try:
            ensure_database.ensure_database(_server_url(name))
            assert _exists(conn, name)
            ensure_database.ensure_database(_server_url(name))  # already there: nothing happens
            assert _exists(conn, name)
        finally:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_sqlite_urls_need_nothing(tmp_path):
    ensure_database.ensure_database(f"sqlite:///{tmp_path}/db.sqlite3")
    assert not any(tmp_path.iterdir())
