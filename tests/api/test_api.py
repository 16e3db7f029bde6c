"""The W&B-shaped public API on the embedded store."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

import ipyartifacts
import ipyartifacts as wandb
from ipyartifacts import errors
from tests.helpers import write


def test_wandb_quickstart_snippet_runs_unchanged(work: Path) -> None:
    write(work / "dataset.h5", b"\x89HDF\r\n" + os.urandom(5000))

    run = wandb.init(project="artifacts-example", job_type="add-dataset")
    artifact = wandb.Artifact(name="example_artifact", type="dataset")
    artifact.add_file(local_path="./dataset.h5", name="training_dataset")
    artifact.save()

    artifact = run.use_artifact("example_artifact:latest")
    datadir = artifact.download()

    assert Path(datadir, "training_dataset").read_bytes() == (work / "dataset.h5").read_bytes()
    assert artifact.name == "example_artifact:v0"
    assert artifact.version == "v0"
    assert artifact.qualified_name == "artifacts-example/example_artifact:v0"
    assert [r.id for r in artifact.used_by()] == [run.id]
    assert artifact.logged_by() == run


def test_wandb_dataset_tutorial_runs_unchanged(work: Path) -> None:
    write(work / "dataset.h5", os.urandom(1000))
    write(work / "checkpoints/model.h5", b"weights")

    wandb.login()
    run = wandb.init(project="artifacts-example", job_type="upload-dataset")
    artifact = wandb.Artifact(name="bicycle-dataset", type="dataset")
    artifact.add_file(local_path="dataset.h5")
    artifact.add_file("checkpoints/model.h5")  # stored as model.h5, as in W&B
    run.log_artifact(artifact)
    run.finish()

    with wandb.init(project="artifacts-example", job_type="train") as run:
        artifact = run.use_artifact("bicycle-dataset:latest")
        datadir = artifact.download()
        entry = artifact.get_entry("model.h5")
    assert sorted(os.listdir(datadir)) == ["dataset.h5", "model.h5"]
    assert entry.size == len(b"weights")


def test_add_dir_and_log_artifact_with_aliases_and_tags(work: Path) -> None:
    write(work / "data/train/a.csv", "x\n1\n")
    write(work / "data/train/b.csv", "x\n2\n")
    write(work / "data/test.csv", "x\n3\n")
    with wandb.init(project="vision", job_type="prepare") as run:
        artifact = wandb.Artifact("mnist", type="dataset", metadata={"rows": 3})
        artifact.add_dir(local_path="data")
        logged = run.log_artifact(artifact, aliases=["best"], tags=["raw"])
    assert logged is artifact
    assert artifact.aliases == ["latest", "best"]
    assert artifact.tags == ["raw"]
    assert artifact.file_count == 3
    assert artifact.size == 12
    assert sorted(artifact.manifest.entries) == ["test.csv", "train/a.csv", "train/b.csv"]
    assert run.state == "finished"
    assert [a.name for a in run.logged_artifacts()] == ["mnist:v0"]

    fetched = wandb.Api().artifact("vision/mnist:best")
    assert fetched == artifact
    assert fetched.metadata == {"rows": 3}
    # W&B's type: an ISO-8601 string; the datetime is created_datetime.
    assert isinstance(fetched.created_at, str)
    assert datetime.fromisoformat(fetched.created_at) == fetched.created_datetime
    assert fetched.created_datetime.tzinfo is not None


def test_add_dir_under_a_logical_prefix(work: Path) -> None:
    write(work / "imgs/cat.png", b"cat")
    art = wandb.Artifact("pics", "dataset")
    art.add_dir("imgs", name="images/raw")
    assert list(art.manifest.entries) == ["images/raw/cat.png"]


def test_second_version_and_unchanged_relog(work: Path) -> None:
    data = write(work / "data.txt", "one")
    run = wandb.init(project="p")

    def log(**kwargs: object) -> wandb.Artifact:
        art = wandb.Artifact("corpus", "dataset")
        art.add_file(data)
        return run.log_artifact(art, **kwargs)  # type: ignore[arg-type]

    v0 = log()
    assert v0.version == "v0"
    write(data, "two")
    v1 = log()
    assert v1.version == "v1"
    again = log(aliases=["stable"], tags=["checked"])
    assert again.version == "v1", "identical content to latest must not create a version"
    assert again.id == v1.id
    assert again.aliases == ["latest", "stable"]
    assert again.tags == ["checked"]
    versions = wandb.Api().artifacts("dataset", "p/corpus")
    assert [a.version for a in versions] == ["v1", "v0"]
    assert wandb.Api().artifact("p/corpus:v0").aliases == []


def test_relog_of_an_older_content_makes_a_new_version(work: Path) -> None:
    data = write(work / "d.txt", "A")
    run = wandb.init(project="p")
    for content in ("A", "B", "A"):
        write(data, content)
        art = wandb.Artifact("d", "dataset")
        art.add_file(data)
        run.log_artifact(art)
    assert wandb.Api().artifact("p/d").version == "v2"


def test_custom_alias_moves_between_versions(work: Path) -> None:
    run = wandb.init(project="p")
    for i in range(2):
        art = wandb.Artifact("m", "model")
        art.add_file(write(work / "w.bin", str(i)))
        run.log_artifact(art, aliases=["production"])
    api = wandb.Api()
    assert api.artifact("p/m:production").version == "v1"
    assert api.artifact("p/m:v0").aliases == []


@pytest.mark.parametrize("alias", ["latest", "v0", "v12", "bad alias", "a:b", ""])
def test_reserved_or_malformed_aliases_are_refused(work: Path, alias: str) -> None:
    run = wandb.init(project="p")
    art = wandb.Artifact("m", "model")
    art.add_file(write(work / "w.bin", "x"))
    if alias == "latest":
        # "latest" is managed automatically: passing it is harmless, never stored as custom.
        run.log_artifact(art, aliases=[alias])
        assert art.aliases == ["latest"]
        return
    with pytest.raises(errors.InvalidNameError):
        run.log_artifact(art, aliases=[alias])
    assert not wandb.Api().artifact_exists("p/m")


def test_editing_aliases_list_then_save(work: Path) -> None:
    run = wandb.init(project="p")
    art = wandb.Artifact("m", "model")
    art.add_file(write(work / "w.bin", "x"))
    run.log_artifact(art, aliases=["candidate"])
    art.aliases.remove("candidate")
    art.aliases.append("best")
    art.tags.append("reviewed")
    art.description = "the good one"
    art.metadata["acc"] = 0.93
    art.save()
    again = wandb.Api().artifact("p/m:best")
    assert again.aliases == ["latest", "best"]
    assert again.tags == ["reviewed"]
    assert again.description == "the good one"
    assert again.metadata == {"acc": 0.93}
    assert not wandb.Api().artifact_exists("p/m:candidate")


def _two_versions(work: Path) -> None:
    with wandb.init(project="p") as run:
        for content in ("one", "two"):
            art = wandb.Artifact("m", "model")
            art.add_file(write(work / "w.bin", content))
            run.log_artifact(art)


def test_latest_cannot_be_put_on_an_older_version(work: Path) -> None:
    _two_versions(work)
    old = wandb.Api().artifact("p/m:v0")
    old.aliases.append("latest")
    with pytest.raises(errors.InvalidNameError, match="always points at the newest version"):
        old.save()
    assert wandb.Api().artifact("p/m:latest").version == "v1"
    with wandb.init(project="p") as run, pytest.raises(errors.InvalidNameError, match="by hand"):
        run.log_artifact(wandb.Api().artifact("p/m:v0"), aliases=["latest"])


def test_latest_where_it_already_is_changes_nothing(work: Path) -> None:
    _two_versions(work)
    newest = wandb.Api().artifact("p/m:latest")
    newest.aliases = ["best"]  # W&B code replaces the list; 'latest' is not the user's to drop
    newest.save()
    assert wandb.Api().artifact("p/m:latest").aliases == ["latest", "best"]
    read_as_latest = wandb.Api().artifact("p/m:v1")
    with wandb.init(project="p") as run:  # a newer version: 'latest' moves on by itself
        art = wandb.Artifact("m", "model")
        art.add_file(write(work / "w.bin", "three"))
        run.log_artifact(art, aliases=["latest"])
    read_as_latest.description = "edited after v2 was logged"
    read_as_latest.save()  # it still lists 'latest', as it did when read: not a request
    assert wandb.Api().artifact("p/m:latest").version == "v2"
    assert wandb.Api().artifact("p/m:v1").description == "edited after v2 was logged"


def test_python_errors_advise_in_python(work: Path, store: Path) -> None:
    _two_versions(work)
    best = wandb.Api().artifact("p/m:v0")
    best.aliases.append("best")
    best.save()
    with pytest.raises(errors.ArtifactStateError, match=r"delete\(delete_aliases=True\)"):
        best.delete()
    best.delete(delete_aliases=True)
    write(work / "a-file", "not a store")
    with pytest.raises(errors.StoreError, match=r"pass init\(store=\.\.\.\)"):
        wandb.init(store=work / "a-file")


def test_save_without_a_run_creates_an_auto_run(work: Path) -> None:
    art = wandb.Artifact("loose", "dataset")
    art.add_file(write(work / "f.txt", "x"))
    art.save()
    run = art.logged_by()
    assert run is not None
    assert run.job_type == "auto"
    assert run.state == "finished"
    assert art.project == "uncategorized"


def test_default_project_from_env_and_run_project(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPYARTIFACTS_PROJECT", "envproj")
    with wandb.init() as run:
        assert run.project == "envproj"
        art = wandb.Artifact("x", "dataset")
        art.add_file(write(work / "f.txt", "x"))
        run.log_artifact(art)
    assert wandb.Api().artifact("x").qualified_name == "envproj/x:v0"
    with wandb.init(project="other"):
        # while a run is active, a name without a project resolves in its project
        assert not wandb.Api().artifact_exists("x")
        assert wandb.Api().artifact_exists("envproj/x")


def test_use_artifact_records_input_and_checks_type(work: Path) -> None:
    producer = wandb.init(project="p", job_type="produce")
    art = wandb.Artifact("data", "dataset")
    art.add_file(write(work / "f.txt", "x"))
    producer.log_artifact(art)
    producer.finish()
    consumer = wandb.init(project="p", job_type="train")
    with pytest.raises(errors.ArtifactTypeMismatchError):
        consumer.use_artifact("data:latest", type="model")
    used = consumer.use_artifact("data:v0", type="dataset")
    assert [a.id for a in consumer.used_artifacts()] == [used.id]
    assert used.logged_by() == producer
    assert consumer in used.used_by()


def test_logging_another_type_under_the_same_name_is_refused(work: Path) -> None:
    run = wandb.init(project="p")
    a = wandb.Artifact("thing", "dataset")
    a.add_file(write(work / "f.txt", "x"))
    run.log_artifact(a)
    b = wandb.Artifact("thing", "model")
    b.add_file(write(work / "g.txt", "y"))
    with pytest.raises(errors.ArtifactTypeMismatchError, match="type 'dataset'"):
        run.log_artifact(b)


def test_log_artifact_from_a_path(work: Path) -> None:
    write(work / "model/weights.bin", b"\x00" * 10)
    run = wandb.init(project="p")
    art = run.log_artifact(str(work / "model"), name="clf", type="model", aliases=["best"])
    assert art.name == "clf:v0"
    assert art.type == "model"
    assert list(art.manifest.entries) == ["weights.bin"]


def test_active_run_attribute_and_context_manager(work: Path) -> None:
    assert ipyartifacts.run is None
    with wandb.init(
        project="p", job_type="j", name="my-run", config={"lr": 0.1}, tags=["t"]
    ) as run:
        assert ipyartifacts.run is run
        assert run.name == "my-run"
        assert run.config == {"lr": 0.1}
        assert run.tags == ("t",)  # a tuple, as W&B's run.tags
    assert ipyartifacts.run is None
    assert run.state == "finished"
    with pytest.raises(errors.ArtifactStateError, match="finished"):
        run.use_artifact("anything")


def test_failed_run_state_on_exception(work: Path) -> None:
    with pytest.raises(RuntimeError), wandb.init(project="p") as run:
        raise RuntimeError("boom")
    assert run.state == "failed"


def test_logged_content_cannot_change(work: Path) -> None:
    run = wandb.init(project="p")
    art = wandb.Artifact("d", "dataset")
    art.add_file(write(work / "f.txt", "x"))
    run.log_artifact(art)
    with pytest.raises(errors.ArtifactStateError, match="new_draft"):
        art.add_file(write(work / "g.txt", "y"))
    draft = art.new_draft()
    draft.add_file(work / "g.txt")
    run.log_artifact(draft)
    assert draft.version == "v1"
    assert sorted(draft.manifest.entries) == ["f.txt", "g.txt"]


def test_duplicate_path_needs_overwrite(work: Path) -> None:
    art = wandb.Artifact("d", "dataset")
    art.add_file(write(work / "a.txt", "a"), name="x.txt")
    with pytest.raises(errors.DuplicateEntryError, match="overwrite=True"):
        art.add_file(write(work / "b.txt", "b"), name="x.txt")
    art.add_file(work / "b.txt", name="x.txt", overwrite=True)
    assert art.manifest["x.txt"].size == 1


def test_immutable_policy_refuses_a_file_changed_before_logging(work: Path) -> None:
    f = write(work / "f.bin", "before")
    run = wandb.init(project="p")
    art = wandb.Artifact("d", "dataset")
    art.add_file(f, policy="immutable")
    write(f, "after!")
    with pytest.raises(errors.SourceChangedError, match="changed after it was added"):
        run.log_artifact(art)
    assert not wandb.Api().artifact_exists("p/d")


def test_mutable_policy_captures_bytes_when_added(work: Path) -> None:
    f = write(work / "f.bin", "before")
    run = wandb.init(project="p")
    art = wandb.Artifact("d", "dataset")
    art.add_file(f)
    write(f, "after!")
    run.log_artifact(art)
    out = Path(art.download(work / "out"))
    assert (out / "f.bin").read_text() == "before"


@pytest.mark.parametrize(
    ("spec", "project", "name", "alias"),
    [
        ("d", "p", "d", "latest"),
        ("d:v0", "p", "d", "v0"),
        ("p/d:latest", "p", "d", "latest"),
        ("someone/p/d:v0", "p", "d", "v0"),
    ],
)
def test_api_artifact_specs(work: Path, spec: str, project: str, name: str, alias: str) -> None:
    with wandb.init(project="p") as run:
        art = wandb.Artifact("d", "dataset")
        art.add_file(write(work / "f.txt", "x"))
        run.log_artifact(art)
    found = wandb.Api(overrides={"project": "p"}).artifact(spec)
    assert (found.project, found.collection_name) == (project, name)
    assert alias in (*found.aliases, found.version)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("p/nope", "No artifact named 'nope'"),
        ("p/d:v7", "has no version 'v7'"),
        ("p/d:gold", "Available: v0"),
        ("p/d:", "ends with ':'"),
        ("bad name", "Invalid artifact name"),
        ("p/d:v1:v2", "Malformed artifact name: expected NAME, NAME:ALIAS or NAME:vN"),
        ("p/d:v0/x", "Malformed artifact name"),
        ("a/b/c/d", "Malformed artifact name"),
    ],
)
def test_api_errors_say_what_exists(work: Path, spec: str, message: str) -> None:
    with wandb.init(project="p") as run:
        art = wandb.Artifact("d", "dataset")
        art.add_file(write(work / "f.txt", "x"))
        run.log_artifact(art)
    with pytest.raises(errors.ArtifactError, match=message):
        wandb.Api().artifact(spec)


def test_not_found_is_a_key_error_with_a_readable_message(work: Path) -> None:
    with pytest.raises(KeyError) as info:
        wandb.Api().artifact("nothing")
    assert str(info.value).startswith("No artifact named")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), {1: "x"}, {"s": {1, 2}}, object()])
def test_metadata_must_be_strict_json(bad: object) -> None:
    with pytest.raises(errors.InvalidMetadataError):
        wandb.Artifact("d", "dataset", metadata={"x": bad})


def test_names_are_validated() -> None:
    with pytest.raises(errors.InvalidNameError, match="letters, digits"):
        wandb.Artifact("has space", "dataset")
    with pytest.raises(errors.InvalidNameError, match="128"):
        wandb.Artifact("a" * 129, "dataset")
    assert wandb.Artifact("a" * 128, "dataset").name == "a" * 128
    with pytest.raises(errors.InvalidNameError):
        wandb.init(project="../escape")


def test_draft_properties_before_logging(work: Path) -> None:
    art = wandb.Artifact("d", "dataset")
    art.add_file(write(work / "f.txt", "hello"))
    assert art.name == "d"
    assert art.is_draft()
    assert art.size == 5
    assert len(art.digest) == 64
    with pytest.raises(errors.ArtifactStateError, match="not been logged"):
        _ = art.version
    with pytest.raises(errors.ArtifactStateError):
        art.download()


def test_digest_is_independent_of_add_order(work: Path) -> None:
    a, b = write(work / "a", "1"), write(work / "b", "2")
    first = wandb.Artifact("x", "t")
    first.add_file(a)
    first.add_file(b)
    second = wandb.Artifact("x", "t")
    second.add_file(b)
    second.add_file(a)
    assert first.digest == second.digest


def test_module_level_wandb_helpers(work: Path) -> None:
    with pytest.raises(errors.ArtifactStateError, match="init"):
        wandb.log_artifact(str(work))
    wandb.init(project="p")
    art = wandb.log_artifact(str(write(work / "m.bin", "m")), name="m", type="model")
    assert wandb.use_artifact("m:latest").id == art.id
    wandb.finish()
    assert ipyartifacts.run is None


def test_all_is_sorted_and_complete() -> None:
    assert ipyartifacts.__all__ == sorted(ipyartifacts.__all__, key=str)
    for name in ipyartifacts.__all__:
        assert hasattr(ipyartifacts, name), name


def test_import_is_light() -> None:
    code = "import sys, ipyartifacts; print(sorted(m for m in ('sqlalchemy', 'pyarrow', 'obstore', 'pandas', 'anywidget', 'IPython') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_works_in_a_fresh_process_with_env_store(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import ipyartifacts as wandb
        run = wandb.init(project="proc")
        a = wandb.Artifact("x", "dataset")
        a.add_file(__file__, name="script.py")
        run.log_artifact(a)
        print(a.qualified_name)
        """
    )
    path = write(tmp_path / "s.py", script)
    env = {**os.environ, "IPYARTIFACTS_STORE": str(tmp_path / "procstore")}
    out = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "proc/x:v0"
    api = wandb.Api(store=tmp_path / "procstore")
    assert api.artifact("proc/x").logged_by() is not None
