"""The same code on a PostgreSQL catalog: a real server, real processes."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

import ipyartifacts as wandb
from tests._postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)
from tests.helpers import write

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store(postgres_url: str, monkeypatch: pytest.MonkeyPatch, store: Path) -> str:  # noqa: F811
    monkeypatch.setenv("IPYARTIFACTS_DATABASE_URL", postgres_url)
    return postgres_url


def test_log_use_download_on_postgres(pg_store: str, work: Path) -> None:
    write(work / "data/a.txt", "a")
    write(work / "data/b/c.txt", "c")
    with wandb.init(project="team", job_type="prep") as run:
        art = wandb.Artifact("ds", "dataset", metadata={"split": "train"})
        art.add_dir(work / "data")
        run.log_artifact(art, aliases=["gold"], tags=["raw"])
    with wandb.init(project="team", job_type="train") as run:
        used = run.use_artifact("ds:gold")
        root = Path(used.download(work / "out"))
    assert (root / "b/c.txt").read_text() == "c"
    assert used.metadata == {"split": "train"}
    assert used.aliases == ["latest", "gold"]
    assert used.tags == ["raw"]
    assert [r.job_type for r in used.used_by()] == ["train"]
    again = wandb.Artifact("ds", "dataset")
    again.add_dir(work / "data")
    with wandb.init(project="team") as run:
        run.log_artifact(again)
    assert again.version == "v0", "unchanged content: no new version on PostgreSQL either"


def test_migrations_are_recorded_on_postgres(pg_store: str) -> None:
    import sqlalchemy as sa

    from ipyartifacts.core.client import get_client
    from ipyartifacts.store.catalog.migrations import MIGRATIONS

    get_client()
    engine = sa.create_engine(pg_store)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT version FROM ipa_schema_migrations ORDER BY version")
        ).all()
    engine.dispose()
    assert [r[0] for r in rows] == [n for n, _name, _f in MIGRATIONS]


def _writer(store: str, url: str, index: int, barrier: Any, results: Any) -> None:
    import os

    os.environ["IPYARTIFACTS_DATABASE_URL"] = url
    import ipyartifacts as wandb

    src = Path(store).parent / f"pg-writer-{index}.txt"
    src.write_text(f"writer {index}\n")
    run = wandb.init(project="race", store=store)
    art = wandb.Artifact("shared", "dataset")
    art.add_file(src, name="data.txt")
    barrier.wait()
    run.log_artifact(art)
    results.put(art.version)
    run.finish()


def test_concurrent_writers_on_postgres(pg_store: str, store: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(8)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(str(store), pg_store, i, barrier, results))
        for i in range(8)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=180)
    assert [p.exitcode for p in procs] == [0] * 8
    versions = sorted(int(results.get(timeout=10)[1:]) for _ in range(8))
    assert versions == list(range(8))
