"""RegistryView on a real store: rows, alias columns, links and their sources, display seam;
and the ArtifactView's registry facts (a link's source, a source's links, opening them)."""

from __future__ import annotations

from pathlib import Path

import pytest

import ipyartifacts
import ipyartifacts.widgets
from ipyartifacts.widgets import ArtifactView, RegistryView, _display
from ipyartifacts.widgets._display import mimebundle
from ipyartifacts.widgets._messages import BadRequestError
from tests.helpers import write

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def linked(work: Path) -> list[ipyartifacts.Artifact]:
    """zoo/clf:v0..v2 logged; v0 -> classifier:v0, v2 -> classifier:v1 (production), and
    v2 -> detector:v0 (staging); ``staging`` is protected in the model registry."""
    with ipyartifacts.init(project="zoo", job_type="train", name="trainer") as run:
        for i in range(3):
            art = ipyartifacts.Artifact("clf", type="model")
            write(work / "w.bin", f"weights {i}")
            art.add_file(str(work / "w.bin"))
            run.log_artifact(art)
    api = ipyartifacts.Api()
    registry = api.registry("model")
    registry.protect_aliases("staging")
    v0, v2 = api.artifact("zoo/clf:v0"), api.artifact("zoo/clf:v2")
    a = v0.link("wandb-registry-model/classifier")
    b = v2.link("wandb-registry-model/classifier", aliases=["production"])
    c = v2.link("wandb-registry-model/detector", aliases=["staging"])
    coll = api.registry("model").collections({"name": "classifier"})[0]
    coll.tags = ["vision"]
    coll.description = "<img src=x onerror=alert(1)> picks the best"
    coll.save()
    return [a, b, c]


def test_widgets_all_names() -> None:
    assert ipyartifacts.widgets.__all__ == [
        "ArtifactView",
        "DiffView",
        "FileBrowser",
        "LineageGraph",
        "RegistryView",
        "TablePreview",
        "VersionTable",
    ]


def test_rows_show_latest_production_protected_tags_and_description(
    linked: list[ipyartifacts.Artifact],
) -> None:
    view = RegistryView(ipyartifacts.Api().registry("model"))
    assert view.registry["full_name"] == "wandb-registry-model"
    assert view.registry["protected_aliases"] == ["staging"]
    assert view.registry["alias_columns"] == ["production", "staging"]
    rows = {r["name"]: r for r in view.collections}
    assert list(rows) == ["classifier", "detector"]
    clf = rows["classifier"]
    assert clf["type"] == "model"
    assert clf["link_count"] == 2
    assert clf["latest"] == "v1"
    assert clf["aliases"] == {"production": "v1", "staging": None}
    assert clf["tags"] == ["vision"]
    assert clf["description"] == "<img src=x onerror=alert(1)> picks the best"
    assert [(k["version"], k["source"]) for k in clf["links"]] == [
        ("v1", "zoo/clf:v2"),
        ("v0", "zoo/clf:v0"),
    ]
    assert clf["links"][0]["aliases"] == ["latest", "production"]
    assert clf["links"][0]["qualified_name"] == "wandb-registry-model/classifier:v1"
    det = rows["detector"]
    assert det["aliases"] == {"production": None, "staging": "v0"}
    assert det["links"][0]["source"] == "zoo/clf:v2"


def test_reload_sees_a_new_link(linked: list[ipyartifacts.Artifact]) -> None:
    view = RegistryView(ipyartifacts.Api().registry("model"))
    ipyartifacts.Api().artifact("zoo/clf:v1").link(
        "wandb-registry-model/classifier", aliases=["production"]
    )
    assert {r["name"]: r["link_count"] for r in view.collections}["classifier"] == 2
    view.reload()
    clf = {r["name"]: r for r in view.collections}["classifier"]
    assert clf["link_count"] == 3
    assert clf["aliases"]["production"] == "v2"  # moved to the new link


def test_an_empty_registry_has_no_rows(linked: list[ipyartifacts.Artifact]) -> None:
    view = RegistryView(ipyartifacts.Api().registry("dataset"))
    assert view.collections == []
    assert view.registry["alias_columns"] == ["production"]


def test_registry_display_is_the_widget_in_a_kernel_and_escaped_html_elsewhere(
    linked: list[ipyartifacts.Artifact], monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = ipyartifacts.Api().registry("model")
    data, _ = registry._repr_mimebundle_()
    assert WIDGET_MIME not in data
    assert "wandb-registry-model" in data["text/html"]
    registry.description = "<script>alert(1)</script>"
    data, _ = mimebundle(registry)
    assert "<script>" not in data["text/html"]
    assert "&lt;script&gt;" in data["text/html"]
    monkeypatch.setattr(_display, "_in_kernel", lambda: True)
    data, _ = registry._repr_mimebundle_()
    assert WIDGET_MIME in data
    assert {"text/plain", "text/html"} <= set(data)
    assert type(_display.widget_for(registry)).__name__ == "RegistryView"


# -- ArtifactView: where a version is linked, and what a link points at --------------------


def test_source_version_lists_each_link(linked: list[ipyartifacts.Artifact]) -> None:
    view = ArtifactView(ipyartifacts.Api().artifact("zoo/clf:v2"))
    assert view.overview["source"] is None
    links = sorted(view.overview["links"], key=lambda k: k["collection"])
    assert links == [
        {
            "registry": "model",
            "collection": "classifier",
            "version": "v1",
            "aliases": ["latest", "production"],
            "qualified_name": "wandb-registry-model/classifier:v1",
        },
        {
            "registry": "model",
            "collection": "detector",
            "version": "v0",
            "aliases": ["latest", "staging"],
            "qualified_name": "wandb-registry-model/detector:v0",
        },
    ]
    assert ArtifactView(ipyartifacts.Api().artifact("zoo/clf:v1")).overview["links"] == []


def test_linked_version_shows_its_source_and_opens_it(
    linked: list[ipyartifacts.Artifact],
) -> None:
    view = ArtifactView(ipyartifacts.Api().artifact("wandb-registry-model/classifier:production"))
    ov = view.overview
    assert ov["qualified_name"] == "wandb-registry-model/classifier:v1"
    assert ov["links"] == []
    assert "ipyartifacts.init(project='zoo')" in ov["snippet"]
    assert "use_artifact('wandb-registry-model/classifier:v1')" in ov["snippet"]
    assert ov["source"] == {
        "project": "zoo",
        "name": "clf",
        "version": "v2",
        "qualified_name": "zoo/clf:v2",
    }
    response, _ = view.handle_request(
        {"id": 1, "target": "overview", "type": "open", "name": "zoo/clf:v2"}
    )
    assert response["type"] == "refresh"
    assert view.artifact.qualified_name == "zoo/clf:v2"
    assert not view.artifact.is_link
    assert view.overview["source"] is None
    assert len(view.overview["links"]) == 2
    assert view.selected == "v2"
    # And back to a link, from the source's list.
    view.open_version("wandb-registry-model/detector:v0")
    assert view.artifact.is_link
    assert view.overview["source"]["qualified_name"] == "zoo/clf:v2"


def test_open_refuses_names_the_view_does_not_show(linked: list[ipyartifacts.Artifact]) -> None:
    view = ArtifactView(ipyartifacts.Api().artifact("zoo/clf:v2"))
    response, _ = view.handle_request(
        {"id": 2, "target": "overview", "type": "open", "name": "zoo/clf:v0"}
    )
    assert response["type"] == "error"
    assert "only this version's source or links" in response["message"]
    with pytest.raises(BadRequestError):
        view.open_version("../../etc/passwd")
    assert view.artifact.qualified_name == "zoo/clf:v2"


def test_a_displayed_link_stays_a_link_after_the_store_changes(
    linked: list[ipyartifacts.Artifact],
) -> None:
    view = ArtifactView(ipyartifacts.Api().artifact("wandb-registry-model/classifier:v1"))
    ipyartifacts.Api().artifact("zoo/clf:v1").link(
        "wandb-registry-model/classifier", aliases=["production"]
    )
    assert view.refresh() is True
    assert view.artifact.is_link
    assert view.overview["qualified_name"] == "wandb-registry-model/classifier:v1"
    assert view.overview["aliases"] == []  # production and latest moved to the new link
    assert view.overview["source"]["qualified_name"] == "zoo/clf:v2"
