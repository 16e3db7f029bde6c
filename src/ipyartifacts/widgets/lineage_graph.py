"""LineageGraph: runs and artifact versions around one node, as a left-to-right DAG.

Edges point the way data flows: an artifact version into the runs that used it, a run into
the versions it logged. The graph is computed in Python (``depth`` hops each way from the
``center``) and sent as plain node/edge lists; the front end lays it out with dagre and draws
DOM nodes over a canvas of edges. A node with more than ``cluster_at`` neighbours on one side
shows them as one searchable cluster node instead.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import anywidget
import traitlets

from ipyartifacts.widgets._static import static_file

if TYPE_CHECKING:
    from ipyartifacts import Artifact, Run

NodeKind = Literal["artifact", "run", "cluster"]
MAX_DEPTH = 6


class ClusterMember(TypedDict):
    """One node folded into a cluster (listed, searchable, clickable to re-centre)."""

    id: str
    label: str
    sub: str


class GraphNode(TypedDict):
    """A node of the lineage graph as the front end draws it."""

    id: str
    kind: NodeKind
    label: str
    sub: str
    center: bool
    members: list[ClusterMember]


class GraphEdge(TypedDict):
    source: str
    target: str


class Graph(TypedDict):
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool


def node_id(obj: Artifact | Run) -> str:
    """``"artifact:<version id>"`` or ``"run:<run id>"``."""
    from ipyartifacts import Artifact

    return f"artifact:{obj.id}" if isinstance(obj, Artifact) else f"run:{obj.id}"


def _describe(obj: Artifact | Run) -> tuple[NodeKind, str, str]:
    from ipyartifacts import Artifact

    if isinstance(obj, Artifact):
        return "artifact", obj.name, obj.type
    return "run", obj.name or obj.id, f"{obj.job_type or 'run'} · {obj.id}"


def _neighbours(obj: Artifact | Run) -> tuple[list[Artifact | Run], list[Artifact | Run]]:
    """(upstream, downstream) neighbours of a node."""
    from ipyartifacts import Artifact

    if isinstance(obj, Artifact):
        creator = obj.logged_by()
        return ([creator] if creator is not None else []), list(obj.used_by())
    return list(obj.used_artifacts()), list(obj.logged_artifacts())


def lineage(
    center: Artifact | Run, depth: int = 2, cluster_at: int = 8
) -> tuple[Graph, dict[str, Artifact | Run]]:
    """Compute the lineage graph around ``center``.

    Parameters
    ----------
    center
        The artifact version or run in the middle.
    depth
        Hops followed upstream and downstream (1 to ``MAX_DEPTH``).
    cluster_at
        A node with more neighbours than this on one side gets them as one cluster node,
        which is not expanded further.

    Returns
    -------
    tuple
        The graph payload and the objects behind every node and cluster member (by node id),
        so a click can re-centre on any of them.
    """
    objects: dict[str, Artifact | Run] = {node_id(center): center}
    nodes: dict[str, GraphNode] = {}
    edges: set[tuple[str, str]] = set()
    truncated = False

    def add_node(obj: Artifact | Run) -> str:
        nid = node_id(obj)
        objects[nid] = obj
        if nid not in nodes:
            kind, label, sub = _describe(obj)
            nodes[nid] = GraphNode(
                id=nid, kind=kind, label=label, sub=sub, center=obj is center, members=[]
            )
        return nid

    add_node(center)
    # Breadth-first, separately upstream and downstream, so depth means hops from center.
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
                kind, _, _ = _describe(side[0])
                cluster_id = f"cluster:{direction}:{here}"
                members = []
                for member in side:
                    mid = node_id(member)
                    objects[mid] = member
                    _, label, sub = _describe(member)
                    members.append(ClusterMember(id=mid, label=label, sub=sub))
                noun = "runs" if kind == "run" else "artifacts"
                nodes[cluster_id] = GraphNode(
                    id=cluster_id,
                    kind="cluster",
                    label=f"{len(side)} {noun}",
                    sub="click to list and search",
                    center=False,
                    members=members,
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
    return graph, objects


class LineageGraph(anywidget.AnyWidget):
    """The lineage around an artifact version or run: runs and versions, left to right.

    Click a node (or a member of a cluster) to re-centre on it; change the depth with the
    control above the graph or the ``depth`` attribute.

    Parameters
    ----------
    center
        A logged :class:`~ipyartifacts.Artifact` or a :class:`~ipyartifacts.Run`.
    depth
        Hops followed each way (1 to 6).
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
        self._objects: dict[str, Artifact | Run] = {}
        graph, objects = lineage(center, _clamp(depth), cluster_at)
        self._objects = objects
        super().__init__(
            graph=graph,
            center=node_id(center),
            depth=_clamp(depth),
            height=height,
            **kwargs,
        )
        self._ready = True

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
        graph, objects = lineage(target, self.depth, self._cluster_at)
        self._objects.update(objects)
        self.graph = dict(graph)


def _clamp(depth: object) -> int:
    if isinstance(depth, bool) or not isinstance(depth, int):
        raise traitlets.TraitError(f"depth must be an integer from 1 to {MAX_DEPTH}, got {depth!r}")
    return max(1, min(MAX_DEPTH, depth))
