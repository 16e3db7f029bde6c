"""Rich display of public objects: a widget in a live kernel, readable HTML and text elsewhere.

``Artifact._repr_mimebundle_`` and ``Run._repr_mimebundle_`` call :func:`mimebundle`. The
bundle always carries ``text/plain`` and a self-contained, escaped ``text/html`` summary (so
saved notebooks read well on GitHub or nbviewer without a kernel); in a kernel it also carries
the widget view (ArtifactView for versions, LineageGraph for runs, RegistryView for
registries).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import TypeAlias

    from ipyartifacts import Artifact, Registry, Run
    from ipyartifacts.api.query import ArtifactCollection
    from ipyartifacts.core.diff import ArtifactDiff

    Displayable: TypeAlias = "Artifact | Run | ArtifactCollection | Registry"

_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _in_kernel() -> bool:
    """True inside a Jupyter kernel, unless IPYARTIFACTS_WIDGETS=0 turns widgets off."""
    import os

    if os.environ.get("IPYARTIFACTS_WIDGETS", "1").lower() in ("0", "false", "no", "off"):
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _rows(rows: list[tuple[str, str]]) -> str:
    return "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(k)}</th>"
        f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
        for k, v in rows
    )


def _artifact_facts(artifact: Artifact) -> tuple[str, list[tuple[str, str]]]:
    if artifact.state == "PENDING":
        return f"{artifact.name} (draft, not logged)", [
            ("type", artifact.type),
            ("files", str(artifact.file_count)),
            ("size", f"{artifact.size:,} bytes"),
        ]
    rows = [
        ("type", artifact.type),
        ("aliases", ", ".join(artifact.aliases)),
        ("tags", ", ".join(artifact.tags)),
        ("digest", artifact.digest),
        ("size", f"{artifact.size:,} bytes"),
        ("files", f"{artifact.file_count:,}"),
        ("created", artifact.created_datetime.isoformat(timespec="seconds")),
    ]
    if artifact.description:
        rows.append(("description", artifact.description))
    if artifact.is_link:
        rows.append(("linked from", artifact.source_qualified_name))
    return artifact.qualified_name, rows


def _run_facts(run: Run) -> tuple[str, list[tuple[str, str]]]:
    return f"{run.project}/{run.id} ({run.name})", [
        ("job type", run.job_type or ""),
        ("state", run.state),
        ("started", str(run.started_at)),
    ]


def _collection_facts(coll: ArtifactCollection) -> tuple[str, list[tuple[str, str]]]:
    rows = [
        ("type", coll.type),
        ("versions", f"{coll.version_count:,}"),
        ("latest", coll.latest_version or "-"),
    ]
    if coll.description:
        rows.append(("description", coll.description))
    return f"{coll.project}/{coll.name}", rows


def _registry_facts(registry: Registry) -> tuple[str, list[tuple[str, str]]]:
    collections = registry.collections()
    shown = ", ".join(c.name for c in collections[:20])
    rows = [
        ("description", registry.description or ""),
        ("visibility", registry.visibility),
        (
            "types",
            "any" if registry.allow_all_artifact_types else ", ".join(registry.artifact_types),
        ),
        ("collections", f"{len(collections)}" + (f": {shown}" if shown else "")),
        ("protected aliases", ", ".join(registry.protected_aliases) or "-"),
    ]
    return registry.full_name, rows


def text_and_html(obj: Displayable) -> tuple[str, str]:
    """The kernel-free representations: one text block and one escaped HTML table."""
    from ipyartifacts import Artifact, Registry, Run

    if isinstance(obj, Registry):
        kind, (title, rows) = "Registry", _registry_facts(obj)
    elif isinstance(obj, Artifact):
        kind, (title, rows) = "Artifact", _artifact_facts(obj)
    elif isinstance(obj, Run):
        kind, (title, rows) = "Run", _run_facts(obj)
    else:
        kind, (title, rows) = "Artifact collection", _collection_facts(obj)
    width = max((len(k) for k, _ in rows), default=0)
    text = "\n".join([f"{kind} {title}", *(f"  {k.ljust(width)}  {v}" for k, v in rows)])
    markup = (
        f"<div class='ipyartifacts-summary'><strong>{kind} {html.escape(title)}</strong>"
        f"<table>{_rows(rows)}</table></div>"
    )
    return text, markup


def widget_for(obj: Displayable, **kwargs: Any) -> Any:
    """The widget that shows ``obj``: ArtifactView for a logged version, LineageGraph for a
    run, VersionTable for a collection, RegistryView for a registry.

    Returns ``None`` for drafts (nothing stored to browse yet).
    """
    from ipyartifacts import Artifact, Registry, Run

    if isinstance(obj, Registry):
        from ipyartifacts.widgets.registry_view import RegistryView

        return RegistryView(obj, **kwargs)
    if not isinstance(obj, (Artifact, Run)):
        versions = obj.versions()
        if not versions:
            return None
        from ipyartifacts.widgets.version_table import VersionTable

        return VersionTable(versions, **kwargs)
    if isinstance(obj, Artifact):
        if obj.state == "PENDING":
            return None
        from ipyartifacts.widgets.artifact_view import ArtifactView

        return ArtifactView(obj, **kwargs)
    from ipyartifacts.widgets.lineage_graph import LineageGraph

    return LineageGraph(obj, **kwargs)


def mimebundle(obj: Displayable, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Display data for an Artifact or Run (what their ``_repr_mimebundle_`` returns).

    Parameters
    ----------
    obj
        The artifact (draft or logged), run or artifact collection to display.
    **kwargs
        ``include``/``exclude`` from IPython (ignored: every representation is cheap except
        the widget, which is only created inside a kernel).

    Returns
    -------
    tuple
        ``(data, metadata)``: ``text/plain`` and ``text/html`` always, plus the widget view
        when running in a kernel and the widget front ends are installed.

    Examples
    --------
    >>> data, _ = mimebundle(artifact)              # doctest: +SKIP
    >>> sorted(data)                                # doctest: +SKIP
    ['text/html', 'text/plain']
    """
    text, markup = text_and_html(obj)
    data: dict[str, Any] = {"text/plain": text, "text/html": markup}
    metadata: dict[str, Any] = {}
    if _in_kernel():
        try:
            widget = widget_for(obj)
        except (ImportError, FileNotFoundError):
            # anywidget missing or front ends not built: the HTML above still says it all.
            widget = None
        if widget is not None:
            view_data, view_metadata = widget._repr_mimebundle_()
            data[_WIDGET_MIME] = view_data[_WIDGET_MIME]
            metadata.update(view_metadata or {})
    return data, metadata


def diff_mimebundle(diff: ArtifactDiff) -> dict[str, Any]:
    """Display data for an ArtifactDiff (what its ``_repr_mimebundle_`` returns).

    Text and escaped HTML always; in a Jupyter kernel also the DiffView widget. A missing
    bundle or a failing widget never hides the diff: the HTML is shown instead.
    """
    bundle: dict[str, Any] = {"text/plain": str(diff), "text/html": diff._repr_html_()}
    if not _in_kernel():
        return bundle
    try:
        from ipyartifacts.widgets.diff_view import DiffView

        view: Any = DiffView(diff)._repr_mimebundle_()
    except Exception:  # a missing bundle or widget must not hide the diff: HTML it is
        return bundle
    if isinstance(view, tuple):  # (data, metadata), as anywidget returns it
        view = view[0]
    if isinstance(view, dict) and _WIDGET_MIME in view:
        bundle[_WIDGET_MIME] = view[_WIDGET_MIME]
    return bundle
