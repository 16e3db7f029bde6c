"""Read-only answers from an embedded (SQLite) catalog, with the standard library alone.

A CLI command is a fresh process, and importing SQLAlchemy costs 0.4 CPU-seconds on the
2-core machines here: more than the whole budget of ``ipyartifacts versions`` (0.3 s).
This module answers that listing, and the resolution of ``name:alias`` that ``get``
needs, with :mod:`sqlite3` and the same queries the catalog makes
(:meth:`Catalog.iter_versions`, ``runs_of_version`` and ``resolve``), on a read-only
connection in one read transaction, so it can neither create, migrate nor lock anything.

It answers only when it can answer exactly as the catalog would: an existing SQLite
catalog at the newest schema (``SCHEMA_VERSION``, checked against the migrations by
``tests/store/test_quickread.py``, which also compares both answers on one store). In
every other case (PostgreSQL, a missing or older catalog, an unknown name, a busy or
unreadable file) it returns None and the caller takes the full path, which migrates,
and says clearly what is wrong.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ipyartifacts.store.names import LATEST, version_number

__all__ = ["SCHEMA_VERSION", "QuickVersion", "quick_version", "quick_versions"]

# The newest migration (store/catalog/migrations.py); a catalog at another one is read
# the full way. tests/store/test_quickread.py keeps the two equal.
SCHEMA_VERSION = 5
_COMMITTED = "committed"  # store/catalog/_common.py: COMMITTED
_SQLITE = "sqlite:///"


@dataclass(frozen=True)
class QuickVersion:
    """One live version as ``versions`` shows it."""

    id: str
    project: str
    name: str
    type: str
    number: int
    digest: str
    manifest_digest: str
    size: int
    file_count: int
    description: str | None
    metadata: dict[str, Any]
    created_at: datetime
    created_by: str | None
    expires_at: datetime | None
    aliases: tuple[str, ...]
    tags: tuple[str, ...]
    run: tuple[str, str, str | None] | None  # (id, name, job type) of the run that logged it


def quick_versions(
    database_url: str, project: str, name: str, type: str | None = None
) -> list[QuickVersion] | None:
    """Live versions of ``project/name`` newest first, or None (take the full path).

    None also when the collection has no live version (or another type): the full
    path then raises the not-found error, with its hint.
    """
    conn = _connect(database_url)
    if conn is None:
        return None
    try:
        conn.execute("BEGIN")  # one snapshot for every query below
        if _schema(conn) != SCHEMA_VERSION:
            return None
        found = _versions(conn, project, name, type)
        conn.execute("COMMIT")
        return found or None
    except (sqlite3.Error, ValueError, TypeError, KeyError):
        return None  # busy, damaged or unexpected: the full path says what it is
    finally:
        conn.close()


def quick_version(
    database_url: str, project: str, name: str, alias: str, type: str | None = None
) -> QuickVersion | None:
    """The live version ``project/name:alias`` (``latest``, ``vN`` or a custom alias) as
    :meth:`Catalog.resolve` finds it, or None (take the full path: it also explains
    a name or an alias it does not know)."""
    found = quick_versions(database_url, project, name, type)
    if found is None:
        return None
    number = version_number(alias)
    for version in found:  # newest first
        if alias == LATEST or version.number == number or alias in version.aliases:
            return version
    return None


def _connect(database_url: str) -> sqlite3.Connection | None:
    if not database_url.startswith(_SQLITE):
        return None
    path = database_url[len(_SQLITE) :].partition("?")[0]
    if not path or not os.path.isfile(path):
        return None
    from ipyartifacts.store.fsdetect import wal_is_safe

    if not wal_is_safe(Path(path)):  # a network filesystem: the full path refuses or opts in
        return None
    try:
        conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error:
        return None
    conn.isolation_level = None  # transactions are begun and ended above, explicitly
    return conn


def _schema(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT MAX(version) FROM ipa_schema_migrations").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _stamp(when: datetime) -> str:
    """A UTC time as SQLAlchemy's SQLite DATETIME stores it (and so compares it)."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def _versions(
    conn: sqlite3.Connection, project: str, name: str, type: str | None
) -> list[QuickVersion]:
    now = _stamp(datetime.now(timezone.utc))
    sql = (
        "SELECT v.id, v.number, v.digest, v.manifest_digest, v.size, v.file_count,"
        " v.description, v.metadata, v.created_at, v.created_by, v.expires_at,"
        " c.id, c.name, c.type, p.name"
        " FROM versions v JOIN collections c ON c.id = v.collection_id"
        " JOIN projects p ON p.id = c.project_id"
        " WHERE p.name = ? AND c.name = ? AND v.state = ?"
        " AND (v.expires_at IS NULL OR v.expires_at > ?)"
    )
    params: list[Any] = [project, name, _COMMITTED, now]
    if type is not None:
        sql += " AND c.type = ?"
        params.append(type)
    rows = conn.execute(sql + " ORDER BY v.number DESC", params).fetchall()
    if not rows:
        return []
    collection = rows[0][11]
    aliases: dict[str, list[str]] = {}
    for vid, alias in conn.execute(
        "SELECT version_id, alias FROM aliases WHERE collection_id = ? ORDER BY alias",
        (collection,),
    ):
        aliases.setdefault(vid, []).append(alias)
    tags: dict[str, list[str]] = {}
    for vid, tag in conn.execute(
        "SELECT t.version_id, t.tag FROM version_tags t JOIN versions v ON v.id = t.version_id"
        " WHERE v.collection_id = ? ORDER BY t.tag",
        (collection,),
    ):
        tags.setdefault(vid, []).append(tag)
    runs: dict[str, list[tuple[str, str, str | None]]] = {}
    for vid, rid, run_name, job_type in conn.execute(
        "SELECT u.version_id, r.id, r.name, r.job_type FROM usage u"
        " JOIN runs r ON r.id = u.run_id JOIN projects rp ON rp.id = r.project_id"
        " JOIN versions v ON v.id = u.version_id"
        " WHERE v.collection_id = ? AND u.role = 'output' ORDER BY u.at",
        (collection,),
    ):
        runs.setdefault(vid, []).append((rid, run_name, job_type))
    latest = rows[0][1]  # newest first, every row live: the first is the latest
    out = []
    for row in rows:
        vid, number, digest, manifest, size, count, desc, meta, created, by, expires = row[:11]
        cname, ctype, pname = row[12:]
        names = aliases.get(vid, [])
        logged = runs.get(vid, [])
        run = next((r for r in logged if r[0] == by), logged[0] if logged else None)
        out.append(
            QuickVersion(
                id=vid,
                project=pname,
                name=cname,
                type=ctype,
                number=number,
                digest=digest,
                manifest_digest=manifest,
                size=size,
                file_count=count,
                description=desc,
                metadata=json.loads(meta),
                created_at=_time(created),
                created_by=by,
                expires_at=None if expires is None else _time(expires),
                aliases=(LATEST, *names) if number == latest else tuple(names),
                tags=tuple(tags.get(vid, [])),
                run=run,
            )
        )
    return out
