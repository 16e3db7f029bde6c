"""api.diff: files, metadata and row-level table diffs in bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ipyartifacts as wandb
from ipyartifacts.core.diff import ArtifactDiff
from ipyartifacts.core.tablehash import hash_array
from tests.helpers import write


def _log_dir(folder: Path, name: str = "ds", metadata: dict[str, Any] | None = None) -> str:
    art = wandb.Artifact(name, "dataset", metadata=metadata)
    art.add_dir(folder)
    with wandb.init(project="p") as run:
        run.log_artifact(art)
    return art.qualified_name


def _write_table(table: pa.Table, path: Path, fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        pq.write_table(table, path, row_group_size=300)
    elif fmt == "csv":
        pacsv.write_csv(table, path)
    elif fmt == "tsv":
        pacsv.write_csv(table, path, pacsv.WriteOptions(delimiter="\t"))
    elif fmt == "feather":
        feather.write_feather(table, path, chunksize=300)
    else:  # Arrow IPC stream format
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
            for batch in table.to_batches(max_chunksize=300):
                w.write_batch(batch)


def _tables() -> tuple[pa.Table, pa.Table]:
    n = 1000
    ids = np.arange(n)
    old = pa.table(
        {
            "id": ids,
            "name": [f"name-{i}" for i in ids],
            "score": ids * 0.5,
            "flag": ids % 2 == 0,
        }
    )
    keep = ids[10:]  # ids 0..9 removed
    score = keep * 0.5
    score[(keep >= 100) & (keep < 120)] += 1  # 20 changed scores
    names = [f"name-{i}" if not 200 <= i < 205 else f"renamed-{i}" for i in keep]  # 5 renamed
    added = np.arange(n, n + 15)  # 15 added
    new = pa.table(
        {
            "id": np.concatenate([keep, added]),
            "name": names + [f"name-{i}" for i in added],
            "score": np.concatenate([score, added * 0.5]),
            "extra": np.ones(len(keep) + len(added)),
        }
    )
    # shuffle row order: a diff must not depend on it
    order = np.random.default_rng(1).permutation(len(new))
    return old, new.take(order)


_EXT = {"parquet": "parquet", "csv": "csv", "tsv": "tsv", "feather": "feather", "stream": "arrows"}


@pytest.fixture(params=list(_EXT))
def table_versions(request: pytest.FixtureRequest, work: Path) -> tuple[str, str, str]:
    fmt = request.param
    old, new = _tables()
    path = f"tables/data.{_EXT[fmt]}"
    _write_table(old, work / "v0" / path, fmt)
    write(work / "v0" / "readme.txt", "same")
    a = _log_dir(work / "v0")
    _write_table(new, work / "v1" / path, fmt)
    write(work / "v1" / "readme.txt", "same")
    b = _log_dir(work / "v1")
    return a, b, path


def test_table_diff_by_key(table_versions: tuple[str, str, str], store: Path) -> None:
    a, b, path = table_versions
    diff = wandb.Api().diff(a, b, key="id")
    assert [m.path for m in diff.modified] == [path]
    assert diff.unchanged == 1
    t = diff.table(path)
    assert t.error is None
    assert t.columns_added == ("extra",)
    assert t.columns_removed == ("flag",)
    assert (t.rows_old, t.rows_new) == (1000, 1005)
    assert (t.rows_added, t.rows_removed, t.rows_changed, t.rows_unchanged) == (15, 10, 25, 965)
    assert dict(t.changes_by_column or ()) == {"name": 5, "score": 20}
    assert list((store / "tmp").iterdir()) == []  # spill files are gone


def test_table_diff_without_key_compares_whole_rows(table_versions: tuple[str, str, str]) -> None:
    a, b, path = table_versions
    t = wandb.Api().diff(a, b).table(path)
    assert t.key is None
    assert t.rows_changed is None
    assert set(t.compared_columns) == {"id", "name", "score"}
    assert (t.rows_added, t.rows_removed, t.rows_unchanged) == (40, 35, 965)


def test_partitioned_diff_equals_in_memory_diff(
    table_versions: tuple[str, str, str], store: Path
) -> None:
    a, b, path = table_versions
    api = wandb.Api()
    left, right = api.artifact(a), api.artifact(b)
    for key in ("id", None):
        whole = api.diff(left, right, key=key).table(path)
        spilled = api.diff(left, right, key=key, memory_budget=1000).table(path)
        assert whole.partitions == 1
        assert spilled.partitions > 8
        assert (spilled.rows_added, spilled.rows_removed, spilled.rows_changed) == (
            whole.rows_added,
            whole.rows_removed,
            whole.rows_changed,
        )
        assert spilled.changes_by_column == whole.changes_by_column
    assert list((store / "tmp").iterdir()) == []


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_tables_match_a_pandas_reference(seed: int, work: Path) -> None:
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(seed)
    n = 3000
    old = pd.DataFrame(
        {
            "k": rng.permutation(n * 2)[:n],
            "a": rng.integers(0, 4, n),
            "b": rng.choice(["x", "y", None], n),
            "c": np.where(rng.random(n) < 0.1, np.nan, rng.random(n).round(1)),
        }
    )
    new = old.sample(frac=0.9, random_state=seed).copy()
    touched = rng.random(len(new)) < 0.2
    new.loc[touched, "a"] = rng.integers(0, 4, int(touched.sum()))
    extra = pd.DataFrame(
        {"k": np.arange(10 * n, 10 * n + 100), "a": 1, "b": "x", "c": rng.random(100)}
    )
    new = pd.concat([new, extra])
    for folder, frame in (("o", old), ("n", new)):
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), work / f"{folder}.pq")
        write(work / folder / "t.parquet", (work / f"{folder}.pq").read_bytes())
    a, b = _log_dir(work / "o", "rand"), _log_dir(work / "n", "rand")
    api = wandb.Api()
    merged = old.merge(new, on="k", how="outer", suffixes=("_o", "_n"), indicator=True)
    both = merged[merged["_merge"] == "both"]

    def differs(col: str) -> Any:
        o, nw = both[f"{col}_o"], both[f"{col}_n"]
        return ~((o == nw) | (o.isna() & nw.isna()))

    changed = differs("a") | differs("b") | differs("c")
    for budget in (10**9, 2000):
        t = api.diff(api.artifact(a), api.artifact(b), key="k", memory_budget=budget).table(
            "t.parquet"
        )
        assert t.rows_added == int((merged["_merge"] == "right_only").sum())
        assert t.rows_removed == int((merged["_merge"] == "left_only").sum())
        assert t.rows_changed == int(changed.sum())
        assert dict(t.changes_by_column or ()) == {
            "a": int(differs("a").sum()),
            "b": int(differs("b").sum()),
            "c": int(differs("c").sum()),
        }
        # without a key: multiset of whole rows
        nk = api.diff(api.artifact(a), api.artifact(b), memory_budget=budget).table("t.parquet")
        cols = ["k", "a", "b", "c"]
        old_rows = old[cols].astype(str).value_counts(dropna=False)
        new_rows = new[cols].astype(str).value_counts(dropna=False)
        common = old_rows.index.intersection(new_rows.index)
        same = int(np.minimum(old_rows[common], new_rows[common]).sum())
        assert nk.rows_unchanged == same
        assert nk.rows_added == len(new) - same


def test_type_change_is_reported_and_not_compared(work: Path) -> None:
    old = pa.table({"id": [1, 2, 3], "v": [1.0, 2.0, 3.0], "w": ["a", "b", "c"]})
    new = pa.table({"id": [1, 2, 3], "v": pa.array([1, 2, 3], pa.int32()), "w": ["a", "B", "c"]})
    _write_table(old, work / "o" / "t.parquet", "parquet")
    _write_table(new, work / "n" / "t.parquet", "parquet")
    t = (
        wandb.Api()
        .diff(_log_dir(work / "o", "typed"), _log_dir(work / "n", "typed"), key="id")
        .table("t.parquet")
    )
    assert [(c.name, c.old_type, c.new_type) for c in t.type_changes] == [("v", "double", "int32")]
    assert t.compared_columns == ("id", "w")
    assert t.rows_changed == 1
    assert t.schema_changed


@pytest.mark.parametrize(
    ("old_ids", "new_ids", "note"),
    [([1, 1, 2], [1, 2, 3], "not unique in the old version"), ([1, 2], None, "not in the new")],
)
def test_unusable_key_falls_back_to_whole_rows(
    work: Path, old_ids: list[int], new_ids: list[int] | None, note: str
) -> None:
    old = pa.table({"id": old_ids, "v": list(range(len(old_ids)))})
    new = pa.table({"id": new_ids, "v": [0, 1, 9]}) if new_ids else pa.table({"v": [0, 5]})
    _write_table(old, work / "o" / "t.parquet", "parquet")
    _write_table(new, work / "n" / "t.parquet", "parquet")
    t = (
        wandb.Api()
        .diff(_log_dir(work / "o", "dup"), _log_dir(work / "n", "dup"), key="id")
        .table("t.parquet")
    )
    assert t.note is not None
    assert note in t.note
    assert t.rows_changed is None


def test_key_with_different_types_is_compared_as_text(work: Path) -> None:
    _write_table(pa.table({"id": [1, 2], "v": ["a", "b"]}), work / "o" / "t.parquet", "parquet")
    new = pa.table({"id": ["1", "3"], "v": ["a", "c"]})
    _write_table(new, work / "n" / "t.parquet", "parquet")
    t = wandb.Api().diff(_log_dir(work / "o", "kt"), _log_dir(work / "n", "kt"), key="id")
    table = t.table("t.parquet")
    assert (table.rows_added, table.rows_removed, table.rows_unchanged) == (1, 1, 1)
    assert "as text" in (table.note or "")


def test_unreadable_table_is_reported_not_raised(work: Path) -> None:
    write(work / "o" / "t.parquet", "not parquet at all")
    write(work / "n" / "t.parquet", "still not parquet")
    diff = wandb.Api().diff(_log_dir(work / "o", "bad"), _log_dir(work / "n", "bad"))
    assert diff.table("t.parquet").error is not None


# -- files and metadata ------------------------------------------------------------------


def test_file_and_metadata_diff(work: Path) -> None:
    write(work / "o" / "keep.txt", "same")
    write(work / "o" / "gone.txt", "bye")
    write(work / "o" / "edit.txt", "12345")
    a = _log_dir(work / "o", "f", {"lr": 0.1, "opt": {"name": "adam", "beta": 0.9}, "old": 1})
    write(work / "n" / "keep.txt", "same")
    write(work / "n" / "edit.txt", "1234567")
    write(work / "n" / "new" / "<b>x</b>.txt", "hello")
    b = _log_dir(work / "n", "f", {"lr": 0.2, "opt": {"name": "adam", "beta": 0.99}, "new": True})
    diff = wandb.Api().diff("p/f:v0", "p/f:v1")
    assert (diff.a, diff.b) == (a, b)
    assert [(f.path, f.new_size) for f in diff.added] == [("new/<b>x</b>.txt", 5)]
    assert [(f.path, f.old_size) for f in diff.removed] == [("gone.txt", 3)]
    assert [(f.path, f.old_size, f.new_size, f.size_change) for f in diff.modified] == [
        ("edit.txt", 5, 7, 2)
    ]
    assert diff.unchanged == 1
    assert [(m.key, m.old, m.new, m.kind) for m in diff.metadata_changes] == [
        ("lr", 0.1, 0.2, "changed"),
        ("new", None, True, "added"),
        ("old", 1, None, "removed"),
        ("opt.beta", 0.9, 0.99, "changed"),
    ]
    data = json.loads(json.dumps(diff.to_dict()))
    assert data["added"][0]["path"] == "new/<b>x</b>.txt"
    assert data["metadata"][0] == {"key": "lr", "old": 0.1, "new": 0.2, "kind": "changed"}
    assert "<b>x</b>" not in diff._repr_html_()
    assert "&lt;b&gt;x&lt;/b&gt;" in diff._repr_html_()
    assert "1 added, 1 removed, 1 modified, 1 unchanged" in repr(diff)
    assert "metadata changed opt.beta: 0.9 -> 0.99" in str(diff)
    assert bool(diff)


def test_description_change_is_part_of_the_diff(work: Path) -> None:
    for i, description in enumerate(("first cut", "cleaned <labels>", "cleaned <labels>")):
        write(work / "o" / "a.txt", f"content {i}")
        art = wandb.Artifact("described", "dataset", description=description)
        art.add_dir(work / "o")
        with wandb.init(project="p") as run:
            run.log_artifact(art)
    diff = wandb.Api().diff("p/described:v0", "p/described:v1")
    assert diff.description_change is not None
    assert (diff.description_change.old, diff.description_change.new) == (
        "first cut",
        "cleaned <labels>",
    )
    alone = ArtifactDiff("p/x:v0", "p/x:v1", (), (), (), 1, (), (), None, diff.description_change)
    assert not alone.is_empty  # same files, same metadata: the description alone differs
    assert json.loads(json.dumps(diff.to_dict()))["description"] == {
        "old": "first cut",
        "new": "cleaned <labels>",
    }
    assert 'description: "first cut" -> "cleaned <labels>"' in str(diff)
    assert "&lt;labels&gt;" in diff._repr_html_()
    same = wandb.Api().diff("p/described:v1", "p/described:v2")
    assert same.description_change is None
    assert same.to_dict()["description"] is None


def test_identical_versions_have_an_empty_diff(work: Path) -> None:
    write(work / "o" / "a.txt", "a")
    _log_dir(work / "o", "same")
    art = wandb.Api().artifact("p/same:v0")
    diff = wandb.Api().diff(art, "p/same:latest")
    assert diff.is_empty
    assert not diff


# -- hashing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        pa.array([1, 2, None, 1], pa.int64()),
        pa.array([0.0, -0.0, float("nan"), None], pa.float64()),
        pa.array(["", "a", None, "a", "ab", "ba"], pa.string()),
        pa.array(["", "a", None, "a", "ab", "ba"], pa.string_view()),
        pa.array(["x" * 40, "x" * 39 + "y", "x" * 40], pa.large_string()),
        pa.array([1.5, None, 1.5], pa.float32()),
        pa.array([1, 2, 1], pa.timestamp("ms")),
        pa.array([b"\x00", b"", b"\x00\x00", None], pa.binary()),
        pa.array([[1, 2], [2, 1], None, [1, 2]], pa.list_(pa.int64())),
        pa.array(["x", "y", "x"]).dictionary_encode(),
    ],
)
def test_hash_array_equal_values_equal_hashes(values: pa.Array) -> None:
    hashes = hash_array(values)
    py = values.to_pylist()
    for i in range(len(py)):
        for j in range(len(py)):
            same = py[i] == py[j] or (py[i] != py[i] and py[j] != py[j])  # NaN == NaN
            if values.type == pa.float64() and {i, j} <= {0, 1}:
                same = True  # -0.0 == 0.0
            assert (hashes[i] == hashes[j]) == same, (py[i], py[j])


def test_hash_of_a_slice_matches_the_whole() -> None:
    arr = pa.array([f"value-{i}" for i in range(100)])
    assert (hash_array(arr.slice(10, 20)) == hash_array(arr)[10:30]).all()


# -- memory --------------------------------------------------------------------------------

_MEASURE = textwrap.dedent(
    """
    import json, sys, tracemalloc
    # Import code first (pyarrow imports pandas lazily): the measure is of data, not modules.
    import numpy, pandas, pyarrow as pa, pyarrow.compute, pyarrow.csv, pyarrow.parquet
    import ipyartifacts as wandb

    api = wandb.Api()
    a, b = api.artifact("p/big:v0"), api.artifact("p/big:v1")
    a.manifest, b.manifest
    tracemalloc.start()
    t = api.diff(a, b, key="id", memory_budget=8 * 2**20).table("t.parquet")
    _, peak = tracemalloc.get_traced_memory()
    print(json.dumps({"numpy_peak": peak, "arrow_peak": pa.default_memory_pool().max_memory(),
                      "changed": t.rows_changed, "added": t.rows_added,
                      "partitions": t.partitions}))
    """
)


def test_table_diff_memory_stays_below_one_table(work: Path, store: Path) -> None:
    """Two 2M-row tables (32 MB of values each) diffed within an 8 MB budget, in a fresh process."""
    import os

    n = 2_000_000
    ids = np.arange(n, dtype=np.int64)
    old = pa.table({"id": ids, "v": np.zeros(n)})
    v = np.zeros(n)
    v[::1000] = 1.0
    new = pa.table({"id": ids + 10, "v": v})
    table_bytes = old.nbytes
    pq.write_table(old, write(work / "o" / "t.parquet", b""), row_group_size=64_000)
    pq.write_table(new, write(work / "n" / "t.parquet", b""), row_group_size=64_000)
    del old, new, v
    _log_dir(work / "o", "big")
    _log_dir(work / "n", "big")
    env = {**os.environ, "IPYARTIFACTS_STORE": str(store)}
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE], env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout)
    assert result["added"] == 10
    assert result["changed"] == n // 1000
    assert result["partitions"] > 1
    assert result["numpy_peak"] + result["arrow_peak"] < table_bytes


def test_tables_with_no_common_column_count_every_row_as_replaced(work: Path) -> None:
    _write_table(pa.table({"a": [1, 2, 3]}), work / "o" / "t.parquet", "parquet")
    _write_table(pa.table({"b": ["x", "y"]}), work / "n" / "t.parquet", "parquet")
    t = (
        wandb.Api()
        .diff(_log_dir(work / "o", "disjoint"), _log_dir(work / "n", "disjoint"))
        .table("t.parquet")
    )
    assert (t.rows_old, t.rows_new, t.rows_added, t.rows_removed) == (3, 2, 2, 3)
    assert t.rows_unchanged == 0
    assert "no column" in (t.note or "")


def test_diff_of_two_100k_file_versions(store: Path) -> None:
    """Manifests only: no file is read. Also: the text display lists at most 50 per group."""
    from ipyartifacts.core.client import get_client
    from ipyartifacts.store.manifest import ManifestEntry

    client = get_client(store)
    one, two = client.blobs.put_bytes(b"1"), client.blobs.put_bytes(b"22")
    old = [ManifestEntry(f"f/{i:06}", one, 1) for i in range(100_000)]
    new = [
        ManifestEntry(f"f/{i:06}", two if i % 10 == 0 else one, 2 if i % 10 == 0 else 1)
        for i in range(500, 100_500)
    ]
    with wandb.init(project="p") as run:
        for entries in (old, new):
            client.commit(
                project="p",
                name="wide",
                type="dataset",
                entries=entries,
                description=None,
                metadata={},
                run_id=run.id,
                aliases=[],
                tags=[],
            )
    diff = wandb.Api().diff("p/wide:v0", "p/wide:v1")
    assert (len(diff.added), len(diff.removed), len(diff.modified)) == (500, 500, 9950)
    assert diff.unchanged == 100_000 - 500 - 9950
    text = str(diff)
    assert "... and 9900 more" in text
    assert len(text.splitlines()) < 200


def test_csv_with_quoted_newlines(work: Path) -> None:
    write(work / "o" / "t.csv", 'id,text\n1,"two\nlines"\n2,plain\n')
    write(work / "n" / "t.csv", 'id,text\n1,"two\nlines, edited"\n2,plain\n3,new\n')
    t = (
        wandb.Api()
        .diff(_log_dir(work / "o", "nl"), _log_dir(work / "n", "nl"), key="id")
        .table("t.csv")
    )
    assert t.error is None
    assert (t.rows_old, t.rows_new, t.rows_added, t.rows_changed) == (2, 3, 1, 1)


# -- property: the streaming diff equals a plain-Python reference -----------------------

_row = st.tuples(
    st.one_of(st.none(), st.integers(-3, 3)), st.one_of(st.none(), st.text("ab", max_size=2))
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    old=st.dictionaries(st.integers(0, 30), _row, max_size=25),
    new=st.dictionaries(st.integers(0, 30), _row, max_size=25),
    dup_rows=st.lists(_row, max_size=4),
    budget=st.sampled_from([64, 10**9]),
)
def test_streaming_diff_matches_reference(
    tmp_path: Path, old: dict[int, Any], new: dict[int, Any], dup_rows: list[Any], budget: int
) -> None:
    from collections import Counter

    from ipyartifacts.core.tablediff import diff_tables

    def table(rows: dict[int, Any]) -> pa.Table:
        return pa.table(
            {
                "k": pa.array(list(rows), pa.int64()),
                "a": pa.array([r[0] for r in rows.values()], pa.int64()),
                "b": pa.array([r[1] for r in rows.values()], pa.string()),
            }
        )

    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    pq.write_table(table(old), folder / "old.parquet")
    pq.write_table(table(new), folder / "new.parquet")
    kwargs = {"path": "t.parquet", "fmt": "parquet", "tmpdir": folder, "memory_budget": budget}
    by_key = diff_tables(folder / "old.parquet", folder / "new.parquet", key="k", **kwargs)
    both = old.keys() & new.keys()
    assert by_key.rows_added == len(new.keys() - old.keys())
    assert by_key.rows_removed == len(old.keys() - new.keys())
    assert by_key.rows_changed == sum(old[k] != new[k] for k in both)
    assert dict(by_key.changes_by_column or ()) == {
        "a": sum(old[k][0] != new[k][0] for k in both),
        "b": sum(old[k][1] != new[k][1] for k in both),
    }
    # whole rows, with repeated rows: a multiset comparison over (a, b)
    rows_old = [*old.values(), *dup_rows]
    rows_new = [*new.values(), *dup_rows[:1]]
    for name, rows in (("old2", rows_old), ("new2", rows_new)):
        pq.write_table(
            pa.table(
                {
                    "a": pa.array([r[0] for r in rows], pa.int64()),
                    "b": pa.array([r[1] for r in rows], pa.string()),
                }
            ),
            folder / f"{name}.parquet",
        )
    whole = diff_tables(folder / "old2.parquet", folder / "new2.parquet", key=None, **kwargs)
    same = sum((Counter(rows_old) & Counter(rows_new)).values())
    assert whole.rows_unchanged == same
    assert whole.rows_removed == len(rows_old) - same
    assert whole.rows_added == len(rows_new) - same
    assert sorted(p.name for p in folder.iterdir()) == [
        "new.parquet",
        "new2.parquet",
        "old.parquet",
        "old2.parquet",
    ]  # spill files removed
