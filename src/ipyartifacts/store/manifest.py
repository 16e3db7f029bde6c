"""Manifests: the sorted list of entries that makes up one artifact version.

A manifest is stored as a content-addressed JSON blob. The *version digest* is a
BLAKE3 hash over ``path NUL entry-digest`` lines in path order, so the same content
always has the same digest, whatever order files were added in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ipyartifacts.errors import IntegrityError
from ipyartifacts.store.hashing import hash_bytes, is_digest
from ipyartifacts.store.paths import validate_logical_path

__all__ = ["MANIFEST_FORMAT", "Manifest", "ManifestEntry"]

MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class ManifestEntry:
    """One file of an artifact version.

    Attributes
    ----------
    path : str
        The logical path inside the artifact (``"images/cat.png"``).
    digest : str
        BLAKE3 hex digest of the bytes (for references: of the recorded checksum).
    size : int
        Size in bytes.
    ref : str | None
        For reference entries, the URI the bytes live at; ``None`` for stored files.
    extra : dict
        Extra facts (ETag, version id, source URI, media type ...).
    chunks : str | None
        For a big file stored in content-defined chunks, the digest of its chunk list
        blob (see ``store/chunks.py``); ``None`` when the file is one blob. Not part of
        the version digest: the same bytes are the same version however stored.
    """

    path: str
    digest: str
    size: int
    ref: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=True)
    chunks: str | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"digest": self.digest, "size": self.size}
        if self.ref is not None:
            data["ref"] = self.ref
        if self.extra:
            data["extra"] = dict(self.extra)
        if self.chunks is not None:
            data["chunks"] = self.chunks
        return data

    @classmethod
    def from_json(cls, path: str, data: Mapping[str, Any]) -> ManifestEntry:
        validate_logical_path(path)
        digest = data.get("digest")
        size = data.get("size")
        ref = data.get("ref")
        if not isinstance(digest, str) or not isinstance(size, int) or size < 0:
            raise IntegrityError(
                f"Manifest entry {path!r} is malformed: expected a digest string and a "
                f"non-negative size, got {data!r}.",
                path=path,
            )
        if ref is None and not is_digest(digest):
            raise IntegrityError(
                f"Manifest entry {path!r} has digest {digest!r}, not a BLAKE3 hex digest.",
                path=path,
                digest=digest,
            )
        chunks = data.get("chunks")
        if chunks is not None and (ref is not None or not is_digest(chunks)):
            raise IntegrityError(
                f"Manifest entry {path!r} names chunk list {chunks!r}, not a BLAKE3 digest.",
                path=path,
            )
        extra = data.get("extra") or {}
        return cls(path=path, digest=digest, size=size, ref=ref, extra=dict(extra), chunks=chunks)


class Manifest:
    """An immutable, path-sorted mapping of logical path -> :class:`ManifestEntry`."""

    def __init__(self, entries: Iterable[ManifestEntry] = ()) -> None:
        self._entries: dict[str, ManifestEntry] = {
            e.path: e for e in sorted(entries, key=lambda e: e.path)
        }

    @property
    def entries(self) -> dict[str, ManifestEntry]:
        """Entries by logical path, in path order (a copy: manifests never change)."""
        return dict(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[ManifestEntry]:
        return iter(self._entries.values())

    def __contains__(self, path: object) -> bool:
        return path in self._entries

    def __getitem__(self, path: str) -> ManifestEntry:
        return self._entries[path]

    def __repr__(self) -> str:
        return f"<Manifest {len(self)} entries, {self.size} bytes>"

    @property
    def size(self) -> int:
        return sum(e.size for e in self._entries.values())

    def digest(self) -> str:
        """The version digest: equal for equal content, whatever the order of adding."""
        lines = "".join(f"{e.path}\0{e.digest}\n" for e in self._entries.values())
        return hash_bytes(lines.encode("utf-8"))

    def to_bytes(self) -> bytes:
        body = {
            "format": MANIFEST_FORMAT,
            "entries": {path: e.to_json() for path, e in self._entries.items()},
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        """Parse a stored manifest, validating every path and digest again."""
        try:
            body = json.loads(data)
        except ValueError as exc:
            raise IntegrityError(f"Stored manifest is not valid JSON: {exc}") from exc
        if not isinstance(body, dict) or body.get("format") != MANIFEST_FORMAT:
            raise IntegrityError(
                f"Stored manifest has an unknown format {body.get('format')!r} "
                f"(this ipyartifacts reads format {MANIFEST_FORMAT}); upgrade ipyartifacts."
                if isinstance(body, dict)
                else "Stored manifest is not a JSON object."
            )
        entries = body.get("entries")
        if not isinstance(entries, dict):
            raise IntegrityError("Stored manifest has no 'entries' object.")
        return cls(ManifestEntry.from_json(path, e) for path, e in entries.items())
