"""The Client: one catalog, one blob store, one stat cache. Every operation is a method here.

The public objects (``Run``, ``Artifact``, ``Api``) are thin wrappers over a Client;
the CLI, the magics and the widgets all go through them, so they cannot disagree.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ipyartifacts.core.ingest import INGEST_THREADS, Ingesting
from ipyartifacts.errors import (
    ArtifactNotFoundError,
    IntegrityError,
    MissingBlobError,
    SourceChangedError,
    StoreError,
    StoreIOError,
    store_io_error,
)
from ipyartifacts.store import chunks as _chunks
from ipyartifacts.store.blobs import BlobStore, LocalBlobStore
from ipyartifacts.store.blobs.local import SMALL_FILE
from ipyartifacts.store.chunks import ChunkList
from ipyartifacts.store.config import StoreLocation, resolve_store
from ipyartifacts.store.manifest import Manifest, ManifestEntry
from ipyartifacts.store.records import RunRecord, VersionRecord
from ipyartifacts.store.statcache import StatCache

if TYPE_CHECKING:
    from ipyartifacts.core.cache import ArtifactCache
    from ipyartifacts.store.catalog import Catalog

__all__ = ["Client", "get_client"]

_clients: dict[tuple[str, str], Client] = {}
_clients_lock = threading.Lock()


def get_client(store: str | os.PathLike[str] | None = None, *, catalog: bool = True) -> Client:
    """The shared Client for a store (one per store and process), its catalog opened
    unless not ``catalog`` (a caller that needs only the blobs: then on first use)."""
    location = resolve_store(store)
    with _clients_lock:
        client = _clients.get(location.key)
        if client is None or client.pid != os.getpid():
            client = Client(location, catalog=False)
            _clients[location.key] = client
    if catalog:
        client.catalog  # noqa: B018 - opened now, so that a bad store is reported here
    return client


class Client(Ingesting):
    """Owns the catalog, blob store and caches of one store."""

    def __init__(self, location: StoreLocation, *, catalog: bool = True) -> None:
        """Open the store at ``location``; its catalog now unless not ``catalog`` (then
        on first use of :attr:`catalog`)."""
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
        self.blobs: BlobStore = _open_blobs(location)
        self.io_threads: int = getattr(self.blobs, "io_threads", INGEST_THREADS)
        self._catalog: Catalog | None = None  # opened on first use (below)
        self._catalog_lock = threading.Lock()
        self.stat_cache = StatCache(root / "cache" / "statcache.sqlite")
        self._manifests: OrderedDict[str, Manifest] = OrderedDict()
        self._lock = threading.Lock()
        # digest -> the local file this process last staged it from: if the blob vanishes
        # before commit (deleted by hand, quarantined, reclaimed), it is stored again.
        self._sources: dict[str, str | Path] = {}  # digest -> the file it was read from
        # Files at or above chunking.threshold are stored as content-defined chunks;
        # digest -> chunk list key for those this process stored or read a manifest of.
        self.chunking = _chunks.DEFAULT_PARAMS
        self._chunked: dict[str, str] = {}
        # digest -> (version id, chunk list) of a live version proving its blob present
        # (remote stores, see _proven); re-checked inside the commit that relies on it.
        self._proofs: dict[str, tuple[str, str | None]] = {}
        if catalog:
            self.catalog  # noqa: B018 - a bad or refused catalog is reported here

    def __repr__(self) -> str:
        return f"Client(root={str(self.location.root)!r}, blobs={self.blobs.url!r})"

    @property
    def catalog(self) -> Catalog:
        """The catalog, opened (and migrated) on first use.

        SQLAlchemy is imported then, not before: a download that
        :mod:`~ipyartifacts.store.quickread` resolved never needs it.
        """
        catalog = self._catalog
        if catalog is None:
            with self._catalog_lock:
                if self._catalog is None:
                    from ipyartifacts.store.catalog import Catalog

                    self._catalog = Catalog(self.location.database_url)
                catalog = self._catalog
        return catalog

    @property
    def remote(self) -> bool:
        """Whether blobs live in object storage (reads go through the local cache)."""
        return not isinstance(self.blobs, LocalBlobStore)

    @property
    def root(self) -> Path:
        return self.location.root

    @functools.cached_property
    def cache(self) -> ArtifactCache:
        """The LRU-capped local cache for bytes fetched from remote stores and references."""
        from ipyartifacts.core.cache import ArtifactCache, default_cache_dir

        where = self.location.cache_dir or default_cache_dir(self.root)
        return ArtifactCache(where, self.location.cache_size)

    # -- manifests ------------------------------------------------------------------

    def store_manifest(self, manifest: Manifest) -> str:
        data = manifest.to_bytes()
        try:
            digest = self.blobs.put_bytes(data)
        except StoreIOError as exc:
            raise store_io_error(exc, phase="write the manifest") from exc
        except OSError as exc:
            raise store_io_error(exc, phase="write the manifest", store=str(self.root)) from exc
        if self.remote:
            with contextlib.suppress(IntegrityError, OSError):
                self.cache.get_or_fetch(digest, lambda dest: dest.write_bytes(data), digest=digest)
        return digest

    def manifest(self, record: VersionRecord) -> Manifest:
        """The manifest of a version (validated on read, cached in memory)."""
        return self.manifest_of(
            record.manifest_digest, f"{record.project}/{record.name}:v{record.number}"
        )

    def manifest_of(self, key: str, version: str) -> Manifest:
        """The manifest stored as blob ``key``, of ``version`` (``project/name:vN``, for
        the message if it is corrupt)."""
        with self._lock:
            cached = self._manifests.get(key)
            if cached is not None:
                self._manifests.move_to_end(key)
                return cached
        try:
            with self.open_blob(key) as stream:
                data = stream.read()
        except IntegrityError:
            data = b""  # a remote blob refused by the cache: reported below
        from ipyartifacts.store.hashing import hash_bytes

        if hash_bytes(data) != key:
            self.blobs.quarantine(key)
            raise IntegrityError(
                f"The manifest of {version} is corrupt "
                f"(blob {key[:12]}... does not match its digest). It was moved to quarantine.",
                digest=key,
            )
        manifest = Manifest.from_bytes(data)
        with self._lock:
            for entry in manifest:
                if entry.chunks is not None:
                    self._chunked[entry.digest] = entry.chunks
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
        from ipyartifacts.store.catalog import CommitRequest, ProofLapsedError

        manifest = Manifest(self._with_chunks(entries))
        stored = [entry for entry in manifest if entry.ref is None]
        proved, checked = self._split_proved(stored)
        self._check_present(name, checked)
        manifest_digest = self.store_manifest(manifest)
        self.blobs.sync()
        for _attempt in range(3):
            proofs = {vid for _entry, vid in proved}
            try:
                record, created = self.catalog.commit_version(
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
                        proofs=proofs,
                    )
                )
                break
            except ProofLapsedError as exc:
                # A proving version was deleted or expired meanwhile: ask the store after all.
                lapsed = [e for e, vid in proved if vid in exc.versions]
                for entry in lapsed:
                    self._proofs.pop(entry.digest, None)
                proved = [(e, vid) for e, vid in proved if vid not in exc.versions]
                self._check_present(name, lapsed)
        else:
            raise StoreError(
                f"Cannot commit {name!r}: the versions proving its blobs kept being deleted "
                "while it committed. Log it again.",
                store=str(self.root),
            )
        if self.remote and getattr(self.blobs, "quarantined", None) is not None:
            self.stat_cache.record_proofs(
                self.blobs.url, [(e.digest, record.id, e.chunks) for e in stored]
            )
        return record, created

    def _split_proved(
        self, stored: list[ManifestEntry]
    ) -> tuple[list[tuple[ManifestEntry, str]], list[ManifestEntry]]:
        """Entries a live version proves present, with its id (see :meth:`_proven`), and
        the others."""
        quarantined = getattr(self.blobs, "quarantined", None)
        if not self._proofs or quarantined is None:
            return [], stored
        bad = quarantined()  # fresh after any removal in this process
        proved: list[tuple[ManifestEntry, str]] = []
        checked: list[ManifestEntry] = []
        for entry in stored:
            proof = self._proofs.get(entry.digest)
            if (
                proof is not None
                and proof[1] == entry.chunks
                and entry.digest not in bad
                and (entry.chunks is None or not bad)
            ):
                proved.append((entry, proof[0]))
            else:
                checked.append(entry)
        return proved, checked

    def confirm_proven(self, name: str, entries: Iterable[ManifestEntry]) -> None:
        """Touch the blobs among ``entries`` that only a proof vouched for.

        For a caller that registers blobs without :meth:`commit` (a distributed part):
        nothing would re-check the proof under a lock, so the blobs are protected the
        ordinary way, touched (and stored again from their files if gone).
        """
        with self._lock:
            vouched = [e for e in entries if e.ref is None and e.digest in self._proofs]
        self._check_present(name, vouched)

    def _check_present(self, name: str, entries: list[ManifestEntry]) -> None:
        """Touch each entry's blob before commit; store a vanished one again from its file."""
        # touch, not exists: a blob named by a version about to commit must look fresh
        # to a concurrent GC (see LocalBlobStore.touch and ObjectBlobStore.touch).
        # Checked: a remembered touch cannot tell that the blob was removed since.
        present = self._map(lambda e: self._present(e.digest, e.size, check=True), entries)
        for entry, found in zip(entries, present, strict=True):
            if not found:
                self._restore_blob(name, entry)

    def _restore_blob(self, name: str, entry: ManifestEntry) -> None:
        """Store a vanished blob again from the file it was staged from, or refuse."""
        found = self._sources.get(entry.digest)
        source = None if found is None else Path(found)
        where = f"the blob of {entry.path!r} ({entry.digest[:12]}...) is no longer in the store"
        if source is None:
            raise MissingBlobError(
                f"Refusing to commit {name!r}: {where}, and this process does not know the "
                "file it came from. Add the file again (artifact.add_file / add_dir) and log "
                "the artifact again.",
                store=str(self.root),
                digest=entry.digest,
                path=entry.path,
            )
        if source.exists() and not source.is_file():  # a pipe or device: reading would block
            raise MissingBlobError(
                f"Refusing to commit {name!r}: {where}, and it was read from "
                f"{str(source)!r}, which is not a regular file and cannot be read again. Add "
                "it again and log the artifact again.",
                store=str(self.root),
                digest=entry.digest,
                path=entry.path,
                source=str(source),
            )
        try:
            self._put(source, entry.size, expected=entry.digest)  # re-hashed while copied
        except FileNotFoundError as exc:
            raise MissingBlobError(
                f"Refusing to commit {name!r}: {where}, and the file it was added from, "
                f"{str(source)!r}, no longer exists. Add the file again from where it is "
                "now and log the artifact again.",
                store=str(self.root),
                digest=entry.digest,
                path=entry.path,
                source=str(source),
            ) from exc
        except SourceChangedError as exc:
            raise MissingBlobError(
                f"Refusing to commit {name!r}: {where}, and the file it was added from, "
                f"{str(source)!r}, has changed since (now {str(exc.digest)[:12]}...), so the "
                "bytes added cannot be restored. Add the file again to log its current "
                "content.",
                store=str(self.root),
                digest=entry.digest,
                path=entry.path,
                source=str(source),
            ) from exc

    # -- reading --------------------------------------------------------------------

    def open_blob(self, digest: str) -> BinaryIO:
        """Open a stored blob for reading.

        A remote store's blobs are read through the local LRU cache (``self.cache``):
        fetched once, verified against their digest, then served from disk.
        """
        key = self._chunked.get(digest)
        if key is not None:  # reassembled chunk by chunk, each verified
            listing = _chunks.read_chunk_list(self.blobs, key)
            return io.BufferedReader(_chunks.ChunkedReader(self.blobs, listing), 1 << 20)
        if not self.remote:
            return self.blobs.open(digest)
        try:
            return self.cache.open(
                digest, functools.partial(self._fetch_blob, digest), digest=digest
            )
        except IntegrityError as exc:
            self.blobs.quarantine(digest)  # only if a second read confirms the damage
            raise IntegrityError(
                f"The blob {digest[:12]}... in {self.blobs.url} is corrupt: its bytes do not "
                "match their digest, so nothing was written. If the store's copy is damaged "
                "it was moved to quarantine/; log the files again to repair it.",
                digest=digest,
            ) from exc

    def open_listed_chunks(
        self, entry: ManifestEntry
    ) -> tuple[_chunks.ChunkedReader, ChunkList] | None:
        """A chunked file's bytes, by the chunk list its manifest entry names, and that list.

        Every link is verified: the manifest by its digest, the list by its key, each chunk
        by its digest as it is read (a bad one is quarantined). The list was written from
        the very bytes the file's digest was computed over, so a reader that checks the
        list's file digest and size needs no second, whole-file hash. None for a file that
        is not chunked.
        """
        if entry.chunks is None or entry.ref is not None:
            return None
        listing = _chunks.read_chunk_list(self.blobs, entry.chunks)
        return _chunks.ChunkedReader(self.blobs, listing), listing

    def small_blob_reader(self, entry: ManifestEntry) -> Callable[[], bytes] | None:
        """A reader of a small local blob's bytes whole (``LocalBlobStore.read_small``),
        or None where :meth:`open_blob` is the way (object stores, chunked files)."""
        blobs = self.blobs
        if not isinstance(blobs, LocalBlobStore) or entry.size > SMALL_FILE:
            return None
        if entry.digest in self._chunked:  # a small threshold can chunk a small file
            return None
        return functools.partial(blobs.read_small, entry.digest, entry.size)

    def prefetch_blob(self, digest: str) -> None:
        """Fetch a remote blob into the local cache (verified) if it is not there yet."""
        if not self.remote or digest in self._chunked:
            return
        self.cache.get_or_fetch(digest, functools.partial(self._fetch_blob, digest), digest=digest)

    def _fetch_blob(self, digest: str, dest: Path) -> None:
        fetch_to = getattr(self.blobs, "fetch_to", None)
        if fetch_to is not None:  # object stores: streamed, retried whole
            fetch_to(digest, dest)
            return
        import shutil

        with self.blobs.open(digest) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)

    def local_blob_path(self, digest: str) -> Path | None:
        """The local file of a blob (to memory-map), or None for remote stores and chunks."""
        if digest in self._chunked:
            return None
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


def _open_blobs(location: StoreLocation) -> BlobStore:
    """The blob store a location names: object storage, a folder, or ``root/blobs``."""
    url = location.blob_url
    if url is None:
        return LocalBlobStore(location.root / "blobs")
    if location.remote_blobs:
        from ipyartifacts.store.blobs.objectstore import ObjectBlobStore

        return ObjectBlobStore(url, location.blob_options)
    folder = Path(url.removeprefix("file://")).expanduser()
    try:
        return LocalBlobStore(folder)
    except OSError as exc:
        raise StoreError(
            f"Cannot create the blob folder {str(folder)!r}: {exc.strerror}.", store=str(folder)
        ) from exc
