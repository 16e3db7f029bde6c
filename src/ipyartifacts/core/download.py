"""Placing a version's files in a directory: download, checkout and verify.

Every byte written is verified against its digest *before* it reaches its final name
(temp file + rename), so a corrupt blob is never copied to the destination, and no
file is written outside the root, checked on resolved real paths.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ipyartifacts.core import progress as _progress
from ipyartifacts.errors import ArtifactStateError, IntegrityError, VerificationError
from ipyartifacts.store.hashing import iter_chunks, new_hasher
from ipyartifacts.store.manifest import Manifest, ManifestEntry
from ipyartifacts.store.paths import safe_destination

if TYPE_CHECKING:
    from ipyartifacts.core.client import Client

__all__ = ["place_entries", "remove_extra", "verify_dir"]

_TEMP_PREFIX = ".ipa-"


def _matches(client: Client, dest: Path, entry: ManifestEntry, unprovable: bool = False) -> bool:
    """Whether ``dest`` holds ``entry``'s bytes; ``unprovable`` is the answer for a reference
    whose record cannot prove it (an opaque ETag, ``checksum=False``)."""
    if entry.ref is not None:  # a reference's digest is not of its bytes
        from ipyartifacts.core.references.refs import local_copy_matches

        verdict = local_copy_matches(client, dest, entry)
        return unprovable if verdict is None else verdict
    try:
        if not dest.is_file() or dest.stat().st_size != entry.size:
            return False
        digest, _ = client.digest_of(dest)
    except OSError:
        return False
    return digest == entry.digest


def place_entries(
    client: Client,
    entries: Iterable[ManifestEntry],
    root: Path,
    allow_missing_references: bool = False,
) -> int:
    """Write ``entries`` under ``root``; files already right are kept. Returns files written.

    With ``allow_missing_references``, a reference whose target is gone is skipped
    instead of raising ArtifactNotFoundError.
    """
    root.mkdir(parents=True, exist_ok=True)
    written = 0
    references: list[tuple[ManifestEntry, Path]] = []
    entries = list(entries)
    total = sum(e.size for e in entries)
    with _progress.task(f"Downloading to {root}", len(entries), total) as bar:
        for entry in entries:
            dest = safe_destination(root, entry.path)
            if _matches(client, dest, entry):
                bar.advance(1, entry.size)
                continue
            if entry.ref is not None:
                references.append((entry, dest))  # network-bound: fetched together below
                continue
            _copy_verified(client, entry, dest)
            bar.advance(1, entry.size)
            written += 1
        if references:
            from ipyartifacts.core.references.refs import fetch_references

            written += fetch_references(client, references, allow_missing=allow_missing_references)
            bar.advance(len(references), sum(e.size for e, _dest in references))
    client.stat_cache.flush()
    return written


def _copy_verified(client: Client, entry: ManifestEntry, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Re-check after creating folders: a symlinked folder must not lead outside the root.
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=_TEMP_PREFIX)
    try:
        hasher = new_hasher()
        with client.open_blob(entry.digest) as src, os.fdopen(fd, "wb") as out:
            for chunk in iter_chunks(src):
                hasher.update(chunk)
                out.write(chunk)
        digest = hasher.hexdigest()
        if digest != entry.digest:
            client.blobs.quarantine(entry.digest)
            raise IntegrityError(
                f"Stored bytes of {entry.path!r} are corrupt: expected digest "
                f"{entry.digest[:12]}..., read {digest[:12]}.... Nothing was written to "
                f"{str(dest)!r}; the bad blob was moved to quarantine. Log the file again "
                "to repair the store.",
                digest=entry.digest,
                path=entry.path,
            )
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _walk_files(root: Path) -> list[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for name in filenames:
            if name.startswith(_TEMP_PREFIX):
                continue
            found.append(name if rel == "." else f"{Path(rel).as_posix()}/{name}")
        dirnames.sort()
    return sorted(found)


def remove_extra(manifest: Manifest, root: Path) -> list[str]:
    """Delete files under ``root`` that are not in ``manifest``; return their paths."""
    removed = []
    for path in _walk_files(root):
        if path not in manifest:
            (root / path).unlink()
            removed.append(path)
    for dirpath, _dirs, _files in os.walk(root, topdown=False):  # deepest first
        if Path(dirpath) != root:
            with contextlib.suppress(OSError):
                os.rmdir(dirpath)  # only succeeds when empty
    return removed


def verify_dir(client: Client, manifest: Manifest, root: Path, name: str) -> None:
    """Raise :class:`VerificationError` unless ``root`` holds exactly ``manifest``'s files."""
    if not root.is_dir():
        raise ArtifactStateError(f"Cannot verify {name}: {str(root)!r} is not a directory.")
    present = set(_walk_files(root))
    missing = [p for p in manifest.entries if p not in present]
    extra = sorted(present - set(manifest.entries))
    modified = [
        e.path
        for e in manifest
        if e.path in present and not _matches(client, root / e.path, e, unprovable=True)
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
