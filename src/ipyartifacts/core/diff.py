"""Diff two artifact versions: files, metadata and (for tables) rows and schema.

Files are compared by manifest alone (path -> digest), so a diff of two 100,000-file
versions reads two manifests and no file bytes. Tables modified between the versions
are then compared row by row in bounded memory (``_tablediff``).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ipyartifacts.core.client import Client
    from ipyartifacts.core.tablediff import TableDiff
    from ipyartifacts.store.manifest import Manifest, ManifestEntry

__all__ = [
    "ArtifactDiff",
    "DescriptionChange",
    "DiffSide",
    "FileChange",
    "MetadataChange",
    "diff_versions",
]

_SHOWN = 50  # files listed per group in str() and the notebook display


@dataclass(frozen=True)
class FileChange:
    """A file added, removed or modified. ``old_*`` is None when added, ``new_*`` when removed."""

    path: str
    old_size: int | None
    new_size: int | None
    old_digest: str | None
    new_digest: str | None

    @property
    def size_change(self) -> int:
        """New size minus old size (bytes)."""
        return (self.new_size or 0) - (self.old_size or 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "old_size": self.old_size,
            "new_size": self.new_size,
            "old_digest": self.old_digest,
            "new_digest": self.new_digest,
        }


@dataclass(frozen=True)
class MetadataChange:
    """One metadata key (dotted for nested dicts) that differs: ``kind`` is added/removed/changed."""

    key: str
    old: Any
    new: Any
    kind: str

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "old": self.old, "new": self.new, "kind": self.kind}


@dataclass(frozen=True)
class DescriptionChange:
    """The description of ``a`` (``old``) and of ``b`` (``new``) when they differ."""

    old: str | None
    new: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new}


@dataclass(frozen=True)
class ArtifactDiff:
    """What changed from version ``a`` to version ``b``.

    Attributes
    ----------
    a, b : str
        Qualified names (``project/name:vN``).
    added, removed, modified : tuple of FileChange
        In path order.
    unchanged : int
        Files identical in both.
    metadata_changes : tuple of MetadataChange
    tables : tuple of TableDiff
        One per modified table file (Parquet, CSV/TSV, Arrow/Feather).
    description_change : DescriptionChange or None
        The descriptions before and after, when they differ.
    """

    a: str
    b: str
    added: tuple[FileChange, ...]
    removed: tuple[FileChange, ...]
    modified: tuple[FileChange, ...]
    unchanged: int
    metadata_changes: tuple[MetadataChange, ...]
    tables: tuple[TableDiff, ...]
    key: str | None = None
    description_change: DescriptionChange | None = None

    @property
    def is_empty(self) -> bool:
        """True when files, metadata and description are identical."""
        return not (
            self.added
            or self.removed
            or self.modified
            or self.metadata_changes
            or self.description_change
        )

    def __bool__(self) -> bool:
        return not self.is_empty

    @property
    def bytes_added(self) -> int:
        return sum(f.new_size or 0 for f in self.added)

    @property
    def bytes_removed(self) -> int:
        return sum(f.old_size or 0 for f in self.removed)

    def table(self, path: str) -> TableDiff:
        """The table diff of ``path`` (KeyError if that path is not a modified table)."""
        for t in self.tables:
            if t.path == path:
                return t
        raise KeyError(path)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``json.dumps(diff.to_dict())`` works)."""
        return {
            "a": self.a,
            "b": self.b,
            "key": self.key,
            "added": [f.to_dict() for f in self.added],
            "removed": [f.to_dict() for f in self.removed],
            "modified": [f.to_dict() for f in self.modified],
            "unchanged": self.unchanged,
            "metadata": [m.to_dict() for m in self.metadata_changes],
            "description": None
            if self.description_change is None
            else self.description_change.to_dict(),
            "tables": [t.to_dict() for t in self.tables],
        }

    def _lines(self, limit: int = _SHOWN) -> list[str]:
        lines = [
            f"{self.a} -> {self.b}: {len(self.added)} added, {len(self.removed)} removed, "
            f"{len(self.modified)} modified, {self.unchanged} unchanged"
        ]
        groups: list[tuple[tuple[FileChange, ...], Any]] = [
            (self.added, lambda f: f"  + {f.path} ({f.new_size} bytes)"),
            (self.removed, lambda f: f"  - {f.path} ({f.old_size} bytes)"),
            (self.modified, lambda f: f"  ~ {f.path} ({f.old_size} -> {f.new_size} bytes)"),
        ]
        for group, show in groups:
            lines.extend(show(f) for f in group[:limit])
            if len(group) > limit:
                lines.append(f"  ... and {len(group) - limit} more (see to_dict())")
        if self.description_change is not None:
            d = self.description_change
            lines.append(f"  description: {_short(d.old)} -> {_short(d.new)}")
        for m in self.metadata_changes:
            old = "" if m.kind == "added" else _short(m.old)
            new = "" if m.kind == "removed" else _short(m.new)
            lines.append(f"  metadata {m.kind} {m.key}: {old}{' -> ' if old and new else ''}{new}")
        for t in self.tables:
            lines.append(f"  table {t.summary()}")
        return lines

    def __str__(self) -> str:
        return "\n".join(self._lines())

    def __repr__(self) -> str:
        return f"<ArtifactDiff {self._lines()[0]}>"

    def _repr_html_(self) -> str:
        """Notebook display; every user string is escaped."""
        head, *rest = self._lines()
        items = "".join(f"<li><code>{html.escape(line.strip())}</code></li>" for line in rest)
        return f"<div><b>{html.escape(head)}</b><ul>{items}</ul></div>"

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Text and HTML always; in a Jupyter kernel also the DiffView widget.

        Front ends without the widget manager (nbconvert, GitHub) show the HTML.
        """
        from ipyartifacts._display import diff_mimebundle

        return diff_mimebundle(self)


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_ABSENT = object()


def metadata_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[MetadataChange]:
    """Differences between two metadata dicts; nested dicts are walked with dotted keys."""
    out: list[MetadataChange] = []

    def walk(a: Any, b: Any, prefix: str) -> None:
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            for k in sorted(set(a) | set(b)):
                walk(a.get(k, _ABSENT), b.get(k, _ABSENT), f"{prefix}.{k}" if prefix else k)
            return
        if a is _ABSENT:
            out.append(MetadataChange(prefix, None, b, "added"))
        elif b is _ABSENT:
            out.append(MetadataChange(prefix, a, None, "removed"))
        elif not _same(a, b):
            out.append(MetadataChange(prefix, a, b, "changed"))

    walk(old, new, "")
    return out


def _same(a: Any, b: Any) -> bool:
    from ipyartifacts.core.metadata_filter import json_equal

    return json_equal(a, b)


def _local_file(client: Client, entry: ManifestEntry) -> Path:
    """A local path holding an entry's bytes: the blob itself, or a cached copy."""
    local = client.local_blob_path(entry.digest)
    if local is not None:
        return local

    def fetch(dest: Path) -> None:
        import shutil

        with client.open_blob(entry.digest) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)

    return client.cache.get_or_fetch(entry.digest, fetch, digest=entry.digest)


@dataclass(frozen=True)
class DiffSide:
    """One logged version, as the diff needs it (the public layer builds these)."""

    qualified_name: str
    client: Client
    manifest: Manifest
    metadata: Mapping[str, Any]
    description: str | None = None


def diff_versions(
    a: DiffSide,
    b: DiffSide,
    key: str | None = None,
    memory_budget: int | None = None,
) -> ArtifactDiff:
    """Compare two logged versions (files by digest, metadata, and modified tables).

    ``memory_budget`` (bytes) bounds a table diff's working set; default 256 MiB.
    """
    import tempfile

    from ipyartifacts.core.tablediff import DEFAULT_MEMORY_BUDGET, diff_tables, table_format

    client_a, client_b = a.client, b.client
    old, new = a.manifest, b.manifest
    added: list[FileChange] = []
    removed: list[FileChange] = []
    modified: list[FileChange] = []
    unchanged = 0
    for entry in old:
        if entry.path not in new:
            removed.append(FileChange(entry.path, entry.size, None, entry.digest, None))
            continue
        other = new[entry.path]
        if other.digest != entry.digest:
            modified.append(
                FileChange(entry.path, entry.size, other.size, entry.digest, other.digest)
            )
        else:
            unchanged += 1
    for entry in new:
        if entry.path not in old:
            added.append(FileChange(entry.path, None, entry.size, None, entry.digest))
    tables: list[TableDiff] = []
    table_files = [m for m in modified if table_format(m.path) is not None]
    if table_files:
        spill_root = getattr(client_b.blobs, "tmp", None)
        with tempfile.TemporaryDirectory(prefix="diff-", dir=spill_root) as tmp:
            for change in table_files:
                old_entry, new_entry = old[change.path], new[change.path]
                fmt = table_format(change.path)
                assert fmt is not None
                if old_entry.ref is not None or new_entry.ref is not None:
                    continue  # references are not fetched just to diff them
                tables.append(
                    diff_tables(
                        _local_file(client_a, old_entry),
                        _local_file(client_b, new_entry),
                        path=change.path,
                        fmt=fmt,
                        key=key,
                        tmpdir=Path(tmp),
                        memory_budget=memory_budget or DEFAULT_MEMORY_BUDGET,
                    )
                )
    return ArtifactDiff(
        a=a.qualified_name,
        b=b.qualified_name,
        added=tuple(added),
        removed=tuple(removed),
        modified=tuple(modified),
        unchanged=unchanged,
        metadata_changes=tuple(metadata_changes(a.metadata, b.metadata)),
        tables=tuple(tables),
        key=key,
        description_change=None
        if (a.description or None) == (b.description or None)
        else DescriptionChange(a.description, b.description),
    )
