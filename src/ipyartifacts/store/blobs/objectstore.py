"""Blobs in object storage (``s3://``, ``gs://``, ``az://``) through obstore.

Objects live at ``<prefix>/<aa>/<rest-of-digest>``, as in the embedded folder.
Credentials and endpoints come from each cloud's own environment variables and files,
read by obstore (``AWS_*`` including ``AWS_ENDPOINT_URL`` for S3-compatible services,
``GOOGLE_*``, ``AZURE_*``); an ``~/.aws`` profile is used through boto3 when installed.

The rules (see docs/design.md, "Object-store blobs"):

* **Put-if-absent.** Small blobs are one conditional PUT (``If-None-Match: *``), with no
  HEAD first; "already exists" is success, since the bytes under a digest are always the
  same (the blob's age is then read, to renew it for GC). Stores that refuse conditional
  writes fall back to HEAD, then PUT.
* **Streaming.** A file above ``multipart_threshold`` is hashed from disk first (a
  present blob then costs nothing more), then uploaded in parts read from disk again
  and re-hashed; the last part is sent only if the re-read matches, so a file that
  changed meanwhile aborts the upload and nothing is published. A PUT and a completed
  multipart upload become visible whole, never partly.
* **Retries.** obstore retries throttling, 5xx, timeouts and dropped connections with
  exponential backoff (``retries`` per request, ``timeout`` seconds each); whole
  uploads and downloads are retried on top, since every operation here is idempotent.
  What still fails is one :class:`~ipyartifacts.errors.StoreError`.
* **Freshness for GC.** Objects cannot be touched, so reusing a blob whose
  last-modified time is older than ``refresh_after`` (half GC's default grace) rewrites
  it with two server-side copies (through a ``tmp/`` key), which renews its timestamp.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from ipyartifacts.errors import ArtifactNotFoundError, SourceChangedError, StoreError
from ipyartifacts.store.blobs import local as _local
from ipyartifacts.store.config import BlobOptions
from ipyartifacts.store.hashing import CHUNK_SIZE, hash_bytes, hash_file, is_digest, new_hasher

if TYPE_CHECKING:
    from obstore.store import ClientConfig, RetryConfig

__all__ = ["ObjectBlobStore", "open_object_store"]

_T = TypeVar("_T")

MULTIPART_THRESHOLD = 8 * 1024 * 1024
PART_SIZE = 8 * 1024 * 1024
PART_CONCURRENCY = 4
REFRESH_AFTER = 1800.0  # half of GC's default one-hour grace
# How long this process trusts that a blob it saw is still there without asking again
# (as LocalBlobStore.FRESH_SECONDS): a re-log of 10,000 unchanged files costs no HEADs.
TRUST_SECONDS = 60.0
_WHOLE_ATTEMPTS = 2  # whole-operation retries on top of obstore's per-request ones


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")


def _explicit_http(*names: str) -> bool:
    return any(os.environ.get(n, "").lower().startswith("http://") for n in names)


def _gcs_account_http() -> bool:
    import json

    path = os.environ.get("GOOGLE_SERVICE_ACCOUNT") or os.environ.get("GOOGLE_SERVICE_ACCOUNT_PATH")
    if not path:
        return False
    try:
        with open(path, encoding="utf-8") as stream:
            data = json.load(stream)
    except (OSError, ValueError):
        return False
    base = data.get("gcs_base_url") if isinstance(data, dict) else None
    return isinstance(base, str) and base.lower().startswith("http://")


def _aws_profile_credentials() -> Any:
    """Credentials from ``~/.aws`` (profiles, SSO) via boto3, when the environment has none."""
    if os.environ.get("AWS_ACCESS_KEY_ID") or _env_true("AWS_SKIP_SIGNATURE"):
        return None
    try:
        import boto3  # type: ignore[import-untyped,unused-ignore]
        from obstore.auth.boto3 import Boto3CredentialProvider
    except ImportError:
        return None
    try:
        session = boto3.Session()
        if session.get_credentials() is None:
            return None
        return Boto3CredentialProvider(session)
    except Exception:  # a broken profile: let object_store's own chain report it
        return None


def _short(exc: BaseException) -> str:
    """The first line of an obstore error (the rest is a Rust debug dump)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def open_object_store(url: str, options: BlobOptions) -> Any:
    """An obstore store for ``url`` (prefix included), with ``options``' retries and timeouts."""
    from obstore.store import AzureStore, GCSStore, S3Store

    scheme = url.partition("://")[0].lower()
    client: ClientConfig = {
        "timeout": timedelta(seconds=options.timeout),
        "connect_timeout": timedelta(seconds=min(options.timeout, 10.0)),
    }
    retry: RetryConfig = {
        "max_retries": options.retries,
        "backoff": {
            "init_backoff": timedelta(milliseconds=100),
            "max_backoff": timedelta(seconds=15),
            "base": 2,
        },
        "retry_timeout": timedelta(
            seconds=max(2.0, min(300.0, options.timeout * (options.retries + 1)))
        ),
    }
    try:
        if scheme == "s3":
            if _explicit_http("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT"):
                client["allow_http"] = True
            return S3Store.from_url(
                url,
                client_options=client,
                retry_config=retry,
                credential_provider=_aws_profile_credentials(),
            )
        if scheme == "gs":
            if _explicit_http("GOOGLE_BASE_URL") or _gcs_account_http():
                client["allow_http"] = True
            return GCSStore.from_url(url, client_options=client, retry_config=retry)
        if scheme == "az":
            if _env_true("AZURE_STORAGE_USE_EMULATOR") or _explicit_http(
                "AZURITE_BLOB_STORAGE_URL", "AZURE_STORAGE_ENDPOINT"
            ):
                client["allow_http"] = True
            return AzureStore.from_url(url, client_options=client, retry_config=retry)
    except Exception as exc:  # obstore raises its own configuration errors
        env = {"s3": "AWS_*", "gs": "GOOGLE_*", "az": "AZURE_*"}.get(scheme, "")
        raise StoreError(
            f"Cannot open the blob store {url}: {_short(exc)}. Check the URL and the {env} "
            "environment variables.",
            store=url,
        ) from exc
    raise StoreError(f"{url!r} is not an s3://, gs:// or az:// URL.", store=url)


class _ChunkReader(io.RawIOBase):
    """A readable stream over an iterator of byte chunks (an object being downloaded)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._buffer = b""
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while self._offset >= len(self._buffer):
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer, self._offset = chunk, 0
        view = memoryview(target).cast("B")
        n = min(len(view), len(self._buffer) - self._offset)
        view[:n] = self._buffer[self._offset : self._offset + n]
        self._offset += n
        return n


class ObjectBlobStore:
    """The :class:`~ipyartifacts.store.blobs.BlobStore` protocol over an object store.

    Parameters
    ----------
    url : str
        ``s3://bucket/prefix``, ``gs://bucket/prefix`` or ``az://container/prefix``.
    options : BlobOptions, optional
        Retries per request and seconds per request.
    conditional_put : bool, optional
        Use the store's create-only PUT; False forces HEAD-then-PUT (for stores without
        conditional writes). Default: on, switched off if the store says it is unsupported.
    """

    io_threads = 16  # many small uploads overlap their round trips

    def __init__(
        self,
        url: str,
        options: BlobOptions | None = None,
        *,
        conditional_put: bool = True,
        multipart_threshold: int = MULTIPART_THRESHOLD,
        part_size: int = PART_SIZE,
        refresh_after: float = REFRESH_AFTER,
    ) -> None:
        self.url = url.rstrip("/")
        self.options = options or BlobOptions()
        self.conditional_put = conditional_put
        self.multipart_threshold = multipart_threshold
        self.part_size = part_size
        self.refresh_after = refresh_after
        self._store = open_object_store(self.url, self.options)
        # digest -> (last modified on the store's clock, size, when we saw it, monotonic)
        self._seen: dict[str, tuple[float, int, float]] = {}
        # the process-wide removal generation (store/blobs/local.py) when each was seen
        self._seen_generation: dict[str, int] = {}
        self._lock = threading.Lock()
        # digests under quarantine/, when listed (monotonic) and the removal generation then
        self._quarantined: tuple[frozenset[str], float, int] | None = None

    def __repr__(self) -> str:
        return f"ObjectBlobStore({self.url!r})"

    # -- plumbing ----------------------------------------------------------------

    def _key(self, digest: str) -> str:
        if not is_digest(digest):
            raise StoreError(f"{digest!r} is not a BLAKE3 digest.", store=self.url)
        return f"{digest[:2]}/{digest[2:]}"

    def _error(self, what: str, exc: BaseException) -> StoreError:
        from obstore.exceptions import PermissionDeniedError, UnauthenticatedError

        if isinstance(exc, (PermissionDeniedError, UnauthenticatedError)):
            hint = (
                "The credentials were refused: check the AWS_* / GOOGLE_* / AZURE_* "
                "variables (or ~/.aws) and the bucket's permissions."
            )
        else:
            hint = (
                "The store did not answer after retries: check the endpoint, the network "
                "and the credentials, then try again."
            )
        return StoreError(f"{what} {self.url} failed: {_short(exc)}. {hint}", store=self.url)

    def _call(self, what: str, fn: Callable[[], _T], attempts: int = _WHOLE_ATTEMPTS) -> _T:
        """Run an idempotent operation, retrying it whole; translate what still fails."""
        from obstore.exceptions import (
            NotFoundError,
            PermissionDeniedError,
            UnauthenticatedError,
        )

        for attempt in range(attempts):
            try:
                return fn()
            except (ArtifactNotFoundError, SourceChangedError, FileNotFoundError, NotFoundError):
                raise
            except (PermissionDeniedError, UnauthenticatedError) as exc:
                raise self._error(what, exc) from exc
            except Exception as exc:
                if attempt + 1 >= attempts:
                    raise self._error(what, exc) from exc
        raise AssertionError("unreachable")

    def _missing(self, digest: str) -> ArtifactNotFoundError:
        return ArtifactNotFoundError(
            f"Blob {digest[:12]}... is missing from the store at {self.url}. It may have been "
            "deleted or garbage-collected; log the files again to restore it.",
            name=digest,
        )

    def _head(self, digest: str) -> tuple[float, int] | None:
        import obstore
        from obstore.exceptions import NotFoundError

        key = self._key(digest)
        try:
            meta = self._call(
                f"Checking blob {digest[:12]}... in", lambda: obstore.head(self._store, key)
            )
        except (FileNotFoundError, NotFoundError):
            return None
        return float(meta["last_modified"].timestamp()), int(meta["size"])

    def _remember(self, digest: str, modified: float, size: int) -> None:
        with self._lock:
            if len(self._seen) > 1_000_000:
                self._seen.clear()
            self._seen[digest] = (modified, size, time.monotonic())
            self._seen_generation[digest] = _local.current_generation()

    # -- the protocol ------------------------------------------------------------

    def exists(self, digest: str) -> bool:
        return self._head(digest) is not None

    def modified(self, digest: str) -> float | None:
        """The blob's last-modified time (POSIX seconds, the store's clock), or None."""
        head = self._head(digest)
        return None if head is None else head[0]

    def _trusted(self, digest: str, check: bool = False) -> bool:
        """Whether this process saw the blob fresh moments ago (no request is made)."""
        with self._lock:
            seen = self._seen.get(digest)
            seen_generation = self._seen_generation.get(digest)
        if seen is None or (check and seen_generation != _local.current_generation()):
            return False
        return (
            time.time() - seen[0] < self.refresh_after
            and time.monotonic() - seen[2] < TRUST_SECONDS
        )

    def touch(self, digest: str, check: bool = False) -> bool:
        """True if the blob is present and fresh for GC (renewed if it was getting old).

        ``check=True`` (before a commit) trusts no memory from before the last removal
        of any blob in this process (quarantine, delete, GC), so a blob removed since it
        was seen is asked for again rather than assumed.
        """
        if self._trusted(digest, check):
            return True
        now = time.time()
        head = self._head(digest)
        if head is None:
            with self._lock:
                self._seen.pop(digest, None)
            return False
        modified, size = head
        if now - modified >= self.refresh_after:
            if not self._renew(digest):
                return False
            modified = time.time()
        self._remember(digest, modified, size)
        return True

    def _renew(self, digest: str) -> bool:
        """Rewrite a blob in place (server-side copies) so its last-modified is now."""
        import obstore
        from obstore.exceptions import NotFoundError

        key = self._key(digest)
        aside = f"tmp/renew-{uuid.uuid4().hex}"
        try:
            self._call(
                f"Renewing blob {digest[:12]}... in", lambda: obstore.copy(self._store, key, aside)
            )
            self._call(
                f"Renewing blob {digest[:12]}... in", lambda: obstore.copy(self._store, aside, key)
            )
        except (FileNotFoundError, NotFoundError):
            return False  # collected meanwhile: the caller stores it again
        except StoreError:
            return False  # cannot copy (e.g. S3's 5 GB copy limit): the caller uploads again
        finally:
            with contextlib.suppress(Exception):
                obstore.delete(self._store, aside)
        return True

    def _put_small(self, digest: str, data: bytes) -> None:
        """Put-if-absent for one blob of verified bytes, left fresh for GC either way.

        One conditional PUT (``If-None-Match: *``) and no HEAD first: a new blob costs one
        request. "Already exists" (S3/GCS 412, Azure 409, obstore's AlreadyExistsError or
        PreconditionError) means the same bytes are there; only then is the blob asked
        for its age (a HEAD), and renewed if GC could soon take it (see :meth:`touch`).
        Nothing is ever overwritten: a blob found gone after "already exists" (a GC took
        it in between) is put again, conditionally.
        """
        import obstore
        from obstore.exceptions import AlreadyExistsError, NotSupportedError, PreconditionError

        if self._trusted(digest):
            return
        key = self._key(digest)
        what = f"Uploading blob {digest[:12]}... to"

        def create() -> bool | None:
            """True if written, False if it was there already, None if unsupported."""
            try:
                obstore.put(self._store, key, data, mode="create", use_multipart=False)
            except (AlreadyExistsError, PreconditionError):
                return False  # content-addressed: the bytes there are these bytes
            except NotSupportedError:
                return None
            return True

        for _attempt in range(3):
            if self.conditional_put:
                created = self._call(what, create)
                if created is None:
                    self.conditional_put = False  # this store refuses conditional writes
                elif created:
                    self._remember(digest, time.time(), len(data))
                    return
                elif self.touch(digest):  # there already: renewed if it was getting old
                    return
                else:
                    continue  # collected between the PUT and the HEAD: store it again
            if self.touch(digest):  # HEAD-then-PUT, for stores without conditional writes
                return
            self._call(what, lambda: obstore.put(self._store, key, data, use_multipart=False))
            self._remember(digest, time.time(), len(data))
            return
        raise StoreError(
            f"{what} {self.url} failed: the blob kept vanishing right after the store said it "
            "existed (a garbage collection with a tiny grace period?). Try again.",
            store=self.url,
        )

    def put_bytes(self, data: bytes, digest: str | None = None) -> str:
        digest = hash_bytes(data) if digest is None else digest
        self._put_small(digest, data)
        return digest

    def put_file(self, source: Path, expected: str | None = None) -> tuple[str, int]:
        if expected is not None and self._trusted(expected):
            return expected, self._seen[expected][1]
        size = os.stat(source).st_size
        if size <= self.multipart_threshold:
            with open(source, "rb") as stream:
                data = stream.read()
            digest = hash_bytes(data)
            self._check(source, expected, digest)  # verified before anything is sent
            self._put_small(digest, data)
            return digest, len(data)
        # Big: hashed from disk first, so a blob already there costs one HEAD, not an upload.
        digest, size = hash_file(source)
        self._check(source, expected, digest)
        if not self.touch(digest):
            self._put_stream(source, digest)
            self._remember(digest, time.time(), size)
        return digest, size

    @staticmethod
    def _check(source: Path, expected: str | None, digest: str) -> None:
        if expected is not None and digest != expected:
            raise SourceChangedError(
                f"{str(source)!r} changed after it was added to the artifact (its digest "
                f"was {expected[:12]}..., now {digest[:12]}...). Add it again, or use "
                "policy='mutable' so the bytes are captured when added.",
                digest=digest,
                path=str(source),
            )

    def _put_stream(self, source: Path, digest: str) -> None:
        """Multipart upload of ``source``, read again in parts and checked against ``digest``."""
        import obstore

        def parts() -> Iterator[bytes]:
            hasher = new_hasher()
            with open(source, "rb") as stream:
                current = stream.read(self.part_size)
                while current:
                    following = stream.read(self.part_size)
                    hasher.update(current)
                    if not following:  # the last part: publish only the bytes we hashed
                        self._check(source, digest, str(hasher.hexdigest()))
                    yield current
                    current = following

        self._call(
            f"Uploading {str(source)!r} to",
            lambda: obstore.put(
                self._store,
                self._key(digest),
                parts(),
                use_multipart=True,
                chunk_size=self.part_size,
                max_concurrency=PART_CONCURRENCY,
            ),
        )

    def _chunks(self, digest: str) -> Iterator[bytes]:
        import obstore
        from obstore.exceptions import NotFoundError

        key = self._key(digest)
        try:
            result = self._call(
                f"Downloading blob {digest[:12]}... from", lambda: obstore.get(self._store, key)
            )
        except (FileNotFoundError, NotFoundError) as exc:
            raise self._missing(digest) from exc
        stream = iter(result.stream(min_chunk_size=CHUNK_SIZE))
        while True:
            try:
                chunk = next(stream)
            except StopIteration:
                return
            except Exception as exc:
                raise self._error(f"Downloading blob {digest[:12]}... from", exc) from exc
            yield bytes(chunk)

    def open(self, digest: str) -> BinaryIO:
        return io.BufferedReader(_ChunkReader(self._chunks(digest)), CHUNK_SIZE)

    def fetch_to(self, digest: str, dest: Path) -> str:
        """Download a blob into ``dest`` (retried whole); return the digest of what was read."""

        def fetch() -> str:
            hasher = new_hasher()
            with open(dest, "wb") as out:
                for chunk in self._chunks(digest):
                    hasher.update(chunk)
                    out.write(chunk)
            return str(hasher.hexdigest())

        return self._call(f"Downloading blob {digest[:12]}... from", fetch)

    def local_path(self, digest: str) -> Path | None:
        return None

    def quarantine(self, digest: str) -> None:
        """Move a blob that really is corrupt to ``quarantine/`` (a re-log can then repair it).

        It is read once more first: a transfer that went wrong must not cost good bytes.
        """
        import obstore

        with self._lock:
            self._seen.pop(digest, None)
        hasher = new_hasher()
        try:
            for chunk in self._chunks(digest):  # streamed: the blob may be huge
                hasher.update(chunk)
        except ArtifactNotFoundError:
            return
        again = str(hasher.hexdigest())
        if again == digest:
            return
        key = self._key(digest)
        self._call(
            f"Quarantining blob {digest[:12]}... in",
            lambda: obstore.copy(self._store, key, f"quarantine/{digest}"),
        )
        self.delete(digest)

    def quarantined(self) -> frozenset[str]:
        """Digests of the blobs moved to ``quarantine/`` (one LIST, remembered for a minute).

        A live version proves its blobs present to a re-log (docs/design.md) except those
        found corrupt and moved aside, which the re-log must store again. The memory is
        void after any removal of a blob in this process, as for :meth:`touch`.
        """
        import obstore

        with self._lock:
            known = self._quarantined
        if (
            known is not None
            and known[2] == _local.current_generation()
            and time.monotonic() - known[1] < TRUST_SECONDS
        ):
            return known[0]
        generation = _local.current_generation()
        found: set[str] = set()
        listing = iter(obstore.list(self._store, "quarantine/", chunk_size=1000))
        while True:
            try:
                batch = next(listing)
            except StopIteration:
                break
            except Exception as exc:
                raise self._error("Listing the quarantine of", exc) from exc
            found.update(str(meta["path"]).rpartition("/")[2] for meta in batch)
        result = frozenset(found)
        with self._lock:
            self._quarantined = (result, time.monotonic(), generation)
        return result

    def delete(self, digest: str) -> None:
        import obstore
        from obstore.exceptions import NotFoundError

        with self._lock:
            self._seen.pop(digest, None)
        _local.forget_touches()
        key = self._key(digest)
        with contextlib.suppress(FileNotFoundError, NotFoundError):
            self._call(
                f"Deleting blob {digest[:12]}... from", lambda: obstore.delete(self._store, key)
            )

    def iter_blobs(self) -> Iterator[tuple[str, int, float]]:
        import obstore

        listing = iter(obstore.list(self._store, None, chunk_size=1000))
        while True:
            try:
                batch = next(listing)
            except StopIteration:
                return
            except Exception as exc:
                raise self._error("Listing the blobs of", exc) from exc
            for meta in batch:
                head, _, rest = str(meta["path"]).partition("/")
                if len(head) == 2 and "/" not in rest and is_digest(head + rest):
                    yield head + rest, int(meta["size"]), float(meta["last_modified"].timestamp())

    def sync(self) -> None:
        """Nothing to flush: an upload has returned only once the store holds the object."""
