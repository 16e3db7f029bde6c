"""``Registry``: W&B's curated spaces of collections whose versions link to logged versions.

Every store has the ``model`` and ``dataset`` registries; ``Api().create_registry`` makes
more. A registry collection (``wandb-registry-model/classifier``) numbers its links v0,
v1, ... in link order, with ``latest`` on the newest; its aliases are its own. A registry
can restrict the artifact types it accepts, and mark aliases protected (moving or removing
one then needs ``force=True``); every alias move is recorded (:meth:`Registry.alias_history`).

Members: a local store has no accounts, so ``add_members`` / ``remove_members`` /
``update_member`` record the names given (strings, or objects with ``username`` or
``name``) with a role; nothing is enforced. They are there so W&B code runs, and so a
team store can say who is meant to curate it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ipyartifacts.api._mongo import matches
from ipyartifacts.api.query import ArtifactCollection
from ipyartifacts.errors import ArtifactStateError
from ipyartifacts.store.names import REGISTRY_PREFIX, validate_tag
from ipyartifacts.store.records import (
    AliasMove,
    CollectionRecord,
    RegistryCollectionRecord,
    RegistryRecord,
)

if TYPE_CHECKING:
    from ipyartifacts.api.api import Api
    from ipyartifacts.api.artifact import Artifact
    from ipyartifacts.core.client import Client

__all__ = [
    "Registries",
    "Registry",
    "RegistryCollection",
    "RegistryCollections",
    "TeamMember",
    "UserMember",
]

ROLES = ("admin", "member", "viewer", "restricted_viewer")


@dataclass(frozen=True)
class UserMember:
    """A user recorded as a member of a registry."""

    user: str
    role: str


@dataclass(frozen=True)
class TeamMember:
    """A team recorded as a member of a registry."""

    team: str
    role: str


class ArtifactTypesList(list[str]):
    """W&B's add-only list of accepted types: saved types cannot be removed."""

    def __init__(self, saved: tuple[str, ...]) -> None:
        super().__init__(saved)
        self._saved = set(saved)

    @property
    def draft(self) -> tuple[str, ...]:
        """Types added since the last save."""
        return tuple(t for t in self if t not in self._saved)

    def remove(self, value: str) -> None:
        if value in self._saved:
            raise ArtifactStateError(
                f"Cannot remove artifact type {value!r}: it is saved, and a registry's "
                "accepted types are add-only."
            )
        super().remove(value)


def _member_name(member: Any) -> tuple[str, str]:
    """``(kind, name)`` of a member given as a string, a User/Team-like object or a member."""
    if isinstance(member, UserMember):
        return "user", member.user
    if isinstance(member, TeamMember):
        return "team", member.team
    if isinstance(member, str) and member:
        return ("team", member[5:]) if member.startswith("team:") else ("user", member)
    for attr, kind in (("username", "user"), ("name", "team")):
        value = getattr(member, attr, None)
        if isinstance(value, str) and value:
            return kind, value
    raise TypeError(
        f"A registry member is a user name (str), 'team:<name>', or a UserMember / "
        f"TeamMember; got {member!r}."
    )


class Registry:
    """One registry (W&B's ``wandb.apis.public.Registry``)."""

    def __init__(self, client: Client, record: RegistryRecord) -> None:
        self._client = client
        self._update(record)

    def _update(self, record: RegistryRecord) -> None:
        self._saved = record
        self._name = record.name
        self._description = record.description
        self._visibility = record.visibility
        self._allow_all = record.allow_all_types
        self._types = ArtifactTypesList(record.artifact_types)

    # -- W&B's properties ---------------------------------------------------------

    id = property(lambda self: self._saved.id, doc="The registry's id.")
    internal_id = property(lambda self: None, doc="W&B's GraphQL id: None in a local store.")
    organization = property(lambda self: self._saved.organization, doc="Its organization.")
    entity = property(lambda self: self._saved.organization, doc="Its organization entity.")
    created_at = property(lambda self: self._saved.created_at, doc="When it was created.")
    updated_at = property(lambda self: self._saved.updated_at, doc="When it was last saved.")

    @property
    def name(self) -> str:
        """Name without the ``wandb-registry-`` prefix (settable, then ``save()``)."""
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = value

    @property
    def full_name(self) -> str:
        """``wandb-registry-<name>``: the project its collections are written under."""
        return f"{REGISTRY_PREFIX}{self._name}"

    @property
    def path(self) -> list[str]:
        return [self.entity, self.full_name]

    @property
    def description(self) -> str | None:
        return self._description

    @description.setter
    def description(self, value: str | None) -> None:
        self._description = value

    @property
    def visibility(self) -> str:
        """``"organization"`` or ``"restricted"`` (recorded; a local store has no accounts)."""
        return self._visibility

    @visibility.setter
    def visibility(self, value: str) -> None:
        from ipyartifacts.store.catalog.registry import check_visibility

        self._visibility = check_visibility(value)

    @property
    def allow_all_artifact_types(self) -> bool:
        """True: any type may be linked; False: only :attr:`artifact_types`."""
        return self._allow_all

    @allow_all_artifact_types.setter
    def allow_all_artifact_types(self, value: bool) -> None:
        self._allow_all = bool(value)

    @property
    def artifact_types(self) -> ArtifactTypesList:
        """Accepted types; append then ``save()`` (saved types cannot be removed)."""
        return self._types

    @property
    def protected_aliases(self) -> list[str]:
        """Aliases that need ``force=True`` to move or remove in this registry."""
        return list(self._saved.protected_aliases)

    # -- lifecycle ----------------------------------------------------------------

    @classmethod
    def create(
        cls,
        api: Api,
        organization: str,
        name: str,
        visibility: str,
        description: str | None = None,
        artifact_types: list[str] | None = None,
    ) -> Registry:
        """Create a registry (``Api().create_registry`` calls this)."""
        client = api._client
        return cls(
            client,
            client.catalog.create_registry(
                name,
                visibility=visibility,
                organization=organization,
                description=description,
                artifact_types=artifact_types,
            ),
        )

    def load(self) -> None:
        """Re-read the registry from the store (unsaved edits are dropped)."""
        self._update(self._client.catalog.get_registry(self._saved.name))

    def save(self) -> None:
        """Save name, description, visibility and accepted types."""
        self._update(
            self._client.catalog.update_registry(
                self._saved.id,
                name=self._name,
                description=self._description,
                visibility=self._visibility,
                allow_all_types=self._allow_all,
                add_types=self._types.draft,
            )
        )

    def delete(self) -> None:
        """Delete the registry, its collections and links (never the logged versions)."""
        self._client.catalog.delete_registry(self._saved.name)

    # -- contents -----------------------------------------------------------------

    def collections(
        self,
        filter: Mapping[str, Any] | None = None,
        order: str | None = None,
        per_page: int = 100,
        start: str | None = None,
    ) -> RegistryCollections:
        """Collections of this registry matching ``filter`` (name, tag, description, ...).

        Chain ``.versions(filter)`` to search their linked versions.
        """
        del per_page, start
        found = [
            RegistryCollection(self._client, r)
            for r in self._client.catalog.registry_collections(self._saved.name)
        ]
        return RegistryCollections(_ordered([c for c in found if matches(c._doc(), filter)], order))

    def versions(
        self,
        filter: Mapping[str, Any] | None = None,
        order: str | None = None,
        per_page: int = 100,
        start: str | None = None,
    ) -> list[Artifact]:
        """Linked versions in this registry matching ``filter`` (tag, alias, metadata ...)."""
        del order, per_page, start
        from ipyartifacts.api.links import linked_artifacts

        found = linked_artifacts(self._client, self._client.catalog.list_links(self._saved.name))
        return [a for a in found if matches(_version_doc(a), filter)]

    # -- protected aliases and their history ------------------------------------

    def protect_aliases(self, *aliases: str) -> None:
        """Protect aliases: moving or removing one then needs ``force=True`` / ``--force``."""
        self._saved = self._client.catalog.protect_aliases(self._saved.name, add=aliases)

    def unprotect_aliases(self, *aliases: str) -> None:
        """Stop protecting aliases."""
        self._saved = self._client.catalog.protect_aliases(self._saved.name, remove=aliases)

    def alias_history(
        self, collection: str | None = None, alias: str | None = None
    ) -> list[AliasMove]:
        """Every alias move in this registry (or one collection / alias), oldest first."""
        return self._client.catalog.alias_history(self._saved.name, collection, alias)

    # -- members (recorded, not enforced) -----------------------------------------

    def members(self) -> list[UserMember | TeamMember]:
        return [*self.user_members(), *self.team_members()]

    def user_members(self) -> list[UserMember]:
        rows = self._client.catalog.registry_members(self._saved.name)
        return [UserMember(name, role) for kind, name, role in rows if kind == "user"]

    def team_members(self) -> list[TeamMember]:
        rows = self._client.catalog.registry_members(self._saved.name)
        return [TeamMember(name, role) for kind, name, role in rows if kind == "team"]

    def add_members(self, *members: Any) -> Registry:
        """Record users (names) or teams (``"team:<name>"``) as members, role ``member``."""
        if not members:
            raise TypeError("Must provide at least one member to 'add_members'.")
        self._client.catalog.set_registry_members(
            self._saved.name, [_member_name(m) for m in members], role=None
        )
        return self

    def remove_members(self, *members: Any) -> Registry:
        if not members:
            raise TypeError("Must provide at least one member to 'remove_members'.")
        self._client.catalog.set_registry_members(
            self._saved.name, [_member_name(m) for m in members], remove=True
        )
        return self

    def update_member(self, member: Any, role: str) -> Registry:
        """Set a member's role: admin, member, viewer or restricted_viewer."""
        if role not in ROLES:
            raise ValueError(f"Unknown registry role {role!r}; use one of {', '.join(ROLES)}.")
        self._client.catalog.set_registry_members(
            self._saved.name, [_member_name(member)], role=role
        )
        return self

    # -- display ------------------------------------------------------------------

    def _doc(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "full_name": self.full_name,
            "description": self.description,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Notebook display: escaped HTML and text."""
        from ipyartifacts._display import mimebundle

        return mimebundle(self, include=include, exclude=exclude)

    def __repr__(self) -> str:
        return f"<Registry {self.full_name} collections={len(self.collections())}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Registry) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)


def _ordered(items: list[RegistryCollection], order: str | None) -> list[RegistryCollection]:
    if not order:
        return items
    key = order.lstrip("+-")
    return sorted(items, key=lambda c: str(c._doc().get(key)), reverse=order.startswith("-"))


def _version_doc(artifact: Artifact) -> dict[str, Any]:
    return {
        "tag": list(artifact.tags),
        "alias": list(artifact.aliases),
        "created_at": artifact.created_at,
        "metadata": artifact.metadata,
        "name": artifact.collection_name,
    }


class RegistryCollections(list["RegistryCollection"]):
    """A list of registry collections that can be searched on: ``.versions(filter)``."""

    def versions(self, filter: Mapping[str, Any] | None = None) -> list[Artifact]:
        """Linked versions of these collections matching ``filter`` (tag, alias, metadata)."""
        return [v for c in self for v in c.versions() if matches(_version_doc(v), filter)]


class Registries:
    """Registries matching a filter, W&B's ``Api().registries(...)``; iterate it."""

    def __init__(self, client: Client, filter: Mapping[str, Any] | None) -> None:
        self._client = client
        self._items = [
            Registry(client, r)
            for r in client.catalog.list_registries()
            if matches(Registry(client, r)._doc(), filter)
        ]

    def __iter__(self) -> Iterator[Registry]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> Registry:
        return self._items[index]

    def collections(self, filter: Mapping[str, Any] | None = None) -> RegistryCollections:
        """Collections of these registries matching ``filter``."""
        return RegistryCollections([c for r in self._items for c in r.collections(filter)])

    def versions(self, filter: Mapping[str, Any] | None = None) -> list[Artifact]:
        """Linked versions of these registries matching ``filter``."""
        return [v for r in self._items for v in r.versions(filter)]

    def __repr__(self) -> str:
        return f"<Registries {', '.join(r.name for r in self._items)}>"


class RegistryCollection(ArtifactCollection):
    """A registry collection: its versions are links (``wandb-registry-model/classifier``)."""

    def __init__(self, client: Client, record: RegistryCollectionRecord) -> None:
        super().__init__(
            client,
            CollectionRecord(
                project=f"{REGISTRY_PREFIX}{record.registry}",
                name=record.name,
                type=record.type,
                description=record.description,
                created_at=record.created_at,
                version_count=record.link_count,
                latest_number=record.latest_number,
            ),
        )
        self._reg = record
        self._description = record.description
        self._tags = list(record.tags)

    @classmethod
    def _load(cls, client: Client, registry: str, name: str) -> RegistryCollection:
        return cls(client, client.catalog.registry_collection(registry, name))

    registry = property(lambda self: self._reg.registry, doc="Registry name (no prefix).")
    updated_at = property(lambda self: self._reg.updated_at, doc="When it last changed.")

    @property
    def description(self) -> str | None:
        return self._description

    @description.setter
    def description(self, value: str | None) -> None:
        self._description = value

    @property
    def tags(self) -> list[str]:
        """Collection tags (a list you may edit, then ``save()``)."""
        return self._tags

    @tags.setter
    def tags(self, value: list[str]) -> None:
        self._tags = [validate_tag(t) for t in value]

    def is_sequence(self) -> bool:
        """False: a registry collection holds links, not logged versions (W&B's portfolio)."""
        return False

    def save(self) -> None:
        """Save the description and tags."""
        record = self._client.catalog.update_registry_collection(
            self._reg.registry,
            self.name,
            description=self._description,
            tags=[validate_tag(t) for t in self._tags],
        )
        self._record = CollectionRecord(
            project=self.project,
            name=record.name,
            type=record.type,
            description=record.description,
            created_at=record.created_at,
            version_count=record.link_count,
            latest_number=record.latest_number,
        )
        self._reg = record
        self._description = record.description
        self._tags = list(record.tags)

    def versions(
        self, tags: str | Sequence[str] | None = None, metadata: Mapping[str, Any] | None = None
    ) -> list[Artifact]:
        """Linked versions, newest first (``tags``: carrying all of them)."""
        from ipyartifacts.api.links import linked_artifacts
        from ipyartifacts.core.metadata_filter import compile_metadata_filter

        wanted = [tags] if isinstance(tags, str) else list(tags or [])
        condition = compile_metadata_filter(metadata) if metadata else None
        links = self._client.catalog.list_links(self._reg.registry, self.name)
        return [
            a
            for a in linked_artifacts(self._client, links)
            if all(t in a.tags for t in wanted)
            and (condition is None or condition.matches(a.metadata))
        ]

    def delete(self) -> int:
        """Remove the collection and its links (the logged versions stay); return how many."""
        count = len(self._client.catalog.list_links(self._reg.registry, self.name))
        self._client.catalog.delete_registry_collection(self._reg.registry, self.name)
        return count

    def _doc(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tag": list(self._tags),
            "description": self._description,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "type": self.type,
        }

    def __repr__(self) -> str:
        return (
            f"<RegistryCollection {self.project}/{self.name} type={self.type!r} "
            f"versions={self.version_count}>"
        )
