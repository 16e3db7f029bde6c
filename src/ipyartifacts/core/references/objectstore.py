"""Reading object storage (``s3://``, ``gs://``) for reference entries, through obstore.

Connection settings come from the environment, as every AWS / Google tool reads them:

- ``s3://bucket/key``: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``,
  ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, ``AWS_PROFILE``-free static or instance credentials,
  ``AWS_SKIP_SIGNATURE`` for public buckets, and ``AWS_ENDPOINT_URL`` (or
  ``AWS_ENDPOINT_URL_S3``) for S3-compatible services (MinIO, R2, Ceph ...).
- ``gs://bucket/key``: ``GOOGLE_APPLICATION_CREDENTIALS`` / ``GOOGLE_SERVICE_ACCOUNT`` and,
  for emulators, ``GOOGLE_BASE_URL`` (or ``gcs_base_url`` in the service-account file).

An ``http://`` endpoint is allowed when you set one explicitly (a local MinIO, an emulator);
the public services are always reached over HTTPS.

Every obstore error is translated here: a missing object becomes
:class:`~ipyartifacts.errors.ArtifactNotFoundError`, anything else a
:class:`~ipyartifacts.errors.StoreError`, both naming the URI.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from ipyartifacts.errors import ArtifactNotFoundError, InvalidPathError, StoreError

if TYPE_CHECKING:
    from obstore import GetOptions
    from obstore.store import ClientConfig, RetryConfig

__all__ = [
    "OBJECT_SCHEMES",
    "RemoteObject",
    "head",
    "head_version",
    "list_objects",
    "open_store",
    "read_object",
    "split_uri",
    "with_versions",
]

OBJECT_SCHEMES = ("s3", "gs")

_T = TypeVar("_T")


@dataclass(frozen=True)
class RemoteObject:
    """One object in a bucket, as a HEAD or a listing reports it."""

    uri: str
    key: str
    size: int
    etag: str | None
    version: str | None


def split_uri(uri: str) -> tuple[str, str, str]:
    """``"s3://bucket/a/b"`` -> ``("s3", "bucket", "a/b")``."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme not in OBJECT_SCHEMES or not parts.netloc:
        raise InvalidPathError(
            f"{uri!r} is not an object-store URI; expected s3://bucket/key or gs://bucket/key.",
            path=uri,
        )
    if parts.query or parts.fragment:
        raise InvalidPathError(
            f"{uri!r} has a query or fragment; object keys with '?' or '#' are not supported. "
            "Use the plain s3:// or gs:// URI of the object or prefix.",
            path=uri,
        )
    return scheme, parts.netloc, parts.path.lstrip("/")


_ENV_PREFIXES = ("AWS_", "GOOGLE_")
_stores: dict[tuple[str, str, tuple[tuple[str, str], ...]], Any] = {}
_stores_lock = threading.Lock()


def open_store(scheme: str, bucket: str) -> Any:
    """An obstore store for ``bucket`` configured from the environment (cached per settings)."""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES)))
    key = (scheme, bucket, env)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _build_store(scheme, bucket)
            _stores[key] = store
        return store


def _explicit_http(*names: str) -> bool:
    return any(os.environ.get(n, "").lower().startswith("http://") for n in names)


# Fail in about a second on an unreachable endpoint, not after object_store's 3 minutes.
_RETRY: RetryConfig = {
    "max_retries": 3,
    "backoff": {
        "init_backoff": timedelta(milliseconds=100),
        "max_backoff": timedelta(seconds=2),
        "base": 2,
    },
}


def _build_store(scheme: str, bucket: str) -> Any:
    from obstore.store import GCSStore, S3Store

    options: ClientConfig = {}
    try:
        if scheme == "s3":
            if _explicit_http("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT"):
                options["allow_http"] = True
            return S3Store(
                bucket,
                client_options=options or None,
                retry_config=_RETRY,
                credential_provider=_aws_profile_credentials(),
            )
        if _explicit_http("GOOGLE_BASE_URL") or _service_account_http():
            options["allow_http"] = True
        return GCSStore(bucket, client_options=options or None, retry_config=_RETRY)
    except Exception as exc:  # obstore raises its own config errors
        raise StoreError(
            f"Cannot connect to {scheme}://{bucket}: {_short(exc)}. Check the "
            f"{'AWS_*' if scheme == 's3' else 'GOOGLE_*'} environment variables.",
            store=f"{scheme}://{bucket}",
        ) from exc


def _aws_profile_credentials() -> Any:
    """Credentials from ``~/.aws`` (profiles, SSO) via boto3, when the environment has none.

    object_store reads only environment variables and instance metadata; most laptops
    keep their AWS credentials in ``~/.aws/credentials`` (``AWS_PROFILE`` picks one).
    """
    if os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_SKIP_SIGNATURE", "").lower() in (
        "1",
        "true",
    ):
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


def _service_account_http() -> bool:
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


def _short(exc: BaseException) -> str:
    """The first line of an obstore error (the rest is a Rust debug dump)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _translate(uri: str, exc: BaseException) -> Exception:
    """Our error for an obstore (or OS) error met while reading ``uri``."""
    from obstore.exceptions import NotFoundError

    if isinstance(exc, (ArtifactNotFoundError, StoreError)):
        return exc
    if isinstance(exc, (NotFoundError, FileNotFoundError)):
        return ArtifactNotFoundError(
            f"{uri} does not exist (or is not readable with the current credentials).",
            name=uri,
        )
    return StoreError(f"Reading {uri} failed: {_short(exc)}", store=uri)


def _call(uri: str, fn: Callable[[], _T]) -> _T:
    """Run an obstore call, translating its errors to ours (naming ``uri``)."""
    try:
        return fn()
    except OverflowError:
        raise
    except Exception as exc:
        error = _translate(uri, exc)
        if error is exc:
            raise
        raise error from exc


def _object(scheme: str, bucket: str, meta: Any) -> RemoteObject:
    key = str(meta["path"])
    return RemoteObject(
        uri=f"{scheme}://{bucket}/{key}",
        key=key,
        size=int(meta["size"]),
        etag=meta.get("e_tag"),
        version=meta.get("version"),
    )


def head(uri: str) -> RemoteObject | None:
    """The object at ``uri``, or None when no object has exactly that key."""
    import obstore

    scheme, bucket, key = split_uri(uri)
    if not key or key.endswith("/"):
        return None
    store = open_store(scheme, bucket)
    try:
        meta = _call(uri, lambda: obstore.head(store, key))
    except ArtifactNotFoundError:
        return None
    return _object(scheme, bucket, meta)


def head_version(uri: str, version: str | None) -> RemoteObject:
    """The object at ``uri`` (at ``version`` if given); raise ArtifactNotFoundError if gone."""
    import obstore

    scheme, bucket, key = split_uri(uri)
    store = open_store(scheme, bucket)
    options: GetOptions = {"head": True}
    if version is not None:
        options["version"] = version
    result = _call(uri, lambda: obstore.get(store, key, options=options))
    return _object(scheme, bucket, result.meta)


def list_objects(uri: str, limit: int) -> list[RemoteObject]:
    """Every object under the prefix ``uri`` (as a folder), sorted by key.

    Raises
    ------
    OverflowError
        When there are more than ``limit`` objects (listing stops at ``limit + 1``).
    """
    import obstore

    scheme, bucket, key = split_uri(uri)
    prefix = key.rstrip("/")
    store = open_store(scheme, bucket)

    def run() -> list[RemoteObject]:
        found: list[RemoteObject] = []
        for batch in obstore.list(store, prefix or None, chunk_size=1000):
            for meta in batch:
                obj = _object(scheme, bucket, meta)
                if obj.key.endswith("/"):
                    continue  # zero-byte "folder" markers some tools create
                found.append(obj)
                if len(found) > limit:
                    raise OverflowError(limit)
        return found

    found = _call(uri, run)
    return sorted(found, key=lambda o: o.key)


def with_versions(objects: list[RemoteObject], threads: int = 8) -> list[RemoteObject]:
    """``objects`` with their version ids filled in by HEAD requests (listings omit them).

    Only worth it on versioned buckets: the first HEAD tells, and if it reports no
    version the rest are not asked.
    """
    if not objects:
        return objects
    first = head_version(objects[0].uri, None)
    if first.version is None:
        return objects
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        rest = list(pool.map(lambda o: head_version(o.uri, None), objects[1:]))
    return [first, *rest]


def read_object(uri: str, version: str | None) -> tuple[RemoteObject, Iterator[bytes]]:
    """Start reading ``uri`` (at ``version`` if given): its metadata, then its bytes in chunks."""
    import obstore

    scheme, bucket, key = split_uri(uri)
    store = open_store(scheme, bucket)
    options: GetOptions = {}
    if version is not None:
        options["version"] = version
    result = _call(uri, lambda: obstore.get(store, key, options=options))
    obj = _object(scheme, bucket, result.meta)

    def chunks() -> Iterator[bytes]:
        stream = iter(result.stream(min_chunk_size=1 << 20))
        while True:
            try:
                chunk = next(stream)
            except StopIteration:
                return
            except Exception as exc:
                raise _translate(uri, exc) from exc
            yield bytes(chunk)

    return obj, chunks()
