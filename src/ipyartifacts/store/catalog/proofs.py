"""Which versions prove their blobs present to a commit (re-logs without a request per blob).

A mixin of :class:`~ipyartifacts.store.catalog.catalog.Catalog`; the argument is in
docs/design.md, "Re-logging without a request per blob".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from ipyartifacts.store.catalog import _common
from ipyartifacts.store.catalog import schema as s
from ipyartifacts.store.catalog._common import COMMITTED, aware

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy.engine import Connection

__all__ = ["PROOF_MARGIN", "ProofLapsedError", "ProofsMixin"]

# A version proves its blobs for a commit only if it stays live at least this much longer
# (machines' clocks, which decide expiry for GC, may disagree by a few minutes).
PROOF_MARGIN = timedelta(minutes=10)


class ProofLapsedError(Exception):
    """Versions a commit relied on to prove its blobs present are no longer live."""

    def __init__(self, versions: Iterable[str]) -> None:
        self.versions = frozenset(versions)
        super().__init__(f"{len(self.versions)} proving version(s) lapsed")


def _was_expired(old: str | None, at: datetime | None) -> bool:
    """Whether an ``expires_at`` edit moved an already expired date (a revival)."""
    if old is None:
        return False
    try:
        when = aware(datetime.fromisoformat(old))
    except ValueError:
        return True  # unreadable: assume the worst
    edited = aware(at)
    return when is None or edited is None or when <= edited


class ProofsMixin:
    """Versions whose liveness proves their blobs kept (see the module docstring)."""

    if TYPE_CHECKING:  # provided by Catalog

        def _read(self) -> AbstractContextManager[Connection]: ...

    def provable_versions(self, version_ids: Iterable[str]) -> set[str]:
        """Those of ``version_ids`` that can prove their blobs present to a commit.

        A version proves its blobs while it is committed, will not expire within
        :data:`PROOF_MARGIN`, and has never been revived (undeleted, or given a new expiry
        after it had expired): GC keeps every blob a live version names, so such a
        version's blobs have been kept since it was committed. See docs/design.md
        ("Re-logging without a request per blob").
        """
        with self._read() as conn:
            return self._provable(conn, version_ids)

    def _provable(
        self, conn: Connection, version_ids: Iterable[str], lock: bool = False
    ) -> set[str]:
        ids = sorted(set(version_ids))
        horizon = _common.utcnow() + PROOF_MARGIN
        out: set[str] = set()
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            query = select(s.versions.c.id, s.versions.c.state, s.versions.c.expires_at).where(
                s.versions.c.id.in_(part)
            )
            if lock:  # FOR SHARE: a delete or expiry edit of these waits for our commit
                query = query.with_for_update(read=True)
            found = {
                vid
                for vid, state, expires in conn.execute(query)
                if state == COMMITTED and _later(aware(expires), horizon)
            }
            if found:
                for vid, field_, old, at in conn.execute(
                    select(
                        s.edits.c.version_id, s.edits.c.field, s.edits.c.old, s.edits.c.at
                    ).where(
                        s.edits.c.version_id.in_(sorted(found)),
                        s.edits.c.field.in_(("state", "expires_at")),
                    )
                ):
                    if field_ == "state" or _was_expired(old, at):
                        found.discard(vid)  # it was dead once: GC may have taken its blobs
            out |= found
        return out


def _later(when: datetime | None, horizon: datetime) -> bool:
    """Whether an expiry (None: never) falls after ``horizon``."""
    return when is None or when > horizon
