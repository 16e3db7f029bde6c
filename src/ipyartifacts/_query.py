"""Queries over the catalog: metadata filters, collections, types, and paged file lists.

Metadata filters
----------------
``Api().artifacts(..., metadata=...)`` takes a dict; every condition must hold::

    {"split": "train"}                          # equal (JSON equality: 1 == 1.0, True != 1)
    {"accuracy": {">=": 0.9}}                   # ==  !=  <  <=  >  >=
    {"accuracy": {">": 0.8, "<": 0.95}}         # several operators: all must hold
    {"split": {"in": ["train", "val"]}}         # one of
    {"notes": {"exists": False}}                # key present / absent
    {"eval.f1": {">": 0.5}}                     # dotted keys reach into nested dicts

A dict whose keys are all operators is a condition; any other dict is a value compared
for equality. Ordering operators compare numbers with numbers and strings with strings;
a version whose value has another type (or lacks the key) does not match. The SQL query
narrows by project, collection, type, tags and liveness; metadata conditions are then
checked in Python, exactly, on versions streamed in batches.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, overload

from ._manifest import ManifestEntry
from .errors import InvalidMetadataError

if TYPE_CHECKING:
    from ._artifact import Artifact, ArtifactManifestEntry
    from ._client import Client
    from ._records import CollectionRecord

__all__ = [
    "ArtifactCollection",
    "ArtifactFiles",
    "ArtifactType",
    "MetadataFilter",
    "compile_metadata_filter",
]

_MISSING = object()
_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
OPERATORS = frozenset({"==", "!=", "in", "exists", *_ORDERING})


def _lookup(metadata: Mapping[str, Any], key: str) -> Any:
    if key in metadata:
        return metadata[key]
    value: Any = metadata
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON sees it: numbers by value, booleans apart from numbers."""
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def _comparable(a: Any, b: Any) -> bool:
    return (_is_number(a) and _is_number(b)) or (isinstance(a, str) and isinstance(b, str))


@dataclass(frozen=True)
class _Condition:
    key: str
    op: str
    value: Any

    def holds(self, metadata: Mapping[str, Any]) -> bool:
        found = _lookup(metadata, self.key)
        if self.op == "exists":
            return (found is not _MISSING) is bool(self.value)
        if found is _MISSING:
            return False
        if self.op == "==":
            return json_equal(found, self.value)
        if self.op == "!=":
            return not json_equal(found, self.value)
        if self.op == "in":
            return any(json_equal(found, v) for v in self.value)
        return _comparable(found, self.value) and _ORDERING[self.op](found, self.value)


@dataclass(frozen=True)
class MetadataFilter:
    """A compiled metadata filter: ``matches(metadata)`` is True when every condition holds."""

    conditions: tuple[_Condition, ...]

    def matches(self, metadata: Mapping[str, Any]) -> bool:
        return all(c.holds(metadata) for c in self.conditions)

    def required_texts(self) -> list[str]:
        """Texts the stored (canonical, compact) metadata JSON must contain to match.

        Only for equality with a string, boolean or null at a top-level key without dots:
        its ``"key":value`` pair then appears verbatim. Numbers are left out (``1`` and
        ``1.0`` are equal but print differently). A SQL LIKE on these narrows the
        candidates; :meth:`matches` still decides.
        """
        from ._names import dumps

        texts = []
        for c in self.conditions:
            if c.op == "==" and "." not in c.key and isinstance(c.value, (str, bool, type(None))):
                texts.append(f"{dumps(c.key)}:{dumps(c.value)}")
        return texts


def _is_operator_dict(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and all(k in OPERATORS for k in value)


def compile_metadata_filter(spec: Mapping[str, Any]) -> MetadataFilter:
    """Check a metadata filter (syntax in this module's docstring) and compile it.

    Raises InvalidMetadataError for an unknown operator or an operand of the wrong kind.

    Examples
    --------
    >>> f = compile_metadata_filter({"split": "train", "acc": {">=": 0.9}})
    >>> f.matches({"split": "train", "acc": 0.93}), f.matches({"split": "train", "acc": "high"})
    (True, False)
    """
    if not isinstance(spec, Mapping):
        raise InvalidMetadataError(
            f"A metadata filter is a dict like {{'split': 'train', 'acc': {{'>=': 0.9}}}}, "
            f"got {type(spec).__name__}."
        )
    conditions: list[_Condition] = []
    for key, value in spec.items():
        if not isinstance(key, str) or not key:
            raise InvalidMetadataError(f"Metadata filter keys must be non-empty strings: {key!r}.")
        if not _is_operator_dict(value):
            if isinstance(value, Mapping) and any(
                isinstance(k, str) and k[:1] in "<>=!" for k in value
            ):
                bad = [k for k in value if k not in OPERATORS]
                raise InvalidMetadataError(
                    f"Unknown operator {bad[0]!r} in the metadata filter for {key!r}; use "
                    f"{', '.join(sorted(OPERATORS))}.",
                    key=key,
                )
            conditions.append(_Condition(key, "==", value))
            continue
        for op, operand in value.items():
            if op in _ORDERING and not (_is_number(operand) or isinstance(operand, str)):
                raise InvalidMetadataError(
                    f"Operator {op!r} for {key!r} compares numbers or strings, got {operand!r}.",
                    key=key,
                )
            if op in _ORDERING and _is_number(operand) and not math.isfinite(operand):
                raise InvalidMetadataError(
                    f"Operator {op!r} for {key!r} needs a finite number, got {operand!r}.",
                    key=key,
                )
            if op == "in" and (
                isinstance(operand, (str, bytes, Mapping)) or not isinstance(operand, Sequence)
            ):
                raise InvalidMetadataError(
                    f"Operator 'in' for {key!r} takes a list of values, got {operand!r}.",
                    key=key,
                )
            if op == "exists" and not isinstance(operand, bool):
                raise InvalidMetadataError(
                    f"Operator 'exists' for {key!r} takes True or False, got {operand!r}.",
                    key=key,
                )
            conditions.append(_Condition(key, op, operand))
    return MetadataFilter(tuple(conditions))


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
        from .widgets._display import mimebundle

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
    from .errors import ArtifactNotFoundError, ArtifactTypeMismatchError

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
    from ._artifact import Artifact

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
        from ._artifact import ArtifactManifestEntry

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
