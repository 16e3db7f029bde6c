"""Commands answered without the catalog's SQLAlchemy path, when they can be exactly.

A CLI command is a fresh process; for the listings people type most, and for ``get``
(a download that records nothing), the embedded catalog is read with
:mod:`ipyartifacts.store.quickread` (standard-library ``sqlite3``) and the result is the
one the full path builds: ``get`` then places the files with the same code as
:meth:`Artifact.download`, and the catalog (SQLAlchemy) is never opened. Anything it
cannot answer exactly returns None, and the caller takes the full path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ipyartifacts.frontends.frontend import Frontend, qualify
from ipyartifacts.frontends.results import PathView, VersionsView, VersionView

if TYPE_CHECKING:
    from ipyartifacts.store.names import ArtifactSpec

__all__ = ["quick_get", "quick_versions"]


def _embedded(
    fe: Frontend, spec_text: str, project: str | None
) -> tuple[str, str, ArtifactSpec] | None:
    """(database URL, project, parsed spec) of a spec outside any registry, or None."""
    from ipyartifacts.api.links import registry_of
    from ipyartifacts.store.config import default_project, resolve_store
    from ipyartifacts.store.names import parse_spec

    spec = parse_spec(qualify(spec_text, project))
    chosen = spec.project or project or default_project()
    if registry_of(chosen) is not None:
        return None
    return resolve_store(fe.store).database_url, chosen, spec


def quick_get(
    fe: Frontend, spec_text: str, root: str | None, type: str | None, project: str | None
) -> PathView | None:
    """``get`` (a download recording nothing) from an embedded catalog, or None.

    The files are placed as :meth:`Artifact.download` places them (same code, same
    default folder), through the store's Client, whose catalog stays closed.
    """
    import os
    from pathlib import Path

    from ipyartifacts.api.artifact_members import default_root
    from ipyartifacts.core import download
    from ipyartifacts.core.client import get_client
    from ipyartifacts.core.progress import reporting
    from ipyartifacts.frontends.bars import bars_for
    from ipyartifacts.store.quickread import quick_version

    where = _embedded(fe, spec_text, project)
    if where is None:
        return None
    url, chosen, spec = where
    found = quick_version(url, chosen, spec.name, spec.alias, type)
    if found is None:
        return None
    version = f"{found.project}/{found.name}:v{found.number}"
    client = get_client(fe.store, catalog=False)
    manifest = client.manifest_of(found.manifest_digest, version)
    target = (
        Path(os.path.expanduser(root))
        if root is not None
        else default_root(found.name, found.number)
    )
    with reporting(bars_for(fe)):
        download.place_entries(client, list(manifest), target)
    return PathView(str(target), version, recorded=False)


def quick_versions(
    fe: Frontend, bare: str, type: str | None, project: str | None
) -> VersionsView | None:
    """``versions`` from an embedded catalog by :mod:`ipyartifacts.store.quickread`, or
    None (a registry, another catalog, no such artifact: the full path answers)."""
    from ipyartifacts.store.quickread import quick_versions as read_versions

    where = _embedded(fe, bare, project)
    if where is None:
        return None
    url, chosen, spec = where
    found = read_versions(url, chosen, spec.name, type)
    if found is None:
        return None
    rows = tuple(
        VersionView(
            project=v.project,
            name=v.name,
            type=v.type,
            version=f"v{v.number}",
            aliases=v.aliases,
            tags=v.tags,
            digest=v.digest,
            size=v.size,
            file_count=v.file_count,
            created_at=v.created_at,
            description=v.description,
            metadata=v.metadata,
            created_by=v.run[0] if v.run is not None else None,
            created_by_run=f"{v.run[1]} ({v.run[2] or 'run'})" if v.run is not None else None,
        )
        for v in found
    )
    return VersionsView(found[0].project, found[0].name, rows)
