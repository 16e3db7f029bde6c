"""The grid in a real JupyterLab: every Parquet type, errors in place, kernel waits, polish.

- A Parquet file holding every Arrow type Parquet stores: all summaries arrive (a dictionary
  column's used to hang its own and every later one on "…"), sorting by it works, an
  unsortable or unfilterable column says so in place and the grid keeps working.
- Widget requests wait behind a running cell: the first page comes with the widget state (the
  grid paints while the kernel is busy) and "waiting for the kernel…" shows until replies come.
- Row numbers of 7 digits fit; the focus ring shows over every row in light and dark.
"""

from __future__ import annotations

from typing import Any

import pyarrow.parquet as pq
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DARK,
    LIGHT,
    SCREENSHOTS,
    Lab,
    run_notebook,
    screenshot,
    set_theme,
    write_notebook,
)
from tests.widgets.test_table_types import every_type

pytestmark = pytest.mark.browser


def _cell(widget: Any, row: int, column: int) -> Any:
    """Cell locator: column 0 is the row index, data columns start at 1."""
    return widget.locator(f'.ipa-tr[data-row="{row}"] .ipa-td').nth(column)


def _both_themes(page: Any, target: Any, name: str) -> None:
    for theme, label in [(LIGHT, "light"), (DARK, "dark")]:
        set_theme(page, theme)
        screenshot(target, f"{name}-{label}")
    set_theme(page, LIGHT)


def test_every_parquet_type(page: Any, lab: Lab) -> None:
    table = every_type()
    pq.write_table(table, lab.root / "types.parquet", row_group_size=4)
    name = write_notebook(
        lab,
        "types.ipynb",
        ["from ipyartifacts.widgets import TablePreview\nTablePreview('types.parquet')"],
    )
    run_notebook(page, lab, name)
    set_theme(page, LIGHT)  # the theme persists per server: start from a known one
    widget = page.locator(".ipa-table")
    expect(_cell(widget, 0, 1)).to_have_text("b")
    # Every summary arrives, the dictionary column's (first) and all after it.
    summaries = widget.locator(".ipa-summary")
    expect(summaries).to_have_count(len(table.columns))
    for column in table.column_names:
        expect(widget.locator(f'.ipa-th[data-column="{column}"] .ipa-summary')).not_to_have_text(
            "…"
        )
    expect(widget.locator('.ipa-th[data-column="dict"] .ipa-summary')).to_have_text(
        "1 null · 3 distinct"
    )
    expect(widget.locator('.ipa-th[data-column="ts"] .ipa-summary')).to_have_text(
        "1 null · 2024-01-01 00:00:00 \N{EN DASH} 2024-01-01 05:00:00"
    )
    # Short types in the header, the full one on hover.
    dict_type = widget.locator('.ipa-th[data-column="dict"] .ipa-type')
    expect(dict_type).to_have_text("string (dict)")
    expect(dict_type).to_have_attribute(
        "title", "dictionary<values=string, indices=int32, ordered=0>"
    )
    expect(widget.locator('.ipa-th[data-column="ts_utc"] .ipa-type')).to_have_text(
        "timestamp[ms, UTC]"
    )
    expect(widget.locator('.ipa-th[data-column="list"] .ipa-type')).to_have_text("list<int64>")
    expect(_cell(widget, 1, 15)).to_have_text("2024-01-01 01:00:00")  # ts: no trailing .000
    _both_themes(page, widget, "grid-types")

    # Sorting by the dictionary column works (it used to leave the grid on "loading…").
    widget.locator('.ipa-sort[data-column="dict"]').click()
    expect(_cell(widget, 0, 1)).to_have_text("a")
    expect(_cell(widget, 4, 1)).to_have_text("c")
    expect(widget).to_have_attribute("data-loading", "false")
    # An unsortable column says so in place; the sort stays as it was.
    unsortable = widget.locator('.ipa-sort[data-column="list"]')
    expect(unsortable).to_have_attribute("title", "Not sortable: list<int64> values have no order")
    unsortable.click()
    expect(widget.locator(".ipa-table-bar .ipa-error")).to_have_text(
        "list is not sortable: list<int64> values have no order"
    )
    expect(_cell(widget, 0, 1)).to_have_text("a")
    # A filter the kernel refuses: the message shows, the box is marked, the rows stay.
    binary = widget.locator('.ipa-filter[data-column="binary"]')
    binary.fill("ab")
    expect(widget.locator(".ipa-table-bar .ipa-error")).to_have_text(
        "'binary' is not filterable by text: it holds binary values (filter it by null / !null)"
    )
    expect(binary).to_have_class("ipa-filter ipa-invalid")
    expect(widget.locator(".ipa-table-status")).to_have_text("6 rows")
    expect(_cell(widget, 0, 1)).to_have_text("a")
    screenshot(widget, "grid-types-refused-filter-light")
    # ...and the next request works.
    binary.fill("!null")
    expect(widget.locator(".ipa-table-status")).to_have_text("5 rows of 6")
    widget.locator('.ipa-filter[data-column="dec128"]').fill(">=3")
    expect(widget.locator(".ipa-table-status")).to_have_text("3 rows of 6")
    assert page.errors == []
    print(f"screenshots in {SCREENSHOTS}")


def test_waits_for_a_busy_kernel_and_paints_from_state(page: Any, lab: Lab) -> None:
    name = write_notebook(
        lab,
        "busy.ipynb",
        [
            "import time\n"
            "import pyarrow as pa\n"
            "from ipyartifacts.widgets import TablePreview\n"
            "TablePreview(pa.table({'i': pa.array(range(3_000_000))}), title='big')",
            # Busy until the test says so (a file appears), like a long training cell.
            "import pathlib\n"
            "while not pathlib.Path('release-busy').exists():\n"
            "    time.sleep(0.05)",
        ],
    )
    run_notebook(page, lab, name, wait=False)
    widget = page.locator(".ipa-table")
    # The first page came with the widget state: rows paint while the kernel is busy.
    expect(_cell(widget, 5, 1)).to_have_text("5")
    # The second cell is running ("[*]"). The kernel's status is not a reliable sign: it
    # reports idle after answering a comm message even while a cell still runs.
    running = page.locator(".jp-CodeCell").nth(1).locator(".jp-InputArea-prompt")
    expect(running).to_have_text("[*]:")
    waiting = widget.locator(".ipa-waiting")
    expect(waiting).to_be_visible()
    expect(waiting).to_have_text("waiting for the kernel…")
    expect(widget.locator('.ipa-th[data-column="i"] .ipa-summary')).to_have_text("…")
    # Sort and scroll while the cell runs: still waiting, nothing broken.
    widget.locator('.ipa-sort[data-column="i"]').click()
    widget.locator('.ipa-sort[data-column="i"]').click()
    expect(waiting).to_be_visible()
    _both_themes(page, widget, "grid-waiting")
    (lab.root / "release-busy").touch()
    expect(_cell(widget, 0, 1)).to_have_text("2999999")
    expect(waiting).to_be_hidden()
    expect(widget.locator('.ipa-th[data-column="i"] .ipa-summary')).to_have_text(
        "0 null · 0 \N{EN DASH} 2999999"
    )

    # Seven-digit row numbers fit their column.
    widget.locator(".ipa-table-scroller").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    last = widget.locator('.ipa-tr[data-row="2999999"] .ipa-index')
    expect(last).to_have_text("2999999")
    assert last.evaluate("el => el.scrollWidth <= el.clientWidth"), "row number cut off"
    screenshot(widget, "grid-seven-digit-rows-light")

    # Keyboard focus: a ring drawn over the rows (it used to show beside odd rows only).
    widget.locator(".ipa-table-scroller").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    ring = widget.evaluate("el => getComputedStyle(el, '::after').borderTopWidth")
    assert ring == "2px", ring
    for theme, label in [(LIGHT, "light"), (DARK, "dark")]:
        set_theme(page, theme)
        widget.locator(".ipa-table-scroller").focus()
        screenshot(widget, f"grid-focus-{label}")
    set_theme(page, LIGHT)
    assert page.errors == []


def test_short_table_painted_from_state_counts_all_its_rows(page: Any, lab: Lab) -> None:
    # Long outputs above put the grid far below the fold, where JupyterLab's windowed
    # notebook skips laying it out (content-visibility): the grid paints from the first page
    # in the widget state while it measures 0 px, and the busy kernel sends no page reply
    # that would render it again. The footer used to say "rows 1-1 of 2" there.
    name = write_notebook(
        lab,
        "short.ipynb",
        [
            *["print('line\\n' * 150)"] * 3,
            "import pyarrow as pa\n"
            "from ipyartifacts.widgets import TablePreview\n"
            "TablePreview(pa.table({'x': [1, 2], 'y': ['a', 'b']}), title='short')",
            "import pathlib, time\n"
            "while not pathlib.Path('release-short').exists():\n"
            "    time.sleep(0.05)",
        ],
    )
    run_notebook(page, lab, name, wait=False)
    widget = page.locator(".ipa-table")
    running = page.locator(".jp-CodeCell").nth(4).locator(".jp-InputArea-prompt")
    expect(running).to_have_text("[*]:")
    expect(widget.locator(".ipa-table-status")).to_have_text("2 rows")
    expect(widget.locator(".ipa-table-range")).to_have_text("rows 1\N{EN DASH}2 of 2")
    widget.scroll_into_view_if_needed()
    expect(_cell(widget, 1, 2)).to_have_text("b")
    expect(widget.locator(".ipa-table-range")).to_have_text("rows 1\N{EN DASH}2 of 2")
    (lab.root / "release-short").touch()
    expect(running).not_to_have_text("[*]:")
    expect(widget.locator(".ipa-table-range")).to_have_text("rows 1\N{EN DASH}2 of 2")
    # JupyterLab hides the shell while it switches themes: a render then measured 0 px and
    # the footer read "rows 1-1 of 2" until the next one. Read it right away, no retrying.
    for theme, label in [(DARK, "dark"), (LIGHT, "light")]:
        set_theme(page, theme)
        assert widget.locator(".ipa-table-range").text_content() == "rows 1\N{EN DASH}2 of 2"
        screenshot(widget, f"grid-short-{label}")
    assert page.errors == []
