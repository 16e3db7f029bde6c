"""RegistryView: one registry's collections, their latest and protected versions, and links.

Each row is a registry collection: its type, link count, tags, description, the version
``latest`` is on, and the versions ``production`` and every protected alias point at. A row
opens to list the collection's links (newest first), each with its source version. The
whole registry is read in two catalog queries (collections, then every link), so showing a
registry reads its collections once and every link once, not a query per collection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

import anywidget
import traitlets

from ipyartifacts.widgets._static import static_file

if TYPE_CHECKING:
    from ipyartifacts import Registry
    from ipyartifacts.store.records import LinkRecord, VersionRecord

#: The alias every row shows a column for, protected or not (W&B's convention).
PRODUCTION = "production"
#: Links listed under an opened collection (the count says how many there are in all).
MAX_LINKS_SHOWN = 50


class LinkRow(TypedDict):
    """One link of a collection: its own version and aliases, and the version it points at."""

    version: str
    aliases: list[str]
    #: ``project/name:vN`` of the logged version (None when it is gone).
    source: str | None
    #: ``wandb-registry-<registry>/<collection>:vN``.
    qualified_name: str
    linked_at: str


class CollectionRow(TypedDict):
    """One registry collection, as a row of the widget."""

    name: str
    type: str
    link_count: int
    latest: str | None
    #: Alias -> link version, for ``production`` and every protected alias (None: unset).
    aliases: dict[str, str | None]
    tags: list[str]
    description: str | None
    links: list[LinkRow]


class RegistryState(TypedDict):
    """What the widget shows about the registry itself."""

    name: str
    full_name: str
    description: str | None
    visibility: str
    #: Accepted types; None means any type may be linked.
    artifact_types: list[str] | None
    protected_aliases: list[str]
    #: The alias columns, in order: ``production`` first, then the protected aliases.
    alias_columns: list[str]


def alias_columns(protected: list[str]) -> list[str]:
    """``production`` first, then every protected alias (no duplicates)."""
    return [PRODUCTION, *(a for a in protected if a != PRODUCTION)]


def registry_state(registry: Registry) -> tuple[RegistryState, list[CollectionRow]]:
    """The registry's facts and one row per collection (every link read in one query)."""
    from ipyartifacts.store.names import REGISTRY_PREFIX

    catalog = registry._client.catalog
    protected = registry.protected_aliases
    columns = alias_columns(protected)
    state = RegistryState(
        name=registry.name,
        full_name=registry.full_name,
        description=registry.description,
        visibility=registry.visibility,
        artifact_types=None if registry.allow_all_artifact_types else list(registry.artifact_types),
        protected_aliases=protected,
        alias_columns=columns,
    )
    links = catalog.list_links(registry.name)
    sources = catalog.versions_by_id(sorted({link.version_id for link in links}))
    by_collection: dict[str, list[LinkRecord]] = {}
    for link in links:
        by_collection.setdefault(link.collection, []).append(link)
    rows: list[CollectionRow] = []
    for coll in catalog.registry_collections(registry.name):
        mine = sorted(by_collection.get(coll.name, []), key=lambda k: k.number, reverse=True)
        held: dict[str, str | None] = dict.fromkeys(columns)
        for link in mine:
            for alias in link.aliases:
                if alias in held and held[alias] is None:
                    held[alias] = f"v{link.number}"
        prefix = f"{REGISTRY_PREFIX}{coll.registry}/{coll.name}"
        rows.append(
            CollectionRow(
                name=coll.name,
                type=coll.type,
                link_count=coll.link_count,
                latest=None if coll.latest_number is None else f"v{coll.latest_number}",
                aliases=held,
                tags=list(coll.tags),
                description=coll.description,
                links=[_link_row(link, sources, prefix) for link in mine[:MAX_LINKS_SHOWN]],
            )
        )
    return state, rows


def _link_row(link: LinkRecord, sources: dict[str, VersionRecord], prefix: str) -> LinkRow:
    source = sources.get(link.version_id)
    return LinkRow(
        version=f"v{link.number}",
        aliases=list(link.aliases),
        source=None if source is None else f"{source.project}/{source.name}:v{source.number}",
        qualified_name=f"{prefix}:v{link.number}",
        linked_at=link.created_at.isoformat(timespec="seconds"),
    )


class RegistryView(anywidget.AnyWidget):
    """A registry's collections with their latest, ``production`` and protected versions.

    Parameters
    ----------
    registry
        A :class:`~ipyartifacts.Registry` (``Api().registry("model")``).

    Examples
    --------
    >>> from ipyartifacts import Api                         # doctest: +SKIP
    >>> from ipyartifacts.widgets import RegistryView       # doctest: +SKIP
    >>> RegistryView(Api().registry("model"))               # doctest: +SKIP
    """

    _esm = static_file("registry_view.js")
    _css = static_file("registry_view.css")

    registry = traitlets.Dict().tag(sync=True)
    collections = traitlets.List(traitlets.Dict()).tag(sync=True)
    #: The collection whose links are listed (None: all closed).
    opened = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    def __init__(self, registry: Registry, **kwargs: Any) -> None:
        self._registry = registry
        state, rows = registry_state(registry)
        super().__init__(registry=dict(state), collections=[dict(r) for r in rows], **kwargs)

    def reload(self) -> None:
        """Read the registry again (after links or alias moves made since it was shown)."""
        self._registry.load()
        state, rows = registry_state(self._registry)
        self.registry = dict(state)
        self.collections = [dict(r) for r in rows]
