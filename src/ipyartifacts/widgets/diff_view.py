"""DiffView: what changed between two artifact versions, as a widget.

Shows a summary line, the changed files as a paged, sortable, filterable grid (rows cross to
the browser a page at a time as Arrow IPC, so a 100,000-file diff opens instantly), the
metadata changes, and each modified table's schema and row-count changes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import traitlets

from ipyartifacts.widgets._static import static_file
from ipyartifacts.widgets._table_source import MemorySource
from ipyartifacts.widgets._table_widget import TableWidget

if TYPE_CHECKING:
    import pyarrow as pa

    from ipyartifacts.core.diff import ArtifactDiff

#: Status cells carry their badge symbol, so sorting groups them and filters match words.
STATUS = {"added": "+ added", "removed": "- removed", "modified": "~ modified"}
#: Metadata changes sent with the widget state (more are counted, not listed).
MAX_METADATA_ROWS = 1000
#: Longest metadata value sent (JSON text); longer ones are cut and marked.
MAX_VALUE_CHARS = 2000


def files_table(diff: ArtifactDiff) -> pa.Table:
    """The changed files of ``diff`` as the grid's table.

    Parameters
    ----------
    diff
        An :class:`~ipyartifacts.ArtifactDiff` (``Api().diff(a, b)``).

    Returns
    -------
    pyarrow.Table
        Columns ``status`` (``"+ added"``, ``"- removed"``, ``"~ modified"``), ``path``,
        ``before`` and ``after`` (sizes in bytes, null where the file is absent) and
        ``change`` (after minus before), in path order.

    Examples
    --------
    >>> from ipyartifacts import Api                        # doctest: +SKIP
    >>> files_table(Api().diff("mnist:v0", "mnist:v1"))     # doctest: +SKIP
    """
    import pyarrow as pa

    changes = sorted(
        [(c, "added") for c in diff.added]
        + [(c, "removed") for c in diff.removed]
        + [(c, "modified") for c in diff.modified],
        key=lambda item: item[0].path,
    )
    size = {"ipa.format": "bytes"}
    schema = pa.schema(
        [
            pa.field("status", pa.string()),
            pa.field("path", pa.string()),
            pa.field("before", pa.int64(), metadata=size),
            pa.field("after", pa.int64(), metadata=size),
            pa.field("change", pa.int64(), metadata=size),
        ]
    )
    return pa.Table.from_arrays(
        [
            pa.array([STATUS[s] for _, s in changes], pa.string()),
            pa.array([c.path for c, _ in changes], pa.string()),
            pa.array([c.old_size for c, _ in changes], pa.int64()),
            pa.array([c.new_size for c, _ in changes], pa.int64()),
            pa.array([c.size_change for c, _ in changes], pa.int64()),
        ],
        schema=schema,
    )


def _value_text(value: Any) -> str:
    # JSON even for strings: a change from "1" to 1 must not read as "1" -> "1".
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "\u2026"


def metadata_rows(diff: ArtifactDiff) -> list[dict[str, Any]]:
    """Metadata changes as display rows: ``key``, ``kind``, ``old`` and ``new`` (text or None)."""
    return [
        {
            "key": m.key,
            "kind": m.kind,
            "old": None if m.kind == "added" else _value_text(m.old),
            "new": None if m.kind == "removed" else _value_text(m.new),
        }
        for m in diff.metadata_changes[:MAX_METADATA_ROWS]
    ]


def summary_counts(diff: ArtifactDiff) -> dict[str, int]:
    """The numbers of the summary line."""
    return {
        "added": len(diff.added),
        "removed": len(diff.removed),
        "modified": len(diff.modified),
        "unchanged": diff.unchanged,
        "bytes_added": diff.bytes_added,
        "bytes_removed": diff.bytes_removed,
        "metadata": len(diff.metadata_changes),
        "description": int(diff.description_change is not None),
        "tables": len(diff.tables),
    }


class DiffView(TableWidget):
    """What changed between two versions: files, metadata, and tables' schemas and rows.

    The file list is a grid like TablePreview's: sort by any column, filter as you type
    (``added``, ``removed`` or ``modified`` in the status filter, or click a count in the
    summary line), scroll through any number of files.

    Parameters
    ----------
    diff
        The result of ``Api().diff(a, b)`` (an :class:`~ipyartifacts.ArtifactDiff`).
    height
        Maximum height of the file grid in pixels.

    Examples
    --------
    >>> from ipyartifacts import Api                            # doctest: +SKIP
    >>> from ipyartifacts.widgets import DiffView              # doctest: +SKIP
    >>> DiffView(Api().diff("mnist:v0", "mnist:v1"))           # doctest: +SKIP
    """

    _esm = static_file("diff_view.js")
    _css = static_file("diff_view.css")

    a = traitlets.Unicode("").tag(sync=True)
    b = traitlets.Unicode("").tag(sync=True)
    key = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    counts = traitlets.Dict().tag(sync=True)
    metadata = traitlets.List(traitlets.Dict()).tag(sync=True)
    #: ``{"old": ..., "new": ...}`` when the description changed, else None.
    description = traitlets.Dict(None, allow_none=True).tag(sync=True)
    tables = traitlets.List(traitlets.Dict()).tag(sync=True)

    def __init__(self, diff: ArtifactDiff, *, height: int = 380, **kwargs: Any) -> None:
        self._diff = diff
        super().__init__(
            MemorySource(files_table(diff)),
            title="changed files",
            height=height,
            a=diff.a,
            b=diff.b,
            key=diff.key,
            counts=summary_counts(diff),
            metadata=metadata_rows(diff),
            description=None
            if diff.description_change is None
            else diff.description_change.to_dict(),
            tables=[{**t.to_dict(), "summary": t.summary()} for t in diff.tables],
            **kwargs,
        )

    @property
    def diff(self) -> ArtifactDiff:
        """The diff shown."""
        return self._diff
