"""Driver errors become :class:`~ipyartifacts.errors.StoreError` here, and only here.

SQLAlchemy, psycopg and sqlite3 errors never leave the catalog: :func:`translate` turns
each into one ``StoreError`` that names the store (its URL with the password shown as
``***``) and says what to do. The catalog's ``_read``/``_write`` call it at the boundary.
"""

from __future__ import annotations

import re
import sqlite3

from ipyartifacts.errors import StoreError

__all__ = ["driver_errors", "redact", "translate"]

_ENV = "IPYARTIFACTS_DATABASE_URL"

# SQLSTATEs PostgreSQL reports while connecting.
_AUTH_STATES = {"28P01", "28000"}  # invalid_password, invalid_authorization_specification
_NO_DATABASE = "3D000"  # invalid_catalog_name

_UNREACHABLE = re.compile(
    r"connection refused|could not connect|could not translate host name|"
    r"name or service not known|timeout expired|no route to host|"
    r"server closed the connection|connection is closed|network is unreachable",
    re.IGNORECASE,
)
_AUTH = re.compile(
    r"password authentication failed|no password supplied|authentication failed|"
    r"role \"[^\"]*\" does not exist",
    re.IGNORECASE,
)
_NO_DB = re.compile(r'database "([^"]*)" does not exist', re.IGNORECASE)


def redact(url: str) -> str:
    """The URL as it may be shown: ``postgresql+psycopg://bob:***@host/db``."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<a catalog URL that is not a database URL>"


def _password(url: str) -> str | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        password = make_url(url).password
    except ArgumentError:
        return None
    return str(password) if password else None


def driver_errors(url: str) -> tuple[type[BaseException], ...]:
    """The exception classes a catalog on ``url`` may see from SQLAlchemy or its driver."""
    from sqlalchemy.exc import SQLAlchemyError

    found: list[type[BaseException]] = [SQLAlchemyError, sqlite3.Error]
    if not url.startswith("sqlite"):
        try:
            import psycopg
        except ImportError:  # the engine reports the missing driver itself
            pass
        else:
            found.append(psycopg.Error)
    return tuple(found)


def _detail(exc: BaseException, url: str) -> str:
    """The driver's own words, on one line, with the password (if any) masked."""
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split()) or type(orig).__name__
    password = _password(url)
    if password:
        text = text.replace(password, "***")
    return text


def translate(exc: BaseException, url: str, action: str = "access") -> StoreError:
    """One :class:`StoreError` for a driver error met while ``action`` (read/write/open).

    Raise it ``from exc``: the driver's exception stays the ``__cause__`` for debugging,
    but its text (which may quote the URL) is only shown with the password masked.
    """
    store = redact(url)
    detail = _detail(exc, url)
    orig = getattr(exc, "orig", None) or exc
    state = getattr(orig, "sqlstate", None) or getattr(
        getattr(orig, "diag", None), "sqlstate", None
    )
    if isinstance(exc, ImportError) or "can't load plugin" in detail.lower():
        message = (
            f"The catalog {store} needs a database driver that is not installed: "
            "pip install 'ipyartifacts[postgres]' for PostgreSQL."
        )
    elif state == _NO_DATABASE or _NO_DB.search(detail):
        match = _NO_DB.search(detail)
        name = match.group(1) if match else "it"
        message = (
            f"The database {name!r} does not exist on the catalog server {store}: create it "
            f"(createdb {name}, or CREATE DATABASE in psql) or fix {_ENV}."
        )
    elif state in _AUTH_STATES or _AUTH.search(detail):
        message = (
            f"The catalog server {store} refused the login: check the user name and password "
            f"in {_ENV} (the password is not shown here)."
        )
    elif _UNREACHABLE.search(detail):
        message = (
            f"Cannot reach the catalog server {store}: check the host and port in {_ENV} and "
            "that the server is running and accepts connections."
        )
    elif "unable to open database file" in detail.lower():
        message = (
            f"Cannot open the SQLite catalog {store}: check that its folder exists and is "
            "writable, or point IPYARTIFACTS_STORE at one that is."
        )
    elif "database is locked" in detail.lower():
        message = (
            f"The catalog {store} stayed locked by another process for too long; retry once "
            "that process (a long write or an open transaction) finishes."
        )
    else:
        message = f"Catalog {action} failed on {store}."
    return StoreError(f"{message} ({detail})", store=store)
