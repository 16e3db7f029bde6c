"""A stat cache: (device, inode, size, mtime, ctime) of a local file -> its digest.

It is what makes re-logging an unchanged 10,000-file directory cost a directory walk
instead of re-reading every byte. It is a local, per-machine cache (a small SQLite
file next to the blob cache), never the catalog: losing it only costs re-hashing,
so every failure to read or write it is tolerated.

Racy timestamps are handled as git does: a file whose mtime/ctime is within the
timestamp granularity of the moment it was hashed could change again without its
stat changing, so such an entry is not trusted and the file is re-hashed.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from pathlib import Path

from ipyartifacts.store import fsdetect

__all__ = ["StatCache", "StatKey", "racy_window_ns"]

StatKey = tuple[int, int, int, int, int]  # dev, ino, size, mtime_ns, ctime_ns

_SECOND = 1_000_000_000


def racy_window_ns(st: os.stat_result) -> int:
    """How close to "now" a timestamp must be to be untrustworthy.

    Filesystems with whole-second timestamps (FAT, HFS+, some network mounts) get a
    two-second window; nanosecond filesystems update timestamps from a coarse kernel
    clock (one tick, a few ms), so 100 ms is ample there.
    """
    if st.st_mtime_ns % _SECOND == 0:
        return 2 * _SECOND
    return _SECOND // 10


_BATCH = 500  # inodes per query: well under SQLite's smallest variable limit (999)


def _trusted(
    st: os.stat_result, size: int, mtime_ns: int, ctime_ns: int, digest: str, hashed_ns: int
) -> str | None:
    """The cached digest if the row still describes the file ``st`` and was not racy."""
    if (size, mtime_ns, ctime_ns) != (st.st_size, st.st_mtime_ns, st.st_ctime_ns):
        return None
    if mtime_ns + racy_window_ns(st) > hashed_ns:
        # Racily clean: a write within the same timestamp tick as the hashing would
        # not have changed the mtime. (As in git, mtime decides; a later utime() that
        # restores an old mtime still moves ctime, which is part of the key.)
        return None
    return str(digest)


def stat_key(st: os.stat_result) -> StatKey:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class StatCache:
    """Digest lookups by file stat, persisted in ``path`` (SQLite)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._pending: list[tuple[int, int, int, int, int, str, int]] = []
        self._lock = threading.Lock()

    def _db(self) -> sqlite3.Connection | None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            # WAL needs shared memory on one host: a rollback journal on network mounts.
            wal = fsdetect.wal_is_safe(self.path)
            conn.execute(f"PRAGMA journal_mode={'WAL' if wal else 'DELETE'}")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS stat_cache ("
                " dev INTEGER, ino INTEGER, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER,"
                " digest TEXT NOT NULL, hashed_ns INTEGER NOT NULL, PRIMARY KEY (dev, ino))"
            )
            # digest of a big file -> its chunk list blob (store/chunks.py): a re-log of
            # an unchanged big file then touches its chunks instead of re-reading it.
            conn.execute(
                "CREATE TABLE IF NOT EXISTS chunk_lists (digest TEXT PRIMARY KEY, list TEXT)"
            )
            # (blob store, digest) -> a version committed from here naming that blob, and
            # the chunk list it was named with: while the catalog says that version is
            # live, the blob is kept by GC, so a re-log need not ask the store for it.
            conn.execute(
                "CREATE TABLE IF NOT EXISTS proofs (store TEXT, digest TEXT, version TEXT"
                " NOT NULL, chunks TEXT, PRIMARY KEY (store, digest))"
            )
        except (sqlite3.Error, OSError):  # a read-only or full disk: run without the cache
            return None
        self._local.conn = conn
        return conn

    def lookup(self, st: os.stat_result) -> str | None:
        """The cached digest for a file with this stat, or None (unknown, changed or racy)."""
        db = self._db()
        if db is None:
            return None
        try:
            row = db.execute(
                "SELECT size, mtime_ns, ctime_ns, digest, hashed_ns FROM stat_cache"
                " WHERE dev = ? AND ino = ?",
                (st.st_dev, st.st_ino),
            ).fetchone()
        except sqlite3.Error:
            return None
        return None if row is None else _trusted(st, *row)

    def lookup_many(self, stats: list[os.stat_result | None]) -> list[str | None]:
        """:meth:`lookup` for many files in a few queries (``None`` stats answer None)."""
        found: list[str | None] = [None] * len(stats)
        db = self._db()
        if db is None:
            return found
        wanted: dict[int, dict[int, list[int]]] = {}  # dev -> ino -> indexes
        for i, st in enumerate(stats):
            if st is not None:
                wanted.setdefault(st.st_dev, {}).setdefault(st.st_ino, []).append(i)
        for dev, by_ino in wanted.items():
            inos = list(by_ino)
            for start in range(0, len(inos), _BATCH):
                batch = inos[start : start + _BATCH]
                try:
                    rows = db.execute(
                        "SELECT ino, size, mtime_ns, ctime_ns, digest, hashed_ns FROM stat_cache"
                        f" WHERE dev = ? AND ino IN ({','.join('?' * len(batch))})",
                        (dev, *batch),
                    ).fetchall()
                except sqlite3.Error:
                    return found
                for ino, *row in rows:
                    for i in by_ino[ino]:
                        st = stats[i]
                        assert st is not None
                        found[i] = _trusted(st, *row)
        return found

    def record(self, st: os.stat_result, digest: str, hashed_ns: int | None = None) -> None:
        """Remember ``digest`` for a file with stat ``st`` (call :meth:`flush` to persist).

        ``st`` must be the stat taken *before* the bytes were read, so a write during
        hashing shows up as a stat change next time.
        """
        when = time.time_ns() if hashed_ns is None else hashed_ns
        with self._lock:
            self._pending.append((*stat_key(st), digest, when))
        if len(self._pending) >= 2000:
            self.flush()

    def flush(self) -> None:
        """Write pending records in one transaction."""
        with self._lock:
            pending, self._pending = self._pending, []
        if not pending:
            return
        db = self._db()
        if db is None:
            return
        try:
            db.execute("BEGIN")
            db.executemany(
                "INSERT OR REPLACE INTO stat_cache VALUES (?, ?, ?, ?, ?, ?, ?)", pending
            )
            db.execute("COMMIT")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")

    def record_chunks(self, digest: str, key: str) -> None:
        """Remember that the file ``digest`` is stored as chunk list ``key``."""
        db = self._db()
        if db is None:
            return
        with contextlib.suppress(sqlite3.Error):
            db.execute("INSERT OR REPLACE INTO chunk_lists VALUES (?, ?)", (digest, key))

    def chunks_of(self, digest: str) -> str | None:
        """The chunk list this machine stored the file ``digest`` as, if any."""
        db = self._db()
        if db is None:
            return None
        try:
            row = db.execute("SELECT list FROM chunk_lists WHERE digest = ?", (digest,)).fetchone()
        except sqlite3.Error:
            return None
        return None if row is None else str(row[0])

    def record_proofs(self, store: str, rows: list[tuple[str, str, str | None]]) -> None:
        """Remember that version ``v`` names blob ``digest`` (with chunk list ``chunks``)."""
        db = self._db()
        if db is None or not rows:
            return
        try:
            db.execute("BEGIN")
            db.executemany(
                "INSERT OR REPLACE INTO proofs VALUES (?, ?, ?, ?)",
                [(store, digest, version, chunks) for digest, version, chunks in rows],
            )
            db.execute("COMMIT")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")

    def proofs_of(self, store: str, digests: list[str]) -> dict[str, tuple[str, str | None]]:
        """digest -> (version, chunk list) for those of ``digests`` a commit here named."""
        db = self._db()
        out: dict[str, tuple[str, str | None]] = {}
        if db is None:
            return out
        unique = sorted(set(digests))
        try:
            for start in range(0, len(unique), 500):
                part = unique[start : start + 500]
                marks = ",".join("?" * len(part))
                for digest, version, chunks in db.execute(
                    f"SELECT digest, version, chunks FROM proofs WHERE store = ?"
                    f" AND digest IN ({marks})",
                    (store, *part),
                ):
                    out[str(digest)] = (str(version), None if chunks is None else str(chunks))
        except sqlite3.Error:
            return {}
        return out
