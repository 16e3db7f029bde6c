"""Tables: ``artifact.add(obj, name)`` stores Parquet; ``artifact.get(name)`` reads a pyarrow Table."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ipyartifacts as wandb
from ipyartifacts import errors
from ipyartifacts.core.client import get_client
from tests.helpers import write

EXPECTED = pa.table({"id": [1, 2, 3], "label": ["cat", "dog", "eel"], "score": [0.5, 0.25, 1.0]})


class StreamOnly:
    """An object that speaks only the Arrow PyCapsule stream interface."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._table.__arrow_c_stream__(requested_schema)


MAKERS = {
    "pyarrow": lambda: EXPECTED,
    "record-batch": lambda: EXPECTED.to_batches()[0],
    "pandas": lambda: EXPECTED.to_pandas(),
    "polars": lambda: pl.from_arrow(EXPECTED),
    "capsule-stream": lambda: StreamOnly(EXPECTED),
}


def log(art: wandb.Artifact) -> wandb.Artifact:
    run = wandb.run or wandb.init(project="tables")
    logged = run.log_artifact(art)
    return wandb.Api().artifact(f"tables/{logged.name}")


def same_values(got: pa.Table, want: pa.Table) -> bool:
    return bool(got.select(want.column_names).to_pylist() == want.to_pylist())


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_round_trip(kind: str) -> None:
    art = wandb.Artifact("splits", "dataset")
    entry = art.add(MAKERS[kind](), "train")
    assert entry.path == "train.parquet"
    assert entry.extra == {
        "media_type": "application/vnd.apache.parquet",
        "rows": 3,
        "columns": ["id", "label", "score"],
    }
    table = log(art).get("train")
    assert isinstance(table, pa.Table)
    assert same_values(table, EXPECTED)


def test_get_accepts_both_names_and_item_syntax() -> None:
    art = wandb.Artifact("splits", "dataset")
    art["val"] = EXPECTED
    art.add(EXPECTED.slice(0, 1), "test.parquet")
    assert sorted(art.manifest.entries) == ["test.parquet", "val.parquet"]
    logged = log(art)
    assert same_values(logged["val"], EXPECTED)
    assert same_values(logged.get("val.parquet"), EXPECTED)
    assert logged.get("test").num_rows == 1


def test_pandas_index_and_dtypes_survive() -> None:
    df = pd.DataFrame(
        {"x": [1.5, 2.5], "when": pd.to_datetime(["2024-01-01", "2024-06-30"])},
        index=pd.Index(["a", "b"], name="key"),
    )
    art = wandb.Artifact("frames", "dataset")
    art.add(df, "frame")
    back = log(art).get("frame").to_pandas()
    pd.testing.assert_frame_equal(back, df, check_index_type=False)


def test_get_reads_only_that_table(store: Path, work: Path) -> None:
    art = wandb.Artifact("mixed", "dataset")
    art.add(EXPECTED, "small")
    art.add_file(write(work / "huge.bin", os.urandom(4096)))
    logged = log(art)
    client = get_client()
    other = logged.manifest["huge.bin"].digest
    path = client.local_blob_path(other)
    assert path is not None
    os.chmod(path, 0o644)
    path.unlink()  # if get() touched this blob, it would fail now
    assert same_values(logged.get("small"), EXPECTED)
    assert not (work / "artifacts").exists(), "get() downloaded the artifact"


def test_corrupt_table_blob_is_refused_and_quarantined(store: Path) -> None:
    art = wandb.Artifact("t", "dataset")
    entry = art.add(EXPECTED, "t")
    logged = log(art)
    blob = store / "blobs" / entry.digest[:2] / entry.digest[2:]
    os.chmod(blob, 0o644)
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.write_bytes(bytes(data))
    with pytest.raises(errors.IntegrityError, match="quarantine") as info:
        logged.get("t")
    assert info.value.path == "t.parquet"
    assert (store / "quarantine" / entry.digest).exists()


@pytest.mark.parametrize("bad", [{"a": [1, 2]}, [1, 2, 3], "not a table", 42])
def test_non_tables_are_refused(bad: Any) -> None:
    art = wandb.Artifact("t", "dataset")
    with pytest.raises(TypeError, match="PyCapsule"):
        art.add(bad, "t")
    assert len(art.manifest) == 0


def test_missing_table_lists_the_tables() -> None:
    art = wandb.Artifact("t", "dataset")
    art.add(EXPECTED, "train")
    with pytest.raises(errors.ArtifactNotFoundError, match=r"train\.parquet"):
        log(art).get("valid")


def test_other_table_formats_and_non_tables(work: Path) -> None:
    art = wandb.Artifact("files", "dataset")
    art.add_file(write(work / "plain.csv", "a,b\n1,x\n2,y\n"))
    art.add_file(write(work / "notes.txt", "hello"))
    import pyarrow.feather as feather

    feather.write_feather(EXPECTED, str(work / "t.arrow"))
    art.add_file(work / "t.arrow")
    logged = log(art)
    assert logged.get("plain.csv").to_pylist() == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
    assert same_values(logged.get("t.arrow"), EXPECTED)
    with pytest.raises(errors.ArtifactStateError, match="not a table"):
        logged.get("notes.txt")


def test_draft_get_and_overwrite() -> None:
    art = wandb.Artifact("t", "dataset")
    art.add(EXPECTED, "t")
    assert same_values(art.get("t"), EXPECTED)
    with pytest.raises(errors.DuplicateEntryError):
        art.add(EXPECTED.slice(0, 1), "t")
    art.add(EXPECTED.slice(0, 1), "t", overwrite=True)
    assert art.get("t").num_rows == 1


def test_same_table_same_digest() -> None:
    one, two = wandb.Artifact("t", "dataset"), wandb.Artifact("t", "dataset")
    one.add(EXPECTED, "t")
    two.add(EXPECTED.to_pandas(), "t")
    three = wandb.Artifact("t", "dataset")
    three.add(EXPECTED, "t")
    assert one.digest == three.digest
    assert one.manifest["t.parquet"].extra == two.manifest["t.parquet"].extra


def test_logged_artifact_refuses_tables() -> None:
    art = wandb.Artifact("t", "dataset")
    art.add(EXPECTED, "t")
    logged = log(art)
    with pytest.raises(errors.ArtifactStateError, match="logged"):
        logged.add(EXPECTED, "u")
    with pytest.raises(errors.ArtifactStateError):
        logged["u"] = EXPECTED


def test_table_names_are_validated() -> None:
    with pytest.raises(errors.InvalidPathError):
        wandb.Artifact("t", "dataset").add(EXPECTED, "../escape")


def test_temp_parquet_files_are_cleaned_up(store: Path) -> None:
    art = wandb.Artifact("t", "dataset")
    art.add(EXPECTED, "t")
    with pytest.raises(TypeError):
        art.add(object(), "u")
    assert [p.name for p in (store / "tmp").iterdir() if p.name.startswith("table-")] == []


columns = st.dictionaries(
    keys=st.text(alphabet="abcdefghij_", min_size=1, max_size=8),
    values=st.one_of(
        st.lists(st.integers(-(2**63), 2**63 - 1), min_size=4, max_size=4),
        st.lists(st.text(max_size=12), min_size=4, max_size=4),
        st.lists(st.none() | st.floats(allow_nan=False), min_size=4, max_size=4),
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=columns)
def test_any_table_round_trips(data: dict[str, list[Any]]) -> None:
    table = pa.table(data)
    art = wandb.Artifact("prop", "dataset")
    art.add(table, "t")
    assert art.get("t").equals(table)


def test_streams_are_written_batch_by_batch() -> None:
    import pyarrow.parquet as pq

    schema = pa.schema([("i", pa.int64()), ("s", pa.string())])
    batches = 12

    def generate() -> Any:
        for b in range(batches):
            yield pa.record_batch(
                [pa.array(range(b * 100, b * 100 + 100)), pa.array(["x"] * 100)], schema=schema
            )

    reader = pa.RecordBatchReader.from_batches(schema, generate())
    art = wandb.Artifact("stream", "dataset")
    entry = art.add(StreamOnly(reader), "big")  # only the capsule interface, read once
    assert entry.extra["rows"] == batches * 100
    blob = get_client().local_blob_path(entry.digest)
    assert blob is not None
    assert pq.ParquetFile(blob).num_row_groups == batches, (
        "the stream was not written batch by batch"
    )
    table = log(art).get("big")
    assert table.column("i").to_pylist() == list(range(batches * 100))
