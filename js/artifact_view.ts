// ArtifactView: anywidget front end for ipyartifacts.widgets.ArtifactView (tabs Overview,
// Versions, Files, Lineage; each tab's component is built the first time it is shown).
import type { AnyModel, RenderProps } from "@anywidget/types";
import "./lib/base.css";
import "./lib/artifact_view.css";
import { el } from "./lib/dom";
import { FileBrowserView, type AnyFetch } from "./lib/file_browser_view";
import { formatBytes, formatCount, formatLocalTime, formatRelative } from "./lib/format";
import { LineageView } from "./lib/lineage_view";
import type { ColumnInfo, Graph, MembersResponse } from "./lib/protocol";
import { Rpc } from "./lib/rpc";
import { VersionListView, type PageFetch } from "./lib/version_list";

type Tab = "overview" | "versions" | "files" | "lineage";
const TABS: [Tab, string][] = [
  ["overview", "Overview"],
  ["versions", "Versions"],
  ["files", "Files"],
  ["lineage", "Lineage"],
];

interface RunInfo {
  id: string;
  name: string;
  job_type: string | null;
  state: string;
}

/** One registry link of a source version (LinkInfo in widgets/artifact_view.py). */
export interface LinkInfo {
  registry: string;
  collection: string;
  version: string;
  aliases: string[];
  qualified_name: string;
}

/** The logged version a link points at (SourceInfo in widgets/artifact_view.py). */
export interface SourceInfo {
  project: string;
  name: string;
  version: string;
  qualified_name: string;
}

interface Overview {
  name: string;
  qualified_name: string;
  type: string;
  version: string;
  aliases: string[];
  tags: string[];
  description: string | null;
  metadata: [string, string][];
  digest: string;
  size: number;
  file_count: number;
  created_at: string;
  created_by: RunInfo | null;
  used_by: RunInfo[];
  ttl_seconds: number | null;
  expires_at: string | null;
  links: LinkInfo[];
  source?: SourceInfo | null;
  snippet: string;
  state?: string;
}

interface ArtifactModel {
  tab: Tab;
  overview: Overview;
  used_by_count: number;
  refresh_seconds: number;
  height: number;
  versions_columns: ColumnInfo[];
  versions_count: number;
  selected: string | null;
  file_count: number;
  total_size: number;
  graph: Graph;
  center: string;
  depth: number;
  error: string | null;
}

/** "30 days", "12 hours", "45 minutes": a TTL in its largest whole unit. */
export function formatDuration(seconds: number): string {
  const units: [number, string][] = [
    [86400, "day"],
    [3600, "hour"],
    [60, "minute"],
    [1, "second"],
  ];
  for (const [size, name] of units) {
    if (seconds >= size) {
      const n = Math.floor(seconds / size);
      return `${formatCount(n)} ${name}${n === 1 ? "" : "s"}`;
    }
  }
  return "0 seconds";
}

/** The TTL line: "kept forever", or "30 days (expires in 29 d, <local time>)". */
export function ttlText(ttlSeconds: number | null, expiresAt: string | null, now = Date.now()): string {
  if (ttlSeconds === null || expiresAt === null) return "none (kept until deleted)";
  const when = formatRelative(expiresAt, now);
  const past = Date.parse(expiresAt) <= now;
  return `${formatDuration(ttlSeconds)} (${past ? "expired" : "expires"} ${when}, ${formatLocalTime(expiresAt)})`;
}

function runText(run: RunInfo): string {
  return `${run.name} · ${run.job_type ?? "run"} · ${run.id} (${run.state})`;
}

/** Registry rows of the Overview: a link's source, or a source version's links; each with an
 * "Open" button (when `onOpen` is given) that shows that version in this view. */
export function renderRegistry(ov: Overview, onOpen?: (name: string) => void): HTMLElement[] {
  const openButton = (name: string, label: string) => {
    const b = el("button", { cls: "ipa-button ipa-open", text: "Open", title: label, attrs: { type: "button", "data-open": name } });
    b.addEventListener("click", () => onOpen?.(name));
    return b;
  };
  const out: HTMLElement[] = [];
  const source = ov.source ?? null;
  if (source) {
    const value = el("span", { cls: "ipa-ov-value ipa-ov-source" }, [
      el("span", { cls: "ipa-mono", text: source.qualified_name, title: "the logged version this link points at" }),
    ]);
    if (onOpen) value.appendChild(openButton(source.qualified_name, `Show ${source.qualified_name} here`));
    out.push(el("span", { cls: "ipa-ov-label", text: "linked from" }), value);
  }
  const links = ov.links ?? [];
  if (links.length > 0) {
    const list = el("span", { cls: "ipa-ov-value ipa-ov-links" });
    for (const link of links) {
      const row = el("span", { cls: "ipa-ov-link", attrs: { "data-link": link.qualified_name } }, [
        el("span", { cls: "ipa-chip ipa-chip-link", text: `registry ${link.registry}`, title: "registry" }),
        el("span", { cls: "ipa-mono ipa-ov-link-name", text: `${link.collection}:${link.version}`, title: link.qualified_name }),
        ...link.aliases.map((a) => el("span", { cls: "ipa-chip ipa-chip-alias", text: a, title: "alias of the link" })),
      ]);
      if (onOpen) row.appendChild(openButton(link.qualified_name, `Show ${link.qualified_name} here`));
      list.appendChild(row);
    }
    out.push(el("span", { cls: "ipa-ov-label", text: `linked in (${formatCount(links.length)})` }), list);
  }
  return out;
}

export function renderOverview(ov: Overview, usedByCount = ov.used_by?.length ?? 0, onOpen?: (name: string) => void): HTMLElement {
  const title = el("div", { cls: "ipa-ov-title" }, [
    el("span", { cls: "ipa-ov-name", text: ov.qualified_name }),
    el("span", { cls: "ipa-chip ipa-chip-type", text: ov.type, title: "type" }),
    ...ov.aliases.map((a) => el("span", { cls: "ipa-chip ipa-chip-alias", text: a, title: "alias" })),
    ...ov.tags.map((t) => el("span", { cls: "ipa-chip", text: `#${t}`, title: "tag" })),
  ]);
  const grid = el("div", { cls: "ipa-ov-grid" });
  const fact = (label: string, value: string, mono = false) => {
    grid.append(
      el("span", { cls: "ipa-ov-label", text: label }),
      el("span", { cls: mono ? "ipa-ov-value ipa-mono" : "ipa-ov-value", text: value }),
    );
  };
  fact("version", ov.version);
  fact("digest", ov.digest, true);
  fact("size", `${formatBytes(ov.size)} (${formatCount(ov.size)} bytes)`);
  fact("files", formatCount(ov.file_count));
  // The reader's local time; the exact UTC instant on hover.
  grid.append(
    el("span", { cls: "ipa-ov-label", text: "created" }),
    el("span", {
      cls: "ipa-ov-value ipa-ov-created",
      text: `${formatLocalTime(ov.created_at)} (${formatRelative(ov.created_at)})`,
      title: ov.created_at,
    }),
  );
  const run = ov.created_by;
  fact("created by", run ? runText(run) : "unknown run");
  const used = ov.used_by ?? [];
  const usedList = el("span", { cls: "ipa-ov-value ipa-ov-used" });
  if (used.length === 0) usedList.textContent = "no run yet";
  for (const r of used) usedList.appendChild(el("span", { cls: "ipa-ov-run", text: runText(r), title: r.id }));
  if (usedByCount > used.length) usedList.appendChild(el("span", { cls: "ipa-muted", text: `… and ${formatCount(usedByCount - used.length)} more` }));
  grid.append(el("span", { cls: "ipa-ov-label", text: `used by (${formatCount(usedByCount)})` }), usedList);
  grid.append(
    el("span", { cls: "ipa-ov-label", text: "TTL" }),
    el("span", { cls: "ipa-ov-value ipa-ov-ttl", text: ttlText(ov.ttl_seconds ?? null, ov.expires_at ?? null), title: ov.expires_at ?? "" }),
  );
  grid.append(...renderRegistry(ov, onOpen));
  const parts: HTMLElement[] = [title];
  if (ov.description) parts.push(el("p", { cls: "ipa-ov-description", text: ov.description }));
  parts.push(grid);
  if (ov.metadata.length > 0) {
    const meta = el("div", { cls: "ipa-ov-grid ipa-ov-metadata" });
    for (const [key, value] of ov.metadata) {
      meta.append(el("span", { cls: "ipa-ov-label", text: key }), el("span", { cls: "ipa-ov-value ipa-mono", text: value }));
    }
    parts.push(el("div", { cls: "ipa-ov-section", text: "Metadata" }), meta);
  }
  const code = el("pre", { text: ov.snippet });
  const copy = el("button", { cls: "ipa-button ipa-copy", text: "Copy", attrs: { type: "button" } });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(ov.snippet);
      copy.textContent = "Copied";
    } catch {
      // No clipboard access (insecure context): select the text so Ctrl+C works.
      const range = document.createRange();
      range.selectNodeContents(code);
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      copy.textContent = "Press Ctrl+C";
    }
  });
  parts.push(el("div", { cls: "ipa-ov-section", text: "Use it" }), el("div", { cls: "ipa-snippet" }, [code, copy]));
  return el("div", { cls: "ipa-overview" }, parts);
}

function render({ model, el: host }: RenderProps<ArtifactModel>): () => void {
  const rpc = new Rpc(model as AnyModel);
  const fetchFor = (target: string): AnyFetch => ((req) => rpc.request({ ...req, target } as never)) as AnyFetch;
  const root = el("div", { cls: "ipa-root ipa-artifact" });
  const tabBar = el("div", { cls: "ipa-tabs", attrs: { role: "tablist" } });
  const headerName = el("span", { cls: "ipa-tab-header-name" });
  const panels = new Map<Tab, HTMLElement>();
  const buttons = new Map<Tab, HTMLElement>();
  for (const [tab, label] of TABS) {
    const button = el("button", { cls: "ipa-tab", text: label, attrs: { type: "button", role: "tab", "data-tab": tab } });
    button.addEventListener("click", () => {
      model.set("tab", tab);
      model.save_changes();
      show();
    });
    buttons.set(tab, button);
    tabBar.appendChild(button);
    const panel = el("div", { cls: "ipa-panel", attrs: { role: "tabpanel", "data-tab": tab, hidden: "" } });
    panels.set(tab, panel);
  }
  tabBar.appendChild(headerName);
  root.append(tabBar, ...panels.values());
  host.appendChild(root);

  let table: VersionListView | null = null;
  let metadataShown: string[] | null = null;
  let files: FileBrowserView | null = null;
  let lineage: LineageView | null = null;
  const built = new Set<Tab>();

  // Open a link's source (or one of a version's links) in this view; Python checks the
  // name is one the Overview shows, then pushes the new version's traits.
  const openVersion = (name: string) => {
    void rpc.request({ type: "open", target: "overview", name } as never).catch(() => undefined);
  };
  const buildOverview = () => {
    const ov = model.get("overview");
    headerName.textContent = ov.qualified_name;
    panels.get("overview")!.replaceChildren(renderOverview(ov, model.get("used_by_count"), openVersion));
  };
  const buildVersions = () => {
    const count = model.get("versions_count");
    const panel = panels.get("versions")!;
    table?.destroy();
    table = null;
    if (count < 0) {
      panel.replaceChildren(el("div", { cls: "ipa-muted", text: "loading versions…" }));
      return;
    }
    table = new VersionListView({
      columns: model.get("versions_columns"),
      numRows: count,
      title: `${model.get("overview").qualified_name.split(":")[0]} versions`,
      height: model.get("height"),
      fetch: fetchFor("versions") as unknown as PageFetch,
      selected: model.get("selected"),
      onSelect: (key) => {
        if (key === null) return;
        model.set("selected", key);
        model.save_changes();
      },
      metadataShown,
      onMetadataShown: (keys) => (metadataShown = keys),
    });
    panel.replaceChildren(table.element);
  };
  const buildFiles = () => {
    files?.destroy();
    files = new FileBrowserView({
      fetch: fetchFor("files"),
      title: model.get("overview").qualified_name,
      fileCount: model.get("file_count"),
      totalSize: model.get("total_size"),
      height: model.get("height"),
      selected: null,
      onSelect: () => undefined,
    });
    panels.get("files")!.replaceChildren(files.element);
  };
  const buildLineage = () => {
    if (!lineage) {
      lineage = new LineageView({
        height: model.get("height"),
        search: async (cluster, query) => {
          const [resp] = await fetchFor("lineage")<MembersResponse>({ type: "members", cluster, query });
          return resp.type === "members" ? resp : null;
        },
        onFocus: (id) => {
          model.set("center", id);
          model.save_changes();
        },
        onDepth: (depth) => {
          model.set("depth", depth);
          model.save_changes();
        },
      });
      panels.get("lineage")!.replaceChildren(lineage.element);
    }
    const graph = model.get("graph");
    if (graph && graph.nodes) lineage.update(graph, model.get("depth"));
  };
  const builders: Record<Tab, () => void> = {
    overview: buildOverview,
    versions: buildVersions,
    files: buildFiles,
    lineage: buildLineage,
  };

  function show(): void {
    const current = model.get("tab");
    for (const [tab, panel] of panels) {
      panel.hidden = tab !== current;
      buttons.get(tab)!.setAttribute("aria-selected", String(tab === current));
    }
    if (!built.has(current)) {
      built.add(current);
      builders[current]();
    }
  }

  const onOverview = () => {
    buildOverview();
    // Another version was selected: files belong to it now; rebuild if already shown.
    if (built.has("files")) buildFiles();
  };
  const onVersions = () => built.has("versions") && buildVersions();
  const onSelected = () => table?.setSelected(model.get("selected"));
  const onGraph = () => built.has("lineage") && buildLineage();
  const onError = () => lineage?.setError(model.get("error"));
  // A displayed version stays current: every few seconds (while on screen) ask Python
  // whether the store changed in this kernel; it re-reads the record and pushes new traits.
  let refreshing = false;
  const tick = async () => {
    if (refreshing || !root.isConnected || root.offsetParent === null || document.hidden) return;
    refreshing = true;
    try {
      await rpc.request({ type: "refresh", target: "overview" } as never);
    } catch {
      // view closed
    } finally {
      refreshing = false;
    }
  };
  const seconds = model.get("refresh_seconds");
  const timer = seconds > 0 ? setInterval(() => void tick(), seconds * 1000) : undefined;
  const onUsed = () => buildOverview();
  buildOverview();
  built.add("overview");
  show();
  model.on("change:used_by_count", onUsed);
  model.on("change:tab", show);
  model.on("change:overview", onOverview);
  model.on("change:versions_count", onVersions);
  model.on("change:selected", onSelected);
  model.on("change:graph", onGraph);
  model.on("change:depth", onGraph);
  model.on("change:error", onError);
  return () => {
    if (timer !== undefined) clearInterval(timer);
    model.off("change:used_by_count", onUsed);
    model.off("change:tab", show);
    model.off("change:overview", onOverview);
    model.off("change:versions_count", onVersions);
    model.off("change:selected", onSelected);
    model.off("change:graph", onGraph);
    model.off("change:depth", onGraph);
    model.off("change:error", onError);
    table?.destroy();
    files?.destroy();
    lineage?.destroy();
    rpc.close();
  };
}

export default { render };
