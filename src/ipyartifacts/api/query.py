"""Queries over the catalog: collections, types, and paged file lists.

Metadata filters (``Api().artifacts(..., metadata=...)``) are compiled by
:mod:`ipyartifacts.core.metadata_filter`, whose docstring gives their syntax.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, overload

from ipyartifacts.core.metadata_filter import MetadataFilter, compile_metadata_filter
from ipyartifacts.store.manifest import ManifestEntry

if TYPE_CHECKING:
    from ipyartifacts.api.artifact import Artifact, ArtifactManifestEntry
    from ipyartifacts.core.client import Client
    from ipyartifacts.store.records import CollectionRecord

__all__ = [
    "ArtifactCollection",
    "ArtifactFiles",
    "ArtifactType",
    "MetadataFilter",
    "compile_metadata_filter",
]


# -- collections and types ---------------------------------------------------------


class ArtifactCollection:
    """All versions under one name (W&B's ``ArtifactCollection``).

    Examples
    --------
    >>> coll = Api().artifact_collection("dataset", "vision/mnist")   # doctest: +SKIP
    >>> [a.version for a in coll.versions()]                           # doctest: +SKIP
    ['v3', 'v2', 'v0']
    """

    def __init__(self, client: Client, record: CollectionRecord) -> None:
        self._client = client
        self._record = record

    name = property(lambda self: self._record.name, doc="The collection's name.")
    type = property(lambda self: self._record.type, doc="Artifact type of every version.")
    project = property(lambda self: self._record.project, doc="Project it belongs to.")
    description = property(lambda self: self._record.description, doc="Collection description.")

    @property
    def created_at(self) -> datetime:
        return self._record.created_at

    @property
    def version_count(self) -> int:
        """Live versions (deleted and expired ones are not counted)."""
        return self._record.version_count

    @property
    def latest_version(self) -> str | None:
        """``"vN"`` of the newest live version, or None."""
        n = self._record.latest_number
        return None if n is None else f"v{n}"

    @property
    def aliases(self) -> list[str]:
        """Custom aliases set on live versions of this collection (plus ``latest``)."""
        found: set[str] = set()
        for art in self.versions():
            found.update(art.aliases)
        return sorted(found)

    def versions(
        self, tags: str | Sequence[str] | None = None, metadata: Mapping[str, Any] | None = None
    ) -> list[Artifact]:
        """Live versions, newest first (filters as in :meth:`Api.artifacts`)."""
        return query_versions(
            self._client, self.project, name=self.name, tags=tags, metadata=metadata
        )

    artifacts = versions

    def delete(self) -> int:
        """Delete every live version (and their aliases); return how many were deleted.

        The collection then no longer appears in queries; version numbers are still never
        reused if the name is logged again. :func:`ipyartifacts.gc` reclaims the blobs.
        """
        versions = self.versions()
        for art in versions:
            art.delete(delete_aliases=True)
        return len(versions)

    def __len__(self) -> int:
        return self.version_count

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Notebook display: a widget in a live kernel, escaped HTML and text everywhere."""
        from ipyartifacts._display import mimebundle

        return mimebundle(self, include=include, exclude=exclude)

    def __repr__(self) -> str:
        return (
            f"<ArtifactCollection {self.project}/{self.name} type={self.type!r} "
            f"versions={self.version_count}>"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArtifactCollection) and (
            other.project,
            other.name,
        ) == (self.project, self.name)

    def __hash__(self) -> int:
        return hash((self.project, self.name))


class ArtifactType:
    """One artifact type in a project (W&B's ``ArtifactType``)."""

    def __init__(self, client: Client, project: str, name: str) -> None:
        self._client = client
        self.project = project
        self.name = name

    def collections(self) -> list[ArtifactCollection]:
        """Collections of this type, by name."""
        return [
            ArtifactCollection(self._client, r)
            for r in self._client.catalog.list_collections(self.project, self.name)
        ]

    def collection(self, name: str) -> ArtifactCollection:
        """The collection ``name`` of this type."""
        return find_collection(self._client, self.project, name, self.name)

    def __repr__(self) -> str:
        return f"<ArtifactType {self.project}/{self.name}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArtifactType) and (other.project, other.name) == (
            self.project,
            self.name,
        )

    def __hash__(self) -> int:
        return hash((self.project, self.name))


def find_collection(
    client: Client, project: str, name: str, type_name: str | None
) -> ArtifactCollection:
    from ipyartifacts.errors import ArtifactNotFoundError, ArtifactTypeMismatchError

    for record in client.catalog.list_collections(project):
        if record.name != name:
            continue
        if type_name is not None and record.type != type_name:
            raise ArtifactTypeMismatchError(
                f"Collection {project}/{name} has type {record.type!r}, not {type_name!r}.",
                expected=record.type,
                received=type_name,
            )
        return ArtifactCollection(client, record)
    raise ArtifactNotFoundError(f"No artifact named {name!r} in project {project!r}.", name=name)


def query_versions(
    client: Client,
    project: str,
    *,
    name: str | None = None,
    type_name: str | None = None,
    tags: str | Sequence[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> list[Artifact]:
    """Live versions matching every filter, newest first."""
    from ipyartifacts.api.artifact import Artifact

    wanted = compile_metadata_filter(metadata) if metadata else None
    tag_list = [tags] if isinstance(tags, str) else list(tags or [])
    records = client.catalog.iter_versions(
        project,
        name=name,
        type=type_name,
        tags=tag_list,
        metadata_contains=wanted.required_texts() if wanted is not None else (),
    )
    return [
        Artifact._from_record(client, r)
        for r in records
        if wanted is None or wanted.matches(r.metadata)
    ]


# -- paged file lists ----------------------------------------------------------------


class ArtifactFiles(Sequence["ArtifactManifestEntry"]):
    """The files of an artifact, in path order, served a page at a time.

    A sequence (``len``, indexing, slicing, iteration) over entries; ``page(i)`` and
    ``pages()`` hand out ``per_page`` entries at a time, so a 100,000-file version can
    be listed without building 100,000 entry objects at once.

    Examples
    --------
    >>> files = artifact.files(per_page=1000)      # doctest: +SKIP
    >>> len(files), files.page_count               # doctest: +SKIP
    (120000, 120)
    >>> for page in files.pages(): ...             # doctest: +SKIP
    """

    def __init__(self, artifact: Artifact, entries: Sequence[ManifestEntry], per_page: int) -> None:
        if not isinstance(per_page, int) or isinstance(per_page, bool) or per_page < 1:
            raise ValueError(f"per_page must be a positive integer, got {per_page!r}.")
        self._artifact = artifact
        self._entries = entries
        self.per_page = per_page

    def _wrap(self, entry: ManifestEntry) -> ArtifactManifestEntry:
        from ipyartifacts.api.artifact import ArtifactManifestEntry

        return ArtifactManifestEntry(self._artifact, entry)

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> ArtifactManifestEntry: ...

    @overload
    def __getitem__(self, index: slice) -> list[ArtifactManifestEntry]: ...

    def __getitem__(
        self, index: int | slice
    ) -> ArtifactManifestEntry | list[ArtifactManifestEntry]:
        if isinstance(index, slice):
            return [self._wrap(e) for e in self._entries[index]]
        return self._wrap(self._entries[index])

    def __iter__(self) -> Iterator[ArtifactManifestEntry]:
        for entry in self._entries:
            yield self._wrap(entry)

    @property
    def page_count(self) -> int:
        return -(-len(self._entries) // self.per_page)

    def page(self, index: int) -> list[ArtifactManifestEntry]:
        """Page ``index`` (from 0): at most ``per_page`` entries; IndexError past the end."""
        if not 0 <= index < max(self.page_count, 1):
            raise IndexError(f"page {index} is out of range: there are {self.page_count} pages.")
        start = index * self.per_page
        return self[start : start + self.per_page]

    def pages(self) -> Iterator[list[ArtifactManifestEntry]]:
        """Every page in order."""
        for index in range(self.page_count):
            yield self.page(index)

    def __repr__(self) -> str:
        return f"<ArtifactFiles {len(self)} files, {self.page_count} pages of {self.per_page}>"
