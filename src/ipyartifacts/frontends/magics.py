"""``%artifact`` and ``%%artifact``: the CLI's grammar, inside a notebook.

``%load_ext ipyartifacts`` registers them. ``%artifact CMD ...`` parses its line with
the same click group as the ``ipyartifacts`` console script, so every command,
option and help text is shared. Differences, all about living in a kernel:

* ``log`` and ``use`` record on the kernel session's run (job type ``"notebook"``),
  started on first need, with the cell's execution count, code hash and the
  notebook path as provenance;
* ``log`` arguments that name a variable holding a DataFrame or Arrow table log it
  as a table; ``use``/``get`` return the downloaded path, and ``--as VAR`` binds it
  (``--table NAME --as VAR`` binds a table entry as a ``pyarrow.Table``);
* listings return result objects that display as HTML tables (and text in a
  terminal); ``--json`` returns plain Python data instead;
* any error is one ``UsageError`` line, never a traceback;
* a trailing ``;`` (outside quotes) hides the result, as it hides a cell's value:
  the command runs (``--as VAR`` still binds) and returns ``None``, and the ``;``
  never becomes part of an argument;
* ``%%artifact log --name N --type T PATH...`` runs its cell, then logs the PATHs.

Examples
--------
>>> %load_ext ipyartifacts                                       # doctest: +SKIP
>>> %artifact log data/ --name mnist --type dataset --alias best  # doctest: +SKIP
>>> path = %artifact use mnist:best                              # doctest: +SKIP
"""

from __future__ import annotations

import ast
import sys
from pathlib import PurePosixPath
from typing import Any

import click
from IPython.core.completer import CompletionContext, SimpleCompletion, context_matcher
from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

from ipyartifacts.frontends import notebook as _notebook
from ipyartifacts.frontends.commands import cli
from ipyartifacts.frontends.frontend import Frontend
from ipyartifacts.frontends.results import PathView, Result

__all__ = ["ArtifactMagics", "load_ipython_extension", "unload_ipython_extension"]

PROG = "%artifact"
_CELL_COMMANDS = ("log", "put")
# Commands whose first argument is an artifact name, for tab completion.
_NAME_COMMANDS = {
    "use", "get", "show", "files", "preview", "versions", "diff", "lineage", "alias", "tag", "rm",
    "verify",
}  # fmt: skip


@magics_class
class ArtifactMagics(Magics):
    """The ``%artifact`` line magic and ``%%artifact`` cell magic."""

    @line_cell_magic
    def artifact(self, line: str, cell: str | None = None) -> Any:
        """Version, find and reuse artifacts; `%artifact --help` lists the commands."""
        line, quiet = strip_quiet(line)
        result = self._dispatch(_split(line), cell)
        return None if quiet else result

    def _dispatch(self, args: list[str], cell: str | None) -> Any:
        if cell is None:
            return self._invoke(args)
        if _command_of(args) not in _CELL_COMMANDS:
            raise UsageError(
                "%%artifact runs its cell, then logs what it wrote: "
                "%%artifact log --name NAME --type TYPE PATH..."
            )
        if any(a in ("-h", "--help") for a in args):
            return self._invoke(args)
        _check_arguments(args)
        self._run_cell(cell)
        with _notebook.extra_provenance({"cell": {"source": cell}}):
            return self._invoke(args)

    def _frontend(self) -> Frontend:
        return Frontend(
            name="magic",
            start_run=_notebook.session_run,
            namespace=self.shell.user_ns if self.shell is not None else None,
        )

    def _invoke(self, args: list[str]) -> Any:
        fe = self._frontend()
        try:
            cli.main(args=args, prog_name=PROG, obj=fe, standalone_mode=False)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx is not None else exc.format_message())
            return None
        except click.UsageError as exc:
            raise UsageError(_usage_line(exc)) from None
        except click.ClickException as exc:
            raise UsageError(exc.format_message()) from None
        except click.exceptions.Abort:
            raise UsageError("Aborted.") from None
        if fe.result is None:  # --help or --version: click printed it
            return None
        result = fe.result
        if fe.as_json:
            return result.to_data() if isinstance(result, Result) else result
        if isinstance(result, PathView):
            return result.path
        return result

    def _run_cell(self, cell: str) -> None:
        """Run the cell body in the user namespace; show its last expression like a cell."""
        shell = self.shell
        assert shell is not None
        code = shell.transform_cell(cell)  # type: ignore[no-untyped-call]
        tree = ast.parse(code)
        quiet = cell.rstrip().endswith(";")  # like a cell: a trailing ';' hides the value
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        namespace = shell.user_ns
        exec(compile(tree, "<%%artifact cell>", "exec"), namespace)
        if last is not None:
            expression = ast.Expression(last.value)
            value = eval(compile(expression, "<%%artifact cell>", "eval"), namespace)
            if value is not None and not quiet:
                from IPython.display import display

                display(value)  # type: ignore[no-untyped-call]


def _command_of(args: list[str]) -> str | None:
    """The command name in ``args``, after the group's own ``--store DIR``."""
    rest = list(args)
    while rest and rest[0] == "--store":
        rest = rest[2:]
    while rest and rest[0].startswith("--store="):
        rest = rest[1:]
    return rest[0] if rest else None


def strip_quiet(line: str) -> tuple[str, bool]:
    """Remove one trailing ``;`` that is outside quotes; say whether there was one.

    IPython's convention: ``expr;`` computes but displays nothing. A ``;`` inside
    quotes (``--description "a;"``) or escaped (``a\\;``) is part of the argument.

    >>> strip_quiet('log d -n m -t t --description "x";')
    ('log d -n m -t t --description "x"', True)
    >>> strip_quiet('log d -n m -t t --description "x;"')
    ('log d -n m -t t --description "x;"', False)
    """
    body = line.rstrip()
    if not body.endswith(";"):
        return line, False
    escapes = not sys.platform.startswith("win")  # as _split: Windows has no backslash escape
    quote: str | None = None
    escaped = False
    for char in body[:-1]:
        if escaped:
            escaped = False
        elif char == "\\" and escapes and quote != "'":
            escaped = True
        elif quote is not None:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
    if quote is not None or escaped:
        return line, False
    return body[:-1], True


def _split(line: str) -> list[str]:
    """Split like a shell; on Windows like its command line (backslashes are separators)."""
    from IPython.utils.process import arg_split  # type: ignore[attr-defined]

    try:
        return list(arg_split(line, posix=not sys.platform.startswith("win"), strict=True))
    except ValueError as exc:
        raise UsageError(
            f"Cannot read the arguments ({exc}): check the quotes in: {line}"
        ) from None


def _usage_line(exc: click.UsageError) -> str:
    message = exc.format_message()
    command = exc.ctx.command_path if exc.ctx is not None else PROG
    return f"{message} See `{command} --help`."


def _check_arguments(args: list[str]) -> None:
    """Parse (but do not run) a command line, so a typo fails before the cell runs."""
    fe = Frontend(name="magic", start_run=_notebook.session_run, parse_only=True)
    try:
        cli.main(args=list(args), prog_name=PROG, obj=fe, standalone_mode=False)
    except click.UsageError as exc:
        raise UsageError(_usage_line(exc)) from None


# -- tab completion ---------------------------------------------------------------------------


# Versions and aliases are listed for at most this many matching names (one query each).
_EXPAND_LIMIT = 20
# Table paths offered after `preview NAME` (a version may hold 100,000 files).
_PATH_LIMIT = 200


def _artifact_candidates(prefix: str) -> list[str]:
    """``name``, ``name:vN`` and ``name:alias`` starting with ``prefix``, current project."""
    import ipyartifacts

    api = ipyartifacts.Api()
    project = api._default_project()
    stem, colon, _rest = prefix.partition(":")
    names = [c.name for c in api.artifact_collections(project) if c.name.startswith(stem)]
    if colon:
        names = [n for n in names if n == stem]
    out: list[str] = [] if colon else list(names)
    if colon or len(names) <= _EXPAND_LIMIT:
        for name in names:
            for version in api.artifacts(None, f"{project}/{name}"):
                out.append(f"{name}:{version.version}")
                out.extend(f"{name}:{alias}" for alias in version.aliases)
    return [c for c in dict.fromkeys(out) if c.startswith(prefix)]


def _table_candidates(spec: str, prefix: str) -> list[str]:
    """Table entries (what ``preview`` reads) of version ``spec`` starting with ``prefix``."""
    import ipyartifacts
    from ipyartifacts.widgets._table_source import _SUFFIXES

    api = ipyartifacts.Api()
    qualified = spec if "/" in spec.partition(":")[0] else f"{api._default_project()}/{spec}"
    out: list[str] = []
    for path in api.artifact(qualified).manifest.entries:
        if path.startswith(prefix) and PurePosixPath(path).suffix.lower() in _SUFFIXES:
            out.append(path)
            if len(out) >= _PATH_LIMIT:
                break
    return out


def _type_candidates(prefix: str) -> list[str]:
    """Artifact types already used in the current project (after ``--type``)."""
    import ipyartifacts

    api = ipyartifacts.Api()
    return [t.name for t in api.artifact_types(api._default_project()) if t.name.startswith(prefix)]


def candidates_for(before: str) -> tuple[str, list[str], str]:
    """Completions for the text before the cursor: ``(word being typed, candidates, kind)``.

    ``kind`` is what the candidates are (``command``, ``type``, ``artifact`` or ``path``,
    the table files ``preview`` reads), shown by JupyterLab next to each one.
    """
    words = before.split()
    typing_word = not before.endswith((" ", "\t"))
    current = words[-1] if typing_word and words else ""
    position = len(words) - (1 if typing_word else 0)  # index of the word being typed
    if position <= 1:
        ctx = click.Context(cli, **cli.context_settings)
        commands = [c for c in [*cli.list_commands(ctx), "--help"] if c.startswith(current)]
        return current, commands, "command"
    command = words[1]
    if position >= 3 and words[position - 1] in ("--type", "-t"):
        try:
            return current, _type_candidates(current), "type"
        except Exception:  # completion must never raise into the editor
            return current, [], "type"
    if command not in _NAME_COMMANDS or current.startswith("-"):
        return current, [], "artifact"
    if command == "preview" and position == 3 and not words[2].startswith("-"):
        try:
            return current, _table_candidates(words[2], current), "path"
        except Exception:  # completion must never raise into the editor
            return current, [], "path"
    if position > 2 and not (command == "diff" and position == 3):
        return current, [], "artifact"
    try:
        return current, _artifact_candidates(current), "artifact"
    except Exception:  # completion must never raise into the editor
        return current, [], "artifact"


@context_matcher()  # type: ignore[untyped-decorator]
def artifact_matcher(context: CompletionContext) -> dict[str, Any]:
    """IPython completion matcher (API v2) for ``%artifact`` lines.

    Completes command names, then artifact names, ``name:vN`` and ``name:alias``.
    IPython's tokens stop at ``:``, so the whole word (``mnist:b``) is replaced.
    """
    before = context.text_until_cursor
    if not before.lstrip().startswith((PROG + " ", "%" + PROG + " ")):
        return {"completions": [], "suppress": False}
    word, matches, kind = candidates_for(before.lstrip())
    return {
        "completions": [SimpleCompletion(text=m, type=kind) for m in matches],
        "matched_fragment": word,
        "suppress": bool(matches),
        "ordered": True,
    }


def _magic_help() -> str:
    """``%artifact?`` shows the grammar's help, as ``%artifact --help`` prints it."""
    # The group's own context settings: click caches the help option on first use.
    with click.Context(cli, info_name=PROG, **cli.context_settings) as ctx:
        return ctx.get_help()


ArtifactMagics.artifact.__doc__ = _magic_help()


# -- extension entry points -----------------------------------------------------------------


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext ipyartifacts``: register the magics, cell tracking and completion."""
    ipython.register_magics(ArtifactMagics)
    _notebook.install(ipython)
    completer = getattr(ipython, "Completer", None)
    if completer is not None and artifact_matcher not in completer.custom_matchers:
        completer.custom_matchers.append(artifact_matcher)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext ipyartifacts``: stop tracking cells and completing (magics stay)."""
    _notebook.uninstall(ipython)
    completer = getattr(ipython, "Completer", None)
    if completer is not None and artifact_matcher in completer.custom_matchers:
        completer.custom_matchers.remove(artifact_matcher)
