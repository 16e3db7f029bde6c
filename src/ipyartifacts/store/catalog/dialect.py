"""Everything that differs between SQLite and PostgreSQL lives here, and only here.

SQLite: WAL mode (a rollback journal with ``synchronous=FULL`` on a network filesystem
the user opted in to, see :mod:`ipyartifacts.store.fsdetect`), a generous busy timeout, foreign keys on, and every writing
transaction opened with ``BEGIN IMMEDIATE`` so concurrent writers queue up instead of
failing on lock upgrades. PostgreSQL: a transaction-scoped advisory lock serialises
migrations, and writers queue on row locks (``SELECT ... FOR UPDATE`` of a collection's
counter row, which SQLite ignores because its writers are already serialised).

Both speak ``INSERT ... ON CONFLICT``, but through their own SQLAlchemy ``insert``
constructs: :func:`insert_ignore` and :func:`upsert` pick the right one, so the catalog
never races a check-then-insert or a delete-then-insert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, text
from sqlalchemy.engine import Connection, Engine, create_engine
from sqlalchemy.pool import NullPool

__all__ = ["WRITE", "insert_ignore", "lock_for_migrations", "make_engine", "upsert"]

WRITE = "ipa_write"  # execution option marking a writing transaction
_BUSY_TIMEOUT_S = 120.0
_MIGRATION_LOCK = 0x1A7FAC75


def make_engine(url: str) -> Engine:
    """Create an engine for a catalog URL (``sqlite:///...`` or ``postgresql+psycopg://...``)."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    # echo stays off: SQL logs would carry parameters, and engine logs the URL's host.
    return create_engine(url, pool_pre_ping=True, echo=False, hide_parameters=True)


def _sqlite_engine(url: str) -> Engine:
    from sqlalchemy.engine import make_url

    from ipyartifacts.store.fsdetect import sqlite_journal_mode

    database = make_url(url).database or ""
    on_disk = database not in ("", ":memory:") and not database.startswith("file:")
    journal = sqlite_journal_mode(Path(database)) if on_disk else "WAL"
    synchronous = "NORMAL" if journal == "WAL" else "FULL"
    # NullPool: a connection per checkout is cheap for SQLite and never shares a
    # connection across fork()ed processes.
    engine = create_engine(
        url,
        poolclass=NullPool,
        connect_args={"timeout": _BUSY_TIMEOUT_S, "check_same_thread": False},
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA journal_mode={journal}")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(_BUSY_TIMEOUT_S * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def lock_for_migrations(conn: Connection) -> None:
    """Serialise concurrent migrators (SQLite's BEGIN IMMEDIATE already does)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})


def _insert(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def insert_ignore(
    conn: Connection, table: Table, values: Mapping[str, Any], keys: Sequence[str]
) -> None:
    """``INSERT ... ON CONFLICT (keys) DO NOTHING``: insert the row unless it exists.

    On PostgreSQL a concurrent, uncommitted insert of the same key makes this wait for
    that transaction, then do nothing, so a following ``SELECT`` finds the row.
    """
    conn.execute(_insert(conn, table).values(**values).on_conflict_do_nothing(index_elements=keys))


def upsert(
    conn: Connection,
    table: Table,
    values: Mapping[str, Any],
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE SET update = excluded.update``, atomically."""
    stmt = _insert(conn, table).values(**values)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=keys, set_={name: stmt.excluded[name] for name in update}
        )
    )
