"""The one command grammar behind ``ipyartifacts ...`` and ``%artifact ...``.

Both front ends parse their arguments with the click group :data:`cli` below, so
``ipyartifacts log data/ --name mnist --type dataset`` and
``%artifact log data/ --name mnist --type dataset`` mean exactly the same thing.
Each command calls the command layer (:mod:`ipyartifacts.frontends.ops`) and returns a result
object (:mod:`ipyartifacts.frontends.results`); the group hands it to the front end
(``Frontend.emit``): the CLI prints a table or JSON, the magic returns it to the notebook.

Errors from the library (:class:`~ipyartifacts.ArtifactError`, OS errors, and
``ValueError`` from bad input underneath) become one ``click.ClickException`` line: exit code 1 in the CLI, a ``UsageError`` in the magic.
Advice in the library's messages that names a Python call (``delete(delete_aliases=True)``)
is re-worded in the grammar of the front end (``--delete-aliases``): see
:mod:`ipyartifacts.frontends.advice`.
Argument errors are click usage errors: exit code 2, a ``UsageError`` in the magic.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ipyartifacts._version import __version__
from ipyartifacts.errors import ArtifactError
from ipyartifacts.frontends import ops as _ops
from ipyartifacts.frontends.advice import in_grammar
from ipyartifacts.frontends.frontend import Frontend
from ipyartifacts.frontends.params import MetaType, SizeType

__all__ = ["cli"]

F = TypeVar("F", bound=Callable[..., Any])


class _Group(click.Group):
    """Lists commands in the order they are defined, and turns library errors into one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return self._invoke_translated(ctx)
        except click.exceptions.Exit as exc:
            self._mark_failed(ctx, exc.exit_code != 0)
            raise
        except BaseException:
            self._mark_failed(ctx, True)
            raise
        finally:
            fe = ctx.find_object(Frontend)
            if fe is not None:
                fe.close()

    @staticmethod
    def _mark_failed(ctx: click.Context, failed: bool) -> None:
        fe = ctx.find_object(Frontend)
        if fe is not None and failed:
            fe.failed = True

    def _invoke_translated(self, ctx: click.Context) -> Any:
        try:
            return click.Group.invoke(self, ctx)
        except ArtifactError as exc:
            fe = ctx.find_object(Frontend)
            raise click.ClickException(in_grammar(exc, fe.name if fe else "cli")) from exc
        except OSError as exc:
            detail = exc.strerror or str(exc)
            where = f": {exc.filename}" if exc.filename and exc.strerror else ""
            raise click.ClickException(f"{detail}{where}") from exc
        except ValueError as exc:
            # Bad input that did not come through our own checks: a table pyarrow cannot
            # read, a malformed environment variable... One line, the first of the message.
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise click.ClickException(f"{type(exc).__name__}: {first}") from exc


class _SubGroup(_Group):
    """``cache``: a group inside the group (its errors are handled by the root)."""

    def invoke(self, ctx: click.Context) -> Any:
        return click.Group.invoke(self, ctx)


def frontend() -> Frontend:
    """The current command's front end (``ctx.obj``)."""
    return click.get_current_context().find_object(Frontend)  # type: ignore[return-value]


def _emitting(func: F) -> F:
    """Add ``--json`` to a command and hand its result to the front end."""

    @click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print machine-readable JSON instead of a table (the magic returns plain data).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, as_json: bool, **kwargs: Any) -> Any:
        fe = frontend()
        fe.as_json = as_json
        if fe.parse_only:
            return None
        result = func(fe, *args, **kwargs)
        fe.result = result
        return result

    return wrapper  # type: ignore[return-value]


def _project_option(func: F) -> F:
    return click.option(
        "--project",
        "-p",
        metavar="P",
        default=None,
        help="Project to work in (default: $IPYARTIFACTS_PROJECT, the run's project, "
        "else 'uncategorized').",
    )(func)


_CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=_Group, context_settings=_CONTEXT)
@click.option(
    "--store",
    metavar="STORE",
    default=None,
    help="A store named in stores.toml / .ipyartifacts.toml, or a store directory "
    "(default: $IPYARTIFACTS_STORE, the config's default, else the user data directory).",
)
@click.version_option(__version__, "--version", prog_name="ipyartifacts")
@click.pass_context
def cli(ctx: click.Context, store: str | None) -> None:
    """Version, find and reuse artifacts (datasets, models, results) in a local store.

    The same commands work in a terminal (`ipyartifacts CMD`) and in a notebook
    (`%load_ext ipyartifacts`, then `%artifact CMD`). Names are written
    NAME, NAME:ALIAS or NAME:vN, optionally as PROJECT/NAME:...; no alias means latest.
    """
    if ctx.obj is None:
        from ipyartifacts.frontends.cli import cli_frontend

        ctx.obj = cli_frontend()
    if store is not None:
        ctx.obj.store = store


@cli.result_callback()
@click.pass_context
def _emit(ctx: click.Context, /, result: Any, **_options: Any) -> None:
    fe = ctx.find_object(Frontend)
    if fe is not None and fe.emit is not None and result is not None:
        fe.emit(fe, result)


# -- log / put -----------------------------------------------------------------------------

_LOG_HELP = """Log files, folders or tables as a new version of artifact NAME.

PATH is a file or a folder. A single folder is logged as the artifact's root; with
several PATHs each file keeps its name and each folder becomes a sub-folder. Content
identical to the latest version creates no new version.

In a notebook, a PATH that is a variable name holding a pandas/polars DataFrame or a
pyarrow Table logs that table under the variable's name; anything else is a path
(write ./name to force a path). As a cell magic (%%artifact log ... PATH), the cell
runs first, then the PATHs it wrote are logged with the cell's source as provenance.

\b
Examples:
  ipyartifacts log data/ --name mnist --type dataset --alias best
  %artifact log df --name features --type table --meta source=survey
"""


def _log_command(name: str, help_text: str) -> click.Command:
    @click.command(name, help=help_text, context_settings=_CONTEXT)
    @click.argument("paths", nargs=-1, required=True, metavar="PATH...")
    @click.option(
        "--name",
        "-n",
        required=True,
        help="Artifact name (letters, digits, _ . -); PROJECT/NAME:ALIAS works too, as in "
        "`wandb artifact put`.",
    )
    @click.option(
        "--type",
        "-t",
        "type_",
        required=True,
        metavar="TYPE",
        help="Artifact type: dataset, model ...",
    )
    @click.option(
        "--alias",
        "-a",
        "aliases",
        multiple=True,
        metavar="A",
        help="Alias to set (repeatable); the new version is `latest` anyway.",
    )
    @click.option("--tag", "tags", multiple=True, metavar="T", help="Tag to add (repeatable).")
    @click.option(
        "--description", "-d", default=None, metavar="D", help="Description of this version."
    )
    @click.option(
        "--meta",
        "-m",
        "meta",
        multiple=True,
        type=MetaType(),
        help="Metadata key=value (repeatable); values that parse as JSON are stored as JSON.",
    )
    @click.option(
        "--include",
        multiple=True,
        metavar="GLOB",
        help="In folders, only files matching GLOB (gitignore style, repeatable).",
    )
    @click.option(
        "--exclude",
        multiple=True,
        metavar="GLOB",
        help="In folders, leave out files matching GLOB (gitignore style, repeatable).",
    )
    @_project_option
    @_emitting
    def command(
        fe: Frontend,
        paths: tuple[str, ...],
        name: str,
        type_: str,
        aliases: tuple[str, ...],
        tags: tuple[str, ...],
        description: str | None,
        meta: tuple[tuple[str, Any], ...],
        include: tuple[str, ...],
        exclude: tuple[str, ...],
        project: str | None,
    ) -> Any:
        return _ops.log(
            fe,
            paths,
            name,
            type_,
            aliases,
            tags,
            description,
            dict(meta),
            project,
            include,
            exclude,
        )

    return command


cli.add_command(_log_command("log", _LOG_HELP))
cli.add_command(
    _log_command("put", "Same as `log` (the name `wandb artifact put` uses).\n\n" + _LOG_HELP)
)


# -- use / get -----------------------------------------------------------------------------


def _fetch_command(name: str, help_text: str, record: bool) -> click.Command:
    @click.command(name, help=help_text, context_settings=_CONTEXT)
    @click.argument("spec", metavar="NAME[:ALIAS|:vN]")
    @click.option(
        "--root",
        default=None,
        metavar="DIR",
        help="Download into DIR (default ./artifacts/NAME-vN).",
    )
    @click.option(
        "--type",
        "-t",
        "type_",
        default=None,
        metavar="TYPE",
        help="Fail unless the artifact has this type.",
    )
    @click.option(
        "--table",
        default=None,
        metavar="NAME",
        help="Load table entry NAME as a pyarrow.Table instead of downloading.",
    )
    @click.option(
        "--checkout",
        is_flag=True,
        help="Make the folder hold exactly this version: delete files that are not in it.",
    )
    @click.option(
        "--as",
        "as_var",
        default=None,
        metavar="VAR",
        help="Notebook only: bind the path (or the --table) to variable VAR.",
    )
    @_project_option
    @_emitting
    def command(
        fe: Frontend,
        spec: str,
        root: str | None,
        type_: str | None,
        table: str | None,
        checkout: bool,
        as_var: str | None,
        project: str | None,
    ) -> Any:
        return _ops.use(
            fe, spec, root, type_, table, as_var, project, record=record, checkout=checkout
        )

    return command


cli.add_command(
    _fetch_command(
        "use",
        """Use a version: record it as the current run's input, then download it.

        Prints the folder it was downloaded to (the magic returns it). In a notebook the
        run is the kernel session's run.

        \b
        Examples:
          ipyartifacts use mnist:latest --root data/
          %artifact use mnist:v1 --as datadir
          %artifact use features --table df --as table
        """,
        record=True,
    )
)
cli.add_command(
    _fetch_command(
        "get",
        """Download a version without recording it as an input of any run.

        \b
        Examples:
          ipyartifacts get mnist:v0 --root /tmp/mnist-v0
        """,
        record=False,
    )
)


# -- reading -------------------------------------------------------------------------------


@cli.command("ls", context_settings=_CONTEXT)
@click.option("--type", "-t", "type_", default=None, metavar="T", help="Only artifacts of type T.")
@_project_option
@_emitting
def ls_command(fe: Frontend, type_: str | None, project: str | None) -> Any:
    """List the artifacts (collections) of a project, with their latest version."""
    return _ops.collections(fe, type_, project)


@cli.command("versions", context_settings=_CONTEXT)
@click.argument("name", metavar="NAME")
@click.option("--type", "-t", "type_", default=None, metavar="T", help="Fail unless of type T.")
@_project_option
@_emitting
def versions_command(fe: Frontend, name: str, type_: str | None, project: str | None) -> Any:
    """List the versions of artifact NAME, newest first."""
    return _ops.versions(fe, name, type_, project)


@cli.command("show", context_settings=_CONTEXT)
@click.argument("spec", metavar="NAME[:V]")
@_project_option
@_emitting
def show_command(fe: Frontend, spec: str, project: str | None) -> Any:
    """Show one version: type, aliases, tags, size, digest, metadata and the run that made it."""
    return _ops.show(fe, spec, project)


@cli.command("files", context_settings=_CONTEXT)
@click.argument("spec", metavar="NAME[:V]")
@_project_option
@_emitting
def files_command(fe: Frontend, spec: str, project: str | None) -> Any:
    """List the files of a version with their sizes and digests."""
    return _ops.files(fe, spec, project)


@cli.command("preview", context_settings=_CONTEXT)
@click.argument("spec", metavar="NAME[:ALIAS|:vN]")
@click.argument("path", metavar="PATH")
@click.option(
    "--rows",
    "-r",
    default=20,
    show_default=True,
    type=click.IntRange(0, 100_000),
    metavar="N",
    help="How many rows to show (--json lists them too).",
)
@_project_option
@_emitting
def preview_command(fe: Frontend, spec: str, path: str, rows: int, project: str | None) -> Any:
    """Preview a table file of a version: its schema and first rows, read in place.

    PATH is a table entry of the version: Parquet, CSV, TSV, JSON Lines or Arrow/Feather
    (`train` finds `train.parquet`, as `artifact.get` does). In a notebook it displays a
    sortable, filterable grid of the whole table; --json gives the schema, the rows and
    the row count.

    \b
    Examples:
      ipyartifacts preview splits:latest train.parquet --rows 5
      %artifact preview features:v2 features
    """
    return _ops.preview(fe, spec, path, rows, project)


@cli.command("diff", context_settings=_CONTEXT)
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@click.option(
    "--key",
    default=None,
    metavar="COLUMN",
    help="For tables changed between A and B: match rows by this column (else whole rows).",
)
@_project_option
@_emitting
def diff_command(fe: Frontend, a: str, b: str, key: str | None, project: str | None) -> Any:
    """Compare two versions: files added, removed and modified, metadata, and table rows.

    B may be a full name or just a version of A's artifact:
    `diff mnist:v0 v1` means `diff mnist:v0 mnist:v1`.
    """
    return _ops.diff(fe, a, b, project, key)


@cli.command("lineage", context_settings=_CONTEXT)
@click.argument("spec", metavar="NAME[:V]")
@click.option(
    "--depth",
    default=2,
    show_default=True,
    type=click.IntRange(1, 20),
    metavar="N",
    help="How many runs to follow each way.",
)
@_project_option
@_emitting
def lineage_command(fe: Frontend, spec: str, depth: int, project: str | None) -> Any:
    """Show the runs and artifacts upstream of a version (what made it) and downstream (what used it)."""
    return _ops.lineage(fe, spec, depth, project)


@cli.command("runs", context_settings=_CONTEXT)
@_project_option
@_emitting
def runs_command(fe: Frontend, project: str | None) -> Any:
    """List the runs of a project, newest first."""
    return _ops.runs(fe, project)


# -- editing -------------------------------------------------------------------------------


@cli.command("alias", context_settings=_CONTEXT)
@click.argument("spec", metavar="NAME:V")
@click.argument("alias_name", metavar="ALIAS")
@click.option("--remove", is_flag=True, help="Remove ALIAS from the version instead of setting it.")
@_project_option
@_emitting
def alias_command(
    fe: Frontend, spec: str, alias_name: str, remove: bool, project: str | None
) -> Any:
    """Point ALIAS at a version (moving it from another version), or remove it.

    `latest` always points at the newest version and cannot be moved by hand
    (naming it for the newest version changes nothing); `vN` cannot be set.
    """
    return _ops.alias(fe, spec, alias_name, remove, project)


@cli.command("tag", context_settings=_CONTEXT)
@click.argument("spec", metavar="NAME:V")
@click.argument("tags", nargs=-1, required=True, metavar="TAG...")
@click.option("--remove", is_flag=True, help="Remove the TAGs instead of adding them.")
@_project_option
@_emitting
def tag_command(
    fe: Frontend, spec: str, tags: tuple[str, ...], remove: bool, project: str | None
) -> Any:
    """Add tags to a version (or remove them with --remove)."""
    return _ops.tag(fe, spec, tags, remove, project)


@cli.command("rm", context_settings=_CONTEXT)
@click.argument("spec", metavar="NAME:V")
@click.option(
    "--delete-aliases",
    is_flag=True,
    help="Also delete the version's aliases (required when it has any).",
)
@_project_option
@_emitting
def rm_command(fe: Frontend, spec: str, delete_aliases: bool, project: str | None) -> Any:
    """Delete one version (its unshared files are reclaimed by `gc`).

    The version must be named explicitly (NAME:vN or NAME:ALIAS).
    """
    return _ops.delete(fe, spec, delete_aliases, project)


@cli.command("verify", context_settings=_CONTEXT)
@click.argument("spec", metavar="NAME:V")
@click.argument("root", metavar="ROOT", type=click.Path(file_okay=False))
@_project_option
@_emitting
def verify_command(fe: Frontend, spec: str, root: str, project: str | None) -> Any:
    """Check that folder ROOT holds exactly the files of a version (exit code 1 if not)."""
    return _ops.verify(fe, spec, root, project)


# -- housekeeping --------------------------------------------------------------------------


@cli.command("gc", context_settings=_CONTEXT)
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


@cli.group("cache", cls=_SubGroup, invoke_without_command=True, context_settings=_CONTEXT)
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


def iter_commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path of the grammar (``("log",)``, ``("cache", "size")`` ...)."""
    ctx = click.Context(group, **group.context_settings)
    out: list[tuple[str, ...]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        out.append((*prefix, name))
        if isinstance(command, click.Group):
            out.extend(iter_commands(command, (*prefix, name)))
    return out


# Command groups kept in their own modules, registered on the one grammar.
from ipyartifacts.frontends.commands_copy import copy_command  # noqa: E402
from ipyartifacts.frontends.commands_store import store_group  # noqa: E402

store_group.add_command(copy_command)
cli.add_command(store_group)
