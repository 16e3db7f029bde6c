"""Housekeeping commands of the shared grammar: ``gc`` and ``cache size|cleanup``.

Kept beside :mod:`ipyartifacts.frontends.commands` (whose group they join through
:func:`register`) so each module holds one concern.
"""

from __future__ import annotations

from typing import Any

import click

from ipyartifacts.frontends import ops as _ops
from ipyartifacts.frontends.commands import _CONTEXT, _emitting, _SubGroup
from ipyartifacts.frontends.frontend import Frontend
from ipyartifacts.frontends.params import SizeType

__all__ = ["register"]


@click.command("gc", context_settings=_CONTEXT)
@click.option("--dry-run", is_flag=True, help="Report what would be reclaimed; delete nothing.")
@click.option(
    "--grace",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="Keep unreferenced files younger than this (default 3600: a log may be in flight).",
)
@_emitting
def gc_command(fe: Frontend, dry_run: bool, grace: float | None) -> Any:
    """Reclaim stored files no version refers to any more (after `rm`, or crashed logs)."""
    return _ops.gc(fe, dry_run, grace)


@click.group("cache", cls=_SubGroup, invoke_without_command=True, context_settings=_CONTEXT)
@click.pass_context
def cache_group(ctx: click.Context) -> Any:
    """The local file cache in front of remote stores: `cache size` (the default) or `cache cleanup`."""
    if ctx.invoked_subcommand is None:
        fe = ctx.find_object(Frontend)
        assert fe is not None
        if fe.parse_only:
            return None
        result = _ops.cache_size(fe)
        fe.result = result
        return result
    return None


@cache_group.command("size", context_settings=_CONTEXT)
@_emitting
def cache_size_command(fe: Frontend) -> Any:
    """Show how much disk the local cache uses, and its cap."""
    return _ops.cache_size(fe)


@cache_group.command("cleanup", context_settings=_CONTEXT)
@click.argument("max_size", metavar="[MAX_SIZE]", type=SizeType(), required=False)
@_emitting
def cache_cleanup_command(fe: Frontend, max_size: int | None) -> Any:
    """Evict least recently used cached files until the cache holds at most MAX_SIZE.

    MAX_SIZE is e.g. 10GB, 500MiB or a byte count; default: the cache's cap
    ($IPYARTIFACTS_CACHE_SIZE). `cache cleanup 0` empties the cache.
    """
    return _ops.cache_cleanup(fe, max_size)


def register(group: click.Group) -> None:
    """Add ``gc`` and ``cache`` to the root group."""
    for command in (gc_command, cache_group):
        group.add_command(command)
