"""The ``ipyartifacts`` console script (also ``python -m ipyartifacts``).

The grammar is :data:`ipyartifacts.frontends.commands.cli`, shared with the ``%artifact`` magic.
This module only decides how results look in a terminal: aligned tables (rich, on a
terminal; plain aligned text when piped), or JSON with ``--json``.

Exit codes: 0 success, 1 failure (unknown artifact, unreadable file, failed verify ...),
2 usage error (bad or missing arguments).

Examples
--------
.. code-block:: console

    $ ipyartifacts log data/ --name mnist --type dataset --alias best
    $ ipyartifacts versions mnist --json
    $ ipyartifacts use mnist:best --root data/
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from ipyartifacts.frontends.commands import cli
from ipyartifacts.frontends.frontend import Frontend
from ipyartifacts.frontends.results import Grid, KeyValues, Line, Result, render_text

__all__ = ["cli", "cli_frontend", "main"]

# Past this many rows rich's table layout gets slow; plain aligned text prints at once.
RICH_MAX_ROWS = 2000


def _start_run(project: str | None, store: str | None, strict: bool) -> Any:
    """One run per command, in the command's project (``--project``, else the default)."""
    import ipyartifacts

    del strict  # a new run is always in the project asked for

    return ipyartifacts.init(project=project, job_type="cli", store=store)


def _emit(fe: Frontend, result: Any) -> None:
    if fe.as_json:
        data = result.to_data() if isinstance(result, Result) else _plain(result)
        click.echo(json.dumps(data, indent=2, default=str))
    elif isinstance(result, Result):
        blocks = result.blocks()
        big = any(isinstance(b, Grid) and len(b.rows) > RICH_MAX_ROWS for b in blocks)
        if styled_terminal(sys.stdout) and not big:
            _print_rich(result)
        else:
            click.echo(render_text(blocks))
    else:
        click.echo(str(result))
    code = result.exit_code if isinstance(result, Result) else 0
    if code:
        click.get_current_context().exit(code)


def styled_terminal(stream: Any) -> bool:
    """Whether ``stream`` is a terminal that wants colours, rules and live progress bars.

    ``!ipyartifacts ls`` in a notebook runs under a pseudo-terminal that the kernel opens
    (so ``isatty()`` is true) but lands in a notebook cell, which shows escape codes raw:
    inside a Jupyter kernel (``JPY_PARENT_PID``, or matplotlib-inline's ``MPLBACKEND`` that
    ipykernel sets for its children) output stays plain. ``NO_COLOR`` (no-color.org) and
    ``TERM=dumb`` turn styling off too; ``FORCE_COLOR`` turns it on.
    """
    env = os.environ
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    if env.get("FORCE_COLOR"):
        return True
    if "JPY_PARENT_PID" in env or env.get("MPLBACKEND", "").startswith(
        "module://matplotlib_inline"
    ):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _plain(value: Any) -> Any:
    to_pylist = getattr(value, "to_pylist", None)  # a pyarrow.Table from `use --table`
    return to_pylist() if callable(to_pylist) else str(value)


def _print_rich(result: Result) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for block in result.blocks():
        if isinstance(block, Line):
            style = {"ok": "green", "warn": "bold red"}.get(block.style)
            console.print(block.text, style=style, markup=False, highlight=False)
        elif isinstance(block, KeyValues):
            table = Table.grid(padding=(0, 2))
            table.add_column(style="dim")
            table.add_column()
            for key, value in block.pairs:
                table.add_row(key, value)
            if block.title:
                console.print(block.title, style="bold", markup=False, highlight=False)
            console.print(table)
        elif isinstance(block, Grid):
            if block.title:
                console.print(block.title, style="bold", markup=False, highlight=False)
            if not block.rows:
                console.print(f"  {block.empty}", style="dim", markup=False)
                continue
            table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
            for column in block.columns:
                table.add_column(column, overflow="fold")
            for row in block.rows:
                table.add_row(*row)
            console.print(table)


def cli_frontend() -> Frontend:
    """The terminal front end: one run per command, progress bars on a terminal."""
    return Frontend(
        name="cli",
        start_run=_start_run,
        progress=styled_terminal(sys.stderr),
        emit=_emit,
        finish_runs=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 failure, 2 usage error)."""
    try:
        code: Any = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="ipyartifacts",
            obj=cli_frontend(),
            standalone_mode=False,
        )
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return code if isinstance(code, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
