"""Plain values the catalog hands to the API layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "AliasMove",
    "CollectionRecord",
    "LinkRecord",
    "RegistryCollectionRecord",
    "RegistryRecord",
    "RunRecord",
    "VersionEdit",
    "VersionRecord",
]


@dataclass(frozen=True)
class VersionRecord:
    """One committed artifact version, as stored in the catalog."""

    id: str
    project: str
    name: str  # collection name
    type: str
    number: int
    digest: str
    manifest_digest: str
    size: int
    file_count: int
    description: str | None
    metadata: dict[str, Any] = field(hash=False)
    created_at: datetime
    created_by: str | None
    expires_at: datetime | None
    aliases: tuple[str, ...]  # custom aliases, plus "latest" when it is the newest
    tags: tuple[str, ...]
    collection_description: str | None = None
    state: str = "committed"  # "committed" | "deleted" (expiry is read from expires_at)

    @property
    def version(self) -> str:
        return f"v{self.number}"


@dataclass(frozen=True)
class RunRecord:
    """One run, as stored in the catalog."""

    id: str
    project: str
    name: str
    job_type: str | None
    config: dict[str, Any] = field(hash=False)
    notes: str | None
    tags: tuple[str, ...]
    host: str | None
    provenance: dict[str, Any] = field(hash=False)
    state: str
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class VersionEdit:
    """One recorded edit of a logged version (its content never changes, so these are all)."""

    field: str  # "description" | "metadata" | "alias" | "tag" | "expires_at" | "state"
    old: str | None  # JSON text for metadata; ISO time for expires_at
    new: str | None
    run_id: str | None  # the run active when the edit was saved
    actor: str | None  # "user@host" of the process that saved it
    at: datetime

    @property
    def old_value(self) -> Any:
        """``old`` decoded: a dict for metadata, a datetime for expires_at, else the text."""
        return _decode(self.field, self.old)

    @property
    def new_value(self) -> Any:
        """``new`` decoded like :attr:`old_value`."""
        return _decode(self.field, self.new)


def _decode(field: str, text: str | None) -> Any:
    if text is None:
        return None
    if field == "metadata":
        import json

        return json.loads(text)
    if field == "expires_at":
        return datetime.fromisoformat(text)
    return text


@dataclass(frozen=True)
class CollectionRecord:
    """One artifact collection (a name with its versions), with live-version counts."""

    project: str
    name: str
    type: str
    description: str | None
    created_at: datetime
    version_count: int  # live versions
    latest_number: int | None  # newest live version, None when every version is gone
    id: int | None = None
    tags: tuple[str, ...] = ()
    updated_at: datetime | None = None  # last edit of the collection itself (None: never)


@dataclass(frozen=True)
class RegistryRecord:
    """One registry: a named space of collections whose versions link to logged versions."""

    id: str
    name: str  # without the ``wandb-registry-`` prefix
    description: str | None
    visibility: str  # "organization" | "restricted" (recorded; a local store has no accounts)
    allow_all_types: bool
    artifact_types: tuple[str, ...]  # accepted types when not allow_all_types (add-only)
    organization: str
    created_at: datetime
    updated_at: datetime | None
    builtin: bool  # "model" and "dataset" exist in every store and cannot be deleted
    protected_aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegistryCollectionRecord:
    """One collection of a registry, with its live-link counts."""

    id: int
    registry: str
    name: str
    type: str
    description: str | None
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime | None
    link_count: int  # links whose source version is live
    latest_number: int | None


@dataclass(frozen=True)
class LinkRecord:
    """One linked version: registry collection ``name:vN`` pointing at a source version."""

    id: str
    registry: str
    collection: str
    type: str
    number: int
    version_id: str  # the source version
    aliases: tuple[str, ...]  # the link's own aliases, plus "latest" when it is the newest
    created_at: datetime
    created_by: str | None  # run id active when linked
    actor: str | None  # "user@host"


@dataclass(frozen=True)
class AliasMove:
    """One recorded move of an alias inside a registry collection (None: set / removed)."""

    registry: str
    collection: str
    alias: str
    old_number: int | None
    new_number: int | None
    forced: bool
    run_id: str | None
    actor: str | None
    at: datetime
