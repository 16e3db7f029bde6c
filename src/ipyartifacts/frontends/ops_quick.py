"""Commands answered without the catalog's SQLAlchemy path, when they can be exactly.

A CLI command is a fresh process; for the listings people type most, the embedded
catalog is read with :mod:`ipyartifacts.store.quickread` (standard-library ``sqlite3``)
and the result is the one the full path builds. Anything it cannot answer exactly
returns None, and the caller takes the full path.
"""

from __future__ import annotations

from ipyartifacts.frontends.frontend import Frontend, qualify
from ipyartifacts.frontends.results import VersionsView, VersionView

__all__ = ["quick_versions"]


def quick_versions(
    fe: Frontend, bare: str, type: str | None, project: str | None
) -> VersionsView | None:
    """``versions`` from an embedded catalog by :mod:`ipyartifacts.store.quickread`, or
    None (a registry, another catalog, no such artifact: the full path answers)."""
    from ipyartifacts.api.links import registry_of
    from ipyartifacts.store.config import default_project, resolve_store
    from ipyartifacts.store.names import parse_spec
    from ipyartifacts.store.quickread import quick_versions as read_versions

    spec = parse_spec(qualify(bare, project))
    chosen = spec.project or project or default_project()
    if registry_of(chosen) is not None:
        return None
    found = read_versions(resolve_store(fe.store).database_url, chosen, spec.name, type)
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
