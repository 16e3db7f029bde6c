"""``ipyartifacts store copy`` through the one grammar (the CLI's group, as users type it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.frontends.test_cli import as_json, run_cli
from tests.helpers import write


def test_store_copy_moves_history_and_a_second_run_copies_nothing(
    work: Path, store: Path, tmp_path: Path
) -> None:
    write(work / "data" / "a.txt", "one")
    run_cli("log", "data", "-n", "ds", "-t", "dataset", "--alias", "best")
    write(work / "data" / "a.txt", "two")
    run_cli("log", "data", "-n", "ds", "-t", "dataset")
    other = tmp_path / "other-store"
    first = run_cli("store", "copy", str(store), str(other), "--json")
    report = json.loads(first.stdout)
    assert report["versions_copied"] == 2, report
    versions = as_json("--store", str(other), "versions", "ds")
    by_version = {v["version"]: v for v in versions}
    assert sorted(by_version) == ["v0", "v1"]
    assert "best" in by_version["v0"]["aliases"]
    run_cli("--store", str(other), "use", "ds:best", "--root", "got")
    assert (work / "got" / "a.txt").read_text() == "one"
    again = json.loads(run_cli("store", "copy", str(store), str(other), "--json").stdout)
    assert again["versions_copied"] == 0
    assert again["blobs_copied"] == 0
    assert again["versions_unchanged"] == 2


def test_store_copy_of_a_missing_store_is_one_line(work: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a store")
    proc = subprocess.run(
        [sys.executable, "-m", "ipyartifacts", "store", "copy", str(tmp_path / "a-file"), "x"],
        capture_output=True,
        text=True,
        cwd=work,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
