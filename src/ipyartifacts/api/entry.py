"""``ArtifactManifestEntry``: one file of an artifact, with its own ``download()`` (W&B's)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ipyartifacts.core import download as _download
from ipyartifacts.store.manifest import ManifestEntry

if TYPE_CHECKING:
    from ipyartifacts.api.artifact import Artifact

__all__ = ["ArtifactManifestEntry"]


class ArtifactManifestEntry:
    """One file of an artifact, with a ``download()`` of its own (W&B's entry object)."""

    def __init__(self, artifact: Artifact, entry: ManifestEntry) -> None:
        self._artifact = artifact
        self._entry = entry

    path = property(lambda self: self._entry.path, doc="Logical path inside the artifact.")
    digest = property(lambda self: self._entry.digest, doc="BLAKE3 digest of the bytes.")
    size = property(lambda self: self._entry.size, doc="Size in bytes.")
    ref = property(lambda self: self._entry.ref, doc="Reference URI, or None for stored files.")
    extra = property(lambda self: dict(self._entry.extra), doc="Extra facts (ETag ...).")

    def __repr__(self) -> str:
        return f"<ArtifactManifestEntry {self.path!r} {self.size} bytes>"

    def download(self, root: str | os.PathLike[str] | None = None, skip_cache: bool = False) -> str:
        """Download this one file; return its local path.

        Examples
        --------
        >>> path = artifact.get_entry("train.csv").download()  # doctest: +SKIP
        """
        del skip_cache  # every download is verified; there is no separate cache to skip
        art = self._artifact
        client, _record = art._require_logged("download an entry")
        target = Path(root) if root is not None else art._default_root()
        _download.place_entries(client, [self._entry], target)
        return str(target / self._entry.path)
