"""TablePreview message handling: real requests in, Arrow IPC pages out, decoded and checked."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from ipyartifacts.widgets import TablePreview
from ipyartifacts.widgets._table_source import open_table


def _page(
    widget: TablePreview,
    offset: int = 0,
    limit: int = 100,
    sort: list[dict[str, Any]] | None = None,
    filter: list[dict[str, Any]] | None = None,
    request_id: int = 7,
) -> tuple[dict[str, Any], pa.Table]:
    response, buffers = widget.handle_request(
        {
            "type": "page",
            "id": request_id,
            "offset": offset,
            "limit": limit,
            "sort": sort or [],
            "filter": filter or [],
        }
    )
    assert response["type"] == "page", response
    assert response["id"] == request_id
    assert len(buffers) == 1
    table = pa.ipc.open_stream(buffers[0]).read_all()
    assert table.num_rows == response["count"]
    return dict(response), table


def _clause(column: str, op: str, value: str | None = None, value2: str | None = None) -> dict:
    return {"column": column, "op": op, "value": value, "value2": value2}


@pytest.fixture
def people() -> pa.Table:
    return pa.table(
        {
            "id": pa.array(range(250), pa.int64()),
            "name": [f"person-{i:03d}" if i % 10 else None for i in range(250)],
            "score": [float(i % 17) / 2 for i in range(250)],
            "ok": [i % 3 == 0 for i in range(250)],
            "born": pa.array(
                [dt.datetime(2020, 1, 1) + dt.timedelta(days=i) for i in range(250)],
                pa.timestamp("us", tz="UTC"),
            ),
            "tags": [[f"t{i % 4}"] for i in range(250)],
        }
    )


def test_widget_state_describes_columns(people: pa.Table) -> None:
    widget = TablePreview(people, title="people")
    assert widget.num_rows == 250
    assert widget.title == "people"
    kinds = {c["name"]: (c["kind"], c["type"]) for c in widget.columns}
    assert kinds["id"] == ("number", "int64")
    assert kinds["name"] == ("string", "string")
    assert kinds["ok"] == ("bool", "bool")
    assert kinds["born"] == ("temporal", "timestamp[us, tz=UTC]")
    assert kinds["tags"][0] == "other"


def test_pages_are_bounded_slices(people: pa.Table) -> None:
    widget = TablePreview(people)
    response, table = _page(widget, offset=200, limit=100)
    assert response["total"] == 250
    assert response["exact"] is True
    assert table.column("id").to_pylist() == list(range(200, 250))
    # Past the end: an empty page, not an error.
    response, table = _page(widget, offset=400, limit=10)
    assert table.num_rows == 0
    assert response["total"] == 250


def test_page_converts_awkward_types_to_text(people: pa.Table) -> None:
    _, table = _page(TablePreview(people), limit=2)
    assert table.schema.field("born").type == pa.string()
    assert table.column("born").to_pylist()[1].startswith("2020-01-02 00:00:00")
    assert table.column("tags").to_pylist() == ['["t0"]', '["t1"]']
    assert table.column("name").to_pylist() == [None, "person-001"]


@pytest.mark.parametrize(
    ("column", "descending", "first"),
    [("score", True, 8.0), ("score", False, 0.0), ("name", False, "person-001"), ("id", True, 249)],
)
def test_sort(people: pa.Table, column: str, descending: bool, first: object) -> None:
    _, table = _page(
        TablePreview(people), limit=250, sort=[{"column": column, "descending": descending}]
    )
    values = table.column(column).to_pylist()
    assert values[0] == first
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=descending)
    # Nulls sort last in both directions.
    assert values[len(present) :] == [None] * (len(values) - len(present))


def test_sorted_pages_continue_where_previous_stopped(people: pa.Table) -> None:
    widget = TablePreview(people)
    sort = [{"column": "id", "descending": True}]
    _, first = _page(widget, offset=0, limit=100, sort=sort)
    _, second = _page(widget, offset=100, limit=100, sort=sort)
    assert first.column("id").to_pylist()[-1] == 150
    assert second.column("id").to_pylist()[0] == 149


@pytest.mark.parametrize(
    ("clause", "expected_ids"),
    [
        (_clause("id", "gt", "245"), [246, 247, 248, 249]),
        (_clause("id", "between", "10", "12"), [10, 11, 12]),
        (_clause("id", "eq", "7"), [7]),
        (_clause("name", "contains", "PERSON-00"), [1, 2, 3, 4, 5, 6, 7, 8, 9]),
        (
            _clause("name", "starts_with", "person-24"),
            [241, 242, 243, 244, 245, 246, 247, 248, 249],
        ),
        (_clause("born", "lt", "2020-01-03"), [0, 1]),
        (_clause("born", "starts_with", "2020-01-0"), list(range(9))),
    ],
)
def test_filter(people: pa.Table, clause: dict, expected_ids: list[int]) -> None:
    response, table = _page(TablePreview(people), limit=250, filter=[clause])
    assert table.column("id").to_pylist() == expected_ids
    assert response["total"] == len(expected_ids)


def test_filters_combine_and_nulls(people: pa.Table) -> None:
    widget = TablePreview(people)
    response, table = _page(widget, limit=250, filter=[_clause("name", "is_null")])
    assert table.column("id").to_pylist() == list(range(0, 250, 10))
    response, table = _page(
        widget, limit=250, filter=[_clause("ok", "eq", "true"), _clause("id", "lt", "10")]
    )
    assert table.column("id").to_pylist() == [0, 3, 6, 9]
    assert response["total"] == 4


def test_filter_and_sort_together(people: pa.Table) -> None:
    _, table = _page(
        TablePreview(people),
        limit=5,
        sort=[{"column": "id", "descending": True}],
        filter=[_clause("score", "ge", "8")],
    )
    assert table.column("id").to_pylist() == [237, 220, 203, 186, 169]


@pytest.mark.parametrize(
    ("request_", "message_part"),
    [
        ({"type": "page", "id": 3, "offset": -1, "limit": 10}, "offset"),
        ({"type": "page", "id": 3, "offset": 0, "limit": 10**9}, "limit"),
        ({"type": "page", "id": 3, "offset": True, "limit": 10}, "offset"),
        ({"type": "page", "id": 3, "offset": 0, "limit": 10, "sort": "id"}, "sort must be a list"),
        (
            {"type": "page", "id": 3, "offset": 0, "limit": 5, "sort": [{"column": "nope"}]},
            "no column named 'nope'",
        ),
        (
            {"type": "page", "id": 3, "offset": 0, "limit": 5, "filter": [_clause("id", "rm")]},
            "unknown filter operator",
        ),
        (
            {
                "type": "page",
                "id": 3,
                "offset": 0,
                "limit": 5,
                "filter": [_clause("id", "gt", "x")],
            },
            "not a valid",
        ),
        (
            {
                "type": "page",
                "id": 3,
                "offset": 0,
                "limit": 5,
                "filter": [_clause("tags", "gt", "1")],
            },
            "'tags' is not filterable by comparison: it holds list<string> values",
        ),
        ({"type": "drop_tables", "id": 3}, "unknown request type"),
        ({"type": "summary", "id": 3, "column": 5}, "no column"),
    ],
)
def test_bad_requests_get_error_responses(
    people: pa.Table, request_: dict, message_part: str
) -> None:
    response, buffers = TablePreview(people).handle_request(request_)
    assert response["type"] == "error"
    assert response["id"] == 3
    assert message_part in response["message"]
    assert buffers == []


@pytest.mark.parametrize("content", [None, "page", {"type": "page"}, {"id": "1"}, {"id": True}])
def test_requests_without_id_are_rejected(people: pa.Table, content: object) -> None:
    response, _ = TablePreview(people).handle_request(content)
    assert response == {"type": "error", "id": -1, "message": "request without an integer id"}


def test_summaries(people: pa.Table) -> None:
    widget = TablePreview(people)

    def summary(column: str) -> dict[str, Any]:
        response, buffers = widget.handle_request({"type": "summary", "id": 1, "column": column})
        assert response["type"] == "summary"
        assert buffers == []
        return dict(response)

    score = summary("score")
    assert (score["null_count"], score["min"], score["max"]) == (0, "0", "8")
    name = summary("name")
    assert (name["null_count"], name["distinct"], name["min"]) == (25, 225, None)
    assert summary("ok")["distinct"] == 2
    assert summary("born")["max"].startswith("2020-09-06")


def test_custom_message_round_trip_sends_response(
    people: pa.Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    widget = TablePreview(people)
    sent: list[tuple[Any, Any]] = []
    monkeypatch.setattr(
        widget, "send", lambda content, buffers=None: sent.append((content, buffers))
    )
    widget._on_custom_msg(widget, {"type": "page", "id": 41, "offset": 5, "limit": 3}, [])
    ((content, buffers),) = sent
    assert content["id"] == 41
    assert pa.ipc.open_stream(buffers[0]).read_all().column("id").to_pylist() == [5, 6, 7]


# -- sources ----------------------------------------------------------------------------------


def _table(n: int) -> pa.Table:
    return pa.table({"k": list(range(n)), "v": [f"v{i % 7}" for i in range(n)]})


def test_dataframes_via_arrow_c_stream() -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    for frame in (pd.DataFrame({"k": [2, 1]}), pl.DataFrame({"k": [2, 1]})):
        _, table = _page(TablePreview(frame), sort=[{"column": "k", "descending": False}])
        assert table.column("k").to_pylist() == [1, 2]


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".tsv", ".jsonl", ".feather", ".arrow"])
def test_file_formats_by_path(tmp_path: Path, suffix: str) -> None:
    table = _table(30)
    path = tmp_path / f"data{suffix}"
    if suffix == ".parquet":
        pq.write_table(table, path, row_group_size=8)
    elif suffix in (".csv", ".tsv"):
        options = pacsv.WriteOptions(delimiter="\t" if suffix == ".tsv" else ",")
        pacsv.write_csv(table, path, write_options=options)
    elif suffix == ".jsonl":
        rows = zip(table.column("k").to_pylist(), table.column("v").to_pylist(), strict=True)
        path.write_text("".join(f'{{"k": {k}, "v": "{v}"}}\n' for k, v in rows))
    else:
        feather.write_feather(table, path)
    widget = TablePreview(path)
    assert widget.title == path.name
    assert widget.num_rows == 30
    _, page = _page(widget, offset=6, limit=4)
    assert page.column("k").to_pylist() == [6, 7, 8, 9]
    assert page.column("v").to_pylist() == ["v6", "v0", "v1", "v2"]


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_binary_file_objects_detected_by_content(fmt: str) -> None:
    buffer = io.BytesIO()
    if fmt == "parquet":
        pq.write_table(_table(12), buffer)
    else:
        feather.write_feather(_table(12), buffer)
    buffer.seek(0)
    _, page = _page(TablePreview(buffer), sort=[{"column": "k", "descending": True}], limit=2)
    assert page.column("k").to_pylist() == [11, 10]


def test_rejects_unsupported_input() -> None:
    with pytest.raises(TypeError, match="needs a pyarrow Table"):
        open_table(42)


def test_parquet_page_reads_only_overlapping_row_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "groups.parquet"
    pq.write_table(_table(1000), path, row_group_size=100)
    widget = TablePreview(path)
    read: list[int] = []
    original = pq.ParquetFile.read_row_group

    def spy(self: pq.ParquetFile, index: int, *args: Any, **kwargs: Any) -> pa.Table:
        read.append(index)
        return original(self, index, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read_row_group", spy)
    _, page = _page(widget, offset=250, limit=100)
    assert page.column("k").to_pylist() == list(range(250, 350))
    assert read == [2, 3]


def test_large_parquet_sort_and_filter_are_bounded(tmp_path: Path) -> None:
    """Past max_in_memory_bytes a sorted/filtered view keeps a capped result and says so."""
    path = tmp_path / "big.parquet"
    pq.write_table(_table(200_000), path, row_group_size=20_000)
    widget = TablePreview(path, max_in_memory_bytes=1024)
    response, page = _page(widget, limit=3, sort=[{"column": "k", "descending": True}])
    assert page.column("k").to_pylist() == [199_999, 199_998, 199_997]
    assert response["exact"] is False
    assert response["total"] == 10_000
    assert "first 10,000 of 200,000" in response["note"]
    response, page = _page(
        widget, offset=9_998, limit=5, sort=[{"column": "k", "descending": True}]
    )
    assert page.column("k").to_pylist() == [190_001, 190_000]
    response, page = _page(widget, limit=2, filter=[_clause("v", "eq", "v3")])
    assert page.column("k").to_pylist() == [3, 10]
    assert response["exact"] is True
    assert response["total"] == 200_000 // 7 + (1 if 200_000 % 7 > 3 else 0)
    assert widget.source._in_memory() is None


@pytest.fixture(scope="module")
def ten_million_rows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("huge") / "ten_million.parquet"
    chunk = 1_000_000
    schema = pa.schema([("row", pa.int64()), ("value", pa.float64()), ("label", pa.string())])
    labels = pa.array([f"label-{i % 1000}" for i in range(chunk)])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, 10_000_000, chunk):
            rows = pa.array(range(start, start + chunk), pa.int64())
            values = pa.array([((start + i) * 7919 % 10_007) / 3 for i in range(chunk)])
            writer.write_table(
                pa.table([rows, values, labels], schema=schema), row_group_size=250_000
            )
    return path


def test_ten_million_row_parquet_previews_without_loading(ten_million_rows: Path) -> None:
    before = pa.total_allocated_bytes()
    widget = TablePreview(ten_million_rows)
    assert widget.num_rows == 10_000_000
    _, page = _page(widget, offset=9_999_990, limit=100)
    assert page.column("row").to_pylist() == list(range(9_999_990, 10_000_000))
    # Summaries come from Parquet statistics: no scan.
    response, _ = widget.handle_request({"type": "summary", "id": 2, "column": "row"})
    assert (response["min"], response["max"], response["null_count"]) == ("0", "9999999", 0)
    assert response["note"] == "from Parquet statistics"
    # A sorted view of the whole file is a bounded top-k, not a load.
    response, page = _page(widget, limit=2, sort=[{"column": "row", "descending": True}])
    assert page.column("row").to_pylist() == [9_999_999, 9_999_998]
    assert response["exact"] is False
    assert "10,000,000" in response["note"]
    # Never anywhere near the ~240 MB the columns take uncompressed.
    assert pa.total_allocated_bytes() - before < 64 * 1024 * 1024
