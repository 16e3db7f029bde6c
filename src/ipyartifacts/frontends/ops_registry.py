"""The command layer of the registry commands: ``link``, ``unlink`` and ``registry ...``.

Like :mod:`ipyartifacts.frontends.ops`, every function goes through the public API
(``Api``, ``Artifact.link``, ``Registry``) and returns a result object.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ipyartifacts.errors import ArtifactNotFoundError
from ipyartifacts.frontends.frontend import Frontend, qualify
from ipyartifacts.frontends.results import MessageView, VersionView
from ipyartifacts.frontends.results_registry import (
    AliasMovesView,
    RegistriesView,
    RegistryInfo,
    RegistryView,
)

if TYPE_CHECKING:
    from ipyartifacts.api.registry import Registry

__all__ = [
    "link",
    "registry_alias",
    "registry_create",
    "registry_history",
    "registry_ls",
    "registry_protect",
    "registry_show",
    "unlink",
]


def _info(registry: Registry) -> RegistryInfo:
    return RegistryInfo(
        name=registry.name,
        full_name=registry.full_name,
        description=registry.description,
        visibility=registry.visibility,
        artifact_types=None
        if registry.allow_all_artifact_types
        else tuple(registry.artifact_types),
        protected_aliases=tuple(registry.protected_aliases),
        collections=tuple(
            (c.name, c.type, c.version_count, c.latest_version) for c in registry.collections()
        ),
        created_at=registry.created_at,
    )


def link(
    fe: Frontend,
    source: str,
    target: str,
    aliases: Sequence[str] = (),
    force: bool = False,
    project: str | None = None,
) -> VersionView:
    """Link version ``source`` into registry collection ``target``."""
    artifact = fe.api(project).artifact(qualify(source, project))
    linked = artifact.link(target, list(aliases), force=force)
    return VersionView.of(
        linked, note=f"Linked {artifact.source_qualified_name} as {linked.qualified_name}."
    )


def unlink(fe: Frontend, spec: str, force: bool = False) -> MessageView:
    """Remove one linked version from its registry collection (the source stays)."""
    artifact = fe.api().artifact(spec)
    if not artifact.is_link:
        artifact.unlink()  # raises the clear "not a linked artifact" error
    name, source = artifact.qualified_name, artifact.source_qualified_name
    artifact.unlink(force=force)
    return MessageView(
        f"Unlinked {name} (it pointed at {source}, which is kept).",
        {"unlinked": name, "source": source},
    )


def registry_ls(fe: Frontend) -> RegistriesView:
    return RegistriesView(tuple(_info(r) for r in fe.api().registries()))


def registry_show(fe: Frontend, name: str) -> RegistryView:
    registry = fe.api().registry(name)
    return RegistryView(_info(registry), source=registry)


def registry_create(
    fe: Frontend,
    name: str,
    visibility: str = "organization",
    description: str | None = None,
    types: Sequence[str] = (),
) -> RegistryView:
    registry = fe.api().create_registry(
        name, visibility, description=description, artifact_types=list(types) or None
    )
    return RegistryView(_info(registry), note="created")


def registry_protect(
    fe: Frontend, name: str, aliases: Sequence[str], remove: bool = False
) -> RegistryView:
    registry = fe.api().registry(name)
    if remove:
        registry.unprotect_aliases(*aliases)
    else:
        registry.protect_aliases(*aliases)
    verb = "no longer protected" if remove else "protected"
    return RegistryView(_info(registry), note=f"{', '.join(aliases)} {verb}")


def registry_history(
    fe: Frontend, name: str, collection: str | None = None, alias: str | None = None
) -> AliasMovesView:
    registry = fe.api().registry(name)
    moves = registry.alias_history(collection, alias)
    return AliasMovesView(
        registry.full_name,
        tuple(
            (
                m.collection,
                m.alias,
                None if m.old_number is None else f"v{m.old_number}",
                None if m.new_number is None else f"v{m.new_number}",
                m.forced,
                m.actor,
                m.at,
            )
            for m in moves
        ),
    )


def registry_alias(
    fe: Frontend, spec: str, alias: str, remove: bool = False, force: bool = False
) -> VersionView:
    """Point ``alias`` at a linked version (moving it), or remove it; protected: ``force``."""
    from ipyartifacts.store.names import validate_alias

    validate_alias(alias)
    artifact = fe.api().artifact(spec)
    if not artifact.is_link:
        from ipyartifacts.errors import InvalidNameError

        raise InvalidNameError(
            f"{spec} is not a registry version; name one as "
            "wandb-registry-<registry>/<collection>:vN (or use `alias` for logged versions).",
            name=spec,
        )
    if remove:
        if alias not in artifact.aliases:
            raise ArtifactNotFoundError(
                f"{artifact.qualified_name} has no alias {alias!r}; its aliases are "
                f"{', '.join(artifact.aliases) or 'none'}.",
                name=alias,
            )
        artifact.aliases.remove(alias)
    elif alias not in artifact.aliases:
        artifact.aliases.append(alias)
    artifact.save(force=force)
    verb = "Removed" if remove else "Set"
    return VersionView.of(artifact, note=f"{verb} alias {alias!r}.")
