"""What the ``%artifact`` magics and the ``ipyartifacts`` CLI return, and how it looks.

Every command of the shared grammar (:mod:`ipyartifacts.frontends.commands`) returns one of
these frozen result objects. A result knows three things:

* ``to_data()``: plain JSON-able data (the CLI's ``--json``, the magic's ``--json``);
* ``blocks()``: what to show, as a few layout blocks (key/value pairs, a grid, a line);
* how to display itself in a notebook (``_repr_html_``) and in a terminal
  (``_repr_pretty_``), both rendered from the same blocks.

One builder per result kind (``VersionView.blocks``, ``DiffView.blocks`` ...) keeps the
switch to widgets simple: a widget for a kind replaces that kind's HTML, nothing else.
Rendering (and HTML escaping of every user string) is in :mod:`ipyartifacts.frontends.render`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ipyartifacts.api.artifact import Artifact
    from ipyartifacts.api.run import Run

__all__ = [
    "Block",
    "CollectionsView",
    "FilesView",
    "Grid",
    "KeyValues",
    "Line",
    "MessageView",
    "PathView",
    "Result",
    "RunsView",
    "VersionView",
    "VersionsView",
    "format_size",
    "render_html",
    "render_text",
]


from ipyartifacts.frontends.render import (
    DISPLAY_LIMIT,
    Block,
    Grid,
    KeyValues,
    Line,
    format_size,
    iso_time,
    render_html,
    render_text,
    short_time,
)

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
ENV_WIDGETS = "IPYARTIFACTS_WIDGETS"


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (widgets need its comms); False in a terminal."""
    import sys

    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def _widget_for(result: Result) -> Any:
    """``result.widget()`` when widgets can render here, else None (never raises)."""
    import os

    if os.environ.get(ENV_WIDGETS, "1").lower() in ("0", "false", "no", "off"):
        return None
    if not _in_kernel():
        return None
    try:
        return result.widget()
    except Exception:  # a missing bundle or widget must not hide the result: HTML it is
        return None


class Result:
    """Base of every command result: data for ``--json`` plus text and HTML displays."""

    def to_data(self) -> Any:
        """Plain JSON-able data."""
        raise NotImplementedError

    def blocks(self) -> list[Block]:
        """What to show, as layout blocks."""
        raise NotImplementedError

    def to_json(self) -> str:
        """``to_data()`` as indented JSON text."""
        return json.dumps(self.to_data(), indent=2, sort_keys=False, default=str)

    def text(self, limit: int | None = DISPLAY_LIMIT) -> str:
        """Plain text, as a notebook or terminal IPython shows it (``limit`` rows per grid)."""
        return render_text(self.blocks(), limit)

    def _repr_html_(self) -> str:
        return render_html(self.blocks())

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text())

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Text and HTML always; in a Jupyter kernel also a widget, where one exists.

        Front ends that render widgets show the widget; the others (nbconvert, GitHub,
        a kernel without the widget manager) fall back to the HTML in the same bundle.
        """
        bundle: dict[str, Any] = {"text/plain": self.text(), "text/html": self._repr_html_()}
        widget = _widget_for(self)
        if widget is not None:
            view = widget._repr_mimebundle_()
            if isinstance(view, tuple):  # (data, metadata), as anywidget returns it
                view = view[0]
            if isinstance(view, dict) and WIDGET_MIME in view:
                bundle[WIDGET_MIME] = view[WIDGET_MIME]
        return bundle

    def widget(self) -> Any:
        """The anywidget view of this result, or None when this kind has none."""
        return None

    def _summary(self) -> str:
        return ""

    def __repr__(self) -> str:
        # Defined here, next to _repr_pretty_, so IPython's pretty printer picks the latter.
        return f"<{type(self).__name__} {self._summary()}>"

    @property
    def exit_code(self) -> int:
        """0 unless the result reports a failure (``verify`` of a mismatching folder)."""
        return 0


# -- versions -----------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class VersionView(Result):
    """One artifact version (``show``, ``log``, ``alias``, ``tag``)."""

    project: str
    name: str
    type: str
    version: str
    aliases: tuple[str, ...]
    tags: tuple[str, ...]
    digest: str
    size: int
    file_count: int
    created_at: datetime | None
    description: str | None
    metadata: dict[str, Any] = field(hash=False)
    created_by: str | None = None
    created_by_run: str | None = None  # "name (job type)" of that run
    note: str | None = None
    artifact: Artifact | None = field(default=None, compare=False, hash=False)
    source: str | None = None  # a registry link: the version it points at

    @classmethod
    def of(cls, artifact: Artifact, note: str | None = None) -> VersionView:
        run = artifact.logged_by()
        source = artifact.source_qualified_name if artifact.is_link else None
        return cls(
            project=artifact.project,
            name=artifact.collection_name,
            type=artifact.type,
            version=artifact.version,
            aliases=tuple(artifact.aliases),
            tags=tuple(artifact.tags),
            digest=artifact.digest,
            size=artifact.size,
            file_count=artifact.file_count,
            created_at=artifact.created_datetime,
            description=artifact.description,
            metadata=dict(artifact.metadata),
            created_by=run.id if run is not None else None,
            created_by_run=f"{run.name} ({run.job_type or 'run'})" if run is not None else None,
            note=note,
            artifact=artifact,
            source=source,
        )

    @property
    def qualified_name(self) -> str:
        return f"{self.project}/{self.name}:{self.version}"

    def widget(self) -> Any:
        if self.artifact is None:
            return None
        from ipyartifacts.widgets import ArtifactView

        return ArtifactView(self.artifact)

    def _summary(self) -> str:
        return f"{self.qualified_name}"

    def to_data(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "name": self.name,
            "version": self.version,
            "qualified_name": self.qualified_name,
            "type": self.type,
            "aliases": list(self.aliases),
            "tags": list(self.tags),
            "digest": self.digest,
            "size": self.size,
            "file_count": self.file_count,
            "created_at": iso_time(self.created_at),
            "created_by": self.created_by,
            "description": self.description,
            "metadata": self.metadata,
            **({"source": self.source} if self.source else {}),
        }

    def blocks(self) -> list[Block]:
        pairs = [
            *([("linked from", self.source)] if self.source else []),
            ("type", self.type),
            ("aliases", ", ".join(self.aliases) or "-"),
            ("tags", ", ".join(self.tags) or "-"),
            ("files", f"{self.file_count} ({format_size(self.size)})"),
            ("digest", self.digest[:16]),
            ("created", short_time(self.created_at)),
            (
                "run",
                f"{self.created_by} {self.created_by_run}" if self.created_by_run else "-",
            ),
        ]
        if self.description:
            pairs.append(("description", self.description))
        pairs.extend(
            (f"meta.{k}", json.dumps(v, default=str)) for k, v in sorted(self.metadata.items())
        )
        out: list[Block] = [KeyValues(self.qualified_name, tuple(pairs))]
        if self.note:
            out.append(Line(self.note))
        return out


def _version_row(v: VersionView) -> tuple[str, ...]:
    return (
        v.version,
        ", ".join(v.aliases),
        ", ".join(v.tags),
        str(v.file_count),
        format_size(v.size),
        short_time(v.created_at),
        v.created_by or "-",
        v.digest[:12],
    )


@dataclass(frozen=True, repr=False)
class VersionsView(Result):
    """The versions of one collection, newest first (``versions``)."""

    project: str
    name: str
    versions: tuple[VersionView, ...]

    def _summary(self) -> str:
        return f"{self.project}/{self.name}: {len(self.versions)} versions"

    def __len__(self) -> int:
        return len(self.versions)

    def to_data(self) -> list[dict[str, Any]]:
        return [v.to_data() for v in self.versions]

    def widget(self) -> Any:
        artifacts = [v.artifact for v in self.versions if v.artifact is not None]
        if not artifacts or len(artifacts) != len(self.versions):
            return None
        from ipyartifacts.widgets import VersionTable

        return VersionTable(artifacts)

    def blocks(self) -> list[Block]:
        cols = ("version", "aliases", "tags", "files", "size", "created", "run", "digest")
        title = f"{self.project}/{self.name}: {len(self.versions)} version(s)"
        return [Grid(title, cols, tuple(_version_row(v) for v in self.versions))]


@dataclass(frozen=True)
class CollectionInfo:
    """One row of ``ls``."""

    project: str
    name: str
    type: str
    versions: int | None
    latest: str | None
    size: int | None
    updated_at: datetime | None
    description: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "name": self.name,
            "type": self.type,
            "versions": self.versions,
            "latest": self.latest,
            "size": self.size,
            "updated_at": iso_time(self.updated_at),
            "description": self.description,
        }


@dataclass(frozen=True, repr=False)
class CollectionsView(Result):
    """Artifact collections of a project (``ls``)."""

    project: str
    collections: tuple[CollectionInfo, ...]
    type_filter: str | None = None

    def _summary(self) -> str:
        return f"{self.project}: {len(self.collections)} collections"

    def __len__(self) -> int:
        return len(self.collections)

    def to_data(self) -> list[dict[str, Any]]:
        return [c.to_data() for c in self.collections]

    def blocks(self) -> list[Block]:
        rows = tuple(
            (
                c.name,
                c.type,
                "-" if c.versions is None else str(c.versions),
                c.latest or "-",
                format_size(c.size),
                short_time(c.updated_at),
            )
            for c in self.collections
        )
        what = f" of type {self.type_filter!r}" if self.type_filter else ""
        title = f"{self.project}: {len(rows)} artifact(s){what}"
        cols = ("name", "type", "versions", "latest", "size", "updated")
        return [Grid(title, cols, rows, empty="(no artifacts yet: log one with `log`)")]


@dataclass(frozen=True, repr=False)
class FilesView(Result):
    """The files of one version (``files``)."""

    qualified_name: str
    entries: tuple[tuple[str, int, str, str | None], ...]  # path, size, digest, ref
    artifact: Artifact | None = field(default=None, compare=False, hash=False)

    def widget(self) -> Any:
        if self.artifact is None:
            return None
        from ipyartifacts.widgets import FileBrowser

        return FileBrowser(self.artifact)

    def _summary(self) -> str:
        return f"{self.qualified_name}: {len(self.entries)} files"

    def __len__(self) -> int:
        return len(self.entries)

    def to_data(self) -> list[dict[str, Any]]:
        return [
            {"path": p, "size": s, "digest": d, **({"ref": r} if r else {})}
            for p, s, d, r in self.entries
        ]

    def blocks(self) -> list[Block]:
        refs = any(r for *_, r in self.entries)
        rows: tuple[tuple[str, ...], ...] = tuple(
            (p, format_size(s), d[:12], *((r or "",) if refs else ()))
            for p, s, d, r in self.entries
        )
        total = sum(s for _, s, _, _ in self.entries)
        title = f"{self.qualified_name}: {len(rows)} file(s), {format_size(total)}"
        cols = ("path", "size", "digest", *(("reference",) if refs else ()))
        return [Grid(title, cols, rows)]


# -- runs, paths, messages -------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class RunsView(Result):
    """Runs of a project, newest first (``runs``)."""

    project: str
    runs: tuple[dict[str, Any], ...]

    @classmethod
    def of(cls, project: str, runs: Sequence[Run]) -> RunsView:
        return cls(
            project,
            tuple(
                {
                    "id": r.id,
                    "name": r.name,
                    "job_type": r.job_type,
                    "state": r.state,
                    "host": r.host,
                    "started_at": iso_time(r.started_at),
                    "finished_at": iso_time(r.finished_at),
                }
                for r in runs
            ),
        )

    def _summary(self) -> str:
        return f"{self.project}: {len(self.runs)} runs"

    def __len__(self) -> int:
        return len(self.runs)

    def to_data(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.runs]

    def blocks(self) -> list[Block]:
        rows = tuple(
            (
                r["id"],
                str(r["name"]),
                r["job_type"] or "-",
                r["state"],
                (r["started_at"] or "-")[:19].replace("T", " "),
            )
            for r in self.runs
        )
        title = f"{self.project}: {len(rows)} run(s)"
        return [Grid(title, ("id", "name", "job type", "state", "started"), rows)]


@dataclass(frozen=True, repr=False)
class PathView(Result):
    """Where ``use`` / ``get`` put a version's files."""

    path: str
    qualified_name: str
    recorded: bool  # True for ``use`` (recorded as the run's input)
    run_id: str | None = None

    def _summary(self) -> str:
        return f"{self.path!r}"

    def __str__(self) -> str:
        return self.path

    def to_data(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "artifact": self.qualified_name,
            "recorded_as_input_of": self.run_id,
        }

    def blocks(self) -> list[Block]:
        return [Line(self.path)]


@dataclass(frozen=True, repr=False)
class MessageView(Result):
    """A short outcome (``rm``, ``gc``, ``cache``, ``verify``) with data for ``--json``."""

    message: str
    data: dict[str, Any] = field(default_factory=dict, hash=False)
    failed: bool = False
    details: tuple[tuple[str, str], ...] = ()

    def _summary(self) -> str:
        return f"{self.message!r}"

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def to_data(self) -> dict[str, Any]:
        return {"message": self.message, "ok": not self.failed, **self.data}

    def blocks(self) -> list[Block]:
        out: list[Block] = [Line(self.message, "warn" if self.failed else "ok")]
        if self.details:
            out.append(Grid("", ("", "path"), self.details))
        return out
