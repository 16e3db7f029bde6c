"""``Api``: read and query the store outside of a run (W&B's ``wandb.Api``)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ipyartifacts.api.artifact import Artifact
from ipyartifacts.api.run import Run, active_run
from ipyartifacts.core.client import Client, get_client
from ipyartifacts.core.gc import DEFAULT_GRACE
from ipyartifacts.errors import ArtifactNotFoundError, ArtifactTypeMismatchError, InvalidNameError
from ipyartifacts.store.config import default_project
from ipyartifacts.store.names import parse_spec, validate_name

if TYPE_CHECKING:
    from ipyartifacts.api.project import Project
    from ipyartifacts.api.query import ArtifactCollection, ArtifactType
    from ipyartifacts.api.registry import Registries, Registry
    from ipyartifacts.core.cache import ArtifactCache
    from ipyartifacts.core.copy import CopyReport
    from ipyartifacts.core.diff import ArtifactDiff
    from ipyartifacts.core.gc import GCReport
    from ipyartifacts.core.progress import ProgressFactory

__all__ = ["Api"]


class Api:
    """Query artifacts and runs in a store.

    Parameters
    ----------
    overrides : dict, optional
        As in W&B: ``{"project": ...}`` sets the default project (``"entity"`` is
        accepted and ignored).
    timeout, api_key
        W&B's; accepted and ignored (there is no server).
    store : str or path, optional (keyword only)
        Defaults to the active run's store, else ``$IPYARTIFACTS_STORE``, else the
        user-data dir.

    Examples
    --------
    >>> api = Api()                                  # doctest: +SKIP
    >>> api.artifact("vision/mnist:v2").download()   # doctest: +SKIP
    """

    def __init__(
        self,
        overrides: dict[str, Any] | str | os.PathLike[str] | None = None,
        timeout: int | None = None,
        api_key: str | None = None,
        *,
        store: str | os.PathLike[str] | None = None,
    ) -> None:
        del timeout, api_key
        if isinstance(overrides, (str, os.PathLike)):  # Api(path): a store, as before
            store, overrides = overrides, None
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
        from ipyartifacts.api.links import resolve_artifact

        spec = parse_spec(name)
        artifact = resolve_artifact(
            self._client, spec.project or self._default_project(), spec.name, spec.alias
        )
        if type is not None and artifact.type != type:
            raise ArtifactTypeMismatchError(
                f"{artifact.name} has type {artifact.type!r}, not {type!r}.",
                expected=artifact.type,
                received=type,
            )
        return artifact

    def artifact_exists(self, name: str, type: str | None = None) -> bool:
        """Whether ``artifact(name, type)`` would find a version."""
        try:
            self.artifact(name, type)
        except (ArtifactNotFoundError, ArtifactTypeMismatchError):
            return False
        return True

    def artifacts(
        self,
        type_name: str | None = None,
        name: str = "",
        order: str | None = None,
        per_page: int = 50,
        tags: str | Sequence[str] | None = None,
        start: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        *,
        project: str | None = None,
    ) -> list[Artifact]:
        """Live versions of one collection (``[project/]name``), newest first.

        Deleted and expired versions are never listed. With ``name=""`` the versions of
        every collection (of ``type_name``, if given) in the project are listed, newest
        first. ``tags``: versions carrying all of them. ``metadata``: conditions on
        version metadata, all of which must hold::

            {"split": "train"}                   equal
            {"accuracy": {">=": 0.9}}            == != < <= > >= (numbers or strings)
            {"split": {"in": ["train", "val"]}}  one of
            {"notes": {"exists": False}}         key absent
            {"eval.f1": {">": 0.5}}              dotted keys reach into nested dicts

        Examples
        --------
        >>> api.artifacts("dataset", "mnist", metadata={"split": "train"})   # doctest: +SKIP
        >>> api.artifacts("model", "", metadata={"accuracy": {">": 0.9}})    # doctest: +SKIP
        """
        del per_page, start  # results are streamed from the catalog in batches already
        from ipyartifacts.api.query import query_versions

        if order not in (None, "-created_at", "+created_at", "created_at"):
            raise ValueError(
                f"order must be '-created_at' (newest first, the default) or '+created_at', "
                f"got {order!r}."
            )

        if name:
            spec = parse_spec(name)
            if spec.alias != "latest" or name.endswith(":latest"):
                raise InvalidNameError(
                    f"artifacts() lists the versions of a collection; pass its name without "
                    f"an alias (got {name!r}). Use api.artifact({name!r}) for one version.",
                    name=name,
                )
            chosen_project = spec.project or project or self._default_project()
            collection: str | None = spec.name
            from ipyartifacts.api.links import registry_of

            if registry_of(chosen_project) is not None:
                linked = self.artifact_collection(type_name, f"{chosen_project}/{spec.name}")
                return linked.versions(tags=tags, metadata=metadata)
        else:
            chosen_project = project or self._default_project()
            collection = None
        found = query_versions(
            self._client,
            validate_name(chosen_project, "project name"),
            name=collection,
            type_name=type_name,
            tags=tags,
            metadata=metadata,
        )
        return found if order in (None, "-created_at") else found[::-1]

    def artifact_collections(
        self,
        project_name: str | None = None,
        type_name: str | None = None,
        order: str | None = None,
        per_page: int = 50,
        start: str | None = None,
    ) -> list[ArtifactCollection]:
        """Collections of a project (of one type, if given), sorted by name.

        Examples
        --------
        >>> [c.name for c in api.artifact_collections("vision", "dataset")]  # doctest: +SKIP
        ['cifar10', 'mnist']
        """
        del order, per_page, start
        from ipyartifacts.api.links import registry_of
        from ipyartifacts.api.query import ArtifactCollection

        chosen = self._project_arg(project_name)
        registry = registry_of(chosen)
        if registry is not None:  # "wandb-registry-model": that registry's collections
            found = self.registry(registry).collections()
            return [c for c in found if type_name is None or c.type == type_name]
        return [
            ArtifactCollection(self._client, r)
            for r in self._client.catalog.list_collections(chosen, type_name)
        ]

    def artifact_collection(self, type_name: str | None, name: str) -> ArtifactCollection:
        """One collection, ``[project/]name`` (its type checked when ``type_name`` is given).

        Examples
        --------
        >>> coll = api.artifact_collection("dataset", "vision/mnist")   # doctest: +SKIP
        >>> coll.version_count, coll.latest_version                      # doctest: +SKIP
        (3, 'v4')
        """
        from ipyartifacts.api.links import registry_of
        from ipyartifacts.api.query import find_collection

        spec = parse_spec(name)
        registry = registry_of(spec.project)
        if registry is not None:
            from ipyartifacts.api.registry import RegistryCollection

            found = RegistryCollection._load(self._client, registry, spec.name)
            if type_name is not None and found.type != type_name:
                raise ArtifactTypeMismatchError(
                    f"Registry collection {spec.project}/{spec.name} holds {found.type!r} "
                    f"artifacts, not {type_name!r}.",
                    expected=found.type,
                    received=type_name,
                )
            return found
        return find_collection(
            self._client, spec.project or self._default_project(), spec.name, type_name
        )

    def artifact_collection_exists(self, name: str, type: str) -> bool:
        """Whether the collection ``[project/]name`` exists with type ``type``."""
        try:
            self.artifact_collection(type, name)
        except (ArtifactNotFoundError, ArtifactTypeMismatchError):
            return False
        return True

    def artifact_types(
        self, project: str | None = None, start: str | None = None
    ) -> list[ArtifactType]:
        """Artifact types used in a project, sorted by name.

        Examples
        --------
        >>> [t.name for t in api.artifact_types("vision")]   # doctest: +SKIP
        ['dataset', 'model']
        """
        del start
        from ipyartifacts.api.query import ArtifactType

        chosen = self._project_arg(project)
        return [
            ArtifactType(self._client, chosen, t) for t in self._client.catalog.list_types(chosen)
        ]

    def artifact_type(self, type_name: str, project: str | None = None) -> ArtifactType:
        """One artifact type of a project; ArtifactNotFoundError if no collection has it.

        Examples
        --------
        >>> [c.name for c in api.artifact_type("model", "vision").collections()]  # doctest: +SKIP
        ['resnet', 'vit']
        """
        for found in self.artifact_types(project):
            if found.name == type_name:
                return found
        raise ArtifactNotFoundError(
            f"No artifacts of type {type_name!r} in project "
            f"{project or self._default_project()!r}.",
            name=type_name,
        )

    def diff(
        self,
        a: str | Artifact,
        b: str | Artifact,
        key: str | None = None,
        memory_budget: int | None = None,
    ) -> ArtifactDiff:
        """Compare two versions: files added / removed / modified, metadata, and tables.

        ``a`` and ``b`` are specs like ``"mnist:v1"`` and ``"mnist:v3"`` (or Artifact
        objects). For a table (Parquet, CSV/TSV, Arrow/Feather) modified between them the
        diff has a schema diff and row counts added / removed / changed, matched by the
        ``key`` column when given (else whole rows are compared as a multiset). Tables
        are streamed and hash-partitioned to disk, never loaded whole; ``memory_budget``
        (bytes, default 256 MiB) bounds the working set of each table diff.

        Examples
        --------
        >>> d = api.diff("mnist:v1", "mnist:v3", key="id")   # doctest: +SKIP
        >>> d.added, d.modified, d.tables                       # doctest: +SKIP
        >>> d.to_dict()                                          # doctest: +SKIP
        """
        from ipyartifacts.core.diff import DiffSide, diff_versions

        sides = []
        for one in (a, b):
            artifact = one if isinstance(one, Artifact) else self.artifact(one)
            client, record = artifact._require_logged("diff it")
            sides.append(
                DiffSide(
                    artifact.qualified_name,
                    client,
                    artifact.manifest,
                    record.metadata,
                    artifact.description,
                )
            )
        return diff_versions(sides[0], sides[1], key=key, memory_budget=memory_budget)

    def gc(self, grace: timedelta | float = DEFAULT_GRACE, dry_run: bool = False) -> GCReport:
        """Reclaim blobs no live version needs (see :func:`ipyartifacts.gc`).

        Examples
        --------
        >>> Api().gc(dry_run=True).bytes_freed   # doctest: +SKIP
        48213
        """
        from ipyartifacts.core.gc import collect

        return collect(self._client, grace=grace, dry_run=dry_run)

    def copy_to(
        self,
        dst: Api | str | os.PathLike[str],
        project: str | Sequence[str] | None = None,
        names: Sequence[str] | None = None,
        progress: ProgressFactory | None = None,
    ) -> CopyReport:
        """Copy this store's history into another store (``dst``: an Api or a store).

        Versions keep their numbers and ids; aliases, tags, edit history, runs and
        lineage come along; blobs move by digest and those already at ``dst`` are not
        sent. Copying again writes nothing. ``project`` / ``names`` narrow the copy to
        projects and collection names. ``progress(description, files, nbytes)`` may
        return a progress bar (see :mod:`ipyartifacts.core.progress`).

        Raises :class:`~ipyartifacts.CopyConflictError`, writing nothing, when ``dst``
        holds different content under a version number.

        Examples
        --------
        >>> Api().copy_to("/mnt/team-store", project="vision").versions_copied  # doctest: +SKIP
        12
        """
        import contextlib

        from ipyartifacts.core.copy import copy_store
        from ipyartifacts.core.progress import reporting

        target = dst._client if isinstance(dst, Api) else get_client(dst)
        projects = [project] if isinstance(project, str) else project
        with reporting(progress) if progress is not None else contextlib.nullcontext():
            return copy_store(
                self._client,
                target,
                [self._project_arg(p) for p in projects] if projects else None,
                list(names) if names else None,
            )

    @property
    def cache(self) -> ArtifactCache:
        """This store's local file cache: ``size()``, ``max_size``, ``cleanup(target)``.

        Examples
        --------
        >>> api.cache.cleanup("1GB")   # doctest: +SKIP
        """
        return self._client.cache

    def artifact_versions(self, type_name: str, name: str, per_page: int = 50) -> list[Artifact]:
        """W&B's older name for :meth:`artifacts`."""
        return self.artifacts(type_name, name, per_page=per_page)

    def runs(
        self,
        path: str | None = None,
        filters: Mapping[str, Any] | None = None,
        order: str = "+created_at",
        per_page: int = 50,
        include_sweeps: bool = False,
        lazy: bool = True,
    ) -> list[Run]:
        """Runs of a project (``path``: ``"entity/project"`` or ``"project"``), W&B's way.

        ``filters`` are W&B's (MongoDB-style) on ``state``, ``display_name``/``name``,
        ``group``, ``jobType``, ``tags`` and ``config.KEY``: a value, or
        ``{"$in": [...]}``, ``{"$ne": v}``, ``{"$gt"|"$gte"|"$lt"|"$lte": v}``, and
        ``{"$and": [...]}`` / ``{"$or": [...]}``. ``order``: ``"+created_at"`` (oldest
        first, W&B's default) or ``"-created_at"``.

        Examples
        --------
        >>> for run in api.runs("team/vision", filters={"state": "finished"}):  # doctest: +SKIP
        ...     for artifact in run.logged_artifacts():
        ...         artifact.delete(delete_aliases=True)
        """
        del per_page, include_sweeps, lazy
        from ipyartifacts.api.run_filters import order_runs, run_matches

        records = self._client.catalog.list_runs(self._project_arg(path))
        found = [Run._from_record(self._client, r) for r in records]
        if filters:
            found = [r for r in found if run_matches(r, filters)]
        return order_runs(found, order)

    def project(self, name: str, entity: str | None = None) -> Project:
        """The project ``name``; ArtifactNotFoundError if the store has no such project."""
        from ipyartifacts.api.project import find_project

        del entity
        return find_project(self, self._client, name)

    def projects(self, entity: str | None = None, per_page: int = 200) -> list[Project]:
        """Every project in the store, by name."""
        from ipyartifacts.api.project import all_projects

        del entity, per_page
        return all_projects(self, self._client)

    def _project_arg(self, project: str | None) -> str:
        """A project argument, W&B style: ``"project"`` or ``"entity/project"``."""
        if not project:
            return self._default_project()
        return validate_name(project.rsplit("/", 1)[-1], "project name")

    # -- registries ---------------------------------------------------------------

    def registries(
        self,
        organization: str | None = None,
        filter: dict[str, Any] | None = None,
        order: str | None = None,
        per_page: int = 100,
        start: str | None = None,
    ) -> Registries:
        """Registries matching a MongoDB-style ``filter`` (name, description, created_at ...).

        Chain ``.collections(filter)`` or ``.versions(filter)`` to search inside them.

        Examples
        --------
        >>> api.registries(filter={"name": {"$regex": "model"}})               # doctest: +SKIP
        >>> api.registries().versions(filter={"alias": "production"})          # doctest: +SKIP
        """
        del organization, order, per_page, start  # a local store has one organization
        from ipyartifacts.api.registry import Registries

        return Registries(self._client, filter)

    def registry(self, name: str, organization: str | None = None) -> Registry:
        """The registry ``name`` (without the ``wandb-registry-`` prefix; with it works too)."""
        del organization
        from ipyartifacts.api.registry import Registry

        return Registry(self._client, self._client.catalog.get_registry(name))

    def create_registry(
        self,
        name: str,
        visibility: str,
        organization: str | None = None,
        description: str | None = None,
        artifact_types: list[str] | None = None,
    ) -> Registry:
        """Create a registry; ``artifact_types`` restricts what may be linked (None: any).

        Raises RegistryExistsError (a ValueError, as in W&B) when the name is taken.

        Examples
        --------
        >>> api.create_registry("my-registry", visibility="restricted",
        ...                     artifact_types=["model"])                      # doctest: +SKIP
        """
        from ipyartifacts.api.registry import Registry
        from ipyartifacts.store.names import LOCAL_ORGANIZATION

        return Registry.create(
            self, organization or LOCAL_ORGANIZATION, name, visibility, description, artifact_types
        )

    def run(self, path: str = "") -> Run:
        """A run by path: ``"entity/project/run_id"`` (W&B's), ``"project/id"`` or ``"id"``."""
        run_id = path.rstrip("/").rsplit("/", 1)[-1] if isinstance(path, str) else ""
        if not run_id:
            raise InvalidNameError(
                f"Api().run() needs a run path like 'entity/project/run_id' (run.path), got "
                f"{path!r}.",
                name=str(path),
            )
        return Run._from_record(self._client, self._client.run(run_id))
