"""The registry commands of the shared grammar: ``link``, ``unlink`` and ``registry ...``.

Registered on :data:`ipyartifacts.frontends.commands.cli`, so ``ipyartifacts link ...`` and
``%artifact link ...`` mean the same thing; their command layer is
:mod:`ipyartifacts.frontends.ops_registry`.
"""

from __future__ import annotations

from typing import Any

import click

from ipyartifacts.frontends import ops_registry as _ops
from ipyartifacts.frontends.commands import (
    _CONTEXT,
    _emitting,
    _project_option,
    _SubGroup,
)
from ipyartifacts.frontends.frontend import Frontend

__all__ = ["link_command", "register", "registry_group", "unlink_command"]

_FORCE_HELP = "Allow moving or removing a protected alias (such as production)."


@click.command("link", context_settings=_CONTEXT)
@click.argument("source", metavar="NAME:V")
@click.argument("target", metavar="TARGET")
@click.option(
    "--alias", "aliases", multiple=True, metavar="A", help="Alias of the link (repeatable)."
)
@click.option("--force", is_flag=True, help=_FORCE_HELP)
@_project_option
@_emitting
def link_command(
    fe: Frontend,
    source: str,
    target: str,
    aliases: tuple[str, ...],
    force: bool,
    project: str | None,
) -> Any:
    """Link version NAME:V into registry collection TARGET (no files are copied).

    TARGET is wandb-registry-REGISTRY/COLLECTION; the collection is created on first
    link. Links are numbered v0, v1, ... in link order, and latest moves to the newest;
    their aliases are the registry's own. Linking a version already linked there adds
    the aliases to its link.

    \b
    Examples:
      ipyartifacts link classifier:v3 wandb-registry-model/classifier --alias staging
      %artifact link classifier:best wandb-registry-model/classifier --alias production --force
    """
    return _ops.link(fe, source, target, aliases, force, project)


@click.command("unlink", context_settings=_CONTEXT)
@click.argument("spec", metavar="wandb-registry-R/COLLECTION:V")
@click.option("--force", is_flag=True, help=_FORCE_HELP)
@_emitting
def unlink_command(fe: Frontend, spec: str, force: bool) -> Any:
    """Remove one linked version from its registry collection; the logged version stays.

    Its aliases go with it; its number is never reused.
    """
    return _ops.unlink(fe, spec, force)


@click.group("registry", cls=_SubGroup, context_settings=_CONTEXT)
def registry_group() -> Any:
    """Registries: curated collections of links to logged versions (`registry ls`, `show` ...).

    Every store has the model and dataset registries. Name a registry version as
    wandb-registry-REGISTRY/COLLECTION:ALIAS wherever a version is expected (`use`,
    `show`, `versions`, `files` ...).
    """
    return None


@registry_group.command("ls", context_settings=_CONTEXT)
@_emitting
def registry_ls_command(fe: Frontend) -> Any:
    """List the registries, with their accepted types and collection counts."""
    return _ops.registry_ls(fe)


@registry_group.command("show", context_settings=_CONTEXT)
@click.argument("name", metavar="REGISTRY")
@_emitting
def registry_show_command(fe: Frontend, name: str) -> Any:
    """Show one registry: description, accepted types, protected aliases, collections."""
    return _ops.registry_show(fe, name)


@registry_group.command("create", context_settings=_CONTEXT)
@click.argument("name", metavar="REGISTRY")
@click.option(
    "--visibility",
    type=click.Choice(["organization", "restricted"]),
    default="organization",
    show_default=True,
    help="Who may see it (recorded; a local store has no accounts).",
)
@click.option("--description", "-d", default=None, metavar="TEXT", help="What it holds.")
@click.option(
    "--type",
    "types",
    multiple=True,
    metavar="T",
    help="Accept only artifacts of type T (repeatable; default: any type).",
)
@_emitting
def registry_create_command(
    fe: Frontend, name: str, visibility: str, description: str | None, types: tuple[str, ...]
) -> Any:
    """Create registry REGISTRY (written wandb-registry-REGISTRY in paths)."""
    return _ops.registry_create(fe, name, visibility, description, types)


@registry_group.command("protect", context_settings=_CONTEXT)
@click.argument("name", metavar="REGISTRY")
@click.argument("aliases", nargs=-1, required=True, metavar="ALIAS...")
@click.option("--remove", is_flag=True, help="Stop protecting the ALIASes.")
@_emitting
def registry_protect_command(
    fe: Frontend, name: str, aliases: tuple[str, ...], remove: bool
) -> Any:
    """Protect aliases of a registry: moving or removing one then needs --force."""
    return _ops.registry_protect(fe, name, aliases, remove)


@registry_group.command("alias", context_settings=_CONTEXT)
@click.argument("spec", metavar="wandb-registry-R/COLLECTION:V")
@click.argument("alias", metavar="ALIAS")
@click.option("--remove", is_flag=True, help="Remove ALIAS from the version instead.")
@click.option("--force", is_flag=True, help=_FORCE_HELP)
@_emitting
def registry_alias_command(fe: Frontend, spec: str, alias: str, remove: bool, force: bool) -> Any:
    """Point ALIAS at a linked version (moving it from another one), or remove it."""
    return _ops.registry_alias(fe, spec, alias, remove, force)


@registry_group.command("history", context_settings=_CONTEXT)
@click.argument("name", metavar="REGISTRY")
@click.option("--collection", "-c", default=None, metavar="C", help="Only collection C.")
@click.option("--alias", "-a", "alias", default=None, metavar="A", help="Only alias A.")
@_emitting
def registry_history_command(
    fe: Frontend, name: str, collection: str | None, alias: str | None
) -> Any:
    """List every alias move in a registry: when, which alias, from and to which version, by whom."""
    return _ops.registry_history(fe, name, collection, alias)


def register(group: click.Group) -> None:
    """Add ``link``, ``unlink`` and ``registry`` to the root group."""
    for command in (link_command, unlink_command, registry_group):
        group.add_command(command)
