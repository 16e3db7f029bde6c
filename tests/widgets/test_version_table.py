"""VersionTable on a real embedded store: rows, numeric version sort, metadata columns, selection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import traitlets

import ipyartifacts
from ipyartifacts.widgets import VersionTable
from tests.helpers import write


@pytest.fixture
def collection(work: Path) -> str:
    run = ipyartifacts.init(project="widgets", job_type="train")
    for i in range(12):
        artifact = ipyartifacts.Artifact("model", type="model", metadata={"acc": i / 10, "i": i})
        if i == 3:
            artifact.metadata["note"] = "<img src=x onerror=alert(1)>"
        write(work / f"w{i}.bin", b"x" * (100 * (i + 1)))
        artifact.add_file(str(work / f"w{i}.bin"), name="weights.bin")
        run.log_artifact(
            artifact, aliases=["best"] if i == 7 else None, tags=["t"] if i % 2 else None
        )
    ipyartifacts.finish()
    return "widgets/model"


def _page(widget: VersionTable, **request: Any) -> tuple[dict[str, Any], pa.Table]:
    response, buffers = widget.handle_request(
        {"type": "page", "id": 1, "offset": 0, "limit": 100, "sort": [], "filter": [], **request}
    )
    assert response["type"] == "page", response
    return dict(response), pa.ipc.open_stream(buffers[0]).read_all()


def test_columns_and_rows(collection: str) -> None:
    widget = VersionTable(collection)
    names = [c["name"] for c in widget.columns]
    assert names[:8] == [
        "version",
        "aliases",
        "tags",
        "size",
        "files",
        "created",
        "run",
        "description",
    ]
    assert names[8:] == ["metadata.acc", "metadata.i", "metadata.note"]
    kinds = {c["name"]: c["kind"] for c in widget.columns}
    assert kinds["metadata.acc"] == "number"
    assert kinds["created"] == "temporal"
    assert next(c for c in widget.columns if c["name"] == "size")["format"] == "bytes"
    assert widget.num_rows == 12
    assert widget.key_column == "version"
    _, table = _page(widget)
    assert "_ipa_number" not in table.column_names
    rows = table.to_pylist()
    assert rows[0]["version"] == "v11"  # newest first
    assert rows[0]["aliases"] == "latest"
    assert rows[4]["aliases"] == "best"
    assert rows[0]["size"] == 1200
    creator = widget.versions[0].logged_by()
    assert creator is not None
    assert rows[0]["run"] == creator.name


def test_version_sorts_numerically_not_as_text(collection: str) -> None:
    widget = VersionTable(collection)
    _, table = _page(widget, sort=[{"column": "version", "descending": False}])
    assert table.column("version").to_pylist()[:3] == ["v0", "v1", "v2"]
    assert table.column("version").to_pylist()[-1] == "v11"


def test_filter_on_metadata(collection: str) -> None:
    widget = VersionTable(collection)
    response, table = _page(
        widget, filter=[{"column": "metadata.acc", "op": "ge", "value": "0.9", "value2": None}]
    )
    assert table.column("version").to_pylist() == ["v11", "v10", "v9"]
    assert response["total"] == 3
    _, table = _page(widget, filter=[{"column": "tags", "op": "eq", "value": "t", "value2": None}])
    assert len(table) == 6


def test_selection_syncs_to_artifact(collection: str) -> None:
    widget = VersionTable(collection)
    assert widget.selected is None
    assert widget.selected_artifact is None
    widget.selected = "v7"
    artifact = widget.selected_artifact
    assert artifact is not None
    assert artifact.version == "v7"
    assert "best" in artifact.aliases
    with pytest.raises(traitlets.TraitError, match="no version 'v99'"):
        widget.selected = "v99"


def test_from_a_list_of_versions(collection: str) -> None:
    versions = ipyartifacts.Api().artifacts("model", collection)[:3]
    widget = VersionTable(versions)
    assert widget.title == "model"
    assert widget.num_rows == 3
    assert [v.version for v in widget.versions] == ["v11", "v10", "v9"]


def test_ten_thousand_versions_stay_fast() -> None:
    """Building the grid and paging/sorting/filtering 10,000 versions takes well under a second."""
    import datetime as dt
    import time
    from types import SimpleNamespace

    base = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    versions = [
        SimpleNamespace(
            version=f"v{n}",
            aliases=["latest"] if n == 9999 else [],
            tags=["even"] if n % 2 == 0 else [],
            size=n * 10,
            file_count=n % 50,
            created_datetime=base + dt.timedelta(minutes=n),
            description=None,
            metadata={"loss": 1 / (n + 1), "split": "train" if n % 3 else "val"},
            collection_name="big",
        )
        for n in range(9999, -1, -1)
    ]
    start = time.perf_counter()
    widget = VersionTable(versions)  # type: ignore[arg-type]
    response, table = _page(widget, offset=5000, limit=100)
    _, sorted_page = _page(widget, sort=[{"column": "metadata.loss", "descending": False}], limit=3)
    filtered, _ = _page(
        widget, filter=[{"column": "metadata.split", "op": "eq", "value": "val", "value2": None}]
    )
    elapsed = time.perf_counter() - start
    assert widget.num_rows == 10_000
    assert response["total"] == 10_000
    assert table.column("version").to_pylist()[0] == "v4999"
    assert sorted_page.column("version").to_pylist() == ["v9999", "v9998", "v9997"]
    assert filtered["total"] == 3334
    assert elapsed < 1.5, elapsed


def test_metadata_columns_are_picked_from_the_versions_keys(collection: str) -> None:
    widget = VersionTable(collection)
    assert widget.metadata_keys == ["acc", "i", "note"]
    assert widget.metadata_columns is None  # the browser shows the first three
    widget.metadata_columns = ["note", "acc"]
    assert widget.metadata_columns == ["note", "acc"]
    with pytest.raises(traitlets.TraitError, match="no metadata column 'loss'"):
        widget.metadata_columns = ["loss"]
    widget.metadata_columns = None
    assert widget.metadata_columns is None
