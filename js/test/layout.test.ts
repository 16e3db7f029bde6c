import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_SCALE, MIN_SCALE, NODE_WIDTH, fitTransform, placeGraph, searchMembers, zoomAt } from "../lib/layout";
import type { Graph, GraphNode } from "../lib/protocol";

const node = (id: string, kind: GraphNode["kind"], center = false): GraphNode => ({
  id,
  kind,
  label: id,
  sub: "",
  center,
  members: [],
  member_count: 0,
});

test("lineage flows left to right, edges end at their targets", () => {
  const graph: Graph = {
    nodes: [node("run:a", "run"), node("artifact:d", "artifact", true), node("run:b", "run"), node("run:c", "run")],
    edges: [
      { source: "run:a", target: "artifact:d" },
      { source: "artifact:d", target: "run:b" },
      { source: "artifact:d", target: "run:c" },
    ],
    truncated: false,
  };
  const placed = placeGraph(graph);
  const x = new Map(placed.nodes.map((p) => [p.node.id, p.x]));
  assert.ok(x.get("run:a")! < x.get("artifact:d")!);
  assert.ok(x.get("artifact:d")! < x.get("run:b")!);
  assert.equal(x.get("run:b"), x.get("run:c"));
  assert.equal(placed.edges.length, 3);
  const target = placed.nodes.find((p) => p.node.id === "run:b")!;
  const edge = placed.edges.find((e) => e.target === "run:b")!;
  const end = edge.points[edge.points.length - 1];
  assert.ok(Math.abs(end.x - target.x) < 2, `edge ends at ${end.x}, node starts at ${target.x}`);
  assert.ok(placed.width >= 3 * NODE_WIDTH);
  for (const p of placed.nodes) assert.ok(p.x >= 0 && p.y >= 0 && p.x + p.width <= placed.width);
});

test("edges to unknown nodes are ignored rather than crashing the layout", () => {
  const placed = placeGraph({
    nodes: [node("run:a", "run")],
    edges: [{ source: "run:a", target: "artifact:missing" }],
    truncated: false,
  });
  assert.equal(placed.nodes.length, 1);
  assert.equal(placed.edges.length, 0);
});

test("cluster search matches label or subtitle, case-insensitively", () => {
  const members = [
    { id: "1", label: "eval-1", sub: "eval · abc" },
    { id: "2", label: "train", sub: "train · XYZ" },
  ];
  assert.deepEqual(searchMembers(members, " EVAL ").map((m) => m.id), ["1"]);
  assert.deepEqual(searchMembers(members, "xyz").map((m) => m.id), ["2"]);
  assert.equal(searchMembers(members, "").length, 2);
});

test("fit shows a wide graph whole and centred, never enlarges a small one", () => {
  const wide = fitTransform(2000, 300, 800, 400, 8);
  assert.ok(Math.abs(wide.scale - 784 / 2000) < 1e-9);
  assert.ok(Math.abs(wide.x - (800 - 2000 * wide.scale) / 2) < 1e-9);
  assert.ok(wide.x >= 0 && wide.x + 2000 * wide.scale <= 800);
  assert.ok(wide.y >= 0 && wide.y + 300 * wide.scale <= 400);
  const small = fitTransform(200, 100, 800, 400);
  assert.deepEqual(small, { scale: 1, x: 300, y: 150 });
  assert.equal(fitTransform(1e6, 10, 800, 400).scale, MIN_SCALE);
});

test("zoom keeps the point under the cursor still and stays within bounds", () => {
  const t = { scale: 1, x: 10, y: 20 };
  const z = zoomAt(t, 2, 110, 70);
  // The plane point under (110, 70) before: ((110-10)/1, (70-20)/1) = (100, 50); after, the same.
  assert.equal((110 - z.x) / z.scale, 100);
  assert.equal((70 - z.y) / z.scale, 50);
  assert.equal(zoomAt(t, 1000, 0, 0).scale, MAX_SCALE);
  assert.equal(zoomAt(t, 1e-6, 0, 0).scale, MIN_SCALE);
});
