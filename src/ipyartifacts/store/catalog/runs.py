"""Catalog rows for projects, runs and usage (which run logged or used which version).

A mixin of :class:`~ipyartifacts.store.catalog.catalog.Catalog` (kept apart so each module
holds one concept); every public method is one transaction, like the rest of the catalog.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.engine import Row

from ipyartifacts.errors import ArtifactNotFoundError, ArtifactStateError
from ipyartifacts.store.catalog import _common
from ipyartifacts.store.catalog import schema as s
from ipyartifacts.store.catalog._common import aware
from ipyartifacts.store.catalog.dialect import insert_ignore
from ipyartifacts.store.names import dumps
from ipyartifacts.store.records import RunRecord, VersionRecord

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from datetime import datetime

    from sqlalchemy.engine import Connection

__all__ = ["RunsMixin"]


class RunsMixin:
    """Projects, runs, and the usage rows that make lineage."""

    if TYPE_CHECKING:  # provided by Catalog

        def _read(self) -> AbstractContextManager[Connection]: ...
        def _write(self) -> AbstractContextManager[Connection]: ...
        def _version_select(self) -> Any: ...
        @staticmethod
        def _live(now: datetime) -> Any: ...
        def _records(self, conn: Connection, rows: Sequence[Row[Any]]) -> list[VersionRecord]: ...

    # -- projects and runs --------------------------------------------------------

    def _project_id(self, conn: Connection, name: str, create: bool) -> int | None:
        if create:
            return self._ensure_project(conn, name)
        return conn.execute(select(s.projects.c.id).where(s.projects.c.name == name)).scalar()

    def _ensure_project(self, conn: Connection, name: str) -> int:
        """The project's id, creating the project if it is new (race-free: ON CONFLICT)."""
        pid = conn.execute(select(s.projects.c.id).where(s.projects.c.name == name)).scalar()
        if pid is None:
            # A concurrent creator's uncommitted row makes this wait, then do nothing.
            values = {"name": name, "created_at": _common.utcnow()}
            insert_ignore(conn, s.projects, values, keys=["name"])
            pid = conn.execute(
                select(s.projects.c.id).where(s.projects.c.name == name)
            ).scalar_one()
        return int(pid)

    def create_run(self, record: RunRecord) -> None:
        with self._write() as conn:
            pid = self._project_id(conn, record.project, create=True)
            conn.execute(
                s.runs.insert().values(
                    id=record.id,
                    project_id=pid,
                    name=record.name,
                    job_type=record.job_type,
                    config=dumps(record.config),
                    notes=record.notes,
                    tags=dumps(list(record.tags)),
                    host=record.host,
                    provenance=dumps(record.provenance),
                    state=record.state,
                    started_at=record.started_at,
                    finished_at=record.finished_at,
                )
            )

    def update_run(self, run_id: str, **values: Any) -> None:
        for key in ("config", "provenance"):
            if key in values:
                values[key] = dumps(values[key])
        if "tags" in values:
            values["tags"] = dumps(list(values["tags"]))
        with self._write() as conn:
            conn.execute(update(s.runs).where(s.runs.c.id == run_id).values(**values))

    def _run_select(self) -> Any:
        return select(s.runs, s.projects.c.name.label("project_name")).join(
            s.projects, s.projects.c.id == s.runs.c.project_id
        )

    @staticmethod
    def _run_record(row: Row[Any]) -> RunRecord:
        m = row._mapping
        return RunRecord(
            id=m["id"],
            project=m["project_name"],
            name=m["name"],
            job_type=m["job_type"],
            config=json.loads(m["config"]),
            notes=m["notes"],
            tags=tuple(json.loads(m["tags"])),
            host=m["host"],
            provenance=json.loads(m["provenance"]),
            state=m["state"],
            started_at=aware(m["started_at"]),  # type: ignore[arg-type]
            finished_at=aware(m["finished_at"]),
        )

    def get_run(self, run_id: str) -> RunRecord:
        with self._read() as conn:
            row = conn.execute(self._run_select().where(s.runs.c.id == run_id)).first()
        if row is None:
            raise ArtifactNotFoundError(f"No run with id {run_id!r} in this store.", name=run_id)
        return self._run_record(row)

    def list_runs(self, project: str | None = None) -> list[RunRecord]:
        query = self._run_select().order_by(s.runs.c.started_at.desc())
        if project is not None:
            query = query.where(s.projects.c.name == project)
        with self._read() as conn:
            return [self._run_record(r) for r in conn.execute(query)]

    # -- usage and lineage --------------------------------------------------------

    def _add_usage(
        self, conn: Connection, run_id: str, version_id: str, role: str, provenance: dict[str, Any]
    ) -> None:
        values = {
            "run_id": run_id,
            "version_id": version_id,
            "role": role,
            "at": _common.utcnow(),
            "provenance": dumps(provenance),
        }
        insert_ignore(conn, s.usage, values, keys=["run_id", "version_id", "role"])

    def add_usage(
        self, run_id: str, version_id: str, role: str, provenance: dict[str, Any] | None = None
    ) -> None:
        with self._write() as conn:
            state = conn.execute(select(s.runs.c.state).where(s.runs.c.id == run_id)).scalar()
            if state is None:
                raise ArtifactNotFoundError(f"No run with id {run_id!r}.", name=run_id)
            if state != "running":
                raise ArtifactStateError(
                    f"Run {run_id!r} is {state}; start a new run with init() to record usage."
                )
            self._add_usage(conn, run_id, version_id, role, provenance or {})

    def versions_of_run(self, run_id: str, role: str) -> list[VersionRecord]:
        now = _common.utcnow()
        with self._read() as conn:
            rows = conn.execute(
                self._version_select()
                .join(s.usage, s.usage.c.version_id == s.versions.c.id)
                .where(s.usage.c.run_id == run_id, s.usage.c.role == role, self._live(now))
                .order_by(s.usage.c.at)
            ).all()
            return self._records(conn, rows)

    def runs_of_version(self, version_id: str, role: str) -> list[RunRecord]:
        with self._read() as conn:
            rows = conn.execute(
                self._run_select()
                .join(s.usage, s.usage.c.run_id == s.runs.c.id)
                .where(s.usage.c.version_id == version_id, s.usage.c.role == role)
                .order_by(s.usage.c.at)
            ).all()
            return [self._run_record(r) for r in rows]
