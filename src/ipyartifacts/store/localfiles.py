"""Reading a local file to store or hash it: regular files only, and never a hang.

A path given to ``log`` or ``add_file`` may name a named pipe (opening it blocks until
a writer comes), a device (``/dev/zero`` never ends) or a socket. Such a path is refused
from its ``stat``, before anything opens it; and the file that is finally opened is
checked again with ``fstat``, opened non-blocking, so a swap between the check and the
open cannot make a read hang or stream a device into the store.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from ipyartifacts.errors import SourceChangedError, SpecialFileError

__all__ = ["check_regular", "describe_kind", "open_regular", "open_stat"]

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def describe_kind(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words: ``"a named pipe (FIFO)"`` ..."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular(path: str | os.PathLike[str], st: os.stat_result | None = None) -> os.stat_result:
    """The ``stat`` of ``path`` (following symlinks); raise SpecialFileError unless regular.

    Only ``stat`` is called: nothing is opened, so a named pipe cannot block.
    """
    if st is None:
        st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(path, st.st_mode)
    return st


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open a regular file for reading, refusing anything else without blocking on it.

    The path is checked with ``stat`` first; the open is non-blocking (a named pipe
    swapped in meanwhile opens at once instead of waiting for a writer) and does not
    follow a symlink that was not there when checked; the opened file is checked again
    with ``fstat``.
    """
    was_link = os.path.islink(path)
    check_regular(path)
    flags = _OPEN_FLAGS if was_link else _OPEN_FLAGS | _NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno != errno.ELOOP or was_link:
            raise
        raise SourceChangedError(
            f"{str(path)!r} became a symbolic link while it was being opened; refusing to "
            "follow it. Log it again once nothing is changing it.",
            path=str(path),
        ) from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _refuse(path, mode)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_stat(path: str, st: os.stat_result) -> tuple[int, os.stat_result] | None:
    """The fast way for a file just found regular by ``st`` (its ``stat`` a moment ago).

    One open (non-blocking, never through a symlink) and one ``fstat``: the raw fd and
    that ``fstat`` when the opened file is the same regular file ``st`` saw (device and
    inode), else None, and the caller takes :func:`open_regular`'s careful way, which
    follows a symlink that was there when checked and says clearly what is wrong with
    anything else (gone, unreadable, swapped, a pipe). Two system calls a file where
    :func:`open_regular` makes five; the same guarantees.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS | _NOFOLLOW)
    except OSError:
        return None
    try:
        fst = os.fstat(fd)
    except OSError:
        os.close(fd)
        return None
    if not stat.S_ISREG(fst.st_mode) or (fst.st_ino, fst.st_dev) != (st.st_ino, st.st_dev):
        os.close(fd)
        return None
    return fd, fst


def _refuse(path: str | os.PathLike[str], mode: int) -> SpecialFileError:
    kind = describe_kind(mode)
    return SpecialFileError(
        f"Cannot log {str(Path(path))!r}: it is {kind}. Only regular files and folders are "
        "logged; copy its content to a file first.",
        path=str(path),
        kind=kind,
    )
