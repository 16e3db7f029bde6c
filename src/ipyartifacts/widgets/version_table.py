"""VersionTable: the versions of a collection as a version list.

The browser shows one row per version: the version, aliases and tags as chips, the size, when
it was created ("3 h ago", the exact local time on hover), the run that created it, the
description, and the metadata keys the reader picks as columns. Rows are paged from Python
(sortable, so 10,000 versions stay fast); the generic typed grid stays for tables
(TablePreview).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import traitlets

from ipyartifacts.widgets._static import static_file
from ipyartifacts.widgets._table_source import MemorySource
from ipyartifacts.widgets._table_widget import TableWidget

if TYPE_CHECKING:
    import pyarrow as pa

    from ipyartifacts import Api, Artifact

#: Metadata keys shown as columns (the most common ones, when versions have more).
MAX_METADATA_COLUMNS = 30
_NUMBER = "_ipa_number"


def _metadata_column(values: list[Any]) -> pa.Array:
    """One metadata key across versions, typed when the values agree, else JSON text."""
    import pyarrow as pa

    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pa.array(values, pa.bool_())
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        try:
            return pa.array(values, pa.int64())
        except (OverflowError, pa.ArrowInvalid):
            pass
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    if all(isinstance(v, str) for v in present):
        return pa.array(values, pa.string())
    return pa.array(
        [None if v is None else json.dumps(v, sort_keys=True, default=str) for v in values],
        pa.string(),
    )


def _created_by(artifact: Artifact) -> str | None:
    """The id of the run that logged a version (on its catalog record; no query)."""
    record = getattr(artifact, "_record", None)
    created_by = getattr(record, "created_by", None)
    return created_by if isinstance(created_by, str) else None


def _run_names(versions: Sequence[Artifact]) -> dict[str, str]:
    """Run id -> name for the versions' projects: one query per project, not one per version."""
    from ipyartifacts import Api, ArtifactError

    names: dict[str, str] = {}
    projects = {
        (str(client.root), v.project)
        for v in versions
        if (client := getattr(v, "_client", None)) is not None
    }
    for store, project in sorted(projects):
        try:
            names.update((run.id, run.name) for run in Api(store=store).runs(project))
        except ArtifactError:
            continue  # names are a nicety: the grid falls back to run ids
    return names


def versions_table(versions: Sequence[Artifact]) -> pa.Table:
    """Build the grid's table: one row per version, metadata keys as extra columns.

    Parameters
    ----------
    versions
        Logged artifact versions (typically ``Api().artifacts(type, name)``).

    Returns
    -------
    pyarrow.Table
        Columns ``version, aliases, tags, size, files, created, run`` (the creating run's
        name), ``description``, then ``metadata.<key>`` columns, plus a hidden version
        number used for sorting.
    """
    import pyarrow as pa

    names = _run_names(versions)
    keys = Counter(key for v in versions for key in v.metadata)
    meta_keys = sorted(k for k, _ in keys.most_common(MAX_METADATA_COLUMNS))
    bytes_field = pa.field("size", pa.int64(), metadata={"ipa.format": "bytes"})
    columns: dict[str, pa.Array] = {
        "version": pa.array([v.version for v in versions], pa.string()),
        "aliases": pa.array([", ".join(v.aliases) for v in versions], pa.string()),
        "tags": pa.array([", ".join(v.tags) for v in versions], pa.string()),
        "size": pa.array([v.size for v in versions], pa.int64()),
        "files": pa.array([v.file_count for v in versions], pa.int64()),
        "created": pa.array([v.created_datetime for v in versions], pa.timestamp("s", tz="UTC")),
        "run": pa.array(
            [names.get(run_id, run_id) if (run_id := _created_by(v)) else None for v in versions],
            pa.string(),
        ),
        "description": pa.array([v.description for v in versions], pa.string()),
    }
    for key in meta_keys:
        columns[f"metadata.{key}"] = _metadata_column([v.metadata.get(key) for v in versions])
    columns[_NUMBER] = pa.array([int(v.version[1:]) for v in versions], pa.int64())
    fields = [
        bytes_field if name == "size" else pa.field(name, array.type)
        for name, array in columns.items()
    ]
    return pa.Table.from_arrays(list(columns.values()), schema=pa.schema(fields))


class VersionTable(TableWidget):
    """The versions of one collection as a list; click a row to pick a version.

    Aliases and tags show as chips, sizes in decimal units (kB, MB, GB, as everywhere in
    ipyartifacts), creation as "3 h ago" with the exact local time on hover, and the run
    that created each version. Sort by version, size, created, run or a metadata column;
    pick metadata columns with "Metadata columns…" (or ``metadata_columns``); move the
    selection with the arrow keys (Escape clears it). Rows are paged, so 10,000 versions
    stay fast.

    Parameters
    ----------
    collection
        ``"[project/]name"`` of a collection, or a sequence of logged versions.
    api
        The :class:`ipyartifacts.Api` to query (default: ``Api()`` on the current store).
    height
        Maximum height of the grid in pixels.

    Attributes
    ----------
    selected : str or None
        The selected version (``"v3"``); synced with the browser both ways.
    metadata_columns : list of str or None
        Metadata keys shown as columns (None: the first three); synced both ways.

    Examples
    --------
    >>> from ipyartifacts.widgets import VersionTable        # doctest: +SKIP
    >>> table = VersionTable("my-project/mnist")              # doctest: +SKIP
    >>> table.selected_artifact                               # doctest: +SKIP
    """

    _esm = static_file("version_table.js")
    _css = static_file("version_table.css")

    key_column = traitlets.Unicode("version").tag(sync=True)
    selected = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    #: Metadata keys shown as columns (None: the first three); the picker in the browser sets it.
    metadata_columns = traitlets.List(traitlets.Unicode(), None, allow_none=True).tag(sync=True)

    def __init__(
        self,
        collection: str | Sequence[Artifact],
        *,
        api: Api | None = None,
        height: int = 380,
        **kwargs: Any,
    ) -> None:
        if isinstance(collection, str):
            from ipyartifacts import Api

            versions = list((api or Api()).artifacts(None, collection))
            title = collection
        else:
            versions = list(collection)
            title = versions[0].collection_name if versions else "versions"
        self._versions = {v.version: v for v in versions}
        source = MemorySource(versions_table(versions))
        source.hidden_columns = frozenset({_NUMBER})
        source.sort_aliases = {"version": _NUMBER}
        super().__init__(source, title=title, height=height, **kwargs)

    @property
    def metadata_keys(self) -> list[str]:
        """Every metadata key that has a column (the picker's choices)."""
        return [
            c["name"][len("metadata.") :] for c in self.columns if c["name"].startswith("metadata.")
        ]

    @traitlets.validate("metadata_columns")
    def _check_metadata_columns(self, proposal: dict[str, Any]) -> list[str] | None:
        value = proposal["value"]
        if value is None:
            return None
        keys = self.metadata_keys
        unknown = [k for k in value if k not in keys]
        if unknown:
            raise traitlets.TraitError(
                f"no metadata column {unknown[0]!r}; the versions have {keys[:10]}"
            )
        return list(value)

    @traitlets.validate("selected")
    def _check_selected(self, proposal: dict[str, Any]) -> str | None:
        value = proposal["value"]
        if value is not None and value not in self._versions:
            raise traitlets.TraitError(
                f"no version {value!r} in this table; versions are e.g. {list(self._versions)[:5]}"
            )
        return value  # type: ignore[no-any-return]

    @property
    def versions(self) -> list[Artifact]:
        """The versions shown, newest first."""
        return list(self._versions.values())

    @property
    def selected_artifact(self) -> Artifact | None:
        """The selected version as an :class:`~ipyartifacts.Artifact`, or ``None``."""
        return self._versions.get(self.selected) if self.selected else None
