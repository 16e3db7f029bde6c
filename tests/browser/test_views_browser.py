"""Each view as a W&B user expects it, in a real JupyterLab: lineage, overview, versions,
files and diff against a small ML project the notebook builds itself.

Every test saves light and dark screenshots of its views to test-results/screenshots/.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DARK,
    LIGHT,
    SCREENSHOTS,
    Lab,
    execute,
    run_notebook,
    screenshot,
    set_theme,
    write_notebook,
)

pytestmark = pytest.mark.browser

# A raw dataset in four versions (aliases, tags, metadata, descriptions, a TTL), a
# preprocessing run, two training runs and an evaluation: a lineage seven ranks wide.
_SEED = textwrap.dedent(
    """
    import datetime, json, pathlib, struct, zlib
    import pyarrow as pa, pyarrow.parquet as pq
    import ipyartifacts
    from ipyartifacts.widgets import DiffView, FileBrowser, LineageGraph, VersionTable

    def png(w, h):
        def chunk(kind, data):
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
        rows = b"".join(b"\\x00" + b"".join(bytes([(x * 6) % 256, (y * 8) % 256, 128]) for x in range(w)) for y in range(h))
        ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
        return b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")

    src = pathlib.Path("views-src")
    (src / "images").mkdir(parents=True, exist_ok=True)
    (src / "images" / "sample.png").write_bytes(png(40, 30))
    (src / "README.md").write_text(
        "# Street signs\\n\\n## Splits\\n\\n- **train**: 80%\\n- *val*: 20%\\n\\n"
        "Load with `load_signs()`; see [the paper](https://example.org/signs) "
        "or [this](javascript:window.__pwned=1).\\n\\n```json\\n{\\"a\\": 1}\\n```\\n"
        "<img src=x onerror=window.__pwned=1>\\n"
    )
    (src / "config.json").write_text(json.dumps({"lr": 0.001, "layers": [64, 32], "augment": True}, indent=2))
    (src / "params.yaml").write_text("model: resnet  # backbone\\nepochs: 12\\nmixed_precision: true\\n")
    (src / "train.log").write_text("\\n".join(f"step {i} loss {1 / (i + 1):.3f}" for i in range(40)))
    # Wider than the file preview (columns fit their values): maximising shows more of them.
    names = ("id", "label", "city", "camera", "weather", "light", "annotator", "lens", "season", "country", "road", "speed", "sensor", "source")
    cols = {name: [f"{name}-{i}" for i in range(200)] for name in names}
    pq.write_table(pa.table(cols), src / "labels.parquet")

    descriptions = ["first cut", "first cut", "cleaned labels", "cleaned labels, more cities"]
    with ipyartifacts.init(project="views", job_type="ingest", name="ingest-run") as run:
        for i in range(4):
            (src / "labels.csv").write_text("id,label\\n" + "".join(f"{j},{j % 3}\\n" for j in range(10 * (i + 1))))
            art = ipyartifacts.Artifact("raw", type="dataset", description=descriptions[i],
                                         metadata={"rows": 10 * (i + 1), "source": "cams", "version_note": f"n{i}"})
            art.add_dir(str(src))
            if i == 1:
                art.ttl = datetime.timedelta(days=30)
            run.log_artifact(art, aliases=["stable"] if i == 2 else None, tags=["reviewed"] if i >= 2 else None)

    def log(run, name, kind, text):
        path = pathlib.Path(f"views-{name}.txt")
        path.write_text(text)
        art = ipyartifacts.Artifact(name, type=kind)
        art.add_file(str(path))
        return run.log_artifact(art)

    with ipyartifacts.init(project="views", job_type="preprocess", name="prep-run") as run:
        run.use_artifact("raw:latest")
        log(run, "dataset", "dataset", "prepared")
    for name in ("train-a", "train-b"):
        with ipyartifacts.init(project="views", job_type="train", name=name) as run:
            run.use_artifact("dataset:latest")
            log(run, f"model-{name[-1]}", "model", name)
    with ipyartifacts.init(project="views", job_type="eval", name="eval-run") as run:
        run.use_artifact("model-a:latest")
        run.use_artifact("model-b:latest")
        log(run, "report", "report", "accuracy 0.93")
    """
)


def seed(project: str) -> str:
    """The seed notebook cell, in its own project (the store is shared by the session)."""
    return _SEED.replace("views", project)


def _shoot(page: Any, target: Any, name: str) -> None:
    """Light and dark screenshots of one view (the theme is left light)."""
    screenshot(target, f"{name}_light")
    try:
        set_theme(page, DARK)
        screenshot(target, f"{name}_dark")
    finally:
        set_theme(page, LIGHT)


def _inside(inner: dict[str, float], outer: dict[str, float], slack: float = 1.0) -> bool:
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack
    )


def _scale(widget: Any) -> float:
    return float(widget.locator(".ipa-plane").get_attribute("data-scale"))


def test_lineage_overview_and_refresh(page: Any, lab: Lab) -> None:
    cells = [
        seed("views"),
        "%load_ext ipyartifacts",
        'LineageGraph(ipyartifacts.Api().artifact("views/dataset:latest"), depth=6, height=320)',
        # What `%artifact log` prints: the version just logged, as the ArtifactView.
        "%artifact log views-src/README.md -n notes -t docs -p views",
    ]
    run_notebook(page, lab, write_notebook(lab, "views_lineage.ipynb", cells))
    print(f"screenshots: {SCREENSHOTS}")

    # -- lineage: opens fitted, every end node in view ----------------------------------------
    widget = page.locator(".ipa-lineage")
    expect(widget.locator(".ipa-gnode")).to_have_count(10)
    stage = widget.locator(".ipa-stage")
    page.wait_for_function(
        "el => el.dataset.scale && Number(el.dataset.scale) < 1",
        arg=widget.locator(".ipa-plane").element_handle(),
    )
    box = stage.bounding_box()
    for label in ("raw:v3", "report:v0", "ingest-run", "eval-run"):
        node = widget.locator(".ipa-gnode", has_text=label)
        assert _inside(node.bounding_box(), box), label
    fitted = _scale(widget)
    _shoot(page, widget, "views_lineage_fitted")

    # Zoom with the buttons and the wheel; "Fit" comes back.
    widget.locator(".ipa-zoom-in").click()
    expect(widget.locator(".ipa-zoom-value")).not_to_have_text(f"{round(fitted * 100)}%")
    assert _scale(widget) == pytest.approx(fitted * 1.25, rel=1e-3)
    # The wheel scrolls the notebook past an untouched graph; after a click it zooms.
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    before = _scale(widget)
    page.mouse.click(box["x"] + 4, box["y"] + box["height"] - 4)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -240)
    page.wait_for_function(
        f"el => Number(el.dataset.scale) > {before}",
        arg=widget.locator(".ipa-plane").element_handle(),
    )
    widget.locator(".ipa-zoom-fit").click()
    assert _scale(widget) == pytest.approx(fitted, rel=1e-3)
    # Drag the background to pan.
    transform = widget.locator(".ipa-plane").evaluate("el => el.style.transform")
    x0, y0 = box["x"] + 4, box["y"] + box["height"] - 4
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 60, y0 - 10, steps=4)
    page.mouse.move(x0 + 120, y0 - 20, steps=4)
    page.mouse.up()
    moved = widget.locator(".ipa-plane").evaluate("el => el.style.transform")
    assert moved != transform
    tx = [float(v) for v in re.findall(r"translate\(([-\d.]+)px, ([-\d.]+)px\)", moved)[0]]
    tx0 = [float(v) for v in re.findall(r"translate\(([-\d.]+)px, ([-\d.]+)px\)", transform)[0]]
    assert tx[0] - tx0[0] == pytest.approx(120, abs=2)
    widget.locator(".ipa-zoom-fit").click()

    # A click shows the node's details; the centre stays.
    widget.locator(".ipa-gnode", has_text="raw:v3").click()
    details = widget.locator(".ipa-lineage-details")
    expect(details).to_be_visible()
    expect(details.locator(".ipa-details-title")).to_have_text("raw:v3")
    expect(details.locator('[data-fact="type"]')).to_have_text("dataset")
    expect(details.locator('[data-fact="aliases"] .ipa-chip-alias')).to_have_text(["latest"])
    expect(details.locator('[data-fact="aliases"] .ipa-chip-tag')).to_have_text(["#reviewed"])
    expect(details.locator('[data-fact="created by"]')).to_have_text("ingest-run")
    expect(details.locator('[data-fact="size"]')).to_contain_text(re.compile(r"\d+(\.\d)? (kB|MB)"))
    expect(details.locator('[data-fact="created"]')).to_contain_text(re.compile(r"just now|ago"))
    expect(widget.locator(".ipa-lineage-title")).to_have_text("Lineage of dataset:v0")
    widget.locator(".ipa-gnode", has_text="train-a").click()
    expect(details.locator('[data-fact="job type"]')).to_have_text("train")
    _shoot(page, widget, "views_lineage_details")
    details.locator(".ipa-details-focus").click()
    expect(widget.locator(".ipa-lineage-title")).to_have_text("Lineage of train-a")

    # -- overview: used by, TTL, local time; it refreshes when the store changes ---------------
    view = page.locator(".ipa-artifact")
    expect(view.locator(".ipa-ov-name")).to_have_text("views/notes:v0")
    expect(view.locator(".ipa-chip-alias")).to_have_text(["latest"])
    created = view.locator(".ipa-ov-created")
    iso = created.get_attribute("title")
    assert iso is not None
    assert iso.endswith("+00:00")
    local = page.evaluate(
        "iso => { const d = new Date(iso); const p = (n) => String(n).padStart(2, '0');"
        " return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} "
        "${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`; }",
        iso,
    )
    expect(created).to_contain_text(local)
    expect(view.locator(".ipa-ov-ttl")).to_have_text("none (kept until deleted)")
    expect(view.locator(".ipa-ov-used")).to_have_text("no run yet")
    assert view.locator(".ipa-ov-links").count() == 0
    _shoot(page, view, "views_overview_v0")
    # v1..v3 logged from the kernel: the displayed v0 loses `latest` without any click.
    execute(
        page,
        textwrap.dedent(
            """
            for i in range(1, 4):
                pathlib.Path("views-src/README.md").write_text(f"# Notes v{i}\\n")
                get_ipython().run_line_magic("artifact", "log views-src/README.md -n notes -t docs -p views")
            """
        ),
    )
    first = page.locator(".ipa-artifact").first
    expect(first.locator(".ipa-ov-name")).to_have_text("views/notes:v0")
    expect(first.locator(".ipa-chip-alias")).to_have_count(0, timeout=30_000)
    # And TTL, users and registry links show once they exist.
    execute(
        page,
        textwrap.dedent(
            """
            art = ipyartifacts.Api().artifact("views/notes:v0")
            art.ttl = datetime.timedelta(days=7)
            art.save()
            with ipyartifacts.init(project="views", job_type="review", name="reader") as r:
                r.use_artifact("views/notes:v0")
            """
        ),
    )
    expect(first.locator(".ipa-ov-ttl")).to_contain_text("7 days (expires in 6 d", timeout=30_000)
    expect(first.locator(".ipa-ov-run")).to_contain_text(["reader · review"])
    assert page.evaluate("() => window.__pwned") is None
    assert page.errors == []


def test_versions_files_and_diff(page: Any, lab: Lab) -> None:
    cells = [
        seed("vf"),
        'vt = VersionTable("vf/raw"); vt',
        'FileBrowser(ipyartifacts.Api().artifact("vf/raw:latest"), height=420)',
        'DiffView(ipyartifacts.Api().diff("vf/raw:v1", "vf/raw:v2"))',
    ]
    run_notebook(page, lab, write_notebook(lab, "views_files.ipynb", cells))
    print(f"screenshots: {SCREENSHOTS}")

    # -- versions: a version list, not a typed grid -------------------------------------------
    versions = page.locator(".ipa-versions")
    row = versions.locator('.ipa-vl-row[data-row="1"]')  # v2: stable, #reviewed
    expect(row.locator('[data-column="version"]')).to_have_text("v2")
    expect(row.locator(".ipa-chip-alias")).to_have_text(["stable"])
    expect(row.locator(".ipa-chip-tag")).to_have_text(["#reviewed"])
    latest = versions.locator('.ipa-vl-row[data-row="0"]')
    expect(latest.locator(".ipa-chip-alias")).to_have_text(["latest"])
    expect(row.locator('[data-column="size"]')).to_have_text(re.compile(r"^\d+(\.\d)? (B|kB|MB)$"))
    created = row.locator('[data-column="created"]')
    expect(created).to_have_text(re.compile(r"^(just now|\d+ (s|min|h) ago)$"))
    expect(created).to_have_attribute("title", re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"))
    expect(row.locator('[data-column="run"]')).to_have_text("ingest-run")
    expect(row.locator('[data-column="description"]')).to_have_text("cleaned labels")
    # No Arrow type names, filters or null counts in the headers.
    expect(versions.locator(".ipa-vl-header")).not_to_contain_text("int64")
    expect(versions.locator(".ipa-vl-header")).not_to_contain_text("null")
    # The created column is not cut off.
    assert created.evaluate("el => el.scrollWidth <= el.clientWidth")
    # Pick metadata columns: "source" is not shown by default ... then it is, and Python knows.
    expect(versions.locator('.ipa-vl-th[data-column="metadata.rows"]')).to_be_visible()
    versions.locator(".ipa-vl-pick").click()
    versions.locator('.ipa-vl-picker input[data-key="rows"]').uncheck()
    expect(versions.locator('.ipa-vl-th[data-column="metadata.rows"]')).to_have_count(0)
    execute(page, 'assert vt.metadata_columns == ["source", "version_note"], vt.metadata_columns')
    versions.locator(".ipa-vl-pick").click()
    _shoot(page, versions, "views_versions")

    # -- files: a preview wide enough for tables, rendered text -------------------------------
    files = page.locator(".ipa-files")
    files.locator('.ipa-node[data-path="labels.parquet"]').click()
    grid = files.locator(".ipa-preview .ipa-table")
    expect(grid.locator('.ipa-tr[data-row="0"] .ipa-td').nth(1)).to_have_text("id-0")
    preview = files.locator(".ipa-preview")

    def visible_columns() -> int:
        pbox = preview.bounding_box()
        heads = grid.locator(".ipa-th[data-column]")
        return sum(
            1
            for i in range(heads.count())
            if (b := heads.nth(i).bounding_box())
            and b["x"] + b["width"] <= pbox["x"] + pbox["width"]
        )

    def visible_rows() -> int:
        body = grid.locator(".ipa-table-scroller").bounding_box()
        rows = grid.locator(".ipa-tr")
        return sum(
            1
            for i in range(rows.count())
            if (b := rows.nth(i).bounding_box())
            and b["y"] + b["height"] <= body["y"] + body["height"]
        )

    narrow, short = visible_columns(), visible_rows()
    tree_before = files.locator(".ipa-tree").bounding_box()["width"]
    handle = files.locator(".ipa-split").bounding_box()
    page.mouse.move(handle["x"] + 3, handle["y"] + 50)
    page.mouse.down()
    page.mouse.move(handle["x"] - 60, handle["y"] + 50, steps=5)
    page.mouse.up()
    tree_after = files.locator(".ipa-tree").bounding_box()["width"]
    assert tree_after == pytest.approx(tree_before - 63, abs=4)
    files.locator(".ipa-files-max-toggle").click()
    expect(files.locator(".ipa-files-max-toggle")).to_have_attribute("aria-pressed", "true")
    expect(grid.locator('.ipa-tr[data-row="0"] .ipa-td').nth(1)).to_have_text("id-0")
    wide, tall = visible_columns(), visible_rows()
    assert wide > narrow, (narrow, wide)
    assert tall > short + 5, (short, tall)
    _shoot(page, files, "views_files_table_maximised")
    files.locator(".ipa-files-max-toggle").click()

    files.locator('.ipa-node[data-path="README.md"]').click()
    md = files.locator(".ipa-preview .ipa-markdown")
    expect(md.locator("h1")).to_have_text("Street signs")
    expect(md.locator("h2")).to_have_text("Splits")
    expect(md.locator("li")).to_have_count(2)
    expect(md.locator("li strong")).to_have_text("train")
    expect(md.locator("p code").first).to_have_text("load_signs()")
    link = md.locator("a")
    expect(link).to_have_count(1)  # the javascript: link stays text
    expect(link).to_have_attribute("href", "https://example.org/signs")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(md).to_contain_text("[this](javascript:window.__pwned=1)")
    expect(md.locator("pre .ipa-tok-key")).to_have_text(['"a"'])
    assert files.locator(".ipa-preview img").count() == 0
    _shoot(page, files, "views_files_markdown")

    files.locator('.ipa-node[data-path="config.json"]').click()
    code = files.locator(".ipa-preview .ipa-code-json")
    expect(code.locator(".ipa-tok-key").first).to_have_text('"lr"')
    expect(code.locator(".ipa-tok-literal")).to_have_text(["true"])
    expect(code.locator(".ipa-code-gutter")).to_have_text(re.compile(r"^1\n2\n3\n"))
    files.locator('.ipa-node[data-path="params.yaml"]').click()
    yaml = files.locator(".ipa-preview .ipa-code-yaml")
    expect(yaml.locator(".ipa-tok-key")).to_have_text(["model", "epochs", "mixed_precision"])
    expect(yaml.locator(".ipa-tok-comment")).to_have_text(["# backbone"])
    files.locator('.ipa-node[data-path="train.log"]').click()
    expect(files.locator(".ipa-preview .ipa-code-gutter")).to_contain_text("40")
    _shoot(page, files, "views_files_text")

    files.locator('.ipa-node[data-path="images"]').click()
    files.locator('.ipa-node[data-path="images/sample.png"]').click()
    expect(files.locator(".ipa-image-size")).to_have_text("40 \N{MULTIPLICATION SIGN} 30 px")
    image = files.locator("img.ipa-preview-image")
    files.locator(".ipa-image-tools button", has_text="100%").click()
    expect(files.locator(".ipa-image-zoom")).to_have_text("100%")
    assert image.bounding_box()["width"] == pytest.approx(40, abs=2)
    files.locator(".ipa-image-tools button", has_text="+").click()
    expect(files.locator(".ipa-image-zoom")).to_have_text("200%")
    assert image.bounding_box()["width"] == pytest.approx(80, abs=2)
    _shoot(page, files, "views_files_image")

    # -- diff: path column, dashes for missing sizes, description, metadata side by side -------
    diff = page.locator(".ipa-diff")
    dgrid = diff.locator(".ipa-table")
    expect(dgrid.locator(".ipa-tr .ipa-td").first).to_be_visible()
    path_head = dgrid.locator('.ipa-th[data-column="path"]').bounding_box()
    assert path_head["width"] > 300, path_head
    last_head = dgrid.locator('.ipa-th[data-column="change"]').bounding_box()
    dbox = diff.bounding_box()
    assert dbox["x"] + dbox["width"] - (last_head["x"] + last_head["width"]) < 60  # no empty room
    null_cell = dgrid.locator(".ipa-td.ipa-null").first
    if null_cell.count():
        content = null_cell.evaluate("el => getComputedStyle(el, '::after').content")
        assert content == '"\N{EN DASH}"', content
    description = diff.locator(".ipa-diff-description")
    expect(description.locator(".ipa-diff-old")).to_have_text("first cut")
    expect(description.locator(".ipa-diff-new")).to_have_text("cleaned labels")
    old = diff.locator('.ipa-diff-meta .ipa-diff-old[data-key="rows"]')
    new = diff.locator('.ipa-diff-meta .ipa-diff-new[data-key="rows"]')
    expect(old).to_have_text("20")
    expect(new).to_have_text("30")
    gap = new.bounding_box()["x"] - (old.bounding_box()["x"] + old.bounding_box()["width"])
    assert 0 < gap < 60, gap
    _shoot(page, diff, "views_diff")
    assert page.evaluate("() => window.__pwned") is None
    assert page.errors == []


def test_diff_shows_a_dash_for_an_added_files_before_size(page: Any, lab: Lab) -> None:
    cells = [
        textwrap.dedent(
            """
            import pathlib, ipyartifacts
            from ipyartifacts.widgets import DiffView
            src = pathlib.Path("dash-src"); src.mkdir(exist_ok=True)
            (src / "a.txt").write_text("a")
            with ipyartifacts.init(project="dash") as run:
                first = ipyartifacts.Artifact("d", "dataset"); first.add_dir(str(src)); run.log_artifact(first)
                (src / "added/deep/path-of-the-new-file.txt").parent.mkdir(parents=True)
                (src / "added/deep/path-of-the-new-file.txt").write_text("b")
                second = ipyartifacts.Artifact("d", "dataset"); second.add_dir(str(src)); run.log_artifact(second)
            DiffView(ipyartifacts.Api().diff("dash/d:v0", "dash/d:v1"))
            """
        )
    ]
    run_notebook(page, lab, write_notebook(lab, "views_dash.ipynb", cells))
    grid = page.locator(".ipa-diff .ipa-table")
    cells_row = grid.locator('.ipa-tr[data-row="0"] .ipa-td')
    expect(cells_row.nth(2)).to_have_text("added/deep/path-of-the-new-file.txt")
    before = cells_row.nth(3)
    expect(before).to_have_class(re.compile(r"\bipa-null\b"))
    assert before.evaluate("el => getComputedStyle(el, '::after').content") == '"\N{EN DASH}"'
    path_cell = cells_row.nth(2)
    assert path_cell.evaluate("el => el.scrollWidth <= el.clientWidth")  # not cut off
    assert page.errors == []
