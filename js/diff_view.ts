// DiffView: anywidget front end for ipyartifacts.widgets.DiffView (what changed between two
// versions: a summary line, the changed files as a paged grid, metadata and table changes).
import type { AnyModel, RenderProps } from "@anywidget/types";
import "./lib/base.css";
import "./lib/diff_view.css";
import { el } from "./lib/dom";
import { formatBytes, formatCount } from "./lib/format";
import type { ColumnInfo } from "./lib/protocol";
import { Rpc } from "./lib/rpc";
import { TableView, type Fetch } from "./lib/table_view";

export interface Counts {
  added: number;
  removed: number;
  modified: number;
  unchanged: number;
  bytes_added: number;
  bytes_removed: number;
  metadata: number;
  tables: number;
}

export interface MetadataRow {
  key: string;
  kind: "added" | "removed" | "changed";
  old: string | null;
  new: string | null;
}

export interface TableChange {
  path: string;
  format: string;
  key: string | null;
  columns_added: string[];
  columns_removed: string[];
  type_changes: { name: string; old_type: string; new_type: string }[];
  rows_old: number;
  rows_new: number;
  rows_added: number;
  rows_removed: number;
  rows_changed: number | null;
  rows_unchanged: number;
  changes_by_column: Record<string, number> | null;
  note: string | null;
  error: string | null;
}

interface DiffModel {
  a: string;
  b: string;
  key: string | null;
  counts: Counts;
  metadata: MetadataRow[];
  tables: TableChange[];
  columns: ColumnInfo[];
  num_rows: number;
  title: string;
  note: string | null;
  height: number;
}

export type Status = "added" | "removed" | "modified";
const MARK: Record<Status, string> = { added: "+", removed: "−", modified: "~" };

/** The summary line's words, e.g. "3 added · 1 removed · 2 modified · 10 unchanged". */
export function summaryText(c: Counts): string {
  const parts = [
    `${formatCount(c.added)} added`,
    `${formatCount(c.removed)} removed`,
    `${formatCount(c.modified)} modified`,
    `${formatCount(c.unchanged)} unchanged`,
  ];
  if (c.metadata > 0) parts.push(`${formatCount(c.metadata)} metadata change${c.metadata === 1 ? "" : "s"}`);
  return parts.join(" · ");
}

/** Row counts of a table diff: "1,000 → 1,200 rows: +250 −50 ~3". */
export function rowsText(t: TableChange): string {
  if (t.error) return `cannot compare: ${t.error}`;
  const parts = [`+${formatCount(t.rows_added)}`, `−${formatCount(t.rows_removed)}`];
  if (t.rows_changed !== null) parts.push(`~${formatCount(t.rows_changed)}`);
  parts.push(`=${formatCount(t.rows_unchanged)}`);
  return `${formatCount(t.rows_old)} → ${formatCount(t.rows_new)} rows: ${parts.join(" ")}`;
}

/** Schema changes of a table diff, one entry per column: [mark, text]. */
export function schemaChanges(t: TableChange): [Status, string][] {
  return [
    ...t.columns_added.map((c): [Status, string] => ["added", c]),
    ...t.columns_removed.map((c): [Status, string] => ["removed", c]),
    ...t.type_changes.map((c): [Status, string] => ["modified", `${c.name}: ${c.old_type} → ${c.new_type}`]),
  ];
}

/** The status word of a files-grid cell ("+ added" -> "added"), or null. */
export function statusOf(value: unknown): Status | null {
  if (typeof value !== "string") return null;
  const word = value.replace(/^[+~-]\s*/, "");
  return word === "added" || word === "removed" || word === "modified" ? word : null;
}

function badge(status: Status, text: string): HTMLElement {
  return el("span", { cls: `ipa-badge ipa-badge-${status}`, text: `${MARK[status]} ${text}` });
}

function section(title: string, count: number): HTMLElement {
  return el("div", { cls: "ipa-diff-section" }, [
    el("span", { text: title }),
    el("span", { cls: "ipa-muted", text: ` (${formatCount(count)})` }),
  ]);
}

function metadataTable(rows: MetadataRow[], total: number): HTMLElement {
  const head = el("tr", {}, ["key", "", "before", "after"].map((h) => el("th", { text: h })));
  const body = el("tbody");
  for (const row of rows) {
    const status: Status = row.kind === "changed" ? "modified" : row.kind;
    body.appendChild(
      el("tr", { attrs: { "data-key": row.key } }, [
        el("td", { cls: "ipa-mono", text: row.key }),
        el("td", {}, [badge(status, row.kind)]),
        el("td", { cls: row.old === null ? "ipa-mono ipa-muted" : "ipa-mono", text: row.old ?? "—" }),
        el("td", { cls: row.new === null ? "ipa-mono ipa-muted" : "ipa-mono", text: row.new ?? "—" }),
      ]),
    );
  }
  const table = el("table", { cls: "ipa-diff-meta" }, [el("thead", {}, [head]), body]);
  if (total <= rows.length) return table;
  const more = el("div", { cls: "ipa-muted", text: `… and ${formatCount(total - rows.length)} more (diff.to_dict() has them all)` });
  return el("div", {}, [table, more]);
}

function tableCard(t: TableChange): HTMLElement {
  const head = el("div", { cls: "ipa-diff-card-head" }, [
    el("span", { cls: "ipa-mono ipa-diff-path", text: t.path }),
    el("span", { cls: "ipa-chip", text: t.format }),
    ...(t.key ? [el("span", { cls: "ipa-muted", text: `rows matched by ${t.key}` })] : []),
  ]);
  const parts: HTMLElement[] = [head, el("div", { cls: t.error ? "ipa-error" : "ipa-diff-rows", text: rowsText(t) })];
  const schema = schemaChanges(t);
  if (schema.length > 0) {
    parts.push(
      el("div", { cls: "ipa-diff-schema" }, [
        el("span", { cls: "ipa-muted", text: "columns " }),
        ...schema.map(([status, text]) => badge(status, text)),
      ]),
    );
  }
  const byColumn = Object.entries(t.changes_by_column ?? {}).filter(([, n]) => n > 0);
  if (byColumn.length > 0) {
    parts.push(
      el("div", { cls: "ipa-muted", text: `changed values: ${byColumn.map(([c, n]) => `${c} ${formatCount(n)}`).join(", ")}` }),
    );
  }
  if (t.note) parts.push(el("div", { cls: "ipa-note", text: t.note }));
  return el("div", { cls: "ipa-diff-card", attrs: { "data-path": t.path } }, parts);
}

function render({ model, el: host }: RenderProps<DiffModel>): () => void {
  const rpc = new Rpc(model as AnyModel);
  const fetch: Fetch = (req) => rpc.request(req);
  let files: TableView | null = null;
  const root = el("div", { cls: "ipa-root ipa-diff" });
  host.appendChild(root);

  const build = () => {
    files?.destroy();
    files = null;
    const counts = model.get("counts");
    const title = el("div", { cls: "ipa-diff-title" }, [
      el("span", { cls: "ipa-mono", text: model.get("a") }),
      el("span", { cls: "ipa-muted", text: " → " }),
      el("span", { cls: "ipa-mono", text: model.get("b") }),
    ]);
    const chips = el("div", { cls: "ipa-diff-summary", attrs: { "aria-label": summaryText(counts) } });
    const chipFor = new Map<Status, HTMLButtonElement>();
    for (const status of ["added", "removed", "modified"] as Status[]) {
      const chip = el("button", {
        cls: `ipa-badge ipa-badge-${status} ipa-diff-chip`,
        text: `${MARK[status]}${formatCount(counts[status])} ${status}`,
        title: `Show only ${status} files (click again for all)`,
        attrs: { type: "button", "data-status": status, "aria-pressed": "false" },
      });
      chip.disabled = counts[status] === 0;
      chip.addEventListener("click", () => {
        if (!files) return;
        const on = chip.getAttribute("aria-pressed") !== "true";
        files.setFilterText("status", on ? status : "");
        for (const [other, button] of chipFor) button.setAttribute("aria-pressed", String(on && other === status));
      });
      chipFor.set(status, chip);
      chips.appendChild(chip);
    }
    chips.append(
      el("span", { cls: "ipa-muted", text: `${formatCount(counts.unchanged)} unchanged` }),
      el("span", {
        cls: "ipa-muted",
        text: `+${formatBytes(counts.bytes_added)} / −${formatBytes(counts.bytes_removed)}`,
        title: "bytes in added / removed files",
      }),
    );
    const parts: HTMLElement[] = [el("div", { cls: "ipa-diff-head" }, [title, chips])];
    const changed = counts.added + counts.removed + counts.modified;
    parts.push(section("Files", changed));
    if (changed === 0) {
      parts.push(el("div", { cls: "ipa-muted ipa-diff-empty", text: `No file changed (${formatCount(counts.unchanged)} identical).` }));
    } else {
      files = new TableView({
        columns: model.get("columns"),
        numRows: model.get("num_rows"),
        title: model.get("title"),
        note: model.get("note"),
        height: model.get("height"),
        fetch,
        cellClass: (column, value) => {
          const status = column === "status" ? statusOf(value) : null;
          return status ? `ipa-status-${status}` : null;
        },
      });
      parts.push(files.element);
    }
    const metadata = model.get("metadata");
    if (counts.metadata > 0) parts.push(section("Metadata", counts.metadata), metadataTable(metadata, counts.metadata));
    const tables = model.get("tables");
    if (tables.length > 0) parts.push(section("Tables", tables.length), ...tables.map(tableCard));
    root.replaceChildren(...parts);
  };

  build();
  const events = ["change:counts", "change:columns", "change:num_rows", "change:metadata", "change:tables"];
  for (const name of events) model.on(name, build);
  return () => {
    for (const name of events) model.off(name, build);
    files?.destroy();
    rpc.close();
  };
}

export default { render };
