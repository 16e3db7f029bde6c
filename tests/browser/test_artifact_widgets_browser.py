"""VersionTable and FileBrowser in a real JupyterLab, against a store the notebook itself fills."""

from __future__ import annotations

import http.client
import re
import textwrap
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DARK,
    LIGHT,
    Lab,
    execute,
    run_notebook,
    screenshot,
    set_theme,
    write_notebook,
)

pytestmark = pytest.mark.browser

SEED = textwrap.dedent(
    """
    import pathlib, struct, zlib
    import pyarrow as pa, pyarrow.parquet as pq
    import ipywidgets
    import ipyartifacts
    from ipyartifacts.widgets import FileBrowser, VersionTable

    def png():
        def chunk(kind, data):
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
        raw = b"".join(b"\\x00" + bytes([255, 0, 0, 0, 0, 255]) for _ in range(2))
        ihdr = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
        return b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")

    src = pathlib.Path("{name}-src")
    (src / "images").mkdir(parents=True, exist_ok=True)
    (src / "tables").mkdir(exist_ok=True)
    (src / "images" / "red.png").write_bytes(png())
    (src / "README.md").write_text("# Hello\\n<img src=x onerror=window.__pwned=1>\\n")
    pq.write_table(pa.table({{"k": list(range(500))}}), src / "tables" / "t.parquet")
    with ipyartifacts.init(project="{name}", job_type="seed") as run:
        for i in range(30):
            art = ipyartifacts.Artifact("model", type="model", metadata={{"acc": i / 100}})
            (src / "weights.txt").write_text("w" * (i + 1))
            art.add_dir(str(src))
            run.log_artifact(art, aliases=["best"] if i == 20 else None)
    """
)


def _notebook(lab: Lab, name: str, show: str) -> str:
    return write_notebook(lab, f"{name}.ipynb", [SEED.format(name=name), show])


def test_version_table_selection_and_keyboard(page: Any, lab: Lab) -> None:
    show = textwrap.dedent(
        """
        vt = VersionTable("vt/model")
        echo = ipywidgets.Label("selected=None")
        vt.observe(lambda change: setattr(echo, "value", f"selected={change['new']}"), "selected")
        ipywidgets.VBox([vt, echo])
        """
    )
    run_notebook(page, lab, _notebook(lab, "vt", show))
    widget = page.locator(".ipa-versions")
    echo = page.locator(".widget-label", has_text="selected=")
    first = widget.locator('.ipa-vl-row[data-row="0"] [data-column="version"]')
    expect(first).to_have_text("v29")
    expect(widget.locator(".ipa-vl-status")).to_have_text("30 versions")
    expect(widget.locator('.ipa-vl-th[data-column="version"]')).to_have_text("version")
    expect(widget.locator('.ipa-vl-th[data-column="metadata.acc"]')).to_be_visible()
    # Size is formatted as bytes.
    expect(widget.locator('.ipa-vl-row[data-row="0"] [data-column="size"]')).to_contain_text("B")

    widget.locator('.ipa-vl-row[data-row="4"]').click()
    expect(widget.locator('.ipa-vl-row.ipa-selected [data-column="version"]')).to_have_text("v25")
    expect(echo).to_have_text("selected=v25")
    scroller = widget.locator(".ipa-vl-scroller")
    scroller.press("ArrowDown")
    expect(echo).to_have_text("selected=v24")
    scroller.press("End")
    expect(echo).to_have_text("selected=v0")
    expect(widget.locator('.ipa-vl-row.ipa-selected [data-column="version"]')).to_have_text("v0")
    scroller.press("Home")
    expect(echo).to_have_text("selected=v29")

    # Version sorts numerically; the alias filter finds "best".
    widget.locator('.ipa-vl-sort[data-column="version"]').click()
    expect(first).to_have_text("v0")
    expect(widget.locator('.ipa-vl-row[data-row="10"] [data-column="version"]')).to_have_text("v10")
    widget.locator(".ipa-vl-filter").fill("best")
    expect(widget.locator(".ipa-vl-status")).to_have_text("1 of 30 versions")
    expect(first).to_have_text("v20")
    screenshot(widget, "version_table")
    assert page.errors == []


def test_file_browser_tree_and_previews(page: Any, lab: Lab) -> None:
    show = 'fb = FileBrowser(ipyartifacts.Api().artifact("fb/model:best")); fb'
    run_notebook(page, lab, _notebook(lab, "fb", show))
    widget = page.locator(".ipa-files")
    expect(widget.locator(".ipa-files-title")).to_have_text("fb/model:v20")
    expect(widget.locator(".ipa-node").first).to_contain_text("images/")
    names = widget.locator(".ipa-node-name")
    expect(names).to_have_text(["images/", "tables/", "README.md", "weights.txt"])

    widget.locator('.ipa-node[data-path="images"]').click()
    expect(widget.locator('.ipa-node[data-path="images"]')).to_have_attribute(
        "aria-expanded", "true"
    )
    widget.locator('.ipa-node[data-path="images/red.png"]').click()
    image = widget.locator(".ipa-preview img.ipa-preview-image")
    expect(image).to_have_attribute("src", re.compile(r"^blob:http://127\.0\.0\.1:\d+/"))
    page.wait_for_function("el => el.complete && el.naturalWidth === 2", arg=image.element_handle())
    expect(widget.locator(".ipa-facts")).to_contain_text("image/png")
    screenshot(widget, "file_browser_image")

    widget.locator('.ipa-node[data-path="README.md"]').click()
    markdown = widget.locator(".ipa-preview .ipa-markdown")
    expect(markdown.locator("h1")).to_have_text("Hello")
    expect(markdown.locator("p")).to_have_text("<img src=x onerror=window.__pwned=1>")
    assert widget.locator(".ipa-preview img").count() == 0

    widget.locator('.ipa-node[data-path="tables"]').click()
    widget.locator('.ipa-node[data-path="tables/t.parquet"]').click()
    grid = widget.locator(".ipa-preview .ipa-table")
    expect(grid.locator('.ipa-tr[data-row="0"] .ipa-td').nth(1)).to_have_text("0")
    grid.locator('.ipa-sort[data-column="k"]').click()
    grid.locator('.ipa-sort[data-column="k"]').click()
    expect(grid.locator('.ipa-tr[data-row="0"] .ipa-td').nth(1)).to_have_text("499")
    screenshot(widget, "file_browser_table")

    # With the server extension answering, downloads stream from an authenticated link.
    widget.locator('.ipa-node[data-path="weights.txt"]').click()
    with (
        page.expect_request(re.compile(r"/ipyartifacts/blob/[0-9a-f]{64}\?")) as request,
        page.expect_download() as info,
    ):
        widget.locator('.ipa-preview button[data-path="weights.txt"]').click()
    download = info.value
    assert download.suggested_filename == "weights.txt"
    assert Path(download.path()).read_bytes() == b"w" * 21
    # The same link without the Jupyter login is refused; unknown blobs are 404s.
    url = request.value.url
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", f"{parts.path}?{parts.query}")
    refused = connection.getresponse()
    assert refused.status in (302, 401, 403)
    assert refused.read() != b"w" * 21
    connection.close()
    missing = page.request.get(re.sub(r"blob/[0-9a-f]{64}", "blob/" + "0" * 64, url))
    assert missing.status == 404
    outside = page.request.get(re.sub(r"store=[^&]+", "store=%2Ftmp", url))
    assert outside.status == 404
    # Selecting from Python reveals the file in the tree and previews it.
    widget.locator('.ipa-node[data-path="images"]').click()  # collapse it first
    expect(widget.locator('.ipa-node[data-path="images/red.png"]')).to_have_count(0)
    execute(page, 'fb.selected = "images/red.png"')
    expect(widget.locator('.ipa-node.ipa-selected[data-path="images/red.png"]')).to_be_visible()
    expect(widget.locator(".ipa-preview img.ipa-preview-image")).to_be_visible()
    # And selecting in the browser is seen in Python.
    widget.locator('.ipa-node[data-path="README.md"]').click()
    expect(widget.locator(".ipa-preview .ipa-markdown")).to_be_visible()
    execute(page, 'assert fb.selected == "README.md", fb.selected')
    assert page.evaluate("() => window.__pwned") is None
    assert page.errors == []


LINEAGE_SEED = textwrap.dedent(
    """
    import pathlib
    import ipyartifacts
    from ipyartifacts.widgets import LineageGraph

    def log(run, name, kind):
        path = pathlib.Path(f"lg-{name}.txt")
        path.write_text(name)
        art = ipyartifacts.Artifact(name, type=kind)
        art.add_file(str(path))
        return run.log_artifact(art)

    with ipyartifacts.init(project="lg", job_type="prep", name="prep-run") as run:
        log(run, "dataset", "dataset")
    with ipyartifacts.init(project="lg", job_type="train", name="train-run") as run:
        run.use_artifact("dataset:latest")
        log(run, "model", "model")
    for i in range(12):
        with ipyartifacts.init(project="lg", job_type="eval", name=f"eval-{i:02d}") as run:
            run.use_artifact("model:latest")
    """
)


def test_lineage_graph_recentre_depth_and_cluster(page: Any, lab: Lab) -> None:
    show = textwrap.dedent(
        """
        from ipyartifacts.widgets import lineage_graph
        lineage_graph.MEMBERS_SHOWN = 5  # the rest are found by searching in Python
        lg = LineageGraph(ipyartifacts.Api().artifact("lg/model:latest"), depth=1)
        lg
        """
    )
    run_notebook(page, lab, write_notebook(lab, "lineage.ipynb", [LINEAGE_SEED, show]))
    widget = page.locator(".ipa-lineage")
    nodes = widget.locator(".ipa-gnode")
    expect(nodes).to_have_count(3)
    expect(widget.locator(".ipa-lineage-title")).to_have_text("Lineage of model:v0")
    center = widget.locator(".ipa-gnode.ipa-center")
    expect(center).to_have_attribute("data-kind", "artifact")
    run_node = widget.locator('.ipa-gnode[data-kind="run"]')
    expect(run_node.locator(".ipa-gnode-label")).to_have_text("train-run")
    cluster = widget.locator('.ipa-gnode[data-kind="cluster"]')
    expect(cluster.locator(".ipa-gnode-label")).to_have_text("12 runs")
    # Run and artifact nodes look different (shape), and flow left to right.
    assert run_node.evaluate("el => getComputedStyle(el).borderTopLeftRadius") != center.evaluate(
        "el => getComputedStyle(el).borderTopLeftRadius"
    )
    assert run_node.bounding_box()["x"] < center.bounding_box()["x"] < cluster.bounding_box()["x"]
    # Edges are painted on the canvas (not SVG).
    assert widget.locator("svg").count() == 0
    painted = widget.locator("canvas.ipa-edges").evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"
    )
    assert painted > 50
    screenshot(widget, "lineage_graph")

    # Depth +1 reaches the dataset and the run that made it.
    widget.locator(".ipa-depth-plus").click()
    expect(widget.locator(".ipa-depth-value")).to_have_text("2")
    expect(nodes).to_have_count(4)
    expect(widget.locator(".ipa-gnode-label", has_text="dataset:v0")).to_be_visible()

    # The cluster lists its members; searching narrows them; clicking re-centres.
    cluster.click()
    search = widget.locator(".ipa-cluster-search")
    expect(widget.locator(".ipa-cluster-item")).to_have_count(5)
    expect(widget.locator(".ipa-cluster-more")).to_have_text("… 7 more: refine the search")
    search.fill("eval-07")
    expect(widget.locator(".ipa-cluster-item")).to_have_count(1)
    widget.locator(".ipa-cluster-item").click()
    expect(widget.locator(".ipa-lineage-title")).to_have_text("Lineage of eval-07")
    expect(widget.locator(".ipa-gnode.ipa-center")).to_have_attribute("data-kind", "run")

    # Double-clicking a node re-centres on it (a click selects it and shows its details).
    widget.locator('.ipa-gnode[data-kind="artifact"]').first.dblclick()
    expect(widget.locator(".ipa-lineage-title")).to_have_text("Lineage of model:v0")
    assert page.errors == []


def test_artifact_view_tabs(page: Any, lab: Lab) -> None:
    show = textwrap.dedent(
        """
        from IPython.display import display
        from ipyartifacts.widgets._display import mimebundle
        data, metadata = mimebundle(ipyartifacts.Api().artifact("av/model:best"))
        display(data, metadata=metadata, raw=True)
        """
    )
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=lab.url)
    run_notebook(page, lab, _notebook(lab, "av", show))
    widget = page.locator(".ipa-artifact")
    expect(widget.locator(".ipa-ov-name")).to_have_text("av/model:v20")
    expect(widget.locator(".ipa-chip-alias")).to_have_text(["best"])
    expect(widget.locator(".ipa-chip-type")).to_have_text("model")
    expect(widget.locator(".ipa-ov-metadata")).to_contain_text("acc")
    expect(widget.locator('.ipa-tab[data-tab="overview"]')).to_have_attribute(
        "aria-selected", "true"
    )
    widget.locator(".ipa-copy").click()
    expect(widget.locator(".ipa-copy")).to_have_text("Copied")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "run.use_artifact('av/model:v20')" in copied
    screenshot(widget, "artifact_view_overview")

    widget.locator('.ipa-tab[data-tab="versions"]').click()
    versions = widget.locator('.ipa-panel[data-tab="versions"] .ipa-versions')
    expect(versions.locator('.ipa-vl-row[data-row="0"] [data-column="version"]')).to_have_text(
        "v29"
    )
    expect(versions.locator('.ipa-vl-row.ipa-selected [data-column="version"]')).to_have_text("v20")
    versions.locator('.ipa-vl-row[data-row="2"]').click()
    expect(widget.locator(".ipa-tab-header-name")).to_have_text("av/model:v27")

    widget.locator('.ipa-tab[data-tab="files"]').click()
    files = widget.locator('.ipa-panel[data-tab="files"] .ipa-files')
    expect(files.locator(".ipa-files-title")).to_have_text("av/model:v27")
    files.locator('.ipa-node[data-path="weights.txt"]').click()
    expect(files.locator(".ipa-preview .ipa-code-lines")).to_have_text("w" * 28)
    # Without the server extension (as in Colab or VS Code) downloads go over widget messages.
    page.route("**/ipyartifacts/ping", lambda route: route.abort())
    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))
    with page.expect_download() as info:
        files.locator('.ipa-preview button[data-path="weights.txt"]').click()
    assert info.value.url.startswith("blob:")
    assert Path(info.value.path()).read_bytes() == b"w" * 28
    assert not [url for url in requested if "/ipyartifacts/blob/" in url]

    widget.locator('.ipa-tab[data-tab="lineage"]').click()
    lineage = widget.locator('.ipa-panel[data-tab="lineage"] .ipa-lineage')
    expect(lineage.locator(".ipa-lineage-title")).to_have_text("Lineage of model:v27")
    expect(lineage.locator('.ipa-gnode[data-kind="run"]')).to_have_count(1)
    screenshot(widget, "artifact_view_lineage")

    # Dark theme: the whole view follows JupyterLab's variables.
    try:
        set_theme(page, DARK)
        widget.locator('.ipa-tab[data-tab="files"]').click()
        dark = widget.evaluate("el => getComputedStyle(el).backgroundColor")
        channels = [int(c) for c in dark[dark.index("(") + 1 : dark.index(")")].split(",")[:3]]
        assert sum(channels) < 3 * 90, dark
        screenshot(widget, "artifact_view_files_dark")
    finally:
        set_theme(page, LIGHT)  # the theme persists per server; leave it as found
    assert page.errors == []
