// The file tree's state, flattened into the rows a virtual list renders (pure, unit-tested).
import type { TreeNode } from "./protocol";

export interface FolderState {
  nodes: TreeNode[];
  total: number;
}

export type TreeRow =
  | { kind: "node"; depth: number; node: TreeNode; expanded: boolean }
  | { kind: "more"; depth: number; path: string; loaded: number; total: number }
  | { kind: "loading"; depth: number; path: string };

/** Rows of the tree: loaded children of expanded folders, depth-first, plus "more" rows. */
export function flattenTree(
  folders: ReadonlyMap<string, FolderState>,
  expanded: ReadonlySet<string>,
  root = "",
): TreeRow[] {
  const rows: TreeRow[] = [];
  const walk = (path: string, depth: number) => {
    const folder = folders.get(path);
    if (!folder) {
      rows.push({ kind: "loading", depth, path });
      return;
    }
    for (const node of folder.nodes) {
      const open = node.dir && expanded.has(node.path);
      rows.push({ kind: "node", depth, node, expanded: open });
      if (open) walk(node.path, depth + 1);
    }
    if (folder.nodes.length < folder.total) {
      rows.push({ kind: "more", depth, path, loaded: folder.nodes.length, total: folder.total });
    }
  };
  walk(root, 0);
  return rows;
}

/** The last path segment (for download names and titles). */
export function baseName(path: string): string {
  const parts = path.split("/");
  return parts[parts.length - 1] || path;
}

/** Image types the preview shows; the MIME type of a Blob is only ever one of these. */
export const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
