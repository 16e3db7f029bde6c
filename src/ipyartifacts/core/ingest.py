"""Getting local files into a store: hashing, the stat cache, storing, chunking, proofs.

A mixin of :class:`~ipyartifacts.core.client.Client` (its wing of the one object every
operation goes through), split out by concept: what a log does with each file before
the commit. The per-file costs are in docs/design.md, "Per-file costs".
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ipyartifacts.core import progress as _progress
from ipyartifacts.errors import IntegrityError, StoreError, store_io_error
from ipyartifacts.store import chunks as _chunks
from ipyartifacts.store.blobs.local import SMALL_FILE
from ipyartifacts.store.hashing import hash_file
from ipyartifacts.store.localfiles import check_regular, open_stat
from ipyartifacts.store.manifest import Manifest, ManifestEntry

if TYPE_CHECKING:
    from ipyartifacts.core.cache import ArtifactCache
    from ipyartifacts.store.blobs import BlobStore
    from ipyartifacts.store.catalog import Catalog
    from ipyartifacts.store.chunks import ChunkParams
    from ipyartifacts.store.config import StoreLocation
    from ipyartifacts.store.statcache import StatCache

__all__ = ["INGEST_THREADS", "MAX_SOURCES", "Ingesting"]

_A = TypeVar("_A")
_R = TypeVar("_R")

INGEST_THREADS = 4  # reading new big files: BLAKE3 releases the GIL
MAX_SOURCES = 1_000_000  # digest -> local file remembered, to restore a vanished blob


class Ingesting:
    """The Client's file-ingesting methods (see :class:`~ipyartifacts.core.client.Client`)."""

    if TYPE_CHECKING:
        location: StoreLocation
        blobs: BlobStore
        stat_cache: StatCache
        io_threads: int
        chunking: ChunkParams
        _lock: threading.Lock
        _sources: dict[str, str | Path]
        _chunked: dict[str, str]
        _proofs: dict[str, tuple[str, str | None]]
        _manifests: OrderedDict[str, Manifest]

        @property
        def catalog(self) -> Catalog: ...

        @property
        def remote(self) -> bool: ...
        @property
        def root(self) -> Path: ...
        @property
        def cache(self) -> ArtifactCache: ...

    # -- hashing and ingesting local files ------------------------------------------

    def digest_of(self, path: Path) -> tuple[str, int]:
        """Digest and size of a local file, from the stat cache when it is trustworthy."""
        st = check_regular(path)  # a pipe or device is refused before anything opens it
        cached = self.stat_cache.lookup(st)
        if cached is not None:
            return cached, st.st_size
        return self._digest_unknown(path)

    def _digest_unknown(self, path: Path) -> tuple[str, int]:
        """Hash a file the stat cache does not know (and remember it there)."""
        started = time.time_ns()
        st = check_regular(path)
        digest, size = hash_file(path)
        if size == st.st_size:
            self.stat_cache.record(st, digest, started)
        return digest, size

    def _proven(self, wanted: dict[str, int]) -> set[str]:
        """Digests among ``wanted`` (digest -> size) whose blobs the catalog proves present.

        A remote store only: a blob a version committed from this machine named is kept
        by GC while that version is live (checked here in one catalog query, and again,
        locked, in the commit that relies on it), unless it was found corrupt and moved
        to quarantine (one LIST). Proven blobs cost no request each; see docs/design.md,
        "Re-logging without a request per blob".
        """
        quarantined = getattr(self.blobs, "quarantined", None)
        if not self.remote or quarantined is None or not wanted:
            return set()
        proofs = self.stat_cache.proofs_of(self.blobs.url, list(wanted))
        if not proofs:
            return set()
        live = self.catalog.provable_versions({vid for vid, _chunks in proofs.values()})
        if not live:
            return set()
        bad = quarantined()
        proven = {
            digest: (vid, chunks)
            for digest, (vid, chunks) in proofs.items()
            if vid in live
            and digest not in bad
            and (chunks is None or not bad)  # a chunk may be the quarantined one
            and chunks == self.chunk_list_of(digest, wanted[digest])
        }
        with self._lock:
            if len(self._proofs) + len(proven) > MAX_SOURCES:
                self._proofs.clear()
            self._proofs.update(proven)
        return set(proven)

    def prove_present(self, wanted: dict[str, int]) -> set[str]:
        """Digests among ``wanted`` (digest -> size) proven present, for a commit to come.

        Only for a caller that then commits through :meth:`commit`, which re-checks each
        proof under a lock (see :meth:`_proven`).
        """
        return self._proven(wanted)

    def _remember_source(self, digest: str, path: str | Path) -> None:
        if len(self._sources) >= MAX_SOURCES:
            self._sources.clear()  # a drastic but safe bound: commit then refuses clearly
        self._sources[digest] = path

    def ingest(self, path: Path) -> tuple[str, int]:
        """Make sure the bytes of ``path`` are in the blob store; return ``(digest, size)``.

        A file the stat cache knows whose blob exists costs one ``stat``; any other file
        is read exactly once, hashed while it is copied into the store.
        """
        st = check_regular(path)  # a pipe or device is refused before anything opens it
        cached = self.stat_cache.lookup(st)
        if cached is not None and self._present(cached, st.st_size):  # touch: protect from GC
            self._remember_source(cached, path)
            return cached, st.st_size
        return self._ingest_unknown(path)

    def _ingest_unknown(self, path: Path) -> tuple[str, int]:
        """Store a file the stat cache does not know (or whose blob is gone)."""
        started = time.time_ns()
        st = check_regular(path)
        try:
            digest, size = self._put(path, st.st_size)
        except StoreError:  # the blob store said it already, naming its own URL
            raise
        except OSError as exc:
            if _is_source_error(exc, path):
                raise
            raise store_io_error(
                exc, phase=f"store the bytes of {str(path)!r}", store=str(self.root)
            ) from exc
        if size == st.st_size:
            self.stat_cache.record(st, digest, started)
        self._remember_source(digest, path)
        if self.remote:
            self._keep_local(digest, path)
        return digest, size

    def _small_limit(self) -> int:
        """Files below this size are stored by :meth:`_ingest_small` (0: none are)."""
        if not hasattr(self.blobs, "put_small_fd"):  # the local blob store's fast way
            return 0
        return min(SMALL_FILE + 1, self.chunking.threshold)

    def _ingest_small(self, path: str, st: os.stat_result) -> tuple[str, int]:
        """Store a small regular file just ``stat``-ed, the fast way (local store only).

        One open and ``fstat`` (:func:`~ipyartifacts.store.localfiles.open_stat`), then
        :meth:`LocalBlobStore.put_small_fd`; anything unusual (a symlink, a swap, an
        error, a file that grew) goes the careful way, :meth:`_ingest_unknown`, which
        reports it clearly.
        """
        started = time.time_ns()
        opened = open_stat(path, st)
        if opened is None:
            return self._ingest_unknown(Path(path))
        fd, fst = opened
        try:
            stored = self.blobs.put_small_fd(fd, fst.st_size, path)  # type: ignore[attr-defined]
        except StoreError:
            raise
        except OSError as exc:
            if _is_source_error(exc, Path(path)) or exc.filename is None:
                stored = None  # a read error: the careful way says what it is
            else:
                raise store_io_error(
                    exc, phase=f"store the bytes of {path!r}", store=str(self.root)
                ) from exc
        finally:
            os.close(fd)
        if stored is None:
            return self._ingest_unknown(Path(path))
        digest, size = stored
        self.stat_cache.record(fst, digest, started)
        self._remember_source(digest, path)
        return digest, size

    def _keep_local(self, digest: str, path: Path) -> None:
        """Put a file just uploaded into the local cache: reading it back needs no round trip.

        Copied and verified like any fetch; a file that changed since it was hashed is
        simply not cached (the upload itself was checked).
        """
        import shutil

        with contextlib.suppress(IntegrityError, OSError):
            self.cache.get_or_fetch(digest, lambda dest: shutil.copyfile(path, dest), digest=digest)

    def ingest_tree(
        self, root: Path, files: list[str], store_bytes: bool
    ) -> list[tuple[str, str, int]]:
        """Digest (and with ``store_bytes``, store) many files under ``root``.

        Returns ``(relative path, digest, size)`` in the order given. Files the stat cache
        knows cost a stat each and are done inline (threads would only add overhead);
        the rest are read once each by a small pool, with progress reported.
        """
        base = os.fspath(root)
        paths = [os.path.join(base, rel) for rel in files]  # strings: pathlib costs per file
        stats = [_stat_or_none(path) for path in paths]
        cached = self.stat_cache.lookup_many(stats)
        known = [
            (i, digest, st.st_size)
            for i, (st, digest) in enumerate(zip(stats, cached, strict=True))
            if st is not None and digest is not None
        ]
        if store_bytes:
            # Blobs a live version proves present cost nothing; the others are touched.
            proven = self._proven({digest: size for _i, digest, size in known})
            ask = [k for k in known if k[1] not in proven]
            present = self._map(lambda k: self._present(k[1], k[2]), ask)
            gone = {k[0] for k, ok in zip(ask, present, strict=True) if not ok}
            known = [k for k in known if k[0] not in gone]
        done: dict[int, tuple[str, int]] = {}
        for i, digest, size in known:
            done[i] = (digest, size)
            if store_bytes:
                self._remember_source(digest, paths[i])
        unknown = [i for i in range(len(files)) if i not in done]
        if unknown:
            read = self._ingest_unknown if store_bytes else self._digest_unknown
            todo = sum(st.st_size for i in unknown if (st := stats[i]) is not None)
            verb = "Storing" if store_bytes else "Hashing"
            # Small new files into the local store: inline, a few system calls each (a
            # pool only adds hand-offs and GIL contention to work that size). The rest
            # (big files, whose hashing releases the GIL; object stores, a round trip
            # each) go to the pool.
            small = self._small_limit() if store_bytes else 0
            inline: list[int] = []
            pooled: list[int] = []
            for i in unknown:
                st = stats[i]
                (inline if st is not None and st.st_size < small else pooled).append(i)
            with _progress.task(f"{verb} {root.name or root}", len(unknown), todo) as bar:
                for i in inline:
                    done[i] = self._ingest_small(paths[i], stats[i])  # type: ignore[arg-type]
                    bar.advance(1, done[i][1])
                if pooled:
                    with ThreadPoolExecutor(self.io_threads) as pool:
                        for i, (digest, size) in zip(
                            pooled, pool.map(lambda i: read(Path(paths[i])), pooled), strict=True
                        ):
                            done[i] = (digest, size)
                            bar.advance(1, size)
        self.stat_cache.flush()
        return [(rel, *done[i]) for i, rel in enumerate(files)]

    def _map(self, fn: Callable[[_A], _R], items: list[_A]) -> list[_R]:
        """``fn`` over ``items``: inline locally (a stat each), in the I/O pool for object
        stores (a round trip each, overlapped)."""
        if not self.remote or len(items) < 2:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(self.io_threads) as pool:
            return list(pool.map(fn, items))

    def ingest_expected(self, path: Path, digest: str, proven: bool = False) -> None:
        """Store ``path`` whose digest was computed earlier; refuse it if it has changed.

        ``proven``: :meth:`prove_present` proved the blob present and the caller commits
        through :meth:`commit` (which re-checks the proof), so nothing is sent or asked.
        """
        self._remember_source(digest, path)
        if proven and digest in self._proofs:
            return
        size = _size_or_zero(path)
        if size < self.chunking.threshold:
            self.blobs.put_file(path, expected=digest)  # put-if-absent: a present one is touched
        elif not self._present(digest, size, check=True):
            self._put(path, size, expected=digest)
        if self.remote:
            self._keep_local(digest, path)

    # -- big files as chunks (store/chunks.py) ---------------------------------------

    def _put(self, path: Path, size: int, expected: str | None = None) -> tuple[str, int]:
        """Store a file: one blob, or chunks + a chunk list at or above the threshold."""
        if size < self.chunking.threshold:
            return self.blobs.put_file(path, expected=expected)
        digest, size, key = _chunks.put_chunked(self.blobs, path, self.chunking, expected)
        with self._lock:
            self._chunked[digest] = key
        self.stat_cache.record_chunks(digest, key)
        return digest, size

    def chunk_list_of(self, digest: str, size: int) -> str | None:
        """The chunk list a file of this digest and size is stored as here, if chunked."""
        key = self._chunked.get(digest)
        if key is None and size >= self.chunking.threshold:
            key = self.stat_cache.chunks_of(digest)
            if key is not None:
                with self._lock:
                    self._chunked[digest] = key
        return key

    def _present(self, digest: str, size: int, *, check: bool = False) -> bool:
        """Touch the blob of a file (or its chunk list and chunks); False if any is absent."""
        key = self.chunk_list_of(digest, size)
        if key is not None:
            return _chunks.touch_chunked(self.blobs, key, check=check)
        return self.blobs.touch(digest, check=check)

    def _with_chunks(self, entries: Iterable[ManifestEntry]) -> Iterator[ManifestEntry]:
        """Entries naming the chunk list of each file stored as chunks."""
        import dataclasses

        for entry in entries:
            key = None if entry.ref is not None else self.chunk_list_of(entry.digest, entry.size)
            if key is not None and entry.chunks != key:
                entry = dataclasses.replace(entry, chunks=key)
            yield entry


def _size_or_zero(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _is_source_error(exc: OSError, source: Path) -> bool:
    """Whether ``exc`` is about the file being logged (not the store it goes into)."""
    return exc.filename is not None and os.fspath(exc.filename) == os.fspath(source)


def _regular(st: os.stat_result) -> bool:
    import stat

    return stat.S_ISREG(st.st_mode)


def _stat_or_none(path: str) -> os.stat_result | None:
    """The stat of a regular file, else None (it is then read the slow way, which says
    clearly why a file vanished or is a pipe)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st if _regular(st) else None
