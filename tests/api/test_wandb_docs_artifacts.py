"""W&B's artifact docs pages, their snippets run unchanged with ``import ipyartifacts as wandb``.

Each test quotes its source (docs.wandb.ai/models/artifacts/...). Files the snippets
assume exist are made first; entity/project strings are as written in the docs; only
``s3://`` references (which need the network) are swapped for local ``file://`` ones, and
the docs' ``<placeholders>`` are filled in with names, as the docs ask (W&B refuses
``<`` and ``>`` in names too).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import ipyartifacts as wandb
from tests.helpers import write


@pytest.fixture(autouse=True)
def files(work: Path) -> Path:
    """What the snippets read from the working directory."""
    write(work / "hello_world.txt", "hello world")
    write(work / "image1.png", b"png-1")
    write(work / "image2.png", b"png-2")
    write(work / "image3.png", b"png-3")
    write(work / "file_to_add.txt", "new")
    write(work / "dir_to_remove/old.txt", "old")
    write(work / "images/cat.png", b"cat")
    write(work / "bike/one.txt", "bike 1")
    return work


def _log_bike_dataset() -> None:
    with wandb.init(project="example", job_type="upload") as run:
        artifact = wandb.Artifact("bike-dataset", type="dataset")
        artifact.add_dir("bike")
        artifact.add_file("dir_to_remove/old.txt", name="dir_to_remove/old.txt")
        run.log_artifact(artifact, aliases=["stable"])


def test_construct_an_artifact() -> None:
    # Source: docs.wandb.ai/models/artifacts/construct-an-artifact ("Construct an artifact")
    run = wandb.init(project="artifacts-example", job_type="add-dataset")
    artifact = wandb.Artifact(name="example_artifact", type="dataset")
    artifact.add_file(local_path="hello_world.txt", name="optional-name")
    artifact.add_dir(local_path="images")
    run.log_artifact(artifact)
    run.finish()
    # Checked against the store:
    logged = wandb.Api().artifact("artifacts-example/example_artifact:v0")
    assert sorted(logged.manifest.entries) == ["cat.png", "optional-name"]


def test_add_files_from_parallel_runs() -> None:
    # Source: docs.wandb.ai/models/artifacts/create-a-new-artifact-version
    # ("Distributed runs": every run upserts, one finishes)
    # Ideally, any distributed runs share a group
    with wandb.init() as run:
        artifact = wandb.Artifact(name="dist-artifact", type="dataset")
        # Add Files and Assets to the artifact using
        # `.add`, `.add_file`, `.add_dir`, and `.add_reference`
        artifact.add_file("image1.png")
        run.upsert_artifact(artifact, distributed_id="my_dist_artifact")
    with wandb.init() as run:
        artifact = wandb.Artifact(name="dist-artifact", type="dataset")
        artifact.add_file("image2.png")
        run.upsert_artifact(artifact, distributed_id="my_dist_artifact")
    # Ensure the group of parallel runs are complete before finishing the artifact.
    with wandb.init() as run:
        artifact = wandb.Artifact("dist-artifact", type="dataset")
        # Add Files and Assets to the artifact using
        # `.add`, `.add_file`, `.add_dir`, and `.add_reference`
        artifact.add_file("image3.png")
        run.finish_artifact(artifact, distributed_id="my_dist_artifact")
    # Checked:
    final = wandb.Api().artifact("dist-artifact:latest")
    assert sorted(final.manifest.entries) == ["image1.png", "image2.png", "image3.png"]


def test_create_a_new_version_from_an_existing_one() -> None:
    # Source: docs.wandb.ai/models/artifacts/create-a-new-artifact-version
    # ("Create a new artifact version from an existing version", inside a run)
    _log_bike_dataset()
    with wandb.init(job_type="train", project="example") as run:
        saved_artifact = run.use_artifact("bike-dataset:latest")
        draft_artifact = saved_artifact.new_draft()
        draft_artifact.add_file("file_to_add.txt")
        draft_artifact.remove("dir_to_remove/")
        run.log_artifact(draft_artifact)
    assert sorted(wandb.Api().artifact("example/bike-dataset:v1").manifest.entries) == [
        "file_to_add.txt",
        "one.txt",
    ]


def test_download_and_use_artifacts() -> None:
    # Source: docs.wandb.ai/models/artifacts/download-and-use-an-artifact
    _log_bike_dataset()
    run = wandb.init(project="example", job_type="train")
    artifact = run.use_artifact("bike-dataset:latest")
    datadir = artifact.download()
    entry = artifact.get_entry("one.txt")
    path = entry.download()
    # "Use an artifact outside of a run" (same page), entity/project as written
    api = wandb.Api()
    artifact = api.artifact("entity/example/bike-dataset:latest")
    artifact.download()
    assert Path(datadir) == Path("artifacts/bike-dataset:v0")
    assert Path(path).read_text() == "bike 1"


def test_update_an_artifact_inside_and_outside_a_run() -> None:
    # Source: docs.wandb.ai/models/artifacts/update-an-artifact
    _log_bike_dataset()
    with wandb.init(project="example") as run:
        artifact = run.use_artifact("bike-dataset:stable")
        artifact.description = "<description>"
        artifact.save()
    # "Outside of a run"
    api = wandb.Api()
    artifact = api.artifact("entity/example/bike-dataset:stable")
    # Update the description
    artifact.description = "My new description"
    # Selectively update metadata keys
    artifact.metadata["oldKey"] = "new value"
    # Replace the metadata entirely
    artifact.metadata = {"newKey": "new value"}
    # Add an alias
    artifact.aliases.append("best")
    # Remove an alias
    artifact.aliases.remove("stable")
    # Completely replace the aliases
    artifact.aliases = ["replaced"]
    # Persist all artifact modifications
    artifact.save()
    fresh = api.artifact("example/bike-dataset:replaced")
    assert fresh.description == "My new description"
    assert fresh.metadata == {"newKey": "new value"}


def test_update_an_artifact_collection() -> None:
    # Source: docs.wandb.ai/models/artifacts/update-an-artifact ("Update artifact collections")
    _log_bike_dataset()
    api = wandb.Api(overrides={"project": "example"})
    collection = api.artifact_collection(type_name="dataset", name="bike-dataset")
    collection.name = "bikes"
    collection.description = "<This is where you'd describe the purpose of your collection.>"
    collection.tags = ["tag1", "tag2"]
    collection.save()
    assert api.artifact_collection("dataset", "bikes").tags == ["tag1", "tag2"]


def test_aliases_tags_and_ttl() -> None:
    # Sources: docs.wandb.ai/models/artifacts/create-a-custom-alias,
    # .../tags ("Add a tag to an artifact"), .../ttl ("Set a TTL policy")
    run = wandb.init(project="my-project")
    artifact = wandb.Artifact("my-artifact", "dataset")
    artifact.add_file("hello_world.txt")  # "<file-path>" in the docs
    artifact.ttl = timedelta(days=30)  # Set TTL policy
    run.log_artifact(artifact, aliases=["my-alias"], tags=["tag1"])
    artifact = run.use_artifact("my-artifact:my-alias")
    artifact.tags.append("tag2")
    artifact.save()
    run.finish()
    got = wandb.Api().artifact("my-project/my-artifact:my-alias")
    assert sorted(got.tags) == ["tag1", "tag2"]
    assert got.ttl == timedelta(days=30)


def test_track_external_files() -> None:
    # Source: docs.wandb.ai/models/artifacts/track-external-files
    # ("Track artifacts in filesystems": a file:// mount, as written)
    mount = Path("images").resolve().as_uri()
    run = wandb.init()
    artifact = wandb.Artifact("mnist", type="dataset")
    artifact.add_reference(mount)
    run.log_artifact(artifact)
    # Download the artifact
    artifact = run.use_artifact("mnist:latest")
    artifact_dir = artifact.download()
    assert (Path(artifact_dir) / "cat.png").read_bytes() == b"cat"


def test_explore_artifact_graphs() -> None:
    # Source: docs.wandb.ai/models/artifacts/explore-and-traverse-an-artifact-graph
    _log_bike_dataset()
    with wandb.init(project="example", job_type="train") as consumer:
        consumer.use_artifact("bike-dataset:latest")
    api = wandb.Api()
    artifact = api.artifact("example/bike-dataset:latest")
    # Walk up and down the graph from an artifact:
    producer_run = artifact.logged_by()
    consumer_runs = artifact.used_by()
    # Walk up and down the graph from a run:
    logged_artifacts = producer_run.logged_artifacts()
    used_artifacts = consumer_runs[0].used_artifacts()
    run = api.run(f"entity/example/{consumer.id}")
    assert logged_artifacts == used_artifacts == run.used_artifacts()


def test_delete_artifacts() -> None:
    # Source: docs.wandb.ai/models/artifacts/delete-artifacts
    _log_bike_dataset()
    with wandb.init(project="example") as run:
        draft = run.use_artifact("bike-dataset:latest").new_draft()
        draft.add_file("file_to_add.txt")
        run.log_artifact(draft)
    # "Delete multiple artifact versions with a specific alias"
    api = wandb.Api(overrides={"project": "example", "entity": "entity"})
    artifact_type, artifact_name = "dataset", "bike-dataset"  # provide type and name
    for v in api.artifact_versions(artifact_type, artifact_name):
        # Clean up versions that don't have an alias such as 'latest'.
        # NOTE: You can put whatever deletion logic you want here.
        if len(v.aliases) == 0:
            v.delete()
    # "Delete an artifact with aliases"
    artifact = api.artifact("entity/example/bike-dataset:stable")
    artifact.delete(delete_aliases=True)
    # "Delete an artifact collection"
    collection = api.artifact_collection("dataset", "entity/example/bike-dataset")
    collection.delete()
    assert not api.artifact_collection_exists("example/bike-dataset", "dataset")


def test_project_walk_from_the_docs() -> None:
    # Source: docs.wandb.ai/models/artifacts/delete-artifacts
    # ("Delete all versions of an artifact that do not have an alias", by project)
    _log_bike_dataset()
    api = wandb.Api()
    project = api.project("example")
    deleted = []
    for artifact_type in project.artifact_types():
        for artifact_collection in artifact_type.collections():
            for version in artifact_collection.artifacts():
                if version.type == "dataset" and "stable" in version.aliases:
                    deleted.append(version.name)
    assert deleted == ["bike-dataset:v0"]


def test_free_form_job_types_and_string_aliases() -> None:
    # Source: docs.wandb.ai/models/artifacts/update-an-artifact (job_type="modify dataset")
    # and the SDK's use_artifact(..., aliases=...) (wandb/sdk/wandb_run.py)
    _log_bike_dataset()
    run = wandb.init(project="example", job_type="modify dataset")
    artifact = run.use_artifact("bike-dataset:stable", aliases="stable")
    assert sorted(artifact.aliases) == ["latest", "stable"]  # not s, t, a, b, l, e
    # created_at is W&B's string, compared and sliced as the docs do
    assert artifact.created_at[:4].isdigit()
    assert artifact.created_at <= wandb.Api().artifact("example/bike-dataset:v0").updated_at
