"""Editable collections, artifact types and projects, as W&B's public API has them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

import ipyartifacts as wandb
from ipyartifacts import errors
from tests.helpers import write


@pytest.fixture
def api(work: Path) -> wandb.Api:
    write(work / "f.txt", "f")
    with wandb.init(project="vision") as run:
        run.log_artifact(work / "f.txt", name="mnist", type="dataset")
        run.log_artifact(work / "f.txt", name="cifar", type="dataset")
        run.log_artifact(work / "f.txt", name="resnet", type="model")
    with wandb.init(project="audio") as run:
        run.log_artifact(work / "f.txt", name="speech", type="dataset")
    return wandb.Api()


def test_collection_edits_are_saved(api: wandb.Api) -> None:
    coll = api.artifact_collection("dataset", "vision/mnist")
    assert coll.updated_at is None
    assert isinstance(coll.created_at, str)
    assert datetime.fromisoformat(coll.created_at) == coll.created_datetime
    coll.name = "mnist-28"
    coll.description = "MNIST, 28x28"
    coll.tags = ["vision", "small"]
    assert api.artifact_collection_exists("vision/mnist", "dataset")  # nothing saved yet
    coll.save()
    fresh = api.artifact_collection("dataset", "vision/mnist-28")
    assert (fresh.name, fresh.description, fresh.tags) == (
        "mnist-28",
        "MNIST, 28x28",
        ["vision", "small"],
    )
    assert fresh.updated_at is not None
    assert fresh.id == coll.id
    assert not api.artifact_collection_exists("vision/mnist", "dataset")
    assert api.artifact("vision/mnist-28:v0").collection_name == "mnist-28"


def test_renaming_onto_a_taken_name_saves_nothing(api: wandb.Api) -> None:
    coll = api.artifact_collection("dataset", "vision/mnist")
    coll.name = "cifar"
    coll.description = "lost?"
    with pytest.raises(errors.InvalidNameError, match="already has a collection named 'cifar'"):
        coll.save()
    assert api.artifact_collection("dataset", "vision/mnist").description is None


def test_change_type_and_the_other_members(api: wandb.Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPYARTIFACTS_ENTITY", "team")
    coll = api.artifact_collection("model", "vision/resnet")
    coll.change_type("checkpoint")
    assert api.artifact("vision/resnet:v0").type == "checkpoint"
    assert api.artifact_collection_exists("vision/resnet", "checkpoint")
    assert not api.artifact_collection_exists("vision/resnet", "model")
    assert coll.is_sequence()
    assert coll.entity == "team"
    assert coll.project_id == "vision"
    assert coll.load("team", "vision", "checkpoint", "resnet") is coll
    assert [a.version for a in coll.artifacts(per_page=10)] == ["v0"]
    assert coll.aliases == ["latest"]
    coll.delete()
    assert not api.artifact_collection_exists("vision/resnet", "checkpoint")


def test_types_and_projects(api: wandb.Api) -> None:
    types = api.artifact_types(project="vision")
    assert [t.name for t in types] == ["dataset", "model"]
    dataset = api.artifact_type("dataset", "vision")
    assert dataset.id == "vision/dataset"
    assert dataset.load() is dataset
    assert [c.name for c in dataset.collections()] == ["cifar", "mnist"]
    assert [c.name for c in dataset.collections(filters={"name": "mnist"})] == ["mnist"]
    assert dataset.collection("mnist").type == "dataset"
    assert [p.name for p in api.projects()] == ["audio", "vision"]
    project = api.project("vision", entity="whoever")
    assert [c.name for c in project.collections()] == ["cifar", "mnist", "resnet"]
    assert [t.name for t in project.artifact_types()] == ["dataset", "model"]
    assert [
        c.name for c in api.artifact_collections(project_name="audio", type_name="dataset")
    ] == ["speech"]
    with pytest.raises(errors.ArtifactNotFoundError, match="Known projects: audio, vision"):
        api.project("nope")
    assert api.artifact_exists("vision/mnist:v0")
    assert not api.artifact_exists("vision/mnist:v9")
