"""A full or read-only disk under the store: one clear error, nothing committed, nothing left.

The store lives on a real 4 MB tmpfs mounted for the test (root only; skipped visibly
otherwise), filled to a few levels with a filler file; the CLI runs as a real subprocess.
"""

from __future__ import annotations

import errno
import os
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

import ipyartifacts as wandb
from ipyartifacts import errors
from tests.core.test_bad_input import cli, one_error_line, stored_versions, temp_files
from tests.helpers import write


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A fresh 4 MB tmpfs, unmounted at teardown."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; the disk-fault tests did not run")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield mnt
    wandb.finish()
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(disk: Path, leave: int) -> Path:
    """Write a filler file so that about ``leave`` bytes stay free."""
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    filler = disk / "filler"
    with open(filler, "wb") as out:
        try:
            out.write(b"\0" * max(0, free - leave))
            out.flush()
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    return filler


def remount(disk: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(disk)], check=True)


@pytest.mark.parametrize("leave", [0, 100_000, 1_000_000], ids=["0", "100KB", "1MB"])
def test_cli_log_on_a_full_disk_is_one_line_and_commits_nothing(
    disk: Path, work: Path, leave: int
) -> None:
    store = disk / "store"
    data = write(work / "big.bin", os.urandom(3_000_000))
    assert cli("ls", store=store).returncode == 0  # the store exists before the disk fills
    filler = fill(disk, leave)
    line = one_error_line(cli("log", str(data), "-n", "big", "-t", "dataset", store=store))
    assert "full" in line
    assert "free some space" in line
    assert temp_files(store) == []
    filler.unlink()
    assert stored_versions(store) == 0  # read once there is room: SQLite's WAL needs some
    again = cli("log", str(data), "-n", "big", "-t", "dataset", store=store)
    assert again.returncode == 0, again.stderr
    assert stored_versions(store) == 1


def test_python_log_on_a_full_disk_raises_store_full_and_finish_does_not(
    disk: Path, work: Path
) -> None:
    store = disk / "store"
    run = wandb.init(project="p", store=store)
    data = write(work / "big.bin", os.urandom(2_000_000))
    filler = fill(disk, 500_000)
    art = wandb.Artifact("big", "dataset")
    with pytest.raises(errors.StoreFullError) as info:
        art.add_file(data)  # mutable policy: the bytes are stored now, and do not fit
    assert isinstance(info.value, errors.StoreIOError)
    assert isinstance(info.value, OSError)
    assert info.value.errno == errno.ENOSPC
    assert info.value.phase
    assert temp_files(store) == []
    fill(disk, 0)  # now even the catalog cannot record the run's end
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run.finish()  # cleanup never raises
    assert run.state == "finished"
    assert stored_versions(store) == 0
    filler.unlink()
    (disk / "filler").unlink(missing_ok=True)


@pytest.mark.parametrize("command", ["log", "use", "gc"])
def test_a_read_only_store_is_one_line_naming_it(disk: Path, work: Path, command: str) -> None:
    store = disk / "store"
    data = write(work / "f.bin", os.urandom(50_000))
    assert cli("log", str(data), "-n", "f", "-t", "dataset", store=store).returncode == 0
    other = write(work / "g.bin", os.urandom(50_000))
    args = {
        "log": ["log", str(other), "-n", "f", "-t", "dataset"],
        "use": ["use", "f:latest", "--root", str(work / "out")],
        "gc": ["gc", "--grace", "0"],
    }[command]
    remount(disk, "ro")
    try:
        line = one_error_line(cli(*args, store=store))
    finally:
        remount(disk, "rw")
    assert "read-only" in line
    assert stored_versions(store) == 1
    assert temp_files(store) == []


def test_python_on_a_read_only_store_raises_store_permission_error(disk: Path, work: Path) -> None:
    store = disk / "store"
    assert cli("ls", store=store).returncode == 0
    remount(disk, "ro")
    try:
        with pytest.raises(errors.StorePermissionError) as info:
            wandb.init(project="p", store=store)
    finally:
        remount(disk, "rw")
    assert info.value.errno in (errno.EROFS, errno.EACCES)
    assert "read-only" in str(info.value)


def test_blob_write_errors_are_translated_with_errno_phase_and_path(disk: Path, work: Path) -> None:
    from ipyartifacts.store.blobs import LocalBlobStore

    blobs = LocalBlobStore(disk / "store" / "blobs")
    data = write(work / "big.bin", os.urandom(1_000_000))
    fill(disk, 0)
    with pytest.raises(errors.StoreFullError) as info:
        blobs.put_file(data)
    assert info.value.errno == errno.ENOSPC
    assert "big.bin" in info.value.phase
    assert info.value.path is not None
    assert str(disk) in info.value.path
    assert temp_files(disk / "store") == []
