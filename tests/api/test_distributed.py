"""Distributed artifacts: ``upsert_artifact`` from several processes, one ``finish_artifact``.

W&B's semantics (wandb/sdk/wandb_run.py): parts under one distributed_id (default: the
run's group) make one pending version; finish commits it; later upserts start the next
version; without a finish nothing is committed.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import ipyartifacts as wandb
from ipyartifacts import errors
from tests._postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)
from tests.helpers import write

WORKER = textwrap.dedent(
    """
    import sys
    import ipyartifacts as wandb

    rank = int(sys.argv[1])
    with open(f"shard-{rank}.txt", "w") as f:
        f.write(f"rows of shard {rank}")
    run = wandb.init(project="p", group="embed", job_type="shard worker")
    art = wandb.Artifact("embeddings", "dataset", metadata={f"rank{rank}": True})
    art.add_file(f"shard-{rank}.txt", name=f"shards/{rank}.txt")
    run.upsert_artifact(art)  # distributed_id: the run's group
    run.finish()
    """
)


def _workers(work: Path, ranks: range) -> list[str]:
    script = write(work / "worker.py", WORKER)
    procs = [
        subprocess.Popen([sys.executable, str(script), str(r)], cwd=work, stderr=subprocess.PIPE)
        for r in ranks
    ]
    errors_seen = [p.communicate()[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), errors_seen
    return [f"shards/{r}.txt" for r in ranks]


def test_parts_from_several_processes_commit_as_one_version_on_finish(work: Path) -> None:
    paths = _workers(work, range(3))
    api = wandb.Api()
    assert not api.artifact_exists("p/embeddings")  # nothing visible before the finish
    run = wandb.init(project="p", group="embed")
    final = run.finish_artifact(wandb.Artifact("embeddings", "dataset"))
    assert final.version == "v0"
    assert final.distributed_id == "embed"
    assert sorted(final.manifest.entries) == paths
    assert final.metadata == {"rank0": True, "rank1": True, "rank2": True}
    got = Path(api.artifact("p/embeddings:latest").download())
    assert (got / "shards/2.txt").read_text() == "rows of shard 2"
    # Every run that added a part is a producer of the version.
    producers = {r.id for r in api.runs("p") if final in r.logged_artifacts()}
    assert len(producers) == 4


@pytest.mark.postgres
def test_parts_from_several_processes_on_a_postgres_catalog(
    work: Path,
    postgres_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A team store: the catalog is PostgreSQL, every worker process talks to it.
    monkeypatch.setenv("IPYARTIFACTS_DATABASE_URL", postgres_url)
    paths = _workers(work, range(4))
    run = wandb.init(project="p", group="embed")
    run.log({"shards": 4})
    final = run.finish_artifact(wandb.Artifact("embeddings", "dataset"))
    assert sorted(final.manifest.entries) == paths
    assert wandb.Api().run(run.path).summary["shards"] == 4


def test_a_later_upsert_starts_the_next_version_and_a_bare_second_finish_is_refused(
    work: Path,
) -> None:
    run = wandb.init(project="p")
    one = wandb.Artifact("d", "dataset")
    one.add_file(write(work / "a.txt", "a"))
    run.upsert_artifact(one, distributed_id="job")
    first = run.finish_artifact(wandb.Artifact("d", "dataset"), distributed_id="job")
    with pytest.raises(errors.ArtifactStateError, match="Nothing to finish"):
        run.finish_artifact(wandb.Artifact("d", "dataset"), distributed_id="job")
    two = wandb.Artifact("d", "dataset")
    two.add_file(write(work / "b.txt", "b"))
    run.upsert_artifact(two, distributed_id="job")
    second = run.finish_artifact(wandb.Artifact("d", "dataset"), distributed_id="job")
    assert (first.version, second.version) == ("v0", "v1")
    assert sorted(second.manifest.entries) == ["b.txt"]


def test_missing_finish_commits_nothing_and_gc_keeps_the_parts(work: Path) -> None:
    run = wandb.init(project="p")
    part = wandb.Artifact("pending", "dataset")
    part.add_file(write(work / "big.txt", "keep me"))
    run.upsert_artifact(part, distributed_id="j")
    run.finish()
    assert not wandb.Api().artifact_exists("p/pending")
    wandb.gc(grace=0)
    later = wandb.init(project="p")
    final = later.finish_artifact(wandb.Artifact("pending", "dataset"), distributed_id="j")
    assert Path(final.get_entry("big.txt").download()).read_text() == "keep me"


def test_refusals_say_what_to_do(work: Path) -> None:
    run = wandb.init(project="p")
    with pytest.raises(TypeError, match="in a group or distributed_id is provided"):
        run.upsert_artifact(wandb.Artifact("x", "dataset"))
    a = wandb.Artifact("x", "dataset")
    a.add_file(write(work / "one/f.txt", "1"))
    run.upsert_artifact(a, distributed_id="j")
    b = wandb.Artifact("x", "dataset")
    b.add_file(write(work / "two/f.txt", "2"))
    with pytest.raises(errors.DuplicateEntryError, match=r"already has a different 'f\.txt'"):
        run.upsert_artifact(b, distributed_id="j")
    with pytest.raises(errors.ArtifactTypeMismatchError):
        run.upsert_artifact(wandb.Artifact("x", "model"), distributed_id="j")


def test_migration_5_applies_to_a_store_made_before_it(store: Path) -> None:
    wandb.init(project="p").finish()
    engine = create_engine(f"sqlite:///{store / 'catalog.sqlite'}")
    with engine.begin() as conn:  # back to the schema of migration 2
        for table in ("distributed_parts", "collection_info", "run_info", "run_history"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("DELETE FROM ipa_schema_migrations WHERE version = 5"))
    engine.dispose()
    script = "import ipyartifacts as w; r = w.init(project='p', group='g'); r.log({'a': 1})"
    subprocess.run([sys.executable, "-c", script], check=True)
    engine = create_engine(f"sqlite:///{store / 'catalog.sqlite'}")
    with engine.connect() as conn:
        versions = sorted(conn.execute(text("SELECT version FROM ipa_schema_migrations")).scalars())
        rows = conn.execute(text("SELECT count(*) FROM run_history")).scalar()
    engine.dispose()
    assert versions == [1, 2, 3, 4, 5]
    assert rows == 1
