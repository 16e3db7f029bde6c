"""W&B's remaining ``Artifact`` members: times as strings, entity, collection, url, ...

A mixin of :class:`~ipyartifacts.api.artifact.Artifact` (kept apart so that module stays
one concept: drafts, logging and reading). Each member follows the W&B SDK's name, type
and meaning; where a local store has nothing to say (no web app, no entities) the answer
is the honest local one, never a made-up value.
"""

from __future__ import annotations

import getpass
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ipyartifacts.errors import ArtifactStateError

if TYPE_CHECKING:
    from ipyartifacts.api.artifact import Artifact
    from ipyartifacts.api.entry import ArtifactManifestEntry
    from ipyartifacts.api.query import ArtifactCollection, ArtifactFiles
    from ipyartifacts.core.client import Client
    from ipyartifacts.store.manifest import Manifest
    from ipyartifacts.store.records import VersionRecord

__all__ = ["ArtifactMembers", "default_entity", "default_root", "version_dir_name", "wandb_time"]

#: Environment variable naming the entity reported by ``artifact.entity`` / ``run.entity``.
ENV_ENTITY = "IPYARTIFACTS_ENTITY"


def default_entity() -> str:
    """``$IPYARTIFACTS_ENTITY``, else the OS user name (W&B's default entity is the user)."""
    found = os.environ.get(ENV_ENTITY)
    if found:
        return found
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "local"


def wandb_time(value: datetime) -> str:
    """A UTC time as W&B hands it out: an ISO-8601 string, fixed width so strings sort."""
    return value.isoformat(timespec="microseconds")


def version_dir_name(name: str, number: int) -> str:
    """W&B's default download folder name: ``name:vN``, ``name-vN`` where ``:`` is not allowed."""
    return f"{name}{'-' if os.name == 'nt' else ':'}v{number}"


def default_root(name: str, number: int) -> Path:
    """W&B's default download folder: ``./artifacts/<name>:v<N>`` (see :func:`artifact_dir`)."""
    from ipyartifacts.store.config import artifact_dir

    return artifact_dir() / version_dir_name(name, number)


class ArtifactMembers:
    """Members W&B's docs use that are not about building or reading content."""

    _final: bool = False
    _distributed_id: str | None = None
    _incremental: bool = False
    _use_as: str | None = None
    _added_local_paths: dict[str, str]

    if TYPE_CHECKING:  # provided by Artifact
        _record: VersionRecord | None
        _client: Client | None
        _name: str
        _type: str

        def _require_logged(self, action: str) -> tuple[Client, VersionRecord]: ...
        def get_entry(self, name: str) -> ArtifactManifestEntry: ...
        @property
        def manifest(self) -> Manifest: ...
        @property
        def name(self) -> str: ...
        @property
        def project(self) -> str: ...
        @property
        def version(self) -> str: ...
        @property
        def description(self) -> str | None: ...
        @property
        def aliases(self) -> list[str]: ...
        @property
        def metadata(self) -> dict[str, Any]: ...

    # -- times: strings, as W&B returns them ------------------------------------------

    @property
    def created_at(self) -> str:
        """When this version was created: an ISO-8601 UTC string (W&B's type).

        Strings of this form compare and sort like the times they name; use
        :attr:`created_datetime` for a ``datetime``.
        """
        return wandb_time(self.created_datetime)

    @property
    def created_datetime(self) -> datetime:
        """When this version was created, as an aware UTC ``datetime``."""
        _client, record = self._require_logged("read created_at")
        return record.created_at

    @property
    def updated_at(self) -> str:
        """When this version was last edited (else created): an ISO-8601 UTC string."""
        return wandb_time(self.updated_datetime)

    @property
    def updated_datetime(self) -> datetime:
        """When this version was last edited (else created), as a ``datetime``."""
        client, record = self._require_logged("read updated_at")
        edits = client.catalog.edits_of(record.id)
        return max([record.created_at, *(e.at for e in edits)])

    # -- where it lives ---------------------------------------------------------------

    @property
    def entity(self) -> str:
        """The entity (W&B's user or team): ``$IPYARTIFACTS_ENTITY``, else the OS user.

        A local store has no entities; names that start with one are accepted anywhere
        and the entity is ignored.
        """
        self._require_logged("read the entity")
        return default_entity()

    @property
    def collection(self) -> ArtifactCollection:
        """The collection (all versions under this name) this version belongs to."""
        client, record = self._require_logged("read its collection")
        from ipyartifacts.api.query import find_collection

        return find_collection(client, record.project, record.name, None)

    @property
    def url(self) -> str | None:
        """A ``file://`` URI of the store holding this version, or None before it is logged.

        W&B returns the web app's page; a local store has no web app, so there is no
        fake web address here.
        """
        if self._record is None or self._client is None:
            return None
        from pathlib import Path

        root = Path(str(self._client.root))
        if not root.is_absolute():
            return None
        query = f"?project={self._record.project}&artifact={self._record.name}:v"
        return f"{root.as_uri()}{query}{self._record.number}"

    # -- W&B bookkeeping ----------------------------------------------------------------

    @property
    def incremental(self) -> bool:
        """Whether the draft was made with ``incremental=True`` (stored, as W&B does)."""
        return self._incremental

    @property
    def use_as(self) -> str | None:
        """The ``use_as`` given when it was made (deprecated in W&B; stored, never used)."""
        return self._use_as

    @property
    def distributed_id(self) -> str | None:
        """The id grouping parts logged with ``run.upsert_artifact`` (None otherwise)."""
        return self._distributed_id

    @distributed_id.setter
    def distributed_id(self, value: str | None) -> None:
        self._distributed_id = value

    def finalize(self) -> None:
        """Mark the draft final: it can no longer be changed (logging finalizes it too)."""
        self._final = True

    @property
    def commit_hash(self) -> str:
        """The hash the version was committed under: its content digest here."""
        _client, record = self._require_logged("read the commit hash")
        return record.digest

    @property
    def digest_algorithm(self) -> str:
        """The hash of every file's digest: ``"BLAKE3"`` (W&B: MD5)."""
        return "BLAKE3"

    @property
    def history_step(self) -> int | None:
        """The creating run's history step when this version was logged, or None.

        Like W&B: the step before the next ``run.log`` after logging (0 at least), None
        when the run logged no history before it.
        """
        client, record = self._require_logged("read history_step")
        if record.created_by is None:
            return None
        step = client.catalog.history_step_at(record.created_by, record.created_at)
        return None if step is None else max(0, step)

    def get_path(self, name: str) -> ArtifactManifestEntry:
        """W&B's older name for :meth:`get_entry`."""
        return self.get_entry(name)

    def get_added_local_path_name(self, local_path: str) -> str | None:
        """The logical path a local file was added under (this draft), or None."""
        return self._added_paths().get(os.fspath(local_path))

    def _added_paths(self) -> dict[str, str]:
        found = getattr(self, "_added_local_paths", None)
        if found is None:
            found = {}
            self._added_local_paths = found
        return found

    def _remember_local_path(self, local_path: str | os.PathLike[str], logical: str) -> None:
        self._added_paths()[os.fspath(local_path)] = logical

    def json_encode(self) -> dict[str, Any]:
        """This version as W&B's artifact JSON (``{"_type": "artifactVersion", ...}``)."""
        _client, record = self._require_logged("encode it")
        return {
            "_type": "artifactVersion",
            "_version": "v0",
            "id": record.id,
            "version": self.version,
            "sequenceName": record.name,
            "usedAs": self._use_as,
            "entityName": default_entity(),
            "projectName": record.project,
        }

    def files(
        self, names: list[str] | None = None, per_page: int = 50, start: str | None = None
    ) -> ArtifactFiles:
        """The entries in path order, as a sequence served ``per_page`` at a time.

        ``names`` keeps only those logical paths. Iterate it, index it, or walk
        ``pages()``; for very large versions nothing is built until asked for.

        Examples
        --------
        >>> files = artifact.files(per_page=1000)         # doctest: +SKIP
        >>> first = files.page(0); len(files)             # doctest: +SKIP
        """
        from ipyartifacts.api.query import ArtifactFiles

        del start  # W&B's page cursor: pages are walked with files().pages() here
        manifest = self.manifest
        if names is None:
            entries = list(manifest)
        else:
            entries = [manifest[n] for n in sorted(set(names)) if n in manifest]
        return ArtifactFiles(cast("Artifact", self), entries, per_page)

    def _check_not_final(self, action: str) -> None:
        if self._final:
            raise ArtifactStateError(
                f"Cannot {action}: artifact {self._name!r} was finalized. Make a new "
                "Artifact (or artifact.new_draft()) to change its files."
            )
