"""Plain values the catalog hands to the API layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["RunRecord", "VersionRecord"]


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
