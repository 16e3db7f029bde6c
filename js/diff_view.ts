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
  /** 1 when the description changed. */
  description?: number;
  tables: number;
}

export interface DescriptionChange {
  old: string | null;
  new: string | null;
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
  description: DescriptionChange | null;
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
  if (c.description) parts.push("description changed");
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

/** Shown where a value is absent (a removed key's "after", a missing size): never "null". */
export const ABSENT = "—";

/** One "before → after" pair, side by side, the changed side marked. */
function beforeAfter(old: string | null, now: string | null): HTMLElement[] {
  return [
    el("span", { cls: old === null ? "ipa-mono ipa-muted ipa-diff-old" : "ipa-mono ipa-diff-old", text: old ?? ABSENT }),
    el("span", { cls: "ipa-muted ipa-diff-arrow", text: "→" }),
    el("span", { cls: now === null ? "ipa-mono ipa-muted ipa-diff-new" : "ipa-mono ipa-diff-new", text: now ?? ABSENT }),
  ];
}

function metadataTable(rows: MetadataRow[], total: number): HTMLElement {
  // A compact grid: key, badge, then before → after next to each other (not spread over a
  // full-width table).
  const grid = el("div", { cls: "ipa-diff-meta", attrs: { role: "table" } });
  for (const label of ["key", "", "before", "", "after"]) grid.appendChild(el("span", { cls: "ipa-diff-meta-head", text: label }));
  for (const row of rows) {
    const status: Status = row.kind === "changed" ? "modified" : row.kind;
    const cells = [
      el("span", { cls: "ipa-mono ipa-diff-key", text: row.key }),
      el("span", {}, [badge(status, row.kind)]),
      ...beforeAfter(row.old, row.new),
    ];
    for (const cell of cells) cell.dataset.key = row.key;
    grid.append(...cells);
  }
  if (total <= rows.length) return grid;
  const more = el("div", { cls: "ipa-muted", text: `… and ${formatCount(total - rows.length)} more (diff.to_dict() has them all)` });
  return el("div", {}, [grid, more]);
}

function descriptionChange(change: DescriptionChange): HTMLElement {
  return el("div", { cls: "ipa-diff-description" }, [
    el("div", { cls: "ipa-diff-meta-head", text: "before" }),
    el("div", { cls: "ipa-diff-meta-head", text: "after" }),
    el("div", { cls: change.old === null ? "ipa-diff-old ipa-muted" : "ipa-diff-old", text: change.old ?? ABSENT }),
    el("div", { cls: change.new === null ? "ipa-diff-new ipa-muted" : "ipa-diff-new", text: change.new ?? ABSENT }),
  ]);
}

/** Column widths for the files grid: the path takes the room the other columns leave. */
export function fileColumns(available: number, columns: string[]): string {
  const fixed: Record<string, number> = { status: 104, before: 96, after: 96, change: 96 };
  const others = columns.reduce((sum, c) => sum + (c === "path" ? 0 : (fixed[c] ?? 120)), 0);
  const path = Math.max(280, Math.floor(available - 64 - others - 2));
  return ["64px", ...columns.map((c) => `${c === "path" ? path : (fixed[c] ?? 120)}px`)].join(" ");
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
  let resize: ResizeObserver | null = null;
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
      const grid = files;
      const names = model.get("columns").map((c) => c.name);
      // The grid's own scroll area (without its scrollbar) is the room the columns share.
      const fit = () => {
        const area = grid.element.querySelector<HTMLElement>(".ipa-table-scroller") ?? grid.element;
        grid.element.style.setProperty("--ipa-cols", fileColumns(area.clientWidth, names));
      };
      resize?.disconnect();
      resize = new ResizeObserver(fit);
      resize.observe(root);
      fit();
    }
    const metadata = model.get("metadata");
    const description = model.get("description");
    if (description) parts.push(section("Description", 1), descriptionChange(description));
    if (counts.metadata > 0) parts.push(section("Metadata", counts.metadata), metadataTable(metadata, counts.metadata));
    const tables = model.get("tables");
    if (tables.length > 0) parts.push(section("Tables", tables.length), ...tables.map(tableCard));
    root.replaceChildren(...parts);
  };

  build();
  const events = ["change:counts", "change:columns", "change:num_rows", "change:metadata", "change:description", "change:tables"];
  for (const name of events) model.on(name, build);
  return () => {
    for (const name of events) model.off(name, build);
    resize?.disconnect();
    files?.destroy();
    rpc.close();
  };
}

export default { render };
