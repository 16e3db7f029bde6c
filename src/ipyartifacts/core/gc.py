"""Garbage collection: reclaim blobs that no live artifact version needs.

A blob is *live* when it is the manifest of a live version (committed, not expired) or
an entry named by such a manifest. Deleted and expired versions' manifests are not read,
so their blobs go as soon as nothing live shares them.

Safe while other processes log, through two rules:

* **Grace period.** Blobs modified within ``grace`` (default one hour) are never removed:
  another process may have stored them and not committed its version yet. Writers
  *touch* a blob they reuse (``BlobStore.touch``), so an old orphan that a writer is
  about to reference looks fresh.
* **Move, re-check, delete.** A local blob is first renamed into the store's ``tmp/``;
  if it turns out to have been touched meanwhile it is put back. A writer whose touch
  finds the blob gone simply stores it again.
* **Object stores** (no rename, no touch): the catalog's live set is read again after
  the listing, and each candidate's last-modified time is read again just before it is
  deleted; writers renew an old blob they reuse by rewriting it server-side
  (``ObjectBlobStore.touch``), or rely on a live version naming it, share-locked in
  their commit (``Catalog.provable_versions``). See docs/design.md for the one
  remaining window and the argument.

Staging files in ``tmp/`` older than the grace period (by mtime) are removed too: they
are what killed writers leave behind, while a live writer's file is young (every chunk
written moves its mtime).

The report is returned at once, so you can verify what was reclaimed (``removed``
lists the digests).
"""

from __future__ import annotations

import contextlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ipyartifacts.errors import ArtifactNotFoundError, IntegrityError, StoreError
from ipyartifacts.store.blobs import BlobStore, LocalBlobStore
from ipyartifacts.store.blobs.local import TempSweep
from ipyartifacts.store.chunks import ChunkList, read_chunk_list
from ipyartifacts.store.hashing import hash_bytes
from ipyartifacts.store.manifest import Manifest

if TYPE_CHECKING:
    from ipyartifacts.core.client import Client

__all__ = ["DEFAULT_GRACE", "GCReport", "collect"]

DEFAULT_GRACE = timedelta(hours=1)
_REMOVE_THREADS = 8
_BATCH = 1024


@dataclass(frozen=True)
class GCReport:
    """What one garbage collection did (or, with ``dry_run``, would do).

    Attributes
    ----------
    blobs_removed, bytes_freed : int
        Unreferenced blobs older than the grace period, removed (or removable).
    blobs_kept, bytes_kept : int
        Blobs that live versions need.
    blobs_in_grace, bytes_in_grace : int
        Unreferenced blobs younger than the grace period, kept for now.
    temp_files_removed, temp_bytes_removed : int
        Staging files older than the grace period (left by killed writers) removed from
        the store's ``tmp/`` (or, with ``dry_run``, removable).
    temp_files_kept, temp_bytes_kept : int
        Staging files younger than the grace period, kept: a writer may still be using them.
    live_versions : int
        Distinct live manifests read.
    grace_seconds : float
    dry_run : bool
    removed : tuple of str
        Digests of the removed blobs.
    """

    blobs_removed: int
    bytes_freed: int
    blobs_kept: int
    bytes_kept: int
    blobs_in_grace: int
    bytes_in_grace: int
    temp_files_removed: int
    live_versions: int
    grace_seconds: float
    dry_run: bool
    removed: tuple[str, ...] = field(default=(), repr=False)
    temp_bytes_removed: int = 0
    temp_files_kept: int = 0
    temp_bytes_kept: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``removed`` as a list)."""
        data = asdict(self)
        data["removed"] = list(self.removed)
        return data

    def __str__(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        return (
            f"GC {verb} {self.blobs_removed} blob(s), {_human(self.bytes_freed)}; kept "
            f"{self.blobs_kept} live blob(s), {_human(self.bytes_kept)}, and "
            f"{self.blobs_in_grace} recent unreferenced blob(s), {_human(self.bytes_in_grace)} "
            f"(grace {timedelta(seconds=self.grace_seconds)}); {verb} "
            f"{self.temp_files_removed} stale temp file(s), {_human(self.temp_bytes_removed)}; "
            f"kept {self.temp_files_kept} recent temp file(s), {_human(self.temp_bytes_kept)}."
        )


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def grace_seconds(grace: timedelta | float | int) -> float:
    """Normalise a grace period (timedelta or seconds) and refuse negative ones."""
    seconds = grace.total_seconds() if isinstance(grace, timedelta) else float(grace)
    if seconds < 0:
        raise ValueError(f"grace must not be negative, got {grace!r}.")
    return seconds


def live_blobs(client: Client) -> tuple[set[str], int]:
    """Digests every live version needs (manifests and entries), and the manifest count.

    A live version whose manifest cannot be read stops GC: without it we cannot know
    which blobs it needs, and deleting them would turn one broken version into lost data.
    """
    manifests = client.catalog.live_manifest_digests()
    needed: set[str] = set(manifests)
    for digest, version in manifests.items():
        try:
            with client.blobs.open(digest) as stream:
                data = stream.read()
            if hash_bytes(data) != digest:
                raise IntegrityError(f"manifest blob {digest[:12]}... is corrupt", digest=digest)
            manifest = Manifest.from_bytes(data)
        except (ArtifactNotFoundError, IntegrityError) as exc:
            raise StoreError(
                f"GC stopped without deleting anything: the manifest of live version {version} "
                f"cannot be read ({exc}). Delete that version (artifact.delete()) or restore "
                "its manifest blob, then run gc again.",
                store=client.blobs.url,
            ) from exc
        needed.update(entry.digest for entry in manifest)
        for entry in manifest:
            if entry.chunks is not None:  # a chunk is live while a live chunk list names it
                needed.add(entry.chunks)
                needed.update(d for d, _n in _chunk_list(client, entry.chunks, version).chunks)
    # Parts of distributed artifacts not finished yet: their blobs are stored, their
    # version is not committed, and finishing must still find them.
    needed.update(client.catalog.pending_part_digests())
    for key in client.catalog.pending_part_chunk_lists():
        needed.add(key)
        needed.update(d for d, _n in _chunk_list(client, key, "a pending distributed part").chunks)
    return needed, len(manifests)


def _chunk_list(client: Client, key: str, version: str) -> ChunkList:
    try:
        return read_chunk_list(client.blobs, key)
    except (ArtifactNotFoundError, IntegrityError) as exc:
        raise StoreError(
            f"GC stopped without deleting anything: a chunk list of live version {version} "
            f"cannot be read ({exc}). Log the file again or delete that version, then run "
            "gc again.",
            store=client.blobs.url,
        ) from exc


def collect(
    client: Client, grace: timedelta | float | int = DEFAULT_GRACE, dry_run: bool = False
) -> GCReport:
    """Reclaim unreferenced blobs older than ``grace`` from ``client``'s store."""
    seconds = grace_seconds(grace)
    # The cutoff is fixed before the catalog is read: a version committed after the read
    # names blobs its writer touched recently, so they fall inside the grace period.
    cutoff = time.time() - seconds
    needed, live_count = live_blobs(client)
    removed: list[str] = []
    freed = kept = kept_bytes = young = young_bytes = 0
    batch: list[tuple[str, int]] = []

    def settle(pool: ThreadPoolExecutor) -> None:
        # Removal is syscall-bound (unlink can wait on the disk): overlap it in threads.
        nonlocal freed, young, young_bytes
        outcomes = pool.map(lambda c: dry_run or _remove(client, c[0], cutoff), batch)
        for (digest, size), gone in zip(batch, outcomes, strict=True):
            if gone:
                removed.append(digest)
                freed += size
            else:  # touched while we looked at it: a writer is reusing it
                young += 1
                young_bytes += size
        batch.clear()

    remote = not isinstance(client.blobs, LocalBlobStore)
    candidates: list[tuple[str, int]] = []
    with ThreadPoolExecutor(_REMOVE_THREADS) as pool:
        for digest, size, mtime in client.blobs.iter_blobs():  # streamed: stores can be huge
            if digest in needed:
                kept += 1
                kept_bytes += size
            elif mtime >= cutoff:
                young += 1
                young_bytes += size
            elif remote:
                candidates.append((digest, size))  # decided after the catalog's second read
            else:
                batch.append((digest, size))
                if len(batch) >= _BATCH:
                    settle(pool)
        if candidates:
            # Object stores cannot move a blob aside: read the live set again, so a
            # version committed while we listed keeps its blobs, then re-check each
            # blob's last-modified time just before deleting it (a writer that reuses
            # an old blob renews it, see ObjectBlobStore.touch).
            needed_now, _count = live_blobs(client)
            for digest, size in candidates:
                if digest in needed_now:
                    kept += 1
                    kept_bytes += size
                else:
                    batch.append((digest, size))
                    if len(batch) >= _BATCH:
                        settle(pool)
        settle(pool)
    removed.sort()
    temps = TempSweep()
    if isinstance(client.blobs, LocalBlobStore):
        temps = client.blobs.clear_stale_temp(older_than=seconds, dry_run=dry_run)
    return GCReport(
        blobs_removed=len(removed),
        bytes_freed=freed,
        blobs_kept=kept,
        bytes_kept=kept_bytes,
        blobs_in_grace=young,
        bytes_in_grace=young_bytes,
        temp_files_removed=temps.removed,
        temp_bytes_removed=temps.bytes_removed,
        temp_files_kept=temps.kept,
        temp_bytes_kept=temps.bytes_kept,
        live_versions=live_count,
        grace_seconds=seconds,
        dry_run=dry_run,
        removed=tuple(removed),
    )


def _remove(client: Client, digest: str, cutoff: float) -> bool:
    """Remove one blob unless it was touched after ``cutoff``; True if removed."""
    blobs: BlobStore = client.blobs
    if not isinstance(blobs, LocalBlobStore):
        modified = getattr(blobs, "modified", None)
        if modified is not None:
            now = modified(digest)
            if now is None or now >= cutoff:
                return False  # gone already, or renewed by a writer since the listing
        blobs.delete(digest)
        return True
    final = blobs.path(digest)
    aside = blobs.tmp / f"gc-{os.getpid()}-{digest}"
    try:
        os.replace(final, aside)
    except FileNotFoundError:
        return False  # someone else's GC got it
    blobs.forget(digest)  # this process's writers must not trust a touch made before now
    try:
        touched = os.stat(aside).st_mtime >= cutoff
    except FileNotFoundError:
        return False
    if touched:
        # A writer reused it between our listing and the move: put it back (if the writer
        # already stored it again, the bytes are identical and either copy will do).
        os.replace(aside, final)
        return False
    with contextlib.suppress(FileNotFoundError):
        os.unlink(aside)
    return True
