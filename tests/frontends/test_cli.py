"""The ``ipyartifacts`` CLI: click's CliRunner for every command, and real subprocesses.

Each test has its own store ($IPYARTIFACTS_STORE, from conftest) and working directory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import ipyartifacts
from ipyartifacts.frontends import bars
from ipyartifacts.frontends import ops as _ops
from ipyartifacts.frontends.cli import cli, cli_frontend, main
from tests.helpers import write


def run_cli(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


def as_json(*args: str) -> Any:
    return json.loads(run_cli(*args, "--json").stdout)


@pytest.fixture
def data(work: Path) -> Path:
    write(work / "data" / "train.csv", "x,y\n1,2\n")
    write(work / "data" / "sub" / "labels.txt", "cat\ndog\n")
    return work / "data"


# -- log / show / versions ----------------------------------------------------------------


def test_log_then_show_round_trips_every_option(data: Path) -> None:
    run_cli(
        "log", str(data), "--name", "mnist", "--type", "dataset", "--alias", "best",
        "--tag", "raw", "--description", "first cut", "--meta", "epochs=10",
        "--meta", "note=hello world", "--meta", 'tags=["a", 1]',
    )  # fmt: skip
    shown = as_json("show", "mnist:best")
    assert shown["qualified_name"] == "uncategorized/mnist:v0"
    assert shown["type"] == "dataset"
    assert set(shown["aliases"]) == {"best", "latest"}
    assert shown["tags"] == ["raw"]
    assert shown["description"] == "first cut"
    assert shown["metadata"] == {"epochs": 10, "note": "hello world", "tags": ["a", 1]}
    assert shown["file_count"] == 2
    files = as_json("files", "mnist")
    assert [f["path"] for f in files] == ["sub/labels.txt", "train.csv"]
    assert files[1]["size"] == len("x,y\n1,2\n")


def test_put_is_a_synonym_of_log(data: Path) -> None:
    out = run_cli("put", str(data), "--name", "mnist", "--type", "dataset").stdout
    assert "uncategorized/mnist:v0" in out
    assert ipyartifacts.Api().artifact("mnist:v0").file_count == 2


def test_name_may_carry_project_and_alias_like_wandb_put(data: Path) -> None:
    run_cli("put", str(data), "--name", "vision/mnist:best", "--type", "dataset")
    shown = as_json("show", "vision/mnist:best")
    assert shown["qualified_name"] == "vision/mnist:v0"
    assert "best" in shown["aliases"]
    out = run_cli("put", str(data), "--name", "vision/m", "-t", "d", "-p", "other", code=1)
    assert "give the project once" in out.output
    assert "reserved" in run_cli("put", str(data), "-n", "m:v3", "-t", "d", code=1).output
    assert "not 'model'" in run_cli("versions", "vision/mnist", "-t", "model", code=1).output


def test_identical_content_makes_no_new_version_and_says_so(data: Path) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    again = run_cli("log", str(data), "-n", "mnist", "-t", "dataset").stdout
    assert "no new version" in again
    write(data / "train.csv", "x,y\n1,2\n3,4\n")
    changed = run_cli("log", str(data), "-n", "mnist", "-t", "dataset").stdout
    assert "mnist:v1" in changed
    assert "no new version" not in changed
    versions = as_json("versions", "mnist")
    assert [v["version"] for v in versions] == ["v1", "v0"]
    assert "latest" in versions[0]["aliases"]
    assert "latest" not in versions[1]["aliases"]


def test_several_paths_keep_file_names_and_folder_names(data: Path, work: Path) -> None:
    write(work / "readme.md", "hi")
    run_cli("log", str(data), str(work / "readme.md"), "-n", "bundle", "-t", "misc")
    paths = [f["path"] for f in as_json("files", "bundle")]
    assert paths == ["data/sub/labels.txt", "data/train.csv", "readme.md"]


def test_include_and_exclude_filter_folders(data: Path, work: Path) -> None:
    write(data / "tmp" / "scratch.bin", "x")
    write(data / "notes.log", "x")
    run_cli("log", str(data), "-n", "f", "-t", "d", "--exclude", "tmp/", "--exclude", "*.log")
    assert [f["path"] for f in as_json("files", "f")] == ["sub/labels.txt", "train.csv"]
    run_cli("log", str(data), "-n", "g", "-t", "d", "--include", "*.csv")
    assert [f["path"] for f in as_json("files", "g")] == ["train.csv"]
    write(work / "one.txt", "1")
    out = run_cli("log", str(work / "one.txt"), "-n", "h", "-t", "d", "--include", "*", code=1)
    assert "no PATH is one" in out.output


def test_project_option_scopes_log_and_listing(data: Path) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset", "--project", "vision")
    assert as_json("ls") == []
    listed = as_json("ls", "--project", "vision")
    assert [(c["name"], c["project"], c["versions"]) for c in listed] == [("mnist", "vision", 1)]
    assert as_json("show", "vision/mnist")["project"] == "vision"
    runs = as_json("runs", "--project", "vision")
    assert [(r["job_type"], r["state"]) for r in runs] == [("cli", "finished")]


def test_ls_filters_by_type(data: Path, work: Path) -> None:
    write(work / "model.bin", b"\x00\x01")
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    run_cli("log", str(work / "model.bin"), "-n", "net", "-t", "model")
    assert sorted(c["name"] for c in as_json("ls")) == ["mnist", "net"]
    assert [c["name"] for c in as_json("ls", "--type", "model")] == ["net"]
    text = run_cli("ls").stdout
    assert "mnist" in text
    assert "dataset" in text
    assert "net" in text


# -- use / get ------------------------------------------------------------------------------


def test_use_downloads_prints_the_path_and_records_the_input(data: Path, work: Path) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset", "--alias", "best")
    out = run_cli("use", "mnist:best", "--root", str(work / "got")).stdout.strip()
    assert out == str(work / "got")
    assert (work / "got" / "sub" / "labels.txt").read_text() == "cat\ndog\n"
    users = ipyartifacts.Api().artifact("mnist:v0").used_by()
    assert [(r.job_type, r.state) for r in users] == [("cli", "finished")]


def test_get_downloads_without_recording(data: Path, work: Path) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    got = as_json("get", "mnist:v0", "--root", str(work / "got"))
    assert got["path"] == str(work / "got")
    assert got["recorded_as_input_of"] is None
    assert (work / "got" / "train.csv").exists()
    assert ipyartifacts.Api().artifact("mnist:v0").used_by() == []


def test_checkout_makes_the_folder_exactly_the_version(data: Path, work: Path) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    write(work / "got" / "stale.txt", "old")
    write(work / "got" / "train.csv", "edited")
    run_cli("get", "mnist", "--root", str(work / "got"))
    assert (work / "got" / "stale.txt").exists()  # a plain download keeps other files
    run_cli("get", "mnist", "--root", str(work / "got"), "--checkout")
    assert not (work / "got" / "stale.txt").exists()
    assert (work / "got" / "train.csv").read_text() == "x,y\n1,2\n"
    assert "matches" in run_cli("verify", "mnist:v0", str(work / "got")).stdout


def test_use_default_root_is_artifacts_name_version(data: Path, work: Path) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    out = run_cli("use", "mnist").stdout.strip()
    assert Path(out) == Path("artifacts") / "mnist:v0"
    assert (work / out / "train.csv").is_file()


def test_use_checks_the_type(data: Path) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    out = run_cli("use", "mnist", "--type", "model", code=1).output
    assert "'dataset'" in out
    assert "Traceback" not in out


def test_table_entry_from_a_terminal(work: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": [1, 2], "v": ["a", "b"]}), work / "rows.parquet")
    run_cli("log", str(work / "rows.parquet"), "-n", "rows", "-t", "table")
    assert as_json("get", "rows", "--table", "rows") == [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}]
    text = run_cli("use", "rows", "--table", "rows").stdout
    assert "pyarrow.Table" in text
    assert "id: int64" in text
    out = run_cli("get", "rows", "--table", "nope", code=1).output
    assert "no table 'nope'" in out


# -- preview ------------------------------------------------------------------------------

HOSTILE = "<img src=x onerror=window.__pwned=1>"


@pytest.fixture
def tables(work: Path) -> Path:
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    folder = work / "tables"
    folder.mkdir()
    pq.write_table(
        pa.table({"id": list(range(30)), "name": [f"row {i}" for i in range(30)]}),
        folder / "train.parquet",
        row_group_size=7,
    )
    write(folder / "eval.csv", "id,label\n1,cat\n2," + HOSTILE + "\n")
    write(folder / "rows.jsonl", '{"a": 1, "b": [1, 2]}\n{"a": 2, "b": null}\n')
    feather.write_feather(pa.table({"f": [1.5, 2.5]}), str(folder / "f.feather"))
    write(folder / "notes.txt", "not a table\n")
    run_cli("log", str(folder), "-n", "splits", "-t", "dataset")
    return folder


def test_preview_prints_schema_and_first_rows_aligned(tables: Path) -> None:
    out = run_cli("preview", "splits", "train.parquet", "--rows", "3").stdout
    lines = out.splitlines()
    assert lines[0] == "uncategorized/splits:v0 train.parquet: 30 row(s), 2 column(s)"
    assert "  id    int64" in lines
    assert "  name  string" in lines
    header = next(i for i, line in enumerate(lines) if line.split() == ["id", "name"])
    assert lines[header + 1 :] == ["  0   row 0", "  1   row 1", "  2   row 2"]


def test_preview_defaults_to_20_rows_and_finds_a_table_without_parquet(tables: Path) -> None:
    data = as_json("preview", "splits:v0", "train")  # train -> train.parquet, like artifact.get
    assert data["num_rows"] == 30
    assert data["schema"] == [{"name": "id", "type": "int64"}, {"name": "name", "type": "string"}]
    assert [r["id"] for r in data["rows"]] == list(range(20))
    assert set(data) == {"schema", "rows", "num_rows"}


@pytest.mark.parametrize(
    ("path", "rows"),
    [
        ("eval.csv", [{"id": 1, "label": "cat"}, {"id": 2, "label": HOSTILE}]),
        ("rows.jsonl", [{"a": 1, "b": [1, 2]}, {"a": 2, "b": None}]),
        ("f.feather", [{"f": 1.5}, {"f": 2.5}]),
    ],
)
def test_preview_reads_every_table_format(tables: Path, path: str, rows: list[Any]) -> None:
    data = as_json("preview", "splits", path, "--rows", "5")
    assert data["rows"] == rows
    assert data["num_rows"] == len(rows)


def test_preview_rows_zero_gives_schema_only(tables: Path) -> None:
    data = as_json("preview", "splits", "train.parquet", "-r", "0")
    assert data["rows"] == []
    assert data["num_rows"] == 30


def test_preview_of_a_non_table_is_one_line_naming_the_formats(tables: Path) -> None:
    out = run_cli("preview", "splits", "notes.txt", code=1).output
    assert out.count("\n") == 1
    assert "Cannot preview 'notes.txt'" in out
    for fmt in ("Parquet", "CSV", "TSV", "JSON Lines", "Arrow/Feather"):
        assert fmt in out


def test_preview_of_a_missing_path_lists_the_files(tables: Path) -> None:
    out = run_cli("preview", "splits", "nope", code=1).output
    assert "has no file 'nope'" in out
    assert "train.parquet" in out
    assert run_cli("preview", "splits", code=2).output.startswith("Usage:")


def test_as_is_refused_in_a_terminal(data: Path) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    out = run_cli("use", "mnist", "--as", "x", code=1).output
    assert "only works in the %artifact magic" in out


def test_download_with_progress_places_the_same_files(
    data: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(30):
        write(data / "many" / f"f{i:02}.bin", os.urandom(100 + i))
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    monkeypatch.setattr(bars, "PROGRESS_MIN_FILES", 5)
    fe = cli_frontend()
    fe.progress = True
    view = _ops.use(fe, "mnist", root=str(work / "p"), record=False)
    plain = ipyartifacts.Api().artifact("mnist").download(work / "q")
    got = sorted(p.relative_to(work / "p") for p in (work / "p").rglob("*") if p.is_file())
    want = sorted(p.relative_to(plain) for p in Path(plain).rglob("*") if p.is_file())
    assert got == want
    assert len(got) == 32
    assert all((work / "p" / r).read_bytes() == (Path(plain) / r).read_bytes() for r in got)
    assert str(view) == str(work / "p")


def test_terminal_lists_everything_while_notebook_displays_are_capped(work: Path) -> None:
    from ipyartifacts.frontends.results import DISPLAY_LIMIT

    count = DISPLAY_LIMIT + 25
    for i in range(count):
        write(work / "many" / f"f{i:04}.txt", str(i))
    run_cli("log", str(work / "many"), "-n", "many", "-t", "dataset")
    printed = run_cli("files", "many").stdout
    assert sum(line.lstrip().startswith("f") for line in printed.splitlines()) == count
    view = _ops.files(cli_frontend(), "many")
    html = view._repr_html_()
    assert html.count("<tr>") == DISPLAY_LIMIT + 1  # header row + the shown rows
    assert "... and 25 more (--json lists them all)" in html
    assert "... and 25 more" in view.text()
    assert len(view.to_data()) == count


# -- diff / lineage ------------------------------------------------------------------------------


def test_diff_reports_added_removed_modified_and_metadata(data: Path) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset", "--meta", "rows=1")
    write(data / "train.csv", "x,y\n1,2\n3,4\n")
    (data / "sub" / "labels.txt").unlink()
    write(data / "new.txt", "new")
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset", "--meta", "rows=2")
    diff = as_json("diff", "mnist:v0", "mnist:v1")
    assert diff["added"] == ["new.txt"]
    assert diff["removed"] == ["sub/labels.txt"]
    assert diff["modified"] == ["train.csv"]
    assert diff["unchanged"] == 0
    assert diff["metadata"] == [{"key": "rows", "old": 1, "new": 2}]
    short = as_json("diff", "mnist:v0", "v1")
    assert short["modified"] == ["train.csv"]
    text = run_cli("diff", "mnist:v0", ":v1").stdout
    assert "1 added, 1 removed, 1 modified" in text
    assert "+  new.txt" in text
    assert "~  train.csv" in text


def test_diff_of_a_table_counts_rows_by_key(work: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": [1, 2, 3], "v": ["a", "b", "c"]}), work / "t.parquet")
    run_cli("log", str(work / "t.parquet"), "-n", "tab", "-t", "table")
    pq.write_table(pa.table({"id": [2, 3, 4], "v": ["b", "C", "d"]}), work / "t.parquet")
    run_cli("log", str(work / "t.parquet"), "-n", "tab", "-t", "table")
    diff = as_json("diff", "tab:v0", "v1", "--key", "id")
    (table,) = diff["tables"]
    assert (table["rows_added"], table["rows_removed"], table["rows_changed"]) == (1, 1, 1)
    text = run_cli("diff", "tab:v0", "v1", "--key", "id").stdout
    assert "tables" in text
    assert "t.parquet" in text
    assert "~1 (by 'id')" in text


def test_lineage_follows_runs_both_ways(data: Path, work: Path) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    with ipyartifacts.init(job_type="train") as run:
        run.use_artifact("mnist:latest")
        write(work / "model.bin", b"weights")
        run.log_artifact(str(work / "model.bin"), name="net", type="model")
    up = as_json("lineage", "net")
    labels = {n["label"]: n for n in up["nodes"]}
    assert labels["uncategorized/mnist:v0"]["depth"] == -2
    train = next(n for n in up["nodes"] if n["kind"] == "run" and n["depth"] == -1)
    assert train["detail"] == "train, finished"
    kinds = {(e["source"], e["target"]): e["kind"] for e in up["edges"]}
    mnist_id = labels["uncategorized/mnist:v0"]["id"]
    assert kinds[(mnist_id, train["id"])] == "input"
    down = as_json("lineage", "mnist")
    assert {n["label"] for n in down["nodes"] if n["depth"] == 2} == {"uncategorized/net:v0"}
    text = run_cli("lineage", "mnist").stdout
    assert "downstream" in text
    assert "uncategorized/net:v0" in text


# -- editing ---------------------------------------------------------------------------------


def test_alias_sets_moves_and_removes(data: Path) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    write(data / "more.txt", "more")
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    run_cli("alias", "mnist:v0", "prod")
    assert as_json("show", "mnist:prod")["version"] == "v0"
    moved = run_cli("alias", "mnist:v1", "prod").stdout
    assert "moved from v0" in moved
    assert as_json("show", "mnist:prod")["version"] == "v1"
    run_cli("alias", "mnist:v1", "prod", "--remove")
    out = run_cli("show", "mnist:prod", code=1).output
    assert "prod" in out


@pytest.mark.parametrize("alias", ["latest", "v3", "bad name"])
def test_reserved_or_invalid_alias_is_one_error_line(data: Path, alias: str) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    write(data / "more.txt", "more")
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    out = run_cli("alias", "mnist:v0", alias, code=1).output
    assert out.startswith("Error: ")
    assert out.count("\n") == 1


def test_latest_follows_one_rule_in_log_and_alias(data: Path) -> None:
    # Logging: the new version is the newest, so asking for 'latest' is harmless.
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset", "--alias", "latest")
    write(data / "more.txt", "more")
    run_cli("log", str(data), "-n", "mnist:latest", "-t", "dataset", "-a", "latest", "-a", "best")
    assert as_json("show", "mnist:latest")["version"] == "v1"
    assert set(as_json("show", "mnist:v1")["aliases"]) == {"latest", "best"}
    # Where it already points: nothing to do, and said so.
    out = run_cli("alias", "mnist:v1", "latest").stdout
    assert "already points at it" in out
    # Anywhere else, or removing it: refused, with the rule.
    for args in (("mnist:v0", "latest"), ("mnist:v1", "latest", "--remove")):
        refused = run_cli("alias", *args, code=1).output
        assert "'latest' always points at the newest version" in refused
        assert "cannot be set, moved or removed by hand" in refused
    assert as_json("show", "mnist:latest")["version"] == "v1"
    # vN is never an alias to ask for, at log time either.
    refused = run_cli("log", str(data), "-n", "mnist", "-t", "dataset", "-a", "v2", code=1).output
    assert "'vN' always names version N" in refused
    assert [v["version"] for v in as_json("versions", "mnist")] == ["v1", "v0"]


@pytest.mark.parametrize("spec", ["mnist:v1:v2", "mnist:v0/x", "a/b/c/mnist"])
@pytest.mark.parametrize("project", [[], ["-p", "vision"]])
def test_a_malformed_name_is_reported_as_written(data: Path, spec: str, project: list[str]) -> None:
    out = run_cli("show", spec, *project, code=1).output
    assert out.startswith("Error: Malformed artifact name: expected NAME, NAME:ALIAS or NAME:vN")
    assert f"got {spec!r}" in out  # as the user wrote it, without --project prepended
    assert "Invalid alias" not in out
    assert out.count("\n") == 1


def test_tag_adds_and_removes(data: Path) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    run_cli("tag", "mnist:v0", "raw", "checked")
    assert sorted(as_json("show", "mnist")["tags"]) == ["checked", "raw"]
    run_cli("tag", "mnist:v0", "raw", "--remove")
    assert as_json("show", "mnist")["tags"] == ["checked"]
    assert "no tag 'zzz'" in run_cli("tag", "mnist:v0", "zzz", "--remove", code=1).output


def test_rm_needs_an_explicit_version_and_respects_aliases(data: Path) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset", "--alias", "best")
    write(data / "more.txt", "more")
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    assert "explicit version" in run_cli("rm", "mnist", code=1).output
    refused = run_cli("rm", "mnist:v0", code=1).output
    assert "best" in refused
    run_cli("rm", "mnist:v0", "--delete-aliases")
    assert [v["version"] for v in as_json("versions", "mnist")] == ["v1"]


def test_verify_exit_codes_and_details(data: Path, work: Path) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    run_cli("get", "mnist", "--root", str(work / "copy"))
    assert "matches" in run_cli("verify", "mnist:v0", str(work / "copy")).stdout
    write(work / "copy" / "train.csv", "tampered")
    write(work / "copy" / "extra.txt", "x")
    result = run_cli("verify", "mnist:v0", str(work / "copy"), "--json", code=1)
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["modified"] == ["train.csv"]
    assert report["extra"] == ["extra.txt"]


# -- housekeeping ----------------------------------------------------------------------------


def test_gc_reclaims_the_files_of_a_deleted_version(data: Path, work: Path) -> None:
    write(work / "big.bin", os.urandom(4096))
    run_cli("log", str(work / "big.bin"), "-n", "blob", "-t", "misc")
    write(work / "big.bin", os.urandom(10))
    run_cli("log", str(work / "big.bin"), "-n", "blob", "-t", "misc")
    run_cli("rm", "blob:v0")
    dry = as_json("gc", "--dry-run", "--grace", "0")
    assert dry["dry_run"] is True
    assert dry["bytes_freed"] >= 4096
    done = as_json("gc", "--grace", "0")
    assert done["blobs_removed"] == dry["blobs_removed"] >= 1
    assert as_json("gc", "--grace", "0")["blobs_removed"] == 0
    assert ipyartifacts.Api().artifact("blob:v1").download(work / "ok")


def test_cache_size_and_cleanup(work: Path) -> None:
    size = as_json("cache", "size")
    assert size["size"] == 0
    assert size["max_size"] > 0
    assert "Cache" in run_cli("cache").stdout
    cleaned = as_json("cache", "cleanup", "1MB")
    assert cleaned["size_after"] <= 1_000_000
    assert "not a size" in run_cli("cache", "cleanup", "lots", code=2).output or "size" in (
        run_cli("cache", "cleanup", "lots", code=2).output
    )


def test_runs_lists_cli_runs(data: Path) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    run_cli("use", "mnist")
    runs = as_json("runs")
    assert len(runs) == 2
    assert {r["state"] for r in runs} == {"finished"}
    assert {r["job_type"] for r in runs} == {"cli"}


# -- JSON everywhere, errors and exit codes ----------------------------------------------------


LISTINGS = [
    ("ls",),
    ("versions", "mnist"),
    ("show", "mnist"),
    ("files", "mnist:v0"),
    ("preview", "mnist", "train.csv"),
    ("diff", "mnist:v0", "mnist:v0"),
    ("lineage", "mnist"),
    ("runs",),
    ("gc", "--dry-run"),
    ("cache", "size"),
    ("get", "mnist"),
    ("alias", "mnist:v0", "best"),
    ("tag", "mnist:v0", "t1"),
]


@pytest.mark.parametrize("args", LISTINGS, ids=lambda a: " ".join(a))
def test_every_listing_has_valid_json(data: Path, args: tuple[str, ...]) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    parsed = json.loads(run_cli(*args, "--json").stdout)
    assert isinstance(parsed, (list, dict))
    assert parsed != {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "nothere"), "No artifact named 'nothere'"),
        (("log", "missing-dir", "-n", "x", "-t", "dataset"), "no such file or folder"),
        (("log", ".", "-n", "bad name", "-t", "dataset"), "Invalid artifact name"),
        (("use", "mnist:v9"), "no version 'v9'"),
    ],
)
def test_failures_exit_1_with_one_line(data: Path, args: tuple[str, ...], message: str) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    out = run_cli(*args, code=1).output
    assert message in out
    assert out.startswith("Error: ")
    assert out.count("\n") == 1


# Each row of frontends/advice.py, triggered for real: (setup, command, what the CLI says).
def _aliased_versions(data: Path, store: Path) -> tuple[str, ...]:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset", "--alias", "best")
    return ("rm", "mnist:v0")


def _store_is_a_file(data: Path, store: Path) -> tuple[str, ...]:
    write(store.parent / "a-file", "not a store")
    return ("--store", str(store.parent / "a-file"), "ls")


def _lost_manifest(data: Path, store: Path) -> tuple[str, ...]:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    shutil.rmtree(store / "blobs")
    return ("gc",)


def _same_file_name_twice(data: Path, store: Path) -> tuple[str, ...]:
    a, b = write(data / "a" / "x.txt", "1"), write(data / "b" / "x.txt", "2")
    return ("log", str(a), str(b), "-n", "twice", "-t", "dataset")


def _nan_metadata(data: Path, store: Path) -> tuple[str, ...]:
    return ("log", str(data), "-n", "mnist", "-t", "dataset", "--meta", "loss=NaN")


def _table_of_a_reference(data: Path, store: Path) -> tuple[str, ...]:
    with ipyartifacts.init() as run:
        art = ipyartifacts.Artifact("refs", "dataset")
        art.add_reference((data / "train.csv").as_uri())
        run.log_artifact(art)
    return ("use", "refs", "--table", "train.csv")


def _table_of_a_text_file(data: Path, store: Path) -> tuple[str, ...]:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    return ("use", "mnist", "--table", "sub/labels.txt")


ADVICE_CASES = [
    (_aliased_versions, "rerun with --delete-aliases to remove them with it"),
    (_store_is_a_file, "Pass --store DIR before the command (ipyartifacts --store DIR COMMAND"),
    (_lost_manifest, "Delete that version (ipyartifacts rm NAME:vN --delete-aliases)"),
    (_same_file_name_twice, "Two PATHs would both be logged there"),
    (_nan_metadata, "Write null or a quoted string instead (--meta 'KEY=\"NaN\"')"),
    (_table_of_a_reference, "download it without --table (ipyartifacts get NAME:V)"),
    (_table_of_a_text_file, "Leave out --table to download the files (ipyartifacts get NAME:V)"),
]
# Python calls, keywords and values a terminal user cannot type.
PYTHON_WORDS = re.compile(r"\w+\([^)]*\)|\w+=True|\bNone\b|init\(|artifact\.")


def test_every_advice_row_is_triggered_below() -> None:
    from ipyartifacts.frontends.advice import ADVICE

    assert len(ADVICE_CASES) == len(ADVICE)


@pytest.mark.parametrize(("setup", "said"), ADVICE_CASES, ids=[c[0].__name__ for c in ADVICE_CASES])
def test_errors_give_advice_in_the_clis_grammar(
    data: Path, store: Path, setup: Any, said: str
) -> None:
    out = run_cli(*setup(data, store), code=1).output
    assert out.startswith("Error: ")
    assert out.count("\n") == 1
    assert said in out
    assert not PYTHON_WORDS.search(out.replace(said, "")), out


@pytest.mark.parametrize(
    "args",
    [("log", "data", "--type", "dataset"), ("show",), ("nope",), ("lineage", "x", "--depth", "0")],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    out = run_cli(*args, code=2).output
    assert "Usage:" in out
    assert "Traceback" not in out


def test_a_bad_environment_value_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPYARTIFACTS_CACHE_SIZE", "lots")
    out = run_cli("cache", "size", code=1).output
    assert out.startswith("Error: ValueError: ")
    assert "IPYARTIFACTS_CACHE_SIZE" in out
    assert out.count("\n") == 1


def test_meta_needs_key_value(data: Path) -> None:
    out = run_cli("log", str(data), "-n", "m", "-t", "d", "--meta", "novalue", code=2).output
    assert "key=value" in out


def test_a_failed_command_marks_its_run_failed(data: Path) -> None:
    run_cli("log", str(data), "-n", "mnist", "-t", "dataset")
    run_cli("use", "mnist", "--type", "model", code=1)
    states = sorted(r.state for r in ipyartifacts.Api().runs())
    assert states == ["failed", "finished"]


def test_store_option_overrides_the_environment(data: Path, tmp_path: Path) -> None:
    other = tmp_path / "other-store"
    run_cli("--store", str(other), "log", str(data), "-n", "mnist", "-t", "dataset")
    assert as_json("ls") == []
    assert [c["name"] for c in as_json("--store", str(other), "ls")] == ["mnist"]
    assert (other / "catalog.sqlite").is_file()


def test_main_returns_exit_codes(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", str(data), "-n", "mnist", "-t", "dataset"]) == 0
    assert main(["show", "nothere"]) == 1
    assert main(["show"]) == 2
    assert main(["--help"]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "No artifact named 'nothere'" in err


# -- real processes ----------------------------------------------------------------------------


def _console_script() -> str | None:
    script = Path(sys.executable).parent / "ipyartifacts"
    return str(script) if script.exists() else shutil.which("ipyartifacts")


@pytest.mark.parametrize("how", ["python -m", "console script"])
def test_real_process_session(how: str, data: Path, work: Path, store: Path) -> None:
    if how == "python -m":
        entry = [sys.executable, "-m", "ipyartifacts"]
    else:
        script = _console_script()
        if script is None:
            pytest.skip("the ipyartifacts console script is not installed: pip install -e .")
        entry = [script]
    env = {**os.environ, "IPYARTIFACTS_STORE": str(store)}

    def proc(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*entry, *args], capture_output=True, text=True, env=env, cwd=work, timeout=120
        )

    logged = proc("log", "data", "--name", "mnist", "--type", "dataset", "--alias", "best")
    assert logged.returncode == 0, logged.stderr
    assert "uncategorized/mnist:v0" in logged.stdout
    used = proc("use", "mnist:best", "--root", "got")
    assert used.returncode == 0
    assert used.stdout.strip() == "got"
    assert (work / "got" / "train.csv").read_text() == "x,y\n1,2\n"
    listed = proc("versions", "mnist", "--json")
    assert [v["version"] for v in json.loads(listed.stdout)] == ["v0"]
    missing = proc("show", "nothere")
    assert missing.returncode == 1
    assert missing.stderr.startswith("Error: No artifact named")
    assert "Traceback" not in missing.stderr
    usage = proc("log", "data")
    assert usage.returncode == 2
    assert "Missing option" in usage.stderr
    assert proc("--version").stdout.strip().endswith(ipyartifacts.__version__)


def _in_a_terminal(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Run the CLI with stdout and stderr on a pseudo-terminal; return (exit code, screen)."""
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ipyartifacts", *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env={**env, "TERM": "xterm-256color", "COLUMNS": "120"},
        cwd=cwd,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_a_terminal_gets_rich_tables_and_progress_bars(work: Path, store: Path) -> None:
    for i in range(bars.PROGRESS_MIN_FILES + 10):
        write(work / "many" / f"f{i:03}.txt", f"file {i}")
    env = {**os.environ, "IPYARTIFACTS_STORE": str(store)}
    code, screen = _in_a_terminal(["log", "many", "-n", "many", "-t", "dataset"], env, work)
    assert code == 0, screen
    assert "Storing many" in screen  # a real bar while files are hashed and stored
    assert "/210 files" in screen
    code, screen = _in_a_terminal(["use", "many", "--root", "got"], env, work)
    assert code == 0, screen
    assert "\u2501" in screen  # rich's progress bar
    assert len(list((work / "got").iterdir())) == 210
    code, screen = _in_a_terminal(["versions", "many"], env, work)
    assert code == 0
    assert "\u2500" in screen  # the table's header rule
    assert "\x1b[" in screen  # styled
    # Piped output stays plain: no colours, no bars (CliRunner is not a terminal).
    plain = run_cli("versions", "many").stdout
    assert "\x1b[" not in plain
    assert "\u2500" not in plain
