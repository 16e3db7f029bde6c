"""Catalog rows for registries: the registries themselves, members and protected aliases.

A mixin of :class:`~ipyartifacts.store.catalog.catalog.Catalog`; linking (registry
collections, links, their aliases and the alias-move log) is in :mod:`.links`, mixed in
through :class:`RegistryMixin`. Every public method is one transaction.

A registry is W&B's: a named space (``wandb-registry-<name>``) of collections whose
versions are links to versions logged in any project, no bytes copied. ``model`` and
``dataset`` exist in every store (created by migration 4) and cannot be deleted.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update

from ipyartifacts.errors import (
    ArtifactNotFoundError,
    ArtifactStateError,
    InvalidNameError,
    RegistryExistsError,
)
from ipyartifacts.store.catalog import _common
from ipyartifacts.store.catalog import schema as s
from ipyartifacts.store.catalog._common import aware
from ipyartifacts.store.catalog.errors import CatalogConflict
from ipyartifacts.store.catalog.links import LinksMixin
from ipyartifacts.store.names import (
    LOCAL_ORGANIZATION,
    REGISTRY_PREFIX,
    dumps,
    registry_name,
    validate_alias,
    validate_name,
)
from ipyartifacts.store.records import RegistryRecord

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row

__all__ = [
    "BUILTIN_REGISTRIES",
    "LOCAL_ORGANIZATION",
    "REGISTRY_PREFIX",
    "RegistryMixin",
    "create_builtin_registries",
    "registry_name",
]

BUILTIN_REGISTRIES = {
    "model": "Models: the team's curated model versions.",
    "dataset": "Datasets: the team's curated dataset versions.",
}
VISIBILITIES = ("organization", "restricted")


def check_visibility(visibility: object) -> str:
    if visibility not in VISIBILITIES:
        raise InvalidNameError(
            f"Registry visibility must be 'organization' or 'restricted', got {visibility!r}.",
            name=repr(visibility),
        )
    return str(visibility)


def create_builtin_registries(conn: Connection) -> None:
    """Insert the ``model`` and ``dataset`` registries when absent (migration 4)."""
    have = set(conn.execute(select(s.registries.c.name)).scalars())
    now = _common.utcnow()
    for name, description in BUILTIN_REGISTRIES.items():
        if name not in have:
            conn.execute(
                s.registries.insert().values(
                    id=uuid.uuid4().hex,
                    name=name,
                    description=description,
                    visibility="organization",
                    allow_all_types=True,
                    artifact_types="[]",
                    organization=LOCAL_ORGANIZATION,
                    builtin=True,
                    created_at=now,
                    updated_at=None,
                )
            )


class RegistryMixin(LinksMixin):
    """Registries: create, read, update, delete; members; protected aliases."""

    # -- reading ------------------------------------------------------------------

    def _registry_row(self, conn: Connection, name: str) -> Row[Any]:
        row = conn.execute(
            select(s.registries).where(s.registries.c.name == registry_name(name))
        ).first()
        if row is None:
            known = sorted(conn.execute(select(s.registries.c.name)).scalars())
            raise ArtifactNotFoundError(
                f"No registry named {registry_name(name)!r}. Registries in this store: "
                f"{', '.join(known)}. Create one with Api().create_registry(name, "
                "visibility='organization').",
                name=name,
            )
        return row

    def _registry_record(self, conn: Connection, row: Row[Any]) -> RegistryRecord:
        m = row._mapping
        protected = tuple(
            sorted(
                conn.execute(
                    select(s.protected_aliases.c.alias).where(
                        s.protected_aliases.c.registry_id == m["id"]
                    )
                ).scalars()
            )
        )
        return RegistryRecord(
            id=m["id"],
            name=m["name"],
            description=m["description"],
            visibility=m["visibility"],
            allow_all_types=bool(m["allow_all_types"]),
            artifact_types=tuple(json.loads(m["artifact_types"])),
            organization=m["organization"],
            created_at=aware(m["created_at"]),  # type: ignore[arg-type]
            updated_at=aware(m["updated_at"]),
            builtin=bool(m["builtin"]),
            protected_aliases=protected,
        )

    def get_registry(self, name: str) -> RegistryRecord:
        with self._read() as conn:
            return self._registry_record(conn, self._registry_row(conn, name))

    def list_registries(self) -> list[RegistryRecord]:
        """Every registry, by name."""
        with self._read() as conn:
            rows = conn.execute(select(s.registries).order_by(s.registries.c.name)).all()
            return [self._registry_record(conn, r) for r in rows]

    # -- writing ------------------------------------------------------------------

    def create_registry(
        self,
        name: str,
        *,
        visibility: str,
        organization: str | None = None,
        description: str | None = None,
        artifact_types: Sequence[str] | None = None,
    ) -> RegistryRecord:
        """Create a registry; RegistryExistsError when the name is taken.

        ``artifact_types`` empty or None accepts every type, as in W&B.
        """
        short = registry_name(name)
        types = [validate_name(t, "artifact type") for t in artifact_types or []]
        now = _common.utcnow()
        try:
            with self._write() as conn:
                conn.execute(
                    s.registries.insert().values(
                        id=uuid.uuid4().hex,
                        name=short,
                        description=description,
                        visibility=check_visibility(visibility),
                        allow_all_types=not types,
                        artifact_types=dumps(list(dict.fromkeys(types))),
                        organization=organization or LOCAL_ORGANIZATION,
                        builtin=False,
                        created_at=now,
                        updated_at=now,
                    )
                )
                return self._registry_record(conn, self._registry_row(conn, short))
        except CatalogConflict as exc:
            raise RegistryExistsError(
                f"Registry {short!r} already exists; use a different name, or "
                f"Api().registry({short!r}) to open it.",
                name=short,
            ) from exc

    def update_registry(
        self,
        registry_id: str,
        *,
        name: str,
        description: str | None,
        visibility: str,
        allow_all_types: bool,
        add_types: Sequence[str] = (),
    ) -> RegistryRecord:
        """Save a registry's editable fields. Accepted types are add-only (W&B's rule)."""
        new_name = registry_name(name)
        added = [validate_name(t, "artifact type") for t in add_types]
        if added and allow_all_types:
            raise ArtifactStateError(
                f"Cannot restrict registry {new_name!r} to types {', '.join(added)} while "
                "allow_all_artifact_types is True; set it to False first."
            )
        try:
            with self._write() as conn:
                row = conn.execute(
                    select(s.registries).where(s.registries.c.id == registry_id)
                ).first()
                if row is None:
                    raise ArtifactNotFoundError(
                        f"Registry {new_name!r} no longer exists (it was deleted).", name=new_name
                    )
                if row.builtin and new_name != row.name:
                    raise ArtifactStateError(
                        f"Registry {row.name!r} is built in and cannot be renamed."
                    )
                types = list(dict.fromkeys([*json.loads(row.artifact_types), *added]))
                conn.execute(
                    update(s.registries)
                    .where(s.registries.c.id == registry_id)
                    .values(
                        name=new_name,
                        description=description,
                        visibility=check_visibility(visibility),
                        allow_all_types=bool(allow_all_types),
                        artifact_types=dumps(types),
                        updated_at=_common.utcnow(),
                    )
                )
                return self._registry_record(conn, self._registry_row(conn, new_name))
        except CatalogConflict as exc:
            raise RegistryExistsError(
                f"Cannot rename registry to {new_name!r}: that name is taken.", name=new_name
            ) from exc

    def delete_registry(self, name: str) -> None:
        """Delete a registry with its collections, links and history (never source versions)."""
        with self._write() as conn:
            row = self._registry_row(conn, name)
            if row.builtin:
                raise ArtifactStateError(
                    f"Registry {row.name!r} is built in and cannot be deleted; unlink its "
                    "versions instead."
                )
            for coll in conn.execute(
                select(s.registry_collections.c.id).where(
                    s.registry_collections.c.registry_id == row.id
                )
            ).scalars():
                self._drop_collection(conn, coll)
            for table in (s.registry_members, s.protected_aliases):
                conn.execute(delete(table).where(table.c.registry_id == row.id))
            conn.execute(delete(s.registries).where(s.registries.c.id == row.id))

    # -- protected aliases --------------------------------------------------------

    def protect_aliases(
        self, registry: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> RegistryRecord:
        """Mark aliases protected in a registry (moving or removing one then needs force)."""
        with self._write() as conn:
            row = self._registry_row(conn, registry)
            have = set(
                conn.execute(
                    select(s.protected_aliases.c.alias).where(
                        s.protected_aliases.c.registry_id == row.id
                    )
                ).scalars()
            )
            for alias in remove:
                conn.execute(
                    delete(s.protected_aliases).where(
                        s.protected_aliases.c.registry_id == row.id,
                        s.protected_aliases.c.alias == alias,
                    )
                )
                have.discard(alias)
            for alias in add:
                if validate_alias(alias) not in have:
                    conn.execute(
                        s.protected_aliases.insert().values(registry_id=row.id, alias=alias)
                    )
                    have.add(alias)
            conn.execute(
                update(s.registries)
                .where(s.registries.c.id == row.id)
                .values(updated_at=_common.utcnow())
            )
            return self._registry_record(conn, self._registry_row(conn, registry))

    # -- members (recorded names: a local store has no accounts) -----------------

    def registry_members(self, registry: str) -> list[tuple[str, str, str]]:
        """``(kind, member, role)`` rows, users first, by name."""
        with self._read() as conn:
            row = self._registry_row(conn, registry)
            rows = conn.execute(
                select(
                    s.registry_members.c.kind,
                    s.registry_members.c.member,
                    s.registry_members.c.role,
                )
                .where(s.registry_members.c.registry_id == row.id)
                .order_by(s.registry_members.c.kind.desc(), s.registry_members.c.member)
            ).all()
        return [(r.kind, r.member, r.role) for r in rows]

    def set_registry_members(
        self,
        registry: str,
        members: Sequence[tuple[str, str]],
        *,
        role: str | None = "member",
        remove: bool = False,
    ) -> None:
        """Add (or with ``remove``, drop) ``(kind, member)`` rows; ``role`` sets an existing one."""
        with self._write() as conn:
            row = self._registry_row(conn, registry)
            for kind, member in members:
                key = (
                    s.registry_members.c.registry_id == row.id,
                    s.registry_members.c.kind == kind,
                    s.registry_members.c.member == member,
                )
                exists = conn.execute(select(s.registry_members.c.role).where(*key)).first()
                if remove:
                    conn.execute(delete(s.registry_members).where(*key))
                elif exists is None:
                    conn.execute(
                        s.registry_members.insert().values(
                            registry_id=row.id, kind=kind, member=member, role=role or "member"
                        )
                    )
                elif role is not None:
                    conn.execute(update(s.registry_members).where(*key).values(role=role))
