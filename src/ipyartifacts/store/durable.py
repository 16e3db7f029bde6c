"""Making what one writer put in the store durable, without a machine-wide ``sync()``.

A version is committed only after the blobs it names are on disk. ``os.sync()`` does
that by flushing every dirty page of every filesystem on the machine (0.2-0.6 s here
while others write), so :class:`Durability` flushes only the store's filesystem:

- on Linux, ``syncfs(fd)`` on a descriptor of the blob folder (through ctypes; one
  call, whatever the number of files, and it covers the renames' directory entries);
- elsewhere (or if ``syncfs`` is refused), ``fsync`` of each file written since the last
  flush and then of each folder that received one, as POSIX requires for a rename to
  be durable.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
import sys
import threading
from collections.abc import Callable

__all__ = ["Durability", "syncfs_function"]


@functools.cache
def syncfs_function() -> Callable[[int], int] | None:
    """libc's ``syncfs`` (returns 0 or -1 with errno set), or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.syncfs
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn


class Durability:
    """Remembers what was written under ``root`` and flushes exactly that on :meth:`flush`."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._files: list[str] = []
        self._dirs: set[str] = set()
        self._lock = threading.Lock()
        self.method = "syncfs" if syncfs_function() is not None else "fsync"

    @property
    def pending(self) -> bool:
        return bool(self._files)

    def wrote(self, path: str) -> None:
        """Record a file just renamed into place (its folder is recorded with it)."""
        with self._lock:
            self._files.append(path)
            self._dirs.add(os.path.dirname(path))

    def flush(self) -> None:
        """Make every recorded file and rename durable; then forget them."""
        with self._lock:
            files, self._files = self._files, []
            dirs, self._dirs = self._dirs, set()
        if not files:
            return
        syncfs = syncfs_function()
        if syncfs is not None and self._syncfs(syncfs):
            return
        self.method = "fsync"
        for path in files:
            with contextlib.suppress(FileNotFoundError):  # removed since (GC): nothing to keep
                _fsync_path(path, os.O_RDONLY)
        for folder in sorted(dirs):
            with contextlib.suppress(FileNotFoundError):
                _fsync_path(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))

    def _syncfs(self, syncfs: Callable[[int], int]) -> bool:
        try:
            fd = os.open(self.root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            return False
        try:
            return syncfs(fd) == 0
        finally:
            os.close(fd)


def _fsync_path(path: str, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
