"""Notebook 7: the quickstart's widgets render and answer; saved notebooks read without a kernel.

Notebook 7 is built from JupyterLab's pieces (same widget manager, same prebuilt extensions),
but its own shell and pages; these tests drive it in Chromium like test_quickstart_browser.py
and test_saved_notebook_browser.py drive JupyterLab.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import nbformat
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


QUICKSTART = Path(__file__).resolve().parents[2] / "notebooks" / "quickstart.ipynb"
#: Raised by Notebook 7's own core (a settings load) here even for a notebook holding only
#: `1+1`, with no ipyartifacts code on the page: not ours to assert on.
NB7_OWN_ERROR = "Cannot read properties of undefined (reading 'schema')"


def _our_errors(page: Any) -> list[str]:
    return [e for e in page.errors if e != NB7_OWN_ERROR]


def _both_themes(page: Any, target: Any, name: str) -> None:
    for theme, label in [(LIGHT, "light"), (DARK, "dark")]:
        set_theme(page, theme)
        target.scroll_into_view_if_needed()
        screenshot(target, f"{name}-{label}")
    set_theme(page, LIGHT)


def test_quickstart_in_notebook7(nb7_page: Any, notebook7: Lab) -> None:
    page = nb7_page
    shutil.copy(QUICKSTART, notebook7.root / "quickstart.ipynb")
    run_notebook(page, notebook7, "quickstart.ipynb")
    cells = page.locator(".jp-CodeCell")
    expect(cells.last.locator(".jp-OutputArea-output")).to_contain_text("centroid")
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
    expect(errors).to_have_count(0)

    # VersionTable (the version list): rows arrive, a header click re-sorts them, a row
    # click selects (both handled in the widget, with the kernel's rows).
    versions = cells.filter(has_text="%artifact versions points")
    listing = versions.locator(".ipa-versions")
    expect(listing.locator(".ipa-vl-status")).to_have_text("2 versions")
    first = listing.locator('.ipa-vl-row[data-row="0"] [data-column="version"]')
    expect(first).to_have_text("v1")
    listing.locator('.ipa-vl-sort[data-column="version"]').click()
    expect(first).to_have_text("v0")
    listing.locator('.ipa-vl-row[data-row="1"]').click()
    expect(listing.locator('.ipa-vl-row.ipa-selected [data-column="version"]')).to_have_text("v1")
    _both_themes(page, versions, "nb7-quickstart-versions")

    # DiffView: the summary of the comparison.
    diff = cells.filter(has_text="%artifact diff points:first v1")
    expect(diff.locator(".ipa-diff-summary")).to_have_attribute(
        "aria-label", re.compile(r"^1 added · 0 removed · 1 modified")
    )
    _both_themes(page, diff, "nb7-quickstart-diff")

    # LineageGraph: drawn, and its depth control asks the kernel for a new graph.
    lineage = cells.filter(has_text="%artifact lineage points:v1")
    graph = lineage.locator(".ipa-lineage")
    expect(graph).to_be_visible()
    expect(graph.locator(".ipa-lineage-title")).not_to_have_text("")
    _both_themes(page, lineage, "nb7-quickstart-lineage")
    assert _our_errors(page) == []
    print(f"screenshots in {SCREENSHOTS}")


def test_saved_notebook_reads_without_a_kernel_in_notebook7(nb7_page: Any, notebook7: Lab) -> None:
    page = nb7_page
    name = write_notebook(
        notebook7,
        "saved7.ipynb",
        [
            "import pyarrow as pa\nfrom ipyartifacts.widgets import TablePreview\n"
            "TablePreview(pa.table({'city': ['Oslo', '<b>Lima</b>']}), title='cities')"
        ],
    )
    run_notebook(page, notebook7, name)
    expect(page.locator(".ipa-table .ipa-table-status")).to_have_text("2 rows")
    page.evaluate(
        """async () => {
            const panel = window.jupyterapp.shell.currentWidget;
            await panel.context.save();
            await panel.sessionContext.shutdown();
        }"""
    )
    saved = nbformat.read(notebook7.root / name, as_version=4)
    # No kernelspec and no language_info: with a language left, JupyterLab starts the one
    # kernel of that language by itself (SessionContext.getDefaultKernel) instead of asking.
    del saved.metadata["kernelspec"]
    saved.metadata.pop("language_info", None)
    NotebookNotary().sign(saved)  # as the server signs what it saves: trusted
    nbformat.write(saved, notebook7.root / "offline7.ipynb")
    open_without_kernel(page, notebook7, "offline7.ipynb")
    fallback = page.locator(".ipyartifacts-widget-fallback")
    expect(fallback).to_contain_text("cities")
    expect(fallback.locator("table td").nth(1)).to_have_text("<b>Lima</b>")
    expect(page.locator(".jp-OutputArea-output", has_text="Loading widget")).to_have_count(0)
    _both_themes(page, page.locator(".jp-OutputArea-output").first, "nb7-saved-no-kernel")
    assert _our_errors(page) == []
