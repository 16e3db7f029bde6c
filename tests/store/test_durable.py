"""Durability without a global sync: a log flushes only the store's filesystem."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import ipyartifacts as wandb
from ipyartifacts.store import durable
from ipyartifacts.store.blobs import LocalBlobStore
from tests.helpers import write


def _no_global_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> None:
        raise AssertionError("os.sync() flushes every filesystem on the machine")

    monkeypatch.setattr(os, "sync", refuse)


def _fsynced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path fsync'ed from now on (through /proc/self/fd)."""
    seen: list[str] = []
    real = os.fsync

    def spy(fd: int) -> None:
        seen.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    return seen


@pytest.mark.skipif(durable.syncfs_function() is None, reason="syncfs is Linux-only")
def test_log_syncs_the_store_filesystem_once_and_never_calls_os_sync(
    work: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_global_sync(monkeypatch)
    real = durable.syncfs_function()
    assert real is not None
    calls: list[str] = []

    def recording(fd: int) -> int:
        calls.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real(fd)

    monkeypatch.setattr(durable, "syncfs_function", lambda: recording)
    for i in range(20):
        write(work / "data" / f"{i}.txt", f"file {i}")
    run = wandb.init(project="p")
    art = wandb.Artifact("d", "dataset")
    art.add_dir(str(work / "data"))
    run.log_artifact(art)
    assert calls == [str(store / "blobs")]  # one call for 20 files, on the store itself
    calls.clear()
    again = wandb.Artifact("d", "dataset")
    again.add_dir(str(work / "data"))
    run.log_artifact(again)
    assert calls == []  # nothing new written: nothing to flush


def test_without_syncfs_each_written_blob_and_its_folder_is_fsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_global_sync(monkeypatch)
    monkeypatch.setattr(durable, "syncfs_function", lambda: None)
    blobs = LocalBlobStore(tmp_path / "blobs")
    digests = [blobs.put_bytes(f"blob {i}".encode()) for i in range(5)]
    seen = _fsynced(monkeypatch)
    blobs.sync()
    files = {str(blobs.path(d)) for d in digests}
    folders = {os.path.dirname(f) for f in files}
    assert files | folders == set(seen)
    assert blobs.durability.method == "fsync"
    seen.clear()
    blobs.sync()
    assert seen == []  # flushed once, then forgotten


def test_a_refused_syncfs_falls_back_to_fsync_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_global_sync(monkeypatch)
    failing: Callable[[int], int] = lambda fd: -1  # noqa: E731  (as libc reports EIO)
    monkeypatch.setattr(durable, "syncfs_function", lambda: failing)
    blobs = LocalBlobStore(tmp_path / "blobs")
    digest = blobs.put_bytes(b"payload")
    seen = _fsynced(monkeypatch)
    blobs.sync()
    assert str(blobs.path(digest)) in seen
