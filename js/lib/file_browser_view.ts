// FileBrowser component: a lazy, virtual-scrolling file tree and a preview of the selected file.
import "./base.css";
import "./file_browser.css";
import { el } from "./dom";
import { formatBytes, formatCount } from "./format";
import type {
  ChildrenResponse,
  DownloadResponse,
  ErrorResponse,
  PreviewResponse,
  Request,
  Response,
} from "./protocol";
import type { WithoutId } from "./rpc";
import { codeBlock, renderMarkdown, textFormat } from "./rich_text";
import { fetchFromServer, jupyterServer } from "./server";
import { TableView, type Fetch } from "./table_view";
import { IMAGE_TYPES, baseName, flattenTree, type FolderState, type TreeRow } from "./tree";
import { visibleWindow } from "./viewport";

const ROW_HEIGHT = 24;
const SLICE = 500;
/** Narrowest tree and preview when dragging the split (px). */
const MIN_PANE = 140;

/** The tree's width after a drag: within [MIN_PANE, total - MIN_PANE]. */
export function splitWidth(start: number, delta: number, total: number): number {
  return Math.round(Math.max(MIN_PANE, Math.min(total - MIN_PANE, start + delta)));
}

/** Image zoom steps ("fit" is 0): a click on + or − moves one step. */
export const ZOOM_STEPS = [0, 0.25, 0.5, 1, 2, 4, 8];

export type AnyFetch = <R extends Response>(
  req: WithoutId<Request>,
) => Promise<[R | ErrorResponse, DataView[]]>;

export interface FileBrowserOptions {
  fetch: AnyFetch;
  title: string;
  fileCount: number;
  totalSize: number;
  height: number;
  selected: string | null;
  onSelect: (path: string | null) => void;
}

function bytesOf(view: DataView): Uint8Array<ArrayBuffer> {
  // Copy out of the message buffer (which may be shared or reused) into a plain ArrayBuffer.
  const copy = new Uint8Array(view.byteLength);
  copy.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return copy;
}

export class FileBrowserView {
  readonly element: HTMLElement;
  private readonly opts: FileBrowserOptions;
  private readonly folders = new Map<string, FolderState>();
  private readonly loading = new Set<string>();
  private readonly expanded = new Set<string>();
  private rows: TreeRow[] = [];
  private readonly tree: HTMLElement;
  private readonly treeBody: HTMLElement;
  private readonly treeRows: HTMLElement;
  private readonly preview: HTMLElement;
  private selected: string | null;
  private previewToken = 0;
  private table: TableView | null = null;
  private objectUrl: string | null = null;
  private frame = 0;
  private destroyed = false;
  private readonly main: HTMLElement;
  private readonly maximise: HTMLButtonElement;
  private previewPath: string | null = null;

  constructor(opts: FileBrowserOptions) {
    this.opts = opts;
    this.selected = opts.selected;
    this.element = el("div", { cls: "ipa-root ipa-files" });
    this.element.style.setProperty("--ipa-height", `${opts.height}px`);
    const bar = el("div", { cls: "ipa-files-bar" }, [
      el("span", { cls: "ipa-files-title", text: opts.title }),
      el("span", {
        cls: "ipa-muted",
        text: `${formatCount(opts.fileCount)} files · ${formatBytes(opts.totalSize)}`,
      }),
    ]);
    this.treeRows = el("div", { cls: "ipa-tree-rows" });
    this.treeBody = el("div", { cls: "ipa-tree-body" }, [this.treeRows]);
    this.tree = el("div", { cls: "ipa-tree", attrs: { role: "tree", tabindex: "0" } }, [this.treeBody]);
    this.tree.addEventListener("scroll", () => this.schedule(), { passive: true });
    this.tree.addEventListener("click", (event) => this.onClick(event));
    this.tree.addEventListener("keydown", (event) => this.onKey(event));
    this.preview = el("div", { cls: "ipa-preview" }, [
      el("div", { cls: "ipa-muted ipa-preview-empty", text: "Select a file to preview it." }),
    ]);
    this.maximise = el("button", {
      cls: "ipa-button ipa-files-max-toggle",
      text: "Maximise preview",
      title: "Give the preview the whole width (the file tree hides)",
      attrs: { type: "button", "aria-pressed": "false" },
    });
    this.maximise.addEventListener("click", () => this.setMaximised(!this.element.classList.contains("ipa-files-max")));
    bar.appendChild(this.maximise);
    const handle = el("div", {
      cls: "ipa-split",
      title: "Drag to resize; double-click to reset",
      attrs: { role: "separator", "aria-orientation": "vertical", tabindex: "0" },
    });
    this.main = el("div", { cls: "ipa-files-main" }, [this.tree, handle, this.preview]);
    this.dragSplit(handle);
    this.element.append(bar, this.main);
    void this.load("", 0);
    if (this.selected) this.reveal(this.selected);
  }

  /** Preview across the whole width (tree hidden), or back to the split. */
  setMaximised(on: boolean): void {
    this.element.classList.toggle("ipa-files-max", on);
    this.maximise.setAttribute("aria-pressed", String(on));
    this.maximise.textContent = on ? "Show file tree" : "Maximise preview";
    // A table preview is sized when built: rebuild it for the taller pane.
    if (this.table && this.previewPath) void this.showPreview(this.previewPath);
  }

  private paneHeight(): number {
    return this.element.classList.contains("ipa-files-max") ? Math.round(this.opts.height * 1.6) : this.opts.height;
  }

  private dragSplit(handle: HTMLElement): void {
    let start: { x: number; width: number } | null = null;
    const setWidth = (px: number) => this.main.style.setProperty("--ipa-tree-width", `${px}px`);
    handle.addEventListener("pointerdown", (event) => {
      start = { x: event.clientX, width: this.tree.getBoundingClientRect().width };
      handle.setPointerCapture(event.pointerId);
      handle.classList.add("ipa-dragging");
      event.preventDefault();
    });
    handle.addEventListener("pointermove", (event) => {
      if (!start) return;
      setWidth(splitWidth(start.width, event.clientX - start.x, this.main.clientWidth));
    });
    const end = (event: PointerEvent) => {
      if (!start) return;
      start = null;
      handle.releasePointerCapture(event.pointerId);
      handle.classList.remove("ipa-dragging");
    };
    handle.addEventListener("pointerup", end);
    handle.addEventListener("pointercancel", end);
    handle.addEventListener("dblclick", () => this.main.style.removeProperty("--ipa-tree-width"));
    handle.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
      const width = this.tree.getBoundingClientRect().width;
      setWidth(splitWidth(width, event.key === "ArrowLeft" ? -24 : 24, this.main.clientWidth));
      event.preventDefault();
    });
  }

  destroy(): void {
    this.destroyed = true;
    cancelAnimationFrame(this.frame);
    this.table?.destroy();
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
  }

  /** Select a path from outside (the Python trait changed). */
  setSelected(path: string | null): void {
    if (path === this.selected) return;
    this.selected = path;
    if (path) this.reveal(path);
    this.schedule();
  }

  private reveal(path: string): void {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) this.expanded.add(parts.slice(0, i).join("/"));
    for (let i = 1; i < parts.length; i++) void this.load(parts.slice(0, i).join("/"), 0);
    void this.showPreview(path);
  }

  private async load(path: string, offset: number): Promise<void> {
    const key = `${path}\u0000${offset}`;
    if (this.loading.has(key)) return;
    const existing = this.folders.get(path);
    if (existing && offset < existing.nodes.length) return;
    this.loading.add(key);
    const [resp] = await this.opts.fetch<ChildrenResponse>({ type: "children", path, offset, limit: SLICE });
    this.loading.delete(key);
    if (this.destroyed) return;
    if (resp.type !== "children") {
      this.showError(resp.type === "error" ? resp.message : "unexpected response");
      return;
    }
    const folder = this.folders.get(path) ?? { nodes: [], total: resp.total };
    folder.nodes = folder.nodes.slice(0, resp.offset).concat(resp.nodes);
    folder.total = resp.total;
    this.folders.set(path, folder);
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
    this.rows = flattenTree(this.folders, this.expanded);
    const win = visibleWindow(this.tree.scrollTop, this.tree.clientHeight, this.rows.length, ROW_HEIGHT);
    this.treeBody.style.height = `${win.height}px`;
    this.treeRows.style.transform = `translateY(${win.top}px)`;
    while (this.treeRows.childElementCount > win.count) this.treeRows.lastElementChild?.remove();
    while (this.treeRows.childElementCount < win.count) {
      this.treeRows.appendChild(
        el("div", { cls: "ipa-node", attrs: { role: "treeitem" } }, [
          el("span", { cls: "ipa-node-toggle" }),
          el("span", { cls: "ipa-node-name" }),
          el("span", { cls: "ipa-badge" }),
          el("span", { cls: "ipa-node-size" }),
        ]),
      );
    }
    for (let i = 0; i < win.count; i++) {
      this.fillRow(this.treeRows.children[i] as HTMLElement, win.first + i);
    }
  }

  private fillRow(row: HTMLElement, index: number): void {
    const item = this.rows[index];
    const [toggle, name, badge, size] = Array.from(row.children) as HTMLElement[];
    row.dataset.index = String(index);
    row.style.paddingLeft = `${6 + item.depth * 16}px`;
    row.className = "ipa-node";
    badge.textContent = "";
    badge.hidden = true;
    if (item.kind === "node") {
      const node = item.node;
      row.dataset.path = node.path;
      row.classList.add(node.dir ? "ipa-dir" : "ipa-file");
      row.classList.toggle("ipa-selected", !node.dir && node.path === this.selected);
      row.setAttribute("aria-expanded", node.dir ? String(item.expanded) : "");
      row.setAttribute("aria-selected", String(!node.dir && node.path === this.selected));
      toggle.textContent = node.dir ? (item.expanded ? "▾" : "▸") : "";
      name.textContent = node.dir ? `${node.name}/` : node.name;
      row.title = node.path;
      if (node.ref) {
        badge.textContent = "ref";
        badge.title = node.ref;
        badge.hidden = false;
      }
      size.textContent = node.dir
        ? `${formatCount(node.count)} ${node.count === 1 ? "file" : "files"} · ${formatBytes(node.size)}`
        : formatBytes(node.size);
    } else {
      delete row.dataset.path;
      row.classList.add("ipa-more");
      row.removeAttribute("aria-expanded");
      toggle.textContent = "";
      name.textContent =
        item.kind === "more"
          ? `… ${formatCount(item.total - item.loaded)} more (click to load)`
          : "loading…";
      size.textContent = "";
      row.title = "";
    }
  }

  private onClick(event: MouseEvent): void {
    const row = (event.target as HTMLElement).closest<HTMLElement>(".ipa-node");
    if (!row?.dataset.index) return;
    this.activate(Number(row.dataset.index));
  }

  private activate(index: number): void {
    const item = this.rows[index];
    if (!item) return;
    if (item.kind === "more") {
      void this.load(item.path, item.loaded);
      return;
    }
    if (item.kind !== "node") return;
    const node = item.node;
    if (node.dir) {
      if (this.expanded.has(node.path)) this.expanded.delete(node.path);
      else {
        this.expanded.add(node.path);
        void this.load(node.path, 0);
      }
      this.schedule();
      return;
    }
    this.selected = node.path;
    this.opts.onSelect(node.path);
    this.schedule();
    void this.showPreview(node.path);
  }

  private onKey(event: KeyboardEvent): void {
    const current = this.rows.findIndex((r) => r.kind === "node" && r.node.path === this.selected);
    let next = current;
    if (event.key === "ArrowDown") next = current + 1;
    else if (event.key === "ArrowUp") next = Math.max(0, current - 1);
    else if (event.key === "Enter" && current >= 0) next = current;
    else return;
    event.preventDefault();
    const item = this.rows[next];
    if (!item || item.kind !== "node") return;
    if (item.node.dir) {
      this.selected = item.node.path;
      if (event.key === "Enter") this.activate(next);
      this.schedule();
    } else {
      this.activate(next);
    }
    const top = next * ROW_HEIGHT;
    if (top < this.tree.scrollTop) this.tree.scrollTop = top;
    else if (top + ROW_HEIGHT > this.tree.scrollTop + this.tree.clientHeight) {
      this.tree.scrollTop = top + ROW_HEIGHT - this.tree.clientHeight;
    }
  }

  private clearPreview(): void {
    this.table?.destroy();
    this.table = null;
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = null;
    this.preview.replaceChildren();
  }

  private showError(message: string): void {
    this.clearPreview();
    this.preview.appendChild(el("div", { cls: "ipa-error", text: message }));
  }

  private async showPreview(path: string): Promise<void> {
    const token = ++this.previewToken;
    this.previewPath = path;
    this.clearPreview();
    this.preview.appendChild(el("div", { cls: "ipa-muted", text: `loading ${path}…` }));
    const [resp, buffers] = await this.opts.fetch<PreviewResponse>({ type: "preview", path });
    if (token !== this.previewToken || this.destroyed) return;
    if (resp.type !== "preview") {
      this.showError(resp.type === "error" ? resp.message : "unexpected response");
      return;
    }
    this.clearPreview();
    this.preview.dataset.kind = resp.kind;
    this.preview.appendChild(this.facts(resp));
    if (resp.kind === "table" && resp.table !== null) {
      const tableId = resp.table;
      const fetch = ((req) => this.opts.fetch({ ...req, table: tableId })) as Fetch;
      this.table = new TableView({
        columns: resp.columns,
        numRows: resp.num_rows,
        title: baseName(resp.path),
        note: resp.note,
        height: Math.max(160, this.paneHeight() - 175),
        fetch,
      });
      this.preview.appendChild(this.table.element);
    } else if (resp.kind === "image" && buffers.length > 0 && resp.mime && IMAGE_TYPES.has(resp.mime)) {
      // Bytes -> Blob URL (never a data: URL assembled from file content).
      this.objectUrl = URL.createObjectURL(new Blob([bytesOf(buffers[0])], { type: resp.mime }));
      this.preview.appendChild(this.imageViewer(this.objectUrl, baseName(resp.path)));
    } else if (resp.kind === "text" && resp.text !== null) {
      this.preview.appendChild(this.textViewer(resp.text, textFormat(resp.path, resp.mime)));
      if (resp.truncated) {
        this.preview.appendChild(
          el("div", { cls: "ipa-muted", text: `first part shown (${formatBytes(resp.size)} in all)` }),
        );
      }
    }
  }

  private imageViewer(url: string, name: string): HTMLElement {
    const img = el("img", { cls: "ipa-preview-image", attrs: { alt: name } });
    const size = el("span", { cls: "ipa-muted ipa-image-size" });
    const level = el("span", { cls: "ipa-muted ipa-image-zoom" });
    const stage = el("div", { cls: "ipa-image-stage" }, [img]);
    let step = 0; // fit
    const apply = () => {
      const w = img.naturalWidth;
      if (step === 0) {
        // Fit: whole image in view; icons and thumbnails scaled up crisply, not a speck.
        img.classList.add("ipa-fit");
        const small = w > 0 && w < 64;
        const scale = small ? Math.max(1, Math.floor(128 / Math.max(w, img.naturalHeight))) : 1;
        img.style.width = small ? `${w * scale}px` : "";
        img.style.imageRendering = small ? "pixelated" : "";
        level.textContent = "fit";
      } else {
        img.classList.remove("ipa-fit");
        img.style.width = `${Math.round(w * ZOOM_STEPS[step])}px`;
        img.style.imageRendering = ZOOM_STEPS[step] > 1 ? "pixelated" : "";
        level.textContent = `${ZOOM_STEPS[step] * 100}%`;
      }
    };
    const zoomButton = (text: string, title: string, next: () => number) => {
      const b = el("button", { cls: "ipa-button", text, title, attrs: { type: "button" } });
      b.addEventListener("click", () => {
        step = next();
        apply();
      });
      return b;
    };
    const tools = el("div", { cls: "ipa-image-tools" }, [
      size,
      zoomButton("−", "Zoom out", () => (step === 0 ? 2 : Math.max(1, step - 1))),
      level,
      zoomButton("+", "Zoom in", () => (step === 0 ? 3 : Math.min(ZOOM_STEPS.length - 1, step + 1))),
      zoomButton("Fit", "Fit the image in the pane", () => 0),
      zoomButton("100%", "Actual pixels", () => 3),
    ]);
    img.addEventListener("load", () => {
      size.textContent = `${formatCount(img.naturalWidth)} × ${formatCount(img.naturalHeight)} px`;
      apply();
    });
    img.addEventListener("dblclick", () => {
      step = step === 0 ? 3 : 0;
      apply();
    });
    img.src = url;
    return el("div", { cls: "ipa-image-viewer" }, [tools, stage]);
  }

  private textViewer(text: string, format: ReturnType<typeof textFormat>): HTMLElement {
    if (format !== "markdown") return codeBlock(text, format);
    // Markdown opens rendered; "Source" shows the text with line numbers.
    const holder = el("div", { cls: "ipa-text-view" });
    const toggle = el("button", { cls: "ipa-button ipa-md-toggle", text: "Source", attrs: { type: "button", "aria-pressed": "false" } });
    const rendered = renderMarkdown(text);
    let source: HTMLElement | null = null;
    toggle.addEventListener("click", () => {
      const showSource = toggle.getAttribute("aria-pressed") !== "true";
      toggle.setAttribute("aria-pressed", String(showSource));
      toggle.textContent = showSource ? "Rendered" : "Source";
      source ??= codeBlock(text, "plain");
      holder.replaceChildren(toggle, showSource ? source : rendered);
    });
    holder.append(toggle, rendered);
    return holder;
  }

  private facts(resp: PreviewResponse): HTMLElement {
    // Plain divs, not <dl>: notebook hosts style dl/dt/dd in ways that break the grid.
    const list = el("div", { cls: "ipa-facts" });
    const add = (label: string, value: string, title?: string) => {
      list.append(
        el("span", { cls: "ipa-fact-label", text: label }),
        el("span", { cls: "ipa-fact-value", text: value, title }),
      );
    };
    add("path", resp.path);
    add("size", `${formatBytes(resp.size)} (${formatCount(resp.size)} bytes)`);
    add("digest", resp.digest.slice(0, 16), resp.digest);
    if (resp.ref) add("reference", resp.ref);
    if (resp.mime) add("type", resp.mime);
    if (resp.kind === "table") add("rows", formatCount(resp.num_rows));
    const box = el("div", { cls: "ipa-preview-head" }, [list]);
    if (resp.note) box.appendChild(el("div", { cls: "ipa-note", text: resp.note }));
    if (!resp.ref) {
      const button = el("button", {
        cls: "ipa-button",
        text: "Download",
        attrs: { type: "button", "data-path": resp.path },
      });
      button.addEventListener("click", () => void this.download(resp, button));
      box.appendChild(button);
    }
    return box;
  }

  private async download(preview: PreviewResponse, button: HTMLButtonElement): Promise<void> {
    const path = preview.path;
    button.disabled = true;
    const server = preview.href ? await jupyterServer() : null;
    if (server && preview.href) {
      // Served by the Jupyter server extension: no size cap, nothing passes through the kernel.
      const blob = await fetchFromServer(server, preview.href);
      if (blob) {
        button.disabled = false;
        const url = URL.createObjectURL(blob);
        this.clickLink(url, baseName(path));
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
        return;
      }
    }
    const [resp, buffers] = await this.opts.fetch<DownloadResponse>({ type: "download", path });
    button.disabled = false;
    if (resp.type !== "download" || buffers.length === 0) {
      button.title = resp.type === "error" ? resp.message : "download failed";
      button.classList.add("ipa-error");
      return;
    }
    const url = URL.createObjectURL(new Blob([bytesOf(buffers[0])], { type: "application/octet-stream" }));
    this.clickLink(url, baseName(path));
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  private clickLink(href: string, name: string): void {
    const link = el("a", { attrs: { href, download: name } });
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }
}
