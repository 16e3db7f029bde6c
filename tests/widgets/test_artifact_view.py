"""ArtifactView (tabs, version switching, routed requests) and the display mimebundle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import ipyartifacts
from ipyartifacts.widgets import ArtifactView, LineageGraph, _display
from ipyartifacts.widgets._display import mimebundle, text_and_html
from tests.helpers import write

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def versions(work: Path) -> list[ipyartifacts.Artifact]:
    with ipyartifacts.init(project="av", job_type="train", name="trainer") as run:
        for i in range(3):
            art = ipyartifacts.Artifact(
                "model",
                type="model",
                description="<b>bold</b> claims" if i == 2 else None,
                metadata={"epoch": i, "opt": {"lr": 0.1}},
            )
            write(work / "m" / "weights.bin", b"w" * (i + 1))
            write(work / "m" / f"extra-{i}.txt", "x")
            art.add_dir(str(work / "m"))
            run.log_artifact(art, tags=["prod"] if i == 2 else None)
    return ipyartifacts.Api().artifacts("model", "av/model")


def test_overview(versions: list[ipyartifacts.Artifact]) -> None:
    view = ArtifactView(versions[0])
    ov = view.overview
    assert ov["qualified_name"] == "av/model:v2"
    assert ov["type"] == "model"
    assert ov["aliases"] == ["latest"]
    assert ov["tags"] == ["prod"]
    assert ov["description"] == "<b>bold</b> claims"
    assert [list(pair) for pair in ov["metadata"]] == [["epoch", "2"], ["opt", '{"lr": 0.1}']]
    assert ov["created_by"]["name"] == "trainer"
    assert ov["file_count"] == 4
    assert "run.use_artifact('av/model:v2')" in ov["snippet"]
    assert view.versions_count == -1  # not computed until the tab opens
    assert view.graph == {}


def test_versions_tab_and_switching_version(versions: list[ipyartifacts.Artifact]) -> None:
    view = ArtifactView(versions[0])
    response, _ = view.handle_request({"id": 1, "target": "versions", "type": "page"})
    assert response["type"] == "error"
    view.tab = "versions"
    assert view.versions_count == 3
    response, buffers = view.handle_request(
        {"id": 2, "target": "versions", "type": "page", "offset": 0, "limit": 10}
    )
    assert pa.ipc.open_stream(buffers[0]).read_all().column("version").to_pylist() == [
        "v2",
        "v1",
        "v0",
    ]
    view.selected = "v0"
    assert view.artifact.version == "v0"
    assert view.overview["qualified_name"] == "av/model:v0"
    assert view.file_count == 2
    # Files now come from v0.
    response, _ = view.handle_request({"id": 3, "target": "files", "type": "children", "path": ""})
    assert [n["name"] for n in response["nodes"]] == ["extra-0.txt", "weights.bin"]


def test_files_and_lineage_tabs(versions: list[ipyartifacts.Artifact]) -> None:
    view = ArtifactView(versions[1], tab="lineage")
    labels = {n["label"] for n in view.graph["nodes"]}
    assert labels == {"model:v1", "trainer"}
    response, buffers = view.handle_request(
        {"id": 4, "target": "files", "type": "download", "path": "weights.bin"}
    )
    assert buffers == [b"ww"]
    response, _ = view.handle_request({"id": 5, "target": "nope", "type": "page"})
    assert response == {"type": "error", "id": 5, "message": response["message"]}
    assert "unknown target" in response["message"]


def test_text_and_html_fallbacks_escape_everything(versions: list[ipyartifacts.Artifact]) -> None:
    text, markup = text_and_html(versions[0])
    assert text.splitlines()[0] == "Artifact av/model:v2"
    assert "  tags         prod" in text
    assert "  description  <b>bold</b> claims" in text
    assert "<b>bold" not in markup
    assert "&lt;b&gt;bold&lt;/b&gt; claims" in markup


def test_mimebundle_outside_a_kernel_has_no_widget(versions: list[ipyartifacts.Artifact]) -> None:
    data, metadata = mimebundle(versions[0])
    assert set(data) == {"text/plain", "text/html"}
    assert metadata == {}


def test_mimebundle_in_a_kernel_adds_the_widget(
    versions: list[ipyartifacts.Artifact], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_display, "_in_kernel", lambda: True)
    data, _ = mimebundle(versions[0])
    assert set(data) == {"text/plain", "text/html", WIDGET_MIME}
    assert data[WIDGET_MIME]["model_id"]
    run = versions[0].logged_by()
    assert run is not None
    assert isinstance(_display.widget_for(run), LineageGraph)
    data, _ = mimebundle(run)
    assert WIDGET_MIME in data
    assert data["text/plain"].startswith(f"Run av/{run.id} (trainer)")


def test_draft_artifacts_display_as_text(monkeypatch: pytest.MonkeyPatch, work: Path) -> None:
    monkeypatch.setattr(_display, "_in_kernel", lambda: True)
    draft = ipyartifacts.Artifact("draft", type="dataset")
    data: dict[str, Any]
    data, _ = mimebundle(draft)
    assert set(data) == {"text/plain", "text/html"}
    assert "draft, not logged" in data["text/plain"]


def test_widgets_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPYARTIFACTS_WIDGETS", "0")
    assert _display._in_kernel() is False


def test_public_objects_display_through_ipython(
    versions: list[ipyartifacts.Artifact], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Artifact, Run and ArtifactCollection render via IPython's formatter, as in a notebook."""
    from IPython.core.interactiveshell import InteractiveShell

    from ipyartifacts.widgets.version_table import VersionTable

    formatter = InteractiveShell.instance().display_formatter
    art = versions[0]
    run = art.logged_by()
    assert run is not None
    coll = ipyartifacts.Api().artifact_collection(art.type, f"{art.project}/{art.collection_name}")
    for obj, title in (
        (art, f"Artifact {art.qualified_name}"),
        (run, f"Run {run.project}/{run.id}"),
        (coll, f"Artifact collection {art.project}/{art.collection_name}"),
    ):
        data, _meta = formatter.format(obj)
        assert data["text/plain"].startswith(title)
        assert "<table>" in data["text/html"]
    monkeypatch.setattr(_display, "_in_kernel", lambda: True)
    assert isinstance(_display.widget_for(coll), VersionTable)
    data, _ = coll._repr_mimebundle_()
    assert WIDGET_MIME in data


def test_overview_lists_users_ttl_and_registry_links(
    versions: list[ipyartifacts.Artifact],
) -> None:
    from datetime import timedelta

    for name in ("eval-a", "eval-b"):
        with ipyartifacts.init(project="av", job_type="eval", name=name) as run:
            run.use_artifact("av/model:v2")
    art = ipyartifacts.Api().artifact("av/model:v2")
    art.ttl = timedelta(days=30)
    art.save()
    view = ArtifactView(ipyartifacts.Api().artifact("av/model:v2"))
    ov = view.overview
    assert sorted(r["name"] for r in ov["used_by"]) == ["eval-a", "eval-b"]
    assert view.used_by_count == 2
    assert ov["ttl_seconds"] == 30 * 86400
    assert ov["expires_at"] is not None
    assert ov["expires_at"].endswith("+00:00")
    assert ov["created_at"].endswith("+00:00")  # an offset: the browser shows local time
    assert ov["links"] == []  # not linked anywhere (tests/widgets/test_registry_view.py)
    assert ov["source"] is None


def test_a_displayed_version_refreshes_when_the_store_changes(
    versions: list[ipyartifacts.Artifact], work: Path
) -> None:
    view = ArtifactView(ipyartifacts.Api().artifact("av/model:v2"))
    assert view.overview["aliases"] == ["latest"]
    assert view.refresh() is False  # nothing written since: no re-read
    view.tab = "versions"
    assert view.versions_count == 3
    with ipyartifacts.init(project="av", job_type="train") as run:
        write(work / "m" / "weights.bin", b"new weights")
        art = ipyartifacts.Artifact("model", type="model")
        art.add_dir(str(work / "m"))
        run.log_artifact(art)
    # The browser's timer asks; the version record is read again and the chip moves.
    response, _ = view.handle_request({"id": 9, "type": "refresh"})
    assert response == {"type": "refresh", "id": 9, "changed": True}
    assert view.overview["aliases"] == []
    assert view.overview["qualified_name"] == "av/model:v2"
    assert view.versions_count == 4
    response, _ = view.handle_request({"id": 10, "type": "refresh"})
    assert response["changed"] is False
    # Any other request re-reads first too: a tag added elsewhere in this kernel shows.
    other = ipyartifacts.Api().artifact("av/model:v2")
    other.tags = ["prod", "reviewed"]
    other.save()
    response, _ = view.handle_request({"id": 11, "target": "files", "type": "children", "path": ""})
    assert view.overview["tags"] == ["prod", "reviewed"]
