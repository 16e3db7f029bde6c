"""A saved notebook reopened without its kernel stays readable (not "Loading widget...").

JupyterLab prefers a widget output's widget-view over its text/html. Without a kernel no widget
manager ever comes, and every such output used to read "Loading widget..." for good; with a new
kernel, "Error displaying widget: model not found". The ipyartifacts-widget-fallback lab
extension (labextension/) shows the output's own text/html instead (the grid's first rows, an
artifact's facts) and gives way to the live widget as soon as one renders.
"""

from __future__ import annotations

from typing import Any

import nbformat
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from nbformat.sign import NotebookNotary
from playwright.sync_api import expect

from tests.browser.conftest import (
    DARK,
    LIGHT,
    SCREENSHOTS,
    Lab,
    open_without_kernel,
    run_notebook,
    screenshot,
    set_theme,
    write_notebook,
)

pytestmark = pytest.mark.browser


WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _save_and_shut_down(page: Any) -> None:
    page.evaluate(
        """async () => {
            const panel = window.jupyterapp.shell.currentWidget;
            await panel.context.save();
            await panel.sessionContext.shutdown();
            panel.dispose();
        }"""
    )


def _open(page: Any, lab: Lab, name: str) -> None:
    page.goto(lab.notebook_url(name))
    page.wait_for_function(
        "(name) => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.context"
        " && window.jupyterapp.shell.currentWidget.context.path === name",
        arg=name,
    )


def test_saved_notebook_reads_without_a_kernel(page: Any, lab: Lab) -> None:
    pq.write_table(
        pa.table({"city": ["Oslo", "Lima", "<b>Pune</b>"], "n": [1, 2, 3]}),
        lab.root / "saved.parquet",
    )
    name = write_notebook(
        lab,
        "saved.ipynb",
        ["from ipyartifacts.widgets import TablePreview\nTablePreview('saved.parquet')"],
    )
    run_notebook(page, lab, name)
    expect(page.locator(".ipa-table .ipa-tr[data-row='2'] .ipa-td").nth(1)).to_have_text(
        "<b>Pune</b>"
    )
    _save_and_shut_down(page)

    saved = nbformat.read(lab.root / name, as_version=4)
    output = saved.cells[0].outputs[0]
    assert WIDGET_MIME in output.data
    assert "&lt;b&gt;Pune&lt;/b&gt;" in output.data["text/html"]

    # 1. No kernel at all: a copy without a kernelspec, opened choosing "No Kernel". Signed
    # like JupyterLab signs what it saves: an untrusted notebook never uses the widget view.
    # No kernelspec and no language_info: with a language left, JupyterLab starts the one
    # kernel of that language by itself (SessionContext.getDefaultKernel) instead of asking.
    del saved.metadata["kernelspec"]
    saved.metadata.pop("language_info", None)
    NotebookNotary().sign(saved)
    nbformat.write(saved, lab.root / "offline.ipynb")
    open_without_kernel(page, lab, "offline.ipynb")
    fallback = page.locator(".ipyartifacts-widget-fallback")
    expect(fallback).to_contain_text("saved.parquet")
    expect(fallback.locator("table td").nth(4)).to_have_text("<b>Pune</b>")  # text, not markup
    expect(fallback).to_contain_text("Static view")
    expect(page.locator(".jp-OutputArea-output", has_text="Loading widget")).to_have_count(0)
    for theme, label in [(LIGHT, "light"), (DARK, "dark")]:
        set_theme(page, theme)
        screenshot(page.locator(".jp-OutputArea-output").first, f"saved-no-kernel-{label}")
    set_theme(page, LIGHT)

    # 2. A new kernel that never made the widget: "model not found" becomes the same HTML.
    _open(page, lab, name)
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel"
    )
    expect(page.locator(".ipyartifacts-widget-fallback")).to_contain_text("saved.parquet")
    expect(page.locator(".jp-OutputArea-output", has_text="model not found")).to_have_count(0)
    screenshot(page.locator(".jp-OutputArea-output").first, "saved-new-kernel-light")

    # 3. Running the cell again gives way to the live grid.
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    expect(page.locator(".ipa-table .ipa-table-status")).to_have_text("3 rows")
    expect(page.locator(".ipyartifacts-widget-fallback")).to_have_count(0)
    assert page.errors == []
    print(f"screenshots in {SCREENSHOTS}")
