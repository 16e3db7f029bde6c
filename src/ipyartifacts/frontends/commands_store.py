"""``store``: which store is in effect, and where each of its settings came from.

``ipyartifacts store show`` (``%artifact store show``) resolves the store exactly as a
command would (``--store``, ``$IPYARTIFACTS_STORE``, the config files' default, the
user-data directory) without connecting to it, so it also works when the store is
unreachable. Passwords in URLs and secret credentials are never printed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import click

from ipyartifacts.frontends.commands import _CONTEXT, _emitting, _SubGroup
from ipyartifacts.frontends.frontend import Frontend
from ipyartifacts.frontends.render import Block, Grid, Line
from ipyartifacts.frontends.results import Result

__all__ = ["StoreView", "store_group", "store_show"]

# Credentials and endpoints each cloud's tools read; secrets are shown as set or not.
_CREDENTIALS = {
    "s3": ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
           "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
           "AWS_VIRTUAL_HOSTED_STYLE_REQUEST"),
    "gs": ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_SERVICE_ACCOUNT", "GOOGLE_SERVICE_ACCOUNT_KEY",
           "GOOGLE_BASE_URL"),
    "az": ("AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_SAS_KEY",
           "AZURE_STORAGE_TOKEN", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID",
           "AZURE_STORAGE_USE_EMULATOR", "AZURITE_BLOB_STORAGE_URL"),
}  # fmt: skip
_SECRET_WORDS = ("SECRET", "KEY", "TOKEN", "SAS", "PASSWORD")


def _secret(name: str) -> bool:
    return any(word in name for word in _SECRET_WORDS) and not name.endswith("_KEY_ID")


@dataclass(frozen=True, repr=False)
class StoreView(Result):
    """The settings in effect: ``(setting, value, source)`` rows."""

    title: str
    rows: tuple[tuple[str, str, str], ...]
    files: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, hash=False)

    def _summary(self) -> str:
        return repr(self.title)

    def to_data(self) -> dict[str, Any]:
        settings = {name: {"value": value, "source": source} for name, value, source in self.rows}
        return {"store": self.title, "settings": settings, "config_files": list(self.files)}

    def blocks(self) -> list[Block]:
        out: list[Block] = [Line(self.title)]
        out.append(Grid("Settings", ("setting", "value", "from"), self.rows))
        read = ", ".join(self.files) if self.files else "(none found)"
        out.append(Line(f"Config files read: {read}"))
        return out


def store_show(fe: Frontend) -> StoreView:
    """Resolve the store (no connection) and describe each setting and its origin."""
    from ipyartifacts.core.cache import DEFAULT_CACHE_SIZE, ENV_CACHE_DIR
    from ipyartifacts.frontends.render import format_size
    from ipyartifacts.store.config import redact_url, resolve_store
    from ipyartifacts.store.storefile import load_store_files

    location = resolve_store(fe.store)
    files = load_store_files().files
    rows: list[tuple[str, str, str]] = []

    def add(name: str, value: object, default_source: str = "default") -> None:
        source = location.source(name)
        rows.append((name, str(value), default_source if source == "default" else source))

    if location.name is not None:
        add("name", location.name)
    add("root", location.root, "default (user data directory)")
    add("catalog", redact_url(location.database_url), "default (SQLite in the root)")
    if location.blob_url is None:
        rows.append(("blobs", str(location.root / "blobs"), "default (folder in the root)"))
    else:
        add("blobs", redact_url(location.blob_url))
    if location.cache_dir is not None:
        add("cache_dir", location.cache_dir)
    elif os.environ.get(ENV_CACHE_DIR):
        rows.append(("cache_dir", os.environ[ENV_CACHE_DIR], f"${ENV_CACHE_DIR}"))
    else:
        rows.append(("cache_dir", str(location.root / "cache" / "files"), "default"))
    if location.cache_size is not None:
        add("cache_size", location.cache_size)
    elif os.environ.get("IPYARTIFACTS_CACHE_SIZE"):
        rows.append(
            ("cache_size", os.environ["IPYARTIFACTS_CACHE_SIZE"], "$IPYARTIFACTS_CACHE_SIZE")
        )
    else:
        rows.append(("cache_size", format_size(DEFAULT_CACHE_SIZE), "default"))
    if location.remote_blobs:
        add("retries", location.blob_options.retries)
        add("timeout", f"{location.blob_options.timeout:g} s")
        scheme = (location.blob_url or "").partition("://")[0].lower()
        for var in _CREDENTIALS.get(scheme, ()):
            if os.environ.get(var):
                shown = "*** (set)" if _secret(var) else redact_url(os.environ[var])
                rows.append((var, shown, "environment"))
    kind = "team store" if location.remote_blobs else "embedded store"
    title = f"Store {location.name!r}" if location.name else "Store"
    return StoreView(f"{title}: {kind}", tuple(rows), files)


@click.group("store", cls=_SubGroup, context_settings=_CONTEXT)
def store_group() -> None:
    """The store in effect and its settings (`store show`); copy history (`store copy`)."""


@store_group.command("show", context_settings=_CONTEXT)
@_emitting
def store_show_command(fe: Frontend) -> Any:
    """Show the store in effect: catalog, blobs and cache, and where each setting came from.

    Settings come from --store, $IPYARTIFACTS_* variables, the user's stores.toml and a
    project's .ipyartifacts.toml. Passwords and secret keys are never shown.
    """
    return store_show(fe)
