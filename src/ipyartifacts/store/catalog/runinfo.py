"""Catalog rows for what W&B keeps about a run beyond artifacts: history, summary, group.

A mixin of :class:`~ipyartifacts.store.catalog.catalog.Catalog` (migration 5's
``run_history`` and ``run_info`` tables). Every public method is one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError as DBIntegrityError

from ipyartifacts.store.catalog import _common
from ipyartifacts.store.catalog import schema as s
from ipyartifacts.store.catalog._common import aware

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from datetime import datetime

    from sqlalchemy.engine import Connection

__all__ = ["RunInfoMixin"]


def dumps(value: Any) -> str:
    """JSON for metrics: W&B logs NaN and infinities, so they are kept (Python's JSON)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class RunInfoMixin:
    """Run history (one row per step), summary and group."""

    if TYPE_CHECKING:  # provided by Catalog

        def _read(self) -> AbstractContextManager[Connection]: ...
        def _write(self) -> AbstractContextManager[Connection]: ...

    # -- info: group and summary --------------------------------------------------

    def _ensure_info(self, conn: Connection, run_id: str) -> None:
        found = conn.execute(
            select(s.run_info.c.run_id).where(s.run_info.c.run_id == run_id)
        ).first()
        if found is None:
            conn.execute(
                s.run_info.insert().values(
                    run_id=run_id, run_group=None, summary="{}", updated_at=_common.utcnow()
                )
            )

    def set_run_group(self, run_id: str, group: str | None) -> None:
        with self._write() as conn:
            self._ensure_info(conn, run_id)
            conn.execute(
                update(s.run_info).where(s.run_info.c.run_id == run_id).values(run_group=group)
            )

    def run_info(self, run_id: str) -> tuple[str | None, dict[str, Any]]:
        """``(group, summary)`` of a run (``(None, {})`` when nothing was recorded)."""
        with self._read() as conn:
            row = conn.execute(
                select(s.run_info.c.run_group, s.run_info.c.summary).where(
                    s.run_info.c.run_id == run_id
                )
            ).first()
        if row is None:
            return None, {}
        return row.run_group, json.loads(row.summary)

    def update_summary(self, run_id: str, values: Mapping[str, Any], replace: bool = False) -> None:
        """Merge ``values`` into the run's summary (``replace``: make it exactly ``values``)."""
        with self._write() as conn:
            self._merge_summary(conn, run_id, values, replace)

    def _merge_summary(
        self, conn: Connection, run_id: str, values: Mapping[str, Any], replace: bool
    ) -> None:
        self._ensure_info(conn, run_id)
        current = conn.execute(
            select(s.run_info.c.summary).where(s.run_info.c.run_id == run_id)
        ).scalar_one()
        merged = {} if replace else json.loads(current)
        merged.update(values)
        conn.execute(
            update(s.run_info)
            .where(s.run_info.c.run_id == run_id)
            .values(summary=dumps(merged), updated_at=_common.utcnow())
        )

    # -- history --------------------------------------------------------------------

    def log_history(self, run_id: str, step: int, data: Mapping[str, Any]) -> None:
        """Merge ``data`` into the run's history row at ``step``; the summary follows it."""
        for _attempt in range(5):
            try:
                with self._write() as conn:
                    row = conn.execute(
                        select(s.run_history.c.id, s.run_history.c.data).where(
                            s.run_history.c.run_id == run_id, s.run_history.c.step == step
                        )
                    ).first()
                    if row is None:
                        conn.execute(
                            s.run_history.insert().values(
                                run_id=run_id,
                                step=step,
                                at=_common.utcnow(),
                                data=dumps(dict(data)),
                            )
                        )
                    else:
                        merged = {**json.loads(row.data), **data}
                        conn.execute(
                            update(s.run_history)
                            .where(s.run_history.c.id == row.id)
                            .values(data=dumps(merged))
                        )
                    self._merge_summary(conn, run_id, data, replace=False)
                return
            except DBIntegrityError:  # a concurrent writer made the row first: merge into it
                continue

    def history_of(self, run_id: str) -> list[tuple[int, datetime, dict[str, Any]]]:
        """Every history row of a run, by step: ``(step, first logged at, data)``."""
        with self._read() as conn:
            rows = conn.execute(
                select(s.run_history.c.step, s.run_history.c.at, s.run_history.c.data)
                .where(s.run_history.c.run_id == run_id)
                .order_by(s.run_history.c.step)
            ).all()
        return [(r.step, aware(r.at), json.loads(r.data)) for r in rows]  # type: ignore[misc]

    def last_history_step(self, run_id: str) -> int | None:
        with self._read() as conn:
            return conn.execute(
                select(func.max(s.run_history.c.step)).where(s.run_history.c.run_id == run_id)
            ).scalar()

    def history_step_at(self, run_id: str, at: datetime) -> int | None:
        """The newest step the run had logged by time ``at`` (None: none yet)."""
        with self._read() as conn:
            return conn.execute(
                select(func.max(s.run_history.c.step)).where(
                    s.run_history.c.run_id == run_id, s.run_history.c.at <= at
                )
            ).scalar()
