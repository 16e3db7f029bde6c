"""Message payloads exchanged between the widgets' front ends and Python.

Mirror of ``js/lib/protocol.ts``: change both together. Requests come from the browser as
JSON custom messages; each response carries the request's ``id`` and, for pages, the rows as
one Arrow IPC stream in the message buffers.
"""

from __future__ import annotations

from typing import Literal, TypedDict

ColumnKind = Literal["number", "string", "bool", "temporal", "binary", "other"]

FilterOp = Literal[
    "contains",
    "not_contains",
    "starts_with",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "between",
    "is_null",
    "not_null",
]

FILTER_OPS: frozenset[str] = frozenset(FilterOp.__args__)  # type: ignore[attr-defined]


class ColumnInfo(TypedDict):
    """A column as the front end shows it in its header."""

    name: str
    #: The Arrow type as pyarrow prints it (the header's tooltip).
    type: str
    #: A header-sized type name: ``string (dict)``, ``list<int64>``, ``timestamp[ms, UTC]``.
    short_type: str
    kind: ColumnKind
    #: Display hint: ``"bytes"`` shows integers as human-readable sizes.
    format: Literal["bytes"] | None
    #: False for types without an order (lists, structs, maps): the header says so.
    sortable: bool


class SortKey(TypedDict):
    """Sort by one column."""

    column: str
    descending: bool


class FilterClause(TypedDict):
    """One typed filter on one column; values travel as text and are parsed per column type."""

    column: str
    op: FilterOp
    value: str | None
    value2: str | None


class PageRequest(TypedDict):
    """Ask for rows ``[offset, offset + limit)`` of the sorted, filtered view."""

    type: Literal["page"]
    id: int
    offset: int
    limit: int
    sort: list[SortKey]
    filter: list[FilterClause]


class PageResponse(TypedDict):
    """The rows of one page; the Arrow IPC stream is ``buffers[0]``."""

    type: Literal["page"]
    id: int
    offset: int
    count: int
    total: int
    exact: bool
    note: str | None


class SummaryRequest(TypedDict):
    """Ask for the summary of one column."""

    type: Literal["summary"]
    id: int
    column: str


class SummaryResponse(TypedDict):
    """Null count, min/max (as display text) and distinct count of one column."""

    type: Literal["summary"]
    id: int
    column: str
    null_count: int | None
    min: str | None
    max: str | None
    distinct: int | None
    distinct_capped: bool
    note: str | None


class ErrorResponse(TypedDict):
    """A request that could not be answered, with a message for the user."""

    type: Literal["error"]
    id: int
    message: str


class BadRequestError(ValueError):
    """A front-end request that is malformed or names something that does not exist."""


# -- FileBrowser ------------------------------------------------------------------------------

PreviewKind = Literal["table", "image", "text", "facts"]


class TreeNode(TypedDict):
    """One entry of a directory listing: a file or a folder (with totals of what is under it)."""

    name: str
    path: str
    dir: bool
    size: int
    count: int
    ref: str | None


class ChildrenRequest(TypedDict):
    """List ``[offset, offset + limit)`` of a folder's children (folders first, by name)."""

    type: Literal["children"]
    id: int
    path: str
    offset: int
    limit: int


class ChildrenResponse(TypedDict):
    type: Literal["children"]
    id: int
    path: str
    offset: int
    total: int
    nodes: list[TreeNode]


class PreviewRequest(TypedDict):
    """Preview one file; the response's ``kind`` says how."""

    type: Literal["preview"]
    id: int
    path: str


class PreviewResponse(TypedDict):
    """Facts about a file, plus text (``text``), image bytes (``buffers[0]``) or a table handle."""

    type: Literal["preview"]
    id: int
    path: str
    kind: PreviewKind
    size: int
    digest: str
    ref: str | None
    mime: str | None
    text: str | None
    truncated: bool
    table: int | None
    columns: list[ColumnInfo]
    num_rows: int
    note: str | None
    #: Relative URL (``ipyartifacts/blob/...``) the server extension streams the file from,
    #: when the blob is a local file; the front end uses it only if the extension answers.
    href: str | None


class DownloadRequest(TypedDict):
    """The bytes of one stored file, for a browser download."""

    type: Literal["download"]
    id: int
    path: str


class DownloadResponse(TypedDict):
    type: Literal["download"]
    id: int
    path: str
    size: int


# -- LineageGraph -------------------------------------------------------------------------------


class ClusterMember(TypedDict):
    """One node folded into a cluster (listed, searchable, clickable to re-centre)."""

    id: str
    label: str
    sub: str


class MembersRequest(TypedDict):
    """Search a cluster's members (label or subtitle contains ``query``)."""

    type: Literal["members"]
    id: int
    cluster: str
    query: str


class MembersResponse(TypedDict):
    type: Literal["members"]
    id: int
    cluster: str
    total: int
    members: list[ClusterMember]


Response = (
    PageResponse
    | SummaryResponse
    | ErrorResponse
    | ChildrenResponse
    | PreviewResponse
    | DownloadResponse
    | MembersResponse
)
