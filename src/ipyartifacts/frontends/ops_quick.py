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
    from ipyartifacts.store.quickread import QuickVersion

__all__ = ["quick_get", "quick_versions"]


def _embedded(fe: Frontend, spec_text: str, project: str | None) -> tuple[str, str, str] | None:
    """(database URL, project, name:alias) of a spec outside any registry, or None."""
    from ipyartifacts.api.links import registry_of
    from ipyartifacts.store.config import default_project, resolve_store
    from ipyartifacts.store.names import parse_spec

    spec = parse_spec(qualify(spec_text, project))
    chosen = spec.project or project or default_project()
    if registry_of(chosen) is not None:
        return None
    return resolve_store(fe.store).database_url, chosen, f"{spec.name}:{spec.alias}"


def quick_get(
    fe: Frontend, spec_text: str, root: str | None, type: str | None, project: str | None
) -> PathView | None:
    """``get`` (a download recording nothing) from an embedded catalog, or None."""
    from ipyartifacts.store.quickread import quick_version

    where = _embedded(fe, spec_text, project)
    if where is None:
        return None
    url, chosen, name_alias = where
    name, _sep, alias = name_alias.partition(":")
    found = quick_version(url, chosen, name, alias, type)
    if found is None:
        return None
    return _place(fe, found, root)


def _place(fe: Frontend, found: QuickVersion, root: str | None) -> PathView:
    """Download ``found`` as :meth:`Artifact.download` does (same placement, same default
    folder), through the store's Client, whose catalog stays closed."""
    import os
    from pathlib import Path

    from ipyartifacts.api.artifact_members import version_dir_name
    from ipyartifacts.core import download
    from ipyartifacts.core.client import get_client
    from ipyartifacts.core.progress import reporting
    from ipyartifacts.frontends.bars import bars_for
    from ipyartifacts.store.config import artifact_dir
    from ipyartifacts.store.records import VersionRecord

    record = VersionRecord(
        id=found.id,
        project=found.project,
        name=found.name,
        type=found.type,
        number=found.number,
        digest=found.digest,
        manifest_digest=found.manifest_digest,
        size=found.size,
        file_count=found.file_count,
        description=found.description,
        metadata=found.metadata,
        created_at=found.created_at,
        created_by=found.created_by,
        expires_at=found.expires_at,
        aliases=found.aliases,
        tags=found.tags,
    )
    client = get_client(fe.store, catalog=False)
    target = (
        Path(os.path.expanduser(root))
        if root is not None
        else artifact_dir() / version_dir_name(found.name, found.number)
    )
    with reporting(bars_for(fe)):
        download.place_entries(client, list(client.manifest(record)), target)
    return PathView(str(target), f"{found.project}/{found.name}:v{found.number}", recorded=False)


def quick_versions(
    fe: Frontend, bare: str, type: str | None, project: str | None
) -> VersionsView | None:
    """``versions`` from an embedded catalog by :mod:`ipyartifacts.store.quickread`, or
    None (a registry, another catalog, no such artifact: the full path answers)."""
    from ipyartifacts.store.quickread import quick_versions as read_versions

    where = _embedded(fe, bare, project)
    if where is None:
        return None
    url, chosen, name_alias = where
    found = read_versions(url, chosen, name_alias.partition(":")[0], type)
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
