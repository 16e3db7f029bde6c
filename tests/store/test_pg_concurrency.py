"""Many writers at once, on PostgreSQL and on SQLite: real processes, real servers.

Each worker reports what failed instead of crashing, so a regression shows up as a
count ("89 of 400 logs failed") rather than a bare exit code.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import ipyartifacts as wandb
from ipyartifacts.errors import StoreError
from tests._postgres import (  # noqa: F401  (fixtures)
    PASSWORD,
    postgres_password_url,
    postgres_server,
    postgres_url,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(
    request: pytest.FixtureRequest, store: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str | None]:
    """``(name, database URL)``: None means the store's embedded SQLite catalog.

    A PostgreSQL URL is also put in ``$IPYARTIFACTS_DATABASE_URL`` for this test.
    """
    if request.param == "sqlite":
        return "sqlite", None
    url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("IPYARTIFACTS_DATABASE_URL", url)
    return "postgres", url


# Fewer SQLite writers: BEGIN IMMEDIATE serialises them, so more only costs time.
SCALE = {"sqlite": (6, 10), "postgres": (16, 25)}


def _env(store: str, url: str | None) -> None:
    """In a worker: this test's catalog and folder (a forkserver child inherits neither)."""
    os.chdir(Path(store).parent)
    if url is None:
        os.environ.pop("IPYARTIFACTS_DATABASE_URL", None)
    else:
        os.environ["IPYARTIFACTS_DATABASE_URL"] = url


def _context() -> Any:
    """Workers forked from a server that has imported everything once.

    Spawning 16 fresh interpreters costs each the whole import (seconds on a busy
    machine); the forkserver is single-threaded, so forking it is safe.
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(
        [
            "ipyartifacts.core.client",
            "ipyartifacts.store.catalog",
            "sqlalchemy.dialects.postgresql",
            "sqlalchemy.dialects.sqlite",
            "psycopg",
            __name__,
        ]
    )
    return ctx


def _run_workers(target: Callable[..., None], count: int, *args: Any) -> list[Any]:
    """Start ``count`` spawned workers released together; return what each one reported."""
    ctx = _context()
    barrier = ctx.Barrier(count)
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(i, barrier, results, *args)) for i in range(count)]
    for p in procs:
        p.start()
    got = [results.get(timeout=300) for _ in range(count)]
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0] * count
    return got


def _errors(got: list[Any]) -> list[str]:
    return [e for _index, _values, errors in got for e in errors]


# -- version numbers --------------------------------------------------------------


def _logger(
    index: int, barrier: Any, results: Any, store: str, url: str | None, logs: int, same: bool
) -> None:
    _env(store, url)
    import ipyartifacts as wandb

    folder = Path(store).parent / f"src-{index}"
    folder.mkdir()
    run = wandb.init(project="race", store=store)
    versions, errors = [], []
    barrier.wait()
    for n in range(logs):
        src = folder / f"{n}.txt"
        src.write_text("same\n" if same else f"{index}-{n}\n")
        art = wandb.Artifact("shared", "dataset")
        art.add_file(src, name="data.txt")
        try:
            run.log_artifact(art)
            versions.append(art.version)
        except Exception as exc:  # report, so the test can count failures
            errors.append(f"{type(exc).__module__}.{type(exc).__name__}: {exc}")
    run.finish()
    results.put((index, versions, errors))


def test_many_writers_get_consecutive_numbers(backend: tuple[str, str | None], store: Path) -> None:
    name, url = backend
    workers, logs = SCALE[name]
    got = _run_workers(_logger, workers, str(store), url, logs, False)
    errors = _errors(got)
    assert errors == [], f"{len(errors)} of {workers * logs} logs failed, first: {errors[0]}"
    total = workers * logs
    numbers = sorted(int(v[1:]) for _i, versions, _e in got for v in versions)
    assert numbers == list(range(total)), "every log got its own number, none skipped"
    stored = wandb.Api(store=store).artifacts("dataset", "race/shared")
    assert sorted(int(a.version[1:]) for a in stored) == list(range(total))
    for _i, versions, _e in got:  # each writer saw its own numbers rise
        assert versions == sorted(versions, key=lambda v: int(v[1:]))


def test_many_writers_of_identical_content_make_one_version(
    backend: tuple[str, str | None], store: Path
) -> None:
    name, url = backend
    workers, logs = SCALE[name]
    got = _run_workers(_logger, workers, str(store), url, logs, True)
    errors = _errors(got)
    assert errors == [], f"{len(errors)} of {workers * logs} logs failed, first: {errors[0]}"
    assert {v for _i, versions, _e in got for v in versions} == {"v0"}
    assert [a.version for a in wandb.Api(store=store).artifacts("dataset", "race/shared")] == ["v0"]


# -- aliases and tags -------------------------------------------------------------


def _seed(store: Path, count: int) -> None:
    with wandb.init(project="race", store=store) as run:
        for i in range(count):
            art = wandb.Artifact("shared", "dataset")
            art.add_file(_tiny(store.parent / f"seed-{i}.txt", f"seed {i}"), name="data.txt")
            run.log_artifact(art)


def _tiny(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


TAG_TOGGLES = 6


def _mover(index: int, barrier: Any, results: Any, store: str, url: str | None, moves: int) -> None:
    """Move ``best`` onto this worker's version, and toggle tag ``hot`` on the shared v0."""
    _env(store, url)
    import ipyartifacts as wandb

    api = wandb.Api(store=store)
    errors = []
    barrier.wait()
    for n in range(moves):
        try:
            art = api.artifact(f"race/shared:v{index}")
            art.aliases = ["best"]
            art.save()
            if n < TAG_TOGGLES:
                first = api.artifact("race/shared:v0")
                first.tags = ["hot"] if n % 2 == 0 else []
                first.save()
        except Exception as exc:
            errors.append(f"{type(exc).__module__}.{type(exc).__name__}: {exc}")
    results.put((index, [], errors))


def test_many_writers_moving_one_alias(backend: tuple[str, str | None], store: Path) -> None:
    name, url = backend
    workers, moves = (8, 20) if name == "postgres" else (6, 8)
    _seed(store, workers)
    got = _run_workers(_mover, workers, str(store), url, moves)
    errors = _errors(got)
    saves = workers * (moves + TAG_TOGGLES)
    assert errors == [], f"{len(errors)} of {saves} saves failed, first: {errors[0]}"
    arts = wandb.Api(store=store).artifacts("dataset", "race/shared")
    holders = [a.version for a in arts if "best" in a.aliases]
    assert len(holders) == 1, holders
    assert wandb.Api(store=store).artifact("race/shared:best").version == holders[0]
    assert {t for a in arts for t in a.tags} <= {"hot"}


# -- migrations -------------------------------------------------------------------


def _opener(index: int, barrier: Any, results: Any, url: str) -> None:
    from ipyartifacts.store.catalog import Catalog

    barrier.wait()
    try:
        Catalog(url).close()
        results.put((index, [], []))
    except Exception as exc:
        results.put((index, [], [f"{type(exc).__name__}: {exc}"]))


def test_clients_migrating_a_fresh_database_at_once(
    backend: tuple[str, str | None], store: Path
) -> None:
    import sqlalchemy as sa

    from ipyartifacts.store.catalog.migrations import MIGRATIONS

    _name, url = backend
    if url is None:
        store.mkdir(parents=True)
        url = f"sqlite:///{store / 'catalog.sqlite'}"
    got = _run_workers(_opener, 8, url)
    assert _errors(got) == []
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        applied = list(conn.execute(sa.text("SELECT version FROM ipa_schema_migrations")).scalars())
        columns = {c["name"] for c in sa.inspect(conn).get_columns("collections")}
    engine.dispose()
    assert sorted(applied) == [n for n, _name, _f in MIGRATIONS], "each migration applied once"
    assert "next_version" in columns


# -- connection errors ------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _open_error(url: str) -> StoreError:
    from ipyartifacts.store.catalog import Catalog

    with pytest.raises(StoreError) as info:
        Catalog(url)
    return info.value


@pytest.mark.postgres
def test_wrong_password_is_one_store_error_without_the_password(
    postgres_password_url: str,  # noqa: F811
) -> None:
    wrong = postgres_password_url.replace(PASSWORD, "not-the-Pa55word")
    err = _open_error(wrong)
    text = f"{err} {err.store} {err!r}"
    assert "not-the-Pa55word" not in text
    assert "password" in str(err)
    assert "***" in str(err)
    assert "IPYARTIFACTS_DATABASE_URL" in str(err)


@pytest.mark.postgres
def test_right_password_opens_and_reprs_hide_it(
    postgres_password_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ipyartifacts.core.client import get_client

    monkeypatch.setenv("IPYARTIFACTS_DATABASE_URL", postgres_password_url)
    client = get_client()
    api = wandb.Api()
    for shown in (repr(client), repr(client.location), repr(api), repr(client.catalog)):
        assert PASSWORD not in shown, shown


def test_unreachable_server_says_so_without_the_password() -> None:
    err = _open_error(f"postgresql+psycopg://bob:hunter2-Secret@127.0.0.1:{_free_port()}/team")
    assert "hunter2-Secret" not in f"{err} {err.store} {err!r}"
    assert "bob:***@127.0.0.1" in str(err)
    assert "running" in str(err), "says to check that the server runs"
    assert err.__cause__ is not None


@pytest.mark.postgres
def test_missing_database_says_to_create_it(postgres_server: str) -> None:  # noqa: F811
    err = _open_error(f"{postgres_server}/no_such_db")
    assert "no_such_db" in str(err)
    assert "createdb" in str(err)


# -- upgrading a store made before the counters -------------------------------------


def test_upgrade_starts_counters_after_existing_and_deleted_versions(
    backend: tuple[str, str | None], store: Path
) -> None:
    import sqlalchemy as sa

    from ipyartifacts.core import client as client_module

    _name, url = backend
    _seed(store, 3)
    wandb.Api(store=store).artifact("race/shared:v2").delete()
    catalog_url = url or f"sqlite:///{store / 'catalog.sqlite'}"
    client_module._clients.clear()
    engine = sa.create_engine(catalog_url)  # make it a store from before migration 3
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE collections DROP COLUMN next_version"))
        conn.execute(sa.text("DELETE FROM ipa_schema_migrations WHERE version = 3"))
    engine.dispose()

    with wandb.init(project="race", store=store) as run:
        art = wandb.Artifact("shared", "dataset")
        art.add_file(_tiny(store.parent / "after.txt", "after the upgrade"), name="data.txt")
        run.log_artifact(art)
    assert art.version == "v3", "v2 was deleted, but its number is never handed out again"


def test_sqlite_catalog_in_a_missing_folder_says_what_to_check(tmp_path: Path) -> None:
    err = _open_error(f"sqlite:///{tmp_path / 'no-such-folder' / 'catalog.sqlite'}")
    assert "folder exists" in str(err)
    assert err.store is not None
    assert err.store.endswith("catalog.sqlite")
