"""Pending parts of a distributed artifact (W&B's ``upsert_artifact`` / ``finish_artifact``).

Several runs (processes, machines on a team store) each add a part under one
``(project, name, distributed_id)``; nothing is visible as a version until one of them
finishes it, which commits every part so far as one version and clears them. Parts are
rows here (migration 5's ``distributed_parts``); their blobs are already stored, and GC
keeps them (:meth:`pending_part_digests`). A mixin of the Catalog; one transaction per call.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from ipyartifacts.errors import ArtifactTypeMismatchError, DuplicateEntryError
from ipyartifacts.store.catalog import _common
from ipyartifacts.store.catalog import schema as s
from ipyartifacts.store.manifest import ManifestEntry
from ipyartifacts.store.names import dumps

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy.engine import Connection

__all__ = ["DistributedMixin", "PendingPart"]


@dataclass(frozen=True)
class PendingPart:
    """One run's contribution to a distributed artifact, not yet committed."""

    id: int
    run_id: str
    type: str
    entries: tuple[ManifestEntry, ...]
    aliases: tuple[str, ...]
    description: str | None
    metadata: dict[str, Any] = field(hash=False)


class DistributedMixin:
    """Adding, reading and clearing the parts of distributed artifacts."""

    if TYPE_CHECKING:  # provided by Catalog

        def _read(self) -> AbstractContextManager[Connection]: ...
        def _write(self) -> AbstractContextManager[Connection]: ...
        def _project_id(self, conn: Connection, name: str, create: bool) -> int | None: ...
        def _add_usage(
            self,
            conn: Connection,
            run_id: str,
            version_id: str,
            role: str,
            provenance: dict[str, Any],
        ) -> None: ...

    def add_part(
        self,
        *,
        project: str,
        name: str,
        distributed_id: str,
        type: str,
        run_id: str,
        entries: Iterable[ManifestEntry],
        aliases: Sequence[str],
        description: str | None,
        metadata: Mapping[str, Any],
    ) -> int:
        """Record a part; refuse (writing nothing) a type or a file that contradicts another."""
        mine = {e.path: e for e in entries}
        with self._write() as conn:
            pid = self._project_id(conn, project, create=True)
            existing = conn.execute(
                select(s.collections.c.type).where(
                    s.collections.c.project_id == pid, s.collections.c.name == name
                )
            ).scalar()
            for part in self._parts(conn, pid, name, distributed_id):
                existing = existing or part.type
                for path, entry in mine.items():
                    other = next((e for e in part.entries if e.path == path), None)
                    if other is not None and other != entry:
                        raise DuplicateEntryError(
                            f"Distributed artifact {name!r} (distributed_id "
                            f"{distributed_id!r}) already has a different {path!r}, from run "
                            f"{part.run_id}. Give each run's files their own paths.",
                            path=path,
                        )
            if existing is not None and existing != type:
                raise ArtifactTypeMismatchError(
                    f"{name!r} has type {existing!r}; this part says {type!r}.",
                    expected=existing,
                    received=type,
                )
            return int(
                conn.execute(
                    s.distributed_parts.insert()
                    .values(
                        project_id=pid,
                        name=name,
                        distributed_id=distributed_id,
                        type=type,
                        run_id=run_id,
                        entries=dumps({p: e.to_json() for p, e in sorted(mine.items())}),
                        aliases=dumps(list(aliases)),
                        description=description,
                        metadata=dumps(dict(metadata)),
                        at=_common.utcnow(),
                    )
                    .returning(s.distributed_parts.c.id)
                ).scalar_one()
            )

    def _parts(
        self, conn: Connection, pid: int | None, name: str, distributed_id: str
    ) -> list[PendingPart]:
        if pid is None:
            return []
        rows = conn.execute(
            select(s.distributed_parts)
            .where(
                s.distributed_parts.c.project_id == pid,
                s.distributed_parts.c.name == name,
                s.distributed_parts.c.distributed_id == distributed_id,
            )
            .order_by(s.distributed_parts.c.id)
        ).all()
        return [
            PendingPart(
                id=r.id,
                run_id=r.run_id,
                type=r.type,
                entries=tuple(
                    ManifestEntry.from_json(p, d) for p, d in json.loads(r.entries).items()
                ),
                aliases=tuple(json.loads(r.aliases)),
                description=r.description,
                metadata=json.loads(r.metadata),
            )
            for r in rows
        ]

    def pending_parts(self, project: str, name: str, distributed_id: str) -> list[PendingPart]:
        """The parts not yet committed, oldest first."""
        with self._read() as conn:
            pid = self._project_id(conn, project, create=False)
            return self._parts(conn, pid, name, distributed_id)

    def settle_parts(self, parts: Sequence[PendingPart], version_id: str | None) -> None:
        """Forget parts committed as ``version_id``, and record each part's run as its output.

        Parts added meanwhile stay, for the next version. ``version_id=None``: forget
        parts that hold no files (nothing to commit).
        """
        if not parts:
            return
        with self._write() as conn:
            for run_id in dict.fromkeys(p.run_id for p in parts):
                if version_id is not None:
                    self._add_usage(conn, run_id, version_id, "output", {"distributed": True})
            conn.execute(
                delete(s.distributed_parts).where(
                    s.distributed_parts.c.id.in_([p.id for p in parts])
                )
            )

    def pending_part_digests(self) -> set[str]:
        """Every blob digest a pending part names: GC must keep them."""
        found: set[str] = set()
        with self._read() as conn:
            for (text,) in conn.execute(select(s.distributed_parts.c.entries)):
                for data in json.loads(text).values():
                    if "ref" not in data:
                        found.add(data["digest"])
        return found

    def pending_part_chunk_lists(self) -> set[str]:
        """Chunk-list blobs of big files a pending part names (their chunks stay live too)."""
        found: set[str] = set()
        with self._read() as conn:
            for (text,) in conn.execute(select(s.distributed_parts.c.entries)):
                for data in json.loads(text).values():
                    if data.get("chunks"):
                        found.add(data["chunks"])
        return found
