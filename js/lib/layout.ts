// Left-to-right DAG layout of a lineage graph with dagre (pure: no DOM).
import { graphlib, layout } from "@dagrejs/dagre";
import type { Graph, GraphNode } from "./protocol";

export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 46;

export interface PlacedNode {
  node: GraphNode;
  /** Top-left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  source: string;
  target: string;
  points: { x: number; y: number }[];
}

export interface Placement {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

/** Lay the graph out left to right; runs and artifacts alternate in ranks. */
export function placeGraph(graph: Graph, margin = 16): Placement {
  const g = new graphlib.Graph();
  // "tight-tree" ranking: network-simplex (the default) spent ~70% of a 500-node layout
  // (0.85 s) refining ranks a lineage view does not need; tight-tree gives the same
  // left-to-right levels for these DAGs in a fraction of the time (BENCHMARKS.md).
  g.setGraph({
    rankdir: "LR",
    ranker: "tight-tree",
    nodesep: 18,
    ranksep: 56,
    marginx: margin,
    marginy: margin,
  });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set(graph.nodes.map((n) => n.id));
  for (const node of graph.nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of graph.edges) {
    if (known.has(edge.source) && known.has(edge.target)) g.setEdge(edge.source, edge.target);
  }
  layout(g);
  const nodes = graph.nodes.map((node) => {
    const box = g.node(node.id);
    return {
      node,
      x: box.x - box.width / 2,
      y: box.y - box.height / 2,
      width: box.width,
      height: box.height,
    };
  });
  const edges = g.edges().map((e) => ({
    source: e.v,
    target: e.w,
    points: ((g.edge(e).points ?? []) as { x: number; y: number }[]).map((p) => ({ x: p.x, y: p.y })),
  }));
  const info = g.graph();
  return { nodes, edges, width: info.width ?? 0, height: info.height ?? 0 };
}

/** Members of a cluster whose label or subtitle contains the query (case-insensitive). */
export function searchMembers<T extends { label: string; sub: string }>(members: T[], query: string): T[] {
  const q = query.trim().toLowerCase();
  if (!q) return members;
  return members.filter((m) => m.label.toLowerCase().includes(q) || m.sub.toLowerCase().includes(q));
}

/** Pan and zoom of the graph plane: screen = plane * scale + (x, y). */
export interface ViewTransform {
  scale: number;
  x: number;
  y: number;
}

export const MIN_SCALE = 0.1;
export const MAX_SCALE = 2.5;

/**
 * The transform that shows the whole graph in a view of the given size, centred: never
 * enlarged beyond 1 (small graphs stay at their natural size), shrunk as far as needed.
 */
export function fitTransform(width: number, height: number, viewWidth: number, viewHeight: number, pad = 8): ViewTransform {
  if (width <= 0 || height <= 0 || viewWidth <= 0 || viewHeight <= 0) return { scale: 1, x: 0, y: 0 };
  const scale = Math.max(MIN_SCALE, Math.min(1, (viewWidth - 2 * pad) / width, (viewHeight - 2 * pad) / height));
  return { scale, x: (viewWidth - width * scale) / 2, y: (viewHeight - height * scale) / 2 };
}

/** Zoom by `factor` keeping the point (px, py) of the view still (the cursor, or the centre). */
export function zoomAt(t: ViewTransform, factor: number, px: number, py: number): ViewTransform {
  const scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, t.scale * factor));
  const k = scale / t.scale;
  return { scale, x: px - (px - t.x) * k, y: py - (py - t.y) * k };
}
