"""The run members W&B's docs use: log/history/summary, edits, paths, public-run queries."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import pytest

import ipyartifacts as wandb
from ipyartifacts import errors


def test_log_records_history_and_summary_readable_from_the_public_run() -> None:
    run = wandb.init(project="p", config={"lr": 0.1})
    for epoch in range(3):
        run.log({"loss": 1 / (epoch + 1), "epoch": epoch})
    run.log({"acc": 0.5}, commit=False)  # stays on step 3 ...
    run.log({"f1": 0.25})  # ... and this fills it, then moves on
    run.log({"late": 1}, step=10)
    wandb.log({"nan": float("nan")})  # W&B logs NaN; the module-level log uses the active run
    run.finish()
    public = wandb.Api().run(run.path)
    rows = public.history(pandas=False)
    assert [r["_step"] for r in rows] == [0, 1, 2, 3, 10]
    assert rows[3]["acc"] == 0.5
    assert rows[3]["f1"] == 0.25
    assert math.isnan(rows[4]["nan"])
    assert rows[4]["late"] == 1
    frame = public.history(keys=["loss"])
    assert list(frame["loss"]) == [1.0, 0.5, 1 / 3]
    assert list(frame.columns) == ["_step", "loss"]
    assert len(public.history(samples=2, pandas=False)) == 2
    assert public.summary["loss"] == 1 / 3
    assert public.summary["late"] == 1


def test_log_refuses_going_back_and_non_json_values() -> None:
    run = wandb.init(project="p")
    run.log({"a": 1}, step=5)
    with pytest.raises(ValueError, match="before the run's current step 5"):
        run.log({"a": 2}, step=4)
    with pytest.raises(errors.InvalidMetadataError, match="object"):
        run.log({"a": object()})
    run.finish()
    with pytest.raises(errors.ArtifactStateError, match="log metrics"):
        run.log({"a": 3})


def test_summary_and_config_are_editable_and_saved() -> None:
    run = wandb.init(project="p", config={"lr": 0.1, "seed": 1}, config_exclude_keys=["seed"])
    assert run.config == {"lr": 0.1}
    assert run.config.lr == 0.1
    run.config.update({"batch": 32})
    run.config["lr"] = 0.2
    run.summary["best"] = 0.9
    wandb.summary["other"] = 1  # wandb.summary: the active run's
    public = wandb.Api().run(run.id)
    assert public.config == {"lr": 0.2, "batch": 32}
    assert dict(public.summary) == {"best": 0.9, "other": 1}


def test_name_notes_tags_are_settable_and_persisted() -> None:
    run = wandb.init(project="p", tags=["a"])
    run.name = "a better name"
    run.notes = "why this run"
    run.tags = run.tags + ("b",)  # noqa: RUF005 (W&B's docs idiom: tags are a tuple)
    public = wandb.Api().run(run.path)
    assert (public.name, public.notes, public.tags) == ("a better name", "why this run", ("a", "b"))
    public.name = "renamed from the public api"
    public.update()
    assert wandb.Api().run(run.id).name == "renamed from the public api"


def test_free_form_job_types_and_names_are_accepted_control_characters_are_not() -> None:
    run = wandb.init(project="p", job_type="modify dataset", name="my run: #1 (retry)")
    assert (run.job_type, run.name) == ("modify dataset", "my run: #1 (retry)")
    with pytest.raises(errors.InvalidNameError, match="control characters"):
        wandb.init(project="p", job_type="bad\njob")
    with pytest.raises(errors.InvalidNameError, match="control characters"):
        run.name = "tab\there"


def test_entity_group_path_url_dir_and_created_at(tmp_path: Path) -> None:
    run = wandb.init(entity="team", project="p", group="sweep-1", dir=tmp_path / "d", id="run00001")
    assert (run.entity, run.group, run.id) == ("team", "sweep-1", "run00001")
    assert run.path == "team/p/run00001"
    assert run.url.startswith("file://")
    assert "run=run00001" in run.url
    assert Path(run.dir).is_dir()
    assert Path(run.dir).is_relative_to(tmp_path / "d")
    assert isinstance(run.created_at, str)
    assert datetime.fromisoformat(run.created_at) == run.started_at
    assert wandb.Api().run(run.path) == run
    with pytest.raises(errors.ArtifactStateError, match="'run00001' already exists"):
        wandb.init(project="p", id="run00001")


def test_api_runs_takes_wandbs_path_filters_and_order() -> None:
    first = wandb.init(project="p", job_type="train", tags=["keep"], config={"lr": 0.1})
    first.finish()
    second = wandb.init(project="p", job_type="eval", config={"lr": 0.3})
    api = wandb.Api()
    assert api.runs("me/p") == [first, second]  # W&B's default "+created_at": oldest first
    assert api.runs("p", order="-created_at") == [second, first]
    assert api.runs("p", filters={"state": "finished"}) == [first]
    assert api.runs("p", filters={"jobType": {"$in": ["eval"]}}) == [second]
    assert api.runs("p", filters={"config.lr": {"$gt": 0.2}}) == [second]
    assert api.runs("p", filters={"tags": "keep"}) == [first]
    assert api.runs("p", filters={"$or": [{"tags": "keep"}, {"state": "running"}]}) == [
        first,
        second,
    ]
    with pytest.raises(ValueError, match="Cannot filter runs on 'heartbeat'"):
        api.runs("p", filters={"heartbeat": 1})
    with pytest.raises(errors.InvalidNameError, match="needs a run path"):
        api.run()


def test_public_run_delete_hides_it_and_can_take_its_artifacts(work: Path) -> None:
    (work / "f.txt").write_text("x")
    keep = wandb.init(project="p")
    keep.log_artifact("f.txt", name="kept", type="data")
    keep.finish()
    doomed = wandb.init(project="p")
    doomed.log_artifact("f.txt", name="gone", type="data", aliases="best")
    doomed.finish()
    api = wandb.Api()
    api.run(keep.path).delete()
    api.run(doomed.path).delete(delete_artifacts=True)
    assert api.runs("p") == []
    with pytest.raises(errors.ArtifactNotFoundError):
        api.run(keep.path)
    assert api.artifact("p/kept:latest").logged_by() == keep  # kept versions still name it
    assert not api.artifact_exists("p/gone:latest")
