"""Catalog edits of a collection itself: rename, description, type, tags (W&B's ``save()``).

A mixin of :class:`~ipyartifacts.store.catalog.catalog.Catalog`; one transaction per call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError as DBIntegrityError

from ipyartifacts.errors import ArtifactNotFoundError, InvalidNameError
from ipyartifacts.store.catalog import _common
from ipyartifacts.store.catalog import schema as s
from ipyartifacts.store.names import dumps

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy.engine import Connection

__all__ = ["CollectionsMixin"]


class CollectionsMixin:
    """Editing collections: the name, description, type and tags of all versions at once."""

    if TYPE_CHECKING:  # provided by Catalog

        def _read(self) -> AbstractContextManager[Connection]: ...
        def _write(self) -> AbstractContextManager[Connection]: ...

    def update_collection(
        self,
        collection_id: int,
        *,
        name: str,
        description: str | None,
        type: str,
        tags: Sequence[str],
    ) -> None:
        """Save a collection's editable fields; InvalidNameError if ``name`` is taken."""
        try:
            with self._write() as conn:
                row = conn.execute(
                    select(s.collections.c.project_id, s.collections.c.name).where(
                        s.collections.c.id == collection_id
                    )
                ).first()
                if row is None:
                    raise ArtifactNotFoundError(
                        f"The collection (id {collection_id}) no longer exists.",
                        name=str(collection_id),
                    )
                if name != row.name:
                    taken = conn.execute(
                        select(s.collections.c.id).where(
                            s.collections.c.project_id == row.project_id,
                            s.collections.c.name == name,
                        )
                    ).first()
                    if taken is not None:
                        raise _taken(name, row.name)
                conn.execute(
                    update(s.collections)
                    .where(s.collections.c.id == collection_id)
                    .values(name=name, description=description, type=type)
                )
                now = _common.utcnow()
                values = {"tags": dumps(list(dict.fromkeys(tags))), "updated_at": now}
                done = conn.execute(
                    update(s.collection_info)
                    .where(s.collection_info.c.collection_id == collection_id)
                    .values(**values)
                )
                if not done.rowcount:
                    conn.execute(
                        s.collection_info.insert().values(collection_id=collection_id, **values)
                    )
        except DBIntegrityError as exc:  # a concurrent rename took the name first
            raise _taken(name, None) from exc


def _taken(name: str, old: str | None) -> InvalidNameError:
    what = f"Cannot rename {old!r} to {name!r}" if old else f"Cannot rename to {name!r}"
    return InvalidNameError(
        f"{what}: the project already has a collection named {name!r}. Choose another name.",
        name=name,
    )
