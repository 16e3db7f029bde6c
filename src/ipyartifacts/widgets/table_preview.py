"""TablePreview: a paged, sortable, filterable view of any Arrow-readable table."""

from __future__ import annotations

from typing import Any

from ipyartifacts.widgets._static import static_file
from ipyartifacts.widgets._table_source import (
    _SUFFIXES,
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
        (Feather) file, a seekable binary file object with one of those, or a stored file of
        an artifact (``artifact.get_entry("train.parquet")``), read in place from the store.
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
        data, format, title = _resolve_entry(data, format, title)
        source = open_table(data, format=format, max_in_memory_bytes=max_in_memory_bytes)
        if title is None:
            name = data if isinstance(data, str) else getattr(data, "name", None)
            title = str(name).rsplit("/", 1)[-1] if isinstance(name, str) else "table"
        super().__init__(source, title=title, height=height, **kwargs)


def _resolve_entry(
    data: object, format: TableFormat | None, title: str | None
) -> tuple[object, TableFormat | None, str | None]:
    """Turn an artifact's manifest entry into its blob (a local path to memory-map if any)."""
    from pathlib import PurePosixPath

    from ipyartifacts import ArtifactManifestEntry

    if not isinstance(data, ArtifactManifestEntry):
        return data, format, title
    if data.ref is not None:
        raise ValueError(
            f"{data.path!r} is a reference to {data.ref}; its bytes are not in the store. "
            "Download it (entry.download()) and preview the local file."
        )
    client = data._artifact._client
    if client is None:
        raise ValueError(f"{data.path!r} belongs to an artifact that is not logged yet")
    suffix = PurePosixPath(data.path).suffix.lower()
    format = format or _SUFFIXES.get(suffix)
    local = client.local_blob_path(data.digest)
    return (
        (local if local is not None else client.open_blob(data.digest)),
        format,
        title or data.path,
    )
