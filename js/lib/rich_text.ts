// Text previews: line numbers, JSON/YAML highlighting and a small, safe Markdown renderer.
// Everything becomes DOM nodes with textContent; links keep only http(s) hrefs and get
// rel="noopener noreferrer". No innerHTML anywhere.
import { el } from "./dom";

export type TokenKind = "key" | "string" | "number" | "literal" | "punct" | "comment" | "plain";
export type Token = [TokenKind, string];

export type TextFormat = "json" | "yaml" | "markdown" | "plain";

/** Which highlighter or renderer fits a file, from its name (and MIME type when known). */
export function textFormat(path: string, mime: string | null): TextFormat {
  const lower = path.toLowerCase();
  if (mime === "text/markdown" || /\.(md|markdown)$/.test(lower)) return "markdown";
  if (mime === "application/json" || /\.(json|jsonl|ndjson|ipynb|geojson)$/.test(lower)) return "json";
  if (/\.(ya?ml)$/.test(lower)) return "yaml";
  return "plain";
}

const JSON_TOKEN = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b|([{}[\],:])/g;

/** Tokens of one line of JSON (keys told apart from string values). Lenient: any text works. */
export function jsonTokens(line: string): Token[] {
  const out: Token[] = [];
  let last = 0;
  for (const m of line.matchAll(JSON_TOKEN)) {
    const at = m.index ?? 0;
    if (at > last) out.push(["plain", line.slice(last, at)]);
    if (m[1] !== undefined) {
      out.push([m[2] !== undefined ? "key" : "string", m[1]]);
      if (m[2] !== undefined) out.push(["punct", m[2]]);
    } else if (m[3] !== undefined) out.push(["number", m[3]]);
    else if (m[4] !== undefined) out.push(["literal", m[4]]);
    else out.push(["punct", m[0]]);
    last = at + m[0].length;
  }
  if (last < line.length) out.push(["plain", line.slice(last)]);
  return out;
}

function yamlScalar(text: string): Token[] {
  const value = text.trim();
  if (value === "") return text ? [["plain", text]] : [];
  const lead = text.slice(0, text.indexOf(value));
  const tail = text.slice(text.indexOf(value) + value.length);
  let kind: TokenKind = "plain";
  if (/^(['"]).*\1$/.test(value)) kind = "string";
  else if (/^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(value)) kind = "number";
  else if (/^(true|false|yes|no|on|off|null|~)$/i.test(value)) kind = "literal";
  return [...(lead ? [["plain", lead] as Token] : []), [kind, value], ...(tail ? [["plain", tail] as Token] : [])];
}

/** Tokens of one line of YAML: comments, keys, list dashes, scalars. */
export function yamlTokens(line: string): Token[] {
  const out: Token[] = [];
  let body = line;
  // A comment starts at "#" at the line start or after whitespace, outside quotes.
  let comment = "";
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]))) {
      body = line.slice(0, i);
      comment = line.slice(i);
      break;
    }
  }
  const m = /^(\s*)(- +)?([^\s'"][^:]*?|"[^"]*"|'[^']*')(:)(\s|$)(.*)$/.exec(body);
  if (m) {
    if (m[1]) out.push(["plain", m[1]]);
    if (m[2]) out.push(["punct", m[2]]);
    out.push(["key", m[3]], ["punct", m[4]]);
    out.push(...yamlScalar(m[5] + m[6]));
  } else {
    const dash = /^(\s*)(- +|-$)(.*)$/.exec(body);
    if (dash) {
      if (dash[1]) out.push(["plain", dash[1]]);
      out.push(["punct", dash[2]], ...yamlScalar(dash[3]));
    } else if (/^\s*(---|\.\.\.)\s*$/.test(body)) out.push(["punct", body]);
    else out.push(...yamlScalar(body));
  }
  if (comment) out.push(["comment", comment]);
  return out.filter(([, text]) => text.length > 0);
}

/** Text with a line-number gutter; JSON and YAML lines highlighted. */
export function codeBlock(text: string, format: TextFormat): HTMLElement {
  const lines = text.split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  const tokens = format === "json" ? jsonTokens : format === "yaml" ? yamlTokens : null;
  const gutter = el("div", { cls: "ipa-code-gutter", attrs: { "aria-hidden": "true" } });
  const body = el("div", { cls: "ipa-code-lines" });
  gutter.textContent = lines.map((_, i) => String(i + 1)).join("\n");
  for (const line of lines) {
    const row = el("div", { cls: "ipa-code-line" });
    if (tokens) {
      for (const [kind, part] of tokens(line)) {
        row.appendChild(kind === "plain" ? document.createTextNode(part) : el("span", { cls: `ipa-tok-${kind}`, text: part }));
      }
    } else row.textContent = line;
    if (line === "") row.textContent = "\u200b"; // keep empty lines one line tall
    body.appendChild(row);
  }
  const block = el("div", { cls: `ipa-code ipa-code-${format}` }, [gutter, body]);
  block.style.setProperty("--ipa-gutter", `${String(lines.length).length + 1}ch`);
  return block;
}

// -- Markdown ---------------------------------------------------------------------------------

/** An href a preview may link to: absolute http(s) only (no javascript:, data:, relative). */
export function safeHref(href: string): string | null {
  try {
    const url = new URL(href.trim());
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

const INLINE = /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)|\*\*([^*]+)\*\*|__([^_]+)__|\*([^*\s][^*]*)\*|_([^_\s][^_]*)_|\[([^\]]+)\]\(([^)\s]+)\)/g;

/** Inline Markdown (code, strong, emphasis, links) as DOM nodes. */
export function inline(text: string): Node[] {
  const out: Node[] = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    const at = m.index ?? 0;
    if (at > last) out.push(document.createTextNode(text.slice(last, at)));
    if (m[2] !== undefined) out.push(el("code", { text: m[2] }));
    else if (m[3] !== undefined || m[4] !== undefined) out.push(el("strong", {}, inline(m[3] ?? m[4])));
    else if (m[5] !== undefined || m[6] !== undefined) out.push(el("em", {}, inline(m[5] ?? m[6])));
    else if (m[7] !== undefined) {
      const href = safeHref(m[8]);
      if (href) {
        out.push(el("a", { attrs: { href, rel: "noopener noreferrer", target: "_blank" }, title: href }, inline(m[7])));
      } else {
        out.push(document.createTextNode(m[0])); // an unsafe or relative link stays text
      }
    }
    last = at + m[0].length;
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}

/**
 * A small Markdown subset as DOM: ATX headings, paragraphs, bullet and numbered lists,
 * fenced and indented code, and inline code, emphasis and http(s) links. Raw HTML is text.
 */
export function renderMarkdown(source: string): HTMLElement {
  const root = el("div", { cls: "ipa-markdown" });
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) root.appendChild(el("p", {}, inline(paragraph.join(" "))));
    paragraph = [];
  };
  while (i < lines.length) {
    const line = lines[i];
    const fence = /^\s*(```|~~~)\s*([\w+-]*)\s*$/.exec(line);
    if (fence) {
      flush();
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i++;
      const lang = fence[2].toLowerCase();
      const format: TextFormat = lang === "json" ? "json" : lang === "yaml" || lang === "yml" ? "yaml" : "plain";
      const pre = el("pre", { cls: "ipa-md-code" });
      const tokens = format === "json" ? jsonTokens : format === "yaml" ? yamlTokens : null;
      body.forEach((b, n) => {
        if (n > 0) pre.appendChild(document.createTextNode("\n"));
        if (!tokens) pre.appendChild(document.createTextNode(b));
        else for (const [kind, part] of tokens(b)) pre.appendChild(kind === "plain" ? document.createTextNode(part) : el("span", { cls: `ipa-tok-${kind}`, text: part }));
      });
      root.appendChild(pre);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      flush();
      const level = heading[1].length as 1 | 2 | 3 | 4 | 5 | 6;
      root.appendChild(el(`h${level}`, {}, inline(heading[2])));
      i++;
      continue;
    }
    const item = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (item) {
      flush();
      const ordered = /\d/.test(item[2]);
      const list = el(ordered ? "ol" : "ul");
      while (i < lines.length) {
        const m = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/.exec(lines[i]);
        if (!m || /\d/.test(m[2]) !== ordered) break;
        const li = el("li", {}, inline(m[3]));
        if (m[1].length >= 2) li.classList.add("ipa-md-nested");
        list.appendChild(li);
        i++;
      }
      root.appendChild(list);
      continue;
    }
    if (/^( {4}|\t)/.test(line) && paragraph.length === 0) {
      const body: string[] = [];
      while (i < lines.length && (/^( {4}|\t)/.test(lines[i]) || lines[i].trim() === "")) body.push(lines[i++].replace(/^( {4}|\t)/, ""));
      while (body.length && body[body.length - 1] === "") body.pop();
      root.appendChild(el("pre", { cls: "ipa-md-code", text: body.join("\n") }));
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      flush();
      root.appendChild(el("hr"));
      i++;
      continue;
    }
    if (line.trim() === "") flush();
    else paragraph.push(line.trim());
    i++;
  }
  flush();
  return root;
}
