"""``store copy SRC DST``: move artifact history between stores (a standalone command).

The lead adds :data:`copy_command` to the ``store`` group (``group.add_command``); it
works on its own too. Library errors become one ``click.ClickException`` line here
already, so the command is clean even outside the root group.
"""

from __future__ import annotations

from typing import Any

import click

from ipyartifacts.core.progress import reporting
from ipyartifacts.errors import ArtifactError
from ipyartifacts.frontends.bars import bars_for
from ipyartifacts.frontends.commands import _CONTEXT, _emitting
from ipyartifacts.frontends.frontend import Frontend
from ipyartifacts.frontends.results import MessageView

__all__ = ["copy_command"]


@click.command("copy", context_settings=_CONTEXT)
@click.argument("src", metavar="SRC")
@click.argument("dst", metavar="DST")
@click.option(
    "--project",
    "-p",
    "projects",
    multiple=True,
    metavar="P",
    help="Copy only this project (repeatable; default: every project).",
)
@click.option(
    "--name",
    "-n",
    "names",
    multiple=True,
    metavar="N",
    help="Copy only artifacts with this name (repeatable; default: all).",
)
@_emitting
def copy_command(
    fe: Frontend, src: str, dst: str, projects: tuple[str, ...], names: tuple[str, ...]
) -> Any:
    """Copy artifact history from store SRC into store DST.

    Versions keep their numbers; aliases, tags, edit history, runs and lineage come
    along; files already in DST are not sent again. Running it again copies nothing.
    A version number holding different content in DST stops the copy before anything
    is written.

    \b
    Examples:
      ipyartifacts store copy ~/.local/share/ipyartifacts /mnt/team-store
      ipyartifacts store copy ./store ./other --project vision --name mnist
    """
    from ipyartifacts.api.api import Api

    try:
        with reporting(bars_for(fe)):
            report = Api(store=src).copy_to(
                Api(store=dst), project=list(projects) or None, names=list(names) or None
            )
    except ArtifactError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename and exc.strerror else ""
        raise click.ClickException(f"{exc.strerror or exc}{where}") from exc
    return MessageView(str(report), report.to_dict())
