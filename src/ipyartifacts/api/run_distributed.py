"""Distributed artifacts: ``run.upsert_artifact`` from many runs, ``run.finish_artifact`` once.

W&B's semantics (``wandb/sdk/wandb_run.py``): every run of a job calls
``upsert_artifact(artifact, distributed_id=...)`` (default: the run's ``group``; with
neither, TypeError) to add its files to one pending version; one run then calls
``finish_artifact(...)`` (its own files included), which commits every part so far as a
single version. Later upserts with the same id start the *next* version, so a second
finish commits what was added since; with nothing added it is refused (W&B would commit
an empty version).
Without a finish nothing is committed: the parts stay pending (and GC keeps their blobs).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipyartifacts.errors import ArtifactStateError
from ipyartifacts.store.names import alias_list, custom_aliases, validate_name

if TYPE_CHECKING:
    from ipyartifacts.api.artifact import Artifact
    from ipyartifacts.core.client import Client
    from ipyartifacts.store.records import RunRecord

__all__ = ["RunDistributed"]


class RunDistributed:
    """``upsert_artifact`` and ``finish_artifact`` (mixed into :class:`~ipyartifacts.Run`)."""

    if TYPE_CHECKING:  # provided by Run
        _client: Client
        _record: RunRecord

        @property
        def id(self) -> str: ...
        @property
        def project(self) -> str: ...
        @property
        def group(self) -> str | None: ...
        def _require_running(self, action: str) -> None: ...

    def upsert_artifact(
        self,
        artifact_or_path: Artifact | str | os.PathLike[str],
        name: str | None = None,
        type: str | None = None,
        aliases: str | list[str] | None = None,
        distributed_id: str | None = None,
    ) -> Artifact:
        """Add this run's files to the pending version of a distributed artifact.

        Nothing is visible until some run calls :meth:`finish_artifact` with the same
        name and ``distributed_id``. Two parts with different files at one path are
        refused (DuplicateEntryError), as is a type other than the collection's.

        Examples
        --------
        >>> run = wandb.init(group="shards")                       # doctest: +SKIP
        >>> art = wandb.Artifact("embeddings", "dataset")            # doctest: +SKIP
        >>> art.add_file(f"shard-{rank}.npy")                        # doctest: +SKIP
        >>> run.upsert_artifact(art)                                 # doctest: +SKIP
        """
        return self._add_part("upsert", artifact_or_path, name, type, aliases, distributed_id)[0]

    def finish_artifact(
        self,
        artifact_or_path: Artifact | str | os.PathLike[str],
        name: str | None = None,
        type: str | None = None,
        aliases: str | list[str] | None = None,
        distributed_id: str | None = None,
    ) -> Artifact:
        """Add this run's files, then commit every pending part as one version; return it.

        Examples
        --------
        >>> final = run.finish_artifact(art)   # doctest: +SKIP
        >>> final.version                       # doctest: +SKIP
        'v0'
        """
        from ipyartifacts.api.artifact import Artifact

        draft, chosen = self._add_part(
            "finish", artifact_or_path, name, type, aliases, distributed_id
        )
        catalog = self._client.catalog
        parts = catalog.pending_parts(self.project, draft.collection_name, chosen)
        if not any(p.entries for p in parts):
            catalog.settle_parts(parts, None)
            raise ArtifactStateError(
                f"Nothing to finish for {draft.collection_name!r} (distributed_id {chosen!r}): "
                "no part holds files; a finished version's parts are not reused. Upsert "
                "this run's files (or pass them to finish_artifact) first."
            )
        merged = Artifact(draft.collection_name, draft.type)
        merged._client = self._client
        metadata: dict[str, Any] = {}
        wanted: list[str] = []
        for part in parts:
            for entry in part.entries:
                merged._entries[entry.path] = entry
            metadata.update(part.metadata)
            merged.description = part.description or merged.description
            wanted.extend(a for a in part.aliases if a not in wanted)
        merged.metadata = metadata
        merged._distributed_id = chosen
        merged._log(self, aliases=wanted)  # type: ignore[arg-type]
        catalog.settle_parts(parts, merged.id)
        return merged

    def _add_part(
        self,
        action: str,
        artifact_or_path: Artifact | str | os.PathLike[str],
        name: str | None,
        type: str | None,
        aliases: str | list[str] | None,
        distributed_id: str | None,
    ) -> tuple[Artifact, str]:
        from ipyartifacts.api.artifact import Artifact

        self._require_running(f"{action} an artifact")
        if distributed_id is None:
            distributed_id = self.group
            if distributed_id is None:
                raise TypeError(
                    f"Cannot {action} artifact unless run is in a group or distributed_id is "
                    "provided: pass distributed_id='...' (the same in every run), or start "
                    "the runs with init(group='...')."
                )
        if isinstance(artifact_or_path, Artifact):
            artifact = artifact_or_path
            if not artifact.is_draft():
                raise ArtifactStateError(
                    f"Cannot {action} {artifact.name}: it is already logged. Pass a new "
                    "Artifact (or a path) holding this run's files."
                )
            if name is not None:
                artifact._name = validate_name(name.split(":")[0].rsplit("/", 1)[-1])
        else:
            path = Path(artifact_or_path)
            artifact = Artifact(
                validate_name(name or f"run-{self.id}-{path.name}"), type or "unspecified"
            )
            if path.is_dir():
                artifact.add_dir(path)
            else:
                artifact.add_file(path)
        client = self._client
        if artifact._client is not None and artifact._client is not client:
            from ipyartifacts.api.artifact import _transfer

            _transfer(artifact._client, client, artifact._entries.values(), artifact._pending)
        artifact._client = client
        for logical, src in artifact._pending.items():  # immutable-policy files: store now
            client.ingest_expected(src, artifact._entries[logical].digest)
        artifact._pending = {}
        # A part is not committed through Client.commit, which re-checks proofs under a
        # lock: blobs a proof vouched for are touched now instead (docs/design.md).
        client.confirm_proven(artifact.name, artifact._entries.values())
        wanted = custom_aliases(
            [*artifact.aliases, *alias_list(aliases)], newest=True
        )  # checked now, so finishing cannot fail on them
        client.catalog.add_part(
            project=self.project,
            name=artifact.collection_name,
            distributed_id=distributed_id,
            type=artifact.type,
            run_id=self.id,
            entries=artifact._entries.values(),
            aliases=wanted,
            description=artifact.description,
            metadata=artifact.metadata,
        )
        artifact._distributed_id = distributed_id
        return artifact, distributed_id
