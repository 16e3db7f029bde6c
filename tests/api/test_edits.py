"""New versions from logged ones (new_draft) and edits of logged versions, with history."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import ipyartifacts as wandb
from ipyartifacts.store.blobs.local import LocalBlobStore
from tests.helpers import write


def _log_dir(folder: Path, name: str = "ds", **kwargs: Any) -> wandb.Artifact:
    art = wandb.Artifact(name, "dataset", **kwargs)
    art.add_dir(folder)
    with wandb.init(project="p") as run:
        run.log_artifact(art)
    return art


@pytest.fixture
def logged(work: Path) -> wandb.Artifact:
    for i in range(5):
        write(work / "data" / f"f{i}.txt", f"file {i}\n" * 100)
    return _log_dir(work / "data", metadata={"split": "train", "nested": {"lr": 0.1}})


def test_new_draft_reuses_entries_without_reading_files(
    logged: wandb.Artifact, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.rmtree(work / "data")  # the originals are gone: a draft must not need them
    stored: list[Path] = []
    real_put = LocalBlobStore.put_file

    def counting_put(self: LocalBlobStore, source: Path, expected: str | None = None) -> Any:
        stored.append(Path(source))
        return real_put(self, source, expected)

    monkeypatch.setattr(LocalBlobStore, "put_file", counting_put)
    draft = logged.new_draft()
    assert draft.is_draft()
    assert {e.path for e in draft.manifest} == {f"f{i}.txt" for i in range(5)}
    draft.add_file(write(work / "extra.txt", "new"), name="extra.txt")
    with wandb.init(project="p") as run:
        run.log_artifact(draft)
    assert stored == [work / "extra.txt"]  # only the new file was read
    assert draft.version == "v1"
    out = Path(draft.download(work / "out"))
    assert sorted(p.name for p in out.iterdir()) == ["extra.txt", *(f"f{i}.txt" for i in range(5))]
    assert (out / "f3.txt").read_text() == "file 3\n" * 100
    draft.verify(out)


def test_new_draft_copies_description_and_metadata_independently(logged: wandb.Artifact) -> None:
    draft = logged.new_draft()
    assert draft.metadata == {"split": "train", "nested": {"lr": 0.1}}
    draft.metadata["split"] = "val"
    assert logged.metadata["split"] == "train"
    assert draft.name == "ds"
    assert draft.type == "dataset"


def test_new_draft_with_identical_content_creates_no_version(logged: wandb.Artifact) -> None:
    draft = logged.new_draft()
    with wandb.init(project="p") as run:
        run.log_artifact(draft)
    assert draft.version == "v0"
    assert [a.version for a in wandb.Api().artifacts("dataset", "p/ds")] == ["v0"]


def test_logged_content_never_changes(logged: wandb.Artifact, work: Path) -> None:
    digest = logged.digest
    with pytest.raises(wandb.ArtifactStateError, match="new_draft"):
        logged.add_file(write(work / "x.txt", "x"))
    logged.description = "edited"
    logged.save()
    assert wandb.Api().artifact("p/ds:v0").digest == digest


@pytest.mark.parametrize(
    ("field", "change", "expected"),
    [
        ("description", lambda a: setattr(a, "description", "new text"), "new text"),
        ("metadata", lambda a: a.metadata.update(split="val"), {"split": "val"}),
        ("aliases", lambda a: a.aliases.append("best"), ["best", "latest"]),
        ("tags", lambda a: setattr(a, "tags", ["gold", "v2-ready"]), ["gold", "v2-ready"]),
        ("ttl", lambda a: setattr(a, "ttl", timedelta(days=3)), timedelta(days=3)),
    ],
)
def test_edits_are_saved_and_recorded(
    logged: wandb.Artifact, field: str, change: Any, expected: Any
) -> None:
    change(logged)
    logged.save()
    fresh = wandb.Api().artifact("p/ds:v0")
    got = getattr(fresh, field)
    if field == "metadata":
        assert got["split"] == expected["split"]
    elif field in ("aliases", "tags"):
        assert sorted(got) == expected
    else:
        assert got == expected
    history = fresh.history()
    assert history, "an edit must be recorded"
    recorded = {
        "description": "description",
        "metadata": "metadata",
        "aliases": "alias",
        "tags": "tag",
        "ttl": "expires_at",
    }[field]
    assert {e.field for e in history} == {recorded}
    for edit in history:
        assert edit.actor
        assert "@" in edit.actor
        assert abs(edit.at - datetime.now(timezone.utc)) < timedelta(minutes=5)


def test_history_records_who_when_and_old_values(logged: wandb.Artifact) -> None:
    logged.description = "first"
    logged.save()  # no active run: run_id is None
    with wandb.init(project="p", job_type="curate") as run:
        art = run.use_artifact("ds:v0")
        art.description = "second"
        art.metadata["split"] = "test"
        art.tags = ["checked"]
        art.save()
        run_id = run.id
    history = wandb.Api().artifact("p/ds:v0").history()
    fields = [(e.field, e.old, e.new) for e in history]
    assert ("description", None, "first") in fields
    assert ("description", "first", "second") in fields
    assert ("tag", None, "checked") in fields
    meta = next(e for e in history if e.field == "metadata")
    assert meta.old_value == {"split": "train", "nested": {"lr": 0.1}}
    assert meta.new_value == {"split": "test", "nested": {"lr": 0.1}}
    assert '"test"' in (meta.new or "")
    assert '"train"' in (meta.old or "")
    by_run = [e for e in history if e.run_id == run_id]
    assert {e.field for e in by_run} == {"description", "metadata", "tag"}
    assert [e.at for e in history] == sorted(e.at for e in history)


def test_saving_without_changes_records_nothing(logged: wandb.Artifact) -> None:
    logged.save()
    logged.save()
    assert logged.history() == []


def test_alias_moves_between_versions(logged: wandb.Artifact, work: Path) -> None:
    logged.aliases.append("prod")
    logged.save()
    write(work / "data" / "f9.txt", "more")
    v1 = _log_dir(work / "data")
    v1.aliases.append("prod")
    v1.save()
    api = wandb.Api()
    assert api.artifact("p/ds:prod").version == "v1"
    assert "prod" not in api.artifact("p/ds:v0").aliases


def test_migration_adds_actor_column_to_old_databases(store: Path, logged: wandb.Artifact) -> None:
    """A catalog created before migration 2 gains the column and keeps working."""
    url = f"sqlite:///{store / 'catalog.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_edits_version")
        conn.exec_driver_sql("ALTER TABLE edits DROP COLUMN actor")
        conn.exec_driver_sql("DELETE FROM ipa_schema_migrations WHERE version = 2")
    engine.dispose()
    from ipyartifacts.store.catalog import Catalog

    catalog = Catalog(url)
    with catalog.engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("edits")}
        versions = list(conn.exec_driver_sql("SELECT version FROM ipa_schema_migrations"))
    catalog.close()
    assert "actor" in columns
    assert (2,) in [tuple(v) for v in versions]
    logged.description = "after migration"
    logged.save()
    assert logged.history()[-1].actor is not None


def test_description_can_be_cleared(logged: wandb.Artifact) -> None:
    logged.description = "something"
    logged.save()
    logged.description = None
    logged.save()
    assert wandb.Api().artifact("p/ds:v0").description is None
    assert [(e.old, e.new) for e in logged.history()] == [(None, "something"), ("something", None)]
