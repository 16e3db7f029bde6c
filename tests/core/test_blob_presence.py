"""A committed version never names a blob the store does not have.

All in one process, with one stat cache and one touch memory: the case where a cached
"this blob exists" could outlive the blob (quarantined after a corrupt read, deleted
by hand, reclaimed by GC) and a new version would commit naming bytes that are gone.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import ipyartifacts as wandb
from ipyartifacts.core.client import get_client
from ipyartifacts.store.blobs import LocalBlobStore
from ipyartifacts.store.hashing import hash_bytes
from tests.helpers import write

DATA = b"the original bytes " * 100


def _blob(store: Path, data: bytes) -> Path:
    digest = hash_bytes(data)
    return store / "blobs" / digest[:2] / digest[2:]


def _log_file(path: Path, name: str = "ds", policy: str = "mutable") -> wandb.Artifact:
    art = wandb.Artifact(name, "dataset")
    art.add_file(path, policy=policy)  # type: ignore[arg-type]
    with wandb.init(project="p") as run:
        run.log_artifact(art)
    return art


def _download_bytes(ref: str, dest: Path, file: str = "a.bin") -> bytes:
    art = wandb.Api().artifact(ref)
    root = Path(art.download(dest))
    art.verify(root)
    return (root / file).read_bytes()


def _corrupt(path: Path) -> None:
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)  # blobs are read-only
    path.write_bytes(b"X" * len(path.read_bytes()))


# -- quarantine, end to end ----------------------------------------------------------


def test_relog_after_quarantine_restores_the_blob(store: Path, work: Path) -> None:
    src = write(work / "a.bin", DATA)
    _log_file(src)
    blob = _blob(store, DATA)
    _corrupt(blob)
    with pytest.raises(wandb.IntegrityError, match="Log the file again") as info:
        wandb.Api().artifact("p/ds:v0").download(work / "bad")
    assert not blob.exists()
    assert (store / "quarantine" / hash_bytes(DATA)).exists()
    assert not (work / "bad" / "a.bin").exists()
    assert info.value.digest == hash_bytes(DATA)

    _log_file(src)  # the advice: same file, same process, same stat cache
    assert blob.read_bytes() == DATA
    assert _download_bytes("p/ds:v0", work / "good") == DATA


def test_a_new_artifact_after_quarantine_downloads(store: Path, work: Path) -> None:
    src = write(work / "a.bin", DATA)
    _log_file(src)
    _corrupt(_blob(store, DATA))
    with pytest.raises(wandb.IntegrityError):
        wandb.Api().artifact("p/ds:v0").download(work / "bad")
    _log_file(src, name="other")
    assert _download_bytes("p/other:v0", work / "other") == DATA


# -- deleted by hand -------------------------------------------------------------------


def test_relog_after_a_hand_deleted_blob_restores_it(store: Path, work: Path) -> None:
    src = write(work / "a.bin", DATA)
    _log_file(src)
    _blob(store, DATA).unlink()
    with pytest.raises(wandb.ArtifactNotFoundError, match="log the files again"):
        wandb.Api().artifact("p/ds:v0").download(work / "bad")
    _log_file(src)  # following the advice of that message
    assert _download_bytes("p/ds:v0", work / "v0") == DATA


def test_new_version_naming_a_hand_deleted_blob_downloads(store: Path, work: Path) -> None:
    src = write(work / "a.bin", DATA)
    _log_file(src)
    _blob(store, DATA).unlink()
    art = wandb.Artifact("ds", "dataset")
    art.add_file(src)
    art.add_file(write(work / "b.bin", b"new"))
    with wandb.init(project="p") as run:
        run.log_artifact(art)
    assert art.version == "v1"
    assert _download_bytes("p/ds:v1", work / "v1") == DATA


def test_add_dir_after_a_hand_deleted_blob(store: Path, work: Path) -> None:
    folder = work / "d"
    write(folder / "a.bin", DATA)
    write(folder / "b.bin", b"other")
    for _ in range(2):
        if _blob(store, DATA).exists():
            _blob(store, DATA).unlink()
        art = wandb.Artifact("ds", "dataset")
        art.add_dir(folder)
        with wandb.init(project="p") as run:
            run.log_artifact(art)
    assert _download_bytes("p/ds:v0", work / "v0") == DATA


def test_immutable_policy_after_a_hand_deleted_blob(store: Path, work: Path) -> None:
    src = write(work / "a.bin", DATA)
    _log_file(src)
    _blob(store, DATA).unlink()
    _log_file(src, name="imm", policy="immutable")
    assert _download_bytes("p/imm:v0", work / "imm") == DATA


# -- the blob vanishes between staging and commit ---------------------------------------


def test_blob_gone_before_commit_is_stored_again_from_the_source(store: Path, work: Path) -> None:
    src = write(work / "a.bin", DATA)
    art = wandb.Artifact("ds", "dataset")
    art.add_file(src)
    _blob(store, DATA).unlink()
    with wandb.init(project="p") as run:
        run.log_artifact(art)
    assert _blob(store, DATA).read_bytes() == DATA
    assert _download_bytes("p/ds:v0", work / "v0") == DATA


def test_blob_gone_and_source_changed_refuses_the_commit(store: Path, work: Path) -> None:
    src = write(work / "a.bin", DATA)
    art = wandb.Artifact("ds", "dataset")
    art.add_file(src)
    _blob(store, DATA).unlink()
    write(src, b"edited since it was added")
    with (
        wandb.init(project="p") as run,
        pytest.raises(wandb.MissingBlobError, match="changed since") as info,
    ):
        run.log_artifact(art)
    assert str(src) in str(info.value)
    assert info.value.path == "a.bin"
    assert info.value.source == str(src)
    assert not _blob(store, DATA).exists(), "wrong bytes must never be stored under the digest"
    assert not _blob(store, b"edited since it was added").exists()
    assert not wandb.Api().artifact_exists("p/ds:v0")
    assert list((store / "tmp").iterdir()) == []


def test_blob_gone_and_source_deleted_refuses_the_commit(store: Path, work: Path) -> None:
    src = write(work / "a.bin", DATA)
    art = wandb.Artifact("ds", "dataset")
    art.add_file(src)
    _blob(store, DATA).unlink()
    src.unlink()
    with (
        wandb.init(project="p") as run,
        pytest.raises(wandb.MissingBlobError, match="no longer exists") as info,
    ):
        run.log_artifact(art)
    assert str(src) in str(info.value)
    assert "add the file again" in str(info.value).lower()
    assert not wandb.Api().artifact_exists("p/ds:v0")


def test_blob_gone_with_no_known_source_refuses(store: Path, work: Path) -> None:
    """A draft staged by a Client whose memory is gone (a fresh process, say)."""
    src = write(work / "a.bin", DATA)
    art = wandb.Artifact("ds", "dataset")
    art.add_file(src)
    _blob(store, DATA).unlink()
    get_client(store)._sources.clear()
    with wandb.init(project="p") as run, pytest.raises(wandb.MissingBlobError) as info:
        run.log_artifact(art)
    assert "'a.bin'" in str(info.value)
    assert info.value.source is None


# -- gc in this process ----------------------------------------------------------------


def test_relog_after_gc_reclaimed_the_blob(store: Path, work: Path) -> None:
    src = write(work / "a.bin", DATA)
    _log_file(src).delete()
    report = wandb.gc(grace=0)
    assert hash_bytes(DATA) in report.removed
    _log_file(src, name="again")
    assert _download_bytes("p/again:v0", work / "again") == DATA


# -- the touch memory ------------------------------------------------------------------


def test_touch_memory_is_forgotten_after_a_quarantine_by_any_instance(tmp_path: Path) -> None:
    one = LocalBlobStore(tmp_path / "blobs")
    two = LocalBlobStore(tmp_path / "blobs")
    digest = one.put_bytes(b"payload")
    assert one.touch(digest)  # remembered as fresh
    two.quarantine(digest)
    assert not one.touch(digest)
    assert not one.touch(digest, check=True)


def test_touch_memory_is_forgotten_after_a_delete(tmp_path: Path) -> None:
    one = LocalBlobStore(tmp_path / "blobs")
    digest = one.put_bytes(b"payload")
    assert one.touch(digest)
    LocalBlobStore(tmp_path / "blobs").delete(digest)
    assert not one.touch(digest)


def test_checked_touch_sees_a_hand_deletion(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    digest = blobs.put_bytes(b"payload")
    assert blobs.touch(digest)
    os.unlink(blobs.path(digest))
    assert not blobs.touch(digest, check=True)
    assert not blobs.touch(digest)  # and the memory was dropped with it


def test_checked_touch_refreshes_a_stale_memory(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    digest = blobs.put_bytes(b"payload")
    old = 1_000_000_000
    os.utime(blobs.path(digest), (old, old))
    assert blobs.touch(digest, check=True)  # the memory is fresh: a stat, no utime needed
    assert os.stat(blobs.path(digest)).st_mtime == old
    blobs._fresh.clear()
    assert blobs.touch(digest, check=True)
    assert os.stat(blobs.path(digest)).st_mtime > old


def test_a_pipe_is_refused_when_added_so_no_version_names_its_bytes(
    store: Path, work: Path
) -> None:
    """A pipe can never be the staged source of a blob: add_file refuses it unopened
    (tests/core/test_bad_input.py), so commit never has to re-read one."""
    fifo = work / "stream"
    os.mkfifo(fifo)  # no writer: opening it for reading would block forever
    art = wandb.Artifact("ds", "dataset")
    with pytest.raises(wandb.SpecialFileError, match="named pipe"):
        art.add_file(fifo, name="a.bin")
    assert list(art.manifest) == []
