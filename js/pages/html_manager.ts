// Test page (tests/browser/test_html_manager_browser.py): renders saved widget state with
// @jupyter-widgets/html-manager, the ipywidgets manager that VS Code, Colab and nbconvert's
// HTML embed build on. Not shipped: `node build.mjs --pages` bundles it into js/pages-out/.
//
// The page HTML holds what a notebook file holds: one
// <script type="application/vnd.jupyter.widget-state+json"> (the notebook's widget-state
// metadata) and a <script type="application/vnd.jupyter.widget-view+json"> per widget
// output. As those hosts do, a module loader resolves each widget's front-end module: here
// "anywidget" is the anywidget front end installed with the Python package (an AMD module,
// served by the test at /anywidget/index.js), and anywidget imports our `_esm` from the state.
import * as base from "@jupyter-widgets/base";
import { HTMLManager } from "@jupyter-widgets/html-manager/lib/htmlmanager";
import "@lumino/widgets/style/index.css";

type Module = Record<string, unknown>;

/** Evaluate an AMD module (`define([deps], factory)`) whose only dependency is widgets base. */
async function loadAmd(url: string): Promise<Module> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const source = await response.text();
  let exported: Module | undefined;
  const define = (deps: string[], factory: (...args: unknown[]) => Module) => {
    const args = deps.map((dep) => {
      if (dep === "@jupyter-widgets/base") return base;
      throw new Error(`${url} needs ${dep}, which this page does not provide`);
    });
    exported = factory(...args);
  };
  new Function("define", `${source}\n//# sourceURL=${new URL(url, location.href)}`)(define);
  if (!exported) throw new Error(`${url} defined no module`);
  return exported;
}

const loaded = new Map<string, Promise<Module>>();

/** The module loader hosts give the manager: module name and version to module. */
function loader(name: string, version: string): Promise<Module> {
  const log = (window as unknown as { widgetModules: string[] }).widgetModules;
  log.push(`${name}@${version}`);
  if (name !== "anywidget") return Promise.reject(new Error(`no front end for ${name}@${version}`));
  let module = loaded.get(name);
  if (!module) {
    module = loadAmd("/anywidget/index.js");
    loaded.set(name, module);
  }
  return module;
}

async function renderAll(): Promise<number> {
  const stateTag = document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]');
  if (!stateTag) throw new Error("no widget state on the page");
  const manager = new HTMLManager({ loader });
  const models = await manager.set_state(JSON.parse(stateTag.textContent ?? "{}"));
  const tags = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
  let shown = 0;
  for (const tag of Array.from(tags)) {
    const { model_id } = JSON.parse(tag.textContent ?? "{}") as { model_id: string };
    const model = models.find((m) => m.model_id === model_id);
    if (!model || !tag.parentElement) continue;
    const host = document.createElement("div");
    host.className = "widget-subarea";
    tag.parentElement.insertBefore(host, tag);
    // What libembed's renderManager does: create the view, then display it in its host.
    const view = await manager.create_view(model);
    await manager.display_view(view, host);
    shown++;
  }
  return shown;
}

const page = window as unknown as { widgetModules: string[]; widgetsShown: Promise<number> };
page.widgetModules = [];
page.widgetsShown = renderAll();
