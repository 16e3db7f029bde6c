"""Results that compare or preview: ``%artifact diff`` and ``%artifact preview``.

Kept beside :mod:`ipyartifacts.frontends.results`, whose :class:`Result` they extend.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ipyartifacts.frontends.render import (
    Block,
    Grid,
    KeyValues,
    Line,
    format_size,
)
from ipyartifacts.frontends.results import Result

if TYPE_CHECKING:
    from ipyartifacts.core.diff import ArtifactDiff

__all__ = ["DiffEntry", "DiffView", "PreviewView"]


# -- diff ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffEntry:
    """One changed path between two versions."""

    path: str
    status: str  # "added", "removed", "modified"
    old_size: int | None
    new_size: int | None
    old_digest: str | None = None
    new_digest: str | None = None


@dataclass(frozen=True, repr=False)
class DiffView(Result):
    """What changed from version ``a`` to version ``b`` (``diff``)."""

    a: str
    b: str
    changes: tuple[DiffEntry, ...]
    unchanged: int
    metadata_changes: tuple[tuple[str, Any, Any], ...] = ()  # key, old, new
    tables: tuple[tuple[str, str, dict[str, Any]], ...] = field(default=(), hash=False)
    diff: ArtifactDiff | None = field(default=None, compare=False, hash=False)
    #: (before, after) when the description changed.
    description_change: tuple[str | None, str | None] | None = None

    def widget(self) -> Any:
        if self.diff is None:
            return None
        from ipyartifacts.widgets import DiffView as DiffWidget

        return DiffWidget(self.diff)

    def _summary(self) -> str:
        return f"{self.a} -> {self.b}: {len(self.changes)} changes"

    @property
    def added(self) -> list[str]:
        return [c.path for c in self.changes if c.status == "added"]

    @property
    def removed(self) -> list[str]:
        return [c.path for c in self.changes if c.status == "removed"]

    @property
    def modified(self) -> list[str]:
        return [c.path for c in self.changes if c.status == "modified"]

    def to_data(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "added": self.added,
            "removed": self.removed,
            "modified": self.modified,
            "unchanged": self.unchanged,
            "changes": [
                {
                    "path": c.path,
                    "status": c.status,
                    "old_size": c.old_size,
                    "new_size": c.new_size,
                    "old_digest": c.old_digest,
                    "new_digest": c.new_digest,
                }
                for c in self.changes
            ],
            "metadata": [{"key": k, "old": o, "new": n} for k, o, n in self.metadata_changes],
            "description": None
            if self.description_change is None
            else {"old": self.description_change[0], "new": self.description_change[1]},
            "tables": [data for _path, _summary, data in self.tables],
        }

    def blocks(self) -> list[Block]:
        mark = {"added": "+", "removed": "-", "modified": "~"}
        summary = (
            f"{self.a} -> {self.b}: {len(self.added)} added, {len(self.removed)} removed, "
            f"{len(self.modified)} modified, {self.unchanged} unchanged"
        )
        rows = tuple(
            (
                mark.get(c.status, "?"),
                c.path,
                format_size(c.old_size) if c.old_size is not None else "",
                format_size(c.new_size) if c.new_size is not None else "",
            )
            for c in self.changes
        )
        out: list[Block] = [
            Grid(summary, ("", "path", "before", "after"), rows, empty="(identical files)")
        ]
        if self.description_change is not None:
            before, after = self.description_change
            out.append(Grid("description", ("before", "after"), ((before or "-", after or "-"),)))
        if self.metadata_changes:
            out.append(
                Grid(
                    "metadata",
                    ("key", "before", "after"),
                    tuple(
                        (k, json.dumps(o, default=str), json.dumps(n, default=str))
                        for k, o, n in self.metadata_changes
                    ),
                )
            )
        if self.tables:
            out.append(
                Grid(
                    "tables", ("path", "rows and schema"), tuple((p, s) for p, s, _ in self.tables)
                )
            )
        return out


# -- table preview ------------------------------------------------------------------------

#: Longest cell shown in text and HTML grids (``--json`` has every value whole).
PREVIEW_CELL_CHARS = 60


def _cell_text(value: Any) -> str:
    """One table value as a short, single-line string."""
    if value is None:
        return "null"
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = repr(value)
    elif isinstance(value, (bytes, bytearray)):
        text = f"<{len(value)} bytes>"
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ")
    else:
        text = json.dumps(value, default=str, ensure_ascii=False)
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return text if len(text) <= PREVIEW_CELL_CHARS else text[: PREVIEW_CELL_CHARS - 1] + "\u2026"


@dataclass(frozen=True, repr=False)
class PreviewView(Result):
    """The schema and first rows of one table entry of a version (``preview``)."""

    qualified_name: str
    path: str
    schema: tuple[tuple[str, str], ...]  # (column, Arrow type)
    rows: tuple[dict[str, Any], ...] = field(hash=False)
    num_rows: int
    note: str | None = None
    entry: Any = field(default=None, compare=False, hash=False)  # ArtifactManifestEntry

    def _summary(self) -> str:
        return f"{self.qualified_name} {self.path}: {self.num_rows} rows"

    def __len__(self) -> int:
        return len(self.rows)

    def widget(self) -> Any:
        if self.entry is None:
            return None
        from ipyartifacts.widgets import TablePreview

        return TablePreview(self.entry, title=f"{self.qualified_name} / {self.path}")

    def to_data(self) -> dict[str, Any]:
        return {
            "schema": [{"name": n, "type": t} for n, t in self.schema],
            "rows": [dict(r) for r in self.rows],
            "num_rows": self.num_rows,
        }

    def blocks(self) -> list[Block]:
        title = (
            f"{self.qualified_name} {self.path}: {self.num_rows:,} row(s), "
            f"{len(self.schema)} column(s)"
        )
        names = tuple(n for n, _ in self.schema)
        rows = tuple(tuple(_cell_text(r.get(n)) for n in names) for r in self.rows)
        shown = (
            f"first {len(rows):,} row(s)" if len(rows) < self.num_rows else f"{len(rows):,} row(s)"
        )
        out: list[Block] = [
            KeyValues(title, self.schema),
            Grid(shown, names, rows, empty="(no rows)"),
        ]
        if self.note:
            out.append(Line(self.note, "warn"))
        return out
