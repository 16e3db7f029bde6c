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
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipyartifacts.core.client import Client, get_client
from ipyartifacts.errors import ArtifactStateError, ArtifactTypeMismatchError, StoreError
from ipyartifacts.store.config import default_project
from ipyartifacts.store.names import check_metadata, parse_spec, validate_name, validate_tag
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


class Run:
    """A run: the process (or notebook session) that logs and uses artifacts.

    Use as a context manager to finish it on exit::

        with ipyartifacts.init(project="vision", job_type="train") as run:
            data = run.use_artifact("mnist:latest").download()
    """

    def __init__(self, client: Client, record: RunRecord) -> None:
        self._client = client
        self._record = record

    @classmethod
    def _from_record(cls, client: Client, record: RunRecord) -> Run:
        return cls(client, record)

    # -- properties ----------------------------------------------------------------

    id = property(lambda self: self._record.id, doc="The run's id (8 characters).")
    name = property(lambda self: self._record.name, doc="Display name.")
    project = property(lambda self: self._record.project, doc="Project the run belongs to.")
    job_type = property(lambda self: self._record.job_type, doc="What kind of job this is.")
    notes = property(lambda self: self._record.notes, doc="Free-text notes.")
    tags = property(lambda self: list(self._record.tags), doc="Run tags.")
    host = property(lambda self: self._record.host, doc="Host the run started on.")
    started_at = property(lambda self: self._record.started_at, doc="When the run started (UTC).")
    finished_at = property(lambda self: self._record.finished_at, doc="When it finished, or None.")

    @property
    def config(self) -> dict[str, Any]:
        """The run's configuration (as given to ``init``)."""
        return dict(self._record.config)

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
        aliases: list[str] | None = None,
        tags: list[str] | None = None,
    ) -> Artifact:
        """Log an artifact (or a local file/folder path) as this run's output.

        Content identical to the collection's ``latest`` creates no new version: the
        existing one is returned, with the new aliases and tags applied.

        Examples
        --------
        >>> run.log_artifact("model.pt", name="classifier", type="model", aliases=["best"])  # doctest: +SKIP
        """
        from ipyartifacts.api.artifact import Artifact

        self._require_running("log an artifact")
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
        aliases: list[str] | None = None,
        use_as: str | None = None,
    ) -> Artifact:
        """Record an artifact version as this run's input and return it.

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
                self.log_artifact(artifact, aliases=aliases)
        else:
            spec = parse_spec(artifact_or_name)
            record = self._client.resolve(spec.project or self.project, spec.name, spec.alias)
            artifact = Artifact._from_record(self._client, record)
        if type is not None and type != artifact.type:
            raise ArtifactTypeMismatchError(
                f"{artifact.name} has type {artifact.type!r}, not {type!r}.",
                expected=artifact.type,
                received=type,
            )
        if aliases and not artifact.is_draft():
            artifact.aliases.extend(a for a in aliases if a not in artifact.aliases)
            artifact.save()
        self._client.catalog.add_usage(self.id, artifact.id, "input", self._provenance_for_log())
        return artifact

    def logged_artifacts(self) -> list[Artifact]:
        """Artifact versions this run logged (outputs)."""
        from ipyartifacts.api.artifact import Artifact

        return [
            Artifact._from_record(self._client, r)
            for r in self._client.catalog.versions_of_run(self.id, "output")
        ]

    def used_artifacts(self) -> list[Artifact]:
        """Artifact versions this run used (inputs)."""
        from ipyartifacts.api.artifact import Artifact

        return [
            Artifact._from_record(self._client, r)
            for r in self._client.catalog.versions_of_run(self.id, "input")
        ]


def init(
    project: str | None = None,
    job_type: str | None = None,
    name: str | None = None,
    config: dict[str, Any] | None = None,
    notes: str | None = None,
    tags: list[str] | None = None,
    store: str | os.PathLike[str] | None = None,
    **_wandb_settings: Any,
) -> Run:
    """Start a run and make it the active one (``ipyartifacts.run``).

    Parameters
    ----------
    project : str, optional
        Defaults to ``$IPYARTIFACTS_PROJECT``, else ``"uncategorized"``.
    job_type, name, config, notes, tags
        As in W&B. ``config`` must be strict JSON.
    store : str or path, optional
        The store directory; defaults to ``$IPYARTIFACTS_STORE``, else the user-data dir.

    Other W&B keyword arguments (``entity``, ``mode``, ``reinit`` ...) are accepted and
    ignored: there is no server to talk to.

    Examples
    --------
    >>> import ipyartifacts as wandb
    >>> run = wandb.init(project="artifacts-example", job_type="add-dataset")  # doctest: +SKIP
    """
    global _active
    project = validate_name(project or default_project(), "project name")
    if job_type is not None:
        validate_name(job_type, "job type")
    client = get_client(store)
    run_id = _new_id()
    record = RunRecord(
        id=run_id,
        project=project,
        name=name or f"{job_type or 'run'}-{run_id}",
        job_type=job_type,
        config=check_metadata(config, "config"),
        notes=notes,
        tags=tuple(validate_tag(t) for t in tags or ()),
        host=socket.gethostname(),
        provenance={
            "python": sys.version.split()[0],
            "argv": list(sys.argv[:8]),
            "cwd": os.getcwd(),
        },
        state="running",
        started_at=datetime.now(timezone.utc),
        finished_at=None,
    )
    client.catalog.create_run(record)
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
