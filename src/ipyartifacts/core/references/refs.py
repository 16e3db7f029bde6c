"""Reference entries: files recorded by URI, fetched and checked on download.

``artifact.add_reference(uri)`` records where bytes live instead of copying them:

============  ==================================================  ==========================
scheme        what one URI becomes                                what is recorded
============  ==================================================  ==========================
``file://``   a file, or one entry per file under a folder        size + BLAKE3 of the bytes
``s3://``     an object, or one entry per object under a prefix   size + ETag (+ version id)
``gs://``     an object, or one entry per object under a prefix   size + ETag (+ generation)
``http(s)``   one file                                            size + ETag, or BLAKE3 of
                                                                  the body without an ETag
============  ==================================================  ==========================

With ``checksum=False`` only the URI is recorded (one entry, nothing is read or listed);
downloading it fetches whatever is there then, a whole folder or prefix included.

A reference entry's ``digest`` is a BLAKE3 over the URI and what was recorded (ETag,
version, content digest), so manifests stay deterministic and pointing an entry at
another URI is a change of content. Downloading checks the target still matches and
raises :class:`~ipyartifacts.errors.ReferenceChangedError` naming the URI when it does
not (or :class:`~ipyartifacts.errors.ArtifactNotFoundError` when it is gone); nothing is
written to the destination in either case.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from ipyartifacts.errors import (
    ArtifactNotFoundError,
    InvalidPathError,
    ReferenceChangedError,
    TooManyObjectsError,
)
from ipyartifacts.store.hashing import hash_bytes, new_hasher
from ipyartifacts.store.manifest import ManifestEntry
from ipyartifacts.store.paths import join_logical, validate_logical_path

if TYPE_CHECKING:
    from ipyartifacts.core.client import Client
    from ipyartifacts.store.placement import Opened, Placer, Sink

__all__ = [
    "DEFAULT_MAX_OBJECTS",
    "FETCH_THREADS",
    "SCHEMES",
    "fetch_reference",
    "fetch_references",
    "local_copy_matches",
    "reference_entries",
]

DEFAULT_MAX_OBJECTS = 10_000_000
SCHEMES = ("file", "http", "https", "s3", "gs")
_HASH_THREADS = 4
FETCH_THREADS = 8  # references are network-bound: overlap their round trips


def _scheme(uri: str) -> str:
    if not isinstance(uri, str):
        raise TypeError(f"A reference must be a URI string, got {type(uri).__name__}.")
    scheme = urlsplit(uri).scheme.lower()
    if scheme not in SCHEMES:
        hint = (
            f" For a local path use Path({uri!r}).resolve().as_uri()."
            if scheme == "" or len(scheme) == 1
            else ""
        )
        raise InvalidPathError(
            f"Cannot reference {uri!r}: expected a URI starting with "
            f"{', '.join(s + '://' for s in SCHEMES)}.{hint}",
            path=uri,
        )
    return scheme


def _ref_digest(uri: str, *facts: object) -> str:
    """The entry digest of a reference: BLAKE3 over the URI and what was recorded about it."""
    fields = ["ipyartifacts-ref-v1", uri, *("" if f is None else str(f) for f in facts)]
    return hash_bytes("\0".join(fields).encode("utf-8"))


def _limit(max_objects: int | None) -> int:
    if max_objects is None:
        return DEFAULT_MAX_OBJECTS
    if isinstance(max_objects, bool) or not isinstance(max_objects, int) or max_objects < 1:
        raise ValueError(f"max_objects must be a positive integer, got {max_objects!r}.")
    return max_objects


def _too_many(uri: str, limit: int) -> TooManyObjectsError:
    return TooManyObjectsError(
        f"{uri} holds more than max_objects={limit} objects; nothing was added. Pass a "
        "larger max_objects, or reference a narrower folder or prefix.",
        uri=uri,
        limit=limit,
    )


def _basename(path: str, uri: str) -> str:
    base = unquote(path.rstrip("/").rsplit("/", 1)[-1])
    if not base:
        raise InvalidPathError(
            f"Cannot name the entry for {uri!r}: the URI has no file name. Pass name=...",
            path=uri,
        )
    return base


# -- building entries ----------------------------------------------------------------------


def reference_entries(
    client: Client,
    uri: str,
    name: str | None = None,
    checksum: bool = True,
    max_objects: int | None = None,
) -> list[ManifestEntry]:
    """The manifest entries ``add_reference(uri, name, checksum, max_objects)`` adds.

    Examples
    --------
    >>> reference_entries(client, "s3://bucket/images", name="images")  # doctest: +SKIP
    [ManifestEntry(path='images/cat.png', ...), ...]
    """
    scheme = _scheme(uri)
    limit = _limit(max_objects)
    if name is not None:
        name = validate_logical_path(name.strip("/"))
    if not checksum:
        return [_unchecked_entry(uri, scheme, name)]
    if scheme == "file":
        return _file_entries(client, uri, name, limit)
    if scheme in ("http", "https"):
        return [_http_entry(uri, name)]
    return _object_entries(uri, name, limit)


def _unchecked_entry(uri: str, scheme: str, name: str | None) -> ManifestEntry:
    path = urlsplit(uri).path if scheme != "file" else _local_path(uri).as_posix()
    logical = name or validate_logical_path(_basename(path, uri))
    return ManifestEntry(
        logical, _ref_digest(uri, "unchecked"), 0, ref=uri, extra={"checksum": False}
    )


def _local_path(uri: str) -> Path:
    parts = urlsplit(uri)
    if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
        raise InvalidPathError(
            f"{uri!r} is not a local file URI; expected file:///absolute/path "
            "(Path(p).resolve().as_uri() makes one).",
            path=uri,
        )
    path = Path(url2pathname(parts.path))
    if not path.is_absolute():
        raise InvalidPathError(f"{uri!r} must name an absolute path.", path=uri)
    return path


def _file_entries(client: Client, uri: str, name: str | None, limit: int) -> list[ManifestEntry]:
    from ipyartifacts.core.filters import walk_files

    root = _local_path(uri)
    if root.is_file():
        logical = name or validate_logical_path(root.name)
        return [_file_entry(client, root, logical)]
    if not root.is_dir():
        raise ArtifactNotFoundError(f"Cannot reference {uri}: no such file or folder.", name=uri)
    files: list[str] = []
    for rel in walk_files(root, honour_ignore=False):
        files.append(rel)
        if len(files) > limit:
            raise _too_many(uri, limit)
    if not files:
        raise ArtifactNotFoundError(f"Cannot reference {uri}: the folder is empty.", name=uri)
    logicals = [validate_logical_path(join_logical(name, rel)) for rel in sorted(files)]
    with ThreadPoolExecutor(_HASH_THREADS) as pool:
        entries = list(
            pool.map(
                lambda pair: _file_entry(client, root.joinpath(*pair[0].split("/")), pair[1]),
                zip(sorted(files), logicals, strict=True),
            )
        )
    client.stat_cache.flush()
    return entries


def _file_entry(client: Client, path: Path, logical: str) -> ManifestEntry:
    uri = path.absolute().as_uri()
    digest, size = client.digest_of(path)
    return ManifestEntry(
        logical, _ref_digest(uri, "blake3", digest), size, ref=uri, extra={"blake3": digest}
    )


def _http_entry(uri: str, name: str | None) -> ManifestEntry:
    from ipyartifacts.core.references import http as _http

    logical = name or validate_logical_path(_basename(urlsplit(uri).path, uri))
    facts = _http.head(uri)
    if facts.etag is not None and facts.size is not None:
        return ManifestEntry(
            logical,
            _ref_digest(uri, "etag", facts.etag, facts.size),
            facts.size,
            ref=uri,
            extra={"etag": facts.etag},
        )
    # No ETag (or no length): read the body once and record its BLAKE3.
    got, chunks = _http.open_get(uri)
    hasher = new_hasher()
    size = 0
    with contextlib.closing(chunks):
        for chunk in chunks:
            hasher.update(chunk)
            size += len(chunk)
    digest = str(hasher.hexdigest())
    extra: dict[str, Any] = {"blake3": digest}
    if got.etag is not None:
        extra["etag"] = got.etag
    return ManifestEntry(logical, _ref_digest(uri, "blake3", digest), size, ref=uri, extra=extra)


def _object_entries(uri: str, name: str | None, limit: int) -> list[ManifestEntry]:
    from ipyartifacts.core.references import objectstore as objs

    single = objs.head(uri)
    if single is not None:
        logical = name or validate_logical_path(_basename(single.key, uri))
        return [_object_entry(single, logical)]
    key = objs.split_uri(uri)[2]
    prefix = key.rstrip("/")
    try:
        found = objs.list_objects(uri, limit)
    except OverflowError:
        raise _too_many(uri, limit) from None
    if not found:
        raise ArtifactNotFoundError(
            f"Cannot reference {uri}: no object has that key and no object is under it.",
            name=uri,
        )
    found = objs.with_versions(found)
    entries = []
    for obj in found:
        rel = obj.key[len(prefix) + 1 :] if prefix else obj.key
        entries.append(_object_entry(obj, validate_logical_path(join_logical(name, rel))))
    return entries


def _object_entry(obj: Any, logical: str) -> ManifestEntry:
    extra: dict[str, Any] = {}
    if obj.etag is not None:
        extra["etag"] = obj.etag
    if obj.version is not None:
        extra["version"] = obj.version
    digest = _ref_digest(obj.uri, "etag", obj.etag, obj.version, obj.size)
    return ManifestEntry(logical, digest, obj.size, ref=obj.uri, extra=extra)


# -- downloading ---------------------------------------------------------------------------


def local_copy_matches(client: Client, found: Opened, entry: ManifestEntry) -> bool | None:
    """Whether ``found`` holds the bytes recorded for reference ``entry``; None if unprovable.

    Provable with a content checksum: the recorded BLAKE3 (local files, ETag-less URLs),
    or an S3/GCS ETag that is a plain MD5 (objects uploaded in one part). An opaque or
    multipart ETag, or ``checksum=False``, proves nothing about local bytes: the answer
    is None when the file is there (with the recorded size, if one was recorded), so a
    download fetches it again while ``verify`` does not call it modified.
    """
    if entry.ref is None or not found.regular:
        return False
    if entry.extra.get("checksum") is False:
        return None
    if found.st.st_size != entry.size:
        return False
    try:
        recorded = entry.extra.get("blake3")
        if isinstance(recorded, str):
            return found.blake3(client.stat_cache) == recorded
        md5 = _md5_etag(entry)
        if md5 is not None:
            return found.md5() == md5
    except OSError:
        return False
    return None


def _md5_etag(entry: ManifestEntry) -> str | None:
    etag = entry.extra.get("etag")
    if not isinstance(etag, str) or urlsplit(str(entry.ref)).scheme not in ("s3", "gs"):
        return None
    value = etag.strip('"').lower()
    if len(value) == 32 and all(c in "0123456789abcdef" for c in value):
        return value
    return None


def fetch_references(
    client: Client,
    jobs: list[ManifestEntry],
    placer: Placer,
    allow_missing: bool = False,
) -> int:
    """Fetch reference entries to their places under ``placer``, ``FETCH_THREADS`` at a time.

    Returns how many were written. With ``allow_missing`` a target that is gone is
    skipped; any other failure cancels what has not started and is raised (the first
    one in entry order).
    """

    def one(entry: ManifestEntry) -> bool:
        try:
            fetch_reference(client, entry, placer)
        except ArtifactNotFoundError:
            if allow_missing:
                return False
            raise
        return True

    if len(jobs) == 1:
        return int(one(jobs[0]))
    written = 0
    with ThreadPoolExecutor(min(FETCH_THREADS, len(jobs))) as pool:
        futures = [pool.submit(one, job) for job in jobs]
        try:
            for future in futures:
                written += int(future.result())
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return written


def fetch_reference(client: Client, entry: ManifestEntry, placer: Placer) -> None:
    """Fetch a reference entry's target to its place after checking it still matches.

    Raises
    ------
    ReferenceChangedError
        The target's ETag, size or content digest differs from what was recorded.
    ArtifactNotFoundError
        The target (or the recorded version of it) no longer exists.
    """
    del client  # references never touch the blob store
    uri = entry.ref
    if uri is None:
        raise ValueError(f"{entry.path!r} is not a reference entry.")
    scheme = _scheme(uri)
    if entry.extra.get("checksum") is False:
        _fetch_unchecked(uri, scheme, placer, entry.path)
        return
    facts, chunks = _open_checked(uri, scheme, entry.extra)
    try:
        _check_etag(entry, facts)
        _write_verified(entry, placer, chunks)
    finally:
        _close(chunks)


def _open_checked(
    uri: str, scheme: str, extra: Mapping[str, Any]
) -> tuple[str | None, Iterator[bytes]]:
    """Start reading ``uri``: the ETag it has now, and its bytes."""
    if scheme == "file":
        return None, _read_local(uri)
    if scheme in ("http", "https"):
        from ipyartifacts.core.references import http as _http

        facts, chunks = _http.open_get(uri)
        return facts.etag, chunks
    from ipyartifacts.core.references import objectstore as objs

    version = extra.get("version")
    try:
        obj, body = objs.read_object(uri, version if isinstance(version, str) else None)
    except ArtifactNotFoundError as exc:
        if version is None:
            raise
        raise ArtifactNotFoundError(
            f"{uri} (version {version}) no longer exists; it was deleted after the "
            "artifact was logged.",
            name=uri,
        ) from exc
    return obj.etag, body


def _read_local(uri: str) -> Iterator[bytes]:
    from ipyartifacts.core.references.http import Chunks

    path = _local_path(uri)
    try:
        stream = open(path, "rb")  # noqa: SIM115 (closed by Chunks)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
        raise ArtifactNotFoundError(
            f"{uri} no longer exists (it was moved or deleted after it was referenced).",
            name=uri,
        ) from exc
    return Chunks(stream, uri)


def _close(chunks: Iterator[bytes]) -> None:
    """Close a body (an HTTP response, a local file, a generator) whether or not it was read."""
    close = getattr(chunks, "close", None)
    if close is not None:
        close()


def _check_etag(entry: ManifestEntry, etag: str | None) -> None:
    recorded = entry.extra.get("etag")
    if recorded is None or etag == recorded or "blake3" in entry.extra:
        return  # with a recorded BLAKE3 the bytes themselves are checked, whatever the ETag
    raise ReferenceChangedError(
        f"{entry.ref} changed since it was added as {entry.path!r}: its ETag was "
        f"{recorded}, now {etag}. Nothing was written. Log a new version referencing the "
        "current object, or restore the old one.",
        uri=str(entry.ref),
        path=entry.path,
        expected=str(recorded),
        found=str(etag),
    )


def _write_verified(entry: ManifestEntry, placer: Placer, chunks: Iterator[bytes]) -> None:
    """Stream ``chunks`` to a temp file in place; rename only if size and digest match."""

    def fill(out: Sink) -> None:
        hasher = new_hasher()
        size = 0
        for chunk in chunks:
            hasher.update(chunk)
            out.write(chunk)
            size += len(chunk)
            if size > entry.size:
                break  # no need to read the rest: it does not match
        problem = None
        if size != entry.size:
            shown = f"more than {entry.size}" if size > entry.size else str(size)
            problem = ("size", f"{entry.size} bytes", f"{shown} bytes")
        else:
            recorded = entry.extra.get("blake3")
            digest = str(hasher.hexdigest())
            if recorded is not None and digest != recorded:
                problem = ("BLAKE3 digest", f"{recorded[:12]}...", f"{digest[:12]}...")
        if problem is not None:
            what, expected, found = problem
            raise ReferenceChangedError(
                f"{entry.ref} changed since it was added as {entry.path!r}: its {what} was "
                f"{expected}, now {found}. Nothing was written. Log a new version referencing "
                "the current content, or restore the old one.",
                uri=str(entry.ref),
                path=entry.path,
                expected=expected,
                found=found,
            )

    placer.write(entry.path, fill)


def _fetch_unchecked(uri: str, scheme: str, placer: Placer, logical: str) -> None:
    """Fetch whatever ``uri`` holds now: one file at ``logical``, or a folder/prefix under it."""
    if scheme in ("http", "https"):
        from ipyartifacts.core.references import http as _http

        _facts, chunks = _http.open_get(uri)
        _write_any(placer, logical, chunks)
        return
    if scheme == "file":
        from ipyartifacts.core.filters import walk_files

        root = _local_path(uri)
        if root.is_file():
            _write_any(placer, logical, _read_local(uri))
            return
        if not root.is_dir():
            raise ArtifactNotFoundError(f"{uri} no longer exists.", name=uri)
        for rel in sorted(walk_files(root, honour_ignore=False)):
            target = validate_logical_path(join_logical(logical, rel))
            _write_any(placer, target, _read_local(root.joinpath(*rel.split("/")).as_uri()))
        return
    from ipyartifacts.core.references import objectstore as objs

    single = objs.head(uri)
    if single is not None:
        _obj, body = objs.read_object(single.uri, None)
        _write_any(placer, logical, body)
        return
    key = objs.split_uri(uri)[2]
    prefix = key.rstrip("/")
    try:
        found = objs.list_objects(uri, DEFAULT_MAX_OBJECTS)
    except OverflowError:
        raise _too_many(uri, DEFAULT_MAX_OBJECTS) from None
    if not found:
        raise ArtifactNotFoundError(f"{uri} no longer exists (nothing is under it).", name=uri)
    for obj in found:
        rel = obj.key[len(prefix) + 1 :] if prefix else obj.key
        target = validate_logical_path(join_logical(logical, rel))
        _obj, body = objs.read_object(obj.uri, None)
        _write_any(placer, target, body)


def _write_any(placer: Placer, logical: str, chunks: Iterator[bytes]) -> None:
    """Temp file + rename, with no checks (``checksum=False`` references)."""

    def fill(out: Sink) -> None:
        for chunk in chunks:
            out.write(chunk)

    try:
        placer.write(logical, fill)
    finally:
        _close(chunks)
