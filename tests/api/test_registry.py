"""Registries and links: W&B's registry docs snippets, run unchanged, and the rules under them."""

from __future__ import annotations

from pathlib import Path

import pytest

import ipyartifacts as wandb
from ipyartifacts import errors
from tests.helpers import write

ORG_ENTITY_NAME = "my-org"
REGISTRY_NAME = "model"
COLLECTION_NAME = "classifier"


def _logged(work: Path, name: str = "mnist-cnn", content: str = "weights-1") -> wandb.Artifact:
    write(work / "model.pt", content)
    with wandb.init(project="vision") as run:
        artifact = wandb.Artifact(name, type="model")
        artifact.add_file(local_path="model.pt")
        return run.log_artifact(artifact)


# -- W&B's docs snippets ---------------------------------------------------------------


def test_docs_link_within_a_run(work: Path) -> None:
    write(work / "model.pt", "weights")
    TEAM_ENTITY_NAME = "team"
    ARTIFACT_NAME = "mnist-cnn"
    ARTIFACT_TYPE = "model"
    with wandb.init(entity=TEAM_ENTITY_NAME, project="project_name") as run:
        artifact = wandb.Artifact(name=ARTIFACT_NAME, type=ARTIFACT_TYPE)
        artifact.add_file(local_path="model.pt")
        target_path = f"wandb-registry-{REGISTRY_NAME}/{COLLECTION_NAME}"
        linked = run.link_artifact(artifact=artifact, target_path=target_path)

    assert not artifact.is_draft()  # the draft was logged by the run first
    assert artifact.qualified_name == "project_name/mnist-cnn:v0"
    assert linked.is_link
    assert not artifact.is_link
    assert linked.qualified_name == "wandb-registry-model/classifier:v0"
    assert linked.aliases == ["latest"]
    assert linked.source_qualified_name == "project_name/mnist-cnn:v0"
    assert linked.source_version == "v0"
    assert linked.source_project == "project_name"
    assert linked.digest == artifact.digest
    assert linked.id == artifact.id


def test_docs_link_with_aliases_and_from_a_fetched_artifact_outside_a_run(work: Path) -> None:
    _logged(work)
    artifact = wandb.Api().artifact(name="team/vision/mnist-cnn:latest")
    linked = artifact.link(
        target_path=f"{ORG_ENTITY_NAME}/wandb-registry-{REGISTRY_NAME}/{COLLECTION_NAME}",
        aliases=["staging"],
    )
    assert wandb.run is None  # no run was needed
    assert set(linked.aliases) == {"latest", "staging"}
    assert artifact.aliases == ["latest"]  # the source's aliases are its own
    assert [a.qualified_name for a in artifact.linked_artifacts] == [linked.qualified_name]
    assert linked.linked_artifacts == []  # W&B: a link has no links
    assert linked.source_artifact == artifact
    assert artifact.source_artifact is artifact
    assert artifact.source_name == "mnist-cnn:v0"  # not a link: source_* are its own


def test_docs_linking_creates_the_collection_and_numbers_links_in_order(work: Path) -> None:
    api = wandb.Api()
    assert api.registry("model").collections() == []
    first = _logged(work, content="a")
    second = _logged(work, content="b")
    assert second.version == "v1"
    # Link out of order: numbers follow link order, not source order.
    l0 = second.link("wandb-registry-model/classifier")
    l1 = first.link("wandb-registry-model/classifier")
    assert (l0.version, l1.version) == ("v0", "v1")
    assert l1.source_version == "v0"
    assert l0.source_version == "v1"
    [collection] = api.registry("model").collections()
    assert (collection.name, collection.type, len(collection)) == ("classifier", "model", 2)
    latest = api.artifact("wandb-registry-model/classifier:latest")
    assert latest.version == "v1"
    assert latest.source_version == "v0"


def test_linking_the_same_version_twice_makes_no_second_link(work: Path) -> None:
    artifact = _logged(work)
    one = artifact.link("wandb-registry-model/classifier", aliases=["staging"])
    two = artifact.link("wandb-registry-model/classifier", aliases=["candidate"])
    assert one.version == two.version == "v0"
    assert set(two.aliases) == {"latest", "staging", "candidate"}
    assert len(wandb.Api().artifacts("model", "wandb-registry-model/classifier")) == 1


def test_docs_download_a_linked_artifact_in_and_outside_a_run(work: Path) -> None:
    source = _logged(work, content="the weights")
    source.link("wandb-registry-model/classifier", aliases=["production"])

    run = wandb.init(entity="team", project="serving")
    registered_artifact_name = (
        f"{ORG_ENTITY_NAME}/wandb-registry-{REGISTRY_NAME}/{COLLECTION_NAME}:production"
    )
    registered_artifact = run.use_artifact(artifact_or_name=registered_artifact_name)
    download_path = registered_artifact.download()
    run.finish()

    assert Path(download_path, "model.pt").read_text() == "the weights"
    by_index = wandb.Api().artifact(name=f"wandb-registry-{REGISTRY_NAME}/{COLLECTION_NAME}:v0")
    assert by_index == registered_artifact
    assert by_index.is_link


def test_lineage_goes_through_the_link_to_the_source(work: Path) -> None:
    source = _logged(work)
    source.link("wandb-registry-model/classifier", aliases=["production"])
    with wandb.init(project="serving", job_type="eval") as run:
        used = run.use_artifact("wandb-registry-model/classifier:production")
    assert [a.qualified_name for a in run.used_artifacts()] == ["vision/mnist-cnn:v0"]
    assert [r.id for r in source.used_by()] == [run.id]
    assert [r.id for r in used.used_by()] == [run.id]
    logged_by = used.logged_by()
    assert logged_by is not None
    assert logged_by.project == "vision"


def test_registry_aliases_are_independent_of_the_source_collection(work: Path) -> None:
    source = _logged(work)
    source.aliases.append("best")
    source.save()
    linked = source.link("wandb-registry-model/classifier", aliases=["production"])
    assert "best" not in linked.aliases
    assert "production" not in source.aliases
    linked.aliases.append("champion")
    linked.save()
    fresh = wandb.Api().artifact("vision/mnist-cnn:v0")
    assert set(fresh.aliases) == {"latest", "best"}
    with pytest.raises(errors.ArtifactNotFoundError, match="no version 'best'"):
        wandb.Api().artifact("wandb-registry-model/classifier:best")
    assert wandb.Api().artifact("wandb-registry-model/classifier:champion") == source


def test_unlink_removes_the_link_and_never_reuses_its_number(work: Path) -> None:
    first, second = _logged(work, content="a"), _logged(work, content="b")
    l0 = first.link("wandb-registry-model/classifier", aliases=["staging"])
    second.link("wandb-registry-model/classifier")
    l0.unlink()
    assert not l0.is_link
    assert wandb.Api().artifact("vision/mnist-cnn:v0").state == "COMMITTED"  # source stays
    with pytest.raises(errors.ArtifactNotFoundError, match="no version 'staging'"):
        wandb.Api().artifact("wandb-registry-model/classifier:staging")
    again = first.link("wandb-registry-model/classifier")
    assert again.version == "v2"  # v0 is never handed out again
    with pytest.raises(errors.ArtifactStateError, match="not a linked artifact"):
        first.unlink()
    with pytest.raises(errors.ArtifactStateError, match=r"unlink\(\)"):
        again.delete()


def test_link_targets_in_w_and_b_forms_and_clear_errors_otherwise(work: Path) -> None:
    artifact = _logged(work)
    assert artifact.link("wandb-registry-model/a").project == "wandb-registry-model"
    assert artifact.link("org/wandb-registry-model/b").collection_name == "b"
    assert artifact.link("team/model-registry/c").project == "wandb-registry-model"  # legacy
    with pytest.raises(errors.InvalidNameError, match="wandb-registry-<registry>/<collection>"):
        artifact.link("vision/d")
    with pytest.raises(errors.InvalidNameError, match="names a version"):
        artifact.link("wandb-registry-model/e:v0")
    with pytest.raises(errors.ArtifactNotFoundError, match="No registry named 'nope'"):
        artifact.link("wandb-registry-nope/e")


# -- registries ---------------------------------------------------------------------


def test_builtin_model_and_dataset_registries_exist_and_cannot_be_deleted() -> None:
    api = wandb.Api()
    assert [r.full_name for r in api.registries()] == [
        "wandb-registry-dataset",
        "wandb-registry-model",
    ]
    with pytest.raises(errors.ArtifactStateError, match="built in"):
        api.registry("model").delete()


def test_docs_create_query_and_delete_registries() -> None:
    api = wandb.Api()
    registry = api.create_registry(
        name="my-registry",
        visibility="restricted",
        organization="my-org",
        description="This is a test registry",
        artifact_types=["model"],
    )
    assert (registry.name, registry.full_name) == ("my-registry", "wandb-registry-my-registry")
    assert registry.visibility == "restricted"
    assert registry.artifact_types == ["model"]
    assert registry.allow_all_artifact_types is False
    with pytest.raises(errors.RegistryExistsError, match="already exists"):
        api.create_registry(name="my-registry", visibility="organization")

    registry = api.registry(name="my-registry", organization="my-org")
    registry.description = "This is an updated description"
    registry.save()
    assert api.registry("my-registry").description == "This is an updated description"

    registry_filters = {"name": {"$regex": "model"}}
    assert [r.name for r in api.registries(filter=registry_filters)] == ["model"]
    assert [r.name for r in api.registries(filter={"description": {"$regex": "updated"}})] == [
        "my-registry"
    ]

    registry.delete()
    with pytest.raises(errors.ArtifactNotFoundError, match="No registry named 'my-registry'"):
        api.registry("my-registry")


def test_docs_accepted_artifact_types(work: Path) -> None:
    write(work / "data.csv", "a,b\n1,2\n")
    api = wandb.Api()
    registry = api.create_registry(
        name="models-only", visibility="organization", artifact_types=["model"]
    )
    with wandb.init(project="vision") as run:
        dataset = wandb.Artifact("mnist", type="dataset")
        dataset.add_file("data.csv")
        run.log_artifact(dataset)
        with pytest.raises(errors.ArtifactTypeMismatchError, match="accepts artifact types model"):
            run.link_artifact(dataset, "wandb-registry-models-only/mnist")

    registry.artifact_types.append("dataset")
    registry.save()  # once saved, the type cannot be removed
    with pytest.raises(errors.ArtifactStateError, match="add-only"):
        registry.artifact_types.remove("dataset")
    registry.artifact_types.append("accidentally_added")
    registry.artifact_types.remove("accidentally_added")  # not saved yet: fine
    assert dataset.link("wandb-registry-models-only/mnist").type == "dataset"

    everything = api.create_registry(name="anything", visibility="organization")
    everything.artifact_types.append("model")
    with pytest.raises(errors.ArtifactStateError, match="allow_all_artifact_types is True"):
        everything.save()


def test_docs_find_registry_items_with_filters(work: Path) -> None:
    first, second = _logged(work, content="a"), _logged(work, content="b")
    first.link("wandb-registry-model/yolo-detector", aliases=["best"])
    second.link("wandb-registry-model/yolo-detector")
    second.link("wandb-registry-model/resnet", aliases=["production"])
    api = wandb.Api()

    collection_filters = {"name": {"$regex": "yolo"}}
    assert [c.name for c in api.registries().collections(filter=collection_filters)] == [
        "yolo-detector"
    ]
    found = (
        api.registries()
        .collections(filter={"name": {"$regex": "yolo"}})
        .versions(filter={"alias": "best"})
    )
    assert [a.qualified_name for a in found] == ["wandb-registry-model/yolo-detector:v0"]
    found = api.registries(filter={"name": {"$regex": "model"}}).versions(
        filter={"$or": [{"tag": "prod"}, {"alias": "production"}]}
    )
    assert [a.qualified_name for a in found] == ["wandb-registry-model/resnet:v0"]
    with pytest.raises(errors.InvalidMetadataError, match="Unsupported filter operator"):
        api.registries().versions(filter={"alias": {"$where": "1"}})


def test_docs_collection_and_version_tags(work: Path) -> None:
    _logged(work).link("wandb-registry-model/classifier")
    full_name = f"{ORG_ENTITY_NAME}/wandb-registry-{REGISTRY_NAME}/{COLLECTION_NAME}"

    collection = wandb.Api().artifact_collection(type_name="model", name=full_name)
    collection.tags = ["your-tag", "other"]
    collection.save()
    collection = wandb.Api().artifact_collection(type_name="model", name=full_name)
    collection.tags.remove("other")
    collection.save()
    assert wandb.Api().artifact_collection("model", full_name).tags == ["your-tag"]
    assert [c.name for c in wandb.Api().registries().collections(filter={"tag": "your-tag"})] == [
        "classifier"
    ]

    artifact_name = f"{ORG_ENTITY_NAME}/wandb-registry-{REGISTRY_NAME}/{COLLECTION_NAME}:v0"
    run = wandb.init(entity="team", project="curation")
    artifact = run.use_artifact(artifact_or_name=artifact_name)
    artifact.tags = ["tag2"]
    artifact.save()
    run.finish()
    found = wandb.Api().artifacts(type_name="model", name=full_name, tags=["tag2"])
    assert [a.version for a in found] == ["v0"]
    assert wandb.Api().artifact(artifact_name).tags == ["tag2"]


# -- protected aliases and alias history ------------------------------------------------


def test_protected_aliases_need_force_to_move_or_remove_and_every_move_is_recorded(
    work: Path,
) -> None:
    first, second = _logged(work, content="a"), _logged(work, content="b")
    registry = wandb.Api().registry("model")
    registry.protect_aliases("production")
    assert registry.protected_aliases == ["production"]
    l0 = first.link("wandb-registry-model/classifier", aliases=["production"])  # first set: ok

    with pytest.raises(errors.ProtectedAliasError, match="force=True") as caught:
        second.link("wandb-registry-model/classifier", aliases=["production"])
    assert (caught.value.alias, caught.value.number) == ("production", 0)
    # The refused link left nothing behind: not the link, not a number.
    assert len(wandb.Api().artifacts("model", "wandb-registry-model/classifier")) == 1

    l1 = second.link("wandb-registry-model/classifier", aliases=["production"], force=True)
    assert l1.version == "v1"
    assert "production" in l1.aliases
    l1.aliases.remove("production")
    with pytest.raises(errors.ProtectedAliasError):
        l1.save()
    assert "production" in wandb.Api().artifact("wandb-registry-model/classifier:v1").aliases
    l1.save(force=True)
    l0.aliases.append("staging")  # not protected: moves freely
    l0.save()

    moves = [(m.alias, m.old_number, m.new_number, m.forced) for m in registry.alias_history()]
    assert moves == [
        ("production", None, 0, False),
        ("production", 0, 1, True),
        ("production", 1, None, True),
        ("staging", None, 0, False),
    ]
    move = registry.alias_history(collection="classifier", alias="staging")[0]
    assert move.actor
    assert "@" in move.actor
    assert move.at is not None


def test_unlinking_a_version_holding_a_protected_alias_needs_force(work: Path) -> None:
    linked = _logged(work).link("wandb-registry-model/classifier", aliases=["production"])
    wandb.Api().registry("model").protect_aliases("production")
    with pytest.raises(errors.ProtectedAliasError):
        linked.unlink()
    linked.unlink(force=True)
    assert wandb.Api().registry("model").alias_history()[-1].new_number is None


# -- members and display ------------------------------------------------------------


def test_members_are_recorded_names() -> None:
    registry = wandb.Api().registry("model")
    registry.add_members("alice", "team:vision")
    registry.update_member("alice", role="admin")
    assert [(m.user, m.role) for m in registry.user_members()] == [("alice", "admin")]
    assert [(m.team, m.role) for m in registry.team_members()] == [("vision", "member")]
    registry.remove_members("alice")
    assert [type(m).__name__ for m in registry.members()] == ["TeamMember"]
    with pytest.raises(TypeError, match="at least one member"):
        registry.add_members()


def test_registry_displays_as_escaped_html_and_text() -> None:
    registry = wandb.Api().create_registry(
        name="evil", visibility="organization", description="<script>alert(1)</script>"
    )
    data, _meta = registry._repr_mimebundle_()
    assert "<script>" not in data["text/html"]
    assert "&lt;script&gt;" in data["text/html"]
    assert data["text/plain"].startswith("Registry wandb-registry-evil")
    assert "<script>alert(1)</script>" in data["text/plain"]


def test_deleting_a_linked_source_needs_delete_aliases_and_takes_its_links(
    work: Path,
) -> None:
    artifact = _logged(work)
    linked = artifact.link("wandb-registry-model/classifier", aliases=["production"])
    with pytest.raises(errors.ArtifactStateError, match="wandb-registry-model/classifier:v0"):
        artifact.delete()
    wandb.Api().registry("model").protect_aliases("production")
    with pytest.raises(errors.ProtectedAliasError):
        artifact.delete(delete_aliases=True)  # a protected alias never vanishes silently
    assert wandb.Api().artifact("wandb-registry-model/classifier:production") == artifact

    linked.aliases.remove("production")
    linked.save(force=True)
    artifact.delete(delete_aliases=True)
    with pytest.raises(errors.ArtifactNotFoundError, match="It has no versions"):
        wandb.Api().artifact("wandb-registry-model/classifier:latest")
    with pytest.raises(errors.ArtifactStateError, match="been deleted"):
        linked.source_artifact.link("wandb-registry-model/other")


def test_registry_collections_list_like_a_project(work: Path) -> None:
    _logged(work).link("wandb-registry-model/classifier")
    found = wandb.Api().artifact_collections("my-org/wandb-registry-model", "model")
    assert [(c.project, c.name, c.latest_version) for c in found] == [
        ("wandb-registry-model", "classifier", "v0")
    ]
    assert wandb.Api().artifact_collections("wandb-registry-model", "dataset") == []


def test_saving_a_stale_link_never_reverts_the_sources_aliases(work: Path) -> None:
    source = _logged(work)
    linked = wandb.Api().artifact(
        source.link("wandb-registry-model/classifier").qualified_name
    )  # loaded now: its view of the source's aliases is ["latest"]
    source.aliases.append("best")  # meanwhile, in the source's own collection
    source.save()
    linked.tags = ["reviewed"]
    linked.description = "approved for serving"
    linked.save()
    fresh = wandb.Api().artifact("vision/mnist-cnn:v0")
    assert set(fresh.aliases) == {"latest", "best"}
    assert fresh.tags == ["reviewed"]
    assert fresh.description == "approved for serving"
    assert [e.field for e in fresh.history()] == ["alias", "description", "tag"]


def test_rename_a_registry_and_filter_versions_on_metadata(work: Path) -> None:
    write(work / "model.pt", "w")
    with wandb.init(project="vision") as run:
        good = wandb.Artifact("clf", "model", metadata={"eval": {"accuracy": 0.95}})
        good.add_file("model.pt")
        run.link_artifact(good, "wandb-registry-model/classifier")
    registry = wandb.Api().create_registry("staging", visibility="organization")
    good.link("wandb-registry-staging/clf")
    registry.name = "candidates"
    registry.save()
    assert registry.full_name == "wandb-registry-candidates"
    assert wandb.Api().artifact("wandb-registry-candidates/clf:v0") == good
    with pytest.raises(errors.ArtifactNotFoundError, match="No registry named 'staging'"):
        wandb.Api().artifact("wandb-registry-staging/clf:v0")
    model = wandb.Api().registry("model")
    model.name = "models"
    with pytest.raises(errors.ArtifactStateError, match="cannot be renamed"):
        model.save()

    high = {"metadata.eval.accuracy": {"$gte": 0.9}}
    assert [a.project for a in wandb.Api().registries().versions(filter=high)] == [
        "wandb-registry-candidates",
        "wandb-registry-model",
    ]
    assert wandb.Api().registries().versions(filter={"metadata.eval.accuracy": {"$lt": 0.9}}) == []


def test_linking_a_link_links_its_source_and_collection_says_where_it_came_from(
    work: Path,
) -> None:
    source = _logged(work)
    linked = source.link("wandb-registry-model/classifier")
    again = linked.link("wandb-registry-dataset/picked")
    assert again.source_qualified_name == "vision/mnist-cnn:v0"  # never a link of a link
    assert linked.collection.project == "wandb-registry-model"
    assert linked.collection.name == "classifier"
    assert source.collection.project == "vision"
    assert linked.source_collection == source.collection
    assert linked.linked_at is not None
    assert source.linked_at is None
