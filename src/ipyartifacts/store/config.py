"""Where the store is, and the defaults that environment variables can change."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_PROJECT", "StoreLocation", "artifact_dir", "default_project", "resolve_store"]

DEFAULT_PROJECT = "uncategorized"  # W&B's name for runs logged without a project

ENV_STORE = "IPYARTIFACTS_STORE"
ENV_DATABASE_URL = "IPYARTIFACTS_DATABASE_URL"
ENV_PROJECT = "IPYARTIFACTS_PROJECT"
ENV_ARTIFACT_DIR = "IPYARTIFACTS_ARTIFACT_DIR"


@dataclass(frozen=True)
class StoreLocation:
    """A resolved store: a local root (blobs, caches) and a catalog URL."""

    root: Path
    database_url: str = field(repr=False)  # may hold a password; repr shows it redacted

    def __repr__(self) -> str:
        from ipyartifacts.store.catalog.errors import redact  # SQLAlchemy: only when shown

        return f"StoreLocation(root={str(self.root)!r}, database_url={redact(self.database_url)!r})"

    @property
    def key(self) -> tuple[str, str]:
        return (str(self.root), self.database_url)


def _user_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("ipyartifacts", appauthor=False))


def resolve_store(store: str | os.PathLike[str] | None = None) -> StoreLocation:
    """Resolve ``init(store=...)``, else ``$IPYARTIFACTS_STORE``, else the user-data dir.

    The embedded store is one directory holding ``catalog.sqlite`` and ``blobs/``.
    ``$IPYARTIFACTS_DATABASE_URL`` points the catalog at another database (PostgreSQL).
    """
    chosen = store if store is not None else os.environ.get(ENV_STORE) or None
    root = Path(chosen).expanduser() if chosen is not None else _user_data_dir()
    root = root.resolve()
    url = os.environ.get(ENV_DATABASE_URL) or f"sqlite:///{root / 'catalog.sqlite'}"
    return StoreLocation(root=root, database_url=url)


def default_project() -> str:
    """``$IPYARTIFACTS_PROJECT``, else ``"uncategorized"``."""
    return os.environ.get(ENV_PROJECT) or DEFAULT_PROJECT


def artifact_dir() -> Path:
    """Base folder for default download roots: ``$IPYARTIFACTS_ARTIFACT_DIR`` or ``./artifacts``."""
    return Path(os.environ.get(ENV_ARTIFACT_DIR) or "artifacts")
