// RegistryView: anywidget front end for ipyartifacts.widgets.RegistryView. One row per
// registry collection (type, links, latest, production and every protected alias, tags,
// description); a row opens to list its links, each with the logged version it points at.
import type { RenderProps } from "@anywidget/types";
import "./lib/base.css";
import "./lib/registry_view.css";
import { el } from "./lib/dom";
import { formatCount, formatLocalTime, formatRelative } from "./lib/format";

/** Mirror of LinkRow in widgets/registry_view.py. */
export interface LinkRow {
  version: string;
  aliases: string[];
  source: string | null;
  qualified_name: string;
  linked_at: string;
}

/** Mirror of CollectionRow in widgets/registry_view.py. */
export interface CollectionRow {
  name: string;
  type: string;
  link_count: number;
  latest: string | null;
  aliases: Record<string, string | null>;
  tags: string[];
  description: string | null;
  links: LinkRow[];
}

/** Mirror of RegistryState in widgets/registry_view.py. */
export interface RegistryState {
  name: string;
  full_name: string;
  description: string | null;
  visibility: string;
  artifact_types: string[] | null;
  protected_aliases: string[];
  alias_columns: string[];
}

interface RegistryModel {
  registry: RegistryState;
  collections: CollectionRow[];
  opened: string | null;
}

const chip = (text: string, cls = "", title?: string) => el("span", { cls: `ipa-chip ${cls}`.trim(), text, title });

/** The header: name, visibility, accepted types, protected aliases and the description. */
export function renderHeader(reg: RegistryState, collections: number): HTMLElement {
  const types = reg.artifact_types === null ? "any type" : reg.artifact_types.join(", ") || "no type yet";
  const head = el("div", { cls: "ipa-reg-head" }, [
    el("span", { cls: "ipa-reg-name", text: reg.full_name }),
    chip(reg.visibility, "ipa-chip-type", "visibility"),
    el("span", { cls: "ipa-muted", text: `${formatCount(collections)} collection${collections === 1 ? "" : "s"} · accepts ${types}` }),
  ]);
  if (reg.protected_aliases.length > 0) {
    head.append(
      el("span", { cls: "ipa-muted", text: "protected:" }),
      ...reg.protected_aliases.map((a) => chip(a, "ipa-chip-protected", "protected alias: moving it needs force")),
    );
  }
  const parts: HTMLElement[] = [head];
  if (reg.description) parts.push(el("p", { cls: "ipa-reg-description", text: reg.description }));
  return el("div", { cls: "ipa-reg-header" }, parts);
}

/** The links of one collection, newest first, each with its source version. */
export function renderLinks(row: CollectionRow): HTMLElement {
  const list = el("div", { cls: "ipa-reg-links" });
  for (const link of row.links) {
    list.appendChild(
      el("div", { cls: "ipa-reg-link", attrs: { "data-link": link.qualified_name } }, [
        el("span", { cls: "ipa-mono ipa-reg-link-version", text: `${row.name}:${link.version}` }),
        ...link.aliases.map((a) => chip(a, "ipa-chip-alias", "alias of the link")),
        el("span", { cls: "ipa-muted", text: "→" }),
        el("span", { cls: "ipa-mono ipa-reg-source", text: link.source ?? "(source deleted)", title: "the logged version this link points at" }),
        el("span", { cls: "ipa-muted ipa-reg-when", text: formatRelative(link.linked_at), title: formatLocalTime(link.linked_at) }),
      ]),
    );
  }
  if (row.link_count > row.links.length) {
    list.appendChild(el("div", { cls: "ipa-muted", text: `… and ${formatCount(row.link_count - row.links.length)} older links` }));
  }
  if (row.links.length === 0) list.appendChild(el("div", { cls: "ipa-muted", text: "no links yet" }));
  return list;
}

/** The collections table; `opened` names the row whose links are listed. */
export function renderTable(reg: RegistryState, rows: CollectionRow[], opened: string | null, onToggle: (name: string) => void): HTMLElement {
  const aliasCols = reg.alias_columns;
  const headCells = ["collection", "type", "links", "latest", ...aliasCols, "tags", "description"];
  const thead = el("thead", {}, [el("tr", {}, headCells.map((h) => el("th", { text: h, cls: h === "links" ? "ipa-num" : "" })))]);
  const tbody = el("tbody");
  for (const row of rows) {
    const isOpen = row.name === opened;
    const toggle = el("button", {
      cls: "ipa-reg-toggle",
      text: `${isOpen ? "▾" : "▸"} ${row.name}`,
      title: isOpen ? "Hide its links" : "List its links",
      attrs: { type: "button", "aria-expanded": String(isOpen) },
    });
    toggle.addEventListener("click", () => onToggle(row.name));
    const version = (v: string | null) => el("td", { cls: v ? "ipa-mono" : "ipa-muted", text: v ?? "-" });
    const tr = el("tr", { cls: "ipa-reg-row", attrs: { "data-collection": row.name } }, [
      el("td", {}, [toggle]),
      el("td", { text: row.type }),
      el("td", { cls: "ipa-num", text: formatCount(row.link_count) }),
      version(row.latest),
      ...aliasCols.map((a) => version(row.aliases[a] ?? null)),
      el("td", {}, row.tags.map((t) => chip(`#${t}`, "", "tag"))),
      el("td", { cls: "ipa-reg-desc", text: row.description ?? "", title: row.description ?? "" }),
    ]);
    for (const [i, a] of aliasCols.entries()) tr.children[4 + i].setAttribute("data-alias", a);
    tbody.appendChild(tr);
    if (isOpen) {
      const cell = el("td", { attrs: { colspan: String(headCells.length) } }, [renderLinks(row)]);
      tbody.appendChild(el("tr", { cls: "ipa-reg-detail", attrs: { "data-links-of": row.name } }, [cell]));
    }
  }
  if (rows.length === 0) {
    const hint = `empty: link a version with artifact.link("${reg.full_name}/<collection>")`;
    tbody.appendChild(el("tr", {}, [el("td", { cls: "ipa-muted", text: hint, attrs: { colspan: String(headCells.length) } })]));
  }
  return el("table", { cls: "ipa-reg-table" }, [thead, tbody]);
}

function render({ model, el: host }: RenderProps<RegistryModel>): () => void {
  const root = el("div", { cls: "ipa-root ipa-registry" });
  host.appendChild(root);
  const toggle = (name: string) => {
    model.set("opened", model.get("opened") === name ? null : name);
    model.save_changes();
    draw();
  };
  function draw(): void {
    const reg = model.get("registry");
    const rows = model.get("collections");
    root.replaceChildren(renderHeader(reg, rows.length), el("div", { cls: "ipa-reg-scroll" }, [renderTable(reg, rows, model.get("opened"), toggle)]));
  }
  draw();
  model.on("change:registry", draw);
  model.on("change:collections", draw);
  model.on("change:opened", draw);
  return () => {
    model.off("change:registry", draw);
    model.off("change:collections", draw);
    model.off("change:opened", draw);
  };
}

export default { render };
