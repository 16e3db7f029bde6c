"""The grid on every Arrow type a Parquet file holds: summaries, sort, filter and paging.

Each request gets a reply: a page/summary, or an error whose message says what is not
possible for the type. Nothing raises out of the request handler (a raise meant no reply,
and the browser's grid waited for it forever).
"""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ipyartifacts.widgets import TablePreview
from ipyartifacts.widgets._arrow_query import short_type
from ipyartifacts.widgets._table_source import MemorySource, TableSource, open_table
from ipyartifacts.widgets._table_widget import FIRST_PAGE_ROWS, handle_table_request

ROWS = 6
UNSORTABLE = {"list", "struct", "map"}


def every_type() -> pa.Table:
    """One column per Arrow type Parquet can store (``null`` at row 2 of each)."""

    def nth(make: Any) -> list[Any]:
        return [None if i == 2 else make(i) for i in range(ROWS)]

    return pa.table(
        {
            "dict": pa.array(["b", "a", None, "c", "a", "b"]).dictionary_encode(),
            "large_string": pa.array(nth(lambda i: f"s{i}"), pa.large_string()),
            "binary": pa.array(nth(lambda i: bytes([i, 255])), pa.binary()),
            "large_binary": pa.array(nth(lambda i: bytes([i])), pa.large_binary()),
            "fixed_binary": pa.array(nth(lambda i: bytes([i, i])), pa.binary(2)),
            "dec128": pa.array(nth(lambda i: decimal.Decimal(f"{i}.25")), pa.decimal128(10, 2)),
            "dec256": pa.array(nth(lambda i: decimal.Decimal(f"-{i}.5")), pa.decimal256(40, 1)),
            "list": pa.array(nth(lambda i: list(range(i))), pa.list_(pa.int64())),
            "struct": pa.array(nth(lambda i: {"a": i, "b": str(i)})),
            "map": pa.array(nth(lambda i: [("k", i)]), pa.map_(pa.string(), pa.int64())),
            "date32": pa.array(nth(lambda i: dt.date(2024, 1, i + 1)), pa.date32()),
            "date64": pa.array(nth(lambda i: dt.date(2024, 2, i + 1)), pa.date64()),
            "time32": pa.array(nth(lambda i: dt.time(1, i)), pa.time32("ms")),
            "time64": pa.array(nth(lambda i: dt.time(2, i, 0, 5)), pa.time64("us")),
            "ts": pa.array(nth(lambda i: dt.datetime(2024, 1, 1, i)), pa.timestamp("ms")),
            "ts_utc": pa.array(
                nth(lambda i: dt.datetime(2024, 1, 1, i, tzinfo=dt.timezone.utc)),
                pa.timestamp("ms", tz="UTC"),
            ),
            "ts_oslo": pa.array(
                nth(lambda i: dt.datetime(2024, 1, 1, i, 0, 0, 123)),
                pa.timestamp("ns", tz="Europe/Oslo"),
            ),
            "duration": pa.array(nth(lambda i: dt.timedelta(seconds=10 - i)), pa.duration("us")),
            "null": pa.nulls(ROWS),
            "bool": pa.array(nth(lambda i: i % 2 == 0)),
            "float16": pa.array(nth(lambda i: i / 2), pa.float16()),
            "float32": pa.array(nth(lambda i: i / 4), pa.float32()),
        }
    )


@pytest.fixture(params=["memory", "parquet", "parquet-bounded"])
def source(request: pytest.FixtureRequest, tmp_path: Path) -> TableSource:
    table = every_type()
    if request.param == "memory":
        return open_table(table)
    path = tmp_path / "every_type.parquet"
    pq.write_table(table, path, row_group_size=4)
    budget = 1 if request.param == "parquet-bounded" else 1 << 20
    return open_table(path, max_in_memory_bytes=budget)


def _ask(source: TableSource, request: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
    response, buffers = handle_table_request(source, {"id": 3, **request})
    assert response["id"] == 3
    return dict(response), buffers


def _page(source: TableSource, **request: Any) -> tuple[dict[str, Any], pa.Table | None]:
    full = {"type": "page", "offset": 0, "limit": 100, "sort": [], "filter": [], **request}
    response, buffers = _ask(source, full)
    if response["type"] != "page":
        return response, None
    return response, pa.ipc.open_stream(buffers[0]).read_all()


COLUMNS = every_type().column_names


@pytest.mark.parametrize("column", COLUMNS)
def test_summary_of_every_type(source: TableSource, column: str) -> None:
    response, _ = _ask(source, {"type": "summary", "column": column})
    assert response["type"] == "summary", response
    assert response["null_count"] == (ROWS if column == "null" else 1)
    if column.startswith(("date", "time", "ts", "dec", "float", "duration")):
        assert response["min"] is not None
        assert response["max"] is not None
        assert response["min"] != response["max"]
    if column in ("dict", "large_string", "binary", "bool"):
        assert response["distinct"] == {"dict": 3, "bool": 2}.get(column, 5)


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("descending", [False, True])
def test_sort_by_every_type(source: TableSource, column: str, descending: bool) -> None:
    sort = [{"column": column, "descending": descending}]
    response, table = _page(source, sort=sort)
    if column in UNSORTABLE:
        assert response["type"] == "error"
        assert response["message"].startswith(f"{column!r} is not sortable: ")
        assert "have no order" in response["message"]
        return
    assert response["type"] == "page", response
    assert table is not None
    assert table.num_rows == ROWS
    if column == "null":
        return
    # Pages carry display text: the sorted page must be the unsorted page's rows in the order
    # Python sorts the original values (nulls last).
    original = every_type().column(column)
    if pa.types.is_dictionary(original.type):
        original = original.cast(original.type.value_type)
    values = original.to_pylist()
    order = sorted((i for i in range(ROWS) if values[i] is not None), key=lambda i: values[i])
    if descending:
        order.reverse()
    _, unsorted = _page(source)
    assert unsorted is not None
    shown = unsorted.column(column).to_pylist()
    assert table.column(column).to_pylist() == [shown[i] for i in order] + [None]


@pytest.mark.parametrize("column", COLUMNS)
def test_null_filters_on_every_type(source: TableSource, column: str) -> None:
    _, valid = _page(source, filter=[{"column": column, "op": "not_null"}])
    _, nulls = _page(source, filter=[{"column": column, "op": "is_null"}])
    assert valid is not None
    assert nulls is not None
    expected_nulls = ROWS if column == "null" else 1
    assert (valid.num_rows, nulls.num_rows) == (ROWS - expected_nulls, expected_nulls)


@pytest.mark.parametrize(
    ("column", "clause", "rows"),
    [
        ("dict", {"op": "eq", "value": "a"}, 2),
        ("dict", {"op": "contains", "value": "B"}, 2),
        ("large_string", {"op": "starts_with", "value": "s1"}, 1),
        ("dec128", {"op": "ge", "value": "3"}, 3),
        ("dec256", {"op": "lt", "value": "-3"}, 3),
        ("float16", {"op": "gt", "value": "1"}, 3),
        ("ts_utc", {"op": "ge", "value": "2024-01-01 04:00"}, 2),
        ("ts", {"op": "between", "value": "2024-01-01 01:00", "value2": "2024-01-01 03:00"}, 2),
        ("date64", {"op": "eq", "value": "2024-02-02"}, 1),
        ("time64", {"op": "gt", "value": "02:03:00"}, 3),
        ("bool", {"op": "eq", "value": "true"}, 2),
    ],
)
def test_value_filters(source: TableSource, column: str, clause: dict[str, Any], rows: int) -> None:
    response, table = _page(source, filter=[{"column": column, **clause}])
    assert response["type"] == "page", response
    assert table is not None
    assert table.num_rows == rows


@pytest.mark.parametrize("column", ["binary", "list", "struct", "map", "duration", "null"])
def test_unfilterable_types_say_so(source: TableSource, column: str) -> None:
    short = short_type(source.schema.field(column).type)
    text, _ = _page(source, filter=[{"column": column, "op": "contains", "value": "1"}])
    compare, _ = _page(source, filter=[{"column": column, "op": "gt", "value": "1"}])
    assert text["type"] == compare["type"] == "error"
    assert text["message"] == (
        f"{column!r} is not filterable by text: it holds {short} values (filter it by null / !null)"
    )
    assert compare["message"].startswith(f"{column!r} is not filterable by comparison")


def test_paging_every_type(source: TableSource) -> None:
    pieces = [_page(source, offset=offset, limit=2)[1] for offset in range(0, ROWS, 2)]
    whole = _page(source)[1]
    assert whole is not None
    assert pa.concat_tables([p for p in pieces if p is not None]).equals(whole)


def test_display_text_of_temporal_and_nested_values(source: TableSource) -> None:
    _, table = _page(source, limit=2)
    assert table is not None
    row = table.slice(1, 1).to_pylist()[0]
    assert row["ts"] == "2024-01-01 01:00:00"  # no trailing .000
    assert row["ts_utc"] == "2024-01-01 01:00:00Z"
    assert row["ts_oslo"] == "2024-01-01 02:00:00.000123000+0100"  # real fractions stay
    assert row["time32"] == "01:01:00"
    assert row["time64"] == "02:01:00.000005"
    assert row["duration"] == "0:00:09"
    assert row["list"] == "[0]"
    assert row["struct"] == '{"a": 1, "b": "1"}'
    assert row["map"] == '[["k", 1]]'
    assert row["binary"] == "<2 bytes> 01 ff"
    assert row["float16"] == 0.5


@pytest.mark.parametrize(
    ("type_", "short"),
    [
        (pa.dictionary(pa.int32(), pa.string()), "string (dict)"),
        (pa.list_(pa.int64()), "list<int64>"),
        (pa.large_list(pa.float32()), "list<float32>"),
        (pa.list_(pa.int8(), 3), "list<int8, 3>"),
        (pa.map_(pa.string(), pa.float64()), "map<string, float64>"),
        (pa.struct({"a": pa.int64(), "b": pa.string()}), "struct<a: int64, b: string>"),
        (pa.struct({f"field_{i}": pa.int64() for i in range(9)}), "struct<9 fields>"),
        (pa.timestamp("ms", tz="UTC"), "timestamp[ms, UTC]"),
        (pa.timestamp("us"), "timestamp[us]"),
        (pa.decimal128(10, 2), "decimal(10, 2)"),
        (pa.float16(), "float16"),
        (pa.date64(), "date"),
        (pa.duration("s"), "duration[s]"),
        (pa.int64(), "int64"),
    ],
)
def test_short_types(type_: pa.DataType, short: str) -> None:
    assert short_type(type_) == short


def test_columns_carry_short_type_full_type_and_sortability() -> None:
    widget = TablePreview(every_type())
    info = {c["name"]: c for c in widget.columns}
    assert info["dict"]["short_type"] == "string (dict)"
    assert info["dict"]["type"] == "dictionary<values=string, indices=int32, ordered=0>"
    assert {name for name, c in info.items() if not c["sortable"]} == UNSORTABLE


class _Exploding(MemorySource):
    """A source whose summaries of one column fail the way Arrow kernels fail."""

    def _compute_summary(self, name: str) -> Any:
        if name == "b":
            raise pa.ArrowNotImplementedError("Function 'count_distinct' has no kernel")
        return super()._compute_summary(name)


def test_any_kernel_failure_is_an_error_reply_and_later_requests_work() -> None:
    source = _Exploding(pa.table({"a": [1, 2], "b": ["x", "y"], "c": [3.0, 4.0]}))
    replies = [_ask(source, {"type": "summary", "column": c})[0] for c in ("a", "b", "c")]
    assert [r["type"] for r in replies] == ["summary", "error", "summary"]
    assert replies[1]["message"] == (
        "could not summarise column 'b': ArrowNotImplementedError: "
        "Function 'count_distinct' has no kernel"
    )
    assert replies[2]["min"] == "3"


def test_failing_page_is_an_error_reply() -> None:
    class Broken(MemorySource):
        def _slice(self, offset: int, limit: int) -> pa.Table:
            raise OSError("disk went away")

    response, buffers = _ask(
        Broken(pa.table({"a": [1]})),
        {"type": "page", "offset": 0, "limit": 5, "sort": [], "filter": []},
    )
    assert response == {
        "type": "error",
        "id": 3,
        "message": "could not read these rows: OSError: disk went away",
    }
    assert buffers == []


def test_first_page_is_in_the_initial_state(tmp_path: Path) -> None:
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.table({"i": list(range(250)), "s": [str(i) for i in range(250)]}), path)
    widget = TablePreview(path)
    state = widget.get_state()
    first = pa.ipc.open_stream(state["first_page"]).read_all()
    assert first.num_rows == FIRST_PAGE_ROWS
    assert first.column("i").to_pylist() == list(range(FIRST_PAGE_ROWS))
    assert first.equals(_page(widget.source, limit=FIRST_PAGE_ROWS)[1])


def test_first_page_left_out_when_too_big() -> None:
    widget = TablePreview(pa.table({"text": ["x" * 20_000] * 100}))
    assert widget.first_page == b""
