"""Registry paths and linked versions: parsing W&B's target paths, resolving through links.

A registry collection is written as W&B writes it: ``wandb-registry-<registry>/<collection>``,
optionally after an organization or entity (``my-org/wandb-registry-model/classifier``),
with ``:alias`` or ``:vN`` when naming a version. W&B's older model registry,
``[entity/]model-registry/<name>``, is the built-in ``model`` registry here (W&B moved
those collections into its Model registry).

A *linked* version is shown as an :class:`~ipyartifacts.api.artifact.Artifact` whose name,
version, project and aliases are the link's (``classifier:v3`` in
``wandb-registry-model``) and whose content, metadata, tags and lineage are the source
version's: a link copies no bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ipyartifacts.errors import InvalidNameError
from ipyartifacts.store.names import REGISTRY_PREFIX, registry_name, validate_name

if TYPE_CHECKING:
    from ipyartifacts.api.artifact import Artifact
    from ipyartifacts.core.client import Client
    from ipyartifacts.store.records import LinkRecord, VersionRecord

__all__ = [
    "LEGACY_MODEL_REGISTRY",
    "linked_artifact",
    "linked_artifacts",
    "parse_target",
    "registry_of",
    "resolve_artifact",
]

LEGACY_MODEL_REGISTRY = "model-registry"


def registry_of(project: str | None) -> str | None:
    """``"wandb-registry-model"`` -> ``"model"``; ``"model-registry"`` -> ``"model"``; else None."""
    if project is None:
        return None
    if project == LEGACY_MODEL_REGISTRY:
        return "model"
    if project.startswith(REGISTRY_PREFIX) and project != REGISTRY_PREFIX:
        return registry_name(project)
    return None


def parse_target(target_path: str) -> tuple[str, str]:
    """``[org/]wandb-registry-<registry>/<collection>`` -> ``(registry, collection)``."""
    if not isinstance(target_path, str) or not target_path:
        raise InvalidNameError(
            f"A link target is a registry collection such as "
            f"'wandb-registry-model/classifier'; got {target_path!r}.",
            name=repr(target_path),
        )
    path, sep, alias = target_path.partition(":")
    if sep:
        raise InvalidNameError(
            f"Link target {target_path!r} names a version ({alias!r}); a target is a "
            "collection: write it without ':...' and pass aliases=[...] instead.",
            name=target_path,
        )
    parts = path.split("/")
    project = parts[-2] if len(parts) in (2, 3) else None
    registry = registry_of(project)
    if registry is None:
        raise InvalidNameError(
            f"Cannot link to {target_path!r}: a target is a registry collection, written "
            "'wandb-registry-<registry>/<collection>' (optionally after an organization), "
            "e.g. 'wandb-registry-model/classifier'. Plain project collections are not "
            "link targets here.",
            name=target_path,
        )
    return registry, validate_name(parts[-1], "collection name")


def linked_artifact(
    client: Client, link: LinkRecord, source: VersionRecord | None = None
) -> Artifact:
    """The Artifact for one link (name and aliases of the link, content of its source)."""
    from ipyartifacts.api.artifact import Artifact

    if source is None:
        source = client.catalog.get_version(link.version_id)
    view = replace(
        source,
        project=f"{REGISTRY_PREFIX}{link.registry}",
        name=link.collection,
        number=link.number,
        aliases=link.aliases,
    )
    artifact = Artifact._from_record(client, view)
    artifact._link = link
    artifact._source_record = source
    return artifact


def linked_artifacts(client: Client, links: Sequence[LinkRecord]) -> list[Artifact]:
    """Artifacts for many links, their sources read in one batch."""
    sources = client.catalog.versions_by_id([link.version_id for link in links])
    return [
        linked_artifact(client, link, sources[link.version_id])
        for link in links
        if link.version_id in sources
    ]


def resolve_artifact(client: Client, project: str, name: str, alias: str) -> Artifact:
    """``project/name:alias`` as an Artifact, through a registry link when ``project`` is one."""
    from ipyartifacts.api.artifact import Artifact

    registry = registry_of(project)
    if registry is not None:
        return linked_artifact(client, client.catalog.resolve_link(registry, name, alias))
    return Artifact._from_record(client, client.resolve(project, name, alias))
