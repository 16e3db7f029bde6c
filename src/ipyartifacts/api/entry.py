"""``ArtifactManifestEntry``: one file of an artifact, with its own ``download()`` (W&B's)."""

from __future__ import annotations

import os
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipyartifacts.core import download as _download
from ipyartifacts.store.manifest import ManifestEntry

if TYPE_CHECKING:
    from ipyartifacts.api.artifact import Artifact

__all__ = ["ARTIFACT_SCHEME", "ArtifactManifestEntry"]

#: W&B's scheme for a reference to another artifact's file: ``wandb-artifact://<id>/<path>``.
ARTIFACT_SCHEME = "wandb-artifact"


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
    skip_cache = False  # every download is verified; there is no separate cache to skip

    @property
    def name(self) -> str:
        """The logical path (W&B's name for ``path``)."""
        return self._entry.path

    @property
    def birth_artifact_id(self) -> str | None:
        """Id of the version this entry belongs to (None while the artifact is a draft).

        Content is addressed by digest and never re-uploaded, so the version that holds
        the entry is where it was born as far as this entry object knows.
        """
        record = self._artifact._record
        return record.id if record is not None else None

    @property
    def local_path(self) -> str | None:
        """The local file this entry's bytes are stored in, when they are on this machine."""
        client = self._artifact._client
        if client is None or self._entry.ref is not None:
            return None
        found = client.local_blob_path(self._entry.digest)
        return str(found) if found is not None and found.exists() else None

    def digest_algorithm(self) -> str:
        """``"BLAKE3"`` for stored files (W&B: MD5)."""
        return "BLAKE3"

    def parent_artifact(self) -> Artifact:
        """The artifact this entry belongs to."""
        return self._artifact

    def ref_target(self) -> str:
        """The URI this reference entry points at; ValueError for a stored file (as W&B)."""
        if self._entry.ref is None:
            raise ValueError(
                f"{self.path!r} is a stored file, not a reference: only reference entries "
                "support ref_target(). Use download() to get its bytes."
            )
        return self._entry.ref

    def ref_url(self) -> str:
        """``wandb-artifact://<version id>/<path>``: pass it to another draft's add_reference.

        Examples
        --------
        >>> url = source.get_entry("file.txt").ref_url()   # doctest: +SKIP
        >>> derived.add_reference(url)                      # doctest: +SKIP
        """
        _client, record = self._artifact._require_logged("make a reference URL to an entry")
        return f"{ARTIFACT_SCHEME}://{record.id}/{self.path}"

    def to_json(self) -> dict[str, Any]:
        """The entry as a dict (W&B's names; None fields left out)."""
        data: dict[str, Any] = {"path": self.path, "digest": self.digest, "size": self.size}
        if self.ref is not None:
            data["ref"] = self.ref
        if self._entry.extra:
            data["extra"] = dict(self._entry.extra)
        if self.birth_artifact_id is not None:
            data["birth_artifact_id"] = self.birth_artifact_id
        return data

    def __repr__(self) -> str:
        return f"<ArtifactManifestEntry {self.path!r} {self.size} bytes>"

    def download(
        self,
        root: str | os.PathLike[str] | None = None,
        skip_cache: bool | None = None,
        executor: Executor | None = None,
    ) -> str:
        """Download this one file; return its local path.

        Examples
        --------
        >>> path = artifact.get_entry("train.csv").download()  # doctest: +SKIP
        """
        del skip_cache, executor  # every download is verified; one file needs no pool
        art = self._artifact
        client, _record = art._require_logged("download an entry")
        target = Path(root) if root is not None else art._default_root()
        _download.place_entries(client, [self._entry], target)
        return str(target / self._entry.path)
