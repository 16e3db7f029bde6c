// LineageGraph component: dagre layout, DOM nodes (text only) over a canvas of edges.
import "./base.css";
import "./lineage.css";
import { el } from "./dom";
import { placeGraph, searchMembers, type Placement } from "./layout";
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
  private depth = 2;
  private placement: Placement | null = null;

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
    ]);
    const bar = el("div", { cls: "ipa-lineage-bar" }, [
      this.title,
      el("span", { cls: "ipa-depth" }, [el("span", { cls: "ipa-muted", text: "depth" }), minus, this.depthValue, plus]),
      legend,
      this.note,
    ]);
    this.canvas = el("canvas", { cls: "ipa-edges" });
    this.plane = el("div", { cls: "ipa-plane" }, [this.canvas]);
    this.stage = el("div", { cls: "ipa-stage" }, [this.plane]);
    this.popover = el("div", { cls: "ipa-cluster-pop", attrs: { hidden: "" } });
    this.element.append(bar, this.stage, this.popover);
    // Edge colour comes from the theme: repaint when JupyterLab switches theme.
    this.themeWatch = new MutationObserver(() => this.drawEdges());
    this.themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name"] });
  }

  private readonly themeWatch: MutationObserver;

  destroy(): void {
    this.popover.hidden = true;
    this.themeWatch.disconnect();
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
    const placedCenter = placement.nodes.find((p) => p.node.center);
    if (placedCenter) {
      // Re-centre the view on the focused node.
      this.stage.scrollLeft = placedCenter.x + placedCenter.width / 2 - this.stage.clientWidth / 2;
      this.stage.scrollTop = placedCenter.y + placedCenter.height / 2 - this.stage.clientHeight / 2;
    }
  }

  private nodeElement(node: GraphNode): HTMLElement {
    const button = el(
      "button",
      {
        cls: `ipa-gnode ipa-kind-${node.kind}${node.center ? " ipa-center" : ""}`,
        title: node.kind === "cluster" ? `${node.label}: click to search` : `${node.label}\n${node.sub}`,
        attrs: { type: "button", "data-node": node.id, "data-kind": node.kind },
      },
      [el("span", { cls: "ipa-gnode-label", text: node.label }), el("span", { cls: "ipa-gnode-sub", text: node.sub })],
    );
    button.addEventListener("click", (event) => {
      if (node.kind === "cluster") this.openCluster(node, button);
      else if (!node.center) this.opts.onFocus(node.id);
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
    for (const edge of placement.edges) {
      const pts = edge.points;
      if (pts.length < 2) continue;
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
