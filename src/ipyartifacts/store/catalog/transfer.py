"""Catalog rows out of one store and into another, ids, numbers and timestamps kept.

A mixin of :class:`~ipyartifacts.store.catalog.catalog.Catalog` used by the store copy
(:mod:`ipyartifacts.core.copy`). Dumping reads plain rows; loading writes them as they
are (never allocating a number or an id), each version in one transaction, so a copy
either holds a version whole or not at all. Loading is idempotent: a version is matched
by collection + number + digest, and only what differs is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update

from ipyartifacts.errors import CopyConflictError
from ipyartifacts.store.catalog import schema as s
from ipyartifacts.store.catalog._common import aware

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy.engine import Connection

__all__ = [
    "CollectionDump",
    "RunDump",
    "TransferMixin",
    "VersionDump",
    "VersionState",
    "conflict_error",
]

_CHUNK = 500  # ids per IN (...) query
_MUTABLE = ("description", "metadata", "expires_at", "state")
_EDIT_FIELDS = ("field", "old", "new", "by", "at", "actor")


def _utc(value: datetime | None) -> datetime | None:
    """Aware UTC (SQLite keeps no zone; PostgreSQL may answer in another one)."""
    when = aware(value)
    return when.astimezone(timezone.utc) if when is not None else None


def _norm(row: dict[str, Any]) -> dict[str, Any]:
    return {k: _utc(v) if isinstance(v, datetime) else v for k, v in row.items()}


@dataclass(frozen=True)
class VersionDump:
    """One version's row (``id``, ``number``, ``digest`` ...) and what hangs off it."""

    row: dict[str, Any] = field(hash=False)
    tags: tuple[str, ...]
    edits: tuple[dict[str, Any], ...] = field(hash=False)  # oldest first, without ids
    usage: tuple[dict[str, Any], ...] = field(hash=False)  # run_id, role, at, provenance

    @property
    def number(self) -> int:
        return int(self.row["number"])

    @property
    def digest(self) -> str:
        return str(self.row["digest"])

    def run_ids(self) -> set[str]:
        ids = {u["run_id"] for u in self.usage}
        if self.row["created_by"]:
            ids.add(self.row["created_by"])
        return ids


@dataclass(frozen=True)
class CollectionDump:
    """A collection with every version (deleted ones too: they hold their numbers)."""

    project: str
    name: str
    type: str
    description: str | None
    created_at: datetime
    versions: tuple[VersionDump, ...]  # by number
    aliases: tuple[tuple[str, int], ...]  # (alias, version number)
    info: dict[str, Any] | None = field(default=None, hash=False)  # collection_info row

    @property
    def label(self) -> str:
        return f"{self.project}/{self.name}"


@dataclass(frozen=True)
class RunDump:
    """One run's row, its project by name."""

    project: str
    row: dict[str, Any] = field(hash=False)
    info: dict[str, Any] | None = field(default=None, hash=False)  # run_info row
    history: tuple[dict[str, Any], ...] = field(default=(), hash=False)  # by step, no ids


@dataclass(frozen=True)
class VersionState:
    """What a store holds under one collection + number."""

    id: str
    digest: str
    state: str


class TransferMixin:
    """Dump and load catalog rows as they are, for copying history between stores."""

    if TYPE_CHECKING:  # provided by Catalog

        def _read(self) -> AbstractContextManager[Connection]: ...
        def _write(self) -> AbstractContextManager[Connection]: ...
        def _project_id(self, conn: Connection, name: str, create: bool) -> int | None: ...

    # -- dumping ------------------------------------------------------------------

    def dump_collections(
        self, projects: Sequence[str] | None = None, names: Sequence[str] | None = None
    ) -> list[CollectionDump]:
        """Every collection of ``projects`` (all when None) named in ``names`` (all when None)."""
        query = select(s.collections, s.projects.c.name.label("project_name")).join(
            s.projects, s.projects.c.id == s.collections.c.project_id
        )
        if projects is not None:
            query = query.where(s.projects.c.name.in_(list(projects)))
        if names is not None:
            query = query.where(s.collections.c.name.in_(list(names)))
        out = []
        with self._read() as conn:
            for coll in conn.execute(query.order_by(s.projects.c.name, s.collections.c.name)):
                out.append(self._dump_collection(conn, coll._mapping))
        return out

    def _dump_collection(self, conn: Connection, coll: Any) -> CollectionDump:
        rows = [
            dict(r._mapping)
            for r in conn.execute(
                select(s.versions)
                .where(s.versions.c.collection_id == coll["id"])
                .order_by(s.versions.c.number)
            )
        ]
        ids = [r["id"] for r in rows]
        numbers = {r["id"]: r["number"] for r in rows}
        tags: dict[str, list[str]] = {}
        edits: dict[str, list[dict[str, Any]]] = {}
        usage: dict[str, list[dict[str, Any]]] = {}
        for chunk in _chunks(ids):
            for vid, tag in conn.execute(
                select(s.tags.c.version_id, s.tags.c.tag)
                .where(s.tags.c.version_id.in_(chunk))
                .order_by(s.tags.c.tag)
            ):
                tags.setdefault(vid, []).append(tag)
            for e in conn.execute(
                select(s.edits).where(s.edits.c.version_id.in_(chunk)).order_by(s.edits.c.id)
            ):
                m = e._mapping
                edits.setdefault(m["version_id"], []).append({k: m[k] for k in _EDIT_FIELDS})
            for u in conn.execute(
                select(s.usage).where(s.usage.c.version_id.in_(chunk)).order_by(s.usage.c.at)
            ):
                m = u._mapping
                usage.setdefault(m["version_id"], []).append(
                    {k: m[k] for k in ("run_id", "role", "at", "provenance")}
                )
        aliases = conn.execute(
            select(s.aliases.c.alias, s.aliases.c.version_id)
            .where(s.aliases.c.collection_id == coll["id"])
            .order_by(s.aliases.c.alias)
        ).all()
        info = conn.execute(
            select(s.collection_info.c.tags, s.collection_info.c.updated_at).where(
                s.collection_info.c.collection_id == coll["id"]
            )
        ).first()
        return CollectionDump(
            project=coll["project_name"],
            name=coll["name"],
            type=coll["type"],
            description=coll["description"],
            created_at=_utc(coll["created_at"]),  # type: ignore[arg-type]
            versions=tuple(
                VersionDump(
                    row=_norm({k: v for k, v in r.items() if k != "collection_id"}),
                    tags=tuple(tags.get(r["id"], ())),
                    edits=tuple(_norm(e) for e in edits.get(r["id"], ())),
                    usage=tuple(_norm(u) for u in usage.get(r["id"], ())),
                )
                for r in rows
            ),
            aliases=tuple((alias, numbers[vid]) for alias, vid in aliases),
            info=_norm(dict(info._mapping)) if info is not None else None,
        )

    def dump_runs(
        self, run_ids: Iterable[str], whole_projects: Sequence[str] | None = ()
    ) -> list[RunDump]:
        """The runs ``run_ids``, plus every run of ``whole_projects`` (None: every run)."""
        query = select(s.runs, s.projects.c.name.label("project_name")).join(
            s.projects, s.projects.c.id == s.runs.c.project_id
        )
        found: dict[str, RunDump] = {}
        with self._read() as conn:
            queries = [query.where(s.runs.c.id.in_(chunk)) for chunk in _chunks(list(run_ids))]
            if whole_projects is None:
                queries.append(query)
            elif whole_projects:
                queries.append(query.where(s.projects.c.name.in_(list(whole_projects))))
            for q in queries:
                for r in conn.execute(q):
                    m = dict(r._mapping)
                    project = m.pop("project_name")
                    m.pop("project_id")
                    found[m["id"]] = RunDump(project, _norm(m))
            for run_id, dump in list(found.items()):
                info = conn.execute(select(s.run_info).where(s.run_info.c.run_id == run_id)).first()
                history = conn.execute(
                    select(s.run_history.c.step, s.run_history.c.at, s.run_history.c.data)
                    .where(s.run_history.c.run_id == run_id)
                    .order_by(s.run_history.c.step)
                ).all()
                found[run_id] = RunDump(
                    dump.project,
                    dump.row,
                    _norm(dict(info._mapping)) if info is not None else None,
                    tuple(_norm(dict(h._mapping)) for h in history),
                )
        return sorted(found.values(), key=lambda d: (d.row["started_at"], d.row["id"]))

    def version_index(self, project: str, name: str) -> tuple[str | None, dict[int, VersionState]]:
        """A collection's type (None: no such collection) and its versions by number."""
        with self._read() as conn:
            coll = conn.execute(
                select(s.collections.c.id, s.collections.c.type)
                .join(s.projects, s.projects.c.id == s.collections.c.project_id)
                .where(s.projects.c.name == project, s.collections.c.name == name)
            ).first()
            if coll is None:
                return None, {}
            rows = conn.execute(
                select(
                    s.versions.c.number, s.versions.c.id, s.versions.c.digest, s.versions.c.state
                ).where(s.versions.c.collection_id == coll.id)
            ).all()
        return coll.type, {r.number: VersionState(r.id, r.digest, r.state) for r in rows}

    # -- loading ------------------------------------------------------------------

    def load_runs(self, runs: Sequence[RunDump]) -> tuple[int, int]:
        """Insert runs this store lacks, bring the others up to date: ``(inserted, updated)``."""
        inserted = updated = 0
        with self._write() as conn:
            for run in runs:
                have = conn.execute(select(s.runs).where(s.runs.c.id == run.row["id"])).first()
                pid = self._project_id(conn, run.project, create=True)
                values = {**run.row, "project_id": pid}
                if have is None:
                    conn.execute(s.runs.insert().values(**values))
                    inserted += 1
                elif _norm(dict(have._mapping)) != values:
                    conn.execute(
                        update(s.runs).where(s.runs.c.id == run.row["id"]).values(**values)
                    )
                    updated += 1
                self._load_run_extras(conn, run)
        return inserted, updated

    @staticmethod
    def _load_run_extras(conn: Connection, run: RunDump) -> None:
        """A run's group, summary and history (migration 5), made equal to the source's."""
        run_id = run.row["id"]
        if run.info is not None:
            conn.execute(delete(s.run_info).where(s.run_info.c.run_id == run_id))
            conn.execute(s.run_info.insert().values(**run.info))
        have = {
            r.step: r.data
            for r in conn.execute(
                select(s.run_history.c.step, s.run_history.c.data).where(
                    s.run_history.c.run_id == run_id
                )
            )
        }
        for row in run.history:
            if have.get(row["step"]) == row["data"]:
                continue
            conn.execute(
                delete(s.run_history).where(
                    s.run_history.c.run_id == run_id, s.run_history.c.step == row["step"]
                )
            )
            conn.execute(s.run_history.insert().values(run_id=run_id, **row))

    def load_version(self, coll: CollectionDump, version: VersionDump) -> tuple[str, int]:
        """Write one version as dumped: ``("inserted" | "updated" | "same", usage rows added)``.

        Raises :class:`CopyConflictError` (writing nothing) when this store holds other
        content under the same number, or the collection has another type.
        """
        label = f"{coll.label}:v{version.number}"
        with self._write() as conn:
            cid = self._load_collection(conn, coll)
            have = conn.execute(
                select(s.versions).where(
                    s.versions.c.collection_id == cid, s.versions.c.number == version.number
                )
            ).first()
            if have is None:
                taken = conn.execute(
                    select(s.versions.c.id).where(s.versions.c.id == version.row["id"])
                ).first()
                if taken is not None:
                    raise CopyConflictError(
                        f"Cannot copy {label}: the destination already has another version "
                        f"with its id {version.row['id']!r}.",
                        name=label,
                    )
                row = dict(version.row)
                if row["created_by"] and not self._run_exists(conn, row["created_by"]):
                    row["created_by"] = None
                conn.execute(s.versions.insert().values(**row, collection_id=cid))
                vid, status = str(row["id"]), "inserted"
            else:
                m = _norm(dict(have._mapping))
                if m["digest"] != version.digest:
                    raise conflict_error(label, version.digest, m["digest"])
                vid = str(m["id"])
                changes = {k: version.row[k] for k in _MUTABLE if m[k] != version.row[k]}
                if changes:
                    conn.execute(update(s.versions).where(s.versions.c.id == vid).values(**changes))
                status = "updated" if changes else "same"
            if self._load_tags(conn, vid, version.tags) | self._load_edits(conn, vid, version):
                status = "updated" if status == "same" else status
            return status, self._load_usage(conn, vid, version)

    def load_aliases(self, coll: CollectionDump) -> int:
        """Point the collection's aliases where the source points them; returns how many moved.

        Aliases only this store has stay, unless they sit on a version the source has
        (then the source removed them).
        """
        moved = 0
        with self._write() as conn:
            cid = self._collection_id(conn, coll)
            if cid is None:
                return 0
            ids = dict(
                conn.execute(
                    select(s.versions.c.number, s.versions.c.id).where(
                        s.versions.c.collection_id == cid
                    )
                ).all()
            )
            wanted = dict(coll.aliases)
            copied = {ids[v.number] for v in coll.versions if v.number in ids}
            for alias, target in conn.execute(
                select(s.aliases.c.alias, s.aliases.c.version_id).where(
                    s.aliases.c.collection_id == cid
                )
            ).all():
                # An alias the source does not have, on a version the source has: removed there.
                if alias not in wanted and target in copied:
                    conn.execute(
                        delete(s.aliases).where(
                            s.aliases.c.collection_id == cid, s.aliases.c.alias == alias
                        )
                    )
                    moved += 1
            for alias, number in coll.aliases:
                target = ids.get(number)
                if target is None:
                    continue
                now = conn.execute(
                    select(s.aliases.c.version_id).where(
                        s.aliases.c.collection_id == cid, s.aliases.c.alias == alias
                    )
                ).scalar()
                if now == target:
                    continue
                conn.execute(
                    delete(s.aliases).where(
                        s.aliases.c.collection_id == cid, s.aliases.c.alias == alias
                    )
                )
                conn.execute(
                    s.aliases.insert().values(collection_id=cid, alias=alias, version_id=target)
                )
                moved += 1
        return moved

    # -- pieces of one load ---------------------------------------------------------

    def _collection_id(self, conn: Connection, coll: CollectionDump) -> int | None:
        return conn.execute(
            select(s.collections.c.id)
            .join(s.projects, s.projects.c.id == s.collections.c.project_id)
            .where(s.projects.c.name == coll.project, s.collections.c.name == coll.name)
        ).scalar()

    def _load_collection(self, conn: Connection, coll: CollectionDump) -> int:
        pid = self._project_id(conn, coll.project, create=True)
        row = conn.execute(
            select(s.collections.c.id, s.collections.c.type, s.collections.c.description).where(
                s.collections.c.project_id == pid, s.collections.c.name == coll.name
            )
        ).first()
        if row is None:
            cid = int(
                conn.execute(
                    s.collections.insert()
                    .values(
                        project_id=pid,
                        name=coll.name,
                        type=coll.type,
                        description=coll.description,
                        created_at=coll.created_at,
                    )
                    .returning(s.collections.c.id)
                ).scalar_one()
            )
            self._load_collection_info(conn, cid, coll)
            return cid
        if row.type != coll.type:
            raise CopyConflictError(
                f"Cannot copy {coll.label}: it has type {coll.type!r} here but {row.type!r} "
                "at the destination. Rename one of them, or copy other names (--name).",
                name=coll.label,
            )
        if row.description != coll.description:
            conn.execute(
                update(s.collections)
                .where(s.collections.c.id == row.id)
                .values(description=coll.description)
            )
        self._load_collection_info(conn, int(row.id), coll)
        return int(row.id)

    @staticmethod
    def _load_collection_info(conn: Connection, cid: int, coll: CollectionDump) -> None:
        if coll.info is None:
            return
        conn.execute(delete(s.collection_info).where(s.collection_info.c.collection_id == cid))
        conn.execute(s.collection_info.insert().values(**{**coll.info, "collection_id": cid}))

    @staticmethod
    def _run_exists(conn: Connection, run_id: str) -> bool:
        return conn.execute(select(s.runs.c.id).where(s.runs.c.id == run_id)).first() is not None

    @staticmethod
    def _load_tags(conn: Connection, vid: str, tags: Sequence[str]) -> bool:
        have = set(conn.execute(select(s.tags.c.tag).where(s.tags.c.version_id == vid)).scalars())
        want = set(tags)
        for tag in sorted(have - want):
            conn.execute(delete(s.tags).where(s.tags.c.version_id == vid, s.tags.c.tag == tag))
        for tag in sorted(want - have):
            conn.execute(s.tags.insert().values(version_id=vid, tag=tag))
        return have != want

    @staticmethod
    def _load_edits(conn: Connection, vid: str, version: VersionDump) -> bool:
        def key(e: dict[str, Any]) -> tuple[Any, ...]:
            return tuple(e[k] for k in _EDIT_FIELDS)

        have = {
            key(_norm(dict(r._mapping)))
            for r in conn.execute(
                select(*(s.edits.c[k] for k in _EDIT_FIELDS)).where(s.edits.c.version_id == vid)
            )
        }
        added = False
        for edit in version.edits:
            if key(edit) not in have:
                conn.execute(s.edits.insert().values(version_id=vid, **edit))
                added = True
        return added

    def _load_usage(self, conn: Connection, vid: str, version: VersionDump) -> int:
        have = set(
            conn.execute(
                select(s.usage.c.run_id, s.usage.c.role).where(s.usage.c.version_id == vid)
            ).all()
        )
        added = 0
        for use in version.usage:
            if (use["run_id"], use["role"]) in have or not self._run_exists(conn, use["run_id"]):
                continue
            conn.execute(s.usage.insert().values(version_id=vid, **use))
            added += 1
        return added


def conflict_error(label: str, source: str, destination: str) -> CopyConflictError:
    """The error for a number holding different content at each end (also for planning)."""
    return CopyConflictError(
        f"Cannot copy {label}: the destination holds different content under that number "
        f"(digest {destination[:12]}... there, {source[:12]}... here). Nothing of it was "
        "copied; copy the other artifacts with --name, or rename one side.",
        name=label,
        source_digest=source,
        destination_digest=destination,
    )


def _chunks(items: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield list(items[start : start + _CHUNK])
