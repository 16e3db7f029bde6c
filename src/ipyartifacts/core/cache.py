"""The local file cache: bytes fetched from remote stores and references, LRU-capped.

One directory (``<store>/cache/files`` or ``$IPYARTIFACTS_CACHE_DIR``) of read-only files
named by the BLAKE3 hash of their key. A file's modification time is its last use
(refreshed on every hit), so eviction removes the least recently used files first until
the cache fits its cap (``$IPYARTIFACTS_CACHE_SIZE``, e.g. ``"10GB"``; default 10 GB).

Fetches write to ``tmp/`` inside the cache and appear under their final name only whole
and verified (``os.replace``); a failed fetch leaves nothing behind. Several processes
may share one cache: each only ever adds whole files or removes whole files.

For code that downloads bytes (reference entries, remote blob stores)::

    path = client.cache.get_or_fetch(key, fetch, digest=expected_digest)

``fetch(dest)`` writes the bytes to ``dest``; with ``digest`` the cache verifies them
(IntegrityError, nothing cached) before publishing. The returned path is read-only.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ipyartifacts.errors import IntegrityError, StoreError
from ipyartifacts.store.hashing import hash_bytes, hash_file

__all__ = [
    "DEFAULT_CACHE_SIZE",
    "ENV_CACHE_DIR",
    "ENV_CACHE_SIZE",
    "ArtifactCache",
    "CacheCleanupReport",
    "parse_size",
]

ENV_CACHE_SIZE = "IPYARTIFACTS_CACHE_SIZE"
ENV_CACHE_DIR = "IPYARTIFACTS_CACHE_DIR"
DEFAULT_CACHE_SIZE = 10 * 1000**3
_LOW_WATER = 0.9  # evict down to 90% of the cap, so a full cache does not evict on every put
_TEMP_GRACE_S = 3600.0
_LOCK_STRIPES = 64
_REMEASURE_EVERY = 256

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(value: str | int | float) -> int:
    """Bytes in ``value``: an int, or a string like ``"10GB"``, ``"512 MiB"``, ``"1.5g"``.

    Decimal units (KB, MB, GB, TB = powers of 1000) and binary ones (KiB, MiB, GiB, TiB).

    Examples
    --------
    >>> parse_size("10GB")
    10000000000
    >>> parse_size("1.5 KiB")
    1536
    """
    if isinstance(value, bool):
        raise ValueError(f"Expected a size like '10GB' or a number of bytes, got {value!r}.")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"A size must not be negative, got {value!r}.")
        return int(value)
    match = _SIZE.match(value) if isinstance(value, str) else None
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS:
        raise ValueError(
            f"Cannot read {value!r} as a size: write a number of bytes or a number with a "
            "unit, like '500MB', '10GB' or '2GiB'."
        )
    return int(float(match.group(1)) * _UNITS[unit])


def configured_size() -> int:
    """The cap from ``$IPYARTIFACTS_CACHE_SIZE``, else the default (10 GB)."""
    raw = os.environ.get(ENV_CACHE_SIZE)
    if not raw:
        return DEFAULT_CACHE_SIZE
    try:
        return parse_size(raw)
    except ValueError as exc:
        raise ValueError(f"${ENV_CACHE_SIZE}: {exc}") from None


def default_cache_dir(store_root: Path) -> Path:
    """``$IPYARTIFACTS_CACHE_DIR``, else ``<store>/cache/files``."""
    chosen = os.environ.get(ENV_CACHE_DIR)
    return Path(chosen).expanduser() if chosen else store_root / "cache" / "files"


@dataclass(frozen=True)
class CacheCleanupReport:
    """What a cache cleanup removed."""

    files_removed: int
    bytes_freed: int
    size_before: int
    size_after: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ArtifactCache:
    """A size-capped, least-recently-used directory cache of fetched files.

    Parameters
    ----------
    root : path
        The cache directory (created if missing).
    max_size : int or str, optional
        The cap, in bytes or as ``"10GB"``; default ``$IPYARTIFACTS_CACHE_SIZE`` or 10 GB.

    Examples
    --------
    >>> cache = ipyartifacts.Api().cache            # doctest: +SKIP
    >>> cache.size(), cache.max_size                 # doctest: +SKIP
    (1234567, 10000000000)
    >>> cache.max_size = "2GB"                       # doctest: +SKIP
    >>> cache.cleanup("500MB")                       # doctest: +SKIP
    CacheCleanupReport(files_removed=3, bytes_freed=734003200, ...)
    """

    def __init__(self, root: Path, max_size: int | str | None = None) -> None:
        self.root = Path(root)
        self.tmp = self.root / "tmp"
        try:
            self.tmp.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"Cannot create the cache directory {str(self.root)!r}: {exc.strerror}. Set "
                f"${ENV_CACHE_DIR} to a writable directory.",
                store=str(self.root),
            ) from exc
        self._max_size = configured_size() if max_size is None else parse_size(max_size)
        self._lock = threading.Lock()
        # Striped per-key locks: one fetch per key at a time, without a lock per key ever seen.
        self._key_locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]
        # Running size estimate: other processes add files too, so it is re-measured on
        # eviction and every _REMEASURE_EVERY publishes.
        self._approx: int | None = None
        self._published = 0
        self.clear_stale_temp()

    def __repr__(self) -> str:
        return f"ArtifactCache({str(self.root)!r}, max_size={self._max_size})"

    @property
    def path(self) -> str:
        """The cache directory."""
        return str(self.root)

    @property
    def max_size(self) -> int:
        """The cap in bytes; assign an int or a string like ``"5GB"`` (evicts at once)."""
        return self._max_size

    @max_size.setter
    def max_size(self, value: int | str) -> None:
        self._max_size = parse_size(value)
        if self.size() > self._max_size:
            self.cleanup(self._max_size)

    # -- lookups -----------------------------------------------------------------

    def _file(self, key: str) -> Path:
        name = hash_bytes(key.encode("utf-8"))
        return self.root / name[:2] / name[2:]

    def get(self, key: str) -> Path | None:
        """The cached file for ``key`` (marked as just used), or None."""
        path = self._file(key)
        try:
            os.utime(path)
        except FileNotFoundError:
            return None
        return path

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._file(key).is_file()

    def get_or_fetch(
        self,
        key: str,
        fetch: Callable[[Path], object],
        *,
        digest: str | None = None,
    ) -> Path:
        """The cached file for ``key``, calling ``fetch(dest)`` to write it on a miss.

        ``fetch`` writes the whole content to ``dest`` (a fresh temp file path). With
        ``digest``, the bytes must hash to it (BLAKE3) or IntegrityError is raised and
        nothing is cached. Concurrent calls for one key in a process fetch once.

        Examples
        --------
        >>> path = client.cache.get_or_fetch(                      # doctest: +SKIP
        ...     f"ref:{uri}@{etag}", lambda dest: download(uri, dest), digest=entry.digest
        ... )
        """
        hit = self.get(key)
        if hit is not None:
            return hit
        key_lock = self._key_locks[int(hash_bytes(key.encode("utf-8"))[:8], 16) % _LOCK_STRIPES]
        with key_lock:
            hit = self.get(key)
            if hit is not None:
                return hit
            fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="fetch-")
            os.close(fd)
            tmp = Path(tmp_name)
            try:
                fetch(tmp)
                if digest is not None:
                    got, _size = hash_file(tmp)
                    if got != digest:
                        raise IntegrityError(
                            f"Fetched bytes for {key!r} hash to {got[:12]}..., expected "
                            f"{digest[:12]}...; nothing was cached. The source changed or "
                            "the transfer was corrupted: fetch again, or log a new version.",
                            digest=digest,
                        )
                return self._publish(tmp, key)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()

    def open(
        self, key: str, fetch: Callable[[Path], object], *, digest: str | None = None
    ) -> BinaryIO:
        """Open the cached file for ``key`` for reading, fetching it first on a miss.

        Safe against eviction by another process between fetching and opening: an open
        file stays readable after it is evicted, and a file evicted before it could be
        opened is fetched again.
        """
        for _attempt in range(3):
            path = self.get_or_fetch(key, fetch, digest=digest)
            try:
                return open(path, "rb")
            except FileNotFoundError:
                continue
        raise StoreError(
            f"The cache at {str(self.root)!r} evicted {key!r} three times before it could be "
            "read: its cap is too small for the files in use. Raise "
            f"${ENV_CACHE_SIZE} or the cache's max_size.",
            store=str(self.root),
        )

    def put_file(self, key: str, source: Path) -> Path:
        """Copy ``source`` into the cache under ``key``; return the cached path."""
        import shutil

        return self.get_or_fetch(key, lambda dest: shutil.copyfile(source, dest))

    def _publish(self, tmp: Path, key: str) -> Path:
        final = self._file(key)
        final.parent.mkdir(exist_ok=True)
        size = tmp.stat().st_size
        os.chmod(tmp, 0o444)
        os.replace(tmp, final)
        with self._lock:
            self._published += 1
            stale = self._approx is None or self._published % _REMEASURE_EVERY == 0
            if self._approx is not None:
                self._approx += size
        if (self.size() if stale else (self._approx or 0)) > self._max_size:
            self._evict(int(self._max_size * _LOW_WATER), keep=final)
        return final

    # -- size and eviction ---------------------------------------------------------

    def _files(self) -> Iterator[tuple[Path, int, float]]:
        for prefix in self.root.iterdir():
            if len(prefix.name) != 2 or not prefix.is_dir():
                continue
            for item in prefix.iterdir():
                with contextlib.suppress(FileNotFoundError):
                    st = item.stat()
                    yield item, st.st_size, st.st_mtime

    def size(self) -> int:
        """Bytes currently cached (measured on disk)."""
        total = sum(size for _path, size, _mtime in self._files())
        with self._lock:
            self._approx = total
        return total

    def __len__(self) -> int:
        return sum(1 for _ in self._files())

    def cleanup(self, target_size: int | str | None = None) -> CacheCleanupReport:
        """Evict least-recently-used files until the cache holds at most ``target_size``.

        Default target: the cap (``max_size``). ``cleanup(0)`` empties the cache.

        Examples
        --------
        >>> ipyartifacts.Api().cache.cleanup("1GB")   # doctest: +SKIP
        """
        target = self._max_size if target_size is None else parse_size(target_size)
        self.clear_stale_temp()
        return self._evict(target, keep=None)

    def clear(self) -> CacheCleanupReport:
        """Remove every cached file."""
        return self.cleanup(0)

    def _evict(self, target: int, keep: Path | None) -> CacheCleanupReport:
        files = sorted(self._files(), key=lambda f: (f[2], f[0].name))  # oldest use first
        before = total = sum(f[1] for f in files)
        removed = 0
        for path, size, _mtime in files:
            if total <= target:
                break
            if path == keep:
                continue  # the file being handed to the caller stays
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
            total -= size
        with self._lock:
            self._approx = total
        return CacheCleanupReport(
            files_removed=removed, bytes_freed=before - total, size_before=before, size_after=total
        )

    def clear_stale_temp(self, older_than: float = _TEMP_GRACE_S) -> int:
        """Remove partial fetches left by killed processes; return how many."""
        cutoff = time.time() - older_than
        removed = 0
        for item in self.tmp.iterdir():
            with contextlib.suppress(FileNotFoundError):
                if item.stat().st_mtime < cutoff:
                    item.unlink()
                    removed += 1
        return removed
