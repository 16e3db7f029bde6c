"""``Project``: W&B's public ``Project`` (``Api().project(name)``, ``Api().projects()``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ipyartifacts.errors import ArtifactNotFoundError
from ipyartifacts.store.names import validate_name

if TYPE_CHECKING:
    from ipyartifacts.api.api import Api
    from ipyartifacts.api.query import ArtifactCollection, ArtifactType
    from ipyartifacts.api.run import Run
    from ipyartifacts.core.client import Client

__all__ = ["Project", "all_projects", "find_project"]


class Project:
    """A project of the store: its collections, artifact types and runs.

    Examples
    --------
    >>> project = Api().project("vision")                        # doctest: +SKIP
    >>> [t.name for t in project.artifact_types()]               # doctest: +SKIP
    ['dataset', 'model']
    """

    def __init__(self, api: Api, client: Client, name: str) -> None:
        self._api = api
        self._client = client
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def entity(self) -> str:
        from ipyartifacts.api.artifact_members import default_entity

        return default_entity()

    @property
    def path(self) -> list[str]:
        """``[entity, name]``, as W&B's."""
        return [self.entity, self.name]

    @property
    def id(self) -> str:
        return self._name

    @property
    def url(self) -> str:
        """A ``file://`` URI of the store (there is no web app)."""
        from pathlib import Path

        return f"{Path(self._client.root).resolve().as_uri()}?project={self._name}"

    def collections(self, per_page: int = 50) -> list[ArtifactCollection]:
        """Every artifact collection of the project, by name."""
        del per_page
        return self._api.artifact_collections(self._name)

    def artifact_types(self, per_page: int = 50) -> list[ArtifactType]:
        """Artifact types used in the project, by name."""
        del per_page
        return self._api.artifact_types(self._name)

    def runs(self, filters: Any = None, order: str = "+created_at") -> list[Run]:
        return self._api.runs(self._name, filters=filters, order=order)

    def __repr__(self) -> str:
        return f"<Project {self._name}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Project) and other._name == self._name

    def __hash__(self) -> int:
        return hash(self._name)


def find_project(api: Api, client: Client, name: str) -> Project:
    chosen = validate_name(name.rsplit("/", 1)[-1], "project name")
    if chosen not in client.catalog.list_projects():
        raise ArtifactNotFoundError(
            f"No project named {chosen!r} in this store. Known projects: "
            f"{', '.join(client.catalog.list_projects()) or 'none yet'}.",
            name=chosen,
        )
    return Project(api, client, chosen)


def all_projects(api: Api, client: Client) -> list[Project]:
    return [Project(api, client, n) for n in client.catalog.list_projects()]
