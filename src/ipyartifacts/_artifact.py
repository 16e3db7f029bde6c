"""``Artifact``: a named, typed, versioned bundle of files, shaped like W&B's.

An Artifact starts as a *draft* (``Artifact("mnist", "dataset")``, then ``add_file`` /
``add_dir``); logging it commits an immutable *version* (``mnist:v0``). A logged
artifact's content never changes; its description, metadata, aliases and tags can be
edited and saved.
"""

from __future__ import annotations

import os
import stat as stat_mod
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import _download
from ._config import artifact_dir, default_project
from ._manifest import Manifest, ManifestEntry
from ._names import LATEST, check_metadata, unique, validate_alias, validate_name, validate_tag
from ._paths import join_logical, validate_logical_path
from ._records import VersionRecord
from .errors import ArtifactNotFoundError, ArtifactStateError, DuplicateEntryError

if TYPE_CHECKING:
    from ._client import Client
    from ._run import Run

__all__ = ["Artifact", "ArtifactManifestEntry"]

Policy = Literal["mutable", "immutable"]
_INGEST_THREADS = 4


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


class Artifact:
    """A draft or logged artifact version.

    Parameters
    ----------
    name : str
        Letters, digits, ``_``, ``.`` and ``-``; at most 128 characters.
    type : str
        What it is: ``"dataset"``, ``"model"``, ...; one type per name.
    description : str, optional
    metadata : dict, optional
        Strict JSON (no NaN or Infinity).

    Examples
    --------
    >>> import ipyartifacts as wandb
    >>> run = wandb.init(project="demo")                         # doctest: +SKIP
    >>> artifact = wandb.Artifact("mnist", type="dataset")        # doctest: +SKIP
    >>> artifact.add_dir("data/mnist")                             # doctest: +SKIP
    >>> run.log_artifact(artifact, aliases=["best"])              # doctest: +SKIP
    """

    def __init__(
        self,
        name: str,
        type: str,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        incremental: bool = False,
        use_as: str | None = None,
    ) -> None:
        del incremental, use_as  # accepted for W&B compatibility; every draft is incremental
        self._name = validate_name(name)
        self._type = validate_name(type, "artifact type")
        self._description = description
        self._metadata = check_metadata(metadata)
        self._entries: dict[str, ManifestEntry] = {}
        self._pending: dict[str, Path] = {}  # immutable-policy files, stored at log time
        self._aliases: list[str] = []
        self._tags: list[str] = []
        self._record: VersionRecord | None = None
        self._client: Client | None = None
        self._project: str | None = None
        self._manifest: Manifest | None = None

    # -- construction from the catalog -----------------------------------------------

    @classmethod
    def _from_record(cls, client: Client, record: VersionRecord) -> Artifact:
        art = cls.__new__(cls)
        art._client = client
        art._pending = {}
        art._entries = {}
        art._manifest = None
        art._bind(record)
        return art

    def _bind(self, record: VersionRecord) -> None:
        self._record = record
        self._name = record.name
        self._type = record.type
        self._project = record.project
        self._description = record.description
        self._metadata = dict(record.metadata)
        self._aliases = list(record.aliases)
        self._tags = list(record.tags)
        self._entries = {}
        self._pending = {}
        self._manifest = None

    def _require_logged(self, action: str) -> tuple[Client, VersionRecord]:
        if self._record is None or self._client is None:
            raise ArtifactStateError(
                f"Cannot {action}: artifact {self._name!r} has not been logged yet. Call "
                "run.log_artifact(artifact) or artifact.save() first."
            )
        return self._client, self._record

    def _require_draft(self, action: str) -> None:
        if self._record is not None:
            raise ArtifactStateError(
                f"Cannot {action}: {self.name} is logged, and logged content never changes. "
                "Use artifact.new_draft() to start a new version from it."
            )

    def _staging_client(self) -> Client:
        if self._client is None:
            from ._run import current_client

            self._client = current_client()
        return self._client

    # -- adding content ----------------------------------------------------------------

    def _put(self, logical: str, entry: ManifestEntry, overwrite: bool) -> ManifestEntry:
        if logical in self._entries and not overwrite and self._entries[logical] != entry:
            raise DuplicateEntryError(
                f"Artifact {self._name!r} already has a file at {logical!r}. Pass "
                "overwrite=True to replace it, or add it under another name.",
                path=logical,
            )
        self._entries[logical] = entry
        self._manifest = None
        return entry

    def add_file(
        self,
        local_path: str | os.PathLike[str],
        name: str | None = None,
        is_tmp: bool | None = False,
        skip_cache: bool | None = False,
        policy: Policy = "mutable",
        overwrite: bool = False,
    ) -> ManifestEntry:
        """Add one local file, at logical path ``name`` (default: its file name).

        ``policy="mutable"`` (default) captures the bytes now, so later edits to the file
        do not change the artifact. ``"immutable"`` only hashes now and stores the bytes
        at log time, refusing the file if it changed in between.
        """
        del is_tmp, skip_cache  # W&B compatibility
        self._require_draft("add a file")
        _check_policy(policy)
        path = Path(local_path)
        if not path.exists():
            raise FileNotFoundError(f"Cannot add {str(path)!r}: no such file.")
        if path.is_dir():
            raise IsADirectoryError(f"{str(path)!r} is a directory; use add_dir() for folders.")
        logical = validate_logical_path(name if name is not None else path.name)
        client = self._staging_client()
        if policy == "mutable":
            digest, size = client.ingest(path)
        else:
            digest, size = client.digest_of(path)
            self._pending[logical] = path
        client.stat_cache.flush()
        return self._put(logical, ManifestEntry(logical, digest, size), overwrite)

    def add_dir(
        self,
        local_path: str | os.PathLike[str],
        name: str | None = None,
        skip_cache: bool | None = False,
        policy: Policy = "mutable",
        merge: bool = False,
    ) -> None:
        """Add every file under a local directory, under logical folder ``name`` (default: root).

        Symlinks to files are followed; symlinks to folders are not (a loop would never end).
        """
        del skip_cache
        self._require_draft("add a directory")
        _check_policy(policy)
        root = Path(local_path)
        if not root.is_dir():
            raise NotADirectoryError(f"Cannot add {str(root)!r}: it is not a directory.")
        prefix = validate_logical_path(name.strip("/")) if name else None
        files = sorted(_walk(root))
        client = self._staging_client()

        def work(rel: str) -> tuple[str, str, int, Path]:
            src = root / rel
            logical = validate_logical_path(join_logical(prefix, rel))
            if policy == "mutable":
                digest, size = client.ingest(src)
            else:
                digest, size = client.digest_of(src)
            return logical, digest, size, src

        with ThreadPoolExecutor(_INGEST_THREADS) as pool:
            results = list(pool.map(work, files))
        client.stat_cache.flush()
        for logical, digest, size, src in results:
            self._put(logical, ManifestEntry(logical, digest, size), overwrite=merge)
            if policy == "immutable":
                self._pending[logical] = src

    # -- logging -------------------------------------------------------------------------

    def _log(
        self,
        run: Run,
        aliases: list[str] | None = None,
        tags: list[str] | None = None,
    ) -> Artifact:
        """Commit this draft as ``run``'s output (used by Run.log_artifact)."""
        self._require_draft("log it again")
        client = run._client
        if self._client is not None and self._client is not client:
            _transfer(self._client, client, self._entries.values(), self._pending)
        self._client = client
        for logical, src in self._pending.items():
            client.ingest_expected(src, self._entries[logical].digest)
        wanted_aliases = unique(
            [validate_alias(a) for a in [*self._aliases, *(aliases or [])] if a != LATEST]
        )
        wanted_tags = unique([validate_tag(t) for t in [*self._tags, *(tags or [])]])
        record, _created = client.commit(
            project=run.project,
            name=self._name,
            type=self._type,
            entries=self._entries.values(),
            description=self._description,
            metadata=check_metadata(self._metadata),
            run_id=run.id,
            aliases=wanted_aliases,
            tags=wanted_tags,
            provenance=run._provenance_for_log(),
        )
        self._bind(record)
        return self

    def save(self, project: str | None = None, settings: Any = None) -> None:
        """Log a draft (as the active run's output), or save edits to a logged version.

        Without an active run a short run of job type ``"auto"`` logs it, as W&B does.
        """
        del settings
        if self._record is None:
            from ._run import active_run, init

            run = active_run()
            if run is not None:
                run.log_artifact(self)
                return
            with init(project=project, job_type="auto", store=self._store_arg()) as auto:
                auto.log_artifact(self)
            return
        client, record = self._require_logged("save")
        aliases = unique([a for a in self._aliases if a != LATEST])
        for alias in aliases:
            validate_alias(alias)
        tags = unique([validate_tag(t) for t in self._tags])
        from ._run import active_run

        run = active_run()
        self._bind(
            client.catalog.update_version(
                record.id,
                description=self._description,
                metadata=check_metadata(self._metadata),
                aliases=aliases,
                tags=tags,
                by=run.id if run is not None else None,
            )
        )

    def _store_arg(self) -> str | None:
        return str(self._client.root) if self._client is not None else None

    def wait(self, timeout: int | None = None) -> Artifact:
        """Return self: logging is synchronous here, so it is already committed."""
        del timeout
        return self

    def is_draft(self) -> bool:
        """True until the artifact is logged."""
        return self._record is None

    def new_draft(self) -> Artifact:
        """A draft holding this version's files (not re-read), to edit into a new version."""
        client, record = self._require_logged("make a draft")
        draft = Artifact(record.name, record.type, self._description, dict(self._metadata))
        draft._client = client
        draft._project = record.project
        draft._entries = dict(client.manifest(record).entries)
        return draft

    # -- reading -------------------------------------------------------------------------

    @property
    def manifest(self) -> Manifest:
        """The entries of this artifact (a draft's so far, or the logged version's)."""
        if self._record is not None and self._client is not None:
            return self._client.manifest(self._record)
        if self._manifest is None:
            self._manifest = Manifest(self._entries.values())
        return self._manifest

    def get_entry(self, name: str) -> ArtifactManifestEntry:
        """The entry at logical path ``name``; raises ArtifactNotFoundError if absent."""
        manifest = self.manifest
        if name not in manifest:
            paths = list(manifest.entries)
            hint = f" It has: {', '.join(paths[:10])}{' ...' if len(paths) > 10 else ''}."
            raise ArtifactNotFoundError(f"{self.name} has no file {name!r}.{hint}", name=name)
        return ArtifactManifestEntry(self, manifest[name])

    def _default_root(self) -> Path:
        _client, record = self._require_logged("download")
        return artifact_dir() / f"{record.name}-v{record.number}"

    def download(
        self,
        root: str | os.PathLike[str] | None = None,
        allow_missing_references: bool = False,
        skip_cache: bool | None = None,
        path_prefix: str | None = None,
        multipart: bool | None = None,
    ) -> str:
        """Download the files into ``root`` (default ``./artifacts/<name>-v<N>``); return it.

        Every file is verified against its digest before it is put in place; files
        already present with the right content are not rewritten.

        Examples
        --------
        >>> datadir = run.use_artifact("mnist:latest").download()  # doctest: +SKIP
        """
        del allow_missing_references, skip_cache, multipart
        client, _record = self._require_logged("download")
        target = Path(root) if root is not None else self._default_root()
        entries = [
            e for e in self.manifest if path_prefix is None or e.path.startswith(path_prefix)
        ]
        _download.place_entries(client, entries, target)
        return str(target)

    def checkout(self, root: str | os.PathLike[str] | None = None) -> str:
        """Make ``root`` hold exactly this version: download, then delete files not in it."""
        target = Path(self.download(root))
        _download.remove_extra(self.manifest, target)
        return str(target)

    def verify(self, root: str | os.PathLike[str] | None = None) -> None:
        """Raise VerificationError unless ``root`` holds exactly this version's files."""
        client, _record = self._require_logged("verify")
        target = Path(root) if root is not None else self._default_root()
        _download.verify_dir(client, self.manifest, target, self.name)

    def file(self, root: str | os.PathLike[str] | None = None) -> str:
        """Download a single-file artifact; return the file's path."""
        entries = list(self.manifest)
        if len(entries) != 1:
            raise ArtifactStateError(
                f"{self.name} has {len(entries)} files; file() is for single-file artifacts. "
                "Use download() or get_entry(path).download()."
            )
        return self.get_entry(entries[0].path).download(root)

    def files(self) -> Iterator[ArtifactManifestEntry]:
        """Iterate over the entries, in path order."""
        for entry in self.manifest:
            yield ArtifactManifestEntry(self, entry)

    # -- lineage -------------------------------------------------------------------------

    def logged_by(self) -> Run | None:
        """The run that created this version (None if its run is unknown)."""
        client, record = self._require_logged("get lineage")
        runs = client.catalog.runs_of_version(record.id, "output")
        from ._run import Run

        first = next((r for r in runs if r.id == record.created_by), runs[0] if runs else None)
        return Run._from_record(client, first) if first is not None else None

    def used_by(self) -> list[Run]:
        """Runs that used this version as an input."""
        client, record = self._require_logged("get lineage")
        from ._run import Run

        return [
            Run._from_record(client, r) for r in client.catalog.runs_of_version(record.id, "input")
        ]

    # -- properties ----------------------------------------------------------------------

    @property
    def name(self) -> str:
        """``"name:vN"`` once logged; the plain name for a draft."""
        if self._record is not None:
            return f"{self._record.name}:v{self._record.number}"
        return self._name

    @property
    def collection_name(self) -> str:
        return self._name

    @property
    def source_name(self) -> str:
        return self.name

    @property
    def type(self) -> str:
        return self._type

    @property
    def project(self) -> str:
        if self._record is not None:
            return self._record.project
        return self._project or default_project()

    @property
    def version(self) -> str:
        """``"vN"``."""
        _client, record = self._require_logged("read the version")
        return f"v{record.number}"

    @property
    def id(self) -> str:
        _client, record = self._require_logged("read the id")
        return record.id

    @property
    def qualified_name(self) -> str:
        """``"project/name:vN"``."""
        _client, record = self._require_logged("read the qualified name")
        return f"{record.project}/{record.name}:v{record.number}"

    @property
    def created_at(self) -> datetime:
        _client, record = self._require_logged("read created_at")
        return record.created_at

    @property
    def digest(self) -> str:
        """Content digest: equal for equal content."""
        if self._record is not None:
            return self._record.digest
        return self.manifest.digest()

    @property
    def size(self) -> int:
        return self._record.size if self._record is not None else self.manifest.size

    @property
    def file_count(self) -> int:
        return self._record.file_count if self._record is not None else len(self._entries)

    @property
    def state(self) -> str:
        return "PENDING" if self._record is None else "COMMITTED"

    @property
    def description(self) -> str | None:
        return self._description

    @description.setter
    def description(self, value: str | None) -> None:
        self._description = value

    @property
    def metadata(self) -> dict[str, Any]:
        """A dict you may edit, then ``save()`` (strict JSON)."""
        return self._metadata

    @metadata.setter
    def metadata(self, value: dict[str, Any]) -> None:
        self._metadata = check_metadata(value)

    @property
    def aliases(self) -> list[str]:
        """Aliases (a list you may edit, then ``save()``); ``latest`` is managed for you."""
        return self._aliases

    @aliases.setter
    def aliases(self, value: list[str]) -> None:
        self._aliases = [validate_alias(a) if a != LATEST else a for a in value]

    @property
    def tags(self) -> list[str]:
        return self._tags

    @tags.setter
    def tags(self, value: list[str]) -> None:
        self._tags = [validate_tag(t) for t in value]

    def __repr__(self) -> str:
        if self._record is None:
            return f"<Artifact draft {self._name!r} type={self._type!r} files={len(self._entries)}>"
        return f"<Artifact {self.qualified_name} type={self._type!r} files={self.file_count}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Artifact):
            return NotImplemented
        if self._record is not None and other._record is not None:
            return self._record.id == other._record.id
        return self is other

    def __hash__(self) -> int:
        return hash(self._record.id) if self._record is not None else id(self)


def _check_policy(policy: str) -> None:
    if policy not in ("mutable", "immutable"):
        raise ValueError(f"policy must be 'mutable' or 'immutable', got {policy!r}.")


def _walk(root: Path) -> Iterator[str]:
    """Relative posix paths of the files under ``root`` (following file symlinks only)."""
    stack = [("", root)]
    while stack:
        rel, folder = stack.pop()
        with os.scandir(folder) as it:
            for item in it:
                sub = f"{rel}{item.name}"
                if item.is_dir(follow_symlinks=False):
                    stack.append((sub + "/", Path(item.path)))
                elif item.is_file(follow_symlinks=True):
                    yield sub
                elif item.is_symlink():
                    continue  # dangling link or link to a folder
                elif not stat_mod.S_ISREG(item.stat(follow_symlinks=False).st_mode):
                    continue  # sockets, fifos, devices: not data


def _transfer(source: Client, target: Client, entries: Any, pending: dict[str, Path]) -> None:
    """Copy staged blobs from one store to another (a draft staged in one, logged to another)."""
    for entry in entries:
        if entry.ref is not None or entry.path in pending or target.blobs.exists(entry.digest):
            continue
        local = source.local_blob_path(entry.digest)
        if local is not None:
            target.ingest_expected(local, entry.digest)
