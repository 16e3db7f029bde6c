"""Real-browser harness: a JupyterLab server plus Debian's headless Chromium driven by Playwright.

Tests marked ``browser`` write a notebook into the server's root, open it, run its cells and
interact with the rendered widgets. Chromium is never downloaded: /usr/bin/chromium must exist
(``apt-get install chromium``; scripts/test.sh does it), else the tests fail with that advice.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-results" / "screenshots"
#: The prebuilt lab extension in labextension/ (shared data of the wheel).
LABEXTENSION = "ipyartifacts-widget-fallback"
STARTUP_TIMEOUT_S = 90
#: Upper bound for any expectation (a 10M-row sort scans the file: seconds on 2 cores).
EXPECT_TIMEOUT_MS = 30_000


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives JupyterLab in headless Chromium (needs /usr/bin/chromium)"
    )


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab server."""

    url: str
    token: str
    root: Path
    #: "lab" (JupyterLab) or "notebook" (Notebook 7).
    app: str = "lab"

    def notebook_url(self, name: str) -> str:
        if self.app == "notebook":
            return f"{self.url}/notebooks/{name}?token={self.token}"
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)  # polling a server that is starting; the condition is the 200 above
    raise RuntimeError(
        f"jupyter lab did not answer within {STARTUP_TIMEOUT_S}s:\n{log.read_text()}"
    )


def _serve(base: Path, app: str) -> Iterator[Lab]:
    """Run ``jupyter <app>`` (lab or notebook) on 127.0.0.1 with a random token."""
    root = base / "root"
    root.mkdir()
    settings = base / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No "would you like news?" toast covering the notebook.
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    # Enable the download-link server extension exactly as the wheel's shared data does.
    fragment = ROOT / "jupyter-config" / "jupyter_server_config.d"
    server_config = base / "config" / "jupyter_server_config.d"
    server_config.mkdir(parents=True)
    for item in fragment.glob("*.json"):
        (server_config / item.name).write_text(item.read_text())
    # Install the widget-fallback lab extension exactly where the wheel's shared data puts it.
    labextensions = base / "data" / "labextensions"
    labextensions.mkdir(parents=True)
    (labextensions / LABEXTENSION).symlink_to(ROOT / "labextension", target_is_directory=True)
    token = secrets.token_hex(16)
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(base / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "JUPYTER_PATH": str(base / "data"),
        "IPYARTIFACTS_STORE": str(base / "store"),
    }
    app_class = "LabApp" if app == "lab" else "JupyterNotebookApp"
    log = base / f"{app}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter",
                app,
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root}",
                "--ServerApp.port_retries=0",
                f"--{app_class}.expose_app_in_browser=True",
                *(
                    [
                        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                        "--LabApp.extension_manager=readonly",
                    ]
                    if app == "lab"
                    else []
                ),
                *(["--allow-root"] if os.geteuid() == 0 else []),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=root,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{url}/api/status?token={token}", process, log)
        yield Lab(url=url, token=token, root=root, app=app)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """Start ``jupyter lab`` on 127.0.0.1 with a random token; stop it after the session."""
    yield from _serve(tmp_path_factory.mktemp("lab"), "lab")


@pytest.fixture(scope="session")
def notebook7(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """Start Notebook 7 (``jupyter notebook``) like :func:`lab`."""
    yield from _serve(tmp_path_factory.mktemp("nb7"), "notebook")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, launched by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"browser tests need Chromium at {CHROMIUM}: install it with "
            "`apt-get install -y chromium` (scripts/test.sh does this)",
            pytrace=False,
        )
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, lab: Lab) -> Iterator[Any]:
    """A fresh browser page that may talk only to the Lab server."""
    yield from _page(chromium, lab)


@pytest.fixture
def nb7_page(chromium: Any, notebook7: Lab) -> Iterator[Any]:
    """A fresh browser page that may talk only to the Notebook 7 server."""
    yield from _page(chromium, notebook7)


def _page(chromium: Any, lab: Lab) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)

    def only_local(route: Any) -> None:
        if route.request.url.startswith(lab.url):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    context.close()


def write_notebook(lab: Lab, name: str, cells: list[str]) -> str:
    """Write a notebook of code cells into the server root; returns its name."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, lab.root / name)
    return name


def run_notebook(page: Any, lab: Lab, name: str, *, wait: bool = True) -> None:
    """Open a notebook in JupyterLab and run all its cells (queued until the kernel is up).

    With ``wait=False`` this returns once the cells are queued, not when they finished.
    """
    page.goto(lab.notebook_url(name))
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.sessionContext"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
    )
    if wait:
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    else:
        page.evaluate(
            "() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
        )


def open_without_kernel(page: Any, lab: Lab, name: str) -> None:
    """Open a notebook that names no kernel and answer the kernel dialog with "No Kernel".

    The notebook must name neither a kernelspec nor a language (``language_info``): with a
    language JupyterLab starts the one kernel of that language without asking. If the
    dialog still does not come, the page is loaded once more, and what it showed is in
    the failure.
    """
    button = page.locator(".jp-Dialog").get_by_role("button", name="No Kernel", exact=True)
    for attempt in range(2):
        page.goto(lab.notebook_url(name))
        try:
            button.click(timeout=45_000)
            return
        except Exception as exc:  # playwright's TimeoutError: look at what the page shows
            if attempt == 1:
                state = page.evaluate(
                    """() => {
                        const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                        const s = w && w.sessionContext;
                        return {
                            widget: w ? (w.context ? w.context.path : w.id) : null,
                            kernel: s && s.session && s.session.kernel ? s.session.kernel.name : null,
                            dialogs: Array.from(document.querySelectorAll('.jp-Dialog'))
                                .map((d) => d.innerText),
                        };
                    }"""
                )
                raise AssertionError(
                    f"no 'No Kernel' button on {name!r}; the page shows {state}"
                ) from exc


def screenshot(target: Any, name: str) -> Path:
    """Save a screenshot under test-results/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    target.screenshot(path=str(path))
    return path


def execute(page: Any, code: str) -> None:
    """Run code in the open notebook's kernel (like a new cell) and wait until it finishes."""
    status = page.evaluate(
        """async (code) => {
            const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
            const reply = await kernel.requestExecute({ code, store_history: false }).done;
            return reply.content.status;
        }""",
        code,
    )
    assert status == "ok", f"kernel code failed: {code!r}"


LIGHT = "JupyterLab Light"
DARK = "JupyterLab Dark"


def set_theme(page: Any, theme: str) -> None:
    """Switch JupyterLab's theme and wait until it is applied (the choice persists per server)."""
    page.evaluate(
        "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme
    )
    page.wait_for_function("(theme) => document.body.dataset.jpThemeName === theme", arg=theme)
    page.wait_for_selector("#jupyterlab-splash", state="detached")
