"""What an :class:`~ipyartifacts.api.artifact.Artifact` knows about registry links.

A mixin of Artifact (kept apart so each module holds one concept): ``link`` / ``unlink``,
``is_link``, ``linked_artifacts`` and W&B's ``source_*`` properties. For a version that is
not a link, every ``source_*`` is the version itself, as in W&B.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ipyartifacts.errors import ArtifactStateError
from ipyartifacts.store.names import (
    LATEST,
    check_metadata,
    unique,
    validate_alias,
    validate_tag,
)

if TYPE_CHECKING:
    from ipyartifacts.api.artifact import Artifact
    from ipyartifacts.api.query import ArtifactCollection
    from ipyartifacts.core.client import Client
    from ipyartifacts.store.records import LinkRecord, VersionRecord

__all__ = ["LinkingMixin"]


def _run_id() -> str | None:
    from ipyartifacts.api.run import active_run

    run = active_run()
    return run.id if run is not None else None


class LinkingMixin:
    """Registry links of an artifact version."""

    _link: LinkRecord | None = None  # set when this Artifact is a linked version
    _source_record: VersionRecord | None = None  # the source version of a link

    if TYPE_CHECKING:  # provided by Artifact

        def _require_logged(self, action: str) -> tuple[Client, VersionRecord]: ...
        def _bind(self, record: VersionRecord) -> None: ...

        _description: str | None
        _metadata: dict[str, Any]
        _tags: list[str]
        _ttl: timedelta | None

        def is_draft(self) -> bool: ...
        def save(
            self, project: str | None = None, settings: Any = None, *, force: bool = False
        ) -> None: ...

        @property
        def name(self) -> str: ...
        @property
        def aliases(self) -> list[str]: ...

    # -- linking ------------------------------------------------------------------

    def link(
        self, target_path: str, aliases: Iterable[str] | None = None, *, force: bool = False
    ) -> Artifact:
        """Link this version into a registry collection (created on first link); return the link.

        ``target_path`` is ``wandb-registry-<registry>/<collection>`` (an organization
        prefix is accepted). No bytes are copied. Linking a version already linked there
        makes no second link; ``aliases`` are added to it. Aliases of a registry
        collection are its own, independent of the source collection's; moving a
        protected one (e.g. ``production``) needs ``force=True``. A draft is logged
        first (by the active run, else a short ``auto`` run).

        Examples
        --------
        >>> artifact.link("wandb-registry-model/classifier", aliases=["staging"])  # doctest: +SKIP
        """
        from ipyartifacts.api.links import linked_artifact, parse_target

        if self.is_draft():
            self.save()
        registry, collection = parse_target(target_path)
        client, record = self._require_logged("link it")
        wanted = unique([validate_alias(a) for a in aliases or [] if a != LATEST])
        link, _created = client.catalog.link_version(
            registry,
            collection,
            record.id,  # a link's record id is its source's: links never chain
            aliases=wanted,
            run_id=_run_id(),
            force=force,
        )
        return linked_artifact(client, link)

    def unlink(self, force: bool = False) -> None:
        """Remove this linked version from its registry collection (the source stays).

        Its aliases go with it; a protected one needs ``force=True``. The link number is
        never reused. Raises ArtifactStateError on a version that is not a link.
        """
        client, _record = self._require_logged("unlink it")
        link = self._link
        if link is None:
            raise ArtifactStateError(
                f"{self.name} is not a linked artifact and cannot be unlinked. To delete it, "
                "use delete() instead."
            )
        client.catalog.unlink(link.id, force=force, run_id=_run_id())
        self._link = None
        if self._source_record is not None:
            self._bind(self._source_record)

    def _save_link(self, force: bool) -> bool:
        """Save edits of a linked version: aliases to the link, the rest to the source.

        Returns False when this is not a link (Artifact.save carries on).
        """
        link = self._link
        if link is None:
            return False
        client, _record = self._require_logged("save edits")
        wanted = unique([validate_alias(a) for a in self.aliases if a != LATEST])
        saved = [a for a in link.aliases if a != LATEST]
        new_link = client.catalog.edit_link_aliases(
            link.id,
            add=[a for a in wanted if a not in saved],
            remove=[a for a in saved if a not in wanted],
            force=force,
            run_id=_run_id(),
        )
        # The rest is the source's: send only what was edited here, never the source's
        # aliases (they belong to its own collection and may have moved meanwhile).
        loaded = _record
        edits: dict[str, Any] = {}
        if self._description != loaded.description:
            edits["description"] = self._description
        if check_metadata(self._metadata) != loaded.metadata:
            edits["metadata"] = check_metadata(self._metadata)
        if list(self._tags) != list(loaded.tags):
            edits["tags"] = unique([validate_tag(t) for t in self._tags])
        old_ttl = loaded.expires_at - loaded.created_at if loaded.expires_at else None
        if self._ttl != old_ttl:
            edits["expires_at"] = loaded.created_at + self._ttl if self._ttl else None
        if edits:
            client.catalog.update_version(loaded.id, by=_run_id(), **edits)
        from ipyartifacts.api.links import linked_artifact

        fresh = linked_artifact(client, new_link)
        self._bind(fresh._record)  # type: ignore[arg-type]
        self._link, self._source_record = fresh._link, fresh._source_record
        return True

    def _refuse_on_link(self, action: str) -> None:
        if self._link is not None:
            raise ArtifactStateError(
                f"Cannot {action}: {self.name} is a link in registry "
                f"{self._link.registry!r}. Use unlink() to remove the link, or "
                "source_artifact.delete() to delete the logged version itself."
            )

    # -- W&B's link properties ----------------------------------------------------

    @property
    def is_link(self) -> bool:
        """True for a version fetched through a registry collection (a link)."""
        return self._link is not None

    @property
    def linked_at(self) -> datetime | None:
        """When this link was made (None for a version that is not a link)."""
        return self._link.created_at if self._link is not None else None

    @property
    def linked_artifacts(self) -> list[Artifact]:
        """Every link of this source version (empty for a link itself, as in W&B)."""
        from ipyartifacts.api.links import linked_artifacts

        client, record = self._require_logged("list its links")
        if self._link is not None:
            return []
        return linked_artifacts(client, client.catalog.links_of_version(record.id))

    @property
    def source_artifact(self) -> Artifact:
        """The logged version a link points at (a version that is not a link: itself)."""
        from ipyartifacts.api.artifact import Artifact

        client, _record = self._require_logged("get its source")
        if self._link is None or self._source_record is None:
            return self  # type: ignore[return-value]
        return Artifact._from_record(client, self._source_record)

    def _source(self) -> VersionRecord:
        _client, record = self._require_logged("read its source")
        return self._source_record if self._source_record is not None else record

    @property
    def source_name(self) -> str:
        """``"name:vN"`` of the source version (a draft: its name)."""
        if self.is_draft():
            return self.name
        source = self._source()
        return f"{source.name}:v{source.number}"

    @property
    def source_project(self) -> str:
        """Project the source version was logged in."""
        return self._source().project

    @property
    def source_entity(self) -> str:
        """W&B's entity of the source; a local store has one: ``"local"``."""
        from ipyartifacts.store.names import LOCAL_ORGANIZATION

        return LOCAL_ORGANIZATION

    @property
    def entity(self) -> str:
        """W&B's entity: a linked version's is its organization (a local store has one,
        ``"local"``); any other version's is its project's (``$IPYARTIFACTS_ENTITY``, else
        the OS user; see ``ArtifactMembers.entity``)."""
        from ipyartifacts.store.names import LOCAL_ORGANIZATION

        if self._link is not None:
            return LOCAL_ORGANIZATION
        entity: str = super().entity  # type: ignore[misc]
        return entity

    @property
    def source_version(self) -> str:
        """``"vN"`` of the source version."""
        return f"v{self._source().number}"

    @property
    def source_qualified_name(self) -> str:
        """``"project/name:vN"`` of the source version."""
        return f"{self.source_project}/{self.source_name}"

    @property
    def source_collection(self) -> ArtifactCollection:
        """The collection the source version was logged to."""
        from ipyartifacts.api.query import find_collection

        client, _record = self._require_logged("get its source collection")
        source = self._source()
        return find_collection(client, source.project, source.name, None)

    @property
    def collection(self) -> ArtifactCollection:
        """The collection this version was fetched from: a registry collection for a link."""
        if self._link is not None:
            from ipyartifacts.api.registry import RegistryCollection

            client, _record = self._require_logged("get its collection")
            return RegistryCollection._load(client, self._link.registry, self._link.collection)
        return self.source_collection
