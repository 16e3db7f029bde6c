"""The embedded blob store: a directory of immutable files at ``<aa>/<rest-of-digest>``."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ipyartifacts.errors import (
    ArtifactNotFoundError,
    SourceChangedError,
    StoreError,
    StoreIOError,
    store_io_error,
)
from ipyartifacts.store.durable import Durability
from ipyartifacts.store.hashing import CHUNK_SIZE, hash_bytes, is_digest, new_hasher
from ipyartifacts.store.localfiles import open_regular

__all__ = ["FRESH_SECONDS", "LocalBlobStore", "TempSweep", "forget_touches"]

# A blob this process touched less than this long ago is not touched again: a re-log of
# 10,000 unchanged files would otherwise rewrite 20,000 inode timestamps. GC's grace
# period (an hour by default) must stay well above this.
FRESH_SECONDS = 60.0

# Files up to this size are read whole and written only when new (see _put_small).
SMALL_FILE = 1 << 20
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

# Bumped whenever this process removes a blob (quarantine, delete, GC), by any instance:
# a touch remembered under an older generation no longer proves the blob is there.
_generation = 0
_generation_lock = threading.Lock()


def current_generation() -> int:
    """The removal generation now (see :func:`forget_touches`)."""
    return _generation


def forget_touches() -> None:
    """Invalidate every remembered touch in this process (a blob was just removed)."""
    global _generation
    with _generation_lock:
        _generation += 1


@dataclass(frozen=True)
class TempSweep:
    """What one pass over the store's ``tmp/`` found: removed (stale) and kept (young)."""

    removed: int = 0
    bytes_removed: int = 0
    kept: int = 0
    bytes_kept: int = 0


class LocalBlobStore:
    """Blobs in ``root/<aa>/<rest>``; writes go to ``root/../tmp`` then are renamed in.

    A blob becomes visible only whole (``os.replace`` is atomic), and is made
    read-only so an accidental edit through a stray path is refused.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._root_str = str(self.root)
        # digest -> (when this process last touched it, generation at that touch)
        self._fresh: dict[str, tuple[float, int]] = {}
        self.tmp = self.root.parent / "tmp"
        self.quarantine_dir = self.root.parent / "quarantine"
        self.url = self.root.resolve().as_uri()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.tmp.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._error(exc, "create the blob store") from exc
        self.durability = Durability(self._root_str)
        self._tmp_str = str(self.tmp)
        self._dirs: set[str] = set()  # <aa> folders known to exist (never removed)
        self._serial = itertools.count()

    @property
    def wrote_since_sync(self) -> bool:
        return self.durability.pending

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"

    def path(self, digest: str) -> Path:
        return Path(self._fspath(digest))

    def _fspath(self, digest: str) -> str:
        # Plain strings: this runs once per file on every (re-)log, and pathlib is slow.
        if not is_digest(digest):
            raise StoreError(f"{digest!r} is not a BLAKE3 digest.", store=self.url)
        return os.path.join(self._root_str, digest[:2], digest[2:])

    def exists(self, digest: str) -> bool:
        return os.path.isfile(self._fspath(digest))

    def touch(self, digest: str, *, check: bool = False) -> bool:
        """Mark a blob as just used (its mtime is now); False if it is absent.

        Reusing an existing blob must refresh it: GC never deletes blobs younger than its
        grace period, so a writer that touched a blob has that long to commit a version
        naming it. GC moves a blob aside before deleting it and puts it back if it was
        touched meanwhile; a writer whose touch finds the blob gone stores it again.

        A blob this process touched less than ``FRESH_SECONDS`` ago, with no blob removed
        by this process since, is answered from memory. With ``check`` (before a commit)
        the answer always comes from the filesystem: a ``stat`` when the mtime is known
        fresh, else the ``utime`` itself, so a blob deleted by hand or by another process
        is never reported present.
        """
        generation = _generation
        now = time.monotonic()
        last = self._fresh.get(digest)
        if last is not None and now - last[0] < FRESH_SECONDS and last[1] == generation:
            if not check:
                return True  # touched by this process moments ago: still far inside any grace
            if os.path.isfile(self._fspath(digest)):
                return True
            self._fresh.pop(digest, None)
            return False
        try:
            os.utime(self._fspath(digest))
        except FileNotFoundError:
            self._fresh.pop(digest, None)
            return False
        except OSError as exc:  # a read-only store cannot protect the blob from GC
            raise self._error(exc, "refresh a blob before reusing it") from exc
        self._remember(digest, (now, generation))
        return True

    def _remember(self, digest: str, stamp: tuple[float, int]) -> None:
        if len(self._fresh) > 1_000_000:
            self._fresh.clear()
        self._fresh[digest] = stamp

    def local_path(self, digest: str) -> Path | None:
        path = self.path(digest)
        return path if path.is_file() else None

    def _error(self, exc: OSError, phase: str, path: str | None = None) -> StoreIOError:
        return store_io_error(exc, phase=phase, path=path, store=str(self.root.parent))

    def _publish(self, tmp_path: str, digest: str) -> None:
        final = self.path(digest)
        if self.touch(digest, check=True):
            os.unlink(tmp_path)
            return
        stamp = (time.monotonic(), _generation)
        try:
            final.parent.mkdir(exist_ok=True)
            os.chmod(tmp_path, 0o444)
            os.replace(tmp_path, final)
        except OSError as exc:
            raise self._error(exc, "store a blob", str(final)) from exc
        self._remember(digest, stamp)  # just written: its mtime is fresh
        self.durability.wrote(str(final))

    def _temp(self) -> tuple[int, str]:
        try:
            return tempfile.mkstemp(dir=self.tmp, prefix="put-")
        except OSError as exc:
            raise self._error(exc, "create a temporary file", str(self.tmp)) from exc

    def put_file(self, source: Path, expected: str | None = None) -> tuple[str, int]:
        """Store ``source`` (a regular file: pipes and devices are refused unopened).

        An error reading ``source`` propagates as the ``OSError`` it is; an error writing
        the store becomes a :class:`~ipyartifacts.errors.StoreIOError` (``StoreFullError``
        on a full disk). Either way the temporary file is removed.
        """
        if expected is not None and self.touch(expected, check=True):
            return expected, self.path(expected).stat().st_size
        with open_regular(source) as src:
            if os.fstat(src.fileno()).st_size <= SMALL_FILE:
                return self._put_small(source, src, expected)
            return self._put_stream(source, src, expected)

    def _put_stream(
        self, source: Path, src: BinaryIO, expected: str | None, head: bytes = b""
    ) -> tuple[str, int]:
        """A file of any size, copied in 1 MiB reads into a temp file while hashed
        (``head``: its first bytes, already read)."""
        fd, tmp_path = self._temp()
        reading = True
        try:
            hasher = new_hasher()
            size = 0
            with os.fdopen(fd, "wb") as dst:
                while chunk := head or src.read(CHUNK_SIZE):
                    head = b""
                    reading = False
                    hasher.update(chunk)
                    dst.write(chunk)
                    size += len(chunk)
                    reading = True
                reading = False
        except BaseException as exc:
            _discard(tmp_path)
            if isinstance(exc, OSError) and not reading:
                raise self._error(exc, f"store the bytes of {str(source)!r}", tmp_path) from exc
            raise
        try:
            digest = str(hasher.hexdigest())
            if expected is not None and digest != expected:
                raise _changed(source, expected, digest)
            self._publish(tmp_path, digest)
            return digest, size
        except BaseException:
            _discard(tmp_path)
            raise

    def _put_small(self, source: Path, src: BinaryIO, expected: str | None) -> tuple[str, int]:
        """A small file: read whole, hashed, and written only if the store lacks it.

        The per-file work a 10,000-file log pays: one read, one hash, one ``utime`` (or
        ``stat``) to find the blob, and for a new one an exclusive create (read-only from
        the start: no ``chmod``), one write and one rename.
        """
        data = src.read(SMALL_FILE + 1)
        if len(data) > SMALL_FILE:  # it grew since its stat: stream the rest after it
            return self._put_stream(source, src, expected, head=data)
        return self._store_read(data, source, expected)

    def _store_read(self, data: bytes, source: str | Path, expected: str | None) -> tuple[str, int]:
        """Store the whole bytes of ``source`` just read: hashed, and written if new."""
        digest = hash_bytes(data)
        if expected is not None and digest != expected:
            raise _changed(Path(source), expected, digest)
        if not self.touch(digest, check=True):
            self._write_new(digest, data, f"store the bytes of {str(source)!r}")
        return digest, len(data)

    def put_small_fd(
        self, fd: int, size: int, source: str, expected: str | None = None
    ) -> tuple[str, int] | None:
        """A small file already open (``fd``, ``size`` bytes by its ``fstat``), the fast way.

        What :meth:`_put_small` does with raw system calls and no file object: the whole
        file in one read (and one more to see its end), a hash, one ``utime`` to find the
        blob, and for a new one an exclusive create, one write and one rename. None when
        the file grew past ``size`` since its ``fstat``: the caller stores it the careful
        way. The caller closes ``fd``.
        """
        data = _read_upto(fd, size + 1)
        if len(data) > size:
            return None
        return self._store_read(data, source, expected)

    def _write_new(self, digest: str, data: bytes, phase: str) -> None:
        """Write a blob this store lacks: temp file (created 0o444), then renamed in."""
        final = self._fspath(digest)
        folder = os.path.dirname(final)
        tmp_path = f"{self._tmp_str}/put-{os.getpid()}-{threading.get_ident()}-{next(self._serial)}"
        stamp = (time.monotonic(), _generation)
        try:
            fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o444)
        except FileExistsError:  # a leftover of a killed process with our pid: rare
            fd, tmp_path = self._temp()
            os.fchmod(fd, 0o444)
        except OSError as exc:
            raise self._error(exc, "create a temporary file", self._tmp_str) from exc
        try:
            try:
                try:
                    _write_all(fd, data)
                finally:
                    os.close(fd)
                if folder not in self._dirs:
                    os.makedirs(folder, exist_ok=True)
                    self._dirs.add(folder)
                os.replace(tmp_path, final)
            except OSError as exc:
                raise self._error(exc, phase, final if exc.filename == final else tmp_path) from exc
        except BaseException:
            _discard(tmp_path)
            raise
        self._remember(digest, stamp)  # just written: its mtime is fresh
        self.durability.wrote(final)

    def put_bytes(self, data: bytes, digest: str | None = None) -> str:
        digest = hash_bytes(data) if digest is None else digest
        if not self.touch(digest, check=True):
            self._write_new(digest, data, "store a blob")
        return digest

    def open(self, digest: str) -> BinaryIO:
        try:
            return open(self.path(digest), "rb")
        except FileNotFoundError as exc:
            raise self._missing(digest) from exc

    def read_small(self, digest: str, size: int) -> bytes:
        """The bytes of a small blob expected to be ``size`` long, with raw system calls:
        one open, one read and one more that sees the end (or that it is longer)."""
        try:
            fd = os.open(self._fspath(digest), os.O_RDONLY | _CLOEXEC)
        except FileNotFoundError as exc:
            raise self._missing(digest) from exc
        try:
            return _read_upto(fd, size + 1)
        finally:
            os.close(fd)

    def _missing(self, digest: str) -> ArtifactNotFoundError:
        return ArtifactNotFoundError(
            f"Blob {digest[:12]}... is missing from the store at {str(self.root)!r}. "
            "It may have been deleted by hand or garbage-collected; log the files again "
            "to restore it.",
            name=digest,
        )

    def quarantine(self, digest: str) -> None:
        self.quarantine_dir.mkdir(exist_ok=True)
        try:
            with contextlib.suppress(FileNotFoundError):
                os.replace(self.path(digest), self.quarantine_dir / digest)
        finally:
            self.forget(digest)

    def delete(self, digest: str) -> None:
        try:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path(digest))
        finally:
            self.forget(digest)

    def forget(self, digest: str) -> None:
        """Record that ``digest`` was removed: no remembered touch in this process vouches
        for it, or for any other blob touched before now, any more."""
        self._fresh.pop(digest, None)
        forget_touches()

    def iter_blobs(self) -> Iterator[tuple[str, int, float]]:
        for prefix in sorted(self.root.iterdir()):
            if not prefix.is_dir() or len(prefix.name) != 2:
                continue
            for blob in prefix.iterdir():
                digest = prefix.name + blob.name
                if is_digest(digest):
                    st = blob.stat()
                    yield digest, st.st_size, st.st_mtime

    def sync(self) -> None:
        """Flush the blobs written since the last call to disk (a version naming them is
        about to commit): ``syncfs`` of the store's filesystem, never a global ``sync``."""
        self.durability.flush()

    def clear_stale_temp(self, older_than: float, dry_run: bool = False) -> TempSweep:
        """Remove temp files older than ``older_than`` seconds (by mtime) from ``tmp/``.

        Those are left by killed writers: a live writer's temp file is young, as its
        mtime moves with every chunk written. A blob a killed GC had moved aside
        (``gc-<pid>-<digest>``) is put back instead when its final place is empty; the
        next GC decides about it like any other blob. Returns what was removed and kept.
        """
        removed = removed_bytes = kept = kept_bytes = 0
        cutoff = time.time() - older_than
        for item in self.tmp.iterdir():
            try:
                st = item.lstat()
                size = _tree_size(item) if item.is_dir() else st.st_size
                if st.st_mtime >= cutoff:
                    kept += 1
                    kept_bytes += size
                    continue
                if dry_run:
                    pass
                elif self._put_back_aside(item):
                    continue
                elif item.is_dir():
                    shutil.rmtree(item, ignore_errors=True)
                else:
                    item.unlink()
            except FileNotFoundError:
                continue  # its writer or another GC got there first
            removed += 1
            removed_bytes += size
        return TempSweep(removed, removed_bytes, kept, kept_bytes)

    def _put_back_aside(self, item: Path) -> bool:
        name = item.name
        if not name.startswith("gc-"):
            return False
        digest = name.rsplit("-", 1)[-1]
        if not is_digest(digest) or self.exists(digest):
            return False  # not a blob, or already stored again: the copy is redundant
        self.path(digest).parent.mkdir(exist_ok=True)
        os.replace(item, self.path(digest))
        return True


def _tree_size(root: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def _changed(source: Path, expected: str, digest: str) -> SourceChangedError:
    return SourceChangedError(
        f"{str(source)!r} changed after it was added to the artifact (its digest was "
        f"{expected[:12]}..., now {digest[:12]}...). Add it again, or use policy='mutable' "
        "so the bytes are captured when added.",
        digest=digest,
        path=str(source),
    )


def _discard(tmp_path: str) -> None:
    """Remove a temporary file; a store that refuses even that keeps it for GC."""
    with contextlib.suppress(OSError):
        os.unlink(tmp_path)


def _write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (``os.write`` may write less than it was given)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_upto(fd: int, limit: int) -> bytes:
    """Read ``fd`` to its end or to ``limit`` bytes, whichever comes first (a read of a
    regular file may return less than asked: read on)."""
    data = os.read(fd, limit)
    while data and len(data) < limit:
        more = os.read(fd, limit - len(data))
        if not more:
            break
        data += more
    return data
