"""TablePreview in a real JupyterLab: rows render, sort, filter, scroll to further pages, stay safe."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
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

CITIES = ["Oslo", "Lima", "Pune", "Kyiv", "Cali"]
ROWS = 5000


@pytest.fixture(scope="module")
def parquet_file(lab: Lab) -> str:
    table = pa.table(
        {
            "id": pa.array(range(ROWS), pa.int64()),
            "city": [CITIES[i % len(CITIES)] for i in range(ROWS)],
            "value": [round((i * 37 % 1000) / 7, 3) for i in range(ROWS)],
            "ok": [i % 2 == 0 for i in range(ROWS)],
        }
    )
    pq.write_table(table, lab.root / "cities.parquet", row_group_size=1000)
    return "cities.parquet"


def _cell(widget: Any, row: int, column: int) -> Any:
    """Cell locator: column 0 is the row index, data columns start at 1."""
    return widget.locator(f'.ipa-tr[data-row="{row}"] .ipa-td').nth(column)


def test_table_preview_sort_filter_scroll(page: Any, lab: Lab, parquet_file: str) -> None:
    name = write_notebook(
        lab,
        "preview.ipynb",
        ["from ipyartifacts.widgets import TablePreview", f"TablePreview({parquet_file!r})"],
    )
    run_notebook(page, lab, name)
    widget = page.locator(".ipa-table")
    expect(_cell(widget, 0, 1)).to_have_text("0")
    expect(_cell(widget, 3, 2)).to_have_text("Kyiv")
    expect(widget.locator(".ipa-table-status")).to_have_text("5,000 rows")
    expect(widget.locator(".ipa-table-range")).to_have_text("rows 1\N{EN DASH}11 of 5,000")
    headers = widget.locator(".ipa-th[data-column] .ipa-sort-name")
    expect(headers).to_have_text(["id", "city", "value", "ok"])
    expect(widget.locator('.ipa-th[data-column="id"] .ipa-type')).to_have_text("int64")
    # Summaries arrive lazily from Parquet statistics / scans.
    expect(widget.locator('.ipa-th[data-column="id"] .ipa-summary')).to_have_text(
        "0 null \N{MIDDLE DOT} 0 \N{EN DASH} 4999"
    )
    expect(widget.locator('.ipa-th[data-column="city"] .ipa-summary')).to_contain_text("5 distinct")
    screenshot(widget, "table_preview_light")

    # Sort: first click ascending, second descending.
    sort_id = widget.locator('.ipa-sort[data-column="id"]')
    sort_id.click()
    expect(widget.locator('.ipa-sort[data-column="id"] .ipa-sort-mark')).to_have_text("▲")
    sort_id.click()
    expect(widget.locator('.ipa-sort[data-column="id"] .ipa-sort-mark')).to_have_text("▼")
    expect(_cell(widget, 0, 1)).to_have_text("4999")
    expect(_cell(widget, 1, 1)).to_have_text("4998")

    # Typed filter: exact city, then a numeric comparison on top.
    widget.locator('.ipa-filter[data-column="city"]').fill("=Oslo")
    expect(widget.locator(".ipa-table-status")).to_have_text("1,000 rows of 5,000")
    expect(_cell(widget, 0, 1)).to_have_text("4995")
    expect(_cell(widget, 0, 2)).to_have_text("Oslo")
    widget.locator('.ipa-filter[data-column="id"]').fill("<100")
    expect(widget.locator(".ipa-table-status")).to_have_text("20 rows of 5,000")
    expect(_cell(widget, 19, 1)).to_have_text("0")
    # Invalid filter text is flagged and does not change the view.
    bad = widget.locator('.ipa-filter[data-column="value"]')
    bad.fill(">abc")
    expect(bad).to_have_class("ipa-filter ipa-invalid")
    expect(widget.locator(".ipa-table-status")).to_have_text("20 rows of 5,000")
    screenshot(widget, "table_preview_filtered")

    # Clear filters and sort; scroll far enough that another page must be fetched.
    bad.fill("")
    widget.locator('.ipa-filter[data-column="id"]').fill("")
    widget.locator('.ipa-filter[data-column="city"]').fill("")
    sort_id.click()
    expect(widget.locator(".ipa-table-status")).to_have_text("5,000 rows")
    expect(_cell(widget, 0, 1)).to_have_text("0")
    widget.locator(".ipa-table-scroller").evaluate("el => { el.scrollTop = 26 * 3210; }")
    expect(_cell(widget, 3212, 1)).to_have_text("3212")
    expect(_cell(widget, 3212, 2)).to_have_text(CITIES[3212 % 5])
    expect(widget.locator(".ipa-table-range")).to_contain_text("of 5,000")
    assert page.errors == []


HOSTILE = [
    "<img src=x onerror=window.__pwned=1>",
    "</script><script>window.__pwned=2</script>",
    "javascript:alert(1)",
    '"><svg onload=window.__pwned=3>',
]


def test_hostile_values_are_shown_as_text(page: Any, lab: Lab) -> None:
    table = pa.table({"<b onmouseover=window.__pwned=4>col</b>": HOSTILE, "n": [1, 2, 3, 4]})
    pq.write_table(table, lab.root / "hostile.parquet")
    name = write_notebook(
        lab,
        "hostile.ipynb",
        [
            "from ipyartifacts.widgets import TablePreview",
            "TablePreview('hostile.parquet', title='<img src=x onerror=window.__pwned=5>')",
        ],
    )
    run_notebook(page, lab, name)
    widget = page.locator(".ipa-table")
    for row, text in enumerate(HOSTILE):
        expect(_cell(widget, row, 1)).to_have_text(text)
    expect(widget.locator(".ipa-sort-name").first).to_have_text(
        "<b onmouseover=window.__pwned=4>col</b>"
    )
    expect(widget.locator(".ipa-table-title")).to_have_text("<img src=x onerror=window.__pwned=5>")
    widget.locator(".ipa-sort-name").first.hover()
    _cell(widget, 0, 1).hover()
    # Nothing was parsed as markup: no elements from the data, no handler ran.
    assert widget.locator("img, script, svg, b").count() == 0
    assert page.evaluate("() => window.__pwned") is None
    assert page.errors == []
    screenshot(widget, "table_preview_hostile")


def test_follows_dark_theme(page: Any, lab: Lab, parquet_file: str) -> None:
    name = write_notebook(
        lab,
        "dark.ipynb",
        ["from ipyartifacts.widgets import TablePreview", f"TablePreview({parquet_file!r})"],
    )
    run_notebook(page, lab, name)
    widget = page.locator(".ipa-table")
    expect(_cell(widget, 0, 1)).to_have_text("0")
    set_theme(page, LIGHT)  # the theme persists per server: start from a known one
    light = widget.evaluate("el => getComputedStyle(el).backgroundColor")
    try:
        set_theme(page, DARK)
        expect(widget).not_to_have_css("background-color", light)
        dark = widget.evaluate("el => getComputedStyle(el).backgroundColor")
        channels = [int(c) for c in dark[dark.index("(") + 1 : dark.index(")")].split(",")[:3]]
        assert sum(channels) < 3 * 90, dark
        screenshot(widget, "table_preview_dark")
    finally:
        set_theme(page, LIGHT)


@pytest.fixture(scope="module")
def ten_million(lab: Lab) -> str:
    path = lab.root / "ten_million.parquet"
    chunk = 1_000_000
    schema = pa.schema([("row", pa.int64()), ("label", pa.string())])
    labels = pa.array([f"label-{i % 1000}" for i in range(chunk)])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, 10_000_000, chunk):
            rows = pa.array(range(start, start + chunk), pa.int64())
            writer.write_table(pa.table([rows, labels], schema=schema), row_group_size=250_000)
    return path.name


def test_ten_million_rows_scroll_to_the_end_and_sort(page: Any, lab: Lab, ten_million: str) -> None:
    name = write_notebook(
        lab,
        "huge.ipynb",
        ["from ipyartifacts.widgets import TablePreview", f"TablePreview({ten_million!r})"],
    )
    run_notebook(page, lab, name)
    widget = page.locator(".ipa-table")
    expect(_cell(widget, 0, 1)).to_have_text("0")
    expect(widget.locator(".ipa-table-status")).to_have_text("10,000,000 rows")
    scroller = widget.locator(".ipa-table-scroller")
    scroller.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    expect(_cell(widget, 9_999_999, 1)).to_have_text("9999999")
    expect(_cell(widget, 9_999_999, 2)).to_have_text("label-999")
    expect(widget.locator(".ipa-table-range")).to_contain_text("of 10,000,000")
    scroller.evaluate("el => { el.scrollTop = el.scrollHeight / 2; }")
    # Wait for the re-render at the new position (rows are recycled, not replaced).
    scroller.evaluate(
        """el => new Promise((resolve) => {
            const check = () => {
                const row = el.querySelector('.ipa-tr');
                if (row && Number(row.dataset.row) < 9_000_000) resolve(true);
                else requestAnimationFrame(check);
            };
            check();
        })"""
    )
    middle = widget.locator(".ipa-tr").nth(5)
    expect(middle.locator(".ipa-td").nth(1)).not_to_have_text("…")
    index = int(middle.get_attribute("data-row"))
    assert 4_900_000 < index < 5_100_000
    expect(middle.locator(".ipa-td").nth(1)).to_have_text(str(index))

    sort = widget.locator('.ipa-sort[data-column="row"]')
    sort.click()
    expect(widget.locator('.ipa-sort[data-column="row"] .ipa-sort-mark')).to_have_text("▲")
    sort.click()
    expect(_cell(widget, 0, 1)).to_have_text("9999999")
    expect(widget.locator(".ipa-note")).to_contain_text("first 10,000 of 10,000,000")
    expect(widget.locator(".ipa-table-status")).to_have_text("first 10,000 rows")
    screenshot(widget, "table_preview_ten_million_sorted")
    assert page.errors == []


def test_columns_are_sized_to_their_content(page: Any, lab: Lab) -> None:
    essay = "a long value that goes on " * 20
    name = write_notebook(
        lab,
        "widths.ipynb",
        [
            "import pyarrow as pa\n"
            "from ipyartifacts.widgets import TablePreview\n"
            "TablePreview(pa.table({\n"
            "    'n': [1, 2, 3],\n"
            "    'sentence': ['a sentence of about forty-five characters..', 'short', 'mid'],\n"
            "    'a_header_longer_than_its_values': [7, 8, 9],\n"
            f"    'essay': [{essay!r}, 'x', None],\n"
            "}), title='widths')",
        ],
    )
    run_notebook(page, lab, name)
    set_theme(page, LIGHT)  # the theme persists per server: start from a known one
    widget = page.locator(".ipa-table")
    expect(_cell(widget, 0, 4)).to_contain_text("a long value")

    def width(column: str) -> float:
        header = widget.locator(f'.ipa-th[data-column="{column}"]')
        return float(header.evaluate("el => el.getBoundingClientRect().width"))

    # A column of small numbers is narrow, one of 45-character sentences wide: neither is
    # the old fixed 110 / 200 px.
    assert width("n") < 90, width("n")
    assert width("sentence") > width("n") + 100, (width("n"), width("sentence"))
    # What fits is not cut off: the sentence, the long header, and nothing gets a tooltip.
    sentence = _cell(widget, 0, 2)
    assert sentence.evaluate("el => el.scrollWidth <= el.clientWidth"), "sentence cut off"
    expect(sentence).to_have_attribute("title", "")
    header = widget.locator('.ipa-th[data-column="a_header_longer_than_its_values"] .ipa-sort-name')
    assert header.evaluate("el => el.scrollWidth <= el.clientWidth"), "header cut off"
    for row in range(3):
        for column in range(1, 5):
            cell = _cell(widget, row, column)
            if column != 4 or row != 0:
                assert cell.evaluate("el => el.scrollWidth <= el.clientWidth"), (row, column)
    # A value wider than the maximum is ellipsised, whole on hover.
    long = _cell(widget, 0, 4)
    assert 300 <= width("essay") <= 400, width("essay")
    assert long.evaluate("el => el.scrollWidth > el.clientWidth")
    assert long.evaluate("el => getComputedStyle(el).textOverflow") == "ellipsis"
    expect(long).to_have_attribute("title", essay)
    # Sorting keeps the widths (columns never jump).
    before = width("sentence")
    widget.locator('.ipa-sort[data-column="sentence"]').click()
    expect(_cell(widget, 0, 2)).to_have_text("a sentence of about forty-five characters..")
    assert width("sentence") == before
    for theme, label in [(LIGHT, "light"), (DARK, "dark")]:
        set_theme(page, theme)
        screenshot(widget, f"table_preview_widths_{label}")
    set_theme(page, LIGHT)
    assert page.errors == []
