import assert from "node:assert/strict";
import { test } from "node:test";
import { NODE_WIDTH, placeGraph, searchMembers } from "../lib/layout";
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
