"""LineageGraph: runs and artifact versions around one node, as a left-to-right DAG.

Edges point the way data flows: an artifact version into the runs that used it, a run into
the versions it logged, and a logged version into its registry links (``link`` nodes:
``classifier:v3`` in registry ``model``; a link's upstream is its source version). The graph is computed in Python (``depth`` steps each way from the
``center``, a step being one artifact -> run or run -> artifact edge) and sent as plain
node/edge lists; the front end lays it out with dagre and draws DOM nodes over a canvas of
edges. A node with more than ``cluster_at`` neighbours on one side
shows them as one searchable cluster node instead.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import anywidget
import traitlets

from ipyartifacts.widgets._messages import (
    BadRequestError,
    ClusterMember,
    ErrorResponse,
    MembersResponse,
    Response,
)
from ipyartifacts.widgets._static import static_file
from ipyartifacts.widgets._table_widget import no_id_error, request_id

if TYPE_CHECKING:
    from ipyartifacts import Artifact, Run

NodeKind = Literal["artifact", "run", "cluster", "link"]
MAX_DEPTH = 6
#: Cluster members sent with the graph; the rest are found by searching (a members request).
MEMBERS_SHOWN = 50
MAX_MEMBERS_RESULT = 200


class NodeInfo(TypedDict):
    """What the details panel shows for a selected node (None where it does not apply)."""

    type: str | None
    aliases: list[str]
    tags: list[str]
    #: ISO 8601 with the UTC offset; the browser shows it in the reader's time zone.
    created_at: str | None
    created_by: str | None
    size: int | None
    file_count: int | None
    job_type: str | None
    state: str | None
    qualified_name: str | None
    #: A link's source version, ``project/name:vN`` (None for anything else).
    source: str | None


class GraphNode(TypedDict):
    """A node of the lineage graph as the front end draws it."""

    id: str
    kind: NodeKind
    label: str
    sub: str
    center: bool
    members: list[ClusterMember]
    #: All members of a cluster (``members`` holds the first ``MEMBERS_SHOWN``).
    member_count: int
    info: NodeInfo | None


class GraphEdge(TypedDict):
    source: str
    target: str


class Graph(TypedDict):
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool


@dataclass(frozen=True)
class Lineage:
    """A computed lineage graph plus what a click or a search may need later."""

    graph: Graph
    #: The object behind every node and cluster member, by node id (for re-centring).
    objects: dict[str, Artifact | Run]
    #: Every member of every cluster, by cluster id (for searching beyond those shown).
    clusters: dict[str, list[ClusterMember]]


def search_members(
    clusters: dict[str, list[ClusterMember]], content: dict[str, Any], rid: int
) -> MembersResponse:
    """Answer a cluster search: members whose label or subtitle contains the query.

    Raises
    ------
    BadRequestError
        For an unknown cluster or a query that is not text.
    """
    cluster = content.get("cluster")
    query = content.get("query", "")
    if not isinstance(cluster, str) or cluster not in clusters:
        raise BadRequestError(f"no cluster {cluster!r} in the current graph")
    if not isinstance(query, str):
        raise BadRequestError(f"query must be text, got {query!r}")
    needle = query.strip().lower()
    found = [
        m for m in clusters[cluster] if needle in m["label"].lower() or needle in m["sub"].lower()
    ]
    return MembersResponse(
        type="members", id=rid, cluster=cluster, total=len(found),
        members=found[:MAX_MEMBERS_RESULT],
    )  # fmt: skip


def node_id(obj: Artifact | Run) -> str:
    """``"artifact:<version id>"``, ``"link:<link id>"`` or ``"run:<run id>"``.

    A linked version shares its source's version id, so it is named by its link's id.
    """
    from ipyartifacts import Artifact

    if isinstance(obj, Artifact):
        link = obj._link
        return f"artifact:{obj.id}" if link is None else f"link:{link.id}"
    return f"run:{obj.id}"


def _describe(obj: Artifact | Run) -> tuple[NodeKind, str, str]:
    from ipyartifacts import Artifact

    if isinstance(obj, Artifact):
        link = obj._link
        if link is not None:
            return "link", obj.name, f"registry {link.registry} · {obj.type}"
        return "artifact", obj.name, obj.type
    return "run", obj.name or obj.id, f"{obj.job_type or 'run'} · {obj.id}"


def _info(obj: Artifact | Run) -> NodeInfo:
    """The details panel's facts about one node (one query for an artifact's creator)."""
    from ipyartifacts import Artifact

    if isinstance(obj, Artifact):
        creator = obj.logged_by()
        return NodeInfo(
            type=obj.type, aliases=list(obj.aliases), tags=list(obj.tags),
            created_at=obj.created_datetime.isoformat(timespec="seconds"),
            created_by=None if creator is None else (creator.name or creator.id),
            size=obj.size, file_count=obj.file_count, job_type=None, state=None,
            qualified_name=obj.qualified_name,
            source=obj.source_qualified_name if obj.is_link else None,
        )  # fmt: skip
    started = getattr(obj, "started_at", None)
    return NodeInfo(
        type=None, aliases=[], tags=[],
        created_at=started.isoformat(timespec="seconds") if started is not None else None,
        created_by=None, size=None, file_count=None, job_type=obj.job_type, state=obj.state,
        qualified_name=f"{obj.project}/{obj.id}", source=None,
    )  # fmt: skip


def _neighbours(obj: Artifact | Run) -> tuple[list[Artifact | Run], list[Artifact | Run]]:
    """(upstream, downstream) neighbours of a node.

    A logged version's downstream is the runs that used it, then its registry links; a
    link's only neighbour is its source version (upstream).
    """
    from ipyartifacts import Artifact

    if isinstance(obj, Artifact):
        if obj.is_link:
            return [obj.source_artifact], []
        creator = obj.logged_by()
        up: list[Artifact | Run] = [creator] if creator is not None else []
        return up, [*obj.used_by(), *obj.linked_artifacts]
    return list(obj.used_artifacts()), list(obj.logged_artifacts())


def _plural(kinds: set[NodeKind]) -> str:
    """What a cluster holds: "runs", "artifacts", "links" or "runs and links"."""
    nouns = {"run": "runs", "artifact": "artifacts", "link": "links", "cluster": "clusters"}
    return " and ".join(nouns[k] for k in ("run", "artifact", "link") if k in kinds)


def lineage(center: Artifact | Run, depth: int = 2, cluster_at: int = 8) -> Lineage:
    """Compute the lineage graph around ``center``.

    Parameters
    ----------
    center
        The artifact version or run in the middle.
    depth
        Steps followed upstream and downstream (1 to ``MAX_DEPTH``); a step is one edge,
        artifact -> run or run -> artifact, as in ``%artifact lineage --depth``.
    cluster_at
        A node with more neighbours than this on one side gets them as one cluster node,
        which is not expanded further.

    Returns
    -------
    Lineage
        The graph payload, the objects behind every node and cluster member (so a click can
        re-centre on any of them) and the full member lists of clusters (for searching).
    """
    objects: dict[str, Artifact | Run] = {node_id(center): center}
    clusters: dict[str, list[ClusterMember]] = {}
    nodes: dict[str, GraphNode] = {}
    edges: set[tuple[str, str]] = set()
    truncated = False

    def add_node(obj: Artifact | Run) -> str:
        nid = node_id(obj)
        objects[nid] = obj
        if nid not in nodes:
            kind, label, sub = _describe(obj)
            nodes[nid] = GraphNode(
                id=nid, kind=kind, label=label, sub=sub, center=obj is center, members=[],
                member_count=0, info=_info(obj),
            )  # fmt: skip
        return nid

    add_node(center)
    # Breadth-first, separately upstream and downstream, so depth means steps from center.
    for direction in ("up", "down"):
        queue: deque[tuple[Artifact | Run, int]] = deque([(center, 0)])
        seen = {node_id(center)}
        while queue:
            obj, hops = queue.popleft()
            if hops >= depth:
                if any(_neighbours(obj)[0 if direction == "up" else 1]):
                    truncated = True
                continue
            up, down = _neighbours(obj)
            side = up if direction == "up" else down
            here = node_id(obj)
            if len(side) > cluster_at:
                cluster_id = f"cluster:{direction}:{here}"
                members = []
                for member in side:
                    mid = node_id(member)
                    objects[mid] = member
                    _, label, sub = _describe(member)
                    members.append(ClusterMember(id=mid, label=label, sub=sub))
                noun = _plural({_describe(m)[0] for m in side})
                clusters[cluster_id] = members
                nodes[cluster_id] = GraphNode(
                    id=cluster_id,
                    kind="cluster",
                    label=f"{len(side)} {noun}",
                    sub="click to list and search",
                    center=False,
                    members=members[:MEMBERS_SHOWN],
                    member_count=len(members),
                    info=None,
                )
                edges.add((here, cluster_id) if direction == "down" else (cluster_id, here))
                continue
            for neighbour in side:
                nid = add_node(neighbour)
                edges.add((here, nid) if direction == "down" else (nid, here))
                if nid not in seen:
                    seen.add(nid)
                    queue.append((neighbour, hops + 1))
    graph = Graph(
        nodes=list(nodes.values()),
        edges=[GraphEdge(source=s, target=t) for s, t in sorted(edges)],
        truncated=truncated,
    )
    return Lineage(graph, objects, clusters)


class LineageGraph(anywidget.AnyWidget):
    """The lineage around an artifact version or run: runs and versions, left to right.

    Click a node (or a member of a cluster) to re-centre on it; change the depth with the
    control above the graph or the ``depth`` attribute.

    Parameters
    ----------
    center
        A logged :class:`~ipyartifacts.Artifact` or a :class:`~ipyartifacts.Run`.
    depth
        Steps followed each way (1 to 6). A step is one edge of the graph: an artifact
        version to a run that used it, or a run to a version it logged (as W&B counts
        lineage, and as ``%artifact lineage --depth`` does). Depth 1 shows the run that
        logged the version and the runs that used it; depth 2 adds their other artifacts.
    cluster_at
        Fold more neighbours than this on one side of a node into one searchable cluster.

    Examples
    --------
    >>> from ipyartifacts import Api                             # doctest: +SKIP
    >>> from ipyartifacts.widgets import LineageGraph           # doctest: +SKIP
    >>> LineageGraph(Api().artifact("my-project/model:latest"))  # doctest: +SKIP
    """

    _esm = static_file("lineage_graph.js")
    _css = static_file("lineage_graph.css")

    graph = traitlets.Dict().tag(sync=True)
    center = traitlets.Unicode("").tag(sync=True)
    depth = traitlets.Int(2).tag(sync=True)
    height = traitlets.Int(420).tag(sync=True)
    error = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    def __init__(
        self,
        center: Artifact | Run,
        *,
        depth: int = 2,
        cluster_at: int = 8,
        height: int = 420,
        **kwargs: Any,
    ) -> None:
        self._cluster_at = cluster_at
        self._ready = False
        result = lineage(center, _clamp(depth), cluster_at)
        self._objects = result.objects
        self._clusters = result.clusters
        super().__init__(
            graph=result.graph,
            center=node_id(center),
            depth=_clamp(depth),
            height=height,
            **kwargs,
        )
        self._ready = True
        self.on_msg(self._on_custom_msg)

    @property
    def center_object(self) -> Artifact | Run:
        """The artifact version or run in the middle of the graph."""
        return self._objects[self.center]

    @traitlets.validate("depth")
    def _check_depth(self, proposal: dict[str, Any]) -> int:
        return _clamp(proposal["value"])

    @traitlets.observe("center", "depth")
    def _recompute(self, change: dict[str, Any]) -> None:
        if not self._ready:
            return
        target = self._objects.get(self.center)
        if target is None:
            # Only nodes that were shown can be re-centred on; anything else is a bad request.
            self.error = f"unknown node {self.center!r}"
            return
        self.error = None
        result = lineage(target, self.depth, self._cluster_at)
        self._objects.update(result.objects)
        self._clusters = result.clusters
        self.graph = dict(result.graph)

    def handle_request(self, content: object) -> tuple[Response, list[bytes]]:
        """Answer a front-end request: cluster member searches."""
        rid = request_id(content)
        if rid is None:
            return no_id_error()
        assert isinstance(content, dict)
        try:
            if content.get("type") != "members":
                raise BadRequestError(f"unknown request type {content.get('type')!r}")
            return search_members(self._clusters, content, rid), []
        except BadRequestError as exc:
            return ErrorResponse(type="error", id=rid, message=str(exc)), []

    def _on_custom_msg(self, _widget: object, content: object, _buffers: object) -> None:
        response, buffers = self.handle_request(content)
        self.send(dict(response), buffers)


def _clamp(depth: object) -> int:
    if isinstance(depth, bool) or not isinstance(depth, int):
        raise traitlets.TraitError(f"depth must be an integer from 1 to {MAX_DEPTH}, got {depth!r}")
    return max(1, min(MAX_DEPTH, depth))
