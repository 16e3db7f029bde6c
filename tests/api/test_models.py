"""Models, the way W&B's docs log, use and link them: ``log_model``, ``use_model``, ``link_model``."""

from __future__ import annotations

from pathlib import Path

import pytest

import ipyartifacts as wandb
from ipyartifacts import errors
from tests.helpers import write


def test_docs_log_model_then_use_model_returns_the_file(work: Path) -> None:
    write(work / "model.pt", "weights")
    run = wandb.init(entity="team", project="vision")
    assert run.log_model(path="./model.pt", name="mnist-cnn") is None  # as in W&B
    run.finish()

    run = wandb.init(entity="team", project="vision")
    downloaded_model_path = run.use_model(name="mnist-cnn:latest")
    run.finish()

    assert Path(downloaded_model_path).name == "model.pt"  # one file: its path
    assert Path(downloaded_model_path).read_text() == "weights"
    model = wandb.Api().artifact("vision/mnist-cnn:v0")
    assert model.type == "model"
    assert [r.id for r in model.used_by()] == [run.id]


def test_log_model_of_a_folder_default_name_and_aliases(work: Path) -> None:
    write(work / "ckpt" / "weights.bin", "w")
    write(work / "ckpt" / "config.json", "{}")
    with wandb.init(project="vision") as run:
        wandb.log_model("ckpt", aliases=["best"])
        name = f"run-{run.id}-ckpt"
        folder = wandb.use_model(f"{name}:best")
    assert sorted(p.name for p in Path(folder).iterdir()) == ["config.json", "weights.bin"]
    assert set(wandb.Api().artifact(f"vision/{name}:v0").aliases) == {"latest", "best"}


def test_use_model_refuses_an_artifact_that_is_not_a_model(work: Path) -> None:
    write(work / "data.csv", "a\n1\n")
    with wandb.init(project="vision") as run:
        run.log_artifact("data.csv", name="table", type="dataset")
        with pytest.raises(errors.ArtifactTypeMismatchError, match="contain 'model'"):
            run.use_model("table:latest")


def test_docs_link_model_creates_the_registered_model_on_first_link(work: Path) -> None:
    write(work / "model.pt", "v1")
    run = wandb.init(entity="team", project="vision")
    linked = run.link_model(
        path="./model.pt", registered_model_name="classifier", name="mnist-cnn", aliases=["staging"]
    )
    write(work / "model.pt", "v2")
    second = run.link_model(path="./model.pt", registered_model_name="classifier", name="mnist-cnn")
    run.finish()

    assert linked is not None
    assert second is not None
    assert linked.qualified_name == "wandb-registry-model/classifier:v0"
    assert set(linked.aliases) == {"latest", "staging"}  # as it was when linked
    fresh = wandb.Api().artifact("wandb-registry-model/classifier:v0")
    assert set(fresh.aliases) == {"staging"}  # latest moved on to the second link
    assert second.version == "v1"
    assert set(second.aliases) == {"latest"}
    assert second.source_qualified_name == "vision/mnist-cnn:v1"
    source = wandb.Api().artifact("vision/mnist-cnn:v0")
    assert source.type == "model"
    assert "staging" not in source.aliases  # aliases apply to the link only
    served = wandb.Api().artifact("wandb-registry-model/classifier:staging")
    assert Path(served.download(), "model.pt").read_text() == "v1"


def test_link_model_keeps_an_existing_model_type_and_refuses_other_types(work: Path) -> None:
    write(work / "model.pt", "w")
    with wandb.init(project="vision") as run:
        run.log_artifact("model.pt", name="detector", type="onnx-model")
        run.log_artifact("model.pt", name="table", type="dataset")
        linked = run.link_model("model.pt", "detector", name="detector")
        assert linked is not None
        assert linked.type == "onnx-model"
        with pytest.raises(errors.ArtifactTypeMismatchError, match="does not contain 'model'"):
            run.link_model("model.pt", "table", name="table")
        with pytest.raises(errors.InvalidNameError, match="only the name"):
            run.link_model("model.pt", "team/model-registry/detector")
