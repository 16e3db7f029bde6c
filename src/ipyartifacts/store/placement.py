"""Reading and writing files under a root without ever leaving it, even as the tree changes.

A check on a resolved path followed by a write to that path is a race: between the two,
someone can swap a folder for a symlink to anywhere. So a :class:`Placer` opens the root
once and reaches every file through directory file descriptors: each folder is opened
relative to its parent's descriptor with ``O_DIRECTORY | O_NOFOLLOW`` (created with
``mkdir(dir_fd=)`` when missing), temp files are created and renamed inside that
descriptor, and removals unlink relative to it. No component is ever resolved by name
again, so a symlink (or a file) in the way is refused, never followed.

Descriptors of the folders opened during one download are cached (a small LRU, each
entry counted while in use so that it is closed only once nobody holds it), so a
10,000-file version does not re-walk every component, nor duplicate a descriptor, per
file. A placer remembers which folders it made itself: a file in one of those was not
there before this download, so it is not looked for first. Platforms without
``dir_fd`` support (Windows) use a path-based fallback making the same checks, which is
not race-free but refuses the same trees.

Files are created with mode 0666 and folders with 0777, the kernel applying the umask
(and any default ACL) exactly as for ``cp`` and ``mkdir``.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import secrets
import stat
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from ipyartifacts.errors import InvalidPathError
from ipyartifacts.store.hashing import CHUNK_SIZE, new_hasher

if TYPE_CHECKING:
    from ipyartifacts.store.statcache import StatCache

__all__ = ["HAVE_DIR_FD", "TEMP_PREFIX", "Kind", "Opened", "Placer", "Sink"]

TEMP_PREFIX = ".ipa-"  # temp files; skipped when a root is listed
FD_CACHE_SIZE = 64  # folder descriptors kept open per placer (well below any fd limit)

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO to check it must not hang
_BINARY = getattr(os, "O_BINARY", 0)
_REPARSE_POINT = 0x400  # FILE_ATTRIBUTE_REPARSE_POINT: Windows symlinks and junctions
_REFUSED = {errno.ELOOP, errno.ENOTDIR, errno.EMLINK}  # O_NOFOLLOW met a link / not a dir

HAVE_DIR_FD = (
    bool(_DIRECTORY and _NOFOLLOW)
    and {os.open, os.mkdir, os.stat, os.rename, os.unlink, os.rmdir} <= os.supports_dir_fd
    and os.scandir in os.supports_fd
)

Handle = int | Path  # a folder: an open descriptor, or (fallback) its path
Kind = Literal["file", "link", "other"]


def _is_link(st: os.stat_result) -> bool:
    attributes = getattr(st, "st_file_attributes", 0)
    return stat.S_ISLNK(st.st_mode) or bool(attributes & _REPARSE_POINT)


def _lstat(folder: Handle, name: str) -> os.stat_result:
    if isinstance(folder, int):
        return os.stat(name, dir_fd=folder, follow_symlinks=False)
    return os.lstat(folder / name)


def _open_dir(folder: Handle, name: str) -> Handle:
    """Open sub-folder ``name`` of ``folder`` without following a link (OSError if not one)."""
    if isinstance(folder, int):
        return os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=folder)
    st = os.lstat(folder / name)
    if _is_link(st):
        raise OSError(errno.ELOOP, "is a link", str(folder / name))
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(folder / name))
    return folder / name


def _open(folder: Handle, name: str, flags: int, mode: int = 0o666) -> int:
    flags |= _NOFOLLOW | _CLOEXEC | _BINARY
    if isinstance(folder, int):
        return os.open(name, flags, mode, dir_fd=folder)
    if not flags & os.O_CREAT and _is_link(os.lstat(folder / name)):
        raise OSError(errno.ELOOP, "is a link", str(folder / name))
    return os.open(folder / name, flags, mode)


def _close(folder: Handle) -> None:
    if isinstance(folder, int):
        os.close(folder)


class Sink(Protocol):
    """Where :meth:`Placer.write`'s ``fill`` writes the bytes."""

    def write(self, data: bytes | memoryview, /) -> int: ...


class _RawSink:
    """Writes straight to a descriptor: no buffer, none of a file object's set-up calls
    (``fstat``, ``isatty``, ``lseek``), which cost more than writing a small file."""

    __slots__ = ("fd",)

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def write(self, data: bytes | memoryview, /) -> int:
        view = memoryview(data)
        while view:  # os.write may write less than it was given
            view = view[os.write(self.fd, view) :]
        return len(data)


class _Folder:
    """A cached folder: its handle, how many blocks hold it, and whether this placer made it."""

    __slots__ = ("evicted", "handle", "made", "users")

    def __init__(self, handle: Handle, made: bool) -> None:
        self.handle = handle
        self.made = made
        self.users = 0
        self.evicted = False


@dataclass(frozen=True)
class Opened:
    """A file opened under a root (never through a link), with its ``fstat``."""

    fd: int
    st: os.stat_result

    @property
    def regular(self) -> bool:
        return stat.S_ISREG(self.st.st_mode)

    def chunks(self) -> Iterator[bytes]:
        """The bytes, from the start, in chunks."""
        os.lseek(self.fd, 0, os.SEEK_SET)
        while chunk := os.read(self.fd, CHUNK_SIZE):
            yield chunk

    def blake3(self, cache: StatCache | None = None) -> str:
        """BLAKE3 of the bytes; from (and into) the stat ``cache`` when given."""
        import time

        started = time.time_ns()
        known = cache.lookup(self.st) if cache is not None and self.regular else None
        if known is not None:
            return known
        hasher = new_hasher()
        size = 0
        for chunk in self.chunks():
            hasher.update(chunk)
            size += len(chunk)
        digest = str(hasher.hexdigest())
        if cache is not None and self.regular and size == self.st.st_size:
            cache.record(self.st, digest, started)
        return digest

    def md5(self) -> str:
        import hashlib

        md5 = hashlib.md5(usedforsecurity=False)
        for chunk in self.chunks():
            md5.update(chunk)
        return md5.hexdigest()


class Placer:
    """Every file operation under one ``root``, confined to it (see the module docstring).

    Use as a context manager; it closes the descriptors it holds. Safe to share between
    threads.
    """

    def __init__(self, root: Path, *, create: bool = True, use_fds: bool | None = None) -> None:
        self.root = root
        made = False
        if create:
            try:
                root.mkdir(parents=True)
                made = True
            except FileExistsError:
                pass
        self._fds = HAVE_DIR_FD if use_fds is None else use_fds
        # The root itself is the caller's choice: opened once, links in its own path allowed.
        self._top = _Folder(
            os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC) if self._fds else Path(root), made
        )
        self._cache: OrderedDict[tuple[str, ...], _Folder] = OrderedDict()
        self._lock = threading.Lock()
        # Temp names: unique per placer and process without a random draw per file (the
        # exclusive create below is what makes each one safe).
        self._temp = f"{TEMP_PREFIX}{secrets.token_hex(5)}-"
        self._count = itertools.count()

    def __enter__(self) -> Placer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            for folder in self._cache.values():
                _close(folder.handle)
            self._cache.clear()
            _close(self._top.handle)

    # -- folders ------------------------------------------------------------------------

    def _shown(self, parts: tuple[str, ...] | list[str]) -> str:
        return str(Path(self.root).joinpath(*parts))

    def _refusal(self, folder: Handle, name: str, parts: list[str], logical: str) -> Exception:
        """The error for a component of ``logical`` that is a link or not a folder."""
        shown = self._shown(parts)
        try:
            st = _lstat(folder, name)
        except OSError:
            st = None
        if st is not None and _is_link(st):
            target = "?"
            with contextlib.suppress(OSError, ValueError):
                target = (
                    os.readlink(name, dir_fd=folder)
                    if isinstance(folder, int)
                    else os.readlink(folder / name)
                )
            return InvalidPathError(
                f"Refusing to place {logical!r}: {shown!r} is a symbolic link (to {target!r}). "
                "Files are never written, read or removed through links, so that nothing "
                "outside the download root is touched. Remove the link, or use an empty "
                "directory.",
                path=logical,
            )
        return InvalidPathError(
            f"Cannot place {logical!r}: {shown!r} is in the way (it is a file, not a folder, "
            "or the reverse). Remove it, or use an empty directory.",
            path=logical,
        )

    def _step(
        self, folder: Handle, name: str, parts: list[str], logical: str, create: bool
    ) -> _Folder | None:
        made = False
        for _ in range(16):  # a component can vanish between mkdir and open; try again
            try:
                return _Folder(_open_dir(folder, name), made)
            except FileNotFoundError:
                if not create:
                    return None
                try:
                    if isinstance(folder, int):
                        os.mkdir(name, 0o777, dir_fd=folder)
                    else:
                        os.mkdir(folder / name, 0o777)
                    made = True
                except FileExistsError:
                    made = False
                except FileNotFoundError as exc:  # the parent itself was removed meanwhile
                    raise self._changed(parts[:-1], logical) from exc
            except OSError as exc:
                if exc.errno in _REFUSED:
                    raise self._refusal(folder, name, parts, logical) from exc
                raise
        raise self._changed(parts, logical)

    def _changed(self, parts: list[str], logical: str) -> InvalidPathError:
        return InvalidPathError(
            f"Cannot place {logical!r}: {self._shown(parts)!r} was moved or removed while "
            "it was in use. Is another program changing folders in the download root? "
            "Nothing was written outside it; run the download again.",
            path=logical,
        )

    @contextlib.contextmanager
    def folder(self, parts: list[str], logical: str, create: bool) -> Iterator[Handle | None]:
        """The folder ``parts`` under the root (None when missing and not ``create``).

        The handle stays valid for the block even if another thread makes the cache
        evict that folder meanwhile: it is closed when its last user is done.
        """
        with self._held(parts, logical, create) as held:
            yield None if held is None else held.handle

    @contextlib.contextmanager
    def _held(self, parts: list[str], logical: str, create: bool) -> Iterator[_Folder | None]:
        """:meth:`folder`, as its cache entry (held for the block)."""
        with self._lock:
            held = self._find(tuple(parts), logical, create)
            if held is not None:
                held.users += 1
        try:
            yield held
        finally:
            if held is not None:
                with self._lock:
                    held.users -= 1
                    if held.evicted and not held.users:
                        _close(held.handle)

    def _find(self, key: tuple[str, ...], logical: str, create: bool) -> _Folder | None:
        """The cached (or newly opened) folder ``key``; the caller holds the lock."""
        depth = len(key)
        while depth and key[:depth] not in self._cache:
            depth -= 1
        found = self._cache[key[:depth]] if depth else self._top
        if depth:
            self._cache.move_to_end(key[:depth])
        for i in range(depth, len(key)):
            step = self._step(found.handle, key[i], list(key[: i + 1]), logical, create)
            if step is None:
                return None
            found = step
            self._cache[key[: i + 1]] = found
            if len(self._cache) > FD_CACHE_SIZE:
                old = self._cache.popitem(last=False)[1]
                if old.users:
                    old.evicted = True  # closed by its last user
                else:
                    _close(old.handle)
        return found

    def made(self, logical: str) -> bool:
        """Whether the folder of ``logical`` was made by this placer (so ``logical`` was not
        there before it), as far as the folder cache remembers."""
        key = tuple(logical.split("/")[:-1])
        with self._lock:
            folder = self._cache.get(key) if key else self._top
            return folder is not None and folder.made

    # -- files --------------------------------------------------------------------------

    @contextlib.contextmanager
    def opened(self, logical: str, strict: bool = True) -> Iterator[Opened | None]:
        """``logical`` opened for reading, or None when it (or a folder of it) is missing.

        A link in the way raises :class:`InvalidPathError` when ``strict``; otherwise it
        is reported as None too (it is not the file).
        """
        try:
            fd = self._open_leaf(logical, strict)
        except InvalidPathError:
            if strict:
                raise
            fd = None
        if fd is None:
            yield None
            return
        try:
            yield Opened(fd, os.fstat(fd))
        finally:
            os.close(fd)

    def _open_leaf(self, logical: str, strict: bool) -> int | None:
        parts = logical.split("/")
        with self.folder(parts[:-1], logical, create=False) as folder:
            if folder is None:
                return None
            try:
                return _open(folder, parts[-1], os.O_RDONLY | _NONBLOCK)
            except FileNotFoundError:
                return None
            except OSError as exc:
                if exc.errno in _REFUSED and strict:
                    raise self._refusal(folder, parts[-1], parts, logical) from exc
                if exc.errno in _REFUSED or isinstance(exc, PermissionError):
                    return None
                raise

    def write(self, logical: str, fill: Callable[[Sink], None]) -> None:
        """Create ``logical`` whole: ``fill`` writes a temp file, which is then renamed.

        If ``fill`` raises, nothing is placed and the temp file is removed; an existing
        file is replaced, a link or folder in the way is refused (in a folder this
        placer made, only someone racing it can put one there: a link is then replaced,
        never followed, and a folder refused by the rename itself).
        """
        parts = logical.split("/")
        name = parts[-1]
        with self._held(parts[:-1], logical, create=True) as held:
            assert held is not None
            folder, made = held.handle, held.made
            while True:
                tmp = f"{self._temp}{next(self._count):x}"
                try:
                    fd = _open(folder, tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
                    break
                except FileExistsError:
                    continue
                except FileNotFoundError as exc:  # the folder was removed meanwhile
                    raise self._changed(parts[:-1], logical) from exc
            try:
                try:
                    fill(_RawSink(fd))
                finally:
                    os.close(fd)
                if not made:
                    with contextlib.suppress(FileNotFoundError):
                        st = _lstat(folder, name)
                        if _is_link(st) or stat.S_ISDIR(st.st_mode):
                            raise self._refusal(folder, name, parts, logical)
                try:
                    if isinstance(folder, int):
                        os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
                    else:
                        os.replace(folder / tmp, folder / name)
                except FileNotFoundError as exc:
                    raise self._changed(parts[:-1], logical) from exc
                except IsADirectoryError as exc:
                    raise self._refusal(folder, name, parts, logical) from exc
            except BaseException:
                with contextlib.suppress(OSError):
                    self._unlink(folder, tmp)
                raise

    @staticmethod
    def _unlink(folder: Handle, name: str) -> None:
        if isinstance(folder, int):
            os.unlink(name, dir_fd=folder)
        else:
            os.unlink(folder / name)

    def remove(self, logical: str) -> None:
        """Delete ``logical`` (a file or a link, never what a link points to)."""
        parts = logical.split("/")
        with self.folder(parts[:-1], logical, create=False) as folder:
            if folder is not None:
                try:
                    self._unlink(folder, parts[-1])
                except FileNotFoundError:
                    pass
                except IsADirectoryError as exc:  # listed as a file or link, now a folder:
                    raise self._changed(parts, logical) from exc  # someone is swapping it

    # -- walking ------------------------------------------------------------------------

    def listing(self) -> dict[str, Kind]:
        """Every non-folder under the root (temp files aside), by logical path.

        Links are listed as ``"link"`` and never descended into.
        """
        found: dict[str, Kind] = {}
        self._list(self._top.handle, "", found)
        return dict(sorted(found.items()))

    def _list(self, folder: Handle, prefix: str, found: dict[str, Kind]) -> None:
        with os.scandir(folder) as it:
            entries = list(it)
        for entry in entries:
            path = prefix + entry.name
            try:
                if entry.is_symlink() or _is_link(entry.stat(follow_symlinks=False)):
                    found[path] = "link"
                    continue
                if entry.is_dir(follow_symlinks=False):
                    sub = _open_dir(folder, entry.name)
                elif entry.is_file(follow_symlinks=False):
                    if not entry.name.startswith(TEMP_PREFIX):
                        found[path] = "file"
                    continue
                else:
                    found[path] = "other"
                    continue
            except FileNotFoundError:
                continue  # gone since it was listed
            except OSError as exc:
                if exc.errno in _REFUSED:  # swapped for a link since it was listed
                    found[path] = "link"
                    continue
                raise
            try:
                self._list(sub, path + "/", found)
            finally:
                _close(sub)

    def prune(self) -> None:
        """Remove empty folders under the root (deepest first); the root stays."""
        self._prune(self._top.handle)

    def _prune(self, folder: Handle) -> None:
        with os.scandir(folder) as it:
            names = [e.name for e in it if e.is_dir(follow_symlinks=False)]
        for name in names:
            try:
                sub = _open_dir(folder, name)
            except OSError:
                continue
            try:
                self._prune(sub)
            finally:
                _close(sub)
            with contextlib.suppress(OSError):  # only succeeds when empty (and not a link)
                if isinstance(folder, int):
                    os.rmdir(name, dir_fd=folder)
                else:
                    os.rmdir(folder / name)
