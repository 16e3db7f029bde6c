"""Copying history between stores: embedded -> team (real PostgreSQL) -> fresh embedded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import ipyartifacts as wandb
from ipyartifacts.core.client import Client, get_client
from ipyartifacts.core.copy import CopyReport, copy_store
from ipyartifacts.errors import ArtifactNotFoundError, CopyConflictError
from ipyartifacts.frontends.cli import cli_frontend
from ipyartifacts.frontends.commands_copy import copy_command
from ipyartifacts.store.config import StoreLocation
from tests._postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)
from tests.helpers import write


def _history(work: Path) -> dict[str, str]:
    """Log a small but complete history in the default store; return the run ids."""
    write(work / "d/a.txt", "alpha")
    write(work / "d/sub/b.bin", b"\x00\x01" * 4000)
    with wandb.init(project="p", job_type="prep", config={"seed": 1}) as prep:
        for text in ("one", "two", "three"):
            write(work / "d/a.txt", text)
            art = wandb.Artifact("ds", "dataset", metadata={"text": text})
            art.add_dir(work / "d")
            prep.log_artifact(art, aliases=["gold"] if text == "one" else [], tags=[text])
    ds1 = wandb.Api().artifact("p/ds:v1")
    ds1.description = "the second one"
    ds1.tags = ["two", "checked"]
    ds1.save()
    wandb.Api().artifact("p/ds:v2").delete()
    with wandb.init(project="p", job_type="train") as train:
        train.use_artifact("ds:gold")
        model = wandb.Artifact("model", "model")
        write(work / "m.bin", b"weights" * 100)
        model.add_file(work / "m.bin")
        train.log_artifact(model, aliases=["best"])
    with wandb.init(project="other") as other:
        x = wandb.Artifact("x", "dataset")
        x.add_file(work / "m.bin")  # the same bytes as the model: one blob
        other.log_artifact(x)
    return {"prep": prep.id, "train": train.id, "other": other.id}


def _client(tmp_path: Path, name: str, url: str | None = None) -> Client:
    root = (tmp_path / name).resolve()
    return Client(StoreLocation(root, url or f"sqlite:///{root / 'catalog.sqlite'}"))


def _versions(client: Client) -> list[Any]:
    """Every live version of every collection, with what a user sees of it."""
    out = []
    for project in ("p", "other"):
        for coll in client.catalog.list_collections(project):
            for r in client.catalog.list_versions(project, coll.name):
                out.append(
                    (
                        r.id,
                        f"{project}/{r.name}:v{r.number}",
                        r.digest,
                        r.aliases,
                        r.tags,
                        r.description,
                        r.metadata,
                        r.created_at,
                        r.created_by,
                        [(e.field, e.old, e.new, e.at) for e in client.catalog.edits_of(r.id)],
                    )
                )
    return sorted(out)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.postgres
def test_embedded_to_team_to_fresh_embedded(
    tmp_path: Path,
    work: Path,
    store: Path,
    postgres_url: str,  # noqa: F811
) -> None:
    runs = _history(work)
    src = get_client(store)
    team = _client(tmp_path, "team", postgres_url)
    first = copy_store(src, team)
    assert first.collections == 3
    assert first.versions_copied == 5, "ds v0-v2 (v2 as a tombstone), model v0, x v0"
    assert first.runs_copied == 3
    assert first.usage_copied == 6, "prep: 3 outputs; train: 1 input, 1 output; other: 1"
    assert first.blobs_present == 0
    assert first.blobs_copied > 0

    fresh = _client(tmp_path, "fresh")
    assert copy_store(team, fresh).versions_copied == 5

    assert _versions(fresh) == _versions(src)
    api = wandb.Api(store=fresh.root)
    for _vid, spec, *_rest in _versions(src):
        a = wandb.Api().artifact(spec).download(tmp_path / "a" / spec.replace("/", "_"))
        b = api.artifact(spec).download(tmp_path / "b" / spec.replace("/", "_"))
        assert _files(Path(b)) == _files(Path(a)), spec
    assert api.artifact("p/ds:gold").version == "v0"
    assert api.artifact("p/model:best").version == "v0"
    with pytest.raises(ArtifactNotFoundError, match="v2 was deleted"):
        api.artifact("p/ds:v2")
    train = api.run(runs["train"])
    assert train.job_type == "train"
    assert [a.qualified_name for a in train.used_artifacts()] == ["p/ds:v0"]
    assert [a.qualified_name for a in train.logged_artifacts()] == ["p/model:v0"]
    assert api.run(runs["prep"]).config == {"seed": 1}
    assert [r.id for r in api.artifact("p/ds:v0").used_by()] == [runs["train"]]
    assert api.artifact("p/ds:v1").logged_by().id == runs["prep"]  # type: ignore[union-attr]

    again = copy_store(src, team)
    assert not again.changed
    assert again == CopyReport(collections=3, versions_unchanged=5)
    assert not copy_store(team, fresh).changed


@pytest.mark.postgres
def test_copy_back_from_team_brings_later_edits(
    tmp_path: Path,
    work: Path,
    store: Path,
    postgres_url: str,  # noqa: F811
) -> None:
    _history(work)
    src = get_client(store)
    team = _client(tmp_path, "team", postgres_url)
    copy_store(src, team)
    remote = wandb.Api(store=tmp_path / "unused")
    remote._client = team  # an Api over the team store, as a team member would have
    ds0 = remote.artifact("p/ds:v0")
    ds0.aliases = ["latest-good"]
    ds0.save()  # "gold" moves off v0 at the team store ...
    report = copy_store(team, src)
    assert report.versions_updated == 1
    assert report.versions_copied == 0
    assert report.blobs_copied == 0
    assert wandb.Api().artifact("p/ds:latest-good").version == "v0"
    assert "gold" not in wandb.Api().artifact("p/ds:v0").aliases, "removed there, so here"
    assert [e.field for e in wandb.Api().artifact("p/ds:v0").history()][-2:] == ["alias", "alias"]


def test_filters_by_project_and_name(tmp_path: Path, work: Path, store: Path) -> None:
    runs = _history(work)
    src = get_client(store)
    only_other = _client(tmp_path, "other")
    report = copy_store(src, only_other, projects=["other"])
    assert (report.collections, report.versions_copied, report.runs_copied) == (1, 1, 1)
    assert [c.name for c in only_other.catalog.list_collections("p")] == []
    assert [c.name for c in only_other.catalog.list_collections("other")] == ["x"]

    only_model = _client(tmp_path, "model")
    report = copy_store(src, only_model, names=["model"])
    assert (report.collections, report.versions_copied) == (1, 1)
    assert [c.name for c in only_model.catalog.list_collections("p")] == ["model"]
    assert {r.id for r in only_model.catalog.list_runs()} == {runs["train"]}, (
        "with --name, only the runs that logged or used what was copied"
    )
    assert report.usage_copied == 1, "train's input (ds) was not copied, so neither is its row"


def test_conflicting_version_is_refused_before_anything_is_written(
    tmp_path: Path, work: Path, store: Path
) -> None:
    _history(work)
    dst = _client(tmp_path, "dst")
    write(work / "other.txt", "not the same")
    with wandb.init(project="p", store=dst.root) as run:
        art = wandb.Artifact("ds", "dataset")
        art.add_file(work / "other.txt")
        run.log_artifact(art)
    before = _versions(dst)
    blobs_before = sorted(d for d, _s, _m in dst.blobs.iter_blobs())
    with pytest.raises(CopyConflictError) as err:
        copy_store(get_client(store), dst)
    assert err.value.name == "p/ds:v0"
    assert "p/ds:v0" in str(err.value)
    assert "Nothing of it was copied" in str(err.value)
    assert _versions(dst) == before
    assert [r.id for r in dst.catalog.list_runs()] == [run.id]
    assert sorted(d for d, _s, _m in dst.blobs.iter_blobs()) == blobs_before
    # Other names copy fine past the conflict.
    assert copy_store(get_client(store), dst, names=["model", "x"]).versions_copied == 2


def test_api_copy_to_reports_progress_and_skips_present_blobs(
    tmp_path: Path, work: Path, store: Path
) -> None:
    _history(work)
    tasks: list[tuple[str, int, int]] = []

    class Bar:
        def advance(self, files: int = 1, nbytes: int = 0) -> None:
            pass

        def close(self) -> None:
            pass

    def factory(description: str, files: int, nbytes: int) -> Bar:
        tasks.append((description, files, nbytes))
        return Bar()

    dst = tmp_path / "dst"
    report = wandb.Api().copy_to(dst, progress=factory)
    assert tasks == [("Copying blobs", report.blobs_copied, report.bytes_copied)]
    assert report.blobs_copied == len(list(get_client(dst).blobs.iter_blobs()))
    # Live versions' manifests and files, each once (x v0 holds the model's bytes); the
    # deleted ds v2 is a tombstone, its bytes stay behind.
    src = get_client(store)
    live = set()
    for project in ("p", "other"):
        for coll in src.catalog.list_collections(project):
            for record in src.catalog.list_versions(project, coll.name):
                live.add(record.manifest_digest)
                live.update(e.digest for e in src.manifest(record))
    assert report.blobs_copied == len(live)
    assert len(list(src.blobs.iter_blobs())) > len(live)
    tasks.clear()
    again = wandb.Api().copy_to(wandb.Api(store=dst), progress=factory)
    assert tasks == [], "nothing to send: no progress task"
    assert again.blobs_copied == 0
    assert not again.changed
    with pytest.raises(Exception, match="same store"):
        wandb.Api().copy_to(store)


def test_copy_command(tmp_path: Path, work: Path, store: Path) -> None:
    _history(work)
    dst = tmp_path / "dst"
    runner = CliRunner()
    done = runner.invoke(
        copy_command,
        [str(store), str(dst), "--project", "p", "--name", "ds"],
        obj=cli_frontend(),
        standalone_mode=False,
    )
    assert done.exception is None, done.output
    result = done.return_value
    assert result.to_data()["versions_copied"] == 3
    assert "Copied 3 version(s) of 1 artifact(s)" in result.message
    again = runner.invoke(
        copy_command, [str(store), str(dst)], obj=cli_frontend(), standalone_mode=False
    )
    assert again.exception is None, again.output
    assert again.return_value.to_data()["versions_copied"] == 2, "model v0 and x v0"
    assert again.return_value.to_data()["versions_unchanged"] == 3

    clash = tmp_path / "clash"
    write(work / "c.txt", "clash")
    with wandb.init(project="p", store=clash) as run:
        art = wandb.Artifact("ds", "dataset")
        art.add_file(work / "c.txt")
        run.log_artifact(art)
    failed = runner.invoke(copy_command, [str(store), str(clash)], obj=cli_frontend())
    assert failed.exit_code == 1
    lines = failed.output.strip().splitlines()
    assert len(lines) == 1, failed.output
    assert lines[0].startswith("Error: Cannot copy p/ds:v0")


def test_run_history_summary_group_and_collection_tags_come_along(
    tmp_path: Path, work: Path, store: Path
) -> None:
    with wandb.init(project="p", group="sweep") as run:
        run.log({"loss": 0.5})
        run.log({"loss": 0.25})
        run.summary["best"] = 0.25
        run.log_artifact(write(work / "m.txt", "m"), name="model", type="model")
    coll = wandb.Api().artifact_collection("model", "p/model")
    coll.tags = ["prod"]
    coll.save()
    dst = _client(tmp_path, "dst")
    copy_store(get_client(store), dst)
    copy_store(get_client(store), dst)  # again: nothing doubled
    there = wandb.Api(store=str(dst.root))
    copied = there.run(run.path)
    assert [r["loss"] for r in copied.history(pandas=False)] == [0.5, 0.25]
    assert (copied.group, copied.summary["best"]) == ("sweep", 0.25)
    assert there.artifact_collection("model", "p/model").tags == ["prod"]
