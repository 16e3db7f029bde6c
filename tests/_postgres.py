"""A real, throwaway PostgreSQL server for the tests (Debian's postgresql package).

``initdb`` refuses to run as root, so when the tests run as root the cluster is
created and run as the ``postgres`` system user. The server listens on a free
loopback port and is stopped when the session ends.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PASSWORD_ROLE = "ipa_secret"  # the one role that must log in with a password
PASSWORD = "s3cret-Pa55word"

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def _pg_tool(name: str) -> str:
    for folder in PG_BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if found is None:
        pytest.fail(
            f"PostgreSQL's {name} is not installed: run scripts/test.sh (it installs Debian's "
            "postgresql package) or apt-get install postgresql."
        )
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    pwd.getpwnam("postgres")  # the Debian package creates this user
    return ["runuser", "-u", "postgres", "--"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Start a PostgreSQL cluster; yield its base URL (``postgresql+psycopg://...:port``)."""
    prefix = _as_user()
    base = Path(tempfile.mkdtemp(prefix="ipa-pg-"))
    data = base / "data"
    if prefix:
        shutil.chown(base, "postgres", "postgres")
        os.chmod(base, 0o700)
    subprocess.run(
        [
            *prefix,
            _pg_tool("initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
    )
    # One role must prove a password (the rest of the cluster trusts loopback), so the
    # tests can check that a wrong password is reported without leaking it. pg_hba.conf
    # is first-match, so this line goes before initdb's trust lines.
    hba = data / "pg_hba.conf"
    line = f"host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n"
    hba_text = subprocess.run([*prefix, "cat", str(hba)], check=True, capture_output=True).stdout
    subprocess.run(
        [*prefix, "tee", str(hba)],
        input=line.encode() + hba_text,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    log = base / "server.log"
    subprocess.run(
        [
            *prefix,
            _pg_tool("pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-o",
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as c:
        c.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}'")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*prefix, _pg_tool("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's server."""
    import psycopg

    name = f"ipa_{uuid.uuid4().hex[:12]}"
    admin = postgres_server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{postgres_server}/{name}"


@pytest.fixture
def postgres_password_url(postgres_url: str) -> str:
    """A fresh database owned by a role that must give ``PASSWORD`` (which the URL holds)."""
    import psycopg

    name = postgres_url.rsplit("/", 1)[1]
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" OWNER TO {PASSWORD_ROLE}')
    return postgres_url.replace("//postgres@", f"//{PASSWORD_ROLE}:{PASSWORD}@")
