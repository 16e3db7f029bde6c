"""FileBrowser's request handling on a real stored artifact: tree slices, previews, downloads."""

from __future__ import annotations

import json
import struct
import time
import zlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ipyartifacts
from ipyartifacts.widgets import FileBrowser
from ipyartifacts.widgets.file_browser import MAX_TEXT_BYTES, FilesController
from tests.helpers import write


def tiny_png() -> bytes:
    """A valid 2x2 RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes([255, 0, 0, 0, 0, 255]) for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def artifact(work: Path) -> ipyartifacts.Artifact:
    src = work / "src"
    write(src / "images" / "red.png", tiny_png())
    write(src / "images" / "fake.png", b"<script>alert(1)</script>")
    write(src / "README.md", "# Title\n\n<img src=x onerror=alert(1)>\n")
    write(src / "config.json", json.dumps({"b": 1, "a": [1, 2]}))
    write(src / "big.txt", "line\n" * 40_000)
    write(src / "blob.bin", bytes(range(256)) * 4)
    (src / "tables").mkdir()
    pq.write_table(pa.table({"x": list(range(300))}), src / "tables" / "t.parquet")
    write(src / "tables" / "t.csv", "a,b\n1,x\n2,y\n")
    write(work / "elsewhere.txt", "referenced")
    with ipyartifacts.init(project="fb") as run:
        art = ipyartifacts.Artifact("things", type="dataset")
        art.add_dir(str(src))
        art.add_reference((work / "elsewhere.txt").as_uri(), name="refs/elsewhere.txt")
        run.log_artifact(art)
    return ipyartifacts.Api().artifact("fb/things:latest")


def ask(widget: FileBrowser, **content: Any) -> tuple[dict[str, Any], list[bytes]]:
    response, buffers = widget.handle_request({"id": 5, **content})
    assert response["id"] == 5
    return dict(response), buffers


def test_tree_lists_folders_first_with_totals(artifact: ipyartifacts.Artifact) -> None:
    widget = FileBrowser(artifact)
    assert widget.file_count == 9
    assert widget.title == "fb/things:v0"
    response, _ = ask(widget, type="children", path="", offset=0, limit=100)
    names = [(n["name"], n["dir"]) for n in response["nodes"]]
    assert names == [
        ("images", True), ("refs", True), ("tables", True),
        ("README.md", False), ("big.txt", False), ("blob.bin", False), ("config.json", False),
    ]  # fmt: skip
    images = response["nodes"][0]
    assert images["count"] == 2
    assert images["path"] == "images"
    response, _ = ask(widget, type="children", path="refs", offset=0, limit=10)
    (ref,) = response["nodes"]
    assert ref["path"] == "refs/elsewhere.txt"
    assert ref["ref"].startswith("file://")


def test_children_are_sliced(artifact: ipyartifacts.Artifact) -> None:
    response, _ = ask(FileBrowser(artifact), type="children", path="", offset=2, limit=2)
    assert [n["name"] for n in response["nodes"]] == ["tables", "README.md"]
    assert response["total"] == 7
    assert response["offset"] == 2


def test_image_preview_sends_bytes_only_for_real_images(artifact: ipyartifacts.Artifact) -> None:
    widget = FileBrowser(artifact)
    response, buffers = ask(widget, type="preview", path="images/red.png")
    assert (response["kind"], response["mime"]) == ("image", "image/png")
    assert buffers == [tiny_png()]
    # A .png name does not make bytes an image: shown as text, never handed to <img>.
    response, buffers = ask(widget, type="preview", path="images/fake.png")
    assert response["kind"] == "text"
    assert response["text"] == "<script>alert(1)</script>"
    assert buffers == []


def test_text_previews(artifact: ipyartifacts.Artifact) -> None:
    widget = FileBrowser(artifact)
    response, _ = ask(widget, type="preview", path="README.md")
    assert (response["kind"], response["mime"]) == ("text", "text/markdown")
    assert "<img src=x onerror=alert(1)>" in response["text"]
    response, _ = ask(widget, type="preview", path="config.json")
    assert response["text"] == json.dumps({"b": 1, "a": [1, 2]}, indent=2)
    response, _ = ask(widget, type="preview", path="big.txt")
    assert response["truncated"] is True
    assert len(response["text"]) == MAX_TEXT_BYTES


def test_binary_and_reference_previews_are_facts(artifact: ipyartifacts.Artifact) -> None:
    widget = FileBrowser(artifact)
    response, buffers = ask(widget, type="preview", path="blob.bin")
    assert (response["kind"], response["size"], buffers) == ("facts", 1024, [])
    assert len(response["digest"]) == 64
    response, _ = ask(widget, type="preview", path="refs/elsewhere.txt")
    assert response["kind"] == "facts"
    assert "reference" in response["note"]


@pytest.mark.parametrize(("path", "rows"), [("tables/t.parquet", 300), ("tables/t.csv", 2)])
def test_table_preview_and_its_pages(artifact: ipyartifacts.Artifact, path: str, rows: int) -> None:
    widget = FileBrowser(artifact)
    response, _ = ask(widget, type="preview", path=path)
    assert response["kind"] == "table"
    assert response["num_rows"] == rows
    table = response["table"]
    page, buffers = ask(
        widget, type="page", table=table, offset=0, limit=2,
        sort=[{"column": response["columns"][0]["name"], "descending": True}], filter=[],
    )  # fmt: skip
    values = pa.ipc.open_stream(buffers[0]).read_all().column(0).to_pylist()
    assert values == ([299, 298] if rows == 300 else [2, 1])
    assert page["total"] == rows
    # Pages for a table that is no longer the open preview are refused.
    stale, _ = ask(widget, type="page", table=table + 1, offset=0, limit=2)
    assert stale["type"] == "error"


def test_download(artifact: ipyartifacts.Artifact) -> None:
    widget = FileBrowser(artifact)
    response, buffers = ask(widget, type="download", path="blob.bin")
    assert response["size"] == 1024
    assert buffers == [bytes(range(256)) * 4]
    response, _ = ask(widget, type="download", path="refs/elsewhere.txt")
    assert response["type"] == "error"
    assert "reference" in response["message"]


@pytest.mark.parametrize(
    "content",
    [
        {"type": "preview", "path": "../etc/passwd"},
        {"type": "preview", "path": None},
        {"type": "children", "path": "nope"},
        {"type": "children", "path": "", "offset": -1},
        {"type": "download", "path": "images"},
        {"type": "rm", "path": ""},
    ],
)
def test_bad_requests(artifact: ipyartifacts.Artifact, content: dict[str, Any]) -> None:
    response, buffers = ask(FileBrowser(artifact), **content)
    assert response["type"] == "error"
    assert buffers == []


def test_hundred_thousand_entries_open_fast() -> None:
    entries = {
        f"shard-{i // 1000:03d}/item-{i:06d}.bin": SimpleNamespace(
            size=i, digest="0" * 64, ref=None
        )
        for i in range(100_000)
    }
    fake = SimpleNamespace(manifest=SimpleNamespace(entries=entries), name="big:v0")
    start = time.perf_counter()
    controller = FilesController(fake)  # type: ignore[arg-type]
    response, _ = controller.handle({"type": "children", "id": 1, "path": "", "limit": 50})
    response2, _ = controller.handle({"type": "children", "id": 2, "path": "shard-099"})
    elapsed = time.perf_counter() - start
    assert response["total"] == 100
    assert len(response["nodes"]) == 50
    assert response["nodes"][0]["count"] == 1000
    assert response2["total"] == 1000
    assert response2["nodes"][-1]["path"] == "shard-099/item-099999.bin"
    assert elapsed < 2.0, elapsed


def test_table_preview_of_a_stored_entry(artifact: ipyartifacts.Artifact) -> None:
    from ipyartifacts.widgets import TablePreview

    widget = TablePreview(artifact.get_entry("tables/t.parquet"))
    assert widget.title == "tables/t.parquet"
    assert widget.num_rows == 300
    response, buffers = widget.handle_request(
        {"type": "page", "id": 1, "offset": 298, "limit": 5, "sort": [], "filter": []}
    )
    assert pa.ipc.open_stream(buffers[0]).read_all().column("x").to_pylist() == [298, 299]
    assert response["total"] == 300
    assert TablePreview(artifact.get_entry("tables/t.csv")).num_rows == 2
    with pytest.raises(ValueError, match="is a reference"):
        TablePreview(artifact.get_entry("refs/elsewhere.txt"))
