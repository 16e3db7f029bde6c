"""The Client: one catalog, one blob store, one stat cache. Every operation is a method here.

The public objects (``Run``, ``Artifact``, ``Api``) are thin wrappers over a Client;
the CLI, the magics and the widgets all go through them, so they cannot disagree.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ipyartifacts.core import progress as _progress
from ipyartifacts.errors import (
    ArtifactNotFoundError,
    IntegrityError,
    StoreError,
    StoreIOError,
    store_io_error,
)
from ipyartifacts.store.blobs import LocalBlobStore
from ipyartifacts.store.config import StoreLocation, resolve_store
from ipyartifacts.store.hashing import hash_file
from ipyartifacts.store.localfiles import check_regular
from ipyartifacts.store.manifest import Manifest, ManifestEntry
from ipyartifacts.store.records import RunRecord, VersionRecord
from ipyartifacts.store.statcache import StatCache

if TYPE_CHECKING:
    from ipyartifacts.core.cache import ArtifactCache
    from ipyartifacts.store.catalog import Catalog

__all__ = ["Client", "get_client"]

_INGEST_THREADS = 4  # reading new files: I/O-bound, and BLAKE3 releases the GIL

_clients: dict[tuple[str, str], Client] = {}
_clients_lock = threading.Lock()


def get_client(store: str | os.PathLike[str] | None = None) -> Client:
    """The shared Client for a store (one per store and process)."""
    location = resolve_store(store)
    with _clients_lock:
        client = _clients.get(location.key)
        if client is None or client.pid != os.getpid():
            client = Client(location)
            _clients[location.key] = client
        return client


class Client:
    """Owns the catalog, blob store and caches of one store."""

    def __init__(self, location: StoreLocation) -> None:
        self.location = location
        self.pid = os.getpid()
        root = location.root
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"Cannot create the store directory {str(root)!r}: {exc.strerror}. Set "
                "IPYARTIFACTS_STORE or pass init(store=...) to a writable directory.",
                store=str(root),
            ) from exc
        self.blobs = LocalBlobStore(root / "blobs")
        from ipyartifacts.store.catalog import (
            Catalog,  # SQLAlchemy: imported on first use, not with the package
        )

        self.catalog: Catalog = Catalog(location.database_url)
        self.stat_cache = StatCache(root / "cache" / "statcache.sqlite")
        self._manifests: OrderedDict[str, Manifest] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Client(root={str(self.location.root)!r})"

    @property
    def root(self) -> Path:
        return self.location.root

    @functools.cached_property
    def cache(self) -> ArtifactCache:
        """The LRU-capped local cache for bytes fetched from remote stores and references."""
        from ipyartifacts.core.cache import ArtifactCache, default_cache_dir

        return ArtifactCache(default_cache_dir(self.root))

    # -- hashing and ingesting local files ------------------------------------------

    def digest_of(self, path: Path) -> tuple[str, int]:
        """Digest and size of a local file, from the stat cache when it is trustworthy."""
        started = time.time_ns()
        st = check_regular(path)  # a pipe or device is refused before anything opens it
        cached = self.stat_cache.lookup(st)
        if cached is not None:
            return cached, st.st_size
        digest, size = hash_file(path)
        if size == st.st_size:
            self.stat_cache.record(st, digest, started)
        return digest, size

    def known_digest(self, path: Path, need_blob: bool) -> tuple[str, int] | None:
        """``(digest, size)`` from the stat cache alone (and, if asked, an existing blob)."""
        st = os.stat(path)
        if not _regular(st):
            return None
        cached = self.stat_cache.lookup(st)
        if cached is None or (need_blob and not self.blobs.touch(cached)):
            return None
        return cached, st.st_size

    def ingest(self, path: Path) -> tuple[str, int]:
        """Make sure the bytes of ``path`` are in the blob store; return ``(digest, size)``.

        A file the stat cache knows whose blob exists costs one ``stat``; any other file
        is read exactly once, hashed while it is copied into the store.
        """
        started = time.time_ns()
        st = check_regular(path)  # a pipe or device is refused before anything opens it
        cached = self.stat_cache.lookup(st)
        if cached is not None and self.blobs.touch(cached):  # touch: protect from a running GC
            return cached, st.st_size
        try:
            digest, size = self.blobs.put_file(path)
        except StoreIOError:
            raise
        except OSError as exc:
            if _is_source_error(exc, path):
                raise
            raise store_io_error(
                exc, phase=f"store the bytes of {str(path)!r}", store=str(self.root)
            ) from exc
        if size == st.st_size:
            self.stat_cache.record(st, digest, started)
        return digest, size

    def ingest_tree(
        self, root: Path, files: list[str], store_bytes: bool
    ) -> list[tuple[str, str, int]]:
        """Digest (and with ``store_bytes``, store) many files under ``root``.

        Returns ``(relative path, digest, size)`` in the order given. Files the stat cache
        knows cost a stat each and are done inline (threads would only add overhead);
        the rest are read once each by a small pool, with progress reported.
        """
        done: dict[str, tuple[str, int]] = {}
        unknown: list[str] = []
        for rel in files:
            known = self.known_digest(root / rel, need_blob=store_bytes)
            if known is None:
                unknown.append(rel)
            else:
                done[rel] = known
        if unknown:
            read = self.ingest if store_bytes else self.digest_of
            todo = sum(_size_or_zero(root / rel) for rel in unknown)
            verb = "Storing" if store_bytes else "Hashing"
            with (
                _progress.task(f"{verb} {root.name or root}", len(unknown), todo) as bar,
                ThreadPoolExecutor(_INGEST_THREADS) as pool,
            ):
                for rel, (digest, size) in zip(
                    unknown, pool.map(lambda r: read(root / r), unknown), strict=True
                ):
                    done[rel] = (digest, size)
                    bar.advance(1, size)
        self.stat_cache.flush()
        return [(rel, *done[rel]) for rel in files]

    def ingest_expected(self, path: Path, digest: str) -> None:
        """Store ``path`` whose digest was computed earlier; refuse it if it has changed."""
        if not self.blobs.touch(digest):
            self.blobs.put_file(path, expected=digest)

    # -- manifests ------------------------------------------------------------------

    def store_manifest(self, manifest: Manifest) -> str:
        try:
            return self.blobs.put_bytes(manifest.to_bytes())
        except StoreIOError as exc:
            raise store_io_error(exc, phase="write the manifest") from exc
        except OSError as exc:
            raise store_io_error(exc, phase="write the manifest", store=str(self.root)) from exc

    def manifest(self, record: VersionRecord) -> Manifest:
        """The manifest of a version (validated on read, cached in memory)."""
        key = record.manifest_digest
        with self._lock:
            cached = self._manifests.get(key)
            if cached is not None:
                self._manifests.move_to_end(key)
                return cached
        with self.blobs.open(key) as stream:
            data = stream.read()
        from ipyartifacts.store.hashing import hash_bytes

        if hash_bytes(data) != key:
            self.blobs.quarantine(key)
            raise IntegrityError(
                f"The manifest of {record.project}/{record.name}:v{record.number} is corrupt "
                f"(blob {key[:12]}... does not match its digest). It was moved to quarantine.",
                digest=key,
            )
        manifest = Manifest.from_bytes(data)
        with self._lock:
            self._manifests[key] = manifest
            while len(self._manifests) > 16:
                self._manifests.popitem(last=False)
        return manifest

    # -- committing -----------------------------------------------------------------

    def commit(
        self,
        *,
        project: str,
        name: str,
        type: str,
        entries: Iterable[ManifestEntry],
        description: str | None,
        metadata: dict[str, Any],
        run_id: str | None,
        aliases: list[str],
        tags: list[str],
        provenance: dict[str, Any] | None = None,
        ttl: timedelta | None = None,
    ) -> tuple[VersionRecord, bool]:
        """Commit a version whose blobs are all stored. Returns ``(record, created)``."""
        from ipyartifacts.store.catalog import CommitRequest

        manifest = Manifest(entries)
        for entry in manifest:
            # touch, not exists: a blob named by a version about to commit must look fresh
            # to a concurrent GC (see LocalBlobStore.touch).
            if entry.ref is None and not self.blobs.touch(entry.digest):
                raise StoreError(
                    f"Refusing to commit {name!r}: the blob of {entry.path!r} is not in the store.",
                    store=str(self.root),
                )
        manifest_digest = self.store_manifest(manifest)
        self.blobs.sync()
        return self.catalog.commit_version(
            CommitRequest(
                project=project,
                name=name,
                type=type,
                digest=manifest.digest(),
                manifest_digest=manifest_digest,
                size=manifest.size,
                file_count=len(manifest),
                description=description,
                metadata=metadata,
                run_id=run_id,
                aliases=aliases,
                tags=tags,
                provenance=provenance,
                ttl=ttl,
            )
        )

    # -- reading --------------------------------------------------------------------

    def open_blob(self, digest: str) -> BinaryIO:
        """Open a stored blob for reading.

        A remote store's blobs are read through the local LRU cache (``self.cache``):
        fetched once, verified against their digest, then served from disk.
        """
        if self.blobs.url.startswith("file:"):
            return self.blobs.open(digest)
        return self.cache.open(digest, functools.partial(self._fetch_blob, digest), digest=digest)

    def _fetch_blob(self, digest: str, dest: Path) -> None:
        import shutil

        with self.blobs.open(digest) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)

    def local_blob_path(self, digest: str) -> Path | None:
        """The local file of a blob (to memory-map), or None for remote stores."""
        return self.blobs.local_path(digest)

    def resolve(self, project: str, name: str, alias: str) -> VersionRecord:
        return self.catalog.resolve(project, name, alias)

    def run(self, run_id: str) -> RunRecord:
        return self.catalog.get_run(run_id)

    def require_version(self, version_id: str) -> VersionRecord:
        try:
            return self.catalog.get_version(version_id)
        except ArtifactNotFoundError:
            raise


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
