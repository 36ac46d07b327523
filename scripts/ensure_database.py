"""Create a PostgreSQL database named by a URL if it does not exist yet; SQLite URLs pass.

    python scripts/ensure_database.py postgres://postgres@127.0.0.1:5432/scoreboard_bench

Used by `make bench` and scripts/schemathesis.sh, which each keep their own database so that
they never touch the development or CI data.
"""

import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


def ensure_database(url: str) -> None:
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    name = parts.path.lstrip("/")
    # Connect to the maintenance database of the same server to create the one asked for.
    maintenance = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, parts.fragment))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


if __name__ == "__main__":
    try:
        ensure_database(sys.argv[1])
    except psycopg.OperationalError as exc:
        sys.exit(f"Cannot reach PostgreSQL for {sys.argv[1]}: {exc}".strip())
