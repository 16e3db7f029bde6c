"""The result of ``%artifact lineage``: the runs and versions around one version.

Kept beside :mod:`ipyartifacts.frontends.results`, whose :class:`Result` it extends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ipyartifacts.frontends.render import (
    Block,
    Grid,
    Line,
)
from ipyartifacts.frontends.results import Result

if TYPE_CHECKING:
    from ipyartifacts.api.artifact import Artifact

__all__ = ["LineageEdge", "LineageNode", "LineageStep", "LineageView"]


# -- lineage ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineageEdge:
    """``source`` -> ``target``: a run used an artifact (artifact -> run) or logged one."""

    source: str
    target: str
    kind: str  # "input" (artifact -> run) or "output" (run -> artifact)


@dataclass(frozen=True)
class LineageNode:
    """An artifact version or a run in a lineage graph."""

    id: str
    kind: str  # "artifact" or "run"
    label: str
    detail: str


@dataclass(frozen=True)
class LineageStep:
    """A node's place on one side of the subject: ``step`` hops away, next to ``links``."""

    node: str
    step: int
    links: tuple[str, ...]


@dataclass(frozen=True, repr=False)
class LineageView(Result):
    """Runs and artifacts upstream and downstream of one version (``lineage``).

    ``nodes`` and ``edges`` are the graph; ``upstream`` and ``downstream`` place its
    nodes on each side of the subject (a run that logged the subject and then used it,
    as a notebook session does, appears on both sides).
    """

    subject: str
    nodes: tuple[LineageNode, ...]
    edges: tuple[LineageEdge, ...]
    upstream: tuple[LineageStep, ...] = ()
    downstream: tuple[LineageStep, ...] = ()
    artifact: Artifact | None = field(default=None, compare=False, hash=False)
    depth: int = 2

    def widget(self) -> Any:
        if self.artifact is None:
            return None
        from ipyartifacts.widgets import LineageGraph

        return LineageGraph(self.artifact, depth=self.depth)

    def _summary(self) -> str:
        return f"{self.subject}: {len(self.nodes)} nodes"

    def to_data(self) -> dict[str, Any]:
        up = {s.node: -s.step for s in self.upstream}
        down = {s.node: s.step for s in self.downstream}
        return {
            "subject": self.subject,
            "nodes": [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "label": n.label,
                    "detail": n.detail,
                    "depth": up.get(n.id, down.get(n.id, 0)),
                }
                for n in self.nodes
            ],
            "edges": [{"source": e.source, "target": e.target, "kind": e.kind} for e in self.edges],
            "upstream": [
                {"id": s.node, "step": s.step, "links": list(s.links)} for s in self.upstream
            ],
            "downstream": [
                {"id": s.node, "step": s.step, "links": list(s.links)} for s in self.downstream
            ],
        }

    def _rows(self, steps: tuple[LineageStep, ...], arrow: str) -> tuple[tuple[str, ...], ...]:
        nodes = {n.id: n for n in self.nodes}
        return tuple(
            (
                str(s.step),
                nodes[s.node].kind,
                nodes[s.node].label,
                nodes[s.node].detail,
                f"{arrow} " + ", ".join(nodes[x].label for x in s.links),
            )
            for s in sorted(steps, key=lambda s: (s.step, nodes[s.node].label))
        )

    def blocks(self) -> list[Block]:
        cols = ("step", "kind", "name", "detail", "link")
        return [
            Line(f"lineage of {self.subject}"),
            Grid("upstream (what it was made from)", cols, self._rows(self.upstream, "->")),
            Grid("downstream (what was made from it)", cols, self._rows(self.downstream, "<-")),
        ]
