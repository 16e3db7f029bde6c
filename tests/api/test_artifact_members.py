"""W&B's remaining Artifact and ArtifactManifestEntry members, and the alias fixes."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest

import ipyartifacts as wandb
from ipyartifacts import errors
from tests.helpers import write


@pytest.fixture
def logged(work: Path) -> wandb.Artifact:
    write(work / "data/a.txt", "alpha")
    write(work / "data/b.txt", "bravo")
    run = wandb.init(project="p")
    art = wandb.Artifact("ds", "dataset", incremental=True, use_as="training data")
    art.add_dir(work / "data")
    return run.log_artifact(art)


def test_times_are_wandbs_iso_strings_with_datetimes_beside_them(logged: wandb.Artifact) -> None:
    assert isinstance(logged.created_at, str)
    assert logged.created_at[:4].isdigit()
    assert datetime.fromisoformat(logged.created_at) == logged.created_datetime
    assert logged.updated_at == logged.created_at  # never edited yet
    logged.description = "edited"
    logged.save()
    assert logged.updated_at > logged.created_at  # strings compare like the times


def test_where_it_lives(
    logged: wandb.Artifact, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPYARTIFACTS_ENTITY", "team")
    assert logged.entity == "team"
    assert logged.collection.name == "ds"
    assert logged.collection.type == "dataset"
    assert logged.url is not None
    assert logged.url.startswith(store.resolve().as_uri())
    assert wandb.Artifact("draft", "dataset").url is None  # never a fake web address
    assert logged.commit_hash == logged.digest
    assert logged.digest_algorithm == "BLAKE3"


def test_draft_arguments_are_stored_and_logged_artifacts_are_final(
    logged: wandb.Artifact, work: Path
) -> None:
    draft = wandb.Artifact("x", "dataset", incremental=True, use_as="input")
    assert (draft.incremental, draft.use_as) == (True, "input")
    draft.distributed_id = "job-7"
    assert draft.distributed_id == "job-7"
    draft.finalize()
    with pytest.raises(errors.ArtifactStateError, match="was finalized"):
        draft.add_file(write(work / "c.txt", "c"))
    assert wandb.Api().artifact("p/ds:v0").incremental is False


def test_history_step_is_the_runs_step_when_logged(work: Path) -> None:
    write(work / "m.txt", "m")
    run = wandb.init(project="p")
    first = run.log_artifact("m.txt", name="before", type="model")
    assert first.history_step is None  # nothing logged yet
    run.log({"loss": 1.0})
    run.log({"loss": 0.5})
    second = run.log_artifact("m.txt", name="after", type="model")
    assert second.history_step == 1


def test_json_encode_and_added_local_path_names(logged: wandb.Artifact, work: Path) -> None:
    encoded = logged.json_encode()
    assert encoded["_type"] == "artifactVersion"
    assert encoded["id"] == logged.id
    assert encoded["sequenceName"] == "ds"
    assert encoded["usedAs"] == "training data"
    draft = wandb.Artifact("y", "dataset")
    draft.add_file(str(work / "data/a.txt"), name="renamed.txt")
    draft.add_dir(str(work / "data"), name="all")
    assert draft.get_added_local_path_name(str(work / "data/a.txt")) == "all/a.txt"
    assert draft.get_added_local_path_name(os.path.join(str(work / "data"), "b.txt")) == "all/b.txt"
    assert draft.get_added_local_path_name("nowhere.txt") is None


def test_files_takes_wandbs_signature_and_get_path_is_get_entry(logged: wandb.Artifact) -> None:
    assert [f.path for f in logged.files(names=["b.txt"], per_page=1)] == ["b.txt"]
    assert logged.get_path("a.txt").path == logged.get_entry("a.txt").path
    assert Path(logged.get_path("a.txt").download()).read_text() == "alpha"


def test_default_download_folder_is_wandbs(logged: wandb.Artifact) -> None:
    expected = "ds-v0" if os.name == "nt" else "ds:v0"
    assert Path(logged.download()) == Path("artifacts") / expected


def test_entry_members(logged: wandb.Artifact, work: Path) -> None:
    entry = logged.get_entry("a.txt")
    assert (entry.name, entry.birth_artifact_id, entry.parent_artifact()) == (
        "a.txt",
        logged.id,
        logged,
    )
    assert entry.digest_algorithm() == "BLAKE3"
    assert entry.skip_cache is False
    assert entry.local_path is not None
    assert Path(entry.local_path).read_text() == "alpha"
    assert entry.to_json() == {
        "path": "a.txt",
        "digest": entry.digest,
        "size": 5,
        "birth_artifact_id": logged.id,
    }
    with pytest.raises(ValueError, match="only reference entries support ref_target"):
        entry.ref_target()
    with ThreadPoolExecutor(1) as pool:
        assert Path(entry.download(root=work / "one", executor=pool)).read_text() == "alpha"
    ref = wandb.Artifact("refs", "dataset")
    ref.add_reference((work / "data/b.txt").as_uri())
    assert ref.get_entry("b.txt").ref_target() == (work / "data/b.txt").as_uri()


def test_ref_url_adds_another_artifacts_file_by_reference(logged: wandb.Artifact) -> None:
    url = logged.get_entry("a.txt").ref_url()
    assert url == f"wandb-artifact://{logged.id}/a.txt"
    derived = wandb.Artifact("derived", "dataset")
    derived.add_reference(url)
    run = wandb.init(project="p")
    out = run.log_artifact(derived)
    assert out.get_entry("a.txt").digest == logged.get_entry("a.txt").digest
    assert Path(out.get_entry("a.txt").download()).read_text() == "alpha"
    with pytest.raises(errors.ArtifactNotFoundError, match="names no file"):
        wandb.Artifact("z", "dataset").add_reference(f"wandb-artifact://{logged.id}/nope")


def test_a_string_is_one_alias_and_use_artifact_by_name_ignores_aliases(
    logged: wandb.Artifact, work: Path
) -> None:
    run = wandb.init(project="p")
    used = run.use_artifact("ds:latest", aliases="stable")  # W&B ignores aliases for a name
    assert used.aliases == ["latest"]
    again = wandb.use_artifact("ds", aliases=["stable"], use_as="x")
    assert again.aliases == ["latest"]
    out = run.log_artifact(write(work / "n.txt", "n"), name="n", type="data", aliases="best")
    assert sorted(out.aliases) == ["best", "latest"]
    draft = wandb.Artifact("drafted", "data")
    draft.add_file(work / "n.txt")
    assert sorted(run.use_artifact(draft, aliases="gold").aliases) == ["gold", "latest"]
