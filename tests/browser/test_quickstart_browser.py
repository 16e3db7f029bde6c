"""The quickstart notebook in a real JupyterLab: run all, widgets render, provenance names it.

nbclient (tests/frontends/test_notebooks.py) cannot tell whether JupyterLab really lets the kernel
discover its notebook, nor whether results render as widgets there; this test can.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Lab, run_notebook, screenshot

pytestmark = pytest.mark.browser

QUICKSTART = Path(__file__).resolve().parents[2] / "notebooks" / "quickstart.ipynb"


def test_quickstart_runs_in_jupyterlab(page: Any, lab: Lab) -> None:
    shutil.copy(QUICKSTART, lab.root / "quickstart.ipynb")
    run_notebook(page, lab, "quickstart.ipynb")
    cells = page.locator(".jp-CodeCell")
    # The last cell runs the CLI from the notebook: when it has printed, all cells ran.
    expect(cells.last.locator(".jp-OutputArea-output")).to_contain_text("centroid")
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
    expect(errors).to_have_count(0)
    # `%artifact versions points` renders as the VersionTable widget, not the HTML fallback.
    versions = cells.filter(has_text="%artifact versions points")
    expect(versions.locator(".ipa-versions")).to_be_visible()
    expect(versions.locator(".ipa-vl-status")).to_have_text("2 versions")
    screenshot(page, "quickstart-jupyterlab")
    for source, shot in [
        ("%artifact versions points", "quickstart-versions"),
        ("%artifact diff points:first v1", "quickstart-diff"),
        ("%artifact lineage points:v1", "quickstart-lineage"),
    ]:
        cell = cells.filter(has_text=source)
        cell.scroll_into_view_if_needed()
        screenshot(cell, shot)
    # The diff renders as the DiffView widget, with the file counts and the metadata change.
    diff = cells.filter(has_text="%artifact diff points:first v1")
    summary = diff.locator(".ipa-diff-summary")
    expect(summary).to_have_attribute(
        "aria-label", re.compile(r"^1 added · 0 removed · 1 modified")
    )
    expect(diff.locator(".ipa-diff-meta .ipa-diff-key")).not_to_have_count(0)
    expect(diff.locator(".ipa-r")).to_have_count(0)  # the HTML fallback is not shown
    assert page.errors == []

    # JupyterLab told the kernel which notebook it runs: every log and use recorded it.
    store = lab.root.parent / "store"
    with sqlite3.connect(store / "catalog.sqlite") as db:
        rows = [json.loads(r[0]) for r in db.execute("SELECT provenance FROM usage")]
    ours = [r for r in rows if "cell" in r and "notebook" in r]
    assert len(ours) >= 6
    made = [r for r in ours if "statistics.fmean" in r["cell"].get("source", "")]
    assert len(made) == 1
    assert made[0]["notebook"].endswith("quickstart.ipynb")
    assert made[0]["cell"].get("id")  # JupyterLab sends each cell's id with the request

    # Tab completion, through ipykernel, as a user meets it.
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:insert-cell-below')")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:enter-edit-mode')")
    editor = page.locator(".jp-Notebook .jp-CodeCell.jp-mod-active .cm-content")
    completer = page.locator(".jp-Completer")
    page.keyboard.type("%artifact use points:f")
    page.keyboard.press("Tab")
    expect(completer.locator(".jp-Completer-item")).to_have_attribute("data-value", "points:first")
    page.keyboard.press("Enter")
    expect(editor).to_contain_text("%artifact use points:first")
    page.keyboard.press("Enter")
    page.keyboard.type("%artifact show cen")
    page.keyboard.press("Tab")
    items = completer.locator(".jp-Completer-item")
    expect(items).to_have_count(3)
    values = {items.nth(i).get_attribute("data-value") for i in range(3)}
    assert values == {"centroid", "centroid:v0", "centroid:latest"}
    expect(items.first.locator(".jp-Completer-typeExtended")).to_have_text("artifact")
    screenshot(page, "quickstart-completion")
