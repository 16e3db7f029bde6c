"""ipyartifacts: local-first artifact versioning for notebooks, shaped like W&B Artifacts.

>>> import ipyartifacts as wandb
>>> run = wandb.init(project="artifacts-example", job_type="add-dataset")  # doctest: +SKIP
>>> artifact = wandb.Artifact(name="example_artifact", type="dataset")     # doctest: +SKIP
>>> artifact.add_file(local_path="./dataset.h5", name="training_dataset")  # doctest: +SKIP
>>> artifact.save()                                                         # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from . import errors
from ._api import Api
from ._artifact import Artifact, ArtifactManifestEntry
from ._manifest import Manifest, ManifestEntry
from ._run import Run, finish, init
from ._version import __version__
from .errors import (
    ArtifactError,
    ArtifactNotFoundError,
    ArtifactStateError,
    ArtifactTypeMismatchError,
    DuplicateEntryError,
    IntegrityError,
    InvalidMetadataError,
    InvalidNameError,
    InvalidPathError,
    ReferenceChangedError,
    SourceChangedError,
    StoreError,
    TooManyObjectsError,
    VerificationError,
)

__all__ = [
    "Api",
    "Artifact",
    "ArtifactError",
    "ArtifactManifestEntry",
    "ArtifactNotFoundError",
    "ArtifactStateError",
    "ArtifactTypeMismatchError",
    "DuplicateEntryError",
    "IntegrityError",
    "InvalidMetadataError",
    "InvalidNameError",
    "InvalidPathError",
    "Manifest",
    "ManifestEntry",
    "ReferenceChangedError",
    "Run",
    "SourceChangedError",
    "StoreError",
    "TooManyObjectsError",
    "VerificationError",
    "__version__",
    "errors",
    "finish",
    "init",
    "load_ipython_extension",
    "log_artifact",
    "unload_ipython_extension",
    "use_artifact",
]


def __getattr__(name: str) -> Any:
    # ``ipyartifacts.run`` is the active run (None when no run is active), like ``wandb.run``.
    if name == "run":
        from ._run import active_run

        return active_run()
    raise AttributeError(f"module 'ipyartifacts' has no attribute {name!r}")


def _require_run(action: str) -> Run:
    from ._run import active_run

    current = active_run()
    if current is None:
        raise ArtifactStateError(f"Cannot {action}: no active run. Call ipyartifacts.init() first.")
    return current


def log_artifact(
    artifact_or_path: Artifact | str,
    name: str | None = None,
    type: str | None = None,
    aliases: list[str] | None = None,
    tags: list[str] | None = None,
) -> Artifact:
    """``wandb.log_artifact``: log on the active run."""
    return _require_run("log an artifact").log_artifact(artifact_or_path, name, type, aliases, tags)


def use_artifact(artifact_or_name: Artifact | str, type: str | None = None) -> Artifact:
    """``wandb.use_artifact``: use on the active run."""
    return _require_run("use an artifact").use_artifact(artifact_or_name, type)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext ipyartifacts``: register the ``%artifact`` / ``%%artifact`` magics.

    Imported lazily, so ``import ipyartifacts`` does not import IPython or click.
    """
    from ._magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext ipyartifacts``: stop recording notebook provenance."""
    from ._magics import unload_ipython_extension as unload

    unload(ipython)
