"""Copy artifact history from one store to another (embedded <-> team, or any two).

Collections, versions (same numbers, same ids), aliases, tags, edit history, runs with
their provenance, usage (lineage), and deleted versions as tombstones so their numbers
stay taken. Bytes move by digest: manifests as they are, blobs already at the destination
are not sent again, nothing is re-hashed beyond the check every blob gets on arrival.

Order keeps the destination consistent at every moment: first every conflict is looked
for (nothing is written if one is found), then blobs are stored, then catalog rows are
written, one transaction per version (a version is there whole or not at all). Running
the copy again writes nothing and reports zeros.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipyartifacts.core import progress as _progress
from ipyartifacts.errors import (
    ArtifactNotFoundError,
    CopyConflictError,
    IntegrityError,
    SourceChangedError,
    StoreError,
)
from ipyartifacts.store.chunks import read_chunk_list
from ipyartifacts.store.hashing import hash_bytes
from ipyartifacts.store.manifest import Manifest

if TYPE_CHECKING:
    from ipyartifacts.core.client import Client
    from ipyartifacts.store.catalog.transfer import CollectionDump, VersionDump

__all__ = ["CopyReport", "copy_store"]

_SHOWN_CONFLICTS = 5


@dataclass(frozen=True)
class CopyReport:
    """What one copy wrote at the destination (all zeros: it already held everything).

    Attributes
    ----------
    collections : int
        Collections the filters selected at the source.
    versions_copied : int
        Versions written at the destination (deleted ones included, as tombstones).
    versions_updated : int
        Versions already there whose edits (description, metadata, tags, state,
        expiry, history) were brought up to date.
    versions_unchanged : int
        Versions already there as they are at the source.
    runs_copied, runs_updated : int
        Runs written / brought up to date (their ids are kept, so lineage survives).
    usage_copied : int
        Lineage rows (a run used or logged a version) written.
    aliases_moved : int
        Aliases set or moved to the version they name at the source.
    blobs_copied, bytes_copied : int
        Blobs (files and manifests) sent to the destination.
    blobs_present : int
        Blobs the destination already held (not sent).
    """

    collections: int = 0
    versions_copied: int = 0
    versions_updated: int = 0
    versions_unchanged: int = 0
    runs_copied: int = 0
    runs_updated: int = 0
    usage_copied: int = 0
    aliases_moved: int = 0
    blobs_copied: int = 0
    bytes_copied: int = 0
    blobs_present: int = 0

    @property
    def changed(self) -> bool:
        """Whether the copy wrote anything at the destination."""
        return any(
            (
                self.versions_copied,
                self.versions_updated,
                self.runs_copied,
                self.runs_updated,
                self.usage_copied,
                self.aliases_moved,
                self.blobs_copied,
            )
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        if not self.changed:
            return (
                f"Nothing to copy: the destination already holds all {self.collections} "
                "artifact(s) selected."
            )
        return (
            f"Copied {self.versions_copied} version(s) of {self.collections} artifact(s), "
            f"{self.runs_copied} run(s), {self.blobs_copied} blob(s) "
            f"({_size(self.bytes_copied)}); {self.versions_updated} version(s) and "
            f"{self.runs_updated} run(s) updated, {self.aliases_moved} alias(es) moved, "
            f"{self.blobs_present} blob(s) already there."
        )


def _size(nbytes: int) -> str:
    value = float(nbytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{nbytes} B"  # pragma: no cover


def copy_store(
    src_client: Client,
    dst_client: Client,
    projects: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
) -> CopyReport:
    """Copy the history of ``src_client``'s store into ``dst_client``'s.

    Parameters
    ----------
    projects : sequence of str, optional
        Only these projects (default: all).
    names : sequence of str, optional
        Only collections with these names (default: all). With ``names`` only the runs
        that logged or used the copied versions are copied; without, every run of the
        selected projects.

    Raises
    ------
    CopyConflictError
        The destination holds other content under a version number (or a collection
        with another type); raised before anything is written.
    """
    if _same_store(src_client, dst_client):
        raise StoreError(
            "The source and destination are the same store; name another destination.",
            store=str(dst_client.root),
        )
    dumps = src_client.catalog.dump_collections(
        list(projects) if projects else None, list(names) if names else None
    )
    need_blobs = _plan(dumps, dst_client)
    run_ids = {rid for coll in dumps for v in coll.versions for rid in v.run_ids()}
    whole = () if names else (list(projects) if projects else None)
    runs = src_client.catalog.dump_runs(sorted(run_ids), whole)
    blobs_copied, bytes_copied, blobs_present = _copy_blobs(src_client, dst_client, need_blobs)
    runs_copied, runs_updated = dst_client.catalog.load_runs(runs)
    counts = {"inserted": 0, "updated": 0, "same": 0}
    usage = aliases = 0
    for coll in dumps:
        for version in coll.versions:
            status, added = dst_client.catalog.load_version(coll, version)
            counts[status] += 1
            usage += added
        aliases += dst_client.catalog.load_aliases(coll)
    return CopyReport(
        collections=len(dumps),
        versions_copied=counts["inserted"],
        versions_updated=counts["updated"],
        versions_unchanged=counts["same"],
        runs_copied=runs_copied,
        runs_updated=runs_updated,
        usage_copied=usage,
        aliases_moved=aliases,
        blobs_copied=blobs_copied,
        bytes_copied=bytes_copied,
        blobs_present=blobs_present,
    )


def _same_store(a: Client, b: Client) -> bool:
    return a is b or (a.location.database_url == b.location.database_url and a.root == b.root)


def _plan(dumps: Sequence[CollectionDump], dst: Client) -> list[tuple[str, VersionDump]]:
    """Find every conflict first; return the live versions whose bytes the destination needs."""
    from ipyartifacts.store.catalog.transfer import conflict_error

    conflicts: list[CopyConflictError] = []
    need: list[tuple[str, VersionDump]] = []
    now = datetime.now(timezone.utc)
    for coll in dumps:
        dst_type, have = dst.catalog.version_index(coll.project, coll.name)
        if dst_type is not None and dst_type != coll.type:
            conflicts.append(
                CopyConflictError(
                    f"Cannot copy {coll.label}: it has type {coll.type!r} here but "
                    f"{dst_type!r} at the destination.",
                    name=coll.label,
                )
            )
            continue
        for version in coll.versions:
            label = f"{coll.label}:v{version.number}"
            there = have.get(version.number)
            if there is not None and there.digest != version.digest:
                conflicts.append(conflict_error(label, version.digest, there.digest))
                continue
            expires = version.row["expires_at"]
            live = version.row["state"] == "committed" and (expires is None or expires > now)
            if live and (there is None or there.state != "committed"):
                need.append((label, version))
    if len(conflicts) == 1:
        raise conflicts[0]
    if conflicts:
        shown = "; ".join(c.name for c in conflicts[:_SHOWN_CONFLICTS])
        more = len(conflicts) - _SHOWN_CONFLICTS
        raise CopyConflictError(
            f"Cannot copy: {len(conflicts)} versions hold different content at the "
            f"destination ({shown}{f' and {more} more' if more > 0 else ''}). Nothing was "
            f"copied. {conflicts[0]}",
            name=conflicts[0].name,
        )
    return need


def _copy_blobs(
    src: Client, dst: Client, versions: Sequence[tuple[str, VersionDump]]
) -> tuple[int, int, int]:
    """Send the manifests and file blobs of ``versions`` that ``dst`` lacks.

    Returns ``(blobs copied, bytes copied, blobs already present)``.
    """
    wanted: dict[str, tuple[str, int]] = {}  # digest -> (what needs it, size)
    manifests: dict[str, bytes] = {}
    for label, version in versions:
        digest = str(version.row["manifest_digest"])
        data = _read_manifest(src, label, digest)
        manifests[digest] = data
        wanted.setdefault(digest, (label, len(data)))
        for entry in Manifest.from_bytes(data):
            if entry.chunks is not None:  # chunked: its list and chunks travel, not the file
                listing = read_chunk_list(src.blobs, entry.chunks)
                what = f"{label} ({entry.path})"
                wanted.setdefault(entry.chunks, (what, len(listing.to_bytes())))
                for chunk, size in listing.chunks:
                    wanted.setdefault(chunk, (what, size))
            elif entry.ref is None:
                wanted.setdefault(entry.digest, (f"{label} ({entry.path})", entry.size))
    # touch, not exists: a blob about to be named by a copied version must look fresh to
    # a concurrent GC at the destination.
    missing = {d: v for d, v in wanted.items() if not dst.blobs.touch(d)}
    total = sum(size for _label, size in missing.values())
    copied = nbytes = 0
    with _progress.task("Copying blobs", len(missing), total) as bar:
        for digest, (label, size) in missing.items():
            if digest in manifests:
                dst.blobs.put_bytes(manifests[digest])
            else:
                _copy_one(src, dst, digest, label)
            copied += 1
            nbytes += size
            bar.advance(1, size)
    dst.blobs.sync()
    return copied, nbytes, len(wanted) - len(missing)


def _read_manifest(src: Client, label: str, digest: str) -> bytes:
    try:
        with src.blobs.open(digest) as stream:
            data = stream.read()
    except ArtifactNotFoundError as exc:
        raise StoreError(
            f"Cannot copy {label}: its manifest blob {digest[:12]}... is missing from the "
            "source store.",
            store=str(src.root),
        ) from exc
    if hash_bytes(data) != digest:
        raise IntegrityError(
            f"Cannot copy {label}: its manifest in the source store is corrupt (blob "
            f"{digest[:12]}... does not match its digest).",
            digest=digest,
        )
    return data


def _copy_one(src: Client, dst: Client, digest: str, label: str) -> None:
    """Store one blob of ``src`` at ``dst``, verified against its digest on the way."""
    local = src.blobs.local_path(digest)
    try:
        if local is not None and local.exists():
            dst.blobs.put_file(local, expected=digest)
            return
        fd, tmp = tempfile.mkstemp(prefix="copy-", dir=dst.root)
        try:
            with src.blobs.open(digest) as stream, os.fdopen(fd, "wb") as out:
                while chunk := stream.read(1 << 20):
                    out.write(chunk)
            dst.blobs.put_file(Path(tmp), expected=digest)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    except ArtifactNotFoundError as exc:
        raise StoreError(
            f"Cannot copy {label}: its blob {digest[:12]}... is missing from the source store.",
            store=str(src.root),
        ) from exc
    except SourceChangedError as exc:
        raise IntegrityError(
            f"Cannot copy {label}: its blob {digest[:12]}... in the source store is corrupt "
            "(its bytes do not match their digest).",
            digest=digest,
        ) from exc
