"""LineageGraph on a real store: nodes, edge directions, depth, clusters, re-centring."""

from __future__ import annotations

from pathlib import Path

import pytest
import traitlets

import ipyartifacts
from ipyartifacts.widgets import LineageGraph
from ipyartifacts.widgets.lineage_graph import node_id
from tests.helpers import write


def _log(run: ipyartifacts.Run, name: str, type_: str, path: Path) -> ipyartifacts.Artifact:
    art = ipyartifacts.Artifact(name, type=type_)
    art.add_file(str(path))
    return run.log_artifact(art)


@pytest.fixture
def model(work: Path) -> ipyartifacts.Artifact:
    """raw -> [prep] -> dataset -> [train] -> model -> [eval-0..eval-9]"""
    write(work / "raw.txt", "raw")
    write(work / "data.txt", "data")
    write(work / "model.txt", "model")
    with ipyartifacts.init(project="lin", job_type="ingest") as run:
        _log(run, "raw", "raw", work / "raw.txt")
    with ipyartifacts.init(project="lin", job_type="prep") as run:
        run.use_artifact("raw:latest")
        _log(run, "dataset", "dataset", work / "data.txt")
    with ipyartifacts.init(project="lin", job_type="train", name="train-run") as run:
        run.use_artifact("dataset:latest")
        _log(run, "model", "model", work / "model.txt")
    for i in range(10):
        with ipyartifacts.init(project="lin", job_type="eval", name=f"eval-{i}") as run:
            run.use_artifact("model:latest")
    return ipyartifacts.Api().artifact("lin/model:latest")


def _labels(widget: LineageGraph) -> dict[str, str]:
    return {n["id"]: n["label"] for n in widget.graph["nodes"]}


def test_depth_one_shows_creator_and_clusters_many_users(model: ipyartifacts.Artifact) -> None:
    widget = LineageGraph(model, depth=1)
    nodes = {n["label"]: n for n in widget.graph["nodes"]}
    assert set(nodes) == {"model:v0", "train-run", "10 runs"}
    assert nodes["model:v0"]["center"] is True
    assert nodes["model:v0"]["kind"] == "artifact"
    assert nodes["train-run"]["kind"] == "run"
    cluster = nodes["10 runs"]
    assert cluster["kind"] == "cluster"
    assert sorted(m["label"] for m in cluster["members"]) == [f"eval-{i}" for i in range(10)]
    edges = {(e["source"], e["target"]) for e in widget.graph["edges"]}
    model_id = node_id(model)
    assert edges == {(nodes["train-run"]["id"], model_id), (model_id, cluster["id"])}
    assert widget.graph["truncated"] is True


def test_depth_grows_upstream(model: ipyartifacts.Artifact) -> None:
    widget = LineageGraph(model, depth=1)
    widget.depth = 4
    labels = set(_labels(widget).values())
    assert {"raw:v0", "dataset:v0", "train-run", "model:v0"} <= labels
    assert len(labels) == 6  # + the prep run and the cluster of eval runs
    assert widget.graph["truncated"] is True  # raw:v0's ingest run is 5 hops away
    widget.depth = 5
    assert len(widget.graph["nodes"]) == 7
    assert widget.graph["truncated"] is False
    with pytest.raises(traitlets.TraitError):
        widget.depth = "deep"  # type: ignore[assignment]
    widget.depth = 99
    assert widget.depth == 6


def test_recentre_on_a_cluster_member(model: ipyartifacts.Artifact) -> None:
    widget = LineageGraph(model, depth=1)
    cluster = next(n for n in widget.graph["nodes"] if n["kind"] == "cluster")
    member = next(m for m in cluster["members"] if m["label"] == "eval-3")
    widget.center = member["id"]
    nodes = {n["label"]: n for n in widget.graph["nodes"]}
    assert nodes["eval-3"]["center"] is True
    assert set(nodes) == {"eval-3", "model:v0"}
    assert widget.center_object.name == "eval-3"


def test_unknown_centre_is_reported_not_raised(model: ipyartifacts.Artifact) -> None:
    widget = LineageGraph(model, depth=1)
    before = widget.graph
    widget.center = "run:<img src=x>"
    assert widget.error == "unknown node 'run:<img src=x>'"
    assert widget.graph == before


def test_run_centre(model: ipyartifacts.Artifact) -> None:
    run = model.logged_by()
    assert run is not None
    widget = LineageGraph(run, depth=1)
    assert set(_labels(widget).values()) == {"train-run", "dataset:v0", "model:v0"}


def test_big_clusters_send_a_few_members_and_search_the_rest(
    model: ipyartifacts.Artifact, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ipyartifacts.widgets import ArtifactView, lineage_graph

    monkeypatch.setattr(lineage_graph, "MEMBERS_SHOWN", 3)
    widget = LineageGraph(model, depth=1)
    cluster = next(n for n in widget.graph["nodes"] if n["kind"] == "cluster")
    assert (len(cluster["members"]), cluster["member_count"]) == (3, 10)

    def search(query: object, cluster_id: object = cluster["id"]) -> dict:
        response, buffers = widget.handle_request(
            {"type": "members", "id": 9, "cluster": cluster_id, "query": query}
        )
        assert buffers == []
        return dict(response)

    found = search("EVAL-7")
    assert (found["total"], [m["label"] for m in found["members"]]) == (1, ["eval-7"])
    assert search("")["total"] == 10
    # The member found by search can be re-centred on.
    widget.center = found["members"][0]["id"]
    assert widget.error is None
    assert widget.center_object.name == "eval-7"
    assert search("x", "cluster:nope")["type"] == "error"
    assert search(None)["type"] == "error"
    # ArtifactView routes the same search to its Lineage tab.
    view = ArtifactView(model, tab="lineage")
    response, _ = view.handle_request(
        {
            "type": "members",
            "id": 1,
            "target": "lineage",
            "cluster": cluster["id"],
            "query": "eval-3",
        }
    )
    assert [m["label"] for m in response["members"]] == ["eval-3"]


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_depth_counts_steps_like_the_lineage_command(
    model: ipyartifacts.Artifact, depth: int
) -> None:
    """depth N = N edges each way, in the widget and in `%artifact lineage --depth N` alike."""
    from ipyartifacts.frontends.frontend import Frontend
    from ipyartifacts.frontends.ops import lineage as lineage_op

    dataset = ipyartifacts.Api().artifact("lin/dataset:latest")
    widget = LineageGraph(dataset, depth=depth)
    shown = {n["id"] for n in widget.graph["nodes"] if n["kind"] != "cluster"}
    clusters = [n for n in widget.graph["nodes"] if n["kind"] == "cluster"]
    fe = Frontend(name="cli", start_run=_no_run)
    view = lineage_op(fe, "lin/dataset:latest", depth)
    listed = {n.id for n in view.nodes}
    # Upstream of dataset: prep (1 step), raw (2), ingest (3); downstream: train-run (1),
    # model (2), the ten eval runs (3); nothing beyond.
    expected = {1: 3, 2: 5, 3: 16, 4: 16, 5: 16}
    assert len(shown) + sum(c["member_count"] for c in clusters) == expected[depth]
    member_ids = {m["id"] for c in clusters for m in c["members"]}
    assert listed == shown | member_ids


def _no_run(project: str | None, store: str | None, strict: bool) -> ipyartifacts.Run:
    raise AssertionError("lineage starts no run")


def test_nodes_carry_the_details_panel_facts(model: ipyartifacts.Artifact) -> None:
    widget = LineageGraph(model, depth=1)
    nodes = {n["label"]: n for n in widget.graph["nodes"]}
    info = nodes["model:v0"]["info"]
    assert info is not None
    assert (info["type"], info["aliases"], info["created_by"]) == ("model", ["latest"], "train-run")
    assert info["size"] == model.size
    assert info["qualified_name"] == "lin/model:v0"
    assert info["created_at"] == model.created_datetime.isoformat(timespec="seconds")
    assert info["created_at"].endswith("+00:00")  # an offset, so browsers convert it
    run_info = nodes["train-run"]["info"]
    assert run_info is not None
    assert (run_info["job_type"], run_info["state"], run_info["size"]) == (
        "train",
        "finished",
        None,
    )
    assert nodes["10 runs"]["info"] is None


# -- registry links ---------------------------------------------------------------------------


def test_a_source_version_draws_its_registry_links(model: ipyartifacts.Artifact) -> None:
    linked = model.link("wandb-registry-model/classifier", aliases=["production"])
    widget = LineageGraph(model, depth=1, cluster_at=20)
    nodes = {n["id"]: n for n in widget.graph["nodes"]}
    link_id = node_id(linked)
    assert link_id.startswith("link:")
    assert link_id != node_id(model)  # a link shares its source's version id, not its node
    link = nodes[link_id]
    assert link["kind"] == "link"
    assert link["label"] == "classifier:v0"
    assert link["sub"] == "registry model · model"
    assert link["info"]["source"] == "lin/model:v0"
    assert link["info"]["aliases"] == ["latest", "production"]
    edges = {(e["source"], e["target"]) for e in widget.graph["edges"]}
    assert (node_id(model), link_id) in edges
    assert nodes[node_id(model)]["info"]["source"] is None


def test_a_linked_version_centres_with_its_source_upstream(model: ipyartifacts.Artifact) -> None:
    model.link("wandb-registry-model/classifier")
    linked = ipyartifacts.Api().artifact("wandb-registry-model/classifier:latest")
    widget = LineageGraph(linked, depth=2, cluster_at=20)
    nodes = {n["id"]: n for n in widget.graph["nodes"]}
    center = nodes[node_id(linked)]
    assert center["center"] is True
    assert center["kind"] == "link"
    assert nodes[node_id(model)]["kind"] == "artifact"
    labels = {n["label"] for n in nodes.values()}
    assert "train-run" in labels  # two steps up: source version, then the run that logged it
    edges = {(e["source"], e["target"]) for e in widget.graph["edges"]}
    assert (node_id(model), node_id(linked)) in edges
    # Re-centre on the source from the link's graph.
    widget.center = node_id(model)
    assert widget.center_object == model
    assert not widget.center_object.is_link


def test_a_cluster_of_runs_and_links_says_so(model: ipyartifacts.Artifact) -> None:
    model.link("wandb-registry-model/classifier")
    widget = LineageGraph(model, depth=1)
    labels = {n["label"] for n in widget.graph["nodes"]}
    assert "11 runs and links" in labels
