"""Shared base of the grid widgets (TablePreview, VersionTable): traits and request plumbing."""

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
from ipyartifacts.widgets._table_source import TableSource


def request_id(content: object) -> int | None:
    """The integer ``id`` of a request, or ``None`` if it has none."""
    value = content.get("id") if isinstance(content, dict) else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def no_id_error() -> tuple[Response, list[bytes]]:
    """The response to a request without an integer id (it cannot be matched)."""
    return ErrorResponse(type="error", id=-1, message="request without an integer id"), []


def handle_table_request(source: TableSource, content: object) -> tuple[Response, list[bytes]]:
    """Answer one page or summary request from a table grid front end.

    Parameters
    ----------
    source
        The table being shown.
    content
        The custom message as received (validated here; anything malformed gets an error
        response rather than an exception).

    Returns
    -------
    tuple
        The response payload (same ``id`` as the request) and its binary buffers: one Arrow
        IPC stream for pages, none otherwise.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from ipyartifacts.widgets._table_source import open_table
    >>> response, buffers = handle_table_request(
    ...     open_table(pa.table({"x": [1, 2]})),
    ...     {"type": "page", "id": 1, "offset": 0, "limit": 10, "sort": [], "filter": []},
    ... )
    >>> response["total"], len(buffers)
    (2, 1)
    """
    rid = request_id(content)
    if rid is None:
        return no_id_error()
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
                id=rid,
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
                id=rid,
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
        return ErrorResponse(type="error", id=rid, message=str(exc)), []
    except Exception as exc:  # any failure must reach the grid as a reply, never hang it
        return ErrorResponse(type="error", id=rid, message=failure_message(content, exc)), []


def failure_message(content: dict[str, Any], exc: Exception) -> str:
    """What the grid shows when answering a request failed in the kernel."""
    if content.get("type") == "summary":
        what = f"summarise column {content.get('column')!r}"
    elif content.get("sort") or content.get("filter"):
        what = "sort/filter this table"
    else:
        what = "read these rows"
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"could not {what}: {type(exc).__name__}{': ' + detail if detail else ''}"


#: Rows of the first page (the front end's page size), sent with the widget's state.
FIRST_PAGE_ROWS = 100
#: A first page bigger than this (very wide or long-text tables) is fetched instead.
FIRST_PAGE_MAX_BYTES = 512 * 1024


def first_page(source: TableSource) -> bytes:
    """The unsorted, unfiltered first page as Arrow IPC, or ``b""`` if it is too big or fails.

    It travels in the widget's initial state, so the grid paints without a round trip to a
    kernel that may be busy running the next cell, and a saved widget state shows rows.
    """
    try:
        page = source.page(0, FIRST_PAGE_ROWS, [], [])
        data = to_ipc(page.table)
    except Exception:  # the grid then asks for the page and shows the error in place
        return b""
    return data if len(data) <= FIRST_PAGE_MAX_BYTES else b""


#: Rows shown in the kernel-free HTML snapshot of a grid.
SNAPSHOT_ROWS = 20


def table_snapshot(title: str, source: TableSource, page: bytes) -> tuple[str, str]:
    """Plain text and escaped HTML of a grid's first rows (for renderers without widgets)."""
    import html

    import pyarrow as pa

    columns = describe_columns(source.visible_schema)
    shape = f"{source.num_rows:,} rows, {len(columns)} columns"
    text = f"{title}: {shape}"
    rows: list[dict[str, Any]] = []
    if page:
        rows = pa.ipc.open_stream(page).read_all().slice(0, SNAPSHOT_ROWS).to_pylist()
    head = "".join(
        f"<th style='text-align:left' title='{html.escape(c['type'])}'>{html.escape(c['name'])}"
        f"<br><small style='font-weight:normal'>{html.escape(c['short_type'])}</small></th>"
        for c in columns
    )

    def cell(value: Any) -> str:
        if value is None:
            return "<td><em style='opacity:.6'>null</em></td>"
        return f"<td style='text-align:left'>{html.escape(str(value))}</td>"

    body = "".join(
        f"<tr><th style='opacity:.6'>{i}</th>{''.join(cell(row[c['name']]) for c in columns)}</tr>"
        for i, row in enumerate(rows)
    )
    shown = (
        f"the first {len(rows):,} of {source.num_rows:,} rows"
        if len(rows) < source.num_rows
        else f"all {source.num_rows:,} rows"
    )
    markup = (
        f"<div class='ipyartifacts-table'><strong>{html.escape(title)}</strong> "
        f"<span style='opacity:.7'>{html.escape(shape)}</span>"
        f"<table style='margin-left:0'><thead><tr><th>#</th>{head}</tr></thead><tbody>{body}</tbody></table>"
        f"<p style='opacity:.7'><small>Snapshot of {shown}: the interactive grid (sort, "
        "filter, scroll) shows when the cell runs in a kernel.</small></p></div>"
    )
    return text, markup


class TableWidget(anywidget.AnyWidget):
    """A grid over a :class:`TableSource`; subclasses set ``_esm``/``_css`` and add traits."""

    columns = traitlets.List(traitlets.Dict()).tag(sync=True)
    num_rows = traitlets.Int(0).tag(sync=True)
    title = traitlets.Unicode("table").tag(sync=True)
    note = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    height = traitlets.Int(380).tag(sync=True)
    #: Rows ``[0, FIRST_PAGE_ROWS)`` as one Arrow IPC stream (empty: ask for them).
    first_page = traitlets.Bytes(b"").tag(sync=True)

    def __init__(self, source: TableSource, **kwargs: Any) -> None:
        super().__init__(
            columns=describe_columns(source.visible_schema),
            num_rows=source.num_rows,
            note=source.note,
            first_page=first_page(source),
            **kwargs,
        )
        self._source = source
        self.on_msg(self._on_custom_msg)

    @property
    def source(self) -> TableSource:
        """The paged table behind this widget."""
        return self._source

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The widget view plus readable text and HTML of the first rows.

        Renderers without a widget manager (GitHub, nbviewer, nbconvert, a JupyterLab whose
        kernel is gone) show the ``text/html`` snapshot instead of "Loading widget...".
        """
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        text, markup = table_snapshot(self.title, self._source, self.first_page)
        return {**data, "text/plain": text, "text/html": markup}, dict(metadata or {})

    def handle_request(self, content: object) -> tuple[Response, list[bytes]]:
        """Answer one front-end request (what the widget does with each custom message)."""
        return handle_table_request(self._source, content)

    def _on_custom_msg(self, _widget: object, content: object, _buffers: object) -> None:
        response, buffers = self.handle_request(content)
        self.send(dict(response), buffers)
