"""Time to live: expired versions behave as deleted and are reclaimed by gc.

Time is moved forward by replacing the clock the catalog and artifacts read (no sleeps).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import ipyartifacts as wandb
from ipyartifacts.store.hashing import hash_bytes
from tests.helpers import write


@pytest.fixture
def advance(monkeypatch: pytest.MonkeyPatch) -> Callable[[timedelta], None]:
    """Move the clock of the catalog and of Artifact.state forward by a delta."""
    import ipyartifacts.api.artifact as artifact_mod
    import ipyartifacts.store.catalog._common as catalog_mod  # the catalog's one clock

    def move(delta: timedelta) -> None:
        def future() -> datetime:
            return datetime.now(timezone.utc) + delta

        monkeypatch.setattr(catalog_mod, "utcnow", future)
        monkeypatch.setattr(artifact_mod, "_now", future)

    return move


def _log(work: Path, content: str, ttl: timedelta | None = None) -> wandb.Artifact:
    art = wandb.Artifact("ds", "dataset")
    art.add_file(write(work / "data.txt", content))
    if ttl is not None:
        art.ttl = ttl
    with wandb.init(project="p") as run:
        run.log_artifact(art)
    return art


def test_ttl_on_a_draft_sets_expiry_from_creation(work: Path) -> None:
    art = _log(work, "a", ttl=timedelta(days=30))
    assert art.ttl == timedelta(days=30)
    assert art.expires_at == art.created_datetime + timedelta(days=30)
    fresh = wandb.Api().artifact("p/ds:v0")
    assert fresh.ttl == timedelta(days=30)  # exact: expiry is computed in the commit
    assert fresh.state == "COMMITTED"


def test_expired_version_behaves_as_deleted(
    work: Path, advance: Callable[[timedelta], None]
) -> None:
    _log(work, "keep")
    expiring = _log(work, "short-lived", ttl=timedelta(hours=2))
    api = wandb.Api()
    assert api.artifact("p/ds:latest").version == "v1"
    advance(timedelta(hours=1))
    assert api.artifact_exists("p/ds:v1")
    advance(timedelta(hours=3))
    assert not api.artifact_exists("p/ds:v1")
    with pytest.raises(wandb.ArtifactNotFoundError, match="v1 expired on"):
        api.artifact("p/ds:v1")
    assert api.artifact("p/ds:latest").version == "v0"
    assert [a.version for a in api.artifacts("dataset", "p/ds")] == ["v0"]
    assert expiring.state == "DELETED"
    with pytest.raises(wandb.ArtifactStateError, match="expired"):
        expiring.download(work / "out")
    again = _log(work, "new content")
    assert again.version == "v2"  # the expired number is not reused


def test_gc_reclaims_expired_versions(
    store: Path, work: Path, advance: Callable[[timedelta], None]
) -> None:
    _log(work, "forever")
    _log(work, "temporary", ttl=timedelta(minutes=5))
    blob = store / "blobs" / hash_bytes(b"temporary")[:2] / hash_bytes(b"temporary")[2:]
    assert wandb.gc(grace=0).blobs_removed == 0
    assert blob.exists()
    advance(timedelta(minutes=6))
    report = wandb.gc(grace=0)
    assert not blob.exists()
    assert hash_bytes(b"temporary") in report.removed
    assert report.live_versions == 1


def test_ttl_edit_on_logged_version_is_saved_and_recorded(
    work: Path, advance: Callable[[timedelta], None]
) -> None:
    art = _log(work, "a")
    assert art.ttl is None
    assert art.expires_at is None
    art.ttl = timedelta(days=7)
    art.save()
    fresh = wandb.Api().artifact("p/ds:v0")
    assert fresh.ttl == timedelta(days=7)
    assert fresh.expires_at == fresh.created_datetime + timedelta(days=7)
    (edit,) = fresh.history()
    assert edit.field == "expires_at"
    assert edit.old is None
    assert edit.new == (fresh.created_datetime + timedelta(days=7)).isoformat()
    assert edit.new_value == fresh.created_datetime + timedelta(days=7)
    fresh.ttl = None
    fresh.save()
    advance(timedelta(days=30))
    assert wandb.Api().artifact("p/ds:v0").ttl is None  # no longer expires
    assert [e.field for e in fresh.history()] == ["expires_at", "expires_at"]


def test_ttl_shorter_than_age_expires_at_once(
    work: Path, advance: Callable[[timedelta], None]
) -> None:
    art = _log(work, "a")
    advance(timedelta(days=10))
    art.ttl = timedelta(days=1)  # created 10 days ago (by the moved clock)
    art.save()
    assert not wandb.Api().artifact_exists("p/ds:v0")


def test_new_draft_keeps_the_ttl(work: Path) -> None:
    art = _log(work, "a", ttl=timedelta(hours=5))
    draft = art.new_draft()
    assert draft.ttl == timedelta(hours=5)


@pytest.mark.parametrize(
    ("value", "error"),
    [(timedelta(0), ValueError), (timedelta(seconds=-1), ValueError), (3600, TypeError)],
)
def test_invalid_ttl_is_refused(value: object, error: type[Exception]) -> None:
    art = wandb.Artifact("ds", "dataset")
    with pytest.raises(error):
        art.ttl = value  # type: ignore[assignment]
