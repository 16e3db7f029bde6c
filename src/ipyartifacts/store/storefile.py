"""Named stores: ``[stores.NAME]`` tables in ``stores.toml`` and ``.ipyartifacts.toml``.

Two files are read, and a key in the second wins over the same key in the first:

1. the user's ``stores.toml`` in the platform config directory
   (``platformdirs.user_config_dir("ipyartifacts")``, e.g. ``~/.config/ipyartifacts``);
2. a project-local ``.ipyartifacts.toml``, the nearest one in the working directory or
   one of its parents.

Example::

    default = "team"            # used when neither init(store=...) nor --store names one

    [stores.team]
    catalog = "postgresql+psycopg://ml@db.internal/artifacts"
    blobs = "s3://ml-artifacts/store"
    cache_dir = "~/.cache/ipyartifacts/team"
    cache_size = "50GB"
    retries = 10                # per request, with exponential backoff
    timeout = 60                # seconds per request
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ipyartifacts.errors import StoreError

__all__ = [
    "PROJECT_FILE",
    "STORE_KEYS",
    "NamedStore",
    "StoreFiles",
    "load_store_files",
    "user_config_file",
]

PROJECT_FILE = ".ipyartifacts.toml"
USER_FILE = "stores.toml"
STORE_KEYS = ("catalog", "blobs", "cache_dir", "cache_size", "retries", "timeout")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class NamedStore:
    """One ``[stores.NAME]`` table, merged over the files; ``sources`` says which file set each key."""

    name: str
    settings: dict[str, Any] = field(hash=False)
    sources: dict[str, str] = field(hash=False)


@dataclass(frozen=True)
class StoreFiles:
    """What the config files define: named stores, the default name, and the files read."""

    stores: dict[str, NamedStore] = field(hash=False)
    default: tuple[str, str] | None  # (name, file that set it)
    files: tuple[str, ...]


def user_config_file() -> Path:
    """``<user config dir>/ipyartifacts/stores.toml``."""
    import platformdirs

    return Path(platformdirs.user_config_dir("ipyartifacts", appauthor=False)) / USER_FILE


def project_config_file(start: Path | None = None) -> Path | None:
    """The nearest ``.ipyartifacts.toml`` in ``start`` (default: cwd) or a parent."""
    try:
        here = (start or Path.cwd()).resolve()
    except OSError:  # the working directory was removed
        return None
    for folder in (here, *here.parents):
        candidate = folder / PROJECT_FILE
        if candidate.is_file():
            return candidate
    return None


def _read(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    try:
        with open(path, "rb") as stream:
            data: dict[str, Any] = tomllib.load(stream)
            return data
    except OSError as exc:
        raise StoreError(
            f"Cannot read the store config {str(path)!r}: {exc.strerror}.", store=str(path)
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise StoreError(
            f"The store config {str(path)!r} is not valid TOML ({exc}). Fix the file or remove it.",
            store=str(path),
        ) from exc


def _check(path: Path, data: dict[str, Any]) -> None:
    stores = data.get("stores", {})
    if not isinstance(stores, dict):
        raise StoreError(
            f"In {str(path)!r}: 'stores' must be a table of [stores.NAME] tables.", store=str(path)
        )
    for name, table in stores.items():
        if not _NAME.match(name) or not isinstance(table, dict):
            raise StoreError(
                f"In {str(path)!r}: [stores.{name}] must be a table with a name of letters, "
                "digits, '_', '.' or '-'.",
                store=str(path),
            )
        unknown = sorted(set(table) - set(STORE_KEYS))
        if unknown:
            raise StoreError(
                f"In {str(path)!r}: [stores.{name}] has unknown setting(s) "
                f"{', '.join(unknown)}; the settings are {', '.join(STORE_KEYS)}.",
                store=str(path),
            )
        for key in ("catalog", "blobs", "cache_dir"):
            if key in table and not isinstance(table[key], str):
                raise StoreError(
                    f"In {str(path)!r}: [stores.{name}] {key} must be a string.", store=str(path)
                )
    default = data.get("default")
    if default is not None and not isinstance(default, str):
        raise StoreError(
            f"In {str(path)!r}: 'default' must be the name of a store.", store=str(path)
        )


def load_store_files(cwd: Path | None = None) -> StoreFiles:
    """Read the user and project config files (either may be missing) and merge them."""
    stores: dict[str, NamedStore] = {}
    default: tuple[str, str] | None = None
    read: list[str] = []
    candidates = [user_config_file(), project_config_file(cwd)]
    for path in candidates:
        if path is None or not path.is_file():
            continue
        data = _read(path)
        _check(path, data)
        read.append(str(path))
        for name, table in data.get("stores", {}).items():
            current = stores.get(name) or NamedStore(name, {}, {})
            for key, value in table.items():
                current.settings[key] = value
                current.sources[key] = str(path)
            stores[name] = current
        if data.get("default") is not None:
            default = (str(data["default"]), str(path))
    return StoreFiles(stores=stores, default=default, files=tuple(read))


def looks_like_name(value: str | os.PathLike[str]) -> bool:
    """Whether ``value`` could name a store (no path separators, not a URL)."""
    text = os.fspath(value)
    return bool(_NAME.match(text)) and os.sep not in text and "/" not in text
