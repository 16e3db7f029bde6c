"""W&B's ``Run`` members beyond artifacts: ``log``/``history``/``summary``, editable
``name``/``notes``/``tags``/``config``, ``entity``/``group``/``path``/``url``/``dir``, and the
public run's ``update``/``delete``.

A mixin of :class:`~ipyartifacts.api.run.Run` (kept apart so that module stays about the
lifecycle and artifacts). Edits are written to the catalog as they are made.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipyartifacts.api.artifact_members import default_entity, wandb_time
from ipyartifacts.errors import InvalidMetadataError
from ipyartifacts.store.names import check_metadata, validate_label, validate_tag

if TYPE_CHECKING:
    from ipyartifacts.api.artifact import Artifact
    from ipyartifacts.core.client import Client
    from ipyartifacts.store.records import RunRecord

__all__ = ["RunConfig", "RunMembers", "RunSummary"]


class _Persisted(MutableMapping[str, Any]):
    """A dict-like view that writes every change to the catalog at once."""

    def __init__(self, data: dict[str, Any], save: Any) -> None:
        self._data = data
        self._save = save

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value
        self._save(self._data)

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self._save(self._data)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """``d.update(other)``, written once (W&B's ``summary.update()`` / ``config.update()``)."""
        self._data.update(*args, **kwargs)
        self._save(self._data)

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self._data[key]
        except KeyError:
            raise AttributeError(f"no key {key!r} (keys: {', '.join(self._data)})") from None

    def __setattr__(self, key: str, value: Any) -> None:
        if key.startswith("_"):
            object.__setattr__(self, key, value)
        else:
            self[key] = value

    def __repr__(self) -> str:
        return repr(self._data)

    def __eq__(self, other: object) -> bool:
        return dict(self._data) == (dict(other) if isinstance(other, Mapping) else other)

    __hash__ = None  # type: ignore[assignment]


class RunConfig(_Persisted):
    """``run.config``: W&B's config object (``config.lr``, ``config["lr"]``, ``update``)."""


class RunSummary(_Persisted):
    """``run.summary``: the last value of each logged key, editable (W&B's summary)."""


class RunMembers:
    """Members of a run that W&B's docs use, besides logging and using artifacts."""

    if TYPE_CHECKING:  # provided by Run
        _client: Client
        _record: RunRecord
        _step: int

        @property
        def id(self) -> str: ...
        @property
        def project(self) -> str: ...
        def _require_running(self, action: str) -> None: ...
        def log_artifact(
            self,
            artifact_or_path: Any,
            name: str | None = None,
            type: str | None = None,
            aliases: Any = None,
            tags: list[str] | None = None,
        ) -> Artifact: ...
        def logged_artifacts(self, per_page: int = 100) -> list[Artifact]: ...

    def _edit(self, **values: Any) -> None:
        self._client.catalog.update_run(self.id, **values)
        self._record = dataclasses.replace(self._record, **values)

    # -- editable fields --------------------------------------------------------------

    @property
    def name(self) -> str:
        """Display name; assign to rename the run (saved at once)."""
        return self._record.name

    @name.setter
    def name(self, value: str) -> None:
        self._edit(name=validate_label(value, "run name", 256))

    @property
    def notes(self) -> str | None:
        """Free-text notes; assign to change them (saved at once)."""
        return self._record.notes

    @notes.setter
    def notes(self, value: str | None) -> None:
        if value is not None and not isinstance(value, str):
            raise TypeError(f"notes must be a string or None, got {type(value).__name__}.")
        self._edit(notes=value)

    @property
    def tags(self) -> tuple[str, ...]:
        """Run tags (a tuple, as W&B's); assign a list or tuple to change them."""
        return tuple(self._record.tags)

    @tags.setter
    def tags(self, value: Any) -> None:
        values = [value] if isinstance(value, str) else list(value)
        self._edit(tags=tuple(dict.fromkeys(validate_tag(t) for t in values)))

    @property
    def config(self) -> RunConfig:
        """The run's configuration: ``config["lr"]``, ``config.lr``, ``config.update({...})``."""

        def save(data: dict[str, Any]) -> None:
            self._edit(config=check_metadata(data, "config"))

        return RunConfig(dict(self._record.config), save)

    @property
    def summary(self) -> RunSummary:
        """The last value of every key given to :meth:`log`; set keys to add your own."""
        _group, summary = self._client.catalog.run_info(self.id)

        def save(data: dict[str, Any]) -> None:
            self._client.catalog.update_summary(self.id, _jsonable(data, "summary"), replace=True)

        return RunSummary(summary, save)

    # -- where it lives ---------------------------------------------------------------

    @property
    def entity(self) -> str:
        """``init(entity=...)``, else ``$IPYARTIFACTS_ENTITY``, else the OS user name."""
        return str(self._record.provenance.get("entity") or default_entity())

    @property
    def group(self) -> str | None:
        """``init(group=...)``: the group of runs this one belongs to, or None."""
        group, _summary = self._client.catalog.run_info(self.id)
        return group

    @property
    def path(self) -> str:
        """``"entity/project/run_id"``, which ``Api().run(path)`` accepts."""
        return f"{self.entity}/{self.project}/{self.id}"

    @property
    def url(self) -> str:
        """A ``file://`` URI of the store holding the run (there is no web app)."""
        return f"{Path(self._client.root).resolve().as_uri()}?project={self.project}&run={self.id}"

    @property
    def dir(self) -> str:
        """A local folder for this run's files (``<init dir or cwd>/wandb/run-<id>/files``)."""
        base = Path(str(self._record.provenance.get("dir") or self._record.provenance["cwd"]))
        folder = base / "wandb" / f"run-{self.id}" / "files"
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder)

    @property
    def created_at(self) -> str:
        """When the run started: an ISO-8601 UTC string (W&B's type)."""
        return wandb_time(self._record.started_at)

    # -- metrics ----------------------------------------------------------------------

    def log(
        self, data: Mapping[str, Any], step: int | None = None, commit: bool | None = None
    ) -> None:
        """Record metrics as a history row (W&B's ``run.log``), and in :attr:`summary`.

        Each call without ``step`` fills the current step and moves to the next
        (``commit=False``: stay on it, to add more keys). ``step=N`` writes at step N
        (earlier steps than the current one are refused, as W&B ignores them). A
        ``Table`` value is logged as a ``run_table`` artifact and recorded by reference.

        Examples
        --------
        >>> for epoch in range(3):                              # doctest: +SKIP
        ...     run.log({"loss": 1 / (epoch + 1), "epoch": epoch})
        >>> Api().run(run.path).history(pandas=False)[-1]["loss"]  # doctest: +SKIP
        """
        self._require_running("log metrics")
        if not isinstance(data, Mapping):
            raise TypeError(f"run.log() takes a dict of metrics, got {type(data).__name__}.")
        if step is not None:
            if not isinstance(step, int) or isinstance(step, bool) or step < 0:
                raise ValueError(f"step must be a non-negative int, got {step!r}.")
            if step < self._step:
                raise ValueError(
                    f"step {step} is before the run's current step {self._step}: history "
                    "steps only move forward. Omit step= to log at the current one."
                )
            self._step = step
        row = {str(k): self._metric(str(k), v) for k, v in data.items()}
        self._client.catalog.log_history(self.id, self._step, _jsonable(row, "log"))
        if commit is True or (commit is None and step is None):
            self._step += 1

    def _metric(self, key: str, value: Any) -> Any:
        from ipyartifacts.api.table import Table

        if isinstance(value, Table):
            from ipyartifacts.api.artifact import Artifact

            art = Artifact(f"run-{self.id}-{_safe(key)}", "run_table")
            art.add(value, key)
            logged = self.log_artifact(art)
            return {
                "_type": "table-file",
                "artifact": logged.qualified_name,
                "path": f"{key}.table.json",
                "ncols": len(value.columns),
                "nrows": len(value.data),
            }
        return value

    def history(
        self,
        samples: int = 500,
        keys: list[str] | None = None,
        x_axis: str = "_step",
        pandas: bool = True,
        stream: str = "default",
    ) -> Any:
        """The logged history: a pandas DataFrame (``pandas=False``: a list of dicts).

        Rows carry ``_step`` and ``_timestamp``; ``keys`` keeps rows having all of them
        (plus ``x_axis``); at most ``samples`` rows, evenly spread, first and last kept.
        """
        del stream
        rows = []
        for step, at, data in self._client.catalog.history_of(self.id):
            row = {"_step": step, "_timestamp": at.timestamp(), **data}
            if keys is not None:
                if not all(k in row for k in keys):
                    continue
                row = {k: row[k] for k in [x_axis, *keys] if k in row}
            rows.append(row)
        if samples is not None and 0 < samples < len(rows):
            last = len(rows) - 1
            picks = sorted({round(i * last / max(samples - 1, 1)) for i in range(samples)})
            rows = [rows[i] for i in picks]
        if not pandas:
            return rows
        from ipyartifacts.api.table import import_pandas

        return import_pandas("run.history()", "history(pandas=False)").DataFrame(rows)

    # -- public-run edits ---------------------------------------------------------------

    def update(self) -> None:
        """Save edits (W&B's public ``run.update()``): edits here are saved as made."""
        self._record = self._client.run(self.id)

    def delete(self, delete_artifacts: bool = False) -> None:
        """Delete the run: queries no longer list it (``delete_artifacts``: and its outputs).

        The versions it logged stay (their ``logged_by()`` still names it) unless
        ``delete_artifacts=True`` deletes them too, aliases included.
        """
        if delete_artifacts:
            for artifact in self.logged_artifacts():
                artifact.delete(delete_aliases=True)
        self._client.catalog.update_run(self.id, state="deleted")
        self._record = dataclasses.replace(self._record, state="deleted")


def _safe(key: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_.-]", "_", key)[:100] or "table"


def _jsonable(data: Mapping[str, Any], what: str) -> dict[str, Any]:
    """Plain JSON values (numpy scalars and arrays become Python ones); NaN is allowed."""
    return {str(k): _plain(v, f"{what}[{k!r}]") for k, v in data.items()}


def _plain(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value  # NaN and infinities included: W&B logs them
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, where) for v in value]
    item = getattr(value, "item", None)
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and getattr(value, "ndim", 0) > 0:
        return _plain(tolist(), where)
    if callable(item):
        return _plain(item(), where)
    raise InvalidMetadataError(
        f"{where} is a {type(value).__name__}; log numbers, strings, booleans, lists, dicts "
        "or wandb.Table values.",
        key=where,
    )
