"""Content-defined chunking of big files, above the BlobStore protocol.

A file at or above ``ChunkParams.threshold`` is cut by FastCDC (``pyfastcdc``, chosen by
measurement, see docs/design.md) into chunks of ~1 MiB on average; each chunk is an
ordinary blob (put/get by its BLAKE3 digest through any :class:`BlobStore`), and the
file is a small *chunk list* blob naming them in order. The file's own digest is the
BLAKE3 of its whole bytes, as for any file, so manifests, ``verify`` and version
digests keep their meaning; a manifest entry names its chunk list in ``chunks``.

Boundaries depend on content only, so a 1 MiB edit in a 1 GiB file changes one or two
chunks and the next version stores about 1 MiB; an object store receives only the new
chunks, since presence is asked chunk by chunk.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipyartifacts.errors import IntegrityError, SourceChangedError, StoreError
from ipyartifacts.store.hashing import hash_bytes, is_digest, new_hasher

if TYPE_CHECKING:
    from ipyartifacts.store.blobs import BlobStore

__all__ = ["CHUNK_LIST_FORMAT", "ChunkList", "ChunkParams", "ChunkedReader", "put_chunked"]

CHUNK_LIST_FORMAT = "ipyartifacts.chunks/1"

# Mapped pages already cut are released every this many bytes (see _release).
_RELEASE = 32 << 20

# Chunks cut ahead of those being stored, besides one per storing thread (4 MiB each at most).
_AHEAD = 4


@dataclass(frozen=True)
class ChunkParams:
    """When to chunk and how big chunks are (FastCDC min / average / max, bytes)."""

    threshold: int = 64 << 20
    min_size: int = 256 << 10
    avg_size: int = 1 << 20
    max_size: int = 4 << 20


DEFAULT_PARAMS = ChunkParams()


@dataclass(frozen=True)
class ChunkList:
    """A chunked file: its whole-file digest and size, and its chunks in order."""

    digest: str
    size: int
    chunks: tuple[tuple[str, int], ...]

    def to_bytes(self) -> bytes:
        body = {
            "format": CHUNK_LIST_FORMAT,
            "digest": self.digest,
            "size": self.size,
            "chunks": [list(c) for c in self.chunks],
        }
        return json.dumps(body, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes, key: str) -> ChunkList:
        """Parse (and check) the chunk list stored as blob ``key``."""
        try:
            body: Any = json.loads(data)
            chunks = tuple((str(d), int(n)) for d, n in body["chunks"])
            result = cls(str(body["digest"]), int(body["size"]), chunks)
            ok = body.get("format") == CHUNK_LIST_FORMAT
        except (ValueError, TypeError, KeyError) as exc:
            raise IntegrityError(f"Chunk list {key[:12]}... is not readable.", digest=key) from exc
        if (
            not ok
            or not is_digest(result.digest)
            or not all(is_digest(d) and n > 0 for d, n in chunks)
            or sum(n for _d, n in chunks) != result.size
        ):
            raise IntegrityError(f"Chunk list {key[:12]}... is malformed.", digest=key)
        return result


def read_chunk_list(blobs: BlobStore, key: str) -> ChunkList:
    """The chunk list stored as ``key``, verified against its digest."""
    with blobs.open(key) as stream:
        data = stream.read()
    if hash_bytes(data) != key:
        blobs.quarantine(key)
        raise IntegrityError(
            f"Chunk list {key[:12]}... is corrupt (does not match its digest); it was moved "
            "to quarantine. Log the file again to repair the store.",
            digest=key,
        )
    return ChunkList.from_bytes(data, key)


def _cuts(view: memoryview, params: ChunkParams) -> Iterator[memoryview]:
    from pyfastcdc import FastCDC  # imported on first big file only

    cdc = FastCDC(params.avg_size, min_size=params.min_size, max_size=params.max_size)
    for chunk in cdc.cut_buf(view):
        yield view[chunk.offset : chunk.offset + chunk.length]


def put_chunked(
    blobs: BlobStore,
    source: Path,
    params: ChunkParams = DEFAULT_PARAMS,
    expected: str | None = None,
) -> tuple[str, int, str]:
    """Store ``source`` as chunks plus a chunk list; return ``(digest, size, list key)``.

    The file is memory-mapped and read once, in a pipeline: this thread cuts it and
    copies each chunk out; a second thread advances the whole-file hash over the same
    bytes; a third (``io_threads`` of them for an object store, whose requests wait on
    the network) hashes each chunk and stores it only if the store lacks it (an existing
    chunk is touched). At most ``_AHEAD`` chunks (4 MiB each at most) beyond those being
    stored wait.
    With ``expected``, bytes hashing otherwise raise SourceChangedError before the chunk
    list is stored, so no version can name them.
    """
    import mmap
    from collections import deque

    whole = new_hasher()
    chunks: list[tuple[str, int]] = []
    storers = max(1, int(getattr(blobs, "io_threads", 1)))
    ahead = _AHEAD + storers
    with (
        open(source, "rb") as f,
        ThreadPoolExecutor(1) as hashing,
        ThreadPoolExecutor(storers) as storing,
    ):
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            raise StoreError(f"{str(source)!r} is empty: nothing to chunk.")
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            view = memoryview(mapped)
            running: Future[Any] | None = None
            stored: deque[Future[tuple[str, int]]] = deque()
            try:
                released = cut = 0
                for piece in _cuts(view, params):
                    data = bytes(piece)  # a private copy: both hashes see the same bytes
                    del piece
                    cut += len(data)
                    if cut - released >= _RELEASE:
                        released = _release(mapped, released, cut)
                    if running is not None:
                        running.result()  # one update queued at a time: memory stays bounded
                    running = hashing.submit(whole.update, data)
                    stored.append(storing.submit(_store_chunk, blobs, data))
                    while len(stored) > ahead:
                        chunks.append(stored.popleft().result())
                if running is not None:
                    running.result()
                while stored:
                    chunks.append(stored.popleft().result())
            finally:
                for pending in stored:
                    pending.cancel()
                view.release()
    file_digest = str(whole.hexdigest())
    total = sum(n for _d, n in chunks)
    if expected is not None and file_digest != expected:
        raise SourceChangedError(
            f"{str(source)!r} changed after it was added to the artifact (its digest was "
            f"{expected[:12]}..., now {file_digest[:12]}...). Add it again.",
            digest=file_digest,
            path=str(source),
        )
    key = blobs.put_bytes(ChunkList(file_digest, total, tuple(chunks)).to_bytes())
    return file_digest, total, key


def _release(mapped: Any, start: int, end: int) -> int:
    """Drop the mapped pages of ``[start, end)`` from this process (they stay cached).

    The file's pages would otherwise all count as resident: a 1 GiB file logged with a
    peak RSS of 1.1 GB. Returns where the next release starts (a page boundary).
    """
    import mmap

    end -= end % mmap.PAGESIZE
    if end > start and hasattr(mmap, "MADV_DONTNEED"):
        mapped.madvise(mmap.MADV_DONTNEED, start, end - start)
    return max(start, end)


def _store_chunk(blobs: BlobStore, data: bytes) -> tuple[str, int]:
    """Hash one chunk and store it unless the store has it (then it is touched)."""
    digest = hash_bytes(data)
    if not blobs.touch(digest, check=True):
        blobs.put_bytes(data, digest=digest)  # hashed just above
    return digest, len(data)


def touch_chunked(blobs: BlobStore, key: str, *, check: bool = False) -> bool:
    """Touch a chunk list and every chunk it names; False if any is absent or unreadable."""
    if not blobs.touch(key, check=check):
        return False
    try:
        listing = read_chunk_list(blobs, key)
    except (IntegrityError, StoreError, OSError):
        return False
    return all(blobs.touch(d, check=check) for d, _n in listing.chunks)


class ChunkedReader(io.RawIOBase):
    """The bytes of a chunked file, streamed chunk by chunk, each verified on read.

    A chunk whose bytes do not match its digest is quarantined and IntegrityError is
    raised: nothing unverified is returned, and re-logging the file repairs the store.
    """

    def __init__(self, blobs: BlobStore, listing: ChunkList) -> None:
        super().__init__()
        self._blobs = blobs
        self._chunks = iter(listing.chunks)
        self._buffer = memoryview(b"")
        # The next chunk is read and verified by a helper thread while this one is used
        # (BLAKE3 and file reads release the GIL): a fetch then costs max(read + verify,
        # write) per chunk instead of their sum.
        self._pool: ThreadPoolExecutor | None = None
        self._ahead: Future[bytes | None] | None = None

    def readable(self) -> bool:
        return True

    def _load(self) -> bytes | None:
        for digest, _size in self._chunks:
            with self._blobs.open(digest) as stream:
                data = stream.read()
            if hash_bytes(data) != digest:
                self._blobs.quarantine(digest)
                raise IntegrityError(
                    f"Stored chunk {digest[:12]}... is corrupt; it was moved to quarantine. "
                    "Log the file again to repair the store.",
                    digest=digest,
                )
            return data
        return None

    def _next(self) -> bool:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1)
            self._ahead = self._pool.submit(self._load)
        assert self._ahead is not None
        data = self._ahead.result()
        if data is None:
            return False
        self._ahead = self._pool.submit(self._load)
        self._buffer = memoryview(data)
        return True

    def verified_chunks(self) -> Iterator[bytes]:
        """The remaining chunks, each verified, as read (no copy into a caller's buffer)."""
        if self._buffer:
            yield bytes(self._buffer)
            self._buffer = memoryview(b"")
        while self._next():
            data = self._buffer.obj
            self._buffer = memoryview(b"")
            assert isinstance(data, bytes)
            yield data

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        super().close()

    def readinto(self, buffer: Any) -> int:
        if not self._buffer and not self._next():
            return 0
        n = min(len(buffer), len(self._buffer))
        buffer[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        if not self._buffer and not self._next():
            return b""
        out = bytes(self._buffer[:size])
        self._buffer = self._buffer[size:]
        return out
