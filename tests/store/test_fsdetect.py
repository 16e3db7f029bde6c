"""An embedded store on a network filesystem is refused (or opened in rollback mode).

Most tests point the detector at a crafted mount table through ``IPYARTIFACTS_MOUNTINFO``
(its documented test hook), because NFS, SMB or Google Drive cannot be mounted here.
A FUSE mount can: ``test_real_fuse_mount_is_refused`` mounts one with bindfs when the
tests run as root with bindfs installed (scripts/test.sh installs it), and skips saying
why otherwise.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import ipyartifacts as wandb
from ipyartifacts.core.client import Client
from ipyartifacts.errors import NetworkFilesystemError, StoreError
from ipyartifacts.store.config import resolve_store
from ipyartifacts.store.fsdetect import (
    ENV_MOUNTINFO,
    ENV_NETWORK_FS,
    Mount,
    find_mount,
    is_network_fstype,
    parse_mountinfo,
    sqlite_journal_mode,
    wal_is_safe,
)
from tests.helpers import write

MOUNTINFO = r"""22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard
40 27 0:41 / /mnt/team rw,relatime shared:7 master:2 - nfs4 fs1:/export/team rw,vers=4.2
41 27 0:42 / /mnt/team\040drive rw,nosuid - fuse.drive drive rw,user_id=0
42 40 0:43 / /mnt/team/local rw - ext4 /dev/vdb rw
43 27 0:44 / /srv/smb rw - cifs //nas/share rw
44 27 0:45 / /srv/smb rw - tmpfs tmpfs rw
garbage line
"""


def _table(tmp_path: Path, store: Path, fstype: str) -> Path:
    """A mount table putting ``store`` on a filesystem of type ``fstype``."""
    real = os.path.realpath(store)
    path = tmp_path / "mountinfo"
    path.write_text(
        "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
        f"50 27 0:50 / {real} rw,relatime shared:9 - {fstype} server:/x rw\n"
    )
    return path


def test_parse_mountinfo_reads_fields_escapes_and_optional_tags() -> None:
    mounts = parse_mountinfo(MOUNTINFO)
    assert Mount("/mnt/team", "nfs4", "fs1:/export/team") in mounts
    assert Mount("/mnt/team drive", "fuse.drive", "drive") in mounts, "\\040 is a space"
    assert len(mounts) == 7, "the malformed line is skipped"


def test_parse_proc_mounts_format() -> None:
    mounts = parse_mountinfo("/dev/vda / ext4 rw 0 0\nnas:/e /data nfs rw,vers=3 0 0\n")
    assert mounts == [Mount("/", "ext4", "/dev/vda"), Mount("/data", "nfs", "nas:/e")]


@pytest.mark.parametrize(
    ("path", "fstype"),
    [
        ("/home/me/store", "ext4"),
        ("/mnt/team", "nfs4"),
        ("/mnt/team/store/catalog.sqlite", "nfs4"),
        ("/mnt/teamwork/store", "ext4"),  # a prefix must end at a path separator
        ("/mnt/team drive/MyDrive/store", "fuse.drive"),
        ("/mnt/team/local/store", "ext4"),  # the longest mount point wins
        ("/srv/smb/store", "tmpfs"),  # mounted on top of the cifs share
    ],
)
def test_find_mount_by_longest_prefix(path: str, fstype: str) -> None:
    mount = find_mount(path, parse_mountinfo(MOUNTINFO))
    assert mount is not None
    assert mount.fstype == fstype


@pytest.mark.parametrize(
    ("fstype", "network"),
    [
        ("nfs", True),
        ("nfs4", True),
        ("cifs", True),
        ("smb3", True),
        ("9p", True),
        ("fuse", True),
        ("fuse.drive", True),
        ("fuse.gcsfuse", True),
        ("fuse.sshfs", True),
        ("ceph", True),
        ("ext4", False),
        ("xfs", False),
        ("tmpfs", False),
        ("overlay", False),
        ("fuseblk", False),
        ("fuse.fuse-overlayfs", False),
    ],
)
def test_network_fstypes(fstype: str, network: bool) -> None:
    assert is_network_fstype(fstype) is network


def test_journal_mode_follows_the_filesystem_and_the_opt_in(tmp_path: Path) -> None:
    db = tmp_path / "store" / "catalog.sqlite"
    nfs = {ENV_MOUNTINFO: str(_table(tmp_path, db.parent, "nfs4"))}
    (tmp_path / "x").mkdir()
    local = {ENV_MOUNTINFO: str(_table(tmp_path / "x", db.parent, "ext4"))}
    assert sqlite_journal_mode(db, local) == "WAL"
    with pytest.raises(NetworkFilesystemError) as err:
        sqlite_journal_mode(db, nfs)
    assert err.value.fstype == "nfs4"
    assert err.value.mount_point == os.path.realpath(db.parent)
    for advice in ("store copy", "IPYARTIFACTS_DATABASE_URL", "IPYARTIFACTS_NETWORK_FS=rollback"):
        assert advice in str(err.value)
    assert sqlite_journal_mode(db, {**nfs, ENV_NETWORK_FS: "rollback"}) == "DELETE"
    with pytest.raises(StoreError, match="only value is 'rollback'"):
        sqlite_journal_mode(db, {**nfs, ENV_NETWORK_FS: "wal-anyway"})
    assert not wal_is_safe(db, nfs)
    assert wal_is_safe(db, {ENV_MOUNTINFO: str(tmp_path / "absent")}), "unknown is allowed"


def test_store_on_nfs_is_refused_then_opened_in_rollback_mode(
    tmp_path: Path, store: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.mkdir()
    monkeypatch.setenv(ENV_MOUNTINFO, str(_table(tmp_path, store, "nfs4")))
    with pytest.raises(NetworkFilesystemError):
        Client(resolve_store(store))
    assert not (store / "catalog.sqlite").exists(), "refused before SQLite touched the file"

    monkeypatch.setenv(ENV_NETWORK_FS, "rollback")
    write(work / "a.txt", "a")
    with wandb.init(project="p") as run:
        art = wandb.Artifact("ds", "dataset")
        art.add_file(work / "a.txt")
        run.log_artifact(art)
    assert wandb.Api().artifact("p/ds:v0").digest == art.digest
    with sqlite3.connect(store / "catalog.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not (store / "catalog.sqlite-wal").exists()
    assert not (store / "catalog.sqlite-shm").exists()


def test_cli_refusal_is_one_clean_line(tmp_path: Path, store: Path) -> None:
    store.mkdir()
    env = {
        **os.environ,
        "IPYARTIFACTS_STORE": str(store),
        ENV_MOUNTINFO: str(_table(tmp_path, store, "fuse.drive")),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "ipyartifacts", "versions", "ds"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("Error: The store ")
    assert "fuse.drive" in lines[0]
    assert "ipyartifacts store copy" in lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout


@pytest.fixture
def fuse_dir(tmp_path: Path) -> Iterator[Path]:
    """A real FUSE mount (bindfs over a temp folder), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting FUSE needs root here")
    if shutil.which("bindfs") is None:
        pytest.skip("bindfs is not installed (scripts/test.sh installs it)")
    under, over = tmp_path / "under", tmp_path / "fuse"
    under.mkdir()
    over.mkdir()
    done = subprocess.run(["bindfs", str(under), str(over)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount FUSE here: {done.stderr.strip()}")
    try:
        yield over
    finally:
        subprocess.run(["fusermount", "-u", str(over)], capture_output=True)
        subprocess.run(["umount", str(over)], capture_output=True)


def test_real_fuse_mount_is_refused(fuse_dir: Path) -> None:
    store = fuse_dir / "store"
    with pytest.raises(NetworkFilesystemError) as err:
        Client(resolve_store(store))
    assert err.value.fstype.split(".")[0] == "fuse"
    assert err.value.mount_point == str(fuse_dir)


def test_the_clis_quick_reads_refuse_a_store_moved_onto_nfs(
    tmp_path: Path, store: Path, work: Path
) -> None:
    """versions and get read an existing catalog without SQLAlchemy; on a network
    filesystem they leave it to the full path, which refuses with its explanation."""
    write(work / "a.txt", "a")
    with wandb.init(project="p") as run:  # made on a local disk
        art = wandb.Artifact("ds", "dataset")
        art.add_file(work / "a.txt")
        run.log_artifact(art)
    env = {
        **os.environ,
        "IPYARTIFACTS_STORE": str(store),
        ENV_MOUNTINFO: str(_table(tmp_path, store, "nfs4")),  # now it is on NFS
    }
    for argv in (["versions", "p/ds"], ["get", "p/ds", "--root", str(tmp_path / "out")]):
        proc = subprocess.run(
            [sys.executable, "-m", "ipyartifacts", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 1, proc.stdout
        assert "network filesystem" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
