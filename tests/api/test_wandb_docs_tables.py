"""W&B's tables docs (and the runs page they lean on), run unchanged as ``wandb``.

Each test quotes its source (docs.wandb.ai/models/tables/..., .../runs/...). The docs'
``<placeholders>`` are filled in with names, as the docs ask.
"""

from __future__ import annotations

import pandas as pd

import ipyartifacts as wandb


def test_create_and_log_a_table() -> None:
    # Source: docs.wandb.ai/models/tables/tables-walkthrough ("Log a table")
    run = wandb.init(project="table-test")
    my_table = wandb.Table(columns=["a", "b"], data=[["a1", "b1"], ["a2", "b2"]])
    run.log({"Table Name": my_table})
    run.finish()
    # Checked: the run's history refers to the logged table
    row = wandb.Api().run(run.path).history(pandas=False)[0]
    assert wandb.Api().artifact(row["Table Name"]["artifact"]).get("Table Name") == my_table


def test_add_data_incrementally() -> None:
    # Source: docs.wandb.ai/models/tables/log_tables ("Add data incrementally")
    run = wandb.init(project="tables-quickstart")
    # Define the columns for the table, with some example data
    table = wandb.Table(columns=["step", "input", "output", "expected"])
    for step in range(3):
        input_data, output_data, expected = f"in{step}", f"out{step}", f"exp{step}"
        table.add_data(step, input_data, output_data, expected)
    run.log({"table_key": table})
    run.finish()
    assert table.get_column("step") == [0, 1, 2]


def test_save_and_retrieve_a_table_in_an_artifact() -> None:
    # Source: docs.wandb.ai/models/tables/tables-download ("Save data as an artifact")
    run = wandb.init(project="my_project")
    my_table = wandb.Table(columns=["a", "b"], data=[["a1", "b1"], ["a2", "b2"]])
    # create an artifact and add the table
    artifact = wandb.Artifact("my_table_artifact", type="dataset")
    artifact.add(my_table, "my_table")
    run.log_artifact(artifact)
    run.finish()
    # "Retrieve a table from an artifact"
    run = wandb.init(project="my_project")
    my_table = run.use_artifact("my_table_artifact:latest").get("my_table")
    # "Convert table to a dataframe"
    table_as_df = my_table.get_dataframe()
    assert list(table_as_df["a"]) == ["a1", "a2"]
    # The table's entry has W&B's name:
    entry = run.use_artifact("my_table_artifact:latest").get_entry("my_table.table.json")
    assert entry.path == "my_table.table.json"


def test_tables_from_dataframes_and_columns() -> None:
    # Source: docs.wandb.ai/models/ref/python/data-types/table ("Table" reference examples)
    my_df = pd.DataFrame({"id": [1, 2, 3], "score": [0.1, 0.7, 0.9]})
    table = wandb.Table(dataframe=my_df)
    table.add_column(name="label", data=["cat", "dog", "cat"])
    scores = table.get_column("score", convert_to="numpy")
    for ndx, row in table.iterrows():
        assert row[0] == my_df["id"][ndx]
    assert scores.mean() > 0.5
    assert table.get_index() == [0, 1, 2]


def test_run_summary_history_and_public_edits() -> None:
    # Source: docs.wandb.ai/models/track/public-api-guide ("Update config/summary for an
    # existing run", "Rename a run", "Get the history of a run", "Filter runs")
    with wandb.init(project="my-project", config={"experiment_name": "foo"}) as live:
        for loss in (0.5, 0.25):
            live.log({"loss": loss})
        live.summary["best_accuracy"] = 0.9
    api = wandb.Api()
    run = api.run(f"entity/my-project/{live.id}")
    run.config["key"] = "updated_value"
    run.update()
    run.summary["new_key"] = 1
    run.summary.update()
    run.name = "new-name"
    run.update()
    history = run.history()
    runs = api.runs("entity/my-project", filters={"config.experiment_name": "foo"})
    assert list(history["loss"]) == [0.5, 0.25]
    assert [r.name for r in runs] == ["new-name"]
    assert api.run(run.path).summary["new_key"] == 1
    assert api.run(run.path).config["key"] == "updated_value"
