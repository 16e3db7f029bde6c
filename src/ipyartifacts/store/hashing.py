"""Content hashing: BLAKE3, streamed, never a whole file in memory."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import blake3

__all__ = ["CHUNK_SIZE", "DIGEST_RE", "hash_bytes", "hash_file", "is_digest", "iter_chunks"]

CHUNK_SIZE = 1 << 20  # 1 MiB: large enough for throughput, small enough for memory
DIGEST_RE = re.compile(r"^[0-9a-f]{64}$")


def new_hasher() -> blake3.blake3:
    return blake3.blake3()


def hash_bytes(data: bytes) -> str:
    """BLAKE3 hex digest of ``data``."""
    return str(blake3.blake3(data).hexdigest())


def iter_chunks(stream: BinaryIO, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Yield ``stream`` in chunks of at most ``size`` bytes."""
    while chunk := stream.read(size):
        yield chunk


def hash_file(path: str | Path) -> tuple[str, int]:
    """Stream ``path`` through BLAKE3; return ``(hex digest, size in bytes)``.

    Only a regular file is read (:func:`~ipyartifacts.store.localfiles.open_regular`):
    a named pipe or a device raises :class:`~ipyartifacts.errors.SpecialFileError`.
    """
    from ipyartifacts.store.localfiles import open_regular

    hasher = new_hasher()
    size = 0
    with open_regular(path) as stream:
        for chunk in iter_chunks(stream):
            hasher.update(chunk)
            size += len(chunk)
    return str(hasher.hexdigest()), size


def is_digest(value: object) -> bool:
    """True for a lowercase 64-character hex string (a BLAKE3 digest)."""
    return isinstance(value, str) and DIGEST_RE.match(value) is not None
