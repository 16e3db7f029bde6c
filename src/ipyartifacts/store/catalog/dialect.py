"""Everything that differs between SQLite and PostgreSQL lives here, and only here.

SQLite: WAL mode (a rollback journal with ``synchronous=FULL`` on a network filesystem
the user opted in to, see :mod:`ipyartifacts.store.fsdetect`), a generous busy timeout, foreign keys on, and every writing
transaction opened with ``BEGIN IMMEDIATE`` so concurrent writers queue up instead of
failing on lock upgrades. PostgreSQL: a transaction-scoped advisory lock serialises
migrations; version-number races are settled by the UNIQUE constraint and a retry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, create_engine
from sqlalchemy.pool import NullPool

__all__ = ["WRITE", "lock_for_migrations", "make_engine"]

WRITE = "ipa_write"  # execution option marking a writing transaction
_BUSY_TIMEOUT_S = 120.0
_MIGRATION_LOCK = 0x1A7FAC75


def make_engine(url: str) -> Engine:
    """Create an engine for a catalog URL (``sqlite:///...`` or ``postgresql+psycopg://...``)."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True)


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
