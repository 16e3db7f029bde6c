"""Database failures that are really the disk's: full, read-only, failing.

SQLite and PostgreSQL report them in their own words ("database or disk is full",
"attempt to write a readonly database", "disk I/O error", SQLSTATE 53100); here they
become the same :class:`~ipyartifacts.errors.StoreIOError` subclasses a blob write
raises, so a full disk reads the same whichever write hit it first.
"""

from __future__ import annotations

import errno
import os
from typing import Any

from ipyartifacts.errors import StoreIOError, store_io_error

__all__ = ["catalog_io_error"]

# SQLite primary result codes (sqlite3.h)
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
# PostgreSQL SQLSTATEs
_PG_CODES = {
    "53100": errno.ENOSPC,  # disk_full
    "25006": errno.EROFS,  # read_only_sql_transaction (a hot standby)
    "58030": errno.EIO,  # io_error
}
_NEARLY_FULL = 1 << 20  # an I/O error with less than this free is a full disk


def catalog_io_error(exc: BaseException, url: str, phase: str) -> StoreIOError | None:
    """The StoreIOError for a database error that a disk caused, else None."""
    orig: Any = getattr(exc, "orig", None)
    code = _errno_of(orig, url)
    if code is None:
        return None
    reason = str(orig).strip() or type(orig).__name__
    path = _sqlite_path(url)
    os_error = OSError(code, f"the database said {reason!r}")
    from ipyartifacts.store.catalog.errors import redact  # a URL may hold a password

    shown = redact(url)
    return store_io_error(os_error, phase=phase, path=path or shown, store=shown)


def _errno_of(orig: Any, url: str) -> int | None:
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return _PG_CODES.get(sqlstate)
    code = getattr(orig, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return None
    primary = code & 0xFF
    if primary == _SQLITE_FULL:
        return errno.ENOSPC
    if primary == _SQLITE_READONLY:
        return errno.EROFS if _read_only_mount(url) else errno.EACCES
    if primary == _SQLITE_CANTOPEN:
        directory = _directory(url)
        if directory is not None and not os.path.isdir(directory):
            return None  # not the disk's fault: the folder is missing (translate says so)
    if primary in (_SQLITE_IOERR, _SQLITE_CANTOPEN):
        # SQLite reports a write the disk refused as a generic I/O error (growing the
        # WAL or its shared-memory file); the filesystem says whether it is full.
        if _free_bytes(url) < _NEARLY_FULL:
            return errno.ENOSPC
        if _read_only_mount(url):
            return errno.EROFS
        directory = _directory(url)
        if directory is not None and not os.access(directory, os.W_OK):
            return errno.EACCES
        return errno.EIO
    return None


def _sqlite_path(url: str) -> str | None:
    prefix = "sqlite:///"
    return url[len(prefix) :] if url.startswith(prefix) else None


def _directory(url: str) -> str | None:
    path = _sqlite_path(url)
    return os.path.dirname(path) or "." if path else None


def _statvfs(url: str) -> os.statvfs_result | None:
    directory = _directory(url)
    if directory is None:
        return None
    try:
        return os.statvfs(directory)
    except OSError:
        return None


def _free_bytes(url: str) -> int:
    st = _statvfs(url)
    return (1 << 62) if st is None else st.f_bavail * st.f_frsize


def _read_only_mount(url: str) -> bool:
    st = _statvfs(url)
    return st is not None and bool(st.f_flag & os.ST_RDONLY)
