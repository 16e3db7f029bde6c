"""TablePreview: a paged, sortable, filterable view of any Arrow-readable table."""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets

from ipyartifacts.widgets._arrow_query import describe_columns, to_ipc
from ipyartifacts.widgets._messages import (
    BadRequestError,
    ErrorResponse,
    PageResponse,
    Response,
    SummaryResponse,
)
from ipyartifacts.widgets._static import static_file
from ipyartifacts.widgets._table_source import (
    DEFAULT_MAX_IN_MEMORY_BYTES,
    TableFormat,
    TableSource,
    open_table,
)


def handle_table_request(source: TableSource, content: object) -> tuple[Response, list[bytes]]:
    """Answer one page or summary request from a table grid front end.

    Parameters
    ----------
    source
        The table being previewed.
    content
        The custom message as received (validated here; anything malformed gets an error
        response rather than an exception).

    Returns
    -------
    tuple
        The response payload (same ``id`` as the request) and its binary buffers: one Arrow
        IPC stream for pages, none otherwise.
    """
    request_id = content.get("id") if isinstance(content, dict) else None
    if isinstance(request_id, bool) or not isinstance(request_id, int):
        return ErrorResponse(type="error", id=-1, message="request without an integer id"), []
    assert isinstance(content, dict)
    try:
        kind = content.get("type")
        if kind == "page":
            page = source.page(
                content.get("offset"),
                content.get("limit"),
                content.get("sort", []),
                content.get("filter", []),
            )
            response = PageResponse(
                type="page",
                id=request_id,
                offset=page.offset,
                count=page.table.num_rows,
                total=page.total,
                exact=page.exact,
                note=page.note,
            )
            return response, [to_ipc(page.table)]
        if kind == "summary":
            column = content.get("column")
            summary = source.summary(column)
            assert isinstance(column, str)
            return SummaryResponse(
                type="summary",
                id=request_id,
                column=column,
                null_count=summary.null_count,
                min=summary.min,
                max=summary.max,
                distinct=summary.distinct,
                distinct_capped=summary.distinct_capped,
                note=summary.note,
            ), []
        raise BadRequestError(f"unknown request type {kind!r}; expected 'page' or 'summary'")
    except BadRequestError as exc:
        return ErrorResponse(type="error", id=request_id, message=str(exc)), []


class TablePreview(anywidget.AnyWidget):
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
        Height of the scrolling grid in pixels.
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

    columns = traitlets.List(traitlets.Dict()).tag(sync=True)
    num_rows = traitlets.Int(0).tag(sync=True)
    title = traitlets.Unicode("table").tag(sync=True)
    note = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    height = traitlets.Int(380).tag(sync=True)

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
        super().__init__(
            columns=describe_columns(source.schema),
            num_rows=source.num_rows,
            title=title,
            note=source.note,
            height=height,
            **kwargs,
        )
        self._source = source
        self.on_msg(self._on_custom_msg)

    @property
    def source(self) -> TableSource:
        """The paged table behind this preview."""
        return self._source

    def handle_request(self, content: object) -> tuple[Response, list[bytes]]:
        """Answer one front-end request (what the widget does with each custom message)."""
        return handle_table_request(self._source, content)

    def _on_custom_msg(self, _widget: object, content: object, _buffers: object) -> None:
        response, buffers = self.handle_request(content)
        self.send(dict(response), buffers)
