"""ArtifactView: one artifact version in tabs (Overview, Versions, Files, Lineage).

The tabs reuse the other widgets' parts: the Versions tab is the VersionTable grid (select a
row to switch the view to that version), Files is the FileBrowser, Lineage is the
LineageGraph. Tabs other than Overview compute nothing until first opened.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import anywidget
import traitlets

from ipyartifacts.store import changes
from ipyartifacts.widgets._arrow_query import describe_columns
from ipyartifacts.widgets._messages import BadRequestError, ClusterMember, ErrorResponse, Response
from ipyartifacts.widgets._static import static_file
from ipyartifacts.widgets._table_source import MemorySource
from ipyartifacts.widgets._table_widget import handle_table_request, no_id_error, request_id
from ipyartifacts.widgets.file_browser import FilesController
from ipyartifacts.widgets.lineage_graph import MAX_DEPTH, lineage, node_id, search_members
from ipyartifacts.widgets.version_table import _NUMBER, versions_table

if TYPE_CHECKING:
    from ipyartifacts import Artifact, Run


class RefreshResponse(TypedDict):
    """Answer to the browser's periodic ``{"type": "refresh"}``: did anything shown change."""

    type: Literal["refresh"]
    id: int
    changed: bool


class RunInfo(TypedDict):
    id: str
    name: str
    job_type: str | None
    state: str


class LinkInfo(TypedDict):
    """One registry link of a source version, as the Overview lists it."""

    registry: str
    collection: str
    #: The link's own version in its registry collection (``v3``).
    version: str
    aliases: list[str]
    #: ``wandb-registry-<registry>/<collection>:vN``: what ``Api().artifact`` accepts.
    qualified_name: str


class SourceInfo(TypedDict):
    """The logged version a link points at."""

    project: str
    name: str
    version: str
    qualified_name: str


class Overview(TypedDict):
    """What the Overview tab shows (all values display text or plain JSON)."""

    name: str
    qualified_name: str
    type: str
    version: str
    aliases: list[str]
    tags: list[str]
    description: str | None
    metadata: list[tuple[str, str]]
    digest: str
    size: int
    file_count: int
    #: ISO 8601 with the UTC offset; the browser shows it in the reader's local time.
    created_at: str
    created_by: RunInfo | None
    used_by: list[RunInfo]
    #: Time to live in seconds and the expiry time (ISO), or None for "kept forever".
    ttl_seconds: float | None
    expires_at: str | None
    #: Registry links of a source version (``artifact.linked_artifacts``); empty on a link.
    links: list[LinkInfo]
    #: On a linked version: the logged version it points at (None otherwise).
    source: SourceInfo | None
    snippet: str
    state: str


def usage_snippet(artifact: Artifact) -> str:
    """Python that uses this version from another run (shown with a copy button).

    A link is used by its registry name from a run in its source's project (a run never
    lives in a registry's ``wandb-registry-...`` project).
    """
    project = artifact.source_project if artifact.is_link else artifact.project
    return (
        "import ipyartifacts\n\n"
        f"run = ipyartifacts.init(project={project!r})\n"
        f"artifact = run.use_artifact({artifact.qualified_name!r})\n"
        "path = artifact.download()\n"
    )


#: Runs listed under "used by" (the count says how many there are in all).
MAX_USED_BY = 50
#: Seconds between the browser's "has the store changed?" checks.
REFRESH_SECONDS = 2.0


def _run_info(run: Run) -> RunInfo:
    return RunInfo(id=run.id, name=run.name, job_type=run.job_type, state=run.state)


def registry_links(artifact: Artifact) -> list[LinkInfo]:
    """Where this version is linked: registry, collection, link version and aliases.

    Empty for a linked version itself (W&B lists links on the source only).
    """
    from ipyartifacts.store.names import REGISTRY_PREFIX

    found: list[LinkInfo] = []
    for linked in artifact.linked_artifacts:
        link = linked._link
        if link is None:
            continue
        found.append(
            LinkInfo(
                registry=link.registry,
                collection=link.collection,
                version=f"v{link.number}",
                aliases=list(link.aliases),
                qualified_name=f"{REGISTRY_PREFIX}{link.registry}/{link.collection}:v{link.number}",
            )
        )
    return found


def link_source(artifact: Artifact) -> SourceInfo | None:
    """The source version of a link (None for a version that is not a link)."""
    if not artifact.is_link:
        return None
    return SourceInfo(
        project=artifact.source_project,
        name=artifact.source_name.rpartition(":")[0],
        version=artifact.source_version,
        qualified_name=artifact.source_qualified_name,
    )


def overview(artifact: Artifact) -> Overview:
    """The Overview tab's facts about one logged version."""
    run = artifact.logged_by()
    used = artifact.used_by()
    ttl = artifact.ttl
    expires = artifact.expires_at
    return Overview(
        name=artifact.name,
        qualified_name=artifact.qualified_name,
        type=artifact.type,
        version=artifact.version,
        aliases=list(artifact.aliases),
        tags=list(artifact.tags),
        description=artifact.description,
        metadata=[
            (key, value if isinstance(value, str) else json.dumps(value, default=str))
            for key, value in sorted(artifact.metadata.items())
        ],
        digest=artifact.digest,
        size=artifact.size,
        file_count=artifact.file_count,
        created_at=artifact.created_datetime.isoformat(timespec="seconds"),
        created_by=None if run is None else _run_info(run),
        used_by=[_run_info(r) for r in used[:MAX_USED_BY]],
        ttl_seconds=None if ttl is None else ttl.total_seconds(),
        expires_at=None if expires is None else expires.isoformat(timespec="seconds"),
        links=registry_links(artifact),
        source=link_source(artifact),
        snippet=usage_snippet(artifact),
        state=artifact.state,
    )


class ArtifactView(anywidget.AnyWidget):
    """An artifact version with tabs: Overview, Versions, Files, Lineage.

    Parameters
    ----------
    artifact
        A logged :class:`~ipyartifacts.Artifact`.
    tab
        The tab to open first: ``"overview"``, ``"versions"``, ``"files"`` or ``"lineage"``.
    height
        Height of the Versions/Files/Lineage panes in pixels.

    Examples
    --------
    >>> from ipyartifacts import Api                            # doctest: +SKIP
    >>> from ipyartifacts.widgets import ArtifactView          # doctest: +SKIP
    >>> ArtifactView(Api().artifact("my-project/mnist:latest")) # doctest: +SKIP
    """

    _esm = static_file("artifact_view.js")
    _css = static_file("artifact_view.css")

    tab = traitlets.Enum(["overview", "versions", "files", "lineage"], "overview").tag(sync=True)
    overview = traitlets.Dict().tag(sync=True)
    #: How many runs used the version (``overview["used_by"]`` lists the first 50).
    used_by_count = traitlets.Int(0).tag(sync=True)
    height = traitlets.Int(420).tag(sync=True)
    refresh_seconds = traitlets.Float(REFRESH_SECONDS).tag(sync=True)
    # Versions tab
    versions_columns = traitlets.List(traitlets.Dict()).tag(sync=True)
    versions_count = traitlets.Int(-1).tag(sync=True)
    selected = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    # Files tab
    file_count = traitlets.Int(0).tag(sync=True)
    total_size = traitlets.Int(0).tag(sync=True)
    # Lineage tab
    graph = traitlets.Dict().tag(sync=True)
    center = traitlets.Unicode("").tag(sync=True)
    depth = traitlets.Int(2).tag(sync=True)
    error = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    def __init__(
        self, artifact: Artifact, *, tab: str = "overview", height: int = 420, **kwargs: Any
    ) -> None:
        self._ready = False
        self._artifact = artifact
        self._versions: dict[str, Artifact] | None = None
        self._versions_source: MemorySource | None = None
        self._files: FilesController | None = None
        self._objects: dict[str, Artifact | Run] = {}
        self._clusters: dict[str, list[ClusterMember]] = {}
        self._seen = changes.generation()
        super().__init__(
            overview=dict(overview(artifact)),
            used_by_count=len(artifact.used_by()),
            file_count=artifact.file_count,
            total_size=artifact.size,
            selected=artifact.version,
            center=node_id(artifact),
            height=height,
            **kwargs,
        )
        self._ready = True
        self.on_msg(self._on_custom_msg)
        self.tab = tab
        self._load_tab()

    @property
    def artifact(self) -> Artifact:
        """The version shown (changes when a row is selected in the Versions tab)."""
        return self._artifact

    # -- tabs ---------------------------------------------------------------------------------
    @traitlets.observe("tab")
    def _on_tab(self, change: dict[str, Any]) -> None:
        if self._ready:
            self._load_tab()

    def _load_tab(self) -> None:
        if self.tab == "versions" and self._versions_source is None:
            from ipyartifacts import Api

            versions = Api().artifacts(
                None, f"{self._artifact.project}/{self._artifact.collection_name}"
            )
            self._versions = {v.version: v for v in versions}
            source = MemorySource(versions_table(versions))
            source.hidden_columns = frozenset({_NUMBER})
            source.sort_aliases = {"version": _NUMBER}
            self._versions_source = source
            self.versions_columns = [dict(c) for c in describe_columns(source.visible_schema)]
            self.versions_count = source.num_rows
        elif self.tab == "lineage" and not self.graph:
            self._update_lineage()

    @traitlets.observe("selected")
    def _on_selected(self, change: dict[str, Any]) -> None:
        if not self._ready or self._versions is None or change["new"] is None:
            return
        chosen = self._versions.get(change["new"])
        if chosen is None or chosen == self._artifact:
            return
        self._show(chosen)

    def _show(self, chosen: Artifact) -> None:
        """Switch every tab to another version (Files and Lineage recompute on demand)."""
        self._artifact = chosen
        self._files = None
        self.overview = dict(overview(chosen))
        self.file_count = chosen.file_count
        self.total_size = chosen.size
        self.graph = {}
        self.center = node_id(chosen)

    def open_version(self, name: str) -> Artifact:
        """Show the source of this link, or one of this version's links, in this view.

        Parameters
        ----------
        name
            ``overview["source"]["qualified_name"]`` or a ``qualified_name`` of
            ``overview["links"]``; nothing else can be opened this way.

        Raises
        ------
        BadRequestError
            When ``name`` is neither the source nor a link of the version shown.
        """
        allowed = {link["qualified_name"] for link in self.overview.get("links", [])}
        source = self.overview.get("source")
        if source:
            allowed.add(source["qualified_name"])
        if name not in allowed:
            shown = ", ".join(sorted(allowed)) or "none"
            raise BadRequestError(
                f"cannot open {name!r}: only this version's source or links can be "
                f"opened here ({shown})"
            )
        from ipyartifacts import Api

        chosen = Api().artifact(name)
        # Another collection: the Versions tab lists that collection's versions now.
        self._versions_source = None
        self._versions = None
        self.versions_count = -1
        self.selected = chosen.version
        self._show(chosen)
        if self.tab == "versions":
            self._load_tab()
        return chosen

    @traitlets.observe("center", "depth")
    def _on_lineage(self, change: dict[str, Any]) -> None:
        if self._ready and (self.tab == "lineage" or self.graph):
            self._update_lineage()

    def _update_lineage(self) -> None:
        self._objects.setdefault(node_id(self._artifact), self._artifact)
        target = self._objects.get(self.center)
        if target is None:
            self.error = f"unknown node {self.center!r}"
            return
        self.error = None
        depth = max(1, min(MAX_DEPTH, self.depth))
        result = lineage(target, depth)
        self._objects.update(result.objects)
        self._clusters = result.clusters
        self.graph = dict(result.graph)

    # -- staying current ----------------------------------------------------------------------
    def refresh(self, force: bool = False) -> bool:
        """Re-read the version if the store changed in this process since it was last read.

        Aliases, tags, ``latest``, description, metadata and TTL move after the widget was
        displayed (``%artifact log`` of v1 takes ``latest`` from the v0 shown above). Every
        request from the browser, and its timer, calls this; it costs one integer
        comparison when nothing was written.

        Returns
        -------
        bool
            Whether anything shown changed.
        """
        now = changes.generation()
        if now == self._seen and not force:
            return False
        self._seen = now
        from ipyartifacts import ArtifactError

        client = getattr(self._artifact, "_client", None)
        if client is None:
            return False
        try:
            link = self._artifact._link
            if link is not None:  # a link stays a link: re-read it, not its source
                from ipyartifacts.api.links import linked_artifact

                fresh = linked_artifact(client, client.catalog.get_link(link.id))
            else:
                record = client.catalog.get_version(self._artifact.id)
                fresh = type(self._artifact)._from_record(client, record)
            facts = dict(overview(fresh))
            used = len(fresh.used_by())
        except ArtifactError:
            return False  # deleted, or the store is gone: keep showing what was read
        self._artifact = fresh
        changed = facts != self.overview or used != self.used_by_count
        if changed:
            self.overview = facts
            self.used_by_count = used
        if self._versions_source is not None:
            self._versions_source = None  # new versions or moved aliases: list them again
            self._versions = None
            if self.tab == "versions":
                self.versions_count = -1  # the grid is rebuilt even if the count is the same
                self._load_tab()
            changed = True
        return changed

    # -- messages -----------------------------------------------------------------------------
    def handle_request(self, content: object) -> tuple[Response | RefreshResponse, list[bytes]]:
        """Answer one front-end request; ``target`` says which tab it is for.

        Every request first re-reads the version if the store changed in this process, so
        what the reader acts on is current; ``{"type": "refresh"}`` does only that.
        """
        rid = request_id(content)
        if rid is None:
            return no_id_error()
        assert isinstance(content, dict)
        target = content.get("target")
        changed = self.refresh()
        if content.get("type") == "refresh":
            return RefreshResponse(type="refresh", id=rid, changed=changed), []
        try:
            if target == "versions":
                if self._versions_source is None:
                    raise BadRequestError("the Versions tab is not open")
                return handle_table_request(self._versions_source, content)
            if target == "files":
                if self._files is None:
                    self._files = FilesController(self._artifact)
                return self._files.handle(content)
            if target == "lineage" and content.get("type") == "members":
                return search_members(self._clusters, content, rid), []
            if target == "overview" and content.get("type") == "open":
                name = content.get("name")
                if not isinstance(name, str):
                    raise BadRequestError(f"name must be text, got {name!r}")
                self.open_version(name)
                return RefreshResponse(type="refresh", id=rid, changed=True), []
            raise BadRequestError(
                f"unknown target {target!r}; expected 'versions', 'files', 'lineage' or 'overview'"
            )
        except BadRequestError as exc:
            return ErrorResponse(type="error", id=rid, message=str(exc)), []

    def _on_custom_msg(self, _widget: object, content: object, _buffers: object) -> None:
        response, buffers = self.handle_request(content)
        self.send(dict(response), buffers)
