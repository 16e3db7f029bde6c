"""The catalog: projects, runs, collections, versions, aliases, tags and usage.

Every method is one transaction. Writing transactions are marked so SQLite opens
them with ``BEGIN IMMEDIATE``. A version's number comes from its collection's counter
row (``collections.next_version``), locked and advanced inside the transaction that
inserts the version: concurrent writers queue on that one row lock (PostgreSQL) or on
the write lock (SQLite) instead of colliding on ``UNIQUE(collection, number)``. Aliases
and tags are set with single ``INSERT ... ON CONFLICT`` statements. Driver errors leave
as :class:`~ipyartifacts.errors.StoreError` (see ``catalog/errors.py``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.engine import Connection, Engine, Row

from ipyartifacts.errors import (
    ArtifactNotFoundError,
    ArtifactTypeMismatchError,
)
from ipyartifacts.store import changes
from ipyartifacts.store.catalog import _common
from ipyartifacts.store.catalog import schema as s
from ipyartifacts.store.catalog._common import COMMITTED, DELETED, actor, aware
from ipyartifacts.store.catalog.collections import CollectionsMixin
from ipyartifacts.store.catalog.dialect import WRITE, insert_ignore, make_engine, upsert
from ipyartifacts.store.catalog.distributed import DistributedMixin
from ipyartifacts.store.catalog.errors import driver_errors, redact, translate
from ipyartifacts.store.catalog.faults import catalog_io_error
from ipyartifacts.store.catalog.migrations import (
    apply_migrations,
    pending,
)
from ipyartifacts.store.catalog.proofs import PROOF_MARGIN, ProofLapsedError, ProofsMixin
from ipyartifacts.store.catalog.queries import QueriesMixin
from ipyartifacts.store.catalog.registry import RegistryMixin
from ipyartifacts.store.catalog.runinfo import RunInfoMixin
from ipyartifacts.store.catalog.runs import RunsMixin
from ipyartifacts.store.catalog.transfer import TransferMixin
from ipyartifacts.store.names import LATEST, dumps, version_number
from ipyartifacts.store.records import VersionRecord

__all__ = ["PROOF_MARGIN", "Catalog", "CommitRequest", "ProofLapsedError"]


class _Unset:
    """Sentinel type: "leave this field as it is"."""


UNSET = _Unset()


class CommitRequest:
    """What it takes to commit one version (built by the client after blobs are stored)."""

    def __init__(
        self,
        *,
        project: str,
        name: str,
        type: str,
        digest: str,
        manifest_digest: str,
        size: int,
        file_count: int,
        description: str | None,
        metadata: dict[str, Any],
        run_id: str | None,
        aliases: Sequence[str] = (),
        tags: Sequence[str] = (),
        expires_at: datetime | None = None,
        provenance: dict[str, Any] | None = None,
        ttl: timedelta | None = None,
        proofs: Iterable[str] = (),
    ) -> None:
        self.project = project
        self.name = name
        self.type = type
        self.digest = digest
        self.manifest_digest = manifest_digest
        self.size = size
        self.file_count = file_count
        self.description = description
        self.metadata = metadata
        self.run_id = run_id
        self.aliases = list(aliases)
        self.tags = list(tags)
        self.expires_at = expires_at
        self.ttl = ttl  # when set, expires_at = the version's created_at + ttl, exactly
        self.provenance = provenance or {}
        # Ids of live versions whose manifests name some of this version's blobs, relied
        # on instead of asking the blob store (see Catalog.provable_versions).
        self.proofs = frozenset(proofs)


class Catalog(
    RunsMixin,
    QueriesMixin,
    TransferMixin,
    RegistryMixin,
    RunInfoMixin,
    CollectionsMixin,
    DistributedMixin,
    ProofsMixin,
):
    """SQL catalog over SQLite (embedded) or PostgreSQL (team)."""

    def __init__(self, url: str) -> None:
        self.url = url  # may hold a password: show ``self.store`` instead
        self.store = redact(url)
        self._driver_errors = driver_errors(url)
        unusable: tuple[type[BaseException], ...] = (*self._driver_errors, ImportError)
        try:
            self.engine: Engine = make_engine(url)
        except unusable as exc:
            raise translate(exc, url, "open") from exc
        # Up to date (the usual case): a read, so opening takes no write or migration lock.
        with self._read() as conn:
            migrate = pending(conn)
        if migrate:
            with self._write() as conn:
                apply_migrations(conn)

    def __repr__(self) -> str:
        return f"Catalog({self.store!r})"

    def close(self) -> None:
        self.engine.dispose()

    # -- transactions -------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except self._driver_errors as exc:
            io = catalog_io_error(exc, self.url, "read the catalog")
            raise (io or translate(exc, self.url, "read")) from exc

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as raw:
                conn = raw.execution_options(**{WRITE: True})
                with conn.begin():
                    yield conn
            changes.bump()  # committed: displayed widgets re-read their records
        except self._driver_errors as exc:
            # A full or read-only disk says so (StoreIOError); anything else is translated.
            io = catalog_io_error(exc, self.url, "write the catalog")
            raise (io or translate(exc, self.url, "write")) from exc

    # -- versions -----------------------------------------------------------------

    def _version_select(self) -> Any:
        return (
            select(
                s.versions,
                s.collections.c.name.label("collection_name"),
                s.collections.c.type.label("collection_type"),
                s.collections.c.description.label("collection_description"),
                s.projects.c.name.label("project_name"),
            )
            .join(s.collections, s.collections.c.id == s.versions.c.collection_id)
            .join(s.projects, s.projects.c.id == s.collections.c.project_id)
        )

    @staticmethod
    def _live(now: datetime) -> Any:
        return and_(
            s.versions.c.state == COMMITTED,
            or_(s.versions.c.expires_at.is_(None), s.versions.c.expires_at > now),
        )

    def _latest_number(self, conn: Connection, collection_id: int, now: datetime) -> int | None:
        return conn.execute(
            select(func.max(s.versions.c.number)).where(
                s.versions.c.collection_id == collection_id, self._live(now)
            )
        ).scalar()

    def _records(self, conn: Connection, rows: Sequence[Row[Any]]) -> list[VersionRecord]:
        if not rows:
            return []
        ids = [r._mapping["id"] for r in rows]
        alias_map: dict[str, list[str]] = {}
        for vid, alias in conn.execute(
            select(s.aliases.c.version_id, s.aliases.c.alias)
            .where(s.aliases.c.version_id.in_(ids))
            .order_by(s.aliases.c.alias)
        ):
            alias_map.setdefault(vid, []).append(alias)
        tag_map: dict[str, list[str]] = {}
        for vid, tag in conn.execute(
            select(s.tags.c.version_id, s.tags.c.tag)
            .where(s.tags.c.version_id.in_(ids))
            .order_by(s.tags.c.tag)
        ):
            tag_map.setdefault(vid, []).append(tag)
        now = _common.utcnow()
        latest: dict[int, int | None] = {}
        out = []
        for row in rows:
            m = row._mapping
            cid = m["collection_id"]
            if cid not in latest:
                latest[cid] = self._latest_number(conn, cid, now)
            names = alias_map.get(m["id"], [])
            if latest[cid] == m["number"] and m["state"] == COMMITTED:
                names = [LATEST, *names]
            out.append(
                VersionRecord(
                    id=m["id"],
                    project=m["project_name"],
                    name=m["collection_name"],
                    type=m["collection_type"],
                    number=m["number"],
                    digest=m["digest"],
                    manifest_digest=m["manifest_digest"],
                    size=m["size"],
                    file_count=m["file_count"],
                    description=m["description"],
                    metadata=json.loads(m["metadata"]),
                    created_at=aware(m["created_at"]),  # type: ignore[arg-type]
                    created_by=m["created_by"],
                    expires_at=aware(m["expires_at"]),
                    aliases=tuple(names),
                    tags=tuple(tag_map.get(m["id"], [])),
                    collection_description=m["collection_description"],
                    state=m["state"],
                )
            )
        return out

    def _one(self, conn: Connection, version_id: str) -> VersionRecord:
        rows = conn.execute(self._version_select().where(s.versions.c.id == version_id)).all()
        if not rows:
            raise ArtifactNotFoundError(
                f"No artifact version with id {version_id!r}.", name=version_id
            )
        return self._records(conn, rows)[0]

    def get_version(self, version_id: str) -> VersionRecord:
        with self._read() as conn:
            return self._one(conn, version_id)

    def resolve(self, project: str, name: str, alias: str) -> VersionRecord:
        """Find the live version ``project/name:alias`` (alias: latest, vN or custom)."""
        now = _common.utcnow()
        with self._read() as conn:
            coll = conn.execute(
                select(s.collections.c.id)
                .join(s.projects, s.projects.c.id == s.collections.c.project_id)
                .where(s.projects.c.name == project, s.collections.c.name == name)
            ).scalar()
            if coll is None:
                known = self._collection_names(conn, project)
                hint = (
                    f" Artifacts in project {project!r}: {', '.join(known)}."
                    if known
                    else (f" Project {project!r} has no artifacts yet.")
                )
                raise ArtifactNotFoundError(
                    f"No artifact named {name!r} in project {project!r}.{hint}", name=name
                )
            query = self._version_select().where(
                s.versions.c.collection_id == coll, self._live(now)
            )
            number = version_number(alias)
            if alias == LATEST:
                query = query.order_by(s.versions.c.number.desc()).limit(1)
            elif number is not None:
                query = query.where(s.versions.c.number == number)
            else:
                query = query.join(s.aliases, s.aliases.c.version_id == s.versions.c.id).where(
                    s.aliases.c.alias == alias
                )
            rows = conn.execute(query).all()
            if not rows:
                raise ArtifactNotFoundError(
                    f"Artifact {project}/{name} has no version {alias!r}."
                    + self._gone_hint(conn, coll, number, now)
                    + self._alias_hint(conn, coll, now),
                    name=f"{name}:{alias}",
                )
            return self._records(conn, rows)[0]

    def _gone_hint(self, conn: Connection, coll: int, number: int | None, now: datetime) -> str:
        """`` v3 was deleted.`` / `` v3 expired on ...`` when the number once existed."""
        if number is None:
            return ""
        row = conn.execute(
            select(s.versions.c.state, s.versions.c.expires_at).where(
                s.versions.c.collection_id == coll, s.versions.c.number == number
            )
        ).first()
        if row is None:
            return ""
        if row.state == DELETED:
            return f" v{number} was deleted."
        expired = aware(row.expires_at)
        return f" v{number} expired on {expired:%Y-%m-%d %H:%M} UTC." if expired else ""

    def _collection_names(self, conn: Connection, project: str) -> list[str]:
        return list(
            conn.execute(
                select(s.collections.c.name)
                .join(s.projects, s.projects.c.id == s.collections.c.project_id)
                .where(s.projects.c.name == project)
                .order_by(s.collections.c.name)
                .limit(20)
            ).scalars()
        )

    def _alias_hint(self, conn: Connection, coll: int, now: datetime) -> str:
        numbers = list(
            conn.execute(
                select(s.versions.c.number)
                .where(s.versions.c.collection_id == coll, self._live(now))
                .order_by(s.versions.c.number)
            ).scalars()
        )
        aliases = list(
            conn.execute(
                select(s.aliases.c.alias).where(s.aliases.c.collection_id == coll)
            ).scalars()
        )
        if not numbers:
            return " It has no live versions."
        shown = ", ".join(f"v{n}" for n in numbers[-10:])
        more = f" and aliases {', '.join(sorted(aliases))}" if aliases else ""
        return f" Available: {shown}{more}, latest."

    def list_versions(self, project: str, name: str) -> list[VersionRecord]:
        """Live versions of one collection, newest first."""
        now = _common.utcnow()
        with self._read() as conn:
            rows = conn.execute(
                self._version_select()
                .where(
                    s.projects.c.name == project,
                    s.collections.c.name == name,
                    self._live(now),
                )
                .order_by(s.versions.c.number.desc())
            ).all()
            return self._records(conn, rows)

    def commit_version(self, req: CommitRequest) -> tuple[VersionRecord, bool]:
        """Commit a version, or return ``latest`` when its content is identical.

        Returns ``(record, created)``. One transaction, no retries: concurrent writers
        of one collection queue on its counter row and commit one after the other.
        """
        with self._write() as conn:
            return self._commit(conn, req)

    def _lock_collection(self, conn: Connection, pid: int, req: CommitRequest) -> int:
        """Create the collection if it is new (race-free), lock its counter row, check its type."""
        row = conn.execute(
            select(s.collections.c.id, s.collections.c.type)
            .where(s.collections.c.project_id == pid, s.collections.c.name == req.name)
            .with_for_update()
        ).first()
        if row is None:
            insert_ignore(
                conn,
                s.collections,
                {
                    "project_id": pid,
                    "name": req.name,
                    "type": req.type,
                    "created_at": _common.utcnow(),
                    "next_version": 0,
                },
                keys=["project_id", "name"],
            )
            row = conn.execute(
                select(s.collections.c.id, s.collections.c.type)
                .where(s.collections.c.project_id == pid, s.collections.c.name == req.name)
                .with_for_update()
            ).one()
        coll, coll_type = row
        if coll_type != req.type:
            raise ArtifactTypeMismatchError(
                f"Artifact {req.project}/{req.name} has type {coll_type!r}; cannot log a "
                f"version of type {req.type!r}. Use another name, or type={coll_type!r}.",
                expected=coll_type,
                received=req.type,
            )
        return int(coll)

    def _commit(self, conn: Connection, req: CommitRequest) -> tuple[VersionRecord, bool]:
        now = _common.utcnow()
        pid = self._ensure_project(conn, req.project)
        # The counter row is locked before "is this the latest content?" is asked, so
        # two writers of identical content cannot both decide it is new.
        coll = self._lock_collection(conn, pid, req)
        if req.proofs:
            # Checked and share-locked inside the commit: until this transaction ends the
            # proving versions stay live, so a GC reading the live set at any moment sees
            # either them or this version naming the same blobs.
            lapsed = req.proofs - self._provable(conn, req.proofs, lock=True)
            if lapsed:
                raise ProofLapsedError(lapsed)
        latest = conn.execute(
            select(s.versions.c.id, s.versions.c.digest)
            .where(s.versions.c.collection_id == coll, self._live(now))
            .order_by(s.versions.c.number.desc())
            .limit(1)
        ).first()
        if latest is not None and latest.digest == req.digest:
            vid = latest.id
            changes: dict[str, Any] = {}
            if req.description is not None:
                changes["description"] = req.description
            if req.metadata:
                changes["metadata"] = dumps(req.metadata)
            if changes:
                self._edit(conn, vid, changes, by=req.run_id)
            created = False
        else:
            number = (
                conn.execute(
                    update(s.collections)
                    .where(s.collections.c.id == coll)
                    .values(next_version=s.collections.c.next_version + 1)
                    .returning(s.collections.c.next_version)
                ).scalar_one()
                - 1
            )
            vid = uuid.uuid4().hex
            conn.execute(
                s.versions.insert().values(
                    id=vid,
                    collection_id=coll,
                    number=number,
                    digest=req.digest,
                    manifest_digest=req.manifest_digest,
                    size=req.size,
                    file_count=req.file_count,
                    description=req.description,
                    metadata=dumps(req.metadata),
                    created_at=now,
                    created_by=req.run_id,
                    expires_at=now + req.ttl if req.ttl is not None else req.expires_at,
                    state=COMMITTED,
                )
            )
            created = True
        self._set_aliases(conn, coll, vid, add=req.aliases)
        self._set_tags(conn, vid, add=req.tags)
        if req.run_id is not None:
            self._add_usage(conn, req.run_id, vid, "output", req.provenance)
        return self._one(conn, vid), created

    def _set_aliases(
        self,
        conn: Connection,
        coll: int,
        vid: str,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
    ) -> None:
        adding = set(add)
        # Rows are touched in one order (by alias) for every writer, removals and
        # additions alike, so two transactions never wait on each other in a cycle.
        for alias in sorted(adding | set(remove)):
            if alias not in adding:
                conn.execute(
                    delete(s.aliases).where(
                        s.aliases.c.collection_id == coll,
                        s.aliases.c.alias == alias,
                        s.aliases.c.version_id == vid,
                    )
                )
                continue
            # A custom alias names one version per collection: setting it moves it, in
            # one statement (a delete-then-insert races another mover on PostgreSQL).
            upsert(
                conn,
                s.aliases,
                {"collection_id": coll, "alias": alias, "version_id": vid},
                keys=["collection_id", "alias"],
                update=["version_id"],
            )

    def _set_tags(
        self, conn: Connection, vid: str, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> None:
        for tag in sorted(remove):
            conn.execute(delete(s.tags).where(s.tags.c.version_id == vid, s.tags.c.tag == tag))
        for tag in sorted(set(add)):
            insert_ignore(conn, s.tags, {"version_id": vid, "tag": tag}, keys=["version_id", "tag"])

    def _edit(self, conn: Connection, vid: str, changes: dict[str, Any], by: str | None) -> None:
        old = conn.execute(select(s.versions).where(s.versions.c.id == vid)).first()
        if old is None:
            raise ArtifactNotFoundError(f"No artifact version with id {vid!r}.", name=vid)
        now = _common.utcnow()
        for field, value in changes.items():
            before = old._mapping[field]
            if field == "expires_at":
                when = aware(before)
                before = when.isoformat() if when is not None else None
                after = value.isoformat() if value else None
            else:
                after = value
            if before == after:
                continue
            self._record_edit(conn, vid, field, before, after, by, now)
        conn.execute(update(s.versions).where(s.versions.c.id == vid).values(**changes))

    @staticmethod
    def _record_edit(
        conn: Connection,
        vid: str,
        field: str,
        old: str | None,
        new: str | None,
        by: str | None,
        at: datetime | None = None,
    ) -> None:
        conn.execute(
            s.edits.insert().values(
                version_id=vid,
                field=field,
                old=old,
                new=new,
                by=by,
                actor=actor(),
                at=at or _common.utcnow(),
            )
        )

    def update_version(
        self,
        version_id: str,
        *,
        description: str | _Unset | None = UNSET,
        metadata: dict[str, Any] | None = None,
        aliases: Sequence[str] | None = None,
        tags: Sequence[str] | None = None,
        expires_at: datetime | _Unset | None = UNSET,
        by: str | None = None,
    ) -> VersionRecord:
        """Apply edits to a logged version (never its content); aliases/tags are the new full sets."""
        with self._write() as conn:
            current = self._one(conn, version_id)
            coll = conn.execute(
                select(s.versions.c.collection_id).where(s.versions.c.id == version_id)
            ).scalar_one()
            changes: dict[str, Any] = {}
            if not isinstance(description, _Unset) and description != current.description:
                changes["description"] = description  # None clears it
            if metadata is not None and metadata != current.metadata:
                changes["metadata"] = dumps(metadata)
            if not isinstance(expires_at, _Unset):
                changes["expires_at"] = expires_at
            if changes:
                self._edit(conn, version_id, changes, by=by)
            if aliases is not None:
                have = {a for a in current.aliases if a != LATEST}
                want = {a for a in aliases if a != LATEST and version_number(a) is None}
                self._set_aliases(
                    conn, coll, version_id, add=sorted(want - have), remove=sorted(have - want)
                )
                for alias in sorted(want ^ have):
                    self._record_edit(
                        conn,
                        version_id,
                        "alias",
                        None if alias in want else alias,
                        alias if alias in want else None,
                        by,
                    )
            if tags is not None:
                have_t, want_t = set(current.tags), set(tags)
                self._set_tags(
                    conn, version_id, add=sorted(want_t - have_t), remove=sorted(have_t - want_t)
                )
                for tag in sorted(want_t ^ have_t):
                    self._record_edit(
                        conn,
                        version_id,
                        "tag",
                        None if tag in want_t else tag,
                        tag if tag in want_t else None,
                        by,
                    )
            return self._one(conn, version_id)

    def referenced_digests(self) -> set[str]:
        """Manifest digests of every version that is not deleted (for GC)."""
        with self._read() as conn:
            return set(
                conn.execute(
                    select(s.versions.c.manifest_digest).where(s.versions.c.state == COMMITTED)
                ).scalars()
            )
