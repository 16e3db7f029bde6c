"""Registries on a team store (a real PostgreSQL server), concurrent linkers, and migration 4."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

import ipyartifacts as wandb
from ipyartifacts import errors
from tests._postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)
from tests.helpers import write


@pytest.fixture
def pg_store(postgres_url: str, monkeypatch: pytest.MonkeyPatch, store: Path) -> str:  # noqa: F811
    monkeypatch.setenv("IPYARTIFACTS_DATABASE_URL", postgres_url)
    return postgres_url


@pytest.mark.postgres
def test_link_use_and_protect_on_postgres(pg_store: str, work: Path) -> None:
    write(work / "model.pt", "weights")
    with wandb.init(project="team", job_type="train") as run:
        model = wandb.Artifact("clf", "model")
        model.add_file("model.pt")
        linked = run.link_artifact(model, "wandb-registry-model/classifier", ["production"])
    assert linked.qualified_name == "wandb-registry-model/classifier:v0"
    wandb.Api().registry("model").protect_aliases("production")
    with wandb.init(project="serving") as run:
        used = run.use_artifact("my-org/wandb-registry-model/classifier:production")
        assert Path(used.download(), "model.pt").read_text() == "weights"
    assert [r.project for r in model.used_by()] == ["serving"]
    with pytest.raises(errors.ProtectedAliasError):
        used.unlink()
    registry = wandb.Api().create_registry(
        "extra", visibility="restricted", artifact_types=["model"]
    )
    assert [r.name for r in wandb.Api().registries(filter={"name": {"$regex": "^ex"}})] == ["extra"]
    registry.delete()
    assert [r.name for r in wandb.Api().registries()] == ["dataset", "model"]


def _linker(store: str, url: str, index: int, barrier: Any, results: Any) -> None:
    import os

    os.environ["IPYARTIFACTS_DATABASE_URL"] = url
    import ipyartifacts as wandb

    artifact = wandb.Api(store=store).artifact(f"race/model-{index}:v0")
    barrier.wait()
    linked = artifact.link("wandb-registry-model/shared", aliases=["candidate"])
    results.put((index, linked.version))


@pytest.mark.postgres
def test_concurrent_linkers_get_consecutive_link_numbers(pg_store: str, store: Path) -> None:
    src = store.parent / "model.bin"
    with wandb.init(project="race", store=str(store)) as run:
        for i in range(8):
            src.write_text(f"model {i}\n")
            art = wandb.Artifact(f"model-{i}", "model")
            art.add_file(src)
            run.log_artifact(art)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(8)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_linker, args=(str(store), pg_store, i, barrier, results))
        for i in range(8)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=180)
    assert [p.exitcode for p in procs] == [0] * 8
    got = dict(results.get(timeout=10) for _ in range(8))
    assert sorted(int(v[1:]) for v in got.values()) == list(range(8))  # no gap, no duplicate

    api = wandb.Api(store=str(store))
    links = api.artifacts("model", "wandb-registry-model/shared")
    assert sorted((a.version, a.source_name) for a in links) == sorted(
        (version, f"model-{i}:v0") for i, version in got.items()
    )
    # The alias moved 8 times, as one unbroken chain: nobody's move was lost.
    moves = api.registry("model").alias_history("shared", "candidate")
    assert len(moves) == 8
    assert moves[0].old_number is None
    assert [m.old_number for m in moves[1:]] == [m.new_number for m in moves[:-1]]
    holder = api.artifact("wandb-registry-model/shared:candidate")
    assert holder.version == f"v{moves[-1].new_number}"


def test_migration_4_upgrades_a_store_made_before_registries(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from ipyartifacts.store.catalog import schema
    from ipyartifacts.store.catalog.catalog import Catalog
    from ipyartifacts.store.catalog.migrations import MIGRATIONS, current_version

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = sa.create_engine(url)
    old_tables = [t for t in schema.metadata.sorted_tables if t not in schema.REGISTRY_TABLES]
    with engine.begin() as conn:
        schema.metadata.create_all(conn, tables=old_tables)
        for number, name, _migrate in MIGRATIONS[:2]:
            conn.execute(
                schema.schema_migrations.insert().values(
                    version=number, name=name, applied_at=sa.func.now()
                )
            )
        assert current_version(conn) == 2
        assert not sa.inspect(conn).has_table("links")
    engine.dispose()

    catalog = Catalog(url)
    try:
        assert [r.name for r in catalog.list_registries()] == ["dataset", "model"]
        with catalog.engine.connect() as conn:
            assert current_version(conn) == MIGRATIONS[-1][0]  # 4 and every later one
            assert sa.inspect(conn).has_table("links")
    finally:
        catalog.close()
