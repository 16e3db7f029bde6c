"""Where the store is, and the defaults that environment variables can change."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipyartifacts.errors import StoreError

if TYPE_CHECKING:
    from ipyartifacts.store.storefile import NamedStore

__all__ = [
    "DEFAULT_PROJECT",
    "BlobOptions",
    "StoreLocation",
    "artifact_dir",
    "default_project",
    "redact_url",
    "resolve_store",
]

DEFAULT_PROJECT = "uncategorized"  # W&B's name for runs logged without a project

ENV_STORE = "IPYARTIFACTS_STORE"
ENV_DATABASE_URL = "IPYARTIFACTS_DATABASE_URL"
ENV_BLOB_URL = "IPYARTIFACTS_BLOB_URL"
ENV_BLOB_RETRIES = "IPYARTIFACTS_BLOB_RETRIES"
ENV_BLOB_TIMEOUT = "IPYARTIFACTS_BLOB_TIMEOUT"
ENV_PROJECT = "IPYARTIFACTS_PROJECT"
ENV_ARTIFACT_DIR = "IPYARTIFACTS_ARTIFACT_DIR"
ENV_CACHE_DIR = "IPYARTIFACTS_CACHE_DIR"
ENV_CACHE_SIZE = "IPYARTIFACTS_CACHE_SIZE"

OBJECT_BLOB_SCHEMES = ("s3", "gs", "az")
DEFAULT_RETRIES = 10
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class BlobOptions:
    """How hard an object-store blob backend tries: retries per request, seconds per request."""

    retries: int = DEFAULT_RETRIES
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class StoreLocation:
    """A resolved store: a local root (stat cache, file cache), a catalog URL, a blob URL.

    ``blob_url`` None means the embedded blob folder ``root/blobs``. ``sources`` says,
    per setting, where its value came from (an environment variable, a config file, a
    default), for ``ipyartifacts store show``.
    """

    root: Path
    database_url: str = field(repr=False)  # may hold a password; __repr__ redacts it
    blob_url: str | None = field(default=None, repr=False)
    name: str | None = None
    cache_dir: Path | None = None
    cache_size: str | int | None = None
    blob_options: BlobOptions = BlobOptions()
    sources: tuple[tuple[str, str], ...] = ()

    def __repr__(self) -> str:
        blobs = redact_url(self.blob_url) if self.blob_url else None
        return (
            f"StoreLocation(root={str(self.root)!r}, name={self.name!r}, "
            f"database_url={redact_url(self.database_url)!r}, blob_url={blobs!r})"
        )

    @property
    def key(self) -> tuple[str, str]:
        return (str(self.root), f"{self.database_url} {self.blob_url or ''}")

    @property
    def remote_blobs(self) -> bool:
        """Whether blobs live in object storage (read through the local cache)."""
        return self.blob_url is not None and _scheme(self.blob_url) in OBJECT_BLOB_SCHEMES

    def source(self, setting: str) -> str:
        return dict(self.sources).get(setting, "default")


def _user_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("ipyartifacts", appauthor=False))


def _user_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("ipyartifacts", appauthor=False))


def _scheme(url: str) -> str:
    head, sep, _rest = url.partition("://")
    return head.lower() if sep else ""


def resolve_store(store: str | os.PathLike[str] | None = None) -> StoreLocation:
    """Resolve ``init(store=...)``, else ``$IPYARTIFACTS_STORE``, else a default.

    ``store`` (or the variable) is the name of a store defined in a config file
    (:mod:`ipyartifacts.store.storefile`), an ``s3://`` / ``gs://`` / ``az://`` blob URL,
    or a directory. Without either, the config files' ``default`` store is used, else
    the embedded store in the user-data directory.

    The embedded store is one directory holding ``catalog.sqlite`` and ``blobs/``.
    ``$IPYARTIFACTS_DATABASE_URL`` points the catalog at another database (PostgreSQL),
    ``$IPYARTIFACTS_BLOB_URL`` the blobs at object storage.
    """
    from ipyartifacts.store.storefile import load_store_files, looks_like_name

    origin = "init(store=...) / --store"
    chosen: str | os.PathLike[str] | None = store
    if chosen is None and os.environ.get(ENV_STORE):
        chosen, origin = os.environ[ENV_STORE], f"${ENV_STORE}"
    files = None
    if chosen is None or (isinstance(chosen, str) and looks_like_name(chosen)):
        files = load_store_files()
        if chosen is None and files.default is not None:
            chosen, origin = files.default[0], f"default in {files.default[1]}"
            if chosen not in files.stores:
                raise StoreError(
                    f"{files.default[1]} sets default = {chosen!r}, but defines no "
                    f"[stores.{chosen}]. Define it or change the default.",
                    store=chosen,
                )
        if isinstance(chosen, str) and chosen in files.stores:
            return _named(files.stores[chosen], origin)
        if isinstance(chosen, str) and files.stores and not Path(chosen).expanduser().exists():
            raise StoreError(
                f"No store is named {chosen!r} (from {origin}); the config files define "
                f"{', '.join(sorted(files.stores))} ({', '.join(files.files)}). Pass one of "
                "them, or a directory path such as ./" + chosen + " for an embedded store.",
                store=chosen,
            )
    if isinstance(chosen, str) and _scheme(chosen) in OBJECT_BLOB_SCHEMES:
        return _from_env(None, "default", blob_url=(chosen, origin))
    return _from_env(chosen, origin)


def _from_env(
    chosen: str | os.PathLike[str] | None,
    origin: str,
    blob_url: tuple[str, str] | None = None,
) -> StoreLocation:
    sources: dict[str, str] = {}
    if chosen is not None:
        root = Path(chosen).expanduser()
        sources["root"] = origin
    else:
        root = _user_data_dir()
    root = root.resolve()
    url = os.environ.get(ENV_DATABASE_URL)
    if url:
        sources["catalog"] = f"${ENV_DATABASE_URL}"
    else:
        url = f"sqlite:///{root / 'catalog.sqlite'}"
    blobs: str | None = None
    if blob_url is not None:
        blobs, sources["blobs"] = blob_url
    elif os.environ.get(ENV_BLOB_URL):
        blobs = os.environ[ENV_BLOB_URL]
        sources["blobs"] = f"${ENV_BLOB_URL}"
    return StoreLocation(
        root=root,
        database_url=url,
        blob_url=_check_blob_url(blobs, sources.get("blobs", "")),
        blob_options=_blob_options({}, {}, sources),
        sources=tuple(sorted(sources.items())),
    )


def _named(named: NamedStore, origin: str) -> StoreLocation:
    settings, where = named.settings, named.sources
    sources: dict[str, str] = {"name": origin}
    if "catalog" not in settings:
        raise StoreError(
            f"[stores.{named.name}] in {', '.join(sorted(set(where.values())))} has no "
            'catalog URL. Add catalog = "postgresql+psycopg://user@host/db" (or a '
            "sqlite:/// URL).",
            store=named.name,
        )
    sources["catalog"] = where["catalog"]
    if "blobs" not in settings:
        raise StoreError(
            f"[stores.{named.name}] in {', '.join(sorted(set(where.values())))} has no "
            'blobs URL. Add blobs = "s3://BUCKET/PREFIX" (or gs://, az://, a directory).',
            store=named.name,
        )
    blobs: str | None = settings["blobs"]
    sources["blobs"] = where["blobs"]
    root = (_user_cache_dir() / "stores" / named.name).resolve()
    cache_dir: Path | None = None
    if "cache_dir" in settings:
        cache_dir = Path(settings["cache_dir"]).expanduser()
        sources["cache_dir"] = where["cache_dir"]
    if os.environ.get(ENV_CACHE_DIR):
        cache_dir = Path(os.environ[ENV_CACHE_DIR]).expanduser()
        sources["cache_dir"] = f"${ENV_CACHE_DIR}"
    cache_size: str | int | None = None
    if "cache_size" in settings:
        cache_size = settings["cache_size"]
        sources["cache_size"] = where["cache_size"]
    if os.environ.get(ENV_CACHE_SIZE):
        cache_size = os.environ[ENV_CACHE_SIZE]
        sources["cache_size"] = f"${ENV_CACHE_SIZE}"
    if isinstance(blobs, str) and _scheme(blobs) in ("", "file"):
        blobs = str(Path(blobs.removeprefix("file://")).expanduser().resolve())
    return StoreLocation(
        root=root,
        database_url=str(settings["catalog"]),
        blob_url=_check_blob_url(blobs, sources.get("blobs", "")),
        name=named.name,
        cache_dir=cache_dir,
        cache_size=cache_size,
        blob_options=_blob_options(settings, where, sources),
        sources=tuple(sorted(sources.items())),
    )


def _check_blob_url(url: str | None, origin: str) -> str | None:
    if url is None:
        return None
    scheme = _scheme(url)
    if scheme in OBJECT_BLOB_SCHEMES:
        bucket = url.partition("://")[2].split("/", 1)[0]
        if not bucket:
            raise StoreError(
                f"The blob URL {url!r} (from {origin}) names no bucket; write "
                f"{scheme}://BUCKET/PREFIX.",
                store=url,
            )
        return url.rstrip("/")
    if scheme in ("", "file"):
        return url
    raise StoreError(
        f"The blob URL {url!r} (from {origin}) is not supported; use s3://BUCKET/PREFIX, "
        "gs://BUCKET/PREFIX, az://CONTAINER/PREFIX or a local directory.",
        store=url,
    )


def _blob_options(
    settings: dict[str, Any], where: dict[str, str], sources: dict[str, str]
) -> BlobOptions:
    values: dict[str, Any] = {}
    for key, env, kind in (
        ("retries", ENV_BLOB_RETRIES, int),
        ("timeout", ENV_BLOB_TIMEOUT, float),
    ):
        raw: Any = None
        if key in settings:
            raw, sources[key] = settings[key], where[key]
        if os.environ.get(env):
            raw, sources[key] = os.environ[env], f"${env}"
        if raw is None:
            continue
        try:
            value = kind(raw)
        except (TypeError, ValueError):
            value = -1
        if isinstance(raw, bool) or value < 0:
            raise StoreError(
                f"{key} = {raw!r} (from {sources[key]}) must be a non-negative number.",
                store=str(raw),
            )
        values[key] = value
    return BlobOptions(**values)


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for display)."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def default_project() -> str:
    """``$IPYARTIFACTS_PROJECT``, else ``"uncategorized"``."""
    return os.environ.get(ENV_PROJECT) or DEFAULT_PROJECT


def artifact_dir() -> Path:
    """Base folder for default download roots: ``$IPYARTIFACTS_ARTIFACT_DIR`` or ``./artifacts``."""
    return Path(os.environ.get(ENV_ARTIFACT_DIR) or "artifacts")
