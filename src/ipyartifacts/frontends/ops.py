"""The command layer under the shared grammar: one function per command, returning results.

The CLI (:mod:`ipyartifacts.frontends.cli`) and the magics (:mod:`ipyartifacts.frontends.magics`) parse
the same click grammar (:mod:`ipyartifacts.frontends.commands`), whose callbacks call these
functions with a :class:`~ipyartifacts.frontends.frontend.Frontend` describing what differs
between the two: how a run is started, whether there is a user namespace (variables
holding tables, ``--as``), whether progress bars may be shown. Everything goes through the public API
(``init``/``Run``/``Artifact``/``Api``), so both front ends always agree with it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipyartifacts.core.progress import reporting
from ipyartifacts.errors import (
    ArtifactError,
    ArtifactNotFoundError,
    InvalidNameError,
    InvalidPathError,
    VerificationError,
)
from ipyartifacts.frontends.bars import bars_for
from ipyartifacts.frontends.frontend import Frontend, is_table_like, parse_meta, qualify
from ipyartifacts.frontends.results import (
    CollectionInfo,
    CollectionsView,
    FilesView,
    MessageView,
    PathView,
    RunsView,
    VersionsView,
    VersionView,
    format_size,
)
from ipyartifacts.frontends.results_diff import DiffEntry, DiffView, PreviewView
from ipyartifacts.frontends.results_lineage import (
    LineageEdge,
    LineageNode,
    LineageStep,
    LineageView,
)

if TYPE_CHECKING:
    from ipyartifacts.api.api import Api
    from ipyartifacts.api.artifact import Artifact
    from ipyartifacts.api.query import ArtifactCollection
    from ipyartifacts.api.run import Run

__all__ = ["Frontend", "is_table_like", "parse_meta", "qualify"]

# -- logging --------------------------------------------------------------------------------


def log(
    fe: Frontend,
    paths: Sequence[str],
    name: str,
    type: str,
    aliases: Sequence[str] = (),
    tags: Sequence[str] = (),
    description: str | None = None,
    meta: dict[str, Any] | None = None,
    project: str | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> VersionView:
    """Log local files, folders (and, in a notebook, table variables) as a new version.

    ``include`` / ``exclude`` are gitignore-style globs applied inside folders.
    """
    from ipyartifacts.api.artifact import Artifact

    if not paths:
        raise InvalidPathError("log needs at least one PATH (a file or a folder).")
    if "/" in name or ":" in name:  # `wandb artifact put --name project/name:alias` style
        from ipyartifacts.store.names import LATEST, parse_spec

        spec = parse_spec(name)
        if project is not None and spec.project not in (None, project):
            raise InvalidNameError(
                f"--name {name!r} names project {spec.project!r} but --project says "
                f"{project!r}; give the project once.",
                name=name,
            )
        name, project = spec.name, spec.project or project
        if spec.alias != LATEST:
            aliases = [*aliases, spec.alias]
    paths = [os.path.expanduser(p) for p in paths]  # the magic gets no shell to expand ~
    artifact = Artifact(name, type, description=description, metadata=meta or {})
    tables = {p: fe.table_variable(p) for p in paths}
    for argument in paths:
        if tables[argument] is None and not os.path.exists(argument):
            raise FileNotFoundError(f"Cannot log {argument!r}: no such file or folder.")
    if (include or exclude) and not any(os.path.isdir(p) for p in paths if tables[p] is None):
        raise InvalidPathError(
            "--include and --exclude filter the files of folders; no PATH is one."
        )
    filters: dict[str, Any] = {
        "include": list(include) or None,
        "exclude": list(exclude) or None,
    }
    run = fe.run(project)
    try:
        before = fe.api(run.project).artifact(f"{run.project}/{name}:latest").digest
    except ArtifactNotFoundError:
        before = None
    with reporting(bars_for(fe)):
        only_dir = len(paths) == 1 and tables[paths[0]] is None and os.path.isdir(paths[0])
        for argument in paths:
            table = tables[argument]
            if table is not None:
                _add_table(artifact, table, argument)
            elif only_dir:
                artifact.add_dir(argument, **filters)
            elif os.path.isdir(argument):
                artifact.add_dir(argument, name=Path(argument).resolve().name, **filters)
            else:
                artifact.add_file(argument)
    logged = run.log_artifact(artifact, aliases=list(aliases), tags=list(tags))
    note = None
    if before is not None and logged.digest == before:
        note = f"Content identical to the latest version: no new version, {logged.name} kept."
    return VersionView.of(logged, note=note)


def _add_table(artifact: Artifact, table: Any, name: str) -> None:
    artifact.add(table, name)  # stored as NAME.parquet; read back with artifact.get(NAME)


# -- using and downloading -------------------------------------------------------------------


def use(
    fe: Frontend,
    spec: str,
    root: str | None = None,
    type: str | None = None,
    table: str | None = None,
    as_var: str | None = None,
    project: str | None = None,
    record: bool = True,
    checkout: bool = False,
) -> PathView | Any:
    """Resolve a version, record it as the run's input (``record``), and download it.

    Returns a :class:`PathView`, or with ``table`` the table entry as a ``pyarrow.Table``.
    ``checkout`` then deletes files in the folder that are not in the version.
    """
    run: Run | None = None
    if fe.name == "cli" and not record and table is None and not checkout and not as_var:
        from ipyartifacts.frontends.ops_quick import quick_get  # a fresh process: no SQLAlchemy

        quick = quick_get(fe, spec, root, type, project)
        if quick is not None:
            return quick
    if record:
        run = fe.run(project, strict=False)
        artifact = run.use_artifact(qualify(spec, project), type=type)
    else:
        artifact = fe.api(project).artifact(qualify(spec, project), type=type)
    if table is not None:
        value = read_table(artifact, table)
        if as_var:
            fe.bind(as_var, value)
        return value
    path = _download(fe, artifact, os.path.expanduser(root) if root is not None else None)
    if checkout:
        path = artifact.checkout(path)  # files already in place are kept, not re-copied
    if as_var:
        fe.bind(as_var, path)
    return PathView(path, artifact.qualified_name, recorded=record, run_id=run.id if run else None)


def read_table(artifact: Artifact, name: str) -> Any:
    """Table entry ``name`` (or ``name.parquet``) of ``artifact`` as a ``pyarrow.Table``."""
    return artifact.get(name)


def _download(fe: Frontend, artifact: Artifact, root: str | None) -> str:
    with reporting(bars_for(fe)):
        return artifact.download(root)


# -- reading ---------------------------------------------------------------------------------


def show(fe: Frontend, spec: str, project: str | None = None) -> VersionView:
    return VersionView.of(fe.api(project).artifact(qualify(spec, project)))


def versions(
    fe: Frontend, name: str, type: str | None = None, project: str | None = None
) -> VersionsView:
    bare = name.partition(":")[0]
    if fe.name == "cli":  # a fresh process: answered without SQLAlchemy when it can be
        from ipyartifacts.frontends.ops_quick import quick_versions

        quick = quick_versions(fe, bare, type, project)
        if quick is not None:
            return quick
    api = fe.api(project)
    found = api.artifacts(type, qualify(bare, project))
    if not found:  # raises the not-found (or wrong type) error, with a hint
        api.artifact(qualify(bare, project), type=type)
    first = found[0] if found else None
    return VersionsView(
        first.project if first else (project or ""),
        first.collection_name if first else bare,
        tuple(VersionView.of(a) for a in found),
    )


def collections(
    fe: Frontend, type: str | None = None, project: str | None = None
) -> CollectionsView:
    api = fe.api(project)
    chosen = project or api._default_project()
    rows = []
    for coll in api.artifact_collections(chosen, type):
        rows.append(_collection_info(api, chosen, coll))
    rows.sort(key=lambda c: c.name)
    return CollectionsView(chosen, tuple(rows), type)


def _collection_info(api: Api, project: str, coll: ArtifactCollection) -> CollectionInfo:
    latest: Artifact | None
    try:
        latest = api.artifact(f"{project}/{coll.name}:latest")
    except ArtifactNotFoundError:
        latest = None
    return CollectionInfo(
        project=project,
        name=coll.name,
        type=coll.type,
        versions=coll.version_count,
        latest=coll.latest_version,
        size=latest.size if latest else None,
        updated_at=latest.created_datetime if latest else None,
        description=coll.description,
    )


def files(fe: Frontend, spec: str, project: str | None = None) -> FilesView:
    artifact = fe.api(project).artifact(qualify(spec, project))
    return FilesView(
        artifact.qualified_name,
        tuple((e.path, e.size, e.digest, e.ref) for e in artifact.files()),
        artifact=artifact,
    )


def diff(
    fe: Frontend, a: str, b: str, project: str | None = None, key: str | None = None
) -> DiffView:
    """Compare two versions (``Api.diff``); ``b`` may be just ``:vN`` / ``vN`` of ``a``.

    ``key`` names the column that matches rows of tables modified between the versions.
    """
    if b.startswith(":"):
        b = a.partition(":")[0] + b
    elif b.startswith("v") and b[1:].isdigit():
        b = f"{a.partition(':')[0]}:{b}"
    found = fe.api(project).diff(qualify(a, project), qualify(b, project), key=key)
    changes = sorted(
        (
            DiffEntry(f.path, status, f.old_size, f.new_size, f.old_digest, f.new_digest)
            for status, group in (
                ("added", found.added),
                ("removed", found.removed),
                ("modified", found.modified),
            )
            for f in group
        ),
        key=lambda c: c.path,
    )
    return DiffView(
        found.a,
        found.b,
        tuple(changes),
        found.unchanged,
        tuple((m.key, m.old, m.new) for m in found.metadata_changes),
        tables=tuple((t.path, t.summary(), t.to_dict()) for t in found.tables),
        diff=found,
        description_change=None
        if found.description_change is None
        else (found.description_change.old, found.description_change.new),
    )


#: What ``preview`` reads, for its error message (suffixes as TablePreview reads them).
PREVIEW_FORMATS = (
    "Parquet (.parquet, .pq), CSV (.csv), TSV (.tsv, .tab), JSON Lines (.jsonl, .ndjson) "
    "and Arrow/Feather (.arrow, .feather, .ipc)"
)


def preview(
    fe: Frontend, spec: str, path: str, rows: int = 20, project: str | None = None
) -> PreviewView:
    """The schema and first ``rows`` rows of table entry ``path`` of a version.

    ``path`` may omit ``.parquet`` (as ``artifact.get`` allows). The entry is read in place
    from the store; only what the first rows need is decoded for Parquet files.
    """
    from ipyartifacts.widgets._table_source import _SUFFIXES, open_table

    artifact = fe.api(project).artifact(qualify(spec, project))
    entries = artifact.manifest.entries
    if path not in entries and f"{path}.parquet" in entries:
        path = f"{path}.parquet"
    entry = artifact.get_entry(path)  # not found: the error lists the version's files
    fmt = _SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise InvalidPathError(
            f"Cannot preview {path!r}: preview reads tables only, {PREVIEW_FORMATS}.", path=path
        )
    if entry.ref is not None:
        raise InvalidPathError(
            f"Cannot preview {path!r}: it is a reference to {entry.ref}, whose bytes are not in "
            "the store. Download it (`get`) and open the local file.",
            path=path,
        )
    client = artifact._client
    assert client is not None  # a logged version
    local = client.local_blob_path(entry.digest)
    handle = None if local is not None else client.open_blob(entry.digest)
    try:
        source = open_table(local if local is not None else handle, format=fmt)
        count = min(rows, source.num_rows)
        first = source._slice(0, count) if count else source.schema.empty_table()
        return PreviewView(
            artifact.qualified_name,
            path,
            tuple((f.name, str(f.type)) for f in source.visible_schema),
            tuple(first.to_pylist()),
            source.num_rows,
            note=source.note,
            entry=entry,
        )
    finally:
        if handle is not None:
            handle.close()


def lineage(fe: Frontend, spec: str, depth: int = 2, project: str | None = None) -> LineageView:
    """Runs and artifacts up to ``depth`` steps upstream and downstream of a version.

    A step is one edge of the graph (artifact -> run that used it, or run -> artifact it
    logged), as in W&B's lineage and the LineageGraph widget: depth 1 is the run that logged
    the version and the runs that used it; depth 2 adds those runs' other artifacts.
    """
    subject = fe.api(project).artifact(qualify(spec, project))
    nodes: dict[str, LineageNode] = {}
    edges: dict[tuple[str, str], LineageEdge] = {}

    def art_node(a: Artifact) -> str:
        key = f"artifact:{a.id}"
        nodes.setdefault(key, LineageNode(key, "artifact", a.qualified_name, a.type))
        return key

    def run_node(r: Run) -> str:
        key = f"run:{r.id}"
        label = f"{r.project}/{r.id} ({r.name})"
        nodes.setdefault(key, LineageNode(key, "run", label, f"{r.job_type or 'run'}, {r.state}"))
        return key

    def edge(source: str, target: str, kind: str) -> None:
        edges.setdefault((source, target), LineageEdge(source, target, kind))

    def walk(up: bool) -> tuple[LineageStep, ...]:
        steps: dict[str, tuple[int, list[str]]] = {}

        def place(key: str, step: int, link: str) -> bool:
            if key in steps:
                if link not in steps[key][1]:
                    steps[key][1].append(link)
                return False
            steps[key] = (step, [link])
            return True

        frontier, expanded = [subject], set()
        # Each level is two steps: artifact -> run (step 2L-1), run -> artifact (step 2L).
        for level in range(1, (depth + 1) // 2 + 1):
            following: list[Artifact] = []
            for art in frontier:
                art_key = art_node(art)
                maker = art.logged_by() if up else None
                runs = ([maker] if maker is not None else []) if up else art.used_by()
                for run in runs:
                    run_key = run_node(run)
                    if up:
                        edge(run_key, art_key, "output")
                    else:
                        edge(art_key, run_key, "input")
                    place(run_key, 2 * level - 1, art_key)
                    if run_key in expanded or 2 * level > depth:
                        continue
                    expanded.add(run_key)
                    for other in run.used_artifacts() if up else run.logged_artifacts():
                        if other.id == subject.id:
                            continue  # a session that logged the subject and then used it
                        other_key = art_node(other)
                        if up:
                            edge(other_key, run_key, "input")
                        else:
                            edge(run_key, other_key, "output")
                        if place(other_key, 2 * level, run_key):
                            following.append(other)
            frontier = following
        return tuple(LineageStep(k, step, tuple(links)) for k, (step, links) in steps.items())

    art_node(subject)
    upstream, downstream = walk(up=True), walk(up=False)
    return LineageView(
        subject.qualified_name,
        tuple(nodes.values()),
        tuple(edges.values()),
        upstream,
        downstream,
        artifact=subject,
        depth=depth,
    )


def runs(fe: Frontend, project: str | None = None) -> RunsView:
    api = fe.api(project)
    chosen = project or api._default_project()
    return RunsView.of(chosen, api.runs(chosen, order="-created_at"))


# -- editing ---------------------------------------------------------------------------------


def alias(
    fe: Frontend, spec: str, alias_name: str, remove: bool = False, project: str | None = None
) -> VersionView:
    from ipyartifacts.store.names import LATEST, custom_aliases, validate_alias

    if alias_name != LATEST or remove:
        validate_alias(alias_name)  # 'latest' and 'vN' are managed, never set or removed by hand
    artifact = fe.api(project).artifact(qualify(spec, project))
    if alias_name == LATEST:  # the rule every front end shares: fine where it already is
        custom_aliases([LATEST], newest=LATEST in artifact.aliases)
        return VersionView.of(
            artifact,
            note=f"{artifact.version} is the newest version: 'latest' already points at it.",
        )
    if remove:
        if alias_name not in artifact.aliases:
            raise ArtifactNotFoundError(
                f"{artifact.qualified_name} has no alias {alias_name!r}; its aliases are "
                f"{', '.join(artifact.aliases) or 'none'}.",
                name=alias_name,
            )
        artifact.aliases.remove(alias_name)
        artifact.save()
        return VersionView.of(artifact, note=f"Removed alias {alias_name!r}.")
    moved = ""
    try:
        holder = fe.api(project).artifact(
            f"{artifact.project}/{artifact.collection_name}:{alias_name}"
        )
        if holder.id != artifact.id:
            moved = f" (moved from {holder.version})"
    except ArtifactError:  # no version holds it yet
        pass
    if alias_name not in artifact.aliases:
        artifact.aliases.append(alias_name)
    artifact.save()
    return VersionView.of(artifact, note=f"Alias {alias_name!r} -> {artifact.version}{moved}.")


def tag(
    fe: Frontend, spec: str, tags: Sequence[str], remove: bool = False, project: str | None = None
) -> VersionView:
    artifact = fe.api(project).artifact(qualify(spec, project))
    if remove:
        missing = [t for t in tags if t not in artifact.tags]
        if missing:
            raise ArtifactNotFoundError(
                f"{artifact.qualified_name} has no tag {missing[0]!r}; its tags are "
                f"{', '.join(artifact.tags) or 'none'}.",
                name=missing[0],
            )
        artifact.tags = [t for t in artifact.tags if t not in tags]
    else:
        artifact.tags = [*artifact.tags, *(t for t in tags if t not in artifact.tags)]
    artifact.save()
    verb = "Removed" if remove else "Tagged"
    return VersionView.of(artifact, note=f"{verb} {', '.join(tags)}.")


def delete(
    fe: Frontend, spec: str, delete_aliases: bool = False, project: str | None = None
) -> MessageView:
    if ":" not in spec:
        raise InvalidNameError(
            f"rm needs an explicit version, like {spec}:v3 or {spec}:best; it never guesses.",
            name=spec,
        )
    artifact = fe.api(project).artifact(qualify(spec, project))
    name = artifact.qualified_name
    artifact.delete(delete_aliases=delete_aliases)
    return MessageView(
        f"Deleted {name}. Its files are reclaimed by `gc` once no version uses them.",
        {"deleted": name},
    )


def verify(fe: Frontend, spec: str, root: str, project: str | None = None) -> MessageView:
    artifact = fe.api(project).artifact(qualify(spec, project))
    root = os.path.expanduser(root)
    try:
        artifact.verify(root)
    except VerificationError as exc:
        details = tuple(
            [("missing", p) for p in exc.missing]
            + [("modified", p) for p in exc.modified]
            + [("extra", p) for p in exc.extra]
        )
        return MessageView(
            f"{root} does not match {artifact.qualified_name}: {len(exc.missing)} missing, "
            f"{len(exc.modified)} modified, {len(exc.extra)} extra.",
            {
                "artifact": artifact.qualified_name,
                "root": root,
                "missing": exc.missing,
                "modified": exc.modified,
                "extra": exc.extra,
            },
            failed=True,
            details=details,
        )
    return MessageView(
        f"{root} matches {artifact.qualified_name} ({artifact.file_count} files).",
        {
            "artifact": artifact.qualified_name,
            "root": root,
            "missing": [],
            "modified": [],
            "extra": [],
        },
    )


# -- housekeeping ----------------------------------------------------------------------------


def gc(fe: Frontend, dry_run: bool = False, grace: float | None = None) -> MessageView:
    """Reclaim unreferenced blobs (``Api.gc``); ``grace`` in seconds (default: one hour)."""
    api = fe.api()
    report = api.gc(dry_run=dry_run) if grace is None else api.gc(grace=grace, dry_run=dry_run)
    return MessageView(str(report), _as_dict(report))


def cache_size(fe: Frontend) -> MessageView:
    cache = fe.api().cache
    size, cap = cache.size(), cache.max_size
    return MessageView(
        f"Cache {cache.path}: {format_size(size)} of at most {format_size(cap)}.",
        {"path": cache.path, "size": size, "max_size": cap, "files": len(cache)},
    )


def cache_cleanup(fe: Frontend, max_size: int | None) -> MessageView:
    cache = fe.api().cache
    report = cache.cleanup(max_size)
    data = _as_dict(report)
    return MessageView(
        f"Cache cleaned: removed {data.get('files_removed', 0)} file(s), freed "
        f"{format_size(data.get('bytes_freed', 0))}; now {format_size(data.get('size_after'))}.",
        data,
    )


def _as_dict(value: Any) -> dict[str, Any]:
    import dataclasses

    if isinstance(value, dict):
        return dict(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return dict(to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, int):
        return {"bytes": value}
    return {"result": str(value)}
