// The virtual-scrolling Arrow table grid: typed headers, click-to-sort, typed filters, lazy
// per-column summaries. Rows arrive one page at a time (Arrow IPC) through `fetch`.
import "./base.css";
import "./table_view.css";
import { decodePage } from "./arrow";
import { el } from "./dom";
import { filterHint, parseFilter } from "./filter";
import { formatBytes, formatCell, formatCount } from "./format";
import type {
  ColumnInfo,
  ErrorResponse,
  FilterClause,
  PageResponse,
  SortKey,
  SummaryResponse,
} from "./protocol";
import type { WithoutId } from "./rpc";
import type { PageRequest, SummaryRequest } from "./protocol";
import { Lru, MAX_SCROLL_HEIGHT, pagesFor, visibleWindow } from "./viewport";

export const PAGE_SIZE = 100;
const ROW_HEIGHT = 26;
/** A header's height (name, type, filter box, summary) in JupyterLab's fonts, until measured. */
const HEADER_HEIGHT_ESTIMATE = 76;
const FILTER_DELAY_MS = 250;
/** A request unanswered this long is waiting behind a running cell: say so. */
export const KERNEL_WAIT_MS = 1000;

export type Fetch = <R extends PageResponse | SummaryResponse>(
  req: WithoutId<PageRequest | SummaryRequest>,
) => Promise<[R | ErrorResponse, DataView[]]>;

export interface TableViewOptions {
  columns: ColumnInfo[];
  numRows: number;
  title: string;
  note: string | null;
  height: number;
  fetch: Fetch;
  /** Column whose (display) value identifies a row for selection; no selection without it. */
  keyColumn?: string;
  selected?: string | null;
  onSelect?: (key: string | null) => void;
  /** Extra class for a cell from its column and value (e.g. a status badge); null for none. */
  cellClass?: (column: string, value: unknown) => string | null;
  /** Rows [0, PAGE_SIZE) of the unsorted view from the widget state (Arrow IPC), if any. */
  firstPage?: DataView | ArrayBuffer | Uint8Array | null;
}

/** Width of the row-number column for indices up to `rows - 1`, in CSS units. */
export function indexWidth(rows: number): string {
  const digits = String(Math.max(0, rows - 1)).length;
  return `calc(${Math.max(2, digits)}ch + 20px)`;
}

/** Cycle a column's sort: none -> ascending -> descending -> none. */
export function nextSort(current: SortKey[], column: string): SortKey[] {
  const key = current.find((k) => k.column === column);
  if (!key) return [{ column, descending: false }];
  if (!key.descending) return [{ column, descending: true }];
  return [];
}

/** Width in px of a column before its values are seen, from its kind and name. */
export function columnWidth(info: ColumnInfo): number {
  const base = info.kind === "number" || info.kind === "bool" ? 110 : info.kind === "temporal" ? 190 : 200;
  return Math.max(base, Math.min(320, 24 + info.name.length * 8));
}

/** Narrowest and widest a column is sized to its content (px); wider values are ellipsised. */
export const MIN_COLUMN_WIDTH = 64;
export const MAX_COLUMN_WIDTH = 360;
/** Horizontal padding (6px a side) and the right border of a cell, plus a pixel of slack. */
const CELL_CHROME = 14;
/** Room beside a column name for its sort mark (a 10px triangle and a 4px gap). */
const SORT_MARK = 16;
/** Longest prefix of a value that is measured: beyond it the column is at its max anyway. */
const MEASURED_CHARS = 200;

/** Width of `text` in px when drawn in the CSS `font`. */
export type Measure = (text: string, font: string) => number;

/** CSS fonts of a column's header name, its type line and its cells. */
export interface ColumnFonts {
  name: string;
  type: string;
  cell: string;
}

/**
 * Width in px of a column that shows its header (name with sort mark, type) and `values`
 * (the display text of the first page) whole, within [MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH].
 */
export function fitColumnWidth(
  info: ColumnInfo,
  values: readonly string[],
  measure: Measure,
  fonts: ColumnFonts,
): number {
  const limit = MAX_COLUMN_WIDTH - CELL_CHROME;
  let content = Math.max(
    measure(info.name, fonts.name) + SORT_MARK,
    measure(info.short_type ?? info.type, fonts.type),
  );
  for (const value of values) {
    if (content >= limit) break;
    content = Math.max(content, measure(value.slice(0, MEASURED_CHARS), fonts.cell));
  }
  return Math.min(MAX_COLUMN_WIDTH, Math.max(MIN_COLUMN_WIDTH, Math.ceil(content) + CELL_CHROME));
}

/** The canvas font of an element (its computed `font` shorthand is often empty). */
function canvasFont(element: Element): string {
  const style = getComputedStyle(element);
  return `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
}

let canvasContext: CanvasRenderingContext2D | null | undefined;

/** Text width by canvas metrics (no layout); 0 where no canvas exists. */
const canvasMeasure: Measure = (text, font) => {
  if (canvasContext === undefined) canvasContext = document.createElement("canvas").getContext("2d");
  if (!canvasContext) return 0;
  canvasContext.font = font;
  return canvasContext.measureText(text).width;
};

/** Short text for a column summary under its header. */
export function summaryText(s: SummaryResponse): string {
  const parts: string[] = [];
  if (s.null_count !== null) parts.push(`${formatCount(s.null_count)} null`);
  if (s.min !== null || s.max !== null) parts.push(`${s.min ?? ""} – ${s.max ?? ""}`);
  if (s.distinct !== null) parts.push(`${s.distinct_capped ? "≥" : ""}${formatCount(s.distinct)} distinct`);
  return parts.join(" · ");
}

export class TableView {
  readonly element: HTMLElement;
  private readonly opts: TableViewOptions;
  private readonly scroller: HTMLElement;
  private readonly body: HTMLElement;
  private readonly rowsEl: HTMLElement;
  private readonly status: HTMLElement;
  private readonly noteEl: HTMLElement;
  private readonly range: HTMLElement;
  private readonly sortMarks = new Map<string, HTMLElement>();
  private readonly summaries = new Map<string, HTMLElement>();
  private readonly filterInputs = new Map<string, HTMLInputElement>();
  private readonly pages = new Lru<number, unknown[][]>(60);
  private readonly inflight = new Set<number>();
  private sort: SortKey[] = [];
  private filters = new Map<string, FilterClause>();
  private total: number;
  private generation = 0;
  private frame = 0;
  private filterTimer: ReturnType<typeof setTimeout> | undefined;
  private destroyed = false;
  private readonly keyIndex: number;
  private selected: string | null;
  private selectedIndex = -1;
  private readonly waitingEl: HTMLElement;
  private resizeObserver: ResizeObserver | undefined;
  private waiting = 0;
  private waitTimer: ReturnType<typeof setTimeout> | undefined;
  /** The last sort/filters the kernel answered, to fall back to when a new one fails. */
  private good: { sort: SortKey[]; filters: Map<string, FilterClause> } = { sort: [], filters: new Map() };
  private lastChange: { column: string; what: "sort" | "filter" } | null = null;
  /** Column widths in px (data columns); fitted to the content once the first page shows. */
  private widths: number[];
  private fitted = false;
  /** Height of the rows' viewport as last measured (px); at first, what `height` leaves. */
  private viewHeight: number;
  private cellFont = "";
  /** Widest character of the cell font (px): text shorter than width / this surely fits. */
  private widestChar = 0;

  constructor(opts: TableViewOptions) {
    this.opts = opts;
    this.total = opts.numRows;
    this.keyIndex = opts.keyColumn ? opts.columns.findIndex((c) => c.name === opts.keyColumn) : -1;
    this.selected = opts.selected ?? null;
    this.element = el("div", { cls: "ipa-root ipa-table" });
    this.viewHeight = Math.max(ROW_HEIGHT, opts.height - HEADER_HEIGHT_ESTIMATE);
    this.widths = opts.columns.map((c) => columnWidth(c));
    this.setColumnWidths();
    this.element.style.setProperty("--ipa-height", `${opts.height}px`);
    this.element.style.setProperty("--ipa-row", `${ROW_HEIGHT}px`);

    this.status = el("span", { cls: "ipa-table-status" });
    this.noteEl = el("span", { cls: "ipa-note" });
    this.waitingEl = el("span", {
      cls: "ipa-waiting ipa-muted",
      text: "waiting for the kernel…",
      title: "The kernel answers once the running cell finishes.",
      attrs: { role: "status", hidden: "" },
    });
    const bar = el("div", { cls: "ipa-table-bar" }, [
      el("span", { cls: "ipa-table-title", text: opts.title }),
      this.status,
      this.waitingEl,
      this.noteEl,
    ]);
    this.setNote(opts.note);

    const header = el("div", { cls: "ipa-table-header", attrs: { role: "row" } });
    header.appendChild(el("div", { cls: "ipa-th ipa-th-index ipa-muted", text: "#" }));
    for (const info of opts.columns) header.appendChild(this.headerCell(info));

    this.rowsEl = el("div", { cls: "ipa-rows", attrs: { role: "rowgroup" } });
    this.body = el("div", { cls: "ipa-table-body" }, [this.rowsEl]);
    this.scroller = el("div", { cls: "ipa-table-scroller", attrs: { role: "grid", tabindex: "0" } }, [
      header,
      this.body,
    ]);
    this.scroller.addEventListener("scroll", () => this.schedule(), { passive: true });
    // The first render happens before the grid is attached (zero height, a row or two): render
    // again once it has a size, which matters when the first page came from the widget state
    // and no reply will trigger a render while the kernel is busy.
    if (typeof ResizeObserver !== "undefined") {
      this.resizeObserver = new ResizeObserver(() => this.schedule());
      this.resizeObserver.observe(this.scroller);
    }
    if (this.keyIndex >= 0) {
      this.rowsEl.addEventListener("click", (event) => {
        const row = (event.target as HTMLElement).closest<HTMLElement>(".ipa-tr");
        if (row?.dataset.row) this.selectIndex(Number(row.dataset.row), false);
      });
      this.scroller.addEventListener("keydown", (event) => this.onKey(event));
      this.element.classList.add("ipa-selectable");
    }
    this.range = el("span", { cls: "ipa-table-range ipa-muted" });
    const foot = el("div", { cls: "ipa-table-foot" }, [
      this.range,
      el("span", { cls: "ipa-muted", text: `${opts.columns.length} columns` }),
    ]);
    this.element.append(bar, this.scroller, foot);
    if (opts.firstPage && opts.firstPage.byteLength > 0) {
      // Painted from the widget state: no round trip to a kernel that may be busy.
      this.pages.set(0, decodePage(opts.firstPage).rows);
    }
    this.updateStatus();
    this.schedule();
    void this.loadSummaries();
  }

  destroy(): void {
    this.destroyed = true;
    cancelAnimationFrame(this.frame);
    clearTimeout(this.filterTimer);
    clearTimeout(this.waitTimer);
    this.resizeObserver?.disconnect();
  }

  private setColumnWidths(): void {
    const widths = [indexWidth(this.opts.numRows), ...this.widths.map((w) => `${w}px`)];
    this.element.style.setProperty("--ipa-cols", widths.join(" "));
  }

  /**
   * Size every column to its header and the first page's values, once: later pages and
   * sorts keep the widths (columns never jump while scrolling). Needs the page in the DOM
   * for its fonts; until then the columns keep widths guessed from their kind and name.
   */
  private fitColumns(): void {
    const rows = this.pages.get(0);
    const row = this.rowsEl.firstElementChild;
    const name = this.element.querySelector(".ipa-sort-name");
    const type = this.element.querySelector(".ipa-type");
    if (this.fitted || !rows || !this.element.isConnected || !name || !type) return;
    const fonts = {
      name: canvasFont(name),
      type: canvasFont(type),
      cell: canvasFont(row?.children[1] ?? this.rowsEl),
    };
    if (canvasMeasure("W", fonts.cell) === 0) return; // no canvas, or no font yet
    this.fitted = true;
    this.cellFont = fonts.cell;
    this.widestChar = canvasMeasure("W", fonts.cell) * 1.25;
    this.widths = this.opts.columns.map((info, j) =>
      fitColumnWidth(info, rows.map((values) => this.displayText(j, values[j])), canvasMeasure, fonts),
    );
    this.setColumnWidths();
  }

  private displayText(column: number, value: unknown): string {
    const info = this.opts.columns[column];
    return info.format === "bytes" && value !== null ? formatBytes(Number(value)) : formatCell(value);
  }

  /** True if `text` is wider than column `j` shows (it is ellipsised: hover shows it whole). */
  private overflows(j: number, text: string): boolean {
    const room = this.widths[j] - CELL_CHROME;
    if (!this.fitted) return text.length > 30;
    if (text.length * this.widestChar <= room) return false;
    return canvasMeasure(text.slice(0, MEASURED_CHARS), this.cellFont) > room;
  }

  /** Send a request; if no reply comes within KERNEL_WAIT_MS, show "waiting for the kernel…". */
  private async request<R extends PageResponse | SummaryResponse>(
    req: WithoutId<PageRequest | SummaryRequest>,
  ): Promise<[R | ErrorResponse, DataView[]]> {
    this.waiting++;
    this.armWaitNote();
    try {
      return await this.opts.fetch<R>(req);
    } finally {
      this.waiting--;
      this.armWaitNote();
    }
  }

  private armWaitNote(): void {
    // Any reply restarts the clock: the note means "nothing heard for a second".
    clearTimeout(this.waitTimer);
    this.waitingEl.hidden = true;
    if (this.waiting > 0 && !this.destroyed) {
      this.waitTimer = setTimeout(() => {
        this.waitingEl.hidden = this.waiting === 0;
      }, KERNEL_WAIT_MS);
    }
  }

  private headerCell(info: ColumnInfo): HTMLElement {
    const mark = el("span", { cls: "ipa-sort-mark" });
    this.sortMarks.set(info.name, mark);
    const sortable = info.sortable !== false;
    const shortType = info.short_type ?? info.type;
    const button = el(
      "button",
      {
        cls: sortable ? "ipa-sort" : "ipa-sort ipa-unsortable",
        title: sortable ? `Sort by ${info.name}` : `Not sortable: ${shortType} values have no order`,
        attrs: { type: "button", "data-column": info.name },
      },
      [el("span", { cls: "ipa-sort-name", text: info.name }), mark],
    );
    button.addEventListener("click", () => {
      if (!sortable) {
        this.setNote(`${info.name} is not sortable: ${shortType} values have no order`, true);
        return;
      }
      this.lastChange = { column: info.name, what: "sort" };
      this.setSort(nextSort(this.sort, info.name));
    });
    const filter = el("input", {
      cls: "ipa-filter",
      title: `Filter: ${filterHint(info.kind)}`,
      attrs: { type: "text", placeholder: "filter…", spellcheck: "false", "data-column": info.name },
    });
    filter.addEventListener("input", () => this.onFilterInput(info, filter));
    this.filterInputs.set(info.name, filter);
    const summary = el("div", { cls: "ipa-summary", text: "…" });
    this.summaries.set(info.name, summary);
    return el("div", { cls: "ipa-th", attrs: { role: "columnheader", "data-column": info.name } }, [
      button,
      el("div", { cls: "ipa-type", text: shortType, title: info.type }),
      filter,
      summary,
    ]);
  }

  /** Type `text` into a column's filter box (as the user would); "" clears it. */
  setFilterText(column: string, text: string): void {
    const input = this.filterInputs.get(column);
    const info = this.opts.columns.find((c) => c.name === column);
    if (!input || !info) return;
    input.value = text;
    this.onFilterInput(info, input);
  }

  /** The text in a column's filter box. */
  filterText(column: string): string {
    return this.filterInputs.get(column)?.value ?? "";
  }

  private onFilterInput(info: ColumnInfo, input: HTMLInputElement): void {
    const parsed = parseFilter(info.name, info.kind, input.value);
    if (!parsed.ok) {
      input.classList.add("ipa-invalid");
      input.title = `${parsed.error} (${filterHint(info.kind)})`;
      return;
    }
    input.classList.remove("ipa-invalid");
    input.title = `Filter: ${filterHint(info.kind)}`;
    this.lastChange = { column: info.name, what: "filter" };
    if (parsed.clause) this.filters.set(info.name, parsed.clause);
    else this.filters.delete(info.name);
    clearTimeout(this.filterTimer);
    this.filterTimer = setTimeout(() => this.resetView(), FILTER_DELAY_MS);
  }

  private setSort(sort: SortKey[]): void {
    this.sort = sort;
    this.showSortMarks();
    this.resetView();
  }

  private showSortMarks(): void {
    for (const [name, mark] of this.sortMarks) {
      const key = this.sort.find((k) => k.column === name);
      mark.textContent = key ? (key.descending ? "▼" : "▲") : "";
    }
  }

  private resetView(): void {
    // Filters are read when the view resets, so a pending debounced reset is now redundant
    // (and, left alone, would jump back to the top after the user scrolled).
    clearTimeout(this.filterTimer);
    this.generation++;
    this.selectedIndex = -1;
    this.pages.clear();
    this.inflight.clear();
    this.scroller.scrollTop = 0;
    this.status.textContent = "loading…";
    this.element.dataset.loading = "true";
    // Ask for the first page right away: it also tells us the size of the new view.
    void this.loadPage(0);
  }

  private schedule(): void {
    if (this.destroyed || this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    // Size the scroll body first: its height depends on the row count only, and a scroller
    // shorter than its max height is as tall as its content. Measured before, a grid's first
    // render saw the header alone (an unsized body), counted one visible row and said
    // "rows 1–1 of 2"; painted from the widget state's first page, no reply renders it again
    // (a busy kernel, none at all) and a grid skipped by the notebook's off-screen windowing
    // gets no resize notice either.
    this.body.style.height = `${Math.min(this.total * ROW_HEIGHT, MAX_SCROLL_HEIGHT)}px`;
    const headerHeight = (this.scroller.firstElementChild as HTMLElement | null)?.offsetHeight ?? 0;
    // A scroller without layout (not attached yet, or hidden: JupyterLab hides the shell
    // while it switches themes) measures 0: keep the last view height rather than one row.
    const measured = this.scroller.clientHeight;
    if (measured > 0) this.viewHeight = Math.max(ROW_HEIGHT, measured - headerHeight);
    const viewHeight = this.viewHeight;
    const win = visibleWindow(this.scroller.scrollTop, viewHeight, this.total, ROW_HEIGHT);
    this.body.style.height = `${win.height}px`;
    this.rowsEl.style.transform = `translateY(${win.top}px)`;
    while (this.rowsEl.childElementCount > win.count) this.rowsEl.lastElementChild?.remove();
    while (this.rowsEl.childElementCount < win.count) this.rowsEl.appendChild(this.makeRow());
    for (let i = 0; i < win.count; i++) {
      this.fillRow(this.rowsEl.children[i] as HTMLElement, win.first + i);
    }
    const last = win.firstVisible + win.visibleCount;
    this.range.textContent =
      this.total === 0
        ? "no rows"
        : `rows ${formatCount(win.firstVisible + 1)}–${formatCount(last)} of ${formatCount(this.total)}`;
    for (const page of pagesFor(win.first, win.count, PAGE_SIZE)) {
      if (!this.pages.has(page) && !this.inflight.has(page)) void this.loadPage(page);
    }
    if (!this.fitted) {
      this.fitColumns();
      // Cells filled before the widths were known: their hover titles follow the new widths.
      if (this.fitted) for (let i = 0; i < win.count; i++) this.fillRow(this.rowsEl.children[i] as HTMLElement, win.first + i);
    }
  }

  private makeRow(): HTMLElement {
    const row = el("div", { cls: "ipa-tr", attrs: { role: "row" } });
    row.appendChild(el("div", { cls: "ipa-td ipa-index" }));
    for (const info of this.opts.columns) {
      row.appendChild(el("div", { cls: info.kind === "number" ? "ipa-td ipa-num" : "ipa-td" }));
    }
    return row;
  }

  private fillRow(row: HTMLElement, index: number): void {
    row.dataset.row = String(index);
    const page = this.pages.get(Math.floor(index / PAGE_SIZE));
    const values = page?.[index % PAGE_SIZE];
    const cells = row.children;
    (cells[0] as HTMLElement).textContent = String(index);
    for (let j = 0; j < this.opts.columns.length; j++) {
      const cell = cells[j + 1] as HTMLElement;
      if (!values) {
        cell.textContent = "…";
        cell.classList.add("ipa-pending");
        cell.classList.remove("ipa-null");
        if (cell.dataset.extra) cell.classList.remove(cell.dataset.extra);
        cell.dataset.extra = "";
        continue;
      }
      const value = values[j];
      cell.classList.remove("ipa-pending");
      cell.classList.toggle("ipa-null", value === null);
      // textContent only: cell values are user data.
      const info = this.opts.columns[j];
      const text = this.displayText(j, value);
      cell.textContent = text;
      cell.title = this.overflows(j, text) ? text.slice(0, 2000) : "";
      if (this.opts.cellClass) {
        const extra = this.opts.cellClass(info.name, value);
        if (cell.dataset.extra && cell.dataset.extra !== extra) cell.classList.remove(cell.dataset.extra);
        if (extra) cell.classList.add(extra);
        cell.dataset.extra = extra ?? "";
      }
    }
    if (this.keyIndex >= 0) {
      const key = values ? formatCell(values[this.keyIndex]) : null;
      const isSelected = key !== null && key === this.selected;
      if (isSelected) this.selectedIndex = index;
      row.classList.toggle("ipa-selected", isSelected);
      row.setAttribute("aria-selected", isSelected ? "true" : "false");
    }
  }

  /** Key (display text of the key column) of a loaded row, or null if not loaded yet. */
  keyAt(index: number): string | null {
    const values = this.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
    return values ? formatCell(values[this.keyIndex]) : null;
  }

  /** Select a row by index in the current view, scroll it into view, tell the owner. */
  selectIndex(index: number, scroll = true): void {
    if (this.total === 0) return;
    const target = Math.max(0, Math.min(this.total - 1, index));
    this.selectedIndex = target;
    const key = this.keyAt(target);
    if (scroll) this.scrollToIndex(target);
    if (key === null) {
      // Not loaded yet: select once its page arrives.
      this.pendingSelect = target;
      this.schedule();
      return;
    }
    this.pendingSelect = -1;
    if (key !== this.selected) {
      this.selected = key;
      this.opts.onSelect?.(key);
    }
    this.schedule();
  }

  /** Set the selection from outside (e.g. the Python trait changed). */
  setSelected(key: string | null): void {
    this.selected = key;
    this.selectedIndex = -1;
    this.schedule();
  }

  private pendingSelect = -1;

  private scrollToIndex(index: number): void {
    const header = (this.scroller.firstElementChild as HTMLElement | null)?.offsetHeight ?? 0;
    const view = this.scroller.clientHeight - header;
    const win = visibleWindow(this.scroller.scrollTop, view, this.total, ROW_HEIGHT);
    if (index < win.firstVisible) {
      this.scroller.scrollTop = this.scrollTopFor(index, view);
    } else if (index >= win.firstVisible + win.visibleCount) {
      this.scroller.scrollTop = this.scrollTopFor(index - Math.max(0, win.visibleCount - 1), view);
    }
  }

  private scrollTopFor(index: number, view: number): number {
    const natural = this.total * ROW_HEIGHT;
    const height = Math.min(natural, MAX_SCROLL_HEIGHT);
    if (natural <= MAX_SCROLL_HEIGHT) return index * ROW_HEIGHT;
    const visible = Math.ceil(view / ROW_HEIGHT) + 1;
    return (index / Math.max(1, this.total - visible + 1)) * Math.max(1, height - view);
  }

  private onKey(event: KeyboardEvent): void {
    const header = (this.scroller.firstElementChild as HTMLElement | null)?.offsetHeight ?? 0;
    const pageRows = Math.max(1, Math.floor((this.scroller.clientHeight - header) / ROW_HEIGHT) - 1);
    const current = this.selectedIndex;
    const moves: Record<string, number> = {
      ArrowDown: current < 0 ? 0 : current + 1,
      ArrowUp: current < 0 ? 0 : current - 1,
      PageDown: current + pageRows,
      PageUp: current - pageRows,
      Home: 0,
      End: this.total - 1,
    };
    if (event.key === "Escape") {
      this.selected = null;
      this.selectedIndex = -1;
      this.opts.onSelect?.(null);
      this.schedule();
      event.preventDefault();
      return;
    }
    if (!(event.key in moves)) return;
    event.preventDefault();
    this.selectIndex(moves[event.key]);
  }

  private async loadPage(page: number): Promise<void> {
    const generation = this.generation;
    this.inflight.add(page);
    const [resp, buffers] = await this.request<PageResponse>({
      type: "page",
      offset: page * PAGE_SIZE,
      limit: PAGE_SIZE,
      sort: this.sort,
      filter: [...this.filters.values()],
    });
    if (generation !== this.generation || this.destroyed) return;
    this.inflight.delete(page);
    if (resp.type === "error") {
      this.recover(resp.message);
      return;
    }
    if (page === 0) this.good = { sort: [...this.sort], filters: new Map(this.filters) };
    this.total = resp.total;
    const decoded = buffers.length > 0 ? decodePage(buffers[0]) : { names: [], rows: [] };
    this.pages.set(page, decoded.rows);
    if (this.pendingSelect >= 0 && Math.floor(this.pendingSelect / PAGE_SIZE) === page) {
      const index = this.pendingSelect;
      queueMicrotask(() => this.selectIndex(index, false));
    }
    this.setNote(resp.note ?? this.opts.note);
    this.updateStatus(resp.exact);
    this.element.dataset.loading = "false";
    this.schedule();
  }

  /**
   * A page request failed: show why in place, and go back to the last view the kernel
   * answered (a failed sort unsorts; a failed filter is marked and left out), so the grid
   * never stays on "loading…".
   */
  private recover(message: string): void {
    this.setNote(message, true);
    const change = this.lastChange;
    const input = change?.what === "filter" ? this.filterInputs.get(change.column) : undefined;
    if (input) {
      input.classList.add("ipa-invalid");
      input.title = message;
    }
    const same =
      JSON.stringify(this.sort) === JSON.stringify(this.good.sort) &&
      JSON.stringify([...this.filters]) === JSON.stringify([...this.good.filters]);
    if (same) {
      // Even the last good view fails now (e.g. the file went away): stop, keep the message.
      this.element.dataset.loading = "false";
      this.status.textContent = "error";
      return;
    }
    this.sort = [...this.good.sort];
    this.filters = new Map(this.good.filters);
    this.showSortMarks();
    this.generation++;
    this.pages.clear();
    this.inflight.clear();
    void this.loadPage(0).then(() => this.setNote(message, true));
  }

  private async loadSummaries(): Promise<void> {
    // One column at a time, so a wide table never floods the kernel; a failed summary
    // shows its message in place and the next column's is asked for all the same.
    for (const info of this.opts.columns) {
      if (this.destroyed) return;
      let resp: SummaryResponse | ErrorResponse;
      try {
        [resp] = await this.request<SummaryResponse>({ type: "summary", column: info.name });
      } catch {
        return; // the view was closed
      }
      const target = this.summaries.get(info.name);
      if (!target) continue;
      if (resp.type === "error") {
        target.textContent = `no summary: ${resp.message}`;
        target.title = resp.message;
        target.classList.add("ipa-error");
      } else if (resp.type === "summary") {
        target.textContent = summaryText(resp);
        target.title = resp.note ? `${target.textContent} (${resp.note})` : target.textContent;
      }
    }
  }

  private setNote(note: string | null, isError = false): void {
    this.noteEl.textContent = note ?? "";
    this.noteEl.className = isError ? "ipa-error" : "ipa-note";
  }

  private updateStatus(exact = true): void {
    const filtered = this.filters.size > 0;
    const rows = exact ? `${formatCount(this.total)} rows` : `first ${formatCount(this.total)} rows`;
    this.status.textContent =
      filtered && this.total !== this.opts.numRows ? `${rows} of ${formatCount(this.opts.numRows)}` : rows;
    this.status.dataset.total = String(this.total);
  }
}
