"""Blob stores: immutable, content-addressed bytes filed under their BLAKE3 digest.

``BlobStore`` is the protocol; :class:`LocalBlobStore` is the embedded default
(a directory, using the filesystem directly for speed). Object stores (S3, GCS,
Azure) implement the same protocol through obstore.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from ipyartifacts.store.blobs.local import LocalBlobStore

__all__ = ["BlobInfo", "BlobStore", "LocalBlobStore"]

BlobInfo = tuple[str, int, float]  # digest, size, modified (POSIX seconds)


@runtime_checkable
class BlobStore(Protocol):
    """Where the bytes of artifact files live, addressed by digest."""

    url: str

    def exists(self, digest: str) -> bool:
        """Whether a whole blob with this digest is present."""
        ...

    def touch(self, digest: str, *, check: bool = False) -> bool:
        """Refresh a blob's modification time (it is being reused); False if absent.

        GC keeps blobs modified within its grace period, so touching a blob before
        committing a version that names it protects it from a concurrent GC. A store may
        skip re-touching a blob it touched moments ago; with ``check`` the presence
        answer must come from the store itself, never from such a memory.
        """
        ...

    def put_file(self, source: Path, expected: str | None = None) -> tuple[str, int]:
        """Store ``source`` (read once, hashed while copying); return ``(digest, size)``.

        Put-if-absent: an existing blob is never rewritten. If ``expected`` is given and
        the bytes read do not hash to it, raise :class:`~ipyartifacts.errors.SourceChangedError`
        and store nothing.
        """
        ...

    def put_bytes(self, data: bytes, digest: str | None = None) -> str:
        """Store ``data``; return its digest (``digest``: already computed from ``data``
        by the caller, which saves hashing it again)."""
        ...

    def open(self, digest: str) -> BinaryIO:
        """Open a blob for reading; raise ArtifactNotFoundError if absent."""
        ...

    def local_path(self, digest: str) -> Path | None:
        """A local file holding the blob (for memory-mapping), or None for remote stores."""
        ...

    def quarantine(self, digest: str) -> None:
        """Move a blob found corrupt out of the way (kept for inspection, never served)."""
        ...

    def delete(self, digest: str) -> None:
        """Remove a blob (garbage collection only)."""
        ...

    def iter_blobs(self) -> Iterator[BlobInfo]:
        """Every blob as ``(digest, size, modified)``."""
        ...

    def sync(self) -> None:
        """Make written blobs durable before a version naming them is committed."""
        ...
