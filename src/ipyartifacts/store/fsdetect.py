"""Is a store on a network filesystem? SQLite's WAL mode is unsafe there.

WAL keeps its index in a memory-mapped ``-shm`` file that every process shares, which
works only when all of them are on one host with one page cache. On NFS, SMB/CIFS and
FUSE mounts (Google Drive in Colab is one) that assumption breaks silently and the
catalog can be corrupted. So an embedded store found on such a filesystem is refused,
unless the user opts in to the conservative mode (``IPYARTIFACTS_NETWORK_FS=rollback``):
a rollback journal (``journal_mode=DELETE``) with ``synchronous=FULL``, which needs no
shared memory, only working POSIX locks, and so is safe for one writer at a time.

Detection reads ``/proc/self/mountinfo`` (Linux) and picks the mount holding the store's
resolved path by the longest mount-point prefix. Where there is no mount table to read
(macOS, Windows) the filesystem is *unknown*, and unknown is allowed.

``IPYARTIFACTS_MOUNTINFO`` names another mount table to read instead: a test hook (the
tests cannot always mount a network filesystem), documented so it is never a surprise.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ipyartifacts.errors import NetworkFilesystemError, StoreError

__all__ = [
    "ENV_MOUNTINFO",
    "ENV_NETWORK_FS",
    "Mount",
    "find_mount",
    "is_network_fstype",
    "mount_of",
    "parse_mountinfo",
    "sqlite_journal_mode",
    "wal_is_safe",
]

ENV_MOUNTINFO = "IPYARTIFACTS_MOUNTINFO"  # test hook: read this mount table instead
ENV_NETWORK_FS = "IPYARTIFACTS_NETWORK_FS"  # "rollback": the opt-in safe mode
ROLLBACK = "rollback"

_MOUNT_TABLES = ("/proc/self/mountinfo", "/proc/mounts")

# Filesystems whose files other hosts (or a userspace daemon) also serve: no shared
# memory across writers, and often no reliable locks.
_NETWORK = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "9p",
        "afs",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "beegfs",
        "ocfs2",
        "gfs2",
        "davfs",
        "fuse",
        "vboxsf",
        "virtiofs",
        "prl_fs",
        "vmhgfs",
    }
)
# FUSE filesystems known to be local disks (refusing them would refuse ordinary setups,
# e.g. a rootless container's root filesystem).
_LOCAL_FUSE = frozenset({"fuseblk", "fuse.fuse-overlayfs", "fuse.lxcfs"})

_OCTAL = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True)
class Mount:
    """One line of the mount table: where, what type, from where."""

    mount_point: str
    fstype: str
    source: str


def _unescape(field: str) -> str:
    # The kernel writes space, tab, newline and backslash as \040, \011, \012, \134.
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text: str) -> list[Mount]:
    """Parse ``/proc/self/mountinfo`` (or the older ``/proc/mounts``) text, in order.

    mountinfo: ``id parent major:minor root MOUNT_POINT options [optional...] - FSTYPE
    SOURCE super-options``; /proc/mounts: ``SOURCE MOUNT_POINT FSTYPE options 0 0``.
    Malformed lines are skipped.
    """
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if "-" in fields[6:]:
            sep = fields.index("-", 6)
            if len(fields) < sep + 3 or len(fields) < 5:
                continue
            mounts.append(Mount(_unescape(fields[4]), fields[sep + 1], _unescape(fields[sep + 2])))
        elif len(fields) >= 3:
            mounts.append(Mount(_unescape(fields[1]), fields[2], _unescape(fields[0])))
    return mounts


def find_mount(path: str, mounts: Sequence[Mount]) -> Mount | None:
    """The mount holding absolute ``path``: the longest mount point that contains it.

    Of several mounts on one point the last listed wins (it is mounted on top).
    """
    best: Mount | None = None
    for mount in mounts:
        point = mount.mount_point.rstrip("/") or "/"
        inside = point == "/" or path == point or path.startswith(point + "/")
        if inside and (best is None or len(point) >= len(best.mount_point.rstrip("/") or "/")):
            best = mount
    return best


def is_network_fstype(fstype: str) -> bool:
    """Whether a filesystem type is shared over a network or served by FUSE."""
    if fstype in _LOCAL_FUSE:
        return False
    base = fstype.split(".", 1)[0]  # fuse.sshfs, fuse.drive, fuse.gcsfuse, nfs4 ...
    return fstype in _NETWORK or base in _NETWORK


def _read_table(env: Mapping[str, str]) -> str | None:
    override = env.get(ENV_MOUNTINFO)
    candidates: Iterable[str] = (override,) if override else _MOUNT_TABLES
    for candidate in candidates:
        try:
            return Path(candidate).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return None


def mount_of(path: Path, env: Mapping[str, str] | None = None) -> Mount | None:
    """The mount holding ``path`` (resolved, symlinks followed), or None when unknown."""
    table = _read_table(os.environ if env is None else env)
    if table is None:
        return None
    return find_mount(os.path.realpath(path), parse_mountinfo(table))


def wal_is_safe(path: Path, env: Mapping[str, str] | None = None) -> bool:
    """False when ``path`` is on a network or FUSE filesystem (unknown counts as safe)."""
    mount = mount_of(path, env)
    return mount is None or not is_network_fstype(mount.fstype)


def sqlite_journal_mode(db_path: Path, env: Mapping[str, str] | None = None) -> str:
    """The journal mode to open the SQLite catalog at ``db_path`` with.

    ``"WAL"`` on a local (or unknown) filesystem. On a network filesystem: ``"DELETE"``
    when ``IPYARTIFACTS_NETWORK_FS=rollback``, else :class:`NetworkFilesystemError`.
    """
    env = os.environ if env is None else env
    mount = mount_of(db_path, env)
    if mount is None or not is_network_fstype(mount.fstype):
        return "WAL"
    choice = (env.get(ENV_NETWORK_FS) or "").strip().lower()
    if choice == ROLLBACK:
        return "DELETE"
    if choice:
        raise StoreError(
            f"{ENV_NETWORK_FS}={env.get(ENV_NETWORK_FS)!r} is not understood; the only "
            f"value is {ROLLBACK!r} (one writer at a time, rollback journal).",
            store=str(db_path),
        )
    store = db_path.parent
    raise NetworkFilesystemError(
        f"The store {str(store)!r} is on a network filesystem ({mount.fstype} mounted at "
        f"{mount.mount_point}), where SQLite's WAL mode can corrupt the catalog. Keep the "
        "store on a local disk (IPYARTIFACTS_STORE) and move history with `ipyartifacts "
        "store copy`, or use a team store (IPYARTIFACTS_DATABASE_URL and "
        f"IPYARTIFACTS_BLOB_URL); if only one process writes at a time, set "
        f"{ENV_NETWORK_FS}={ROLLBACK}.",
        store=str(store),
        fstype=mount.fstype,
        mount_point=mount.mount_point,
    )
