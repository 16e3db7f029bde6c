"""DiffView: widget state from a real diff, and the file grid's page messages (fake requests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ipyartifacts
from ipyartifacts.core.diff import ArtifactDiff, FileChange, MetadataChange
from ipyartifacts.widgets import DiffView
from ipyartifacts.widgets._display import _WIDGET_MIME
from tests.helpers import write

HOSTILE = "<img src=x onerror=window.__pwned=1>"


@pytest.fixture
def diff(work: Path) -> ArtifactDiff:
    """v0 -> v1: one file added, one removed, one modified, a table changed, metadata changed."""
    folder = work / "data"
    write(folder / "keep.txt", "same\n")
    write(folder / "gone.txt", "bye\n")
    write(folder / "edit.txt", "short\n")
    pq.write_table(pa.table({"id": [1, 2, 3], "v": ["a", "b", "c"]}), folder / "t.parquet")
    run = ipyartifacts.init(project="diffs")
    first = ipyartifacts.Artifact("ds", "dataset", metadata={"lr": 0.1, "note": "x"})
    first.add_dir(str(folder))
    run.log_artifact(first)
    (folder / "gone.txt").unlink()
    write(folder / "edit.txt", "a much longer line\n")
    write(folder / HOSTILE, "hostile name\n")
    pq.write_table(
        pa.table({"id": [1, 2, 4, 5], "v": ["a", "B", "d", "e"], "w": [1.0, 2.0, 3.0, 4.0]}),
        folder / "t.parquet",
    )
    second = ipyartifacts.Artifact("ds", "dataset", metadata={"lr": 0.2, "extra": HOSTILE})
    second.add_dir(str(folder))
    run.log_artifact(second)
    ipyartifacts.finish()
    return ipyartifacts.Api().diff("diffs/ds:v0", "diffs/ds:v1", key="id")


def _page(widget: DiffView, **request: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    response, buffers = widget.handle_request(
        {"type": "page", "id": 7, "offset": 0, "limit": 100, "sort": [], "filter": [], **request}
    )
    assert response["type"] == "page", response
    assert response["id"] == 7
    return dict(response), pa.ipc.open_stream(buffers[0]).read_all().to_pylist()


def test_state_summarises_the_diff(diff: ArtifactDiff) -> None:
    widget = DiffView(diff)
    assert (widget.a, widget.b, widget.key) == ("diffs/ds:v0", "diffs/ds:v1", "id")
    assert widget.counts == {
        "added": 1,
        "removed": 1,
        "modified": 2,
        "unchanged": 1,
        "bytes_added": len("hostile name\n"),
        "bytes_removed": len("bye\n"),
        "metadata": 3,
        "description": 0,
        "tables": 1,
    }
    assert widget.description is None
    assert [c["name"] for c in widget.columns] == ["status", "path", "before", "after", "change"]
    assert {c["name"]: c["format"] for c in widget.columns}["before"] == "bytes"
    assert widget.num_rows == 4
    assert widget.metadata == [
        {"key": "extra", "kind": "added", "old": None, "new": f'"{HOSTILE}"'},
        {"key": "lr", "kind": "changed", "old": "0.1", "new": "0.2"},
        {"key": "note", "kind": "removed", "old": '"x"', "new": None},
    ]
    (table,) = widget.tables
    assert table["path"] == "t.parquet"
    assert table["columns_added"] == ["w"]
    assert (table["rows_old"], table["rows_new"]) == (3, 4)
    assert (table["rows_added"], table["rows_removed"], table["rows_changed"]) == (2, 1, 1)
    assert table["summary"] == diff.tables[0].summary()
    assert widget.diff is diff


def test_first_page_lists_changes_in_path_order_with_sizes(diff: ArtifactDiff) -> None:
    response, rows = _page(DiffView(diff))
    assert (response["total"], response["count"], response["exact"]) == (4, 4, True)
    assert [(r["status"], r["path"]) for r in rows] == [
        ("+ added", HOSTILE),
        ("~ modified", "edit.txt"),
        ("- removed", "gone.txt"),
        ("~ modified", "t.parquet"),
    ]
    edit = rows[1]
    assert (edit["before"], edit["after"]) == (len("short\n"), len("a much longer line\n"))
    assert edit["change"] == edit["after"] - edit["before"]
    assert rows[0]["before"] is None
    assert rows[2]["after"] is None


def test_status_filter_and_sort_run_in_python(diff: ArtifactDiff) -> None:
    widget = DiffView(diff)
    _, removed = _page(
        widget, filter=[{"column": "status", "op": "contains", "value": "removed", "value2": None}]
    )
    assert [r["path"] for r in removed] == ["gone.txt"]
    _, by_change = _page(widget, sort=[{"column": "change", "descending": True}])
    changes = [r["change"] for r in by_change]
    assert changes == sorted(changes, reverse=True)


def test_a_100k_file_diff_is_sent_a_page_at_a_time() -> None:
    n = 100_000
    added = tuple(FileChange(f"f/{i:06d}.bin", None, i, None, f"d{i}") for i in range(n))
    big = ArtifactDiff("p/a:v0", "p/a:v1", added, (), (), 5, (), ())
    widget = DiffView(big)
    assert widget.num_rows == n
    assert widget.get_state().keys().isdisjoint({"rows", "files"})  # no list in the state
    response, rows = _page(widget, offset=99_950, limit=100)
    assert (response["offset"], response["count"], response["total"]) == (99_950, 50, n)
    assert rows[0]["path"] == "f/099950.bin"
    _, found = _page(
        widget, filter=[{"column": "path", "op": "contains", "value": "012345", "value2": None}]
    )
    assert [r["path"] for r in found] == ["f/012345.bin"]


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"type": "page", "id": 3, "offset": -1, "limit": 10}, "offset"),
        ({"type": "page", "id": 3, "offset": 0, "limit": 10, "sort": [{"column": "x"}]}, "x"),
        ({"type": "nope", "id": 3}, "unknown request type"),
    ],
)
def test_bad_requests_get_an_error_response(
    diff: ArtifactDiff, request_: dict[str, Any], message: str
) -> None:
    response, buffers = DiffView(diff).handle_request(request_)
    assert response["type"] == "error"
    assert response["id"] == 3
    assert message in response["message"]  # type: ignore[typeddict-item]
    assert buffers == []


def test_custom_messages_are_answered_with_arrow_buffers(
    diff: ArtifactDiff, monkeypatch: pytest.MonkeyPatch
) -> None:
    widget = DiffView(diff)
    sent: list[tuple[dict[str, Any], list[bytes]]] = []
    monkeypatch.setattr(
        widget, "send", lambda content, buffers=None: sent.append((content, buffers))
    )
    page = {"type": "page", "id": 11, "offset": 2, "limit": 1, "sort": [], "filter": []}
    widget._on_custom_msg(widget, page, [])
    ((content, buffers),) = sent
    assert (content["id"], content["count"], content["total"]) == (11, 1, 4)
    assert pa.ipc.open_stream(buffers[0]).read_all().column("path").to_pylist() == ["gone.txt"]


def test_metadata_rows_are_capped_and_long_values_cut() -> None:
    from ipyartifacts.widgets import diff_view

    changes = tuple(
        MetadataChange(f"k{i:05d}", None, "v" * 5000, "added")
        for i in range(diff_view.MAX_METADATA_ROWS + 5)
    )
    widget = DiffView(ArtifactDiff("p/a:v0", "p/a:v1", (), (), (), 0, changes, ()))
    assert widget.counts["metadata"] == diff_view.MAX_METADATA_ROWS + 5
    assert len(widget.metadata) == diff_view.MAX_METADATA_ROWS
    assert len(widget.metadata[0]["new"]) == diff_view.MAX_VALUE_CHARS


def test_artifact_diff_displays_the_widget_only_in_a_kernel(
    diff: ArtifactDiff, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ipyartifacts.widgets import _display

    bundle = diff._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert "&lt;img src=x" in bundle["text/html"]
    assert "<img" not in bundle["text/html"]
    monkeypatch.setattr(_display, "_in_kernel", lambda: True)
    bundle = diff._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", _WIDGET_MIME}
    assert bundle[_WIDGET_MIME]["model_id"]


def test_a_description_change_is_sent_and_printed(work: Path) -> None:
    from ipyartifacts.frontends.frontend import Frontend
    from ipyartifacts.frontends.ops import diff as diff_op
    from ipyartifacts.frontends.render import render_text

    run = ipyartifacts.init(project="diffs")
    for i, description in enumerate(("first cut", "cleaned labels")):
        write(work / "d" / "a.txt", f"content {i}")
        art = ipyartifacts.Artifact("desc", "dataset", description=description)
        art.add_dir(str(work / "d"))
        run.log_artifact(art)
    ipyartifacts.finish()
    widget = DiffView(ipyartifacts.Api().diff("diffs/desc:v0", "diffs/desc:v1"))
    assert widget.description == {"old": "first cut", "new": "cleaned labels"}
    assert widget.counts["description"] == 1

    def no_run(project: str | None, store: str | None, strict: bool) -> ipyartifacts.Run:
        raise AssertionError("diff starts no run")

    view = diff_op(Frontend(name="cli", start_run=no_run), "diffs/desc:v0", "v1")
    assert view.to_data()["description"] == {"old": "first cut", "new": "cleaned labels"}
    text = render_text(view.blocks())
    assert "description" in text
    assert "first cut" in text
    assert "cleaned labels" in text
