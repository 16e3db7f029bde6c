"""Reference entries: files recorded by URI, fetched and checked on download."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ._manifest import ManifestEntry
from .errors import ArtifactStateError

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["fetch_reference"]


def fetch_reference(client: Client, entry: ManifestEntry, dest: Path) -> None:
    """Fetch a reference entry's target into ``dest`` after checking it still matches."""
    raise ArtifactStateError(f"Downloading reference {entry.ref!r} is not supported yet.")
