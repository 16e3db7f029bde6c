"""Api queries: versions with tag and metadata filters, collections, types, runs, file pages."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ipyartifacts as wandb
from ipyartifacts.api.query import compile_metadata_filter
from ipyartifacts.core.client import get_client
from ipyartifacts.store.manifest import ManifestEntry
from tests.helpers import write


def _log(
    work: Path,
    name: str,
    type: str,
    metadata: dict[str, Any] | None = None,
    tags: list[str] | None = None,
    project: str = "p",
) -> wandb.Artifact:
    art = wandb.Artifact(name, type, metadata=metadata)
    art.add_file(write(work / name / "f.txt", f"{name} {metadata} {tags} {time.time_ns()}"))
    with wandb.init(project=project) as run:
        run.log_artifact(art, tags=tags)
    return art


@pytest.fixture
def models(work: Path) -> None:
    rows: list[tuple[dict[str, Any], list[str]]] = [
        ({"split": "train", "accuracy": 0.81, "eval": {"f1": 0.4}}, ["baseline"]),
        ({"split": "train", "accuracy": 0.93, "eval": {"f1": 0.7}}, ["candidate"]),
        ({"split": "val", "accuracy": 0.95, "notes": "good"}, ["candidate", "gold"]),
        ({"split": "val", "accuracy": "n/a", "flag": True}, []),
        ({"split": "test", "accuracy": 1, "flag": 1}, ["gold"]),
    ]
    for meta, tags in rows:
        _log(work, "model", "model", meta, tags)
    _log(work, "mnist", "dataset", {"split": "train"})
    _log(work, "cifar", "dataset", {"split": "train", "accuracy": 0.99})
    _log(work, "other", "model", {"accuracy": 0.99}, project="elsewhere")


def _versions(arts: list[wandb.Artifact]) -> list[str]:
    return [a.version for a in arts]


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"split": "train"}, ["v1", "v0"]),
        ({"accuracy": {">=": 0.93}}, ["v4", "v2", "v1"]),
        ({"accuracy": {">": 0.8, "<": 0.95}}, ["v1", "v0"]),
        ({"accuracy": {"==": 1.0}}, ["v4"]),  # JSON equality: 1 == 1.0
        ({"accuracy": {"!=": 0.81}}, ["v4", "v3", "v2", "v1"]),
        ({"accuracy": {"<": "z"}}, ["v3"]),  # strings compare with strings only
        ({"split": {"in": ["val", "test"]}}, ["v4", "v3", "v2"]),
        ({"notes": {"exists": True}}, ["v2"]),
        ({"notes": {"exists": False}}, ["v4", "v3", "v1", "v0"]),
        ({"eval.f1": {">": 0.5}}, ["v1"]),
        ({"flag": True}, ["v3"]),  # True is not 1
        ({"flag": 1}, ["v4"]),
        ({"split": "train", "accuracy": {">": 0.9}}, ["v1"]),
        ({"missing": {"!=": 3}}, []),  # absent keys match nothing but exists=False
    ],
)
def test_metadata_filters(models: None, metadata: dict[str, Any], expected: list[str]) -> None:
    assert _versions(wandb.Api().artifacts("model", "p/model", metadata=metadata)) == expected


def test_versions_newest_first_with_tags(models: None) -> None:
    api = wandb.Api()
    assert _versions(api.artifacts("model", "p/model")) == ["v4", "v3", "v2", "v1", "v0"]
    assert _versions(api.artifacts("model", "p/model", tags="gold")) == ["v4", "v2"]
    assert _versions(api.artifacts("model", "p/model", tags=["gold", "candidate"])) == ["v2"]


def test_versions_across_collections(models: None) -> None:
    api = wandb.Api()
    found = api.artifacts("dataset", "", metadata={"split": "train"}, project="p")
    assert sorted(a.name for a in found) == ["cifar:v0", "mnist:v0"]
    any_type = api.artifacts(None, "", metadata={"accuracy": {">": 0.96}}, project="p")
    assert [a.name for a in any_type] == ["cifar:v0", "model:v4"]  # newest first; not "other"


def test_artifacts_refuses_an_alias(models: None) -> None:
    with pytest.raises(wandb.InvalidNameError, match="without an alias"):
        wandb.Api().artifacts("model", "p/model:v1")


@pytest.mark.parametrize(
    ("metadata", "match"),
    [
        ({"a": {">": [1]}}, "numbers or strings"),
        ({"a": {">=": float("inf")}}, "finite"),
        ({"a": {"in": "abc"}}, "list"),
        ({"a": {"exists": 1}}, "True or False"),
        ({"a": {">>": 1}}, "Unknown operator"),
    ],
)
def test_bad_filters_are_refused(models: None, metadata: dict[str, Any], match: str) -> None:
    with pytest.raises(wandb.InvalidMetadataError, match=match):
        wandb.Api().artifacts("model", "p/model", metadata=metadata)


def test_a_plain_dict_value_is_compared_for_equality() -> None:
    f = compile_metadata_filter({"params": {"lr": 0.1, "layers": 2}})
    assert f.matches({"params": {"layers": 2, "lr": 0.1}})
    assert not f.matches({"params": {"layers": 2}})


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.one_of(st.integers(-5, 5), st.floats(-5, 5), st.text(max_size=2))),
    threshold=st.one_of(st.integers(-5, 5), st.floats(-5, 5)),
)
def test_numeric_comparison_selects_exactly_the_numbers_at_or_above(
    values: list[Any], threshold: float
) -> None:
    f = compile_metadata_filter({"x": {">=": threshold}})
    chosen = [v for v in values if f.matches({"x": v})]
    assert chosen == [v for v in values if not isinstance(v, str) and v >= threshold]


def test_collections_and_types(models: None) -> None:
    api = wandb.Api()
    colls = api.artifact_collections("p")
    assert [(c.name, c.type, c.version_count) for c in colls] == [
        ("cifar", "dataset", 1),
        ("mnist", "dataset", 1),
        ("model", "model", 5),
    ]
    assert [c.name for c in api.artifact_collections("p", "dataset")] == ["cifar", "mnist"]
    assert [t.name for t in api.artifact_types("p")] == ["dataset", "model"]
    assert [t.name for t in api.artifact_types("elsewhere")] == ["model"]
    model_type = api.artifact_type("model", "p")
    assert [c.name for c in model_type.collections()] == ["model"]
    coll = api.artifact_collection("model", "p/model")
    assert coll.latest_version == "v4"
    assert _versions(coll.versions(tags="gold")) == ["v4", "v2"]
    assert "latest" in coll.aliases
    with pytest.raises(wandb.ArtifactTypeMismatchError):
        api.artifact_collection("dataset", "p/model")
    with pytest.raises(wandb.ArtifactNotFoundError):
        api.artifact_type("code", "p")


def test_collection_counts_skip_deleted_versions(models: None) -> None:
    api = wandb.Api()
    api.artifact("p/model:v4").delete()
    api.artifact("p/model:v3").delete()
    coll = api.artifact_collection(None, "p/model")
    assert coll.version_count == 3
    assert coll.latest_version == "v2"


def test_runs_of_a_project(models: None) -> None:
    api = wandb.Api()
    runs = api.runs("p", order="-created_at")  # newest first; W&B's default is oldest first
    assert len(runs) == 7
    assert runs[0].started_at >= runs[-1].started_at
    one = api.run(f"p/{runs[0].id}")
    assert one.id == runs[0].id
    assert [a.name for a in one.logged_artifacts()] == ["cifar:v0"]


def test_keyset_paging_returns_every_version_once(work: Path, store: Path) -> None:
    for i in range(11):
        _log(work, "paged", "dataset", {"i": i})
    catalog = get_client(store).catalog
    numbers = [r.number for r in catalog.iter_versions("p", name="paged", batch_size=3)]
    assert numbers == list(range(10, -1, -1))
    across = [r.number for r in catalog.iter_versions("p", batch_size=4)]
    assert sorted(across) == list(range(11))


# -- files() paging --------------------------------------------------------------------


def test_files_paging(work: Path) -> None:
    art = wandb.Artifact("many", "dataset")
    for i in range(23):
        art.add_file(write(work / "many" / f"{i:03}.txt", str(i)))
    with wandb.init(project="p") as run:
        run.log_artifact(art)
    files = art.files(per_page=5)
    assert len(files) == 23
    assert files.page_count == 5
    pages = list(files.pages())
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    assert [e.path for p in pages for e in p] == [f"{i:03}.txt" for i in range(23)]
    assert files[7].path == "007.txt"
    assert [e.path for e in files[-2:]] == ["021.txt", "022.txt"]
    with pytest.raises(IndexError):
        files.page(5)
    assert [e.path for e in art.files(names=["003.txt", "nope", "001.txt"])] == [
        "001.txt",
        "003.txt",
    ]
    with pytest.raises(ValueError, match="per_page"):
        art.files(per_page=0)


def test_files_of_a_100k_file_version(store: Path) -> None:
    """100,000 entries (one shared blob, so the test does not write 100,000 files)."""
    client = get_client(store)
    digest = client.blobs.put_bytes(b"x")
    entries = [ManifestEntry(f"shard/{i:06}.bin", digest, 1) for i in range(100_000)]
    with wandb.init(project="p") as run:
        client.commit(
            project="p",
            name="huge",
            type="dataset",
            entries=entries,
            description=None,
            metadata={},
            run_id=run.id,
            aliases=[],
            tags=[],
        )
    art = wandb.Api().artifact("p/huge:latest")
    files = art.files(per_page=1000)
    first = files.page(0)
    last = files.page(files.page_count - 1)
    assert len(files) == 100_000
    assert files.page_count == 100
    assert first[0].path == "shard/000000.bin"
    assert last[-1].path == "shard/099999.bin"
    assert sum(len(p) for p in files.pages()) == 100_000
    assert art.file_count == 100_000


def test_deleting_a_collection_removes_it_from_listings(models: None, work: Path) -> None:
    api = wandb.Api()
    coll = api.artifact_collection("dataset", "p/mnist")
    assert coll.delete() == 1
    assert [c.name for c in api.artifact_collections("p", "dataset")] == ["cifar"]
    api.artifact_collection("dataset", "p/cifar").delete()
    assert [t.name for t in api.artifact_types("p")] == ["model"]
    with pytest.raises(wandb.ArtifactNotFoundError):
        api.artifact_collection(None, "p/mnist")
    again = _log(work, "mnist", "dataset")
    assert again.version == "v1"  # numbers are not reused after a collection is deleted


@pytest.mark.parametrize("value", ["a_b%c", "x\\y", 'quote"d', "ünïcode", "", None, False])
def test_equality_prefilter_in_sql_is_exact(work: Path, value: object) -> None:
    """String/bool/null equality is narrowed with SQL LIKE: wildcards in values must not leak."""
    decoys = ["aXbYc", "a_b%cd", "x\\\\y", "quote", "unicode", "0", "false"]
    for i, other in enumerate([value, *decoys]):
        _log(work, "m", "model", {"v": other, "nested": {"v": value}, "i": i})
    found = wandb.Api().artifacts("model", "p/m", metadata={"v": value})
    assert [a.metadata["i"] for a in found] == [0]


def test_wandb_cleanup_snippets_run_unchanged(models: None, work: Path) -> None:
    """W&B's documented clean-ups: entity/project paths, deleting by run and by aliases."""
    api = wandb.Api()
    for run in api.runs("my-team/elsewhere"):
        for artifact in run.logged_artifacts():
            artifact.delete(delete_aliases=True)
    assert api.artifact_collections("my-team/elsewhere") == []
    for v in api.artifact_collection(type_name="model", name="p/model").artifacts():
        if len(v.aliases) == 0:
            v.delete()
    assert [a.version for a in api.artifacts("model", "p/model")] == ["v4"]  # only latest
    assert [t.name for t in api.artifact_types("my-team/p")] == ["dataset", "model"]
