"""``Artifact``: a named, typed, versioned bundle of files, shaped like W&B's.

An Artifact starts as a *draft* (``Artifact("mnist", "dataset")``, then ``add_file`` /
``add_dir``); logging it commits an immutable *version* (``mnist:v0``). A logged
artifact's content never changes; its description, metadata, aliases and tags can be
edited and saved.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipyartifacts.api.artifact_members import ArtifactMembers, default_root
from ipyartifacts.api.building import DraftContent
from ipyartifacts.api.entry import ArtifactManifestEntry
from ipyartifacts.api.linking import LinkingMixin
from ipyartifacts.core import download as _download
from ipyartifacts.errors import ArtifactNotFoundError, ArtifactStateError
from ipyartifacts.store.config import default_project
from ipyartifacts.store.manifest import Manifest, ManifestEntry
from ipyartifacts.store.names import (
    LATEST,
    check_metadata,
    custom_aliases,
    unique,
    validate_alias,
    validate_name,
    validate_tag,
)
from ipyartifacts.store.records import VersionEdit, VersionRecord

if TYPE_CHECKING:
    from ipyartifacts.api.run import Run
    from ipyartifacts.core.client import Client

__all__ = ["Artifact", "ArtifactManifestEntry"]


class Artifact(LinkingMixin, DraftContent, ArtifactMembers):
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
        storage_region: str | None = None,
        digest_algorithm: str | None = None,
    ) -> None:
        # Stored as W&B does; every draft here is incremental already, and there is one
        # storage region (the store) and one digest (BLAKE3).
        del storage_region, digest_algorithm
        self._incremental = bool(incremental)
        self._use_as = use_as
        self._final = False
        self._distributed_id = None
        self._added_local_paths = {}
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
        self._ttl: timedelta | None = None

    # -- construction from the catalog -----------------------------------------------

    @classmethod
    def _from_record(cls, client: Client, record: VersionRecord) -> Artifact:
        art = cls.__new__(cls)
        art._client = client
        art._pending = {}
        art._entries = {}
        art._manifest = None
        art._incremental = False
        art._use_as = None
        art._final = True
        art._distributed_id = None
        art._added_local_paths = {}
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
        self._ttl = record.expires_at - record.created_at if record.expires_at else None

    def _require_logged(self, action: str) -> tuple[Client, VersionRecord]:
        if self._record is None or self._client is None:
            raise ArtifactStateError(
                f"Cannot {action}: artifact {self._name!r} has not been logged yet. Call "
                "run.log_artifact(artifact) or artifact.save() first."
            )
        return self._client, self._record

    def _require_draft(self, action: str) -> None:
        if self._record is None and action != "log it again":
            self._check_not_final(action)
        if self._record is not None:
            raise ArtifactStateError(
                f"Cannot {action}: {self.name} is logged, and logged content never changes. "
                "Use artifact.new_draft() to start a new version from it."
            )

    def _staging_client(self) -> Client:
        if self._client is None:
            from ipyartifacts.api.run import current_client

            self._client = current_client()
        return self._client

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
        # Immutable-policy files are stored now; those a live version proves present
        # cost nothing (the commit below re-checks that proof under a lock).
        pending = {
            self._entries[logical].digest: self._entries[logical].size for logical in self._pending
        }
        proven = client.prove_present(pending) if client.remote else set()
        for logical, src in self._pending.items():
            digest = self._entries[logical].digest
            client.ingest_expected(src, digest, proven=digest in proven)
        # A version being logged becomes the newest: asking for 'latest' changes nothing.
        wanted_aliases = custom_aliases([*self._aliases, *(aliases or [])], newest=True)
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
            ttl=self._ttl,
        )
        self._bind(record)
        self._final = True
        return self

    def save(
        self, project: str | None = None, settings: Any = None, *, force: bool = False
    ) -> None:
        """Log a draft (as the active run's output), or save edits to a logged version.

        Without an active run a short run of job type ``"auto"`` logs it, as W&B does.
        On a linked version aliases are the link's; ``force`` lets a protected one move.
        """
        del settings
        if self._record is None:
            from ipyartifacts.api.run import active_run, init

            run = active_run()
            if run is not None:
                run.log_artifact(self)
                return
            with init(project=project, job_type="auto", store=self._store_arg()) as auto:
                auto.log_artifact(self)
            return
        if self._save_link(force):
            return
        client, record = self._require_live("save edits")
        # 'latest' may stay where it was when this version was read, never be added.
        aliases = custom_aliases(self._aliases, newest=LATEST in record.aliases)
        tags = unique([validate_tag(t) for t in self._tags])
        from ipyartifacts.api.run import active_run

        run = active_run()
        old_ttl = record.expires_at - record.created_at if record.expires_at else None
        ttl_edit: dict[str, Any] = {}
        if self._ttl != old_ttl:
            ttl_edit["expires_at"] = (
                record.created_at + self._ttl if self._ttl is not None else None
            )
        self._bind(
            client.catalog.update_version(
                record.id,
                description=self._description,
                metadata=check_metadata(self._metadata),
                aliases=aliases,
                tags=tags,
                by=run.id if run is not None else None,
                **ttl_edit,
            )
        )

    def _require_live(self, action: str) -> tuple[Client, VersionRecord]:
        client, record = self._require_logged(action)
        if self.state == "DELETED":
            why = "expired (its ttl ran out)" if record.state != "deleted" else "been deleted"
            raise ArtifactStateError(
                f"Cannot {action}: {self.qualified_name} has {why}. Log the files again "
                "to make a new version."
            )
        return client, record

    def delete(self, delete_aliases: bool = False) -> None:
        """Delete this version: queries and ``latest`` skip it; GC reclaims its blobs.

        Refuses (ArtifactStateError) while custom aliases point at it, unless
        ``delete_aliases=True``, which removes them too. Version numbers are never reused.
        Deleting is recorded in :meth:`history`. Blobs shared with live versions stay;
        the others are removed by :func:`ipyartifacts.gc` (immediately with ``grace=0``).

        Examples
        --------
        >>> api.artifact("mnist:v1").delete()                         # doctest: +SKIP
        >>> api.artifact("mnist:best").delete(delete_aliases=True)    # doctest: +SKIP
        >>> ipyartifacts.gc(grace=0).bytes_freed                      # doctest: +SKIP
        """
        self._refuse_on_link("delete it")
        client, record = self._require_logged("delete it")
        from ipyartifacts.api.run import active_run

        run = active_run()
        self._bind(
            client.catalog.delete_version(
                record.id, delete_aliases=delete_aliases, by=run.id if run is not None else None
            )
        )

    @property
    def ttl(self) -> timedelta | None:
        """Time to live, counted from creation; None (default) keeps the version forever.

        Set it on a draft before logging, or on a logged version then ``save()``. An
        expired version behaves as deleted (queries skip it, ``latest`` moves) and GC
        reclaims its blobs.

        Examples
        --------
        >>> artifact.ttl = timedelta(days=30)   # doctest: +SKIP
        >>> artifact.save()                      # doctest: +SKIP
        """
        return self._ttl

    @ttl.setter
    def ttl(self, value: timedelta | None) -> None:
        if value is not None and not isinstance(value, timedelta):
            raise TypeError(
                f"ttl must be a datetime.timedelta or None, got {type(value).__name__}; "
                "write artifact.ttl = timedelta(days=30)."
            )
        if value is not None and value <= timedelta(0):
            raise ValueError(f"ttl must be positive, got {value}; use None for no expiry.")
        self._ttl = value

    @property
    def expires_at(self) -> datetime | None:
        """When this version expires (``created_at + ttl``), or None."""
        if self._record is None or self._ttl is None:
            return None
        return self._record.created_at + self._ttl

    def history(self) -> list[VersionEdit]:
        """Every edit saved to this version, oldest first: what changed, by whom, when.

        Content never changes, so these are edits of description, metadata, aliases,
        tags, ttl (``expires_at``) and deletion (``state``).

        Examples
        --------
        >>> for edit in api.artifact("mnist:v3").history():     # doctest: +SKIP
        ...     print(edit.at, edit.actor, edit.field, edit.old, "->", edit.new)
        """
        client, record = self._require_logged("read its history")
        return client.catalog.edits_of(record.id)

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
        draft._ttl = self._ttl
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
        return default_root(record.name, record.number)

    def download(
        self,
        root: str | os.PathLike[str] | None = None,
        allow_missing_references: bool = False,
        skip_cache: bool | None = None,
        path_prefix: str | None = None,
        multipart: bool | None = None,
    ) -> str:
        """Download the files into ``root`` (default ``./artifacts/<name>:v<N>``); return it.

        The default folder is W&B's: ``<name>:v<N>``, with ``-`` for ``:`` on Windows.

        Every file is verified against its digest before it is put in place; files
        already present with the right content are not rewritten. A reference whose
        target is gone raises ArtifactNotFoundError, unless ``allow_missing_references``
        (then it is skipped); a changed one always raises ReferenceChangedError.

        Examples
        --------
        >>> datadir = run.use_artifact("mnist:latest").download()  # doctest: +SKIP
        """
        del skip_cache, multipart
        client, _record = self._require_live("download")
        target = Path(root) if root is not None else self._default_root()
        entries = [
            e for e in self.manifest if path_prefix is None or e.path.startswith(path_prefix)
        ]
        _download.place_entries(
            client, entries, target, allow_missing_references=allow_missing_references
        )
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

    # -- lineage -------------------------------------------------------------------------

    def logged_by(self) -> Run | None:
        """The run that created this version (None if its run is unknown)."""
        client, record = self._require_logged("get lineage")
        runs = client.catalog.runs_of_version(record.id, "output")
        from ipyartifacts.api.run import Run

        first = next((r for r in runs if r.id == record.created_by), runs[0] if runs else None)
        return Run._from_record(client, first) if first is not None else None

    def used_by(self) -> list[Run]:
        """Runs that used this version as an input."""
        client, record = self._require_logged("get lineage")
        from ipyartifacts.api.run import Run

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
        """``"PENDING"`` (draft), ``"COMMITTED"``, or ``"DELETED"`` (deleted or expired)."""
        record = self._record
        if record is None:
            return "PENDING"
        if record.state == "deleted" or (
            record.expires_at is not None and record.expires_at <= _now()
        ):
            return "DELETED"
        return "COMMITTED"

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

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Notebook display: a widget in a live kernel, escaped HTML and text everywhere."""
        from ipyartifacts._display import mimebundle

        return mimebundle(self, include=include, exclude=exclude)

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


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _transfer(source: Client, target: Client, entries: Any, pending: dict[str, Path]) -> None:
    """Copy staged blobs from one store to another (a draft staged in one, logged to another)."""
    for entry in entries:
        if entry.ref is not None or entry.path in pending or target.blobs.exists(entry.digest):
            continue
        local = source.local_blob_path(entry.digest)
        if local is not None:
            target.ingest_expected(local, entry.digest)
