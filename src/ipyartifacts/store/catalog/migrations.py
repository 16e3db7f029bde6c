"""Schema migrations, applied automatically and recorded in ``ipa_schema_migrations``.

Each migration is a numbered function run inside one writing transaction. Add new
ones at the end; never edit one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from ipyartifacts.store.catalog import schema
from ipyartifacts.store.catalog.dialect import lock_for_migrations

__all__ = ["MIGRATIONS", "apply_migrations", "current_version", "pending"]


def _initial(conn: Connection) -> None:
    tables = [t for t in schema.metadata.sorted_tables if t is not schema.schema_migrations]
    schema.metadata.create_all(conn, tables=tables)


def _edits_actor(conn: Connection) -> None:
    # Databases created by migration 1 after this change already have the column and index.
    columns = {c["name"] for c in inspect(conn).get_columns("edits")}
    if "actor" not in columns:
        conn.execute(text("ALTER TABLE edits ADD COLUMN actor VARCHAR(256)"))
    indexes = {i["name"] for i in inspect(conn).get_indexes("edits")}
    if "ix_edits_version" not in indexes:
        conn.execute(text("CREATE INDEX ix_edits_version ON edits (version_id, id)"))


def _version_counters(conn: Connection) -> None:
    # Databases created by migration 1 after this change already have the column.
    columns = {c["name"] for c in inspect(conn).get_columns("collections")}
    if "next_version" not in columns:
        conn.execute(
            text("ALTER TABLE collections ADD COLUMN next_version INTEGER NOT NULL DEFAULT 0")
        )
    # Deleted versions count too: their numbers are never handed out again.
    conn.execute(
        text(
            "UPDATE collections SET next_version = COALESCE("
            "(SELECT MAX(v.number) + 1 FROM versions v WHERE v.collection_id = collections.id)"
            ", 0)"
        )
    )


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial schema", _initial),
    (2, "edits: who made them (actor) and an index by version", _edits_actor),
    (3, "collections: a version-number counter (next_version)", _version_counters),
]


def pending(conn: Connection) -> bool:
    """Whether any migration is not recorded yet (a read: takes no lock)."""
    if not inspect(conn).has_table(schema.schema_migrations.name):
        return True
    done = set(conn.execute(select(schema.schema_migrations.c.version)).scalars())
    return any(number not in done for number, _name, _migrate in MIGRATIONS)


def apply_migrations(conn: Connection) -> list[int]:
    """Apply every migration not yet recorded; return the numbers applied.

    Safe when several clients start at once on a fresh database: the first takes the
    migration lock (PostgreSQL's advisory lock; SQLite's ``BEGIN IMMEDIATE``) and the
    others wait for it, then find every migration recorded.
    """
    lock_for_migrations(conn)
    schema.schema_migrations.create(conn, checkfirst=True)
    done = set(conn.execute(select(schema.schema_migrations.c.version)).scalars())
    applied = []
    for number, name, migrate in MIGRATIONS:
        if number in done:
            continue
        migrate(conn)
        conn.execute(
            schema.schema_migrations.insert().values(
                version=number, name=name, applied_at=datetime.now(timezone.utc)
            )
        )
        applied.append(number)
    return applied


def current_version(conn: Connection) -> int:
    """The newest migration recorded (0 for an empty database)."""
    if not inspect(conn).has_table(schema.schema_migrations.name):
        return 0
    versions = list(conn.execute(select(schema.schema_migrations.c.version)).scalars())
    return max(versions, default=0)
