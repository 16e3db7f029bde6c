"""ipyartifacts: local-first artifact versioning for notebooks, shaped like W&B Artifacts.

>>> import ipyartifacts as wandb
>>> run = wandb.init(project="artifacts-example", job_type="add-dataset")  # doctest: +SKIP
>>> artifact = wandb.Artifact(name="example_artifact", type="dataset")     # doctest: +SKIP
>>> artifact.add_file(local_path="./dataset.h5", name="training_dataset")  # doctest: +SKIP
>>> artifact.save()                                                         # doctest: +SKIP
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ipyartifacts import errors
from ipyartifacts._version import __version__
from ipyartifacts.errors import (
    ArtifactError,
    ArtifactNotFoundError,
    ArtifactStateError,
    ArtifactTypeMismatchError,
    CopyConflictError,
    DuplicateEntryError,
    IntegrityError,
    InvalidMetadataError,
    InvalidNameError,
    InvalidPathError,
    MissingBlobError,
    NetworkFilesystemError,
    ProtectedAliasError,
    ReferenceChangedError,
    RegistryExistsError,
    SourceChangedError,
    SpecialFileError,
    StoreError,
    StoreFullError,
    StoreIOError,
    StorePermissionError,
    TooManyObjectsError,
    VerificationError,
)

if TYPE_CHECKING:  # imported on first use (see __getattr__): `import ipyartifacts` stays cheap
    from ipyartifacts.api.api import Api
    from ipyartifacts.api.artifact import Artifact, ArtifactManifestEntry
    from ipyartifacts.api.project import Project
    from ipyartifacts.api.query import ArtifactCollection, ArtifactFiles, ArtifactType
    from ipyartifacts.api.registry import Registry
    from ipyartifacts.api.run import Run, finish, init
    from ipyartifacts.api.table import Table
    from ipyartifacts.core.cache import ArtifactCache, CacheCleanupReport
    from ipyartifacts.core.diff import ArtifactDiff, FileChange, MetadataChange
    from ipyartifacts.core.gc import GCReport
    from ipyartifacts.store.manifest import Manifest, ManifestEntry
    from ipyartifacts.store.records import VersionEdit

# Public names and the module each comes from, imported when first asked for: a CLI
# `--help`, `%load_ext` or a script that only reads errors does not pay for the rest.
_LAZY = {
    "Api": "ipyartifacts.api.api",
    "Artifact": "ipyartifacts.api.artifact",
    "ArtifactManifestEntry": "ipyartifacts.api.artifact",
    "Project": "ipyartifacts.api.project",
    "ArtifactCollection": "ipyartifacts.api.query",
    "ArtifactFiles": "ipyartifacts.api.query",
    "ArtifactType": "ipyartifacts.api.query",
    "Registry": "ipyartifacts.api.registry",
    "Run": "ipyartifacts.api.run",
    "finish": "ipyartifacts.api.run",
    "init": "ipyartifacts.api.run",
    "Table": "ipyartifacts.api.table",
    "ArtifactCache": "ipyartifacts.core.cache",
    "CacheCleanupReport": "ipyartifacts.core.cache",
    "ArtifactDiff": "ipyartifacts.core.diff",
    "FileChange": "ipyartifacts.core.diff",
    "MetadataChange": "ipyartifacts.core.diff",
    "GCReport": "ipyartifacts.core.gc",
    "Manifest": "ipyartifacts.store.manifest",
    "ManifestEntry": "ipyartifacts.store.manifest",
    "VersionEdit": "ipyartifacts.store.records",
}

__all__ = [
    "Api",
    "Artifact",
    "ArtifactCache",
    "ArtifactCollection",
    "ArtifactDiff",
    "ArtifactError",
    "ArtifactFiles",
    "ArtifactManifestEntry",
    "ArtifactNotFoundError",
    "ArtifactStateError",
    "ArtifactType",
    "ArtifactTypeMismatchError",
    "CacheCleanupReport",
    "CopyConflictError",
    "DuplicateEntryError",
    "FileChange",
    "GCReport",
    "IntegrityError",
    "InvalidMetadataError",
    "InvalidNameError",
    "InvalidPathError",
    "Manifest",
    "ManifestEntry",
    "MetadataChange",
    "MissingBlobError",
    "NetworkFilesystemError",
    "Project",
    "ProtectedAliasError",
    "ReferenceChangedError",
    "Registry",
    "RegistryExistsError",
    "Run",
    "SourceChangedError",
    "SpecialFileError",
    "StoreError",
    "StoreFullError",
    "StoreIOError",
    "StorePermissionError",
    "Table",
    "TooManyObjectsError",
    "VerificationError",
    "VersionEdit",
    "__version__",
    "errors",
    "finish",
    "gc",
    "init",
    "link_model",
    "load_ipython_extension",
    "log",
    "log_artifact",
    "log_model",
    "login",
    "unload_ipython_extension",
    "use_artifact",
    "use_model",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        import importlib

        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # asked once: a plain attribute from now on
        return value
    # ``ipyartifacts.run`` is the active run (None when no run is active), like ``wandb.run``.
    if name == "run":
        from ipyartifacts.api.run import active_run

        return active_run()
    if name in ("config", "summary"):  # ``wandb.config`` / ``wandb.summary``: the active run's
        return getattr(_require_run(f"read wandb.{name}"), name)
    raise AttributeError(f"module 'ipyartifacts' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def _require_run(action: str) -> Run:
    from ipyartifacts.api.run import active_run

    current = active_run()
    if current is None:
        raise ArtifactStateError(f"Cannot {action}: no active run. Call ipyartifacts.init() first.")
    return current


def login(*args: Any, **kwargs: Any) -> bool:
    """``wandb.login``: nothing to log in to, so this always succeeds (returns True).

    Kept so W&B snippets that start with ``wandb.login()`` run unchanged.
    """
    del args, kwargs
    return True


def log_artifact(
    artifact_or_path: Artifact | str,
    name: str | None = None,
    type: str | None = None,
    aliases: str | list[str] | None = None,
    tags: list[str] | None = None,
) -> Artifact:
    """``wandb.log_artifact``: log on the active run."""
    return _require_run("log an artifact").log_artifact(artifact_or_path, name, type, aliases, tags)


def use_artifact(
    artifact_or_name: Artifact | str,
    type: str | None = None,
    aliases: str | list[str] | None = None,
    use_as: str | None = None,
) -> Artifact:
    """``wandb.use_artifact``: use on the active run."""
    return _require_run("use an artifact").use_artifact(artifact_or_name, type, aliases, use_as)


def log(data: dict[str, Any], step: int | None = None, commit: bool | None = None) -> None:
    """``wandb.log``: record metrics on the active run (see :meth:`Run.log`)."""
    _require_run("log metrics").log(data, step, commit)


def log_model(
    path: str | os.PathLike[str], name: str | None = None, aliases: list[str] | None = None
) -> None:
    """``wandb.log_model``: log a model on the active run."""
    _require_run("log a model").log_model(path, name, aliases)


def use_model(name: str) -> str:
    """``wandb.use_model``: use and download a model on the active run; return its path."""
    return _require_run("use a model").use_model(name)


def link_model(
    path: str | os.PathLike[str],
    registered_model_name: str,
    name: str | None = None,
    aliases: list[str] | None = None,
) -> Artifact | None:
    """``wandb.link_model``: log a model and link it into the ``model`` registry."""
    return _require_run("link a model").link_model(path, registered_model_name, name, aliases)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext ipyartifacts``: register the ``%artifact`` / ``%%artifact`` magics.

    Imported lazily, so ``import ipyartifacts`` does not import IPython or click.
    """
    from ipyartifacts.frontends.magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext ipyartifacts``: stop recording notebook provenance."""
    from ipyartifacts.frontends.magics import unload_ipython_extension as unload

    unload(ipython)


def gc(
    store: str | os.PathLike[str] | None = None,
    grace: timedelta | float | None = None,
    dry_run: bool = False,
) -> GCReport:
    """Reclaim blobs that no live version needs; return what was removed.

    Live = committed and not expired. Blobs of deleted or expired versions go as soon
    as no live version shares them, except those modified within ``grace`` (default
    one hour; a timedelta or seconds): another process may be about to commit a
    version naming them. ``grace=0`` reclaims everything unreferenced at once; use it
    only when nothing else is logging to the store. Stale staging files go too.

    Parameters
    ----------
    store : str or path, optional
        Default: the active run's store, else ``$IPYARTIFACTS_STORE``.
    grace : timedelta or float, optional
        Default: one hour (``ipyartifacts.core.gc.DEFAULT_GRACE``).
    dry_run : bool
        Report what would be removed, remove nothing.

    Examples
    --------
    >>> api.artifact("mnist:v0").delete()                  # doctest: +SKIP
    >>> report = ipyartifacts.gc(grace=0)                   # doctest: +SKIP
    >>> report.blobs_removed, report.bytes_freed            # doctest: +SKIP
    (12, 48213)
    """
    from ipyartifacts.api.api import Api
    from ipyartifacts.core.gc import DEFAULT_GRACE

    return Api(store=store).gc(grace=DEFAULT_GRACE if grace is None else grace, dry_run=dry_run)
