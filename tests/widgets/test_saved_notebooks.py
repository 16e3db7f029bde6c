"""Saved notebooks read well without a kernel: every grid output carries an HTML snapshot.

GitHub and nbviewer render text/html and ignore the widget view; nbconvert uses the widget view
only when the notebook's metadata holds that widget's state (JupyterLab saves none by
default), else the text/html. JupyterLab itself is covered by the labextension and
tests/browser/test_saved_notebook_browser.py.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pyarrow as pa
import pyarrow.parquet as pq

from ipyartifacts.widgets import TablePreview
from ipyartifacts.widgets._table_widget import SNAPSHOT_ROWS

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def test_grid_bundle_has_escaped_html_snapshot_and_text() -> None:
    widget = TablePreview(
        pa.table({"name": ["<script>x</script>", None], "n": [1, 2]}), title="a&b"
    )
    data, _ = widget._repr_mimebundle_()
    assert WIDGET_MIME in data
    assert data["text/plain"] == "a&b: 2 rows, 2 columns"
    markup = data["text/html"]
    assert "<script>" not in markup
    assert "&lt;script&gt;x&lt;/script&gt;" in markup
    assert "<strong>a&amp;b</strong>" in markup
    assert "<em style='opacity:.6'>null</em>" in markup
    assert "Snapshot of all 2 rows" in markup


def test_snapshot_shows_first_rows_of_long_tables() -> None:
    widget = TablePreview(pa.table({"i": list(range(1000))}))
    markup = widget._repr_mimebundle_()[0]["text/html"]
    assert markup.count("<tr>") == 1 + SNAPSHOT_ROWS  # header row + rows
    assert f"Snapshot of the first {SNAPSHOT_ROWS} of 1,000 rows" in markup


def test_nbconvert_html_shows_the_snapshot(tmp_path: Path) -> None:
    from nbconvert import HTMLExporter

    pq.write_table(pa.table({"city": ["Oslo", "<i>Lima</i>"]}), tmp_path / "c.parquet")
    data, metadata = TablePreview(tmp_path / "c.parquet")._repr_mimebundle_()
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("TablePreview('c.parquet')")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data, metadata=metadata)]
    notebook.cells = [cell]
    # As JupyterLab saves it by default: the widget view, and no widget state in the metadata.
    page, _ = HTMLExporter().from_notebook_node(nbformat.from_dict(notebook))
    assert "<strong>c.parquet</strong>" in page
    assert "&lt;i&gt;Lima&lt;/i&gt;" in page
    assert "Snapshot of all 2 rows" in page
    assert WIDGET_MIME not in page
