"""The reporting schema on PostgreSQL: its views, and read-only roles for analysts' tools.

Other databases (the embedded SQLite default) have no reporting schema: these are no-ops.
"""

from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import sql

SCHEMA = "reporting"
VIEWS_SQL = Path(__file__).with_name("views.sql")
# In dependency order: each view reads only the ones above it.
VIEWS = ("snapshots", "units", "unit_scores", "group_scores", "indicator_values")


def _postgres(using: str):
    connection = connections[using]
    return connection if connection.vendor == "postgresql" else None


def reporting_views_drop(*, using: str = DEFAULT_DB_ALIAS, **_signal) -> None:
    """Drop the views (the schema and its grants stay), so migrations may change what they read."""
    if (connection := _postgres(using)) is None:
        return
    with connection.cursor() as cursor:
        for view in reversed(VIEWS):
            cursor.execute(
                sql.SQL("DROP VIEW IF EXISTS {}").format(sql.Identifier(SCHEMA, view)).as_string()
            )


def reporting_views_create(*, using: str = DEFAULT_DB_ALIAS, **_signal) -> None:
    """Make the schema and its views as views.sql writes them."""
    if (connection := _postgres(using)) is None:
        return
    reporting_views_drop(using=using)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        cursor.execute(VIEWS_SQL.read_text(encoding="utf-8"))


def reporting_role_grant(*, role: str, password: str | None = None, using: str = DEFAULT_DB_ALIAS):
    """Create `role` if missing (able to log in) and let it read the reporting schema, and only it.

    The views run with their owner's rights, so the role needs no right on the tables behind
    them; default privileges give it the views made again by later migrates.
    """
    connection = _postgres(using)
    if connection is None:
        raise ValueError("The reporting schema needs PostgreSQL (DATABASE_URL=postgres://…).")
    name = sql.Identifier(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            cursor.execute(
                sql.SQL("CREATE ROLE {} LOGIN").format(name).as_string(cursor.connection)
            )
        if password is not None:
            cursor.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}")
                .format(name, sql.Literal(password))
                .as_string(cursor.connection)
            )
        schema = sql.Identifier(SCHEMA)
        for statement in (
            "GRANT CONNECT ON DATABASE {database} TO {role}",
            "GRANT USAGE ON SCHEMA {schema} TO {role}",
            "GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON TABLES TO {role}",
        ):
            cursor.execute(
                sql.SQL(statement)
                .format(
                    database=sql.Identifier(connection.settings_dict["NAME"]),
                    schema=schema,
                    role=name,
                )
                .as_string(cursor.connection)
            )
