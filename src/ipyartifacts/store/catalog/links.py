"""Catalog rows for linking: links, their aliases, and the alias moves they make.

Part of :class:`~ipyartifacts.store.catalog.registry.RegistryMixin` (registry collections are
in :mod:`.registry_collections`). A link is one row
``(registry collection, number, source version)``: no bytes are copied. Link numbers are
allocated from a per-collection counter row taken with ``UPDATE ... RETURNING`` inside
the linking transaction, so concurrent linkers (on SQLite or PostgreSQL) get
consecutive numbers, never a duplicate, never a gap. ``latest`` is computed: the newest
link whose source version is live. Every move of a custom alias is recorded.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update

from ipyartifacts.errors import (
    ArtifactNotFoundError,
    ArtifactStateError,
    ArtifactTypeMismatchError,
    ProtectedAliasError,
    StoreError,
)
from ipyartifacts.store.catalog import _common
from ipyartifacts.store.catalog import schema as s
from ipyartifacts.store.catalog._common import COMMITTED, actor, aware
from ipyartifacts.store.catalog.errors import CatalogConflict
from ipyartifacts.store.catalog.registry_collections import RegistryCollectionsMixin
from ipyartifacts.store.names import LATEST, validate_name, version_number
from ipyartifacts.store.records import LinkRecord, VersionRecord

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy.engine import Connection, Row

__all__ = ["LinksMixin"]

_RETRIES = 20
rc = s.registry_collections


class LinksMixin(RegistryCollectionsMixin):
    """Linking versions into registry collections, and reading links back."""

    if TYPE_CHECKING:  # provided by Catalog / RegistryMixin
        url: str

        def _read(self) -> AbstractContextManager[Connection]: ...
        def _write(self) -> AbstractContextManager[Connection]: ...
        def _one(self, conn: Connection, version_id: str) -> VersionRecord: ...
        def _version_select(self) -> Any: ...
        def _records(self, conn: Connection, rows: Sequence[Row[Any]]) -> list[VersionRecord]: ...
        def _registry_row(self, conn: Connection, name: str) -> Row[Any]: ...
        @staticmethod
        def _live(now: datetime) -> Any: ...

    # -- reading ------------------------------------------------------------------

    def _link_select(self) -> Any:
        return (
            select(
                s.links,
                rc.c.name.label("collection_name"),
                rc.c.type.label("collection_type"),
                s.registries.c.name.label("registry_name"),
            )
            .join(rc, rc.c.id == s.links.c.collection_id)
            .join(s.registries, s.registries.c.id == rc.c.registry_id)
            .join(s.versions, s.versions.c.id == s.links.c.version_id)
        )

    def _latest_link(self, conn: Connection, coll: int, now: datetime) -> int | None:
        return conn.execute(
            select(func.max(s.links.c.number))
            .join(s.versions, s.versions.c.id == s.links.c.version_id)
            .where(s.links.c.collection_id == coll, self._live(now))
        ).scalar()

    def _link_records(self, conn: Connection, rows: Sequence[Row[Any]]) -> list[LinkRecord]:
        if not rows:
            return []
        ids = [r._mapping["id"] for r in rows]
        alias_map: dict[str, list[str]] = {}
        for lid, alias in conn.execute(
            select(s.link_aliases.c.link_id, s.link_aliases.c.alias)
            .where(s.link_aliases.c.link_id.in_(ids))
            .order_by(s.link_aliases.c.alias)
        ):
            alias_map.setdefault(lid, []).append(alias)
        now = _common.utcnow()
        latest: dict[int, int | None] = {}
        out = []
        for row in rows:
            m = row._mapping
            coll = m["collection_id"]
            if coll not in latest:
                latest[coll] = self._latest_link(conn, coll, now)
            names = alias_map.get(m["id"], [])
            if latest[coll] == m["number"]:
                names = [LATEST, *names]
            out.append(
                LinkRecord(
                    id=m["id"],
                    registry=m["registry_name"],
                    collection=m["collection_name"],
                    type=m["collection_type"],
                    number=m["number"],
                    version_id=m["version_id"],
                    aliases=tuple(names),
                    created_at=aware(m["created_at"]),  # type: ignore[arg-type]
                    created_by=m["created_by"],
                    actor=m["actor"],
                )
            )
        return out

    def _link(self, conn: Connection, link_id: str) -> LinkRecord:
        rows = conn.execute(self._link_select().where(s.links.c.id == link_id)).all()
        if not rows:
            raise ArtifactNotFoundError(
                f"No linked version with id {link_id!r} (was it unlinked?).", name=link_id
            )
        return self._link_records(conn, rows)[0]

    def get_link(self, link_id: str) -> LinkRecord:
        with self._read() as conn:
            return self._link(conn, link_id)

    def _collection_row(self, conn: Connection, registry: str, name: str) -> Row[Any]:
        reg = self._registry_row(conn, registry)
        row = conn.execute(select(rc).where(rc.c.registry_id == reg.id, rc.c.name == name)).first()
        if row is None:
            known = list(
                conn.execute(
                    select(rc.c.name).where(rc.c.registry_id == reg.id).order_by(rc.c.name)
                ).scalars()
            )
            hint = f" Its collections: {', '.join(known[:20])}." if known else " It is empty."
            raise ArtifactNotFoundError(
                f"Registry {reg.name!r} has no collection {name!r}.{hint} Link a version "
                f"with artifact.link('wandb-registry-{reg.name}/{name}').",
                name=name,
            )
        return row

    def resolve_link(self, registry: str, collection: str, alias: str) -> LinkRecord:
        """The link ``wandb-registry-<registry>/<collection>:<alias>`` (latest, vN or custom)."""
        now = _common.utcnow()
        with self._read() as conn:
            coll = self._collection_row(conn, registry, collection)
            query = self._link_select().where(s.links.c.collection_id == coll.id, self._live(now))
            number = version_number(alias)
            if alias == LATEST:
                query = query.order_by(s.links.c.number.desc()).limit(1)
            elif number is not None:
                query = query.where(s.links.c.number == number)
            else:
                query = query.join(s.link_aliases, s.link_aliases.c.link_id == s.links.c.id).where(
                    s.link_aliases.c.alias == alias
                )
            rows = conn.execute(query).all()
            if not rows:
                live = self._links_of(conn, coll.id, now)
                shown = ", ".join(
                    [f"v{r.number}" for r in live[:10]]
                    + sorted({a for r in live for a in r.aliases})
                )
                raise ArtifactNotFoundError(
                    f"Registry collection wandb-registry-{registry}/{collection} has no version "
                    f"{alias!r}. " + (f"Available: {shown}." if live else "It has no versions."),
                    name=f"{collection}:{alias}",
                )
            return self._link_records(conn, rows)[0]

    def _links_of(self, conn: Connection, coll: int, now: datetime) -> list[LinkRecord]:
        rows = conn.execute(
            self._link_select()
            .where(s.links.c.collection_id == coll, self._live(now))
            .order_by(s.links.c.number.desc())
        ).all()
        return self._link_records(conn, rows)

    def list_links(self, registry: str, collection: str | None = None) -> list[LinkRecord]:
        """Links with a live source: one collection's newest first, or a whole registry's."""
        now = _common.utcnow()
        with self._read() as conn:
            if collection is not None:
                return self._links_of(
                    conn, self._collection_row(conn, registry, collection).id, now
                )
            reg = self._registry_row(conn, registry)
            rows = conn.execute(
                self._link_select()
                .where(rc.c.registry_id == reg.id, self._live(now))
                .order_by(s.links.c.created_at.desc(), s.links.c.number.desc())
            ).all()
            return self._link_records(conn, rows)

    def versions_by_id(self, ids: Sequence[str]) -> dict[str, VersionRecord]:
        """Source versions of many links at once (a listing's N links cost a few queries)."""
        out: dict[str, VersionRecord] = {}
        unique_ids = list(dict.fromkeys(ids))
        with self._read() as conn:
            for start in range(0, len(unique_ids), 500):
                chunk = unique_ids[start : start + 500]
                rows = conn.execute(self._version_select().where(s.versions.c.id.in_(chunk))).all()
                out.update((r.id, r) for r in self._records(conn, rows))
        return out

    def links_of_version(self, version_id: str) -> list[LinkRecord]:
        """Every link pointing at a source version, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                self._link_select()
                .where(s.links.c.version_id == version_id)
                .order_by(s.links.c.created_at)
            ).all()
            return self._link_records(conn, rows)

    # -- writing ------------------------------------------------------------------

    def _retrying(self, what: str, attempt: Any) -> Any:
        for _ in range(_RETRIES):
            try:
                with self._write() as conn:
                    return attempt(conn)
            except CatalogConflict:
                continue  # a concurrent linker took the row first (PostgreSQL): go again
        raise StoreError(f"Could not {what} after {_RETRIES} attempts.", store=self.url)

    def link_version(
        self,
        registry: str,
        collection: str,
        version_id: str,
        *,
        aliases: Sequence[str] = (),
        run_id: str | None = None,
        force: bool = False,
    ) -> tuple[LinkRecord, bool]:
        """Link a source version into a registry collection (created on first link).

        Linking a version already linked there makes no second link; ``aliases`` are
        added to the existing one. Returns ``(link, created)``.
        """
        validate_name(collection, "collection name")

        def attempt(conn: Connection) -> tuple[LinkRecord, bool]:
            reg = self._registry_row(conn, registry)
            source = self._one(conn, version_id)
            expired = source.expires_at is not None and source.expires_at <= _common.utcnow()
            if source.state != COMMITTED or expired:
                raise ArtifactStateError(
                    f"Cannot link {source.project}/{source.name}:v{source.number}: it has "
                    f"{'expired' if expired else 'been deleted'}. Link a live version."
                )
            types = json.loads(reg.artifact_types)
            if not reg.allow_all_types and source.type not in types:
                raise ArtifactTypeMismatchError(
                    f"Registry {reg.name!r} accepts artifact types {', '.join(types)}; "
                    f"{source.project}/{source.name}:v{source.number} has type "
                    f"{source.type!r}. Link it to another registry, or add the type with "
                    f"registry.allow_all_artifact_types = False; registry.artifact_types"
                    f".append({source.type!r}); registry.save().",
                    expected=", ".join(types),
                    received=source.type,
                )
            coll = self._collection_for_link(conn, reg, collection, source.type)
            existing = conn.execute(
                select(s.links.c.id).where(
                    s.links.c.collection_id == coll, s.links.c.version_id == version_id
                )
            ).scalar()
            created = existing is None
            if existing is None:
                taken = conn.execute(
                    update(rc)
                    .where(rc.c.id == coll)
                    .values(next_number=rc.c.next_number + 1, updated_at=_common.utcnow())
                    .returning(rc.c.next_number)
                ).scalar_one()
                existing = uuid.uuid4().hex
                conn.execute(
                    s.links.insert().values(
                        id=existing,
                        collection_id=coll,
                        number=int(taken) - 1,
                        version_id=version_id,
                        created_at=_common.utcnow(),
                        created_by=run_id,
                        actor=actor(),
                    )
                )
            self._move_aliases(conn, existing, add=aliases, force=force, run_id=run_id)
            return self._link(conn, existing), created

        result: tuple[LinkRecord, bool] = self._retrying(
            f"link into wandb-registry-{registry}/{collection}", attempt
        )
        return result

    def _collection_for_link(self, conn: Connection, reg: Row[Any], name: str, type: str) -> int:
        row = conn.execute(
            select(rc.c.id, rc.c.type).where(rc.c.registry_id == reg.id, rc.c.name == name)
        ).first()
        if row is None:
            now = _common.utcnow()
            conn.execute(
                rc.insert().values(
                    registry_id=reg.id,
                    name=name,
                    type=type,
                    tags="[]",
                    next_number=0,
                    created_at=now,
                    updated_at=now,
                )
            )  # a concurrent creator makes this fail: the whole link is retried
            return int(
                conn.execute(
                    select(rc.c.id).where(rc.c.registry_id == reg.id, rc.c.name == name)
                ).scalar_one()
            )
        if row.type != type:
            raise ArtifactTypeMismatchError(
                f"Registry collection wandb-registry-{reg.name}/{name} holds {row.type!r} "
                f"artifacts; cannot link one of type {type!r}. Link it to another collection.",
                expected=row.type,
                received=type,
            )
        return int(row.id)

    def _move_aliases(
        self,
        conn: Connection,
        link_id: str,
        *,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
        force: bool = False,
        run_id: str | None = None,
    ) -> None:
        link = conn.execute(
            select(s.links.c.collection_id, s.links.c.number, rc.c.registry_id, rc.c.name)
            .join(rc, rc.c.id == s.links.c.collection_id)
            .where(s.links.c.id == link_id)
        ).one()
        protected = set(
            conn.execute(
                select(s.protected_aliases.c.alias).where(
                    s.protected_aliases.c.registry_id == link.registry_id
                )
            ).scalars()
        )
        reg_name = conn.execute(
            select(s.registries.c.name).where(s.registries.c.id == link.registry_id)
        ).scalar_one()

        def guard(alias: str, held_by: int, verb: str) -> None:
            if alias in protected and not force:
                raise ProtectedAliasError(
                    f"Alias {alias!r} is protected in registry {reg_name!r} and points at "
                    f"wandb-registry-{reg_name}/{link.name}:v{held_by}; {verb} needs "
                    "force=True (CLI and magics: --force on link, unlink or registry alias).",
                    registry=reg_name,
                    collection=link.name,
                    alias=alias,
                    number=held_by,
                )

        def record(alias: str, old: int | None, new: int | None) -> None:
            conn.execute(
                s.alias_moves.insert().values(
                    collection_id=link.collection_id,
                    alias=alias,
                    old_number=old,
                    new_number=new,
                    forced=bool(force and alias in protected and old is not None),
                    run_id=run_id,
                    actor=actor(),
                    at=_common.utcnow(),
                )
            )

        key = s.link_aliases.c
        for alias in remove:
            gone = conn.execute(
                delete(s.link_aliases).where(
                    key.collection_id == link.collection_id,
                    key.alias == alias,
                    key.link_id == link_id,
                )
            )
            if gone.rowcount:
                guard(alias, link.number, "removing it")
                record(alias, link.number, None)
        for alias in add:
            holder = conn.execute(
                select(s.links.c.id, s.links.c.number)
                .join(s.link_aliases, s.link_aliases.c.link_id == s.links.c.id)
                .where(key.collection_id == link.collection_id, key.alias == alias)
            ).first()
            if holder is not None and holder.id == link_id:
                continue
            if holder is not None:
                guard(alias, holder.number, f"moving it to v{link.number}")
                conn.execute(
                    delete(s.link_aliases).where(
                        key.collection_id == link.collection_id, key.alias == alias
                    )
                )
            conn.execute(
                s.link_aliases.insert().values(
                    collection_id=link.collection_id, alias=alias, link_id=link_id
                )
            )
            record(alias, holder.number if holder is not None else None, link.number)

    def edit_link_aliases(
        self,
        link_id: str,
        *,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        force: bool = False,
        run_id: str | None = None,
    ) -> LinkRecord:
        """Add aliases to a link (moving them from other links) and remove others from it.

        Changes, not a full set: an object edited from a stale copy only applies what was
        edited on it, never re-adds an alias someone else moved meanwhile.
        """

        def attempt(conn: Connection) -> LinkRecord:
            self._move_aliases(
                conn,
                link_id,
                add=[a for a in add if a != LATEST],
                remove=[a for a in remove if a != LATEST],
                force=force,
                run_id=run_id,
            )
            return self._link(conn, link_id)

        result: LinkRecord = self._retrying("set the aliases", attempt)
        return result

    def unlink(self, link_id: str, *, force: bool = False, run_id: str | None = None) -> None:
        """Remove a link (its number is never reused); its aliases go with it."""
        with self._write() as conn:
            current = self._link(conn, link_id)
            custom = [a for a in current.aliases if a != LATEST]
            self._move_aliases(conn, link_id, remove=custom, force=force, run_id=run_id)
            conn.execute(delete(s.links).where(s.links.c.id == link_id))

    def _release_links(
        self, conn: Connection, version: VersionRecord, drop: bool, by: str | None
    ) -> None:
        """Before deleting ``version``: refuse while registries link to it, or unlink them.

        A registry's ``production`` must never vanish because its source was deleted
        without anyone saying so; protected aliases still need an explicit unlink(force).
        """
        ids = list(
            conn.execute(select(s.links.c.id).where(s.links.c.version_id == version.id)).scalars()
        )
        if not ids:
            return
        links = [self._link(conn, lid) for lid in ids]
        if not drop:
            names = ", ".join(
                f"wandb-registry-{x.registry}/{x.collection}:v{x.number}" for x in links
            )
            raise ArtifactStateError(
                f"Cannot delete {version.project}/{version.name}:v{version.number}: registries "
                f"link to it ({names}). Unlink those first, or call "
                "delete(delete_aliases=True) to remove the links with it."
            )
        for link in links:
            custom = [a for a in link.aliases if a != LATEST]
            self._move_aliases(conn, link.id, remove=custom, run_id=by)
            conn.execute(delete(s.links).where(s.links.c.id == link.id))
