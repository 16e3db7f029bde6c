// DOM helpers. User data enters the DOM only as text (textContent / attributes set from
// fixed names), never as HTML.

export interface ElOptions {
  cls?: string;
  text?: string;
  title?: string;
  attrs?: Record<string, string>;
}

/** Create an element with a class, text content and plain attributes. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  opts: ElOptions = {},
  children: Node[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (opts.cls) node.className = opts.cls;
  if (opts.text !== undefined) node.textContent = opts.text;
  if (opts.title !== undefined) node.title = opts.title;
  if (opts.attrs) {
    for (const [name, value] of Object.entries(opts.attrs)) node.setAttribute(name, value);
  }
  for (const child of children) node.appendChild(child);
  return node;
}

/** Remove all children of a node. */
export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}
