import assert from "node:assert/strict";
import { test } from "node:test";
import type { TreeNode } from "../lib/protocol";
import { baseName, flattenTree, type FolderState } from "../lib/tree";

const dir = (path: string, count = 1): TreeNode => ({
  name: baseName(path),
  path,
  dir: true,
  size: 10,
  count,
  ref: null,
});
const file = (path: string): TreeNode => ({ name: baseName(path), path, dir: false, size: 1, count: 1, ref: null });

test("collapsed folders hide their children; expanded ones show them depth-first", () => {
  const folders = new Map<string, FolderState>([
    ["", { nodes: [dir("a"), file("z.txt")], total: 2 }],
    ["a", { nodes: [dir("a/b"), file("a/c.txt")], total: 2 }],
  ]);
  const collapsed = flattenTree(folders, new Set());
  assert.deepEqual(
    collapsed.map((r) => (r.kind === "node" ? r.node.path : r.kind)),
    ["a", "z.txt"],
  );
  const open = flattenTree(folders, new Set(["a", "a/b"]));
  assert.deepEqual(
    open.map((r) => [r.kind === "node" ? r.node.path : r.kind, r.depth]),
    [
      ["a", 0],
      ["a/b", 1],
      ["loading", 2],
      ["a/c.txt", 1],
      ["z.txt", 0],
    ],
  );
});

test("partially loaded folders end with a 'more' row", () => {
  const folders = new Map<string, FolderState>([["", { nodes: [file("1"), file("2")], total: 100000 }]]);
  const rows = flattenTree(folders, new Set());
  const last = rows[rows.length - 1];
  assert.equal(last.kind, "more");
  if (last.kind === "more") {
    assert.equal(last.loaded, 2);
    assert.equal(last.total, 100000);
  }
});

test("baseName", () => {
  assert.equal(baseName("a/b/c.png"), "c.png");
  assert.equal(baseName("c"), "c");
});
