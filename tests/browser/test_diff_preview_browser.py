"""`%artifact diff` and `%artifact preview` in a real JupyterLab: widgets render, hostile data stays text."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DARK,
    LIGHT,
    Lab,
    run_notebook,
    screenshot,
    set_theme,
    write_notebook,
)

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=window.__pwned=1>"

SEED = textwrap.dedent(
    f"""
    import pathlib
    import pyarrow as pa, pyarrow.parquet as pq
    import ipyartifacts

    HOSTILE = {HOSTILE!r}
    src = pathlib.Path("dp-src")
    src.mkdir(exist_ok=True)
    (src / "keep.txt").write_text("same")
    (src / "gone.txt").write_text("bye")
    (src / "notes.txt").write_text("short")
    pq.write_table(pa.table({{"id": [1, 2, 3], "name": ["a", "b", "c"]}}), src / "t.parquet")
    with ipyartifacts.init(project="dp", job_type="seed") as run:
        first = ipyartifacts.Artifact("ds", "dataset", metadata={{"lr": 0.1}})
        first.add_dir(str(src))
        run.log_artifact(first)
        (src / "gone.txt").unlink()
        (src / "notes.txt").write_text("a much longer note")
        (src / HOSTILE).write_text("hostile name")
        pq.write_table(
            pa.table({{"id": list(range(1, 41)), "name": [HOSTILE] + [f"row {{i}}" for i in range(2, 41)],
                      "score": [i / 4 for i in range(40)]}}),
            src / "t.parquet",
        )
        second = ipyartifacts.Artifact("ds", "dataset", metadata={{"lr": 0.2, "note": HOSTILE}})
        second.add_dir(str(src))
        run.log_artifact(second)
    %load_ext ipyartifacts
    """
)


def test_diff_and_preview_widgets(page: Any, lab: Lab) -> None:
    name = write_notebook(
        lab,
        "diff_preview.ipynb",
        [SEED, "%artifact diff dp/ds:v0 v1", "%artifact preview dp/ds:v1 t --rows 5"],
    )
    run_notebook(page, lab, name)
    set_theme(page, LIGHT)

    diff = page.locator(".ipa-diff")
    expect(diff).to_have_count(1)
    expect(diff.locator(".ipa-diff-title")).to_have_text("dp/ds:v0 → dp/ds:v1")
    expect(diff.locator('.ipa-diff-chip[data-status="added"]')).to_have_text("+1 added")
    expect(diff.locator('.ipa-diff-chip[data-status="removed"]')).to_have_text(
        "\N{MINUS SIGN}1 removed"
    )
    expect(diff.locator('.ipa-diff-chip[data-status="modified"]')).to_have_text("~2 modified")
    grid = diff.locator(".ipa-table")
    expect(grid.locator(".ipa-table-status")).to_have_text("4 rows")
    first = grid.locator('.ipa-tr[data-row="0"] .ipa-td')
    expect(first.nth(1)).to_have_text("+ added")
    expect(first.nth(1)).to_have_class("ipa-td ipa-status-added")
    expect(first.nth(2)).to_have_text(HOSTILE)  # the hostile file name, as text
    # The metadata table and the table card carry the hostile value as text too.
    expect(diff.locator('.ipa-diff-meta .ipa-diff-new[data-key="note"]')).to_have_text(
        f'"{HOSTILE}"'
    )
    card = diff.locator('.ipa-diff-card[data-path="t.parquet"]')
    expect(card.locator(".ipa-diff-rows")).to_contain_text("3 → 40 rows")
    expect(card.locator(".ipa-diff-schema")).to_contain_text("+ score")

    # A summary chip filters the list (pages come from the kernel); clicking again clears it.
    diff.locator('.ipa-diff-chip[data-status="removed"]').click()
    expect(grid.locator(".ipa-table-status")).to_have_text("1 rows of 4")
    expect(first.nth(2)).to_have_text("gone.txt")
    expect(grid.locator('.ipa-filter[data-column="status"]')).to_have_value("removed")
    diff.locator('.ipa-diff-chip[data-status="removed"]').click()
    expect(grid.locator(".ipa-table-status")).to_have_text("4 rows")
    # Sorting by size change puts the biggest growth first.
    grid.locator('.ipa-sort[data-column="change"]').click()
    grid.locator('.ipa-sort[data-column="change"]').click()
    expect(first.nth(2)).to_have_text("t.parquet")

    preview = page.locator(".ipa-table").filter(has_text="dp/ds:v1 / t.parquet")
    expect(preview).to_have_count(1)
    expect(preview.locator(".ipa-table-status")).to_have_text("40 rows")
    row0 = preview.locator('.ipa-tr[data-row="0"] .ipa-td')
    expect(row0.nth(1)).to_have_text("1")
    expect(row0.nth(2)).to_have_text(HOSTILE)
    expect(preview.locator('.ipa-tr[data-row="1"] .ipa-td').nth(2)).to_have_text("row 2")

    assert page.evaluate("() => window.__pwned") is None
    assert page.locator(".jp-OutputArea img[src='x']").count() == 0
    screenshot(diff, "diff_view_light")
    screenshot(preview, "preview_light")
    set_theme(page, DARK)
    expect(diff.locator(".ipa-diff-title")).to_be_visible()
    screenshot(diff, "diff_view_dark")
    set_theme(page, LIGHT)
    assert page.errors == []
