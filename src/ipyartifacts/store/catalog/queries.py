"""Catalog queries beyond resolving one version: deletion, edit history, listings, GC input.

A mixin of :class:`~ipyartifacts.store.catalog.catalog.Catalog` (kept apart so each module stays
readable); every method is one transaction, like the rest of the catalog.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.engine import Row

from ipyartifacts.errors import ArtifactStateError
from ipyartifacts.store.catalog import _common
from ipyartifacts.store.catalog import schema as s
from ipyartifacts.store.catalog._common import COMMITTED, DELETED, aware, unique_tags
from ipyartifacts.store.names import LATEST
from ipyartifacts.store.records import CollectionRecord, VersionEdit, VersionRecord

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from datetime import datetime

    from sqlalchemy.engine import Connection

__all__ = ["QueriesMixin"]


class QueriesMixin:
    """Deletion, edit history, version/collection/type listings and GC's live set."""

    if TYPE_CHECKING:  # provided by Catalog

        def _read(self) -> AbstractContextManager[Connection]: ...
        def _write(self) -> AbstractContextManager[Connection]: ...
        def _version_select(self) -> Any: ...
        @staticmethod
        def _live(now: datetime) -> Any: ...
        def _records(self, conn: Connection, rows: Sequence[Row[Any]]) -> list[VersionRecord]: ...
        def _one(self, conn: Connection, version_id: str) -> VersionRecord: ...
        @staticmethod
        def _record_edit(
            conn: Connection,
            vid: str,
            field: str,
            old: str | None,
            new: str | None,
            by: str | None,
            at: datetime | None = None,
        ) -> None: ...
        def _release_links(
            self, conn: Connection, version: VersionRecord, drop: bool, by: str | None
        ) -> None: ...

    def delete_version(
        self, version_id: str, *, delete_aliases: bool = False, by: str | None = None
    ) -> VersionRecord:
        """Mark a version deleted. Its number is never reused; its blobs go at the next GC.

        Refuses (ArtifactStateError) while custom aliases point at it or a registry links
        to it, unless ``delete_aliases`` is true, which removes them (and the links) in the
        same transaction.
        """
        with self._write() as conn:
            current = self._one(conn, version_id)
            if current.state == DELETED:
                return current
            custom = [a for a in current.aliases if a != LATEST]
            if custom and not delete_aliases:
                raise ArtifactStateError(
                    f"Cannot delete {current.project}/{current.name}:v{current.number}: "
                    f"alias{'es' if len(custom) > 1 else ''} {', '.join(map(repr, custom))} "
                    f"point{'' if len(custom) > 1 else 's'} at it. Move "
                    f"{'them' if len(custom) > 1 else 'it'} to another version first, or call "
                    "delete(delete_aliases=True) to remove them with it."
                )
            self._release_links(conn, current, delete_aliases, by)
            for alias in custom:
                conn.execute(
                    delete(s.aliases).where(
                        s.aliases.c.version_id == version_id, s.aliases.c.alias == alias
                    )
                )
                self._record_edit(conn, version_id, "alias", alias, None, by)
            conn.execute(
                update(s.versions).where(s.versions.c.id == version_id).values(state=DELETED)
            )
            self._record_edit(conn, version_id, "state", COMMITTED, DELETED, by)
            return self._one(conn, version_id)

    def edits_of(self, version_id: str) -> list[VersionEdit]:
        """Every recorded edit of a version, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                select(s.edits).where(s.edits.c.version_id == version_id).order_by(s.edits.c.id)
            ).all()
        return [
            VersionEdit(
                field=r.field,
                old=r.old,
                new=r.new,
                run_id=r.by,
                actor=r.actor,
                at=aware(r.at),  # type: ignore[arg-type]
            )
            for r in rows
        ]

    def iter_versions(
        self,
        project: str,
        *,
        name: str | None = None,
        type: str | None = None,
        tags: Sequence[str] = (),
        metadata_contains: Sequence[str] = (),
        batch_size: int = 500,
    ) -> Iterator[VersionRecord]:
        """Live versions matching the filters, newest first, fetched ``batch_size`` at a time.

        Keyset pagination on (created_at, id) for all collections, (number) for one, so
        memory stays bounded however many versions match. ``metadata_contains``: texts the
        stored metadata JSON must contain (a portable LIKE prefilter; callers re-check).
        """
        now = _common.utcnow()
        base = self._version_select().where(s.projects.c.name == project, self._live(now))
        if name is not None:
            base = base.where(s.collections.c.name == name)
        if type is not None:
            base = base.where(s.collections.c.type == type)
        for tag in unique_tags(tags):
            base = base.where(
                s.versions.c.id.in_(select(s.tags.c.version_id).where(s.tags.c.tag == tag))
            )
        for text in metadata_contains:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            base = base.where(s.versions.c.metadata.like(f"%{escaped}%", escape="\\"))
        if name is not None:
            order = [s.versions.c.number.desc()]
        else:
            order = [s.versions.c.created_at.desc(), s.versions.c.id.desc()]
        last: Row[Any] | None = None
        while True:
            query = base.order_by(*order).limit(batch_size)
            if last is not None:
                m = last._mapping
                if name is not None:
                    query = query.where(s.versions.c.number < m["number"])
                else:
                    query = query.where(
                        or_(
                            s.versions.c.created_at < m["created_at"],
                            and_(
                                s.versions.c.created_at == m["created_at"],
                                s.versions.c.id < m["id"],
                            ),
                        )
                    )
            with self._read() as conn:
                rows = conn.execute(query).all()
                records = self._records(conn, rows)
            yield from records
            if len(rows) < batch_size:
                return
            last = rows[-1]

    def list_collections(self, project: str, type: str | None = None) -> list[CollectionRecord]:
        """Collections with live versions in a project (optionally of one type), by name."""
        now = _common.utcnow()
        live = (
            select(
                s.versions.c.collection_id,
                func.count().label("n"),
                func.max(s.versions.c.number).label("top"),
            )
            .where(self._live(now))
            .group_by(s.versions.c.collection_id)
            .subquery()
        )
        query = (
            select(
                s.collections.c.id,
                s.collections.c.name,
                s.collections.c.type,
                s.collections.c.description,
                s.collections.c.created_at,
                live.c.n,
                live.c.top,
                s.collection_info.c.tags,
                s.collection_info.c.updated_at,
            )
            .join(s.projects, s.projects.c.id == s.collections.c.project_id)
            .join(live, live.c.collection_id == s.collections.c.id)
            .outerjoin(s.collection_info, s.collection_info.c.collection_id == s.collections.c.id)
            .where(s.projects.c.name == project)
            .order_by(s.collections.c.name)
        )
        if type is not None:
            query = query.where(s.collections.c.type == type)
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [
            CollectionRecord(
                project=project,
                name=r.name,
                type=r.type,
                description=r.description,
                created_at=aware(r.created_at),  # type: ignore[arg-type]
                version_count=int(r.n or 0),
                latest_number=r.top,
                id=int(r.id),
                tags=tuple(json.loads(r.tags)) if r.tags else (),
                updated_at=aware(r.updated_at),
            )
            for r in rows
        ]

    def list_types(self, project: str) -> list[str]:
        """Artifact types of a project's collections that have live versions, sorted."""
        return sorted({c.type for c in self.list_collections(project)})

    def live_manifest_digests(self) -> dict[str, str]:
        """Manifest digest -> a version naming it, for every live (committed, unexpired) version."""
        now = _common.utcnow()
        out: dict[str, str] = {}
        with self._read() as conn:
            query = (
                select(
                    s.versions.c.manifest_digest,
                    s.projects.c.name,
                    s.collections.c.name,
                    s.versions.c.number,
                )
                .join(s.collections, s.collections.c.id == s.versions.c.collection_id)
                .join(s.projects, s.projects.c.id == s.collections.c.project_id)
                .where(self._live(now))
            )
            for digest, project, name, number in conn.execute(query):
                out.setdefault(digest, f"{project}/{name}:v{number}")
        return out
