// The versions of a collection as a version list (not a generic data grid): version, aliases
// and tags as chips, size, "created 3 h ago" (exact local time on hover), the run that made
// it, description, and the metadata columns the reader picks. Rows arrive a page at a time.
import "./base.css";
import "./version_list.css";
import { decodePage } from "./arrow";
import { el } from "./dom";
import { formatBytes, formatCell, formatCount, formatLocalTime, formatRelative } from "./format";
import type { ColumnInfo, ErrorResponse, FilterClause, PageRequest, PageResponse, SortKey } from "./protocol";
import type { WithoutId } from "./rpc";
import { Lru, pagesFor, visibleWindow } from "./viewport";

export const PAGE_SIZE = 100;
const ROW_HEIGHT = 34;
const META_PREFIX = "metadata.";
/** Metadata columns shown before the reader picks any. */
export const DEFAULT_METADATA_SHOWN = 3;

export type PageFetch = (req: WithoutId<PageRequest>) => Promise<[PageResponse | ErrorResponse, DataView[]]>;

export interface VersionListOptions {
  columns: ColumnInfo[];
  numRows: number;
  title: string;
  height: number;
  fetch: PageFetch;
  selected: string | null;
  onSelect: (version: string | null) => void;
  /** Metadata keys shown as columns (null: the first few); reported back on change. */
  metadataShown?: string[] | null;
  onMetadataShown?: (keys: string[]) => void;
  /** Rows [0, n) in the list's own order (Arrow IPC, from the widget state): painted at
   * once, with no round trip to a kernel that may be busy or absent (a saved notebook). */
  firstPage?: DataView | ArrayBuffer | Uint8Array | null;
}

/** The metadata keys among the table's columns ("metadata.lr" -> "lr"). */
export function metadataKeys(columns: ColumnInfo[]): string[] {
  return columns.filter((c) => c.name.startsWith(META_PREFIX)).map((c) => c.name.slice(META_PREFIX.length));
}

/** Aliases or tags from the list's joined text ("best, latest" -> ["best", "latest"]). */
export function splitNames(value: unknown): string[] {
  if (typeof value !== "string" || value === "") return [];
  return value.split(", ").filter((s) => s.length > 0);
}

/** A timestamp cell (ms since epoch as number or bigint, a Date, or ISO text) as ISO text. */
export function isoOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number" || typeof value === "bigint") {
    const date = new Date(Number(value));
    return Number.isNaN(date.getTime()) ? null : date.toISOString();
  }
  if (typeof value === "string") return value;
  return null;
}

interface Column {
  id: string;
  label: string;
  /** CSS grid track. */
  width: string;
  /** Sortable source column. */
  sort?: string;
  cls?: string;
  /** First click sorts descending (sizes, metrics); else ascending (the list starts newest first). */
  desc?: boolean;
}

const FILTERABLE: [string, string][] = [
  ["aliases", "aliases"],
  ["tags", "tags"],
  ["description", "description"],
  ["run", "created by"],
  ["version", "version"],
];

const FIXED: Column[] = [
  { id: "version", label: "version", width: "72px", sort: "version", cls: "ipa-vl-version" },
  { id: "aliases", label: "aliases · tags", width: "minmax(150px, 1.2fr)" },
  { id: "size", label: "size", width: "84px", sort: "size", cls: "ipa-vl-num", desc: true },
  { id: "created", label: "created", width: "110px", sort: "created" },
  { id: "run", label: "created by", width: "minmax(110px, 1fr)", sort: "run" },
  { id: "description", label: "description", width: "minmax(160px, 2fr)" },
];

export class VersionListView {
  readonly element: HTMLElement;
  private readonly opts: VersionListOptions;
  private readonly index = new Map<string, number>();
  private readonly scroller: HTMLElement;
  private readonly header: HTMLElement;
  private readonly body: HTMLElement;
  private readonly rowsEl: HTMLElement;
  private readonly status: HTMLElement;
  private readonly picker: HTMLElement;
  private readonly pages = new Lru<number, unknown[][]>(40);
  private readonly inflight = new Set<number>();
  private readonly keys: string[];
  private shown: string[];
  private sort: SortKey[] = [];
  private total: number;
  private generation = 0;
  private frame = 0;
  private destroyed = false;
  private selected: string | null;
  private selectedIndex = -1;
  private pendingIndex = -1;
  private filter: FilterClause | null = null;
  private filterTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly resize: ResizeObserver | null;

  constructor(opts: VersionListOptions) {
    this.opts = opts;
    this.total = opts.numRows;
    this.selected = opts.selected;
    opts.columns.forEach((c, i) => this.index.set(c.name, i));
    this.keys = metadataKeys(opts.columns);
    this.shown = (opts.metadataShown ?? this.keys.slice(0, DEFAULT_METADATA_SHOWN)).filter((k) => this.keys.includes(k));
    this.element = el("div", { cls: "ipa-root ipa-versions" });
    this.element.style.setProperty("--ipa-height", `${opts.height}px`);
    this.status = el("span", { cls: "ipa-muted ipa-vl-status" });
    const pick = el("button", {
      cls: "ipa-button ipa-vl-pick",
      text: "Metadata columns…",
      title: "Choose which metadata keys are shown as columns",
      attrs: { type: "button", "aria-haspopup": "true" },
    });
    pick.disabled = this.keys.length === 0;
    this.picker = el("div", { cls: "ipa-vl-picker", attrs: { hidden: "", role: "group", "aria-label": "metadata columns" } });
    pick.addEventListener("click", () => {
      this.picker.hidden = !this.picker.hidden;
      if (!this.picker.hidden) this.fillPicker();
    });
    // Filter: "contains" on one column, run in Python over every version.
    const scope = el("select", { cls: "ipa-vl-filter-column", attrs: { "aria-label": "filter column" } });
    for (const [value, label] of FILTERABLE) {
      if (this.index.has(value)) scope.appendChild(el("option", { text: label, attrs: { value } }));
    }
    const search = el("input", {
      cls: "ipa-vl-filter",
      attrs: { type: "search", placeholder: "filter…", spellcheck: "false", "aria-label": "filter versions" },
    });
    const refilter = () => {
      clearTimeout(this.filterTimer);
      this.filterTimer = setTimeout(() => {
        const text = search.value.trim();
        this.filter = text ? { column: scope.value, op: "contains", value: text, value2: null } : null;
        this.reload();
      }, 200);
    };
    search.addEventListener("input", refilter);
    scope.addEventListener("change", refilter);
    const bar = el("div", { cls: "ipa-vl-bar" }, [
      el("span", { cls: "ipa-vl-title", text: opts.title }),
      this.status,
      el("span", { cls: "ipa-vl-filters" }, [scope, search]),
      pick,
    ]);
    this.header = el("div", { cls: "ipa-vl-header", attrs: { role: "row" } });
    this.rowsEl = el("div", { cls: "ipa-vl-rows", attrs: { role: "rowgroup" } });
    this.body = el("div", { cls: "ipa-vl-body" }, [this.rowsEl]);
    this.scroller = el("div", { cls: "ipa-vl-scroller", attrs: { role: "grid", tabindex: "0" } }, [this.header, this.body]);
    this.scroller.addEventListener("scroll", () => this.schedule(), { passive: true });
    this.rowsEl.addEventListener("click", (event) => {
      const row = (event.target as HTMLElement).closest<HTMLElement>(".ipa-vl-row");
      if (row?.dataset.version) this.choose(row.dataset.version, Number(row.dataset.row));
    });
    this.scroller.addEventListener("keydown", (event) => this.onKey(event));
    this.element.append(bar, this.picker, this.scroller);
    this.buildHeader();
    if (opts.firstPage && opts.firstPage.byteLength > 0) this.pages.set(0, decodePage(opts.firstPage).rows);
    // Laid out later than rendered (a hidden tab, an output scrolled into view, a page that
    // styles itself late): measure again when the scroller gets its real size.
    this.resize = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => this.schedule());
    this.resize?.observe(this.scroller);
    this.schedule();
  }

  destroy(): void {
    this.destroyed = true;
    this.resize?.disconnect();
    clearTimeout(this.filterTimer);
    if (this.frame) cancelAnimationFrame(this.frame);
  }

  setSelected(version: string | null): void {
    this.selected = version;
    this.schedule();
  }

  /** Metadata keys shown as columns. */
  get metadataShown(): string[] {
    return [...this.shown];
  }

  setMetadataShown(keys: string[]): void {
    this.shown = keys.filter((k) => this.keys.includes(k));
    this.buildHeader();
    this.rowsEl.replaceChildren();
    this.schedule();
    if (!this.picker.hidden) this.fillPicker();
  }

  private columns(): Column[] {
    return [
      ...FIXED,
      ...this.shown.map((key) => ({
        id: `${META_PREFIX}${key}`,
        label: key,
        width: "minmax(90px, 140px)",
        sort: `${META_PREFIX}${key}`,
        desc: true,
        cls: this.opts.columns[this.index.get(`${META_PREFIX}${key}`) ?? -1]?.kind === "number" ? "ipa-vl-num" : undefined,
      })),
    ];
  }

  private buildHeader(): void {
    const cols = this.columns();
    this.element.style.setProperty("--ipa-vl-cols", cols.map((c) => c.width).join(" "));
    this.header.replaceChildren(
      ...cols.map((c) => {
        const cell = el("div", { cls: `ipa-vl-th${c.cls ? ` ${c.cls}` : ""}`, attrs: { role: "columnheader", "data-column": c.id } });
        if (!c.sort) {
          cell.textContent = c.label;
          return cell;
        }
        const key = this.sort.find((k) => k.column === c.sort);
        const button = el("button", {
          cls: "ipa-vl-sort",
          text: `${c.label}${key ? (key.descending ? " ↓" : " ↑") : ""}`,
          title: `Sort by ${c.label}`,
          attrs: { type: "button", "data-column": c.id },
        });
        button.addEventListener("click", () => this.toggleSort(c.sort!, c.desc ?? false));
        cell.appendChild(button);
        cell.setAttribute("aria-sort", key ? (key.descending ? "descending" : "ascending") : "none");
        return cell;
      }),
    );
  }

  private fillPicker(): void {
    this.picker.replaceChildren(
      ...this.keys.map((key) => {
        const box = el("input", { attrs: { type: "checkbox", "data-key": key } });
        box.checked = this.shown.includes(key);
        box.addEventListener("change", () => {
          const next = box.checked ? [...this.shown, key] : this.shown.filter((k) => k !== key);
          // Keep the table's key order, whatever order they were ticked in.
          this.setMetadataShown(this.keys.filter((k) => next.includes(k)));
          this.opts.onMetadataShown?.(this.metadataShown);
        });
        return el("label", { cls: "ipa-vl-pick-item" }, [box, el("span", { text: key })]);
      }),
    );
  }

  private toggleSort(column: string, firstDescending: boolean): void {
    const current = this.sort.find((k) => k.column === column);
    // Cycle: first direction -> the other -> the list's own order (newest first).
    if (!current) this.sort = [{ column, descending: firstDescending }];
    else if (current.descending === firstDescending) this.sort = [{ column, descending: !firstDescending }];
    else this.sort = [];
    this.buildHeader();
    this.reload();
  }

  /** Drop loaded pages (new sort or filter) and fetch the view again. */
  private reload(): void {
    this.generation++;
    this.pages.clear();
    this.inflight.clear();
    this.selectedIndex = -1;
    this.rowsEl.replaceChildren();
    this.scroller.scrollTop = 0;
    this.schedule();
  }

  private choose(version: string, index?: number): void {
    this.selected = version;
    if (index !== undefined) this.selectedIndex = index;
    this.opts.onSelect(version);
    this.schedule();
  }

  private onKey(event: KeyboardEvent): void {
    if (event.target !== this.scroller) return;
    const page = Math.max(1, Math.floor((this.scroller.clientHeight - this.header.offsetHeight) / ROW_HEIGHT) - 1);
    const at = this.selectedIndex;
    const moves: Record<string, number> = {
      ArrowDown: at + 1,
      ArrowUp: Math.max(0, at - 1),
      PageDown: at + page,
      PageUp: Math.max(0, at - page),
      Home: 0,
      End: this.total - 1,
    };
    if (event.key === "Escape") {
      this.selected = null;
      this.selectedIndex = -1;
      this.opts.onSelect(null);
      this.schedule();
    } else if (event.key in moves) {
      this.selectIndex(Math.max(0, Math.min(this.total - 1, moves[event.key])));
    } else return;
    event.preventDefault();
  }

  /** Select the row at an index: scroll it into view; the version is read once it loads. */
  private selectIndex(index: number): void {
    if (this.total === 0) return;
    this.pendingIndex = index;
    const headerHeight = this.header.offsetHeight;
    const top = index * ROW_HEIGHT;
    const view = this.scroller.clientHeight - headerHeight;
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
    else if (top + ROW_HEIGHT > this.scroller.scrollTop + view) this.scroller.scrollTop = top + ROW_HEIGHT - view;
    this.schedule();
  }

  private schedule(): void {
    if (this.destroyed || this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const viewHeight = Math.max(ROW_HEIGHT, this.scroller.clientHeight - this.header.offsetHeight);
    const win = visibleWindow(this.scroller.scrollTop, viewHeight, this.total, ROW_HEIGHT);
    this.body.style.height = `${win.height}px`;
    this.rowsEl.style.transform = `translateY(${win.top}px)`;
    while (this.rowsEl.childElementCount > win.count) this.rowsEl.lastElementChild?.remove();
    while (this.rowsEl.childElementCount < win.count) this.rowsEl.appendChild(el("div", { cls: "ipa-vl-row", attrs: { role: "row" } }));
    for (let i = 0; i < win.count; i++) this.fillRow(this.rowsEl.children[i] as HTMLElement, win.first + i);
    const all = this.opts.numRows;
    this.status.textContent = this.filter
      ? `${formatCount(this.total)} of ${formatCount(all)} versions`
      : `${formatCount(this.total)} version${this.total === 1 ? "" : "s"}`;
    for (const page of pagesFor(win.first, win.count, PAGE_SIZE)) {
      if (!this.pages.has(page) && !this.inflight.has(page)) void this.loadPage(page);
    }
  }

  private async loadPage(page: number): Promise<void> {
    const generation = this.generation;
    this.inflight.add(page);
    const [resp, buffers] = await this.opts.fetch({
      type: "page",
      offset: page * PAGE_SIZE,
      limit: PAGE_SIZE,
      sort: this.sort,
      filter: this.filter ? [this.filter] : [],
    });
    if (generation !== this.generation || this.destroyed) return;
    this.inflight.delete(page);
    if (resp.type !== "page" || buffers.length === 0) {
      this.status.textContent = resp.type === "error" ? resp.message : "could not load versions";
      this.status.className = "ipa-error ipa-vl-status";
      return;
    }
    this.total = resp.total;
    this.pages.set(page, decodePage(buffers[0]).rows);
    this.schedule();
  }

  private value(row: unknown[], column: string): unknown {
    const i = this.index.get(column);
    return i === undefined ? null : (row[i] ?? null);
  }

  private fillRow(rowEl: HTMLElement, index: number): void {
    const row = this.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
    if (!row) {
      rowEl.replaceChildren(el("div", { cls: "ipa-vl-td ipa-muted", text: "…" }));
      delete rowEl.dataset.version;
      rowEl.classList.remove("ipa-selected");
      return;
    }
    const version = formatCell(this.value(row, "version"));
    rowEl.dataset.row = String(index);
    if (index === this.pendingIndex) {
      this.pendingIndex = -1;
      if (version !== this.selected) {
        this.selected = version;
        this.opts.onSelect(version);
      }
    }
    if (version === this.selected) this.selectedIndex = index;
    if (rowEl.dataset.version === version && rowEl.dataset.cols === String(this.shown.length)) {
      rowEl.classList.toggle("ipa-selected", version === this.selected);
      return;
    }
    rowEl.dataset.version = version;
    rowEl.dataset.cols = String(this.shown.length);
    rowEl.classList.toggle("ipa-selected", version === this.selected);
    rowEl.setAttribute("aria-selected", String(version === this.selected));
    const cell = (cls: string, text: string, title?: string) => el("div", { cls: `ipa-vl-td ${cls}`, text, title });
    const chips = el("div", { cls: "ipa-vl-td ipa-vl-chips" }, [
      ...splitNames(this.value(row, "aliases")).map((a) => el("span", { cls: "ipa-chip ipa-chip-alias", text: a, title: "alias" })),
      ...splitNames(this.value(row, "tags")).map((t) => el("span", { cls: "ipa-chip ipa-chip-tag", text: `#${t}`, title: "tag" })),
    ]);
    const size = this.value(row, "size");
    const created = isoOf(this.value(row, "created"));
    const run = this.value(row, "run");
    const description = this.value(row, "description");
    const files = this.value(row, "files");
    const cells: HTMLElement[] = [
      cell("ipa-vl-version", version),
      chips,
      cell("ipa-vl-num", size === null ? "—" : formatBytes(Number(size)), size === null ? undefined : `${formatCount(Number(size))} bytes${files !== null ? ` in ${formatCount(Number(files))} files` : ""}`),
      cell("ipa-vl-created", created ? formatRelative(created) : "—", created ? `${formatLocalTime(created)}\n${created}` : undefined),
      cell(run === null ? "ipa-muted" : "", run === null ? "unknown run" : formatCell(run)),
      cell(description === null ? "ipa-muted ipa-vl-desc" : "ipa-vl-desc", description === null ? "" : formatCell(description), description === null ? undefined : formatCell(description).slice(0, 2000)),
      ...this.shown.map((key) => {
        const value = this.value(row, `${META_PREFIX}${key}`);
        const text = value === null ? "—" : formatCell(value);
        const numeric = typeof value === "number" || typeof value === "bigint";
        return cell(`${numeric ? "ipa-vl-num " : ""}${value === null ? "ipa-muted" : ""}`, text, text.length > 14 ? text.slice(0, 2000) : undefined);
      }),
    ];
    const columns = this.columns();
    for (const [i, c] of cells.entries()) c.dataset.column = columns[i]?.id ?? "";
    rowEl.replaceChildren(...cells);
  }
}
