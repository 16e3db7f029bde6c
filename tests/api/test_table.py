"""``wandb.Table``: built and read like W&B's, stored in artifacts as Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ipyartifacts as wandb


def test_table_is_built_and_read_like_wandbs() -> None:
    table = wandb.Table(columns=["a", "b"], data=[["a1", 1], ["a2", 2]])
    table.add_data("a3", 3)
    table.add_column("c", [True, False, True])
    assert table.columns == ["a", "b", "c"]
    assert table.data == [["a1", 1, True], ["a2", 2, False], ["a3", 3, True]]
    assert table.get_column("b") == [1, 2, 3]
    assert table.get_column("b", convert_to="numpy").tolist() == [1, 2, 3]
    assert table.get_index() == [0, 1, 2]
    assert list(table.iterrows())[1] == (1, ["a2", 2, False])
    frame = table.get_dataframe()
    assert list(frame.columns) == ["a", "b", "c"]
    assert frame["b"].sum() == 6


def test_table_defaults_and_errors_follow_wandb() -> None:
    assert wandb.Table().columns == ["Input", "Output", "Expected"]
    assert wandb.Table(rows=[[1, 2, 3]]).data == [[1, 2, 3]]
    assert wandb.Table(columns=["x", "y"], data=np.array([[1, 2], [3, 4]])).data == [[1, 2], [3, 4]]
    with pytest.raises(ValueError, match=r"expects 3 columns: \['Input', 'Output', 'Expected'\]"):
        wandb.Table(data=[[1, 2]])  # no columns: W&B's defaults, and the row must fit them
    with pytest.raises(ValueError, match="expects 2 columns"):
        wandb.Table(columns=["a", "b"]).add_data(1)
    with pytest.raises(ValueError, match="Expected length 1"):
        wandb.Table(columns=["a"], data=[[1]]).add_column("b", [1, 2])
    with pytest.raises(KeyError, match="No column 'z'"):
        wandb.Table(columns=["a"]).get_column("z")


def test_table_from_a_dataframe_and_as_an_arrow_stream() -> None:
    df = pd.DataFrame({"x": [1, 2], "y": ["p", "q"]}, index=[10, 11])
    table = wandb.Table(dataframe=df)
    assert table.columns == ["x", "y"]
    assert table.data == [[1, "p"], [2, "q"]]
    assert wandb.Table(data=df) == table  # W&B also takes a DataFrame as data
    assert pa.table(table).to_pylist() == [{"x": 1, "y": "p"}, {"x": 2, "y": "q"}]
    assert pl.DataFrame(table)["y"].to_list() == ["p", "q"]


def test_artifact_add_table_stores_parquet_under_wandbs_entry_name(work: object) -> None:
    run = wandb.init(project="p")
    table = wandb.Table(columns=["a", "b"], data=[["a1", "b1"], ["a2", "b2"]])
    art = wandb.Artifact("tables", "dataset")
    entry = art.add(table, "my_table")
    assert entry.path == "my_table.table.json"
    run.log_artifact(art)
    logged = wandb.Api().artifact("p/tables:latest")
    assert sorted(logged.manifest.entries) == ["my_table.table.json", "my_table.table.parquet"]
    got = logged.get("my_table")
    assert isinstance(got, wandb.Table)
    assert got == table
    assert logged.get("my_table.table.json") == table
    pointer = json.loads(Path(logged.get_path("my_table.table.json").download()).read_text())
    assert pointer["path"] == "my_table.table.parquet"
    assert pointer["nrows"] == 2
    rows = pq.read_table(logged.get_entry("my_table.table.parquet").download())
    assert rows.column("b").to_pylist() == ["b1", "b2"]


def test_a_dataframe_comes_back_as_arrow_and_a_table_as_a_table_from_a_draft() -> None:
    art = wandb.Artifact("mixed", "dataset")
    art.add(pd.DataFrame({"v": [1, 2]}), "frame")
    art.add(wandb.Table(columns=["v"], data=[[3]]), "tbl")
    assert isinstance(art.get("frame"), pa.Table)
    assert art.get("tbl").data == [[3]]


def test_run_log_records_a_table_in_the_run() -> None:
    run = wandb.init(project="p")
    table = wandb.Table(columns=["epoch", "loss"], data=[[0, 1.0], [1, 0.5]])
    run.log({"predictions": table})
    row = wandb.Api().run(run.path).history(pandas=False)[0]
    assert row["predictions"]["_type"] == "table-file"
    logged = wandb.Api().artifact(row["predictions"]["artifact"])
    assert logged.type == "run_table"
    assert logged.get("predictions") == table
    assert [a.name for a in run.logged_artifacts()] == [logged.name]


def test_mixed_column_values_give_a_clear_error() -> None:
    art = wandb.Artifact("bad", "dataset")
    with pytest.raises(TypeError, match="one kind of value per column"):
        art.add(wandb.Table(columns=["v"], data=[[1], ["x"]]), "t")
