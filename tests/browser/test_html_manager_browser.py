"""Saved widget state rendered by @jupyter-widgets/html-manager in a real Chromium.

VS Code and Colab cannot run here. What they share is ipywidgets' own manager for pages
without JupyterLab: @jupyter-widgets/html-manager, given the widget state a kernel produced
and a loader that resolves each widget's front-end module (nbconvert's HTML embed uses the
same manager). This test builds that path end to end:

- a real kernel (nbclient) runs a notebook that displays a TablePreview and a VersionTable,
  and nbclient stores the widget state in the notebook's metadata, as on saving;
- a local page (js/pages/html_manager.ts, bundled by ``node build.mjs --pages``) holds that
  state and the outputs' widget views, the way nbconvert's embed HTML does, and renders them
  with HTMLManager; its loader resolves the ``anywidget`` module to the anywidget front end
  installed with the Python package, which imports our ``_esm`` from the state;
- Chromium loads the page from a local server (every other host is blocked) and the widgets'
  DOM, content and errors are checked, with light and dark (JupyterLab theme) screenshots.

There is no kernel behind the page: the grid shows the first page kept in the state;
requests (summaries, other pages) go unanswered, as in any saved-state host.
"""

from __future__ import annotations

import html
import http.server
import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anywidget
import nbformat
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, SCREENSHOTS, screenshot

pytestmark = pytest.mark.browser

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
PAGES = ROOT / "js" / "pages-out"
#: The anywidget front end shipped in the anywidget Python package (an AMD module).
ANYWIDGET_JS = Path(anywidget.__file__).parent / "nbextension" / "index.js"
THEMES = Path(sys.prefix) / "share" / "jupyter" / "lab" / "themes" / "@jupyterlab"
KERNEL = "ipyartifacts-html-manager"

CELLS = [
    "import pyarrow as pa\n"
    "from ipyartifacts.widgets import TablePreview\n"
    "TablePreview(pa.table({'city': ['Oslo', 'Lima'], 'n': [1, 2]}), title='short')",
    "TablePreview(pa.table({'i': list(range(250)), 's': [f'row {i}' for i in range(250)]}),"
    " title='long')",
    textwrap.dedent(
        """\
        import ipyartifacts
        from ipyartifacts.widgets import VersionTable
        with ipyartifacts.init(project="hm", job_type="seed") as run:
            for i in range(3):
                art = ipyartifacts.Artifact("model", type="model", metadata={"acc": i / 10})
                with art.new_file("weights.txt") as f:
                    f.write("w" * (i + 1))
                run.log_artifact(art, aliases=["best"] if i == 1 else None)
        VersionTable("hm/model")
        """
    ),
]


#: Runs a notebook with nbclient in its own process (Playwright's event loop, running in this
#: one for the session's browser, would stall nbclient's) and writes it back, widget state
#: included, as saving from an editor does.
EXECUTE = """
import sys, nbformat
from nbclient import NotebookClient
path, kernel, cwd = sys.argv[1:]
notebook = nbformat.read(path, as_version=4)
NotebookClient(notebook, kernel_name=kernel, timeout=120, resources={"metadata": {"path": cwd}}).execute()
nbformat.write(notebook, path)
"""


def _executed_notebook(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    """Run CELLS in a real kernel; the notebook comes back with outputs and widget state."""
    spec = tmp / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "ipyartifacts tests", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp / "jupyter"))
    monkeypatch.setenv("IPYARTIFACTS_STORE", str(tmp / "store"))
    work = tmp / "work"
    work.mkdir(exist_ok=True)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    path = tmp / "saved.ipynb"
    nbformat.write(notebook, path)
    subprocess.run(
        [sys.executable, "-c", EXECUTE, str(path), KERNEL, str(work)], check=True, timeout=300
    )
    notebook = nbformat.read(path, as_version=4)
    errors = [o for c in notebook.cells for o in c.outputs if o.output_type == "error"]
    assert errors == [], errors
    assert WIDGET_STATE in notebook.metadata.get("widgets", {}), "nbclient stored no widget state"
    return notebook


def _script(mime: str, data: object) -> str:
    # "</" inside a script element would end it: JSON lets it be written "<\/".
    text = json.dumps(data).replace("</", "<\\/")
    return f'<script type="{mime}">{text}</script>'


def _page_html(notebook: nbformat.NotebookNode) -> str:
    """The notebook as nbconvert's embed HTML lays it out: the state, then each output's view."""
    state = notebook.metadata["widgets"][WIDGET_STATE]
    outputs = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.outputs:
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view:
                outputs.append(
                    f'<div class="cell" data-cell="{index}"><pre class="source">'
                    f"{html.escape(cell.source.splitlines()[-1])}</pre>"
                    f"{_script(WIDGET_VIEW, view)}</div>"
                )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>html-manager</title>"
        "<link rel='stylesheet' href='/pages/html_manager.css'>"
        # After the manager's CSS, which brings default (light) JupyterLab variables along.
        "<link id='theme' rel='stylesheet' href='/themes/theme-light-extension/index.css'>"
        "<style>body { background: var(--jp-layout-color0); color: var(--jp-ui-font-color1);"
        " font-family: var(--jp-ui-font-family); margin: 16px; }"
        " .cell { margin-bottom: 20px; max-width: 900px; }"
        " .source { font-family: var(--jp-code-font-family); margin: 0 0 4px; }</style>"
        f"</head><body>{''.join(outputs)}{_script(WIDGET_STATE, state)}"
        "<script src='/pages/html_manager.js'></script></body></html>"
    )


class _Handler(http.server.BaseHTTPRequestHandler):
    page = ""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        files = {
            "/anywidget/index.js": ANYWIDGET_JS,
            "/pages/html_manager.js": PAGES / "html_manager.js",
            "/pages/html_manager.css": PAGES / "html_manager.css",
        }
        if path == "/favicon.ico":
            self.send_response(204)
            self.end_headers()
            return
        if path == "/":
            body, kind = self.page.encode(), "text/html; charset=utf-8"
        elif path in files:
            body = files[path].read_bytes()
            kind = "text/javascript" if path.endswith(".js") else "text/css"
        elif path.startswith("/themes/") and ".." not in path:
            body, kind = (THEMES / path.removeprefix("/themes/")).read_bytes(), "text/css"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # keep the test output quiet
        pass


def _build_page() -> None:
    """Bundle js/pages/html_manager.ts (needs js/node_modules, as the widget bundles do)."""
    subprocess.run(["node", "build.mjs", "--pages"], cwd=ROOT / "js", check=True)


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    _build_page()
    _Handler.page = _page_html(_executed_notebook(tmp_path, monkeypatch))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hm_page(chromium: Any, served: str) -> Iterator[Any]:
    """A browser page that may talk only to the local page server."""
    context = chromium.new_context(viewport={"width": 1100, "height": 1000})

    def only_local(route: Any) -> None:
        if route.request.url.startswith(served):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    errors: list[str] = []
    console: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
    page.errors = errors
    page.console_errors = console
    page.goto(served)
    yield page
    context.close()


def _set_theme(page: Any, name: str) -> None:
    """Load JupyterLab's light or dark theme variables (a new stylesheet, then drop the old)."""
    page.evaluate(
        """(name) => new Promise((resolve, reject) => {
            const old = document.getElementById('theme');
            const link = document.createElement('link');
            link.rel = 'stylesheet';
            link.href = `/themes/theme-${name}-extension/index.css`;
            link.onload = () => { old.remove(); link.id = 'theme'; resolve(); };
            link.onerror = () => reject(new Error(`no theme ${name}`));
            old.after(link);
        })""",
        name,
    )


def test_saved_state_renders_with_html_manager(hm_page: Any) -> None:
    page = hm_page
    shown = page.evaluate(
        """() => Promise.race([
            window.widgetsShown,
            new Promise((_, reject) => setTimeout(() => reject(new Error('not rendered')), 60000)),
        ])"""
    )
    assert shown == 3
    # Each widget's module came through the page's loader as "anywidget".
    modules = page.evaluate("() => window.widgetModules")
    assert modules, "the loader was never asked for a module"
    assert all(m.startswith("anywidget@") for m in modules), modules

    short, long = page.locator(".ipa-table").nth(0), page.locator(".ipa-table").nth(1)
    expect(short.locator(".ipa-table-title")).to_have_text("short")
    expect(short.locator('.ipa-tr[data-row="1"] .ipa-td').nth(1)).to_have_text("Lima")
    expect(short.locator(".ipa-table-status")).to_have_text("2 rows")
    expect(short.locator(".ipa-table-range")).to_have_text("rows 1\N{EN DASH}2 of 2")
    expect(long.locator('.ipa-tr[data-row="3"] .ipa-td').nth(2)).to_have_text("row 3")
    expect(long.locator(".ipa-table-status")).to_have_text("250 rows")
    expect(long.locator(".ipa-table-range")).to_contain_text("of 250")

    versions = page.locator(".ipa-versions")
    expect(versions).to_be_visible()
    expect(versions.locator(".ipa-vl-status")).to_have_text("3 versions")
    expect(versions.locator('.ipa-vl-th[data-column="version"]')).to_have_text("version")
    # Its rows come from the first page kept in the widget state: no kernel needed.
    expect(versions.locator(".ipa-vl-row")).to_have_count(3)
    rows = versions.locator('.ipa-vl-row [data-column="version"]')
    expect(rows).to_have_text(["v2", "v1", "v0"])
    expect(versions.locator('.ipa-vl-row[data-row="1"] .ipa-chip-alias')).to_have_text("best")

    for theme in ("light", "dark"):
        _set_theme(page, theme)
        screenshot(page, f"html-manager-{theme}")
    assert page.errors == []
    assert page.console_errors == []
    print(f"screenshots in {SCREENSHOTS}")
