"""TablePreview: a paged, sortable, filterable view of any Arrow-readable table."""

from __future__ import annotations

from typing import Any

from ipyartifacts.widgets._static import static_file
from ipyartifacts.widgets._table_source import (
    DEFAULT_MAX_IN_MEMORY_BYTES,
    TableFormat,
    open_table,
)
from ipyartifacts.widgets._table_widget import TableWidget


class TablePreview(TableWidget):
    """Preview a table in a notebook: virtual scrolling, sorting, typed filters, summaries.

    Rows cross to the browser one page at a time as Arrow IPC; the whole table is never sent.
    Parquet files are read by row group, so a 10-million-row file previews without loading it.

    Parameters
    ----------
    data
        A ``pyarrow.Table``, a pandas or polars DataFrame (anything with
        ``__arrow_c_stream__``), a path to a Parquet / CSV / TSV / JSON Lines / Arrow IPC
        (Feather) file, or a seekable binary file object with one of those.
    title
        Shown above the grid; defaults to the file name or ``"table"``.
    format
        File format when neither the name nor the content tells (``"parquet"``, ``"csv"``,
        ``"tsv"``, ``"jsonl"``, ``"arrow"``).
    height
        Maximum height of the scrolling grid in pixels.
    max_in_memory_bytes
        Largest file loaded whole to sort or filter exactly; bigger sources get bounded views.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from ipyartifacts.widgets import TablePreview
    >>> TablePreview(pa.table({"x": [1, 2, 3]})).num_rows
    3
    """

    _esm = static_file("table_preview.js")
    _css = static_file("table_preview.css")

    def __init__(
        self,
        data: object,
        *,
        title: str | None = None,
        format: TableFormat | None = None,
        height: int = 380,
        max_in_memory_bytes: int = DEFAULT_MAX_IN_MEMORY_BYTES,
        **kwargs: Any,
    ) -> None:
        source = open_table(data, format=format, max_in_memory_bytes=max_in_memory_bytes)
        if title is None:
            name = data if isinstance(data, str) else getattr(data, "name", None)
            title = str(name).rsplit("/", 1)[-1] if isinstance(name, str) else "table"
        super().__init__(source, title=title, height=height, **kwargs)
