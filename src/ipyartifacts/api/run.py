"""``Run``: one execution of code that uses and logs artifacts, and ``init()`` to start one."""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import os
import secrets
import socket
import string
import sys
import threading
import types
import warnings
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipyartifacts.api.run_distributed import RunDistributed
from ipyartifacts.api.run_members import RunMembers
from ipyartifacts.core.client import Client, get_client
from ipyartifacts.errors import ArtifactStateError, ArtifactTypeMismatchError, StoreError
from ipyartifacts.store.config import default_project
from ipyartifacts.store.names import (
    alias_list,
    check_metadata,
    parse_spec,
    validate_label,
    validate_name,
    validate_tag,
)
from ipyartifacts.store.records import RunRecord

if TYPE_CHECKING:
    from ipyartifacts.api.artifact import Artifact

__all__ = ["Run", "active_run", "current_client", "finish", "init"]

_active: Run | None = None
_active_lock = threading.Lock()
_ID_ALPHABET = string.ascii_lowercase + string.digits

# Set by the notebook front end for the duration of a cell: {"cell": ..., "notebook": ...}
provenance_hook: list[Any] = []


def active_run() -> Run | None:
    """The run started by ``init()`` and not finished yet, if any."""
    return _active


def current_client() -> Client:
    """The active run's store, else the default store."""
    run = _active
    return run._client if run is not None else get_client()


def _new_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


class Run(RunMembers, RunDistributed):
    """A run: the process (or notebook session) that logs and uses artifacts.

    Use as a context manager to finish it on exit::

        with ipyartifacts.init(project="vision", job_type="train") as run:
            data = run.use_artifact("mnist:latest").download()
    """

    def __init__(self, client: Client, record: RunRecord) -> None:
        self._client = client
        self._record = record
        self._step = 0  # the history step run.log() writes next

    @classmethod
    def _from_record(cls, client: Client, record: RunRecord) -> Run:
        return cls(client, record)

    # -- properties ----------------------------------------------------------------

    id = property(lambda self: self._record.id, doc="The run's id (8 characters).")
    project = property(lambda self: self._record.project, doc="Project the run belongs to.")
    job_type = property(lambda self: self._record.job_type, doc="What kind of job this is.")
    host = property(lambda self: self._record.host, doc="Host the run started on.")
    started_at = property(lambda self: self._record.started_at, doc="When the run started (UTC).")
    finished_at = property(lambda self: self._record.finished_at, doc="When it finished, or None.")

    @property
    def state(self) -> str:
        """``running``, ``finished``, ``failed`` or ``crashed``."""
        return self._record.state

    @property
    def store(self) -> str:
        return str(self._client.root)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Notebook display: a widget in a live kernel, escaped HTML and text everywhere."""
        from ipyartifacts._display import mimebundle

        return mimebundle(self, include=include, exclude=exclude)

    def __repr__(self) -> str:
        return f"<Run {self.project}/{self.id} ({self.name}) {self.state}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Run) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    # -- lifecycle -----------------------------------------------------------------

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        self.finish(exit_code=0 if exc_type is None else 1)

    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        """Mark the run finished (``exit_code`` != 0: failed). Finishing twice is harmless.

        Finishing is cleanup, so it never raises: when the store cannot record it (a full
        or read-only disk), the run is finished here anyway, stays ``running`` in the
        catalog, and one ``RuntimeWarning`` says so.
        """
        del quiet
        global _active
        if self._record.state != "running":
            return
        state = "finished" if not exit_code else "failed"
        now = datetime.now(timezone.utc)
        try:
            self._client.catalog.update_run(self.id, state=state, finished_at=now)
            self._record = self._client.run(self.id)
        except StoreError as exc:
            self._record = dataclasses.replace(self._record, state=state, finished_at=now)
            warnings.warn(
                f"Run {self.project}/{self.id} finished, but the store could not record it "
                f"(it stays 'running' there): {exc}",
                RuntimeWarning,
                stacklevel=2,
            )
        with _active_lock:
            if _active is self:
                _active = None

    def _require_running(self, action: str) -> None:
        if self._record.state != "running":
            raise ArtifactStateError(
                f"Cannot {action}: run {self.id} is {self._record.state}. Start a new run with "
                "ipyartifacts.init()."
            )

    def _provenance_for_log(self) -> dict[str, Any]:
        return dict(provenance_hook[-1]()) if provenance_hook else {}

    # -- artifacts -----------------------------------------------------------------

    def log_artifact(
        self,
        artifact_or_path: Artifact | str | os.PathLike[str],
        name: str | None = None,
        type: str | None = None,
        aliases: str | list[str] | None = None,
        tags: list[str] | None = None,
    ) -> Artifact:
        """Log an artifact (or a local file/folder path) as this run's output.

        ``aliases`` is a list, or one alias as a string (as in W&B).

        Content identical to the collection's ``latest`` creates no new version: the
        existing one is returned, with the new aliases and tags applied.

        Examples
        --------
        >>> run.log_artifact("model.pt", name="classifier", type="model", aliases=["best"])  # doctest: +SKIP
        """
        from ipyartifacts.api.artifact import Artifact

        self._require_running("log an artifact")
        aliases = alias_list(aliases)
        if isinstance(artifact_or_path, Artifact):
            artifact = artifact_or_path
            if type is not None and type != artifact.type:
                raise ArtifactTypeMismatchError(
                    f"log_artifact(type={type!r}) does not match the artifact's type "
                    f"{artifact.type!r}.",
                    expected=artifact.type,
                    received=type,
                )
            if name is not None and name != artifact.collection_name:
                artifact._name = validate_name(name)
        else:
            path = Path(artifact_or_path)
            artifact = Artifact(
                name or validate_name(f"run-{self.id}-{path.name}"), type or "unspecified"
            )
            if path.is_dir():
                artifact.add_dir(path)
            else:
                artifact.add_file(path)
        if not artifact.is_draft():
            # Already logged: apply the aliases/tags to it, like W&B does.
            artifact.aliases.extend(a for a in aliases or [] if a not in artifact.aliases)
            artifact.tags.extend(t for t in tags or [] if t not in artifact.tags)
            artifact.save()
            return artifact
        return artifact._log(self, aliases=aliases, tags=tags)

    def use_artifact(
        self,
        artifact_or_name: Artifact | str,
        type: str | None = None,
        aliases: str | list[str] | None = None,
        use_as: str | None = None,
    ) -> Artifact:
        """Record an artifact version as this run's input and return it.

        As in W&B, ``aliases`` (a list, or one alias as a string) apply only when a draft
        is passed (it is logged with them first); for a name or a logged version they
        are ignored.

        ``"name"``, ``"name:alias"``, ``"name:vN"`` or ``"project/name:alias"``; a name
        without a project resolves in this run's project.

        Examples
        --------
        >>> artifact = run.use_artifact("mnist:latest")  # doctest: +SKIP
        >>> datadir = artifact.download()                # doctest: +SKIP
        """
        from ipyartifacts.api.artifact import Artifact

        del use_as
        self._require_running("use an artifact")
        if isinstance(artifact_or_name, Artifact):
            artifact = artifact_or_name
            if artifact.is_draft():
                self.log_artifact(artifact, aliases=alias_list(aliases))
        else:
            from ipyartifacts.api.links import resolve_artifact

            spec = parse_spec(artifact_or_name)
            artifact = resolve_artifact(
                self._client, spec.project or self.project, spec.name, spec.alias
            )
        if type is not None and type != artifact.type:
            raise ArtifactTypeMismatchError(
                f"{artifact.name} has type {artifact.type!r}, not {type!r}.",
                expected=artifact.type,
                received=type,
            )
        self._client.catalog.add_usage(self.id, artifact.id, "input", self._provenance_for_log())
        return artifact

    def link_artifact(
        self,
        artifact: Artifact,
        target_path: str,
        aliases: list[str] | None = None,
        *,
        force: bool = False,
    ) -> Artifact:
        """Link an artifact into a registry collection; a draft is logged by this run first.

        ``target_path``: ``wandb-registry-<registry>/<collection>`` (an organization
        prefix is accepted). ``latest`` moves to the newest link by itself. See
        :meth:`Artifact.link`.

        Examples
        --------
        >>> run.link_artifact(artifact, "wandb-registry-model/classifier", ["staging"])  # doctest: +SKIP
        """
        self._require_running("link an artifact")
        if artifact.is_draft():
            self.log_artifact(artifact)
        return artifact.link(target_path, aliases, force=force)

    def log_model(
        self,
        path: str | os.PathLike[str],
        name: str | None = None,
        aliases: list[str] | None = None,
    ) -> None:
        """Log the file or folder at ``path`` as an artifact of type ``model`` (W&B's).

        ``name`` defaults to ``run-<run id>-<basename of path>``.
        """
        self.log_artifact(path, name=name, type="model", aliases=aliases)

    def use_model(self, name: str) -> str:
        """Use a model artifact (``name:alias``, a registry path too) and download it.

        Returns the download folder, or the file when it holds exactly one file, as W&B
        does. Raises ArtifactTypeMismatchError unless its type contains ``model``.
        """
        artifact = self.use_artifact(name)
        if "model" not in artifact.type.lower():
            raise ArtifactTypeMismatchError(
                f"use_model is for model artifacts; {artifact.name} has type "
                f"{artifact.type!r}. Its type must contain 'model', or use use_artifact().",
                expected="model",
                received=artifact.type,
            )
        root = artifact.download()
        entries = os.listdir(root)
        return os.path.join(root, entries[0]) if len(entries) == 1 else root

    def link_model(
        self,
        path: str | os.PathLike[str],
        registered_model_name: str,
        name: str | None = None,
        aliases: list[str] | None = None,
    ) -> Artifact | None:
        """Log ``path`` as a model version and link it into the ``model`` registry.

        The collection ``wandb-registry-model/<registered_model_name>`` is created on
        first link; ``aliases`` apply to the link only. When ``name`` is already a
        logged artifact its type is kept (it must contain ``model``).
        """
        from ipyartifacts.errors import ArtifactNotFoundError, InvalidNameError

        if "/" in registered_model_name or ":" in registered_model_name:
            raise InvalidNameError(
                f"registered_model_name {registered_model_name!r}: give only the name of "
                "the registered model, without an entity or project.",
                name=registered_model_name,
            )
        type = "model"
        if name is not None:
            try:
                existing = self._client.resolve(self.project, validate_name(name), "latest")
            except ArtifactNotFoundError:
                existing = None
            if existing is not None:
                if "model" not in existing.type.lower():
                    raise ArtifactTypeMismatchError(
                        f"link_model is for model artifacts; {name!r} has type "
                        f"{existing.type!r}, which does not contain 'model'.",
                        expected="model",
                        received=existing.type,
                    )
                type = existing.type
        artifact = self.log_artifact(path, name=name, type=type)
        return self.link_artifact(
            artifact, f"wandb-registry-model/{registered_model_name}", aliases
        )

    def logged_artifacts(self, per_page: int = 100) -> list[Artifact]:
        """Artifact versions this run logged (outputs)."""
        del per_page  # one catalog query
        from ipyartifacts.api.artifact import Artifact

        return [
            Artifact._from_record(self._client, r)
            for r in self._client.catalog.versions_of_run(self.id, "output")
        ]

    def used_artifacts(self, per_page: int = 100) -> list[Artifact]:
        """Artifact versions this run used (inputs)."""
        del per_page  # one catalog query
        from ipyartifacts.api.artifact import Artifact

        return [
            Artifact._from_record(self._client, r)
            for r in self._client.catalog.versions_of_run(self.id, "input")
        ]


def init(
    entity: str | None = None,
    project: str | None = None,
    dir: str | os.PathLike[str] | None = None,
    id: str | None = None,
    name: str | None = None,
    notes: str | None = None,
    tags: Sequence[str] | None = None,
    config: dict[str, Any] | None = None,
    config_exclude_keys: list[str] | None = None,
    config_include_keys: list[str] | None = None,
    allow_val_change: bool | None = None,
    group: str | None = None,
    job_type: str | None = None,
    mode: str | None = None,
    force: bool | None = None,
    reinit: Any = None,
    resume: Any = None,
    resume_from: str | None = None,
    fork_from: str | None = None,
    save_code: bool | None = None,
    tensorboard: bool | None = None,
    sync_tensorboard: bool | None = None,
    monitor_gym: bool | None = None,
    settings: Any = None,
    anonymous: str | None = None,
    *,
    store: str | os.PathLike[str] | None = None,
) -> Run:
    """Start a run and make it the active one (``ipyartifacts.run``); W&B's signature.

    Parameters
    ----------
    entity : str, optional
        Reported as ``run.entity`` (a local store has no entities).
    project : str, optional
        Defaults to ``$IPYARTIFACTS_PROJECT``, else ``"uncategorized"``.
    dir : str or path, optional
        Base of ``run.dir`` (default: the working directory).
    id : str, optional
        The run's id (default: 8 random characters); must be new in the store.
    name, notes, tags, group, job_type
        As in W&B: names and job types are free text (no control characters).
    config : dict, optional
        Strict JSON; ``config_include_keys`` / ``config_exclude_keys`` narrow it.
    store : str or path, optional (keyword only)
        The store directory; defaults to ``$IPYARTIFACTS_STORE``, else the user-data dir.

    The other W&B arguments (``mode``, ``reinit``, ``resume`` ...) are accepted and
    ignored: there is no server to talk to.

    Examples
    --------
    >>> import ipyartifacts as wandb
    >>> run = wandb.init(project="artifacts-example", job_type="add-dataset")  # doctest: +SKIP
    """
    del allow_val_change, mode, force, reinit, resume, resume_from, fork_from, save_code
    del tensorboard, sync_tensorboard, monitor_gym, settings, anonymous
    global _active
    project = validate_name(project or default_project(), "project name")
    if job_type is not None:
        validate_label(job_type, "job type")
    if group is not None:
        validate_label(group, "group", 256)
    chosen = dict(config or {})
    if config_include_keys:
        chosen = {k: v for k, v in chosen.items() if k in config_include_keys}
    if config_exclude_keys:
        chosen = {k: v for k, v in chosen.items() if k not in config_exclude_keys}
    client = get_client(store)
    run_id = validate_name(id, "run id") if id is not None else _new_id()
    provenance: dict[str, Any] = {
        "python": sys.version.split()[0],
        "argv": list(sys.argv[:8]),
        "cwd": os.getcwd(),
    }
    if entity:
        provenance["entity"] = str(entity)
    if dir is not None:
        provenance["dir"] = os.path.abspath(dir)
    record = RunRecord(
        id=run_id,
        project=project,
        name=validate_label(name, "run name", 256) if name else f"{job_type or 'run'}-{run_id}",
        job_type=job_type,
        config=check_metadata(chosen, "config"),
        notes=notes,
        tags=tuple(validate_tag(t) for t in ([tags] if isinstance(tags, str) else tags or ())),
        host=socket.gethostname(),
        provenance=provenance,
        state="running",
        started_at=datetime.now(timezone.utc),
        finished_at=None,
    )
    client.catalog.create_run(record)
    if group is not None:
        client.catalog.set_run_group(run_id, group)
    run = Run(client, record)
    with _active_lock:
        previous, _active = _active, run
    if previous is not None:
        previous.finish()
    return run


def finish(exit_code: int | None = None) -> None:
    """Finish the active run, if any."""
    run = _active
    if run is not None:
        run.finish(exit_code)


@atexit.register
def _finish_at_exit() -> None:
    run = _active
    if run is not None:
        with contextlib.suppress(Exception):
            run.finish()
