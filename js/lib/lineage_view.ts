// LineageGraph component: dagre layout, DOM nodes (text only) over a canvas of edges, fitted
// to the pane on open; wheel or buttons zoom, dragging pans, a click shows a node's details.
import "./base.css";
import "./lineage.css";
import { el } from "./dom";
import { formatBytes, formatCount, formatLocalTime, formatRelative } from "./format";
import { fitTransform, placeGraph, searchMembers, zoomAt, type Placement, type ViewTransform } from "./layout";
import type { ClusterMember, Graph, GraphNode } from "./protocol";

export interface MemberResults {
  total: number;
  members: ClusterMember[];
}

export interface LineageOptions {
  height: number;
  onFocus: (nodeId: string) => void;
  onDepth: (depth: number) => void;
  /** Search all members of a big cluster in Python (only the first few come with the graph). */
  search?: (cluster: string, query: string) => Promise<MemberResults | null>;
}

const MAX_DEPTH = 6;

export class LineageView {
  readonly element: HTMLElement;
  private readonly opts: LineageOptions;
  private readonly stage: HTMLElement;
  private readonly plane: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly title: HTMLElement;
  private readonly depthValue: HTMLElement;
  private readonly note: HTMLElement;
  private readonly popover: HTMLElement;
  private readonly details: HTMLElement;
  private readonly zoomValue: HTMLElement;
  private depth = 2;
  private placement: Placement | null = null;
  private view: ViewTransform = { scale: 1, x: 0, y: 0 };
  /** The reader zoomed or panned: keep their view when the pane resizes. */
  private moved = false;
  private selectedId: string | null = null;
  private graph: Graph | null = null;
  private drag: { x: number; y: number; vx: number; vy: number; moved: boolean } | null = null;
  private readonly resize: ResizeObserver;

  constructor(opts: LineageOptions) {
    this.opts = opts;
    this.element = el("div", { cls: "ipa-root ipa-lineage" });
    this.element.style.setProperty("--ipa-height", `${opts.height}px`);
    this.title = el("span", { cls: "ipa-lineage-title" });
    this.depthValue = el("span", { cls: "ipa-depth-value" });
    const minus = el("button", { cls: "ipa-button ipa-depth-minus", text: "−", title: "Less depth", attrs: { type: "button" } });
    const plus = el("button", { cls: "ipa-button ipa-depth-plus", text: "+", title: "More depth", attrs: { type: "button" } });
    minus.addEventListener("click", () => this.opts.onDepth(Math.max(1, this.depth - 1)));
    plus.addEventListener("click", () => this.opts.onDepth(Math.min(MAX_DEPTH, this.depth + 1)));
    this.note = el("span", { cls: "ipa-muted ipa-lineage-note" });
    const legend = el("span", { cls: "ipa-legend" }, [
      el("span", { cls: "ipa-swatch ipa-kind-artifact" }),
      el("span", { text: "artifact version" }),
      el("span", { cls: "ipa-swatch ipa-kind-run" }),
      el("span", { text: "run" }),
      el("span", { cls: "ipa-swatch ipa-kind-link" }),
      el("span", { text: "registry link" }),
    ]);
    const button = (cls: string, text: string, title: string, action: () => void) => {
      const b = el("button", { cls: `ipa-button ${cls}`, text, title, attrs: { type: "button" } });
      b.addEventListener("click", action);
      return b;
    };
    this.zoomValue = el("span", { cls: "ipa-zoom-value ipa-muted" });
    const zoom = el("span", { cls: "ipa-zoom" }, [
      button("ipa-zoom-out", "−", "Zoom out", () => this.zoomBy(1 / 1.25)),
      this.zoomValue,
      button("ipa-zoom-in", "+", "Zoom in", () => this.zoomBy(1.25)),
      button("ipa-zoom-fit", "Fit", "Fit the whole graph in view", () => this.fit()),
    ]);
    const bar = el("div", { cls: "ipa-lineage-bar" }, [
      this.title,
      el("span", { cls: "ipa-depth", title: "Steps each way: one step is one edge, artifact → run or run → artifact" }, [
        el("span", { cls: "ipa-muted", text: "depth" }),
        minus,
        this.depthValue,
        plus,
      ]),
      zoom,
      legend,
      this.note,
    ]);
    this.canvas = el("canvas", { cls: "ipa-edges" });
    this.plane = el("div", { cls: "ipa-plane" }, [this.canvas]);
    this.details = el("div", { cls: "ipa-lineage-details", attrs: { hidden: "", role: "region", "aria-label": "node details" } });
    this.stage = el("div", {
      cls: "ipa-stage",
      title: "Drag to pan; click, then scroll (or Ctrl + scroll) to zoom; + − 0 keys",
      attrs: { tabindex: "0" },
    }, [this.plane, this.details]);
    this.popover = el("div", { cls: "ipa-cluster-pop", attrs: { hidden: "" } });
    this.element.append(bar, this.stage, this.popover);
    this.stage.addEventListener("wheel", (event) => this.onWheel(event), { passive: false });
    this.stage.addEventListener("pointerdown", (event) => this.onPointerDown(event));
    this.stage.addEventListener("pointermove", (event) => this.onPointerMove(event));
    this.stage.addEventListener("pointerup", (event) => this.onPointerUp(event));
    this.stage.addEventListener("pointercancel", () => (this.drag = null));
    this.stage.addEventListener("keydown", (event) => this.onKey(event));
    // Fit when the pane gets its size (a tab shown later, a resized panel) unless the reader
    // has zoomed or panned.
    this.resize = new ResizeObserver(() => {
      if (!this.moved) this.fit(false);
    });
    this.resize.observe(this.stage);
    // Edge colour comes from the theme: repaint when JupyterLab switches theme.
    this.themeWatch = new MutationObserver(() => this.drawEdges());
    this.themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name"] });
  }

  private readonly themeWatch: MutationObserver;

  destroy(): void {
    this.popover.hidden = true;
    this.themeWatch.disconnect();
    this.resize.disconnect();
  }

  /** The current pan and zoom (for tests and the zoom readout). */
  get transform(): ViewTransform {
    return { ...this.view };
  }

  private apply(): void {
    const { scale, x, y } = this.view;
    this.plane.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
    this.zoomValue.textContent = `${Math.round(scale * 100)}%`;
    this.plane.dataset.scale = scale.toFixed(3);
  }

  /** Show the whole graph, centred (on open, on "Fit", and when the pane resizes). */
  fit(byUser = true): void {
    const placement = this.placement;
    const width = this.stage.clientWidth;
    const height = this.stage.clientHeight;
    if (!placement || width === 0 || height === 0) return;
    this.view = fitTransform(placement.width, placement.height, width, height);
    this.moved = false;
    if (byUser) this.stage.focus({ preventScroll: true });
    this.apply();
  }

  private zoomBy(factor: number, px?: number, py?: number): void {
    this.view = zoomAt(this.view, factor, px ?? this.stage.clientWidth / 2, py ?? this.stage.clientHeight / 2);
    this.moved = true;
    this.apply();
  }

  private onWheel(event: WheelEvent): void {
    if (!this.placement) return;
    // The notebook scrolls past an untouched graph; once the graph has focus (clicked), or
    // with Ctrl/⌘ (and trackpad pinches, which send ctrlKey), the wheel zooms.
    const focused = this.stage.contains(document.activeElement);
    if (!focused && !event.ctrlKey && !event.metaKey) return;
    event.preventDefault();
    const box = this.stage.getBoundingClientRect();
    // Trackpads send many small deltas, mice a few big ones: scale by the delta.
    const factor = Math.exp(-Math.max(-100, Math.min(100, event.deltaY)) * 0.0025);
    this.zoomBy(factor, event.clientX - box.left, event.clientY - box.top);
  }

  private onPointerDown(event: PointerEvent): void {
    if (event.button !== 0) return;
    const target = event.target as HTMLElement;
    if (target.closest(".ipa-lineage-details")) return;
    this.drag = { x: event.clientX, y: event.clientY, vx: this.view.x, vy: this.view.y, moved: false };
  }

  private onPointerMove(event: PointerEvent): void {
    const drag = this.drag;
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) {
      drag.moved = true;
      this.stage.setPointerCapture(event.pointerId);
      this.stage.classList.add("ipa-panning");
    }
    this.view = { ...this.view, x: drag.vx + dx, y: drag.vy + dy };
    this.moved = true;
    this.apply();
  }

  private onPointerUp(event: PointerEvent): void {
    const drag = this.drag;
    this.drag = null;
    this.stage.classList.remove("ipa-panning");
    if (drag?.moved) {
      this.stage.releasePointerCapture(event.pointerId);
      // A drag that ends on a node is not a click on it.
      const swallow = (e: Event) => {
        e.stopPropagation();
        e.preventDefault();
      };
      this.stage.addEventListener("click", swallow, { capture: true, once: true });
      setTimeout(() => this.stage.removeEventListener("click", swallow, { capture: true }), 0);
    } else if (drag && !(event.target as HTMLElement).closest(".ipa-gnode, .ipa-lineage-details")) {
      this.select(null);
    }
  }

  private onKey(event: KeyboardEvent): void {
    if (event.target !== this.stage) return;
    const step = 40;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [step, 0],
      ArrowRight: [-step, 0],
      ArrowUp: [0, step],
      ArrowDown: [0, -step],
    };
    if (event.key === "+" || event.key === "=") this.zoomBy(1.25);
    else if (event.key === "-") this.zoomBy(1 / 1.25);
    else if (event.key === "0") this.fit();
    else if (event.key === "Escape") this.select(null);
    else if (moves[event.key]) {
      const [dx, dy] = moves[event.key];
      this.view = { ...this.view, x: this.view.x + dx, y: this.view.y + dy };
      this.moved = true;
      this.apply();
    } else return;
    event.preventDefault();
  }

  /** Select a node (or none) and show its details. */
  select(id: string | null): void {
    this.selectedId = id;
    for (const node of this.plane.querySelectorAll<HTMLElement>(".ipa-gnode")) {
      node.classList.toggle("ipa-selected", node.dataset.node === id);
    }
    const node = id ? this.graph?.nodes.find((n) => n.id === id) : undefined;
    if (!node) {
      this.details.hidden = true;
      this.details.replaceChildren();
      return;
    }
    this.details.replaceChildren(...this.detailParts(node));
    this.details.hidden = false;
  }

  private detailParts(node: GraphNode): HTMLElement[] {
    const info = node.info ?? null;
    const close = el("button", { cls: "ipa-button ipa-details-close", text: "×", title: "Close (Esc)", attrs: { type: "button" } });
    close.addEventListener("click", () => this.select(null));
    const head = el("div", { cls: "ipa-details-head" }, [
      el("span", { cls: `ipa-swatch ipa-kind-${node.kind}` }),
      el("span", { cls: "ipa-details-title", text: node.label }),
      close,
    ]);
    const facts = el("div", { cls: "ipa-details-facts" });
    const fact = (label: string, value: string | Node, title?: string) => {
      const valueEl = typeof value === "string" ? el("span", { cls: "ipa-details-value", text: value, title }) : el("span", { cls: "ipa-details-value" }, [value]);
      valueEl.dataset.fact = label;
      facts.append(el("span", { cls: "ipa-details-label", text: label }), valueEl);
    };
    const kindText = node.kind === "artifact" ? "artifact version" : node.kind === "link" ? "registry link" : node.kind;
    fact("kind", kindText);
    if (info?.qualified_name) fact("name", info.qualified_name);
    if (node.kind === "link" && info?.source) fact("linked from", info.source);
    if ((node.kind === "artifact" || node.kind === "link") && info) {
      if (info.type) fact("type", info.type);
      const chips = el("span", { cls: "ipa-chips" }, [
        ...info.aliases.map((a) => el("span", { cls: "ipa-chip ipa-chip-alias", text: a })),
        ...info.tags.map((t) => el("span", { cls: "ipa-chip ipa-chip-tag", text: `#${t}` })),
      ]);
      fact("aliases", info.aliases.length + info.tags.length > 0 ? chips : "none");
      if (info.created_at) fact("created", `${formatLocalTime(info.created_at)} (${formatRelative(info.created_at)})`, info.created_at);
      fact("created by", info.created_by ?? "unknown run");
      if (info.size !== null) {
        const files = info.file_count !== null ? ` · ${formatCount(info.file_count)} file${info.file_count === 1 ? "" : "s"}` : "";
        fact("size", `${formatBytes(info.size)}${files}`, `${formatCount(info.size)} bytes`);
      }
    } else if (node.kind === "run" && info) {
      fact("job type", info.job_type ?? "run");
      if (info.state) fact("state", info.state);
      if (info.created_at) fact("started", `${formatLocalTime(info.created_at)} (${formatRelative(info.created_at)})`, info.created_at);
    } else if (node.kind === "cluster") {
      fact("members", formatCount(node.member_count));
    }
    const parts = [head, facts];
    if (node.kind !== "cluster" && !node.center) {
      const focus = el("button", { cls: "ipa-button ipa-details-focus", text: "Centre lineage here", attrs: { type: "button" } });
      focus.addEventListener("click", () => this.opts.onFocus(node.id));
      parts.push(el("div", { cls: "ipa-details-actions" }, [focus]));
    }
    return parts;
  }

  setError(message: string | null): void {
    this.note.textContent = message ?? "";
    this.note.className = message ? "ipa-error ipa-lineage-note" : "ipa-muted ipa-lineage-note";
  }

  update(graph: Graph, depth: number): void {
    this.depth = depth;
    this.depthValue.textContent = String(depth);
    this.popover.hidden = true;
    const center = graph.nodes.find((n) => n.center);
    this.title.textContent = center ? `Lineage of ${center.label}` : "Lineage";
    this.setError(null);
    this.note.textContent = graph.truncated ? "more beyond this depth" : "";
    const placement = placeGraph(graph);
    this.placement = placement;
    this.graph = graph;
    this.plane.style.width = `${placement.width}px`;
    this.plane.style.height = `${placement.height}px`;
    this.plane.replaceChildren(this.canvas);
    for (const placed of placement.nodes) {
      const node = this.nodeElement(placed.node);
      node.style.left = `${placed.x}px`;
      node.style.top = `${placed.y}px`;
      node.style.width = `${placed.width}px`;
      node.style.height = `${placed.height}px`;
      this.plane.appendChild(node);
    }
    this.drawEdges();
    // A new graph opens fitted to the pane: every end node in view.
    this.fit(false);
    this.select(this.selectedId && graph.nodes.some((n) => n.id === this.selectedId) ? this.selectedId : null);
  }

  private nodeElement(node: GraphNode): HTMLElement {
    const button = el(
      "button",
      {
        cls: `ipa-gnode ipa-kind-${node.kind}${node.center ? " ipa-center" : ""}`,
        title: node.kind === "cluster" ? `${node.label}: click to search` : `${node.label}\n${node.sub}\nclick for details, double-click to centre here`,
        attrs: { type: "button", "data-node": node.id, "data-kind": node.kind },
      },
      [el("span", { cls: "ipa-gnode-label", text: node.label }), el("span", { cls: "ipa-gnode-sub", text: node.sub })],
    );
    button.addEventListener("click", (event) => {
      // A click selects (details panel); a double click, or the panel's button, re-centres.
      this.select(node.id);
      if (node.kind === "cluster") this.openCluster(node, button);
      event.stopPropagation();
    });
    button.addEventListener("dblclick", (event) => {
      if (node.kind !== "cluster" && !node.center) this.opts.onFocus(node.id);
      event.stopPropagation();
    });
    return button;
  }

  private openCluster(node: GraphNode, anchor: HTMLElement): void {
    const search = el("input", {
      cls: "ipa-cluster-search",
      attrs: { type: "search", placeholder: `search ${node.label}…`, spellcheck: "false" },
    });
    const list = el("div", { cls: "ipa-cluster-list", attrs: { role: "listbox" } });
    const complete = node.members.length >= node.member_count;
    let searchToken = 0;
    const fill = async () => {
      let found = searchMembers(node.members, search.value);
      let total = complete ? found.length : node.member_count;
      if (!complete && this.opts.search && search.value.trim()) {
        const token = ++searchToken;
        const results = await this.opts.search(node.id, search.value);
        if (token !== searchToken || !results) return;
        found = results.members;
        total = results.total;
      }
      list.replaceChildren(
        ...found.slice(0, 200).map((member) => {
          const item = el(
            "button",
            { cls: "ipa-cluster-item", attrs: { type: "button", "data-node": member.id } },
            [el("span", { text: member.label }), el("span", { cls: "ipa-muted", text: member.sub })],
          );
          item.addEventListener("click", () => {
            this.popover.hidden = true;
            this.opts.onFocus(member.id);
          });
          return item;
        }),
      );
      const shown = Math.min(found.length, 200);
      if (total > shown) {
        list.appendChild(el("div", { cls: "ipa-muted ipa-cluster-more", text: `… ${total - shown} more: refine the search` }));
      }
      if (found.length === 0) list.appendChild(el("div", { cls: "ipa-muted", text: "no match" }));
    };
    search.addEventListener("input", () => void fill());
    const close = el("button", { cls: "ipa-button", text: "×", title: "Close", attrs: { type: "button" } });
    close.addEventListener("click", () => {
      this.popover.hidden = true;
    });
    this.popover.replaceChildren(el("div", { cls: "ipa-cluster-head" }, [search, close]), list);
    void fill();
    this.popover.hidden = false;
    const stageBox = this.stage.getBoundingClientRect();
    const box = anchor.getBoundingClientRect();
    const rootBox = this.element.getBoundingClientRect();
    this.popover.style.left = `${Math.max(4, Math.min(box.left - rootBox.left, rootBox.width - 280))}px`;
    this.popover.style.top = `${Math.min(box.bottom - rootBox.top + 4, stageBox.bottom - rootBox.top - 60)}px`;
    search.focus();
  }

  private drawEdges(): void {
    const placement = this.placement;
    if (!placement) return;
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.ceil(placement.width * ratio);
    this.canvas.height = Math.ceil(placement.height * ratio);
    this.canvas.style.width = `${placement.width}px`;
    this.canvas.style.height = `${placement.height}px`;
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    ctx.scale(ratio, ratio);
    const color = getComputedStyle(this.element).getPropertyValue("--ipa-edge").trim() || "#8a8f98";
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 1.5;
    // An edge into a registry link is dashed: a link copies nothing, it points.
    const links = new Set(placement.nodes.filter((p) => p.node.kind === "link").map((p) => p.node.id));
    for (const edge of placement.edges) {
      const pts = edge.points;
      if (pts.length < 2) continue;
      ctx.setLineDash(links.has(edge.target) ? [5, 4] : []);
      ctx.beginPath();
      ctx.moveTo(pts[0].x, pts[0].y);
      for (let i = 1; i < pts.length - 1; i++) {
        const mx = (pts[i].x + pts[i + 1].x) / 2;
        const my = (pts[i].y + pts[i + 1].y) / 2;
        ctx.quadraticCurveTo(pts[i].x, pts[i].y, mx, my);
      }
      const end = pts[pts.length - 1];
      ctx.lineTo(end.x, end.y);
      ctx.stroke();
      ctx.setLineDash([]);
      const prev = pts[pts.length - 2];
      const angle = Math.atan2(end.y - prev.y, end.x - prev.x);
      ctx.beginPath();
      ctx.moveTo(end.x, end.y);
      ctx.lineTo(end.x - 8 * Math.cos(angle - 0.4), end.y - 8 * Math.sin(angle - 0.4));
      ctx.lineTo(end.x - 8 * Math.cos(angle + 0.4), end.y - 8 * Math.sin(angle + 0.4));
      ctx.closePath();
      ctx.fill();
    }
  }
}
