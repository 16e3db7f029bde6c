"""Placing a version's files in a directory: download, checkout and verify.

Every byte written is verified against its digest *before* it reaches its final name
(temp file + rename), so a corrupt blob is never copied to the destination. Every file
is reached through :class:`~ipyartifacts.store.placement.Placer`, which opens folders
relative to their parent's descriptor and never follows a link: nothing is written,
removed or read outside the root, even while someone swaps folders for symlinks.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

from ipyartifacts.core import progress as _progress
from ipyartifacts.errors import ArtifactStateError, IntegrityError, VerificationError
from ipyartifacts.store.hashing import hash_bytes, iter_chunks, new_hasher
from ipyartifacts.store.manifest import Manifest, ManifestEntry
from ipyartifacts.store.paths import validate_logical_path
from ipyartifacts.store.placement import Opened, Placer, Sink

if TYPE_CHECKING:
    from blake3 import blake3

    from ipyartifacts.core.client import Client

__all__ = ["place_entries", "remove_extra", "verify_dir"]

_T = TypeVar("_T")
_OVERLAP_HASH = 8 << 20  # files this big hash in a second thread while they are copied
_AHEAD_BYTES = 256 << 20  # fetched into the cache but not placed yet, at most
_LOCAL_PARALLEL_MIN = 256  # local files placed by two workers from this many
_LOCAL_CUT_SLACK = 1000  # how far past the middle the halves' cut looks for a folder's end


def _matches(client: Client, found: Opened, entry: ManifestEntry, unprovable: bool = False) -> bool:
    """Whether ``found`` holds ``entry``'s bytes; ``unprovable`` is the answer for a reference
    whose record cannot prove it (an opaque ETag, ``checksum=False``)."""
    if entry.ref is not None:  # a reference's digest is not of its bytes
        from ipyartifacts.core.references.refs import local_copy_matches

        verdict = local_copy_matches(client, found, entry)
        return unprovable if verdict is None else verdict
    if not found.regular or found.st.st_size != entry.size:
        return False
    try:
        return found.blake3(client.stat_cache) == entry.digest
    except OSError:
        return False


def _present(client: Client, placer: Placer, entry: ManifestEntry) -> bool:
    """Whether ``entry`` is already in place with its bytes (never, in a folder this very
    download made: a fresh download does not look for each file before writing it)."""
    if placer.made(entry.path):
        return False
    with placer.opened(entry.path) as found:
        return found is not None and _matches(client, found, entry)


def place_entries(
    client: Client,
    entries: Iterable[ManifestEntry],
    root: Path,
    allow_missing_references: bool = False,
) -> int:
    """Write ``entries`` under ``root``; files already right are kept. Returns files written.

    With ``allow_missing_references``, a reference whose target is gone is skipped
    instead of raising ArtifactNotFoundError. A symlink (or file) where a folder of an
    entry should be, or a symlink where the file should be, raises InvalidPathError.
    """
    written = 0
    references: list[ManifestEntry] = []
    stored: list[ManifestEntry] = []
    entries = list(entries)
    total = sum(e.size for e in entries)

    def place(entry: ManifestEntry) -> int:
        """1 if written, 0 if already right, -1 for a reference (fetched below)."""
        validate_logical_path(entry.path)  # manifests are checked on read; be sure
        if _present(client, placer, entry):
            return 0
        if entry.ref is not None:
            return -1  # network-bound: fetched together below
        _copy_verified(client, entry, placer)
        return 1

    with (
        Placer(root) as placer,
        _progress.task(f"Downloading to {root}", len(entries), total) as bar,
    ):
        if client.remote:  # round trips: placed in order, GETs overlapped ahead
            for entry in entries:
                validate_logical_path(entry.path)  # manifests are checked on read; be sure
                if _present(client, placer, entry):
                    bar.advance(1, entry.size)
                    continue
                if entry.ref is not None:
                    references.append(entry)  # network-bound: fetched together below
                else:
                    stored.append(entry)
            with _Prefetch(client, stored) as ahead:
                for entry in stored:
                    ahead.wait(entry)
                    _copy_verified(client, entry, placer)
                    bar.advance(1, entry.size)
                    written += 1
        else:  # local blobs: placed inline, by two workers when there are many files
            placed, references = _place_local(entries, place, bar)
            written += placed
        if references:
            from ipyartifacts.core.references.refs import fetch_references

            written += fetch_references(
                client, references, placer, allow_missing=allow_missing_references
            )
            bar.advance(len(references), sum(e.size for e in references))
    client.stat_cache.flush()
    return written


def _halves(entries: list[ManifestEntry]) -> tuple[list[ManifestEntry], list[ManifestEntry]]:
    """``entries`` (in path order) cut near the middle where a folder ends, so that the two
    workers create files in different folders (ext4 locks a folder while it adds a name)."""
    middle = len(entries) // 2
    folder = entries[middle].path.rpartition("/")[0]
    for cut in range(middle, min(len(entries), middle + _LOCAL_CUT_SLACK)):
        if entries[cut].path.rpartition("/")[0] != folder:
            return entries[:cut], entries[cut:]
    return entries[:middle], entries[middle:]


class _Tally:
    """What one placing worker has done so far."""

    __slots__ = ("files", "nbytes", "references", "written")

    def __init__(self) -> None:
        self.files = self.nbytes = self.written = 0
        self.references: list[ManifestEntry] = []


def _place_all(
    entries: list[ManifestEntry],
    place: Callable[[ManifestEntry], int],
    tally: _Tally,
    stop: threading.Event,
    report: Callable[[], None] | None = None,
) -> None:
    try:
        for entry in entries:
            if stop.is_set():
                return
            outcome = place(entry)
            if outcome < 0:
                tally.references.append(entry)  # network-bound: fetched together after
            else:
                tally.written += outcome
                tally.nbytes += entry.size
                tally.files += 1
            if report is not None:
                report()
    except BaseException:
        stop.set()  # the other worker stops at its next file
        raise


def _place_local(
    entries: list[ManifestEntry], place: Callable[[ManifestEntry], int], bar: _progress.Progress
) -> tuple[int, list[ManifestEntry]]:
    """Run ``place`` over ``entries``; returns (files written, references left to fetch).

    A small file costs a few system calls (two creates, a read, a write, a rename) and
    the kernel's time in them is most of a fetch; they release the GIL, so a second
    worker places the second half meanwhile (one hand-off per half, never per file:
    on two cores a per-file pool lost to the loop). Progress is reported from this
    thread, the other worker's included; the first error stops both and is raised.
    """
    tallies = (_Tally(), _Tally())
    stop = threading.Event()
    shown = [0, 0]

    def report() -> None:
        files = tallies[0].files + tallies[1].files
        if files != shown[0]:
            nbytes = tallies[0].nbytes + tallies[1].nbytes
            bar.advance(files - shown[0], nbytes - shown[1])
            shown[:] = [files, nbytes]

    if len(entries) < _LOCAL_PARALLEL_MIN or (os.cpu_count() or 1) < 2:
        _place_all(entries, place, tallies[0], stop, report)
    else:
        mine, theirs = _halves(entries)
        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(_place_all, theirs, place, tallies[1], stop)
            _place_all(mine, place, tallies[0], stop, report)
            future.result()
    report()
    return (
        tallies[0].written + tallies[1].written,
        tallies[0].references + tallies[1].references,
    )


class _Prefetch:
    """Fetch remote blobs into the local cache a bounded window ahead of their placement.

    A cold fetch of many small files was one GET after another (issue #12: 2,000 files
    in 90 s, 4x ``dvc pull``): the time went in round trips, not bytes. Here up to
    ``client.io_threads`` GETs overlap, at most ``_AHEAD_BYTES`` (and a quarter of the
    cache's cap) fetched but not yet placed. The cache verifies each blob's digest
    before publishing it, and :func:`_copy_verified` verifies it again as it is placed;
    a prefetch that failed is not reported here: placement fetches that blob again
    and raises what it raises (an IntegrityError after a second read, a missing blob).
    """

    def __init__(self, client: Client, entries: list[ManifestEntry]) -> None:
        self.client = client
        chunked = client._chunked  # chunked files are read chunk by chunk from the store
        self.todo = [e for e in entries if e.digest not in chunked] if client.remote else []
        self.futures: dict[str, Future[None]] = {}
        self.pool: ThreadPoolExecutor | None = None
        self.next = 0
        self.ahead_bytes = 0
        self.limit = min(_AHEAD_BYTES, max(1, client.cache.max_size // 4)) if self.todo else 0

    def __enter__(self) -> _Prefetch:
        if len(self.todo) >= 2:
            self.pool = ThreadPoolExecutor(self.client.io_threads)
            self._fill()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _fill(self) -> None:
        assert self.pool is not None
        window = 2 * self.client.io_threads
        while self.next < len(self.todo) and (
            not self.futures or (len(self.futures) < window and self.ahead_bytes < self.limit)
        ):
            entry = self.todo[self.next]
            self.next += 1
            if entry.digest in self.futures:
                continue  # the same bytes under two paths: fetched once
            self.futures[entry.digest] = self.pool.submit(self._fetch, entry.digest)
            self.ahead_bytes += entry.size

    def _fetch(self, digest: str) -> None:
        with contextlib.suppress(Exception):  # placement fetches again and reports it
            self.client.prefetch_blob(digest)

    def wait(self, entry: ManifestEntry) -> None:
        """Return once ``entry``'s blob is fetched (or its prefetch failed)."""
        future = self.futures.pop(entry.digest, None)
        if future is None or self.pool is None:
            return
        future.result()
        self.ahead_bytes -= entry.size
        self._fill()


def _copy_verified(client: Client, entry: ManifestEntry, placer: Placer) -> None:
    small = client.small_blob_reader(entry)

    def fill(out: Sink) -> None:
        if small is not None:  # read whole, checked before a byte is written
            data = small()
            digest = hash_bytes(data)
            if digest != entry.digest or len(data) != entry.size:
                corrupt(f"{digest[:12]}... ({len(data)} bytes)")
            out.write(data)
            return
        listed = client.open_listed_chunks(entry)
        if listed is not None:  # each chunk verified as it is read: no whole-file rehash
            reader, listing = listed
            with reader:
                if (listing.digest, listing.size) != (entry.digest, entry.size):
                    corrupt(f"a chunk list of {listing.digest[:12]}... ({listing.size} bytes)")
                copied = 0
                for chunk in reader.verified_chunks():  # written as read: no copy between
                    out.write(chunk)
                    copied += len(chunk)
            if copied != entry.size:
                corrupt(f"{copied} bytes, not {entry.size}")
            return
        hasher = new_hasher()
        with client.open_blob(entry.digest) as src:
            if entry.size < _OVERLAP_HASH:
                for chunk in iter_chunks(src):
                    hasher.update(chunk)
                    out.write(chunk)
            else:
                _copy_hashing_aside(src, out, hasher)
        digest = hasher.hexdigest()
        if digest != entry.digest:
            corrupt(f"{digest[:12]}...")

    def corrupt(found: str) -> None:
        """Quarantine the blob and refuse: ``found`` says what was read instead."""
        client.blobs.quarantine(entry.digest)
        dest = placer.root.joinpath(*entry.path.split("/"))
        raise IntegrityError(
            f"Stored bytes of {entry.path!r} are corrupt: expected digest "
            f"{entry.digest[:12]}..., read {found}. Nothing was written to "
            f"{str(dest)!r}; the bad blob was moved to quarantine. Log the file again "
            "to repair the store.",
            digest=entry.digest,
            path=entry.path,
        )

    placer.write(entry.path, fill)


def _copy_hashing_aside(src: BinaryIO, out: Sink, hasher: blake3) -> None:
    """Copy ``src`` to ``out`` while a second thread hashes each chunk just read.

    BLAKE3 releases the GIL, so the whole-file hash overlaps the reading (a chunked
    file's reader verifies every chunk as it reads it: a second hash) and the writing.
    """
    with ThreadPoolExecutor(1) as pool:
        pending: Future[object] | None = None
        for chunk in iter_chunks(src):
            out.write(chunk)
            if pending is not None:
                pending.result()
            pending = pool.submit(hasher.update, chunk)
        if pending is not None:
            pending.result()


def remove_extra(manifest: Manifest, root: Path) -> list[str]:
    """Delete files (and links) under ``root`` that are not in ``manifest``; return them.

    Nothing is removed through a link: a symlinked folder is unlinked as a whole if it
    is not in the manifest, never emptied.
    """
    removed = []
    with Placer(root, create=False) as placer:
        for path in placer.listing():
            if path not in manifest:
                placer.remove(path)
                removed.append(path)
        placer.prune()
    return removed


def verify_dir(client: Client, manifest: Manifest, root: Path, name: str) -> None:
    """Raise :class:`VerificationError` unless ``root`` holds exactly ``manifest``'s files."""
    if not root.is_dir():
        raise ArtifactStateError(f"Cannot verify {name}: {str(root)!r} is not a directory.")
    with Placer(root, create=False) as placer:
        present = placer.listing()
        missing = [p for p in manifest.entries if p not in present]
        extra = [p for p in present if p not in manifest]
        modified = [
            e.path
            for e in manifest
            if e.path in present and not _verified(client, placer, e, present[e.path])
        ]
    if missing or modified or extra:
        parts = []
        for label, items in (("missing", missing), ("modified", modified), ("extra", extra)):
            if items:
                shown = ", ".join(items[:5]) + (
                    f" (+{len(items) - 5} more)" if len(items) > 5 else ""
                )
                parts.append(f"{len(items)} {label}: {shown}")
        raise VerificationError(
            f"{str(root)!r} does not match {name}: "
            + "; ".join(parts)
            + ". Run artifact.checkout(root) to restore it.",
            root=str(root),
            missing=missing,
            modified=modified,
            extra=extra,
        )


def _verified(client: Client, placer: Placer, entry: ManifestEntry, kind: str) -> bool:
    """Whether the file listed at ``entry.path`` holds it; a link or a FIFO never does."""
    if kind != "file":
        return False
    with placer.opened(entry.path, strict=False) as found:
        return found is not None and _matches(client, found, entry, unprovable=True)
