"""Catalog rows for registry collections: listing, editing, dropping, and the alias-move log.

Part of :class:`~ipyartifacts.store.catalog.registry.RegistryMixin` (through
:class:`~ipyartifacts.store.catalog.links.LinksMixin`, which links versions into them).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update

from ipyartifacts.store.catalog import _common
from ipyartifacts.store.catalog import schema as s
from ipyartifacts.store.catalog._common import aware
from ipyartifacts.store.names import dumps
from ipyartifacts.store.records import AliasMove, LinkRecord, RegistryCollectionRecord

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy.engine import Connection, Row

__all__ = ["RegistryCollectionsMixin"]

rc = s.registry_collections


class RegistryCollectionsMixin:
    """Registry collections and their alias history."""

    if TYPE_CHECKING:  # provided by LinksMixin / RegistryMixin / Catalog

        def _read(self) -> AbstractContextManager[Connection]: ...
        def _write(self) -> AbstractContextManager[Connection]: ...
        def _registry_row(self, conn: Connection, name: str) -> Row[Any]: ...
        def _collection_row(self, conn: Connection, registry: str, name: str) -> Row[Any]: ...
        def _links_of(self, conn: Connection, coll: int, now: datetime) -> list[LinkRecord]: ...

    def _collection_record(self, conn: Connection, row: Row[Any]) -> RegistryCollectionRecord:
        now = _common.utcnow()
        live = self._links_of(conn, row.id, now)
        reg = conn.execute(
            select(s.registries.c.name).where(s.registries.c.id == row.registry_id)
        ).scalar_one()
        return RegistryCollectionRecord(
            id=row.id,
            registry=reg,
            name=row.name,
            type=row.type,
            description=row.description,
            tags=tuple(json.loads(row.tags)),
            created_at=aware(row.created_at),  # type: ignore[arg-type]
            updated_at=aware(row.updated_at),
            link_count=len(live),
            latest_number=live[0].number if live else None,
        )

    def registry_collections(self, registry: str) -> list[RegistryCollectionRecord]:
        """A registry's collections, by name (empty ones too: W&B lists them)."""
        with self._read() as conn:
            reg = self._registry_row(conn, registry)
            rows = conn.execute(
                select(rc).where(rc.c.registry_id == reg.id).order_by(rc.c.name)
            ).all()
            return [self._collection_record(conn, r) for r in rows]

    def registry_collection(self, registry: str, name: str) -> RegistryCollectionRecord:
        with self._read() as conn:
            return self._collection_record(conn, self._collection_row(conn, registry, name))

    def update_registry_collection(
        self,
        registry: str,
        name: str,
        *,
        description: str | None,
        tags: Sequence[str],
    ) -> RegistryCollectionRecord:
        with self._write() as conn:
            row = self._collection_row(conn, registry, name)
            conn.execute(
                update(rc)
                .where(rc.c.id == row.id)
                .values(
                    description=description,
                    tags=dumps(list(dict.fromkeys(tags))),
                    updated_at=_common.utcnow(),
                )
            )
            return self._collection_record(conn, self._collection_row(conn, registry, name))

    def delete_registry_collection(self, registry: str, name: str) -> None:
        """Drop a registry collection with its links and their history (sources stay)."""
        with self._write() as conn:
            self._drop_collection(conn, self._collection_row(conn, registry, name).id)

    def _drop_collection(self, conn: Connection, coll: int) -> None:
        for table in (s.link_aliases, s.alias_moves, s.links):
            conn.execute(delete(table).where(table.c.collection_id == coll))
        conn.execute(delete(rc).where(rc.c.id == coll))

    def alias_history(
        self, registry: str, collection: str | None = None, alias: str | None = None
    ) -> list[AliasMove]:
        """Every recorded alias move in a registry (or one collection / alias), oldest first."""
        with self._read() as conn:
            reg = self._registry_row(conn, registry)
            query = (
                select(s.alias_moves, rc.c.name.label("collection_name"))
                .join(rc, rc.c.id == s.alias_moves.c.collection_id)
                .where(rc.c.registry_id == reg.id)
                .order_by(s.alias_moves.c.id)
            )
            if collection is not None:
                query = query.where(rc.c.name == collection)
            if alias is not None:
                query = query.where(s.alias_moves.c.alias == alias)
            rows = conn.execute(query).all()
        return [
            AliasMove(
                registry=reg.name,
                collection=r.collection_name,
                alias=r.alias,
                old_number=r.old_number,
                new_number=r.new_number,
                forced=bool(r.forced),
                run_id=r.run_id,
                actor=r.actor,
                at=aware(r.at),  # type: ignore[arg-type]
            )
            for r in rows
        ]
