"""``Api``: read and query the store outside of a run (W&B's ``wandb.Api``)."""

from __future__ import annotations

import os
from typing import Any

from ._artifact import Artifact
from ._client import Client, get_client
from ._config import default_project
from ._names import parse_spec, validate_name
from ._run import Run, active_run
from .errors import ArtifactNotFoundError, ArtifactTypeMismatchError

__all__ = ["Api"]


class Api:
    """Query artifacts and runs in a store.

    Parameters
    ----------
    store : str or path, optional
        Defaults to ``$IPYARTIFACTS_STORE``, else the user-data dir.
    overrides : dict, optional
        W&B compatibility: ``{"project": ...}`` sets the default project.

    Examples
    --------
    >>> api = Api()                                  # doctest: +SKIP
    >>> api.artifact("vision/mnist:v2").download()   # doctest: +SKIP
    """

    def __init__(
        self,
        store: str | os.PathLike[str] | None = None,
        overrides: dict[str, Any] | None = None,
        **_wandb_kwargs: Any,
    ) -> None:
        run = active_run()
        if store is None and run is not None:
            self._client: Client = run._client
        else:
            self._client = get_client(store)
        project = (overrides or {}).get("project")
        self._project = validate_name(project, "project name") if project else None

    def _default_project(self) -> str:
        if self._project is not None:
            return self._project
        run = active_run()
        if run is not None and run._client is self._client:
            return str(run.project)
        return default_project()

    @property
    def store(self) -> str:
        return str(self._client.root)

    def artifact(self, name: str, type: str | None = None) -> Artifact:
        """The version named ``[project/]name[:alias|:vN]`` (no alias: ``latest``)."""
        spec = parse_spec(name)
        record = self._client.resolve(
            spec.project or self._default_project(), spec.name, spec.alias
        )
        if type is not None and record.type != type:
            raise ArtifactTypeMismatchError(
                f"{record.name}:v{record.number} has type {record.type!r}, not {type!r}.",
                expected=record.type,
                received=type,
            )
        return Artifact._from_record(self._client, record)

    def artifact_exists(self, name: str, type: str | None = None) -> bool:
        """Whether ``artifact(name, type)`` would find a version."""
        try:
            self.artifact(name, type)
        except (ArtifactNotFoundError, ArtifactTypeMismatchError):
            return False
        return True

    def artifacts(
        self, type_name: str | None = None, name: str = "", per_page: int = 50, tags: Any = None
    ) -> list[Artifact]:
        """Versions of one collection (``[project/]name``), newest first."""
        del per_page
        spec = parse_spec(name)
        records = self._client.catalog.list_versions(
            spec.project or self._default_project(), spec.name
        )
        if type_name is not None:
            records = [r for r in records if r.type == type_name]
        if tags:
            wanted = {tags} if isinstance(tags, str) else set(tags)
            records = [r for r in records if wanted <= set(r.tags)]
        return [Artifact._from_record(self._client, r) for r in records]

    def artifact_versions(self, type_name: str, name: str, per_page: int = 50) -> list[Artifact]:
        """W&B's older name for :meth:`artifacts`."""
        return self.artifacts(type_name, name, per_page)

    def runs(self, project: str | None = None) -> list[Run]:
        """Runs of a project (default project when omitted), newest first."""
        records = self._client.catalog.list_runs(project or self._default_project())
        return [Run._from_record(self._client, r) for r in records]

    def run(self, path: str) -> Run:
        """A run by id (``"id"`` or ``"project/id"``)."""
        run_id = path.rsplit("/", 1)[-1]
        return Run._from_record(self._client, self._client.run(run_id))
