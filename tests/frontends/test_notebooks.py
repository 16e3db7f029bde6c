"""notebooks/quickstart.ipynb runs top to bottom in a real kernel (nbclient) on a fresh store.

The kernel is this test run's Python (a kernelspec written to a temp JUPYTER_PATH), so
the test needs nothing beyond ``pip install -e .[test]``: no ``ipykernel install`` step.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

import ipyartifacts
import ipyartifacts.widgets
from ipyartifacts.frontends.results import WIDGET_MIME

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "notebooks" / "quickstart.ipynb"
KERNEL = "ipyartifacts-test"


@pytest.fixture
def kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "ipyartifacts tests", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return KERNEL


def _text(output: Any) -> str:
    if output.output_type == "stream":
        return str(output.text)
    return str(output.get("data", {}).get("text/plain", ""))


@pytest.mark.timeout(300)
def test_quickstart_runs_on_a_fresh_store(
    kernel: str, store: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What jupyter-server tells a kernel about its notebook (nbclient alone does not).
    monkeypatch.setenv("JPY_SESSION_NAME", str(QUICKSTART))
    nb = nbformat.read(QUICKSTART, as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
    NotebookClient(
        nb, kernel_name=kernel, timeout=120, resources={"metadata": {"path": str(work)}}
    ).execute()

    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []
    shown = {c.source.splitlines()[0]: "\n".join(_text(o) for o in c.outputs) for c in code}
    assert f"store: {store}" in shown["import os"]
    assert "2 version(s)" in shown["%artifact versions points"]
    assert "1 added, 0 removed, 1 modified" in shown["%artifact diff points:first v1"]
    assert "uncategorized/centroid:v0" in shown["%artifact lineage points:v1"]
    assert "centroid" in shown["import sys"]  # the CLI, run from the notebook
    html = [o for c in code for o in c.outputs if "text/html" in o.get("data", {})]
    assert len(html) >= 6
    # In a kernel, versions also come as a widget, with the HTML beside it as the fallback.
    (versions,) = next(c for c in code if c.source == "%artifact versions points").outputs
    assert set(versions.data) >= {"text/plain", "text/html", WIDGET_MIME}
    assert versions.data[WIDGET_MIME]["model_id"]
    logged = next(c for c in code if c.source.startswith("%artifact log data")).outputs
    assert WIDGET_MIME in logged[0].data  # a version shows as its file browser
    (graph,) = next(c for c in code if c.source == "%artifact lineage points:v1").outputs
    assert "text/html" in graph.data
    assert (WIDGET_MIME in graph.data) == ("LineageGraph" in ipyartifacts.widgets.__all__)

    # The notebook wrote into the test's store: check it from outside the kernel.
    api = ipyartifacts.Api()
    assert [a.version for a in api.artifacts(name="points")] == ["v1", "v0"]
    assert api.artifact("points:first").version == "v0"
    model = api.artifact("centroid:latest")
    maker = model.logged_by()
    assert maker is not None
    assert maker.job_type == "notebook"
    assert [a.qualified_name for a in maker.used_artifacts()] == [
        "uncategorized/points:v1",
        "uncategorized/scores:v0",
    ]
    with sqlite3.connect(store / "catalog.sqlite") as db:
        rows = [json.loads(r[0]) for r in db.execute("SELECT provenance FROM usage")]
    assert rows
    assert all(r["notebook"] == str(QUICKSTART) for r in rows)
    assert all(isinstance(r["cell"]["execution_count"], int) for r in rows)
    (made,) = [r for r in rows if "statistics.fmean" in r["cell"].get("source", "")]
    magic_cell = next(c for c in code if c.source.startswith("%%artifact log --name centroid"))
    assert made["cell"]["execution_count"] == magic_cell.execution_count
