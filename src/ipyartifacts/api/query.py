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
from ipyartifacts.store.names import validate_name, validate_tag

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
        self._edits: dict[str, Any] = {}

    project = property(lambda self: self._record.project, doc="Project it belongs to.")

    def _field(self, key: str) -> Any:
        if key in self._edits:
            return self._edits[key]
        value = getattr(self._record, key)
        return list(value) if key == "tags" else value

    @property
    def name(self) -> str:
        """The collection's name; assign then :meth:`save` to rename it."""
        return str(self._field("name"))

    @name.setter
    def name(self, value: str) -> None:
        self._edits["name"] = validate_name(value)

    @property
    def type(self) -> str:
        """Artifact type of every version; assign then :meth:`save` to change it."""
        return str(self._field("type"))

    @type.setter
    def type(self, value: str) -> None:
        self._edits["type"] = validate_name(value, "artifact type")

    @property
    def description(self) -> str | None:
        """Collection description; assign then :meth:`save`."""
        value = self._field("description")
        return None if value is None else str(value)

    @description.setter
    def description(self, value: str | None) -> None:
        if value is not None and not isinstance(value, str):
            raise TypeError(f"description must be a string or None, got {type(value).__name__}.")
        self._edits["description"] = value

    @property
    def tags(self) -> list[str]:
        """Tags of the collection itself (not of its versions); assign then :meth:`save`."""
        return list(self._field("tags"))

    @tags.setter
    def tags(self, value: Any) -> None:
        values = [value] if isinstance(value, str) else list(value)
        self._edits["tags"] = list(dict.fromkeys(validate_tag(t) for t in values))

    def save(self) -> None:
        """Persist edits of ``name``, ``description``, ``type`` and ``tags``.

        Renaming to a name the project already uses raises InvalidNameError and saves
        nothing. Examples::

            coll = api.artifact_collection("dataset", "mnist")
            coll.description = "MNIST, 28x28"; coll.tags = ["vision"]; coll.save()
        """
        if not self._edits:
            return
        self._client.catalog.update_collection(
            self.id_number,
            name=self.name,
            description=self.description,
            type=self.type,
            tags=self.tags,
        )
        self._record = find_collection(self._client, self.project, self.name, None)._record
        self._edits = {}

    def change_type(self, new_type: str) -> None:
        """W&B's older way: set ``type`` and save at once."""
        self.type = new_type
        self.save()

    def load(self, entity: str, project: str, type_: str, name: str) -> ArtifactCollection:
        """Read the collection ``project/name`` (of ``type_``) again; return it."""
        del entity
        fresh = find_collection(self._client, project, name, type_)
        self._record = fresh._record
        self._edits = {}
        return self

    def is_sequence(self) -> bool:
        """True: every collection here is a sequence of versions (no portfolios)."""
        return True

    @property
    def id_number(self) -> int:
        if self._record.id is None:
            raise ValueError(f"Collection {self.project}/{self._record.name} has no id.")
        return self._record.id

    @property
    def id(self) -> str:
        """The collection's id in the catalog (a string, as W&B's)."""
        return str(self.id_number)

    @property
    def entity(self) -> str:
        """``$IPYARTIFACTS_ENTITY``, else the OS user (a local store has no entities)."""
        from ipyartifacts.api.artifact_members import default_entity

        return default_entity()

    @property
    def project_id(self) -> str:
        """The project's name: a local store's projects are named, not numbered."""
        return str(self.project)

    @property
    def project_internal_id(self) -> str | None:
        return str(self.project)

    @property
    def created_at(self) -> str:
        """When the collection was created: an ISO-8601 UTC string (W&B's type)."""
        from ipyartifacts.api.artifact_members import wandb_time

        return wandb_time(self._record.created_at)

    @property
    def created_datetime(self) -> datetime:
        return self._record.created_at

    @property
    def updated_at(self) -> str | None:
        """When the collection itself was last saved (None: never edited)."""
        from ipyartifacts.api.artifact_members import wandb_time

        at = self._record.updated_at
        return None if at is None else wandb_time(at)

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

    def artifacts(self, per_page: int = 50, start: str | None = None) -> list[Artifact]:
        """W&B's name: live versions, newest first."""
        del per_page, start
        return self.versions()

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
        self._project = project
        self._name = name

    project = property(lambda self: self._project, doc="The project the type is used in.")
    name = property(lambda self: self._name, doc="The type's name (``dataset``, ``model`` ...).")

    @property
    def id(self) -> str:
        """``"project/type"``: types are named, not numbered, here."""
        return f"{self.project}/{self.name}"

    def load(self) -> ArtifactType:
        """Nothing to fetch (W&B reads the type from its server); returns self."""
        return self

    def collections(
        self,
        filters: Mapping[str, Any] | None = None,
        order: str | None = None,
        per_page: int = 50,
        start: str | None = None,
    ) -> list[ArtifactCollection]:
        """Collections of this type, by name (``filters={"name": ...}`` narrows them)."""
        del order, per_page, start
        wanted = dict(filters or {})
        return [
            c
            for c in self._collections()
            if all(getattr(c, k, None) == v for k, v in wanted.items())
        ]

    def _collections(self) -> list[ArtifactCollection]:
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
