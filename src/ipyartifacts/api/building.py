"""What a draft artifact is built from: files, folders, new files, references and tables.

:class:`DraftContent` is the building half of :class:`~ipyartifacts.Artifact` (a mixin, kept
apart so each module holds one concept): every method here changes a draft's entries, and
refuses a logged version, whose content never changes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ipyartifacts.api.entry import ARTIFACT_SCHEME, ArtifactManifestEntry
from ipyartifacts.errors import ArtifactNotFoundError, DuplicateEntryError
from ipyartifacts.store.localfiles import check_regular
from ipyartifacts.store.manifest import Manifest, ManifestEntry
from ipyartifacts.store.paths import join_logical, validate_logical_path

if TYPE_CHECKING:
    from ipyartifacts.core.client import Client
    from ipyartifacts.core.newfile import NewFile
    from ipyartifacts.store.records import VersionRecord

__all__ = ["DraftContent", "Policy"]

Policy = Literal["mutable", "immutable"]


class DraftContent:
    """Adding and removing a draft's content (mixed into :class:`~ipyartifacts.Artifact`)."""

    _name: str
    _entries: dict[str, ManifestEntry]
    _pending: dict[str, Path]  # immutable-policy files, stored at log time
    _manifest: Manifest | None
    _record: VersionRecord | None
    _client: Client | None

    if TYPE_CHECKING:

        @property
        def name(self) -> str: ...

        @property
        def manifest(self) -> Manifest: ...

        def _require_draft(self, action: str) -> None: ...

        def _staging_client(self) -> Client: ...

        def _remember_local_path(
            self, local_path: str | os.PathLike[str], logical: str
        ) -> None: ...

    # -- adding content ----------------------------------------------------------------

    def _put(self, logical: str, entry: ManifestEntry, overwrite: bool) -> ManifestEntry:
        if logical in self._entries and not overwrite and self._entries[logical] != entry:
            raise DuplicateEntryError(
                f"Artifact {self._name!r} already has a file at {logical!r}. Pass "
                "overwrite=True to replace it, or add it under another name.",
                path=logical,
            )
        self._entries[logical] = entry
        self._manifest = None
        return entry

    def add_file(
        self,
        local_path: str | os.PathLike[str],
        name: str | None = None,
        is_tmp: bool | None = False,
        skip_cache: bool | None = False,
        policy: Policy = "mutable",
        overwrite: bool = False,
    ) -> ManifestEntry:
        """Add one local file, at logical path ``name`` (default: its file name).

        ``policy="mutable"`` (default) captures the bytes now, so later edits to the file
        do not change the artifact. ``"immutable"`` only hashes now and stores the bytes
        at log time, refusing the file if it changed in between.
        """
        del is_tmp, skip_cache  # W&B compatibility
        self._require_draft("add a file")
        _check_policy(policy)
        path = Path(local_path)
        if not path.exists():
            raise FileNotFoundError(f"Cannot add {str(path)!r}: no such file.")
        if path.is_dir():
            raise IsADirectoryError(f"{str(path)!r} is a directory; use add_dir() for folders.")
        check_regular(path)  # a pipe or device: refused from its stat, never opened
        logical = validate_logical_path(name if name is not None else path.name)
        client = self._staging_client()
        if policy == "mutable":
            digest, size = client.ingest(path)
        else:
            digest, size = client.digest_of(path)
            self._pending[logical] = path
        client.stat_cache.flush()
        added = self._put(logical, ManifestEntry(logical, digest, size), overwrite)
        self._remember_local_path(local_path, logical)
        return added

    def add_dir(
        self,
        local_path: str | os.PathLike[str],
        name: str | None = None,
        skip_cache: bool | None = False,
        policy: Policy = "mutable",
        merge: bool = False,
        include: str | list[str] | None = None,
        exclude: str | list[str] | None = None,
    ) -> None:
        """Add every file under a local directory, under logical folder ``name`` (default: root).

        Symlinks to files are followed; symlinks to folders are not (a loop would never end).
        ``include`` / ``exclude`` are gitignore-style globs (a string or a list) matched
        against paths relative to the directory: ``include="*.csv"`` keeps only CSV files
        at any depth, ``exclude=["tmp/", "*.log"]`` drops a folder and the logs. An
        ``.artifactignore`` file (gitignore syntax, in the directory or any subfolder) is
        honoured too, and never added itself.

        Examples
        --------
        >>> artifact.add_dir("data", include=["*.csv", "*.json"], exclude="scratch/")  # doctest: +SKIP
        """
        del skip_cache
        self._require_draft("add a directory")
        _check_policy(policy)
        root = Path(local_path)
        if not root.is_dir():
            raise NotADirectoryError(f"Cannot add {str(root)!r}: it is not a directory.")
        prefix = validate_logical_path(name.strip("/")) if name else None
        from ipyartifacts.core.filters import select_files

        files = select_files(root, include, exclude)
        logicals = {rel: validate_logical_path(join_logical(prefix, rel)) for rel in files}
        found = self._staging_client().ingest_tree(root, files, store_bytes=policy == "mutable")
        base = os.fspath(local_path)
        for rel, digest, size in found:
            logical = logicals[rel]
            self._put(logical, ManifestEntry(logical, digest, size), overwrite=merge)
            self._remember_local_path(os.path.join(base, *rel.split("/")), logical)
            if policy == "immutable":
                self._pending[logical] = root / rel

    # -- building: references, tables, new files --------------------------------------

    def new_file(
        self, name: str, mode: str = "x", encoding: str | None = None, policy: Policy = "mutable"
    ) -> NewFile:
        """Open a new file to write into the artifact at logical path ``name``.

        The file is added when the ``with`` block ends (nothing is added if it raises).
        ``mode`` is ``"x"`` (refuse a path the artifact already has) or ``"w"`` (replace
        it), text by default (``encoding=None`` means UTF-8), ``"xb"`` / ``"wb"`` for bytes.

        Examples
        --------
        >>> with artifact.new_file("notes.txt", mode="w") as f:  # doctest: +SKIP
        ...     f.write("trained on 60,000 images")
        """
        from ipyartifacts.core.newfile import NewFile

        _check_policy(policy)  # a new file is stored when it closes: either policy is the same
        self._require_draft("add a new file")
        logical = validate_logical_path(name)
        if mode.startswith("x") and logical in self._entries:
            raise DuplicateEntryError(
                f"Artifact {self._name!r} already has a file at {logical!r}. Use mode='w' to "
                "replace it, or pick another name.",
                path=logical,
            )
        client = self._staging_client()

        def add(tmp: Path) -> None:
            self._require_draft("add a new file")
            # Straight into the blob store, not through the stat cache: temp inodes get reused.
            digest, size = client.blobs.put_file(tmp)
            self._pending.pop(logical, None)
            self._put(logical, ManifestEntry(logical, digest, size), overwrite=mode[0] == "w")

        tmp_dir = getattr(client.blobs, "tmp", None)
        return NewFile(mode, encoding, tmp_dir if isinstance(tmp_dir, Path) else None, add)

    def remove(self, item: str | ArtifactManifestEntry | ManifestEntry) -> None:
        """Remove a file, or every file under a folder path, from a draft.

        Examples
        --------
        >>> artifact.remove("images/")       # doctest: +SKIP
        >>> artifact.remove("labels.csv")    # doctest: +SKIP
        """
        self._require_draft("remove a file")
        path = item.path if isinstance(item, (ArtifactManifestEntry, ManifestEntry)) else item
        if not isinstance(path, str):
            raise TypeError(f"remove() takes a path or an entry, got {type(path).__name__}.")
        folder = path.strip("/")
        if folder:
            validate_logical_path(folder)
        doomed = [
            p for p in self._entries if p == folder or not folder or p.startswith(folder + "/")
        ]
        if not doomed:
            import difflib

            close = difflib.get_close_matches(path, list(self._entries), n=3)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise ArtifactNotFoundError(
                f"{self._name!r} has no file or folder {path!r} to remove.{hint}", name=path
            )
        for p in doomed:
            del self._entries[p]
            self._pending.pop(p, None)
        self._manifest = None

    def add_reference(
        self,
        uri: str,
        name: str | None = None,
        checksum: bool = True,
        max_objects: int | None = None,
    ) -> list[ManifestEntry]:
        """Record files by URI instead of copying them: ``file://``, ``http(s)://``, ``s3://``, ``gs://``.

        A folder, bucket or prefix becomes one entry per file/object (under folder ``name``
        if given). With ``checksum=True`` the size and a checksum are recorded (BLAKE3 for
        local files, ETag and version id for objects, ETag or BLAKE3 for URLs); downloading
        checks the target still matches and raises ``ReferenceChangedError`` (naming the URI)
        if it does not. ``checksum=False`` records only the URI, reading nothing.
        ``max_objects`` (default 10,000,000) caps the expansion: past it,
        ``TooManyObjectsError`` is raised and nothing is added.

        Examples
        --------
        >>> artifact.add_reference("s3://my-bucket/images", name="images")  # doctest: +SKIP
        >>> artifact.add_reference("https://example.org/data.csv")          # doctest: +SKIP
        """
        from ipyartifacts.core.references.refs import reference_entries

        self._require_draft("add a reference")
        if isinstance(uri, str) and uri.startswith(ARTIFACT_SCHEME + "://"):
            entries = self._artifact_file_entries(uri, name)
        else:
            entries = reference_entries(self._staging_client(), uri, name, checksum, max_objects)
        for entry in entries:  # all or nothing: check every path before adding any
            current = self._entries.get(entry.path)
            if current is not None and current != entry:
                self._put(entry.path, entry, overwrite=False)  # raises DuplicateEntryError
        for entry in entries:
            self._pending.pop(entry.path, None)
            self._put(entry.path, entry, overwrite=True)
        return entries

    def _artifact_file_entries(self, uri: str, name: str | None) -> list[ManifestEntry]:
        """A ``wandb-artifact://<id>/<path>`` (``entry.ref_url()``): that file's entry, by digest.

        Content is addressed by digest, so the file joins this draft without a copy.
        """
        version_id, _, path = uri[len(ARTIFACT_SCHEME) + 3 :].partition("/")
        client = self._staging_client()
        manifest = client.manifest(client.require_version(version_id))
        if path not in manifest:
            raise ArtifactNotFoundError(
                f"{uri!r} names no file: version {version_id} has no {path!r}.", name=path
            )
        source = manifest[path]
        logical = validate_logical_path(name or path)
        return [ManifestEntry(logical, source.digest, source.size, source.ref, source.extra)]

    def add(self, obj: Any, name: str, overwrite: bool = False) -> ManifestEntry:
        """Add a table (pyarrow Table, pandas or polars DataFrame, any Arrow stream) as Parquet.

        It is stored at ``name + ".parquet"`` (unless ``name`` already ends so); read it
        back with ``artifact.get(name)``. ``artifact[name] = df`` does the same.

        Examples
        --------
        >>> artifact.add(df, "train")            # doctest: +SKIP
        >>> artifact.get("train").num_rows       # doctest: +SKIP
        """
        from ipyartifacts.api.table import Table, table_entries
        from ipyartifacts.core.tables import table_entry

        self._require_draft("add a table")
        if isinstance(obj, Table):  # W&B's: name.table.json, rows in name.table.parquet
            pointer, rows = table_entries(self._staging_client(), obj, name)
            for entry in (rows, pointer):
                self._pending.pop(entry.path, None)
                self._put(entry.path, entry, overwrite)
            return pointer
        entry = table_entry(self._staging_client(), obj, name)
        self._pending.pop(entry.path, None)
        return self._put(entry.path, entry, overwrite)

    def get(self, name: str) -> Any:
        """Read the table at ``name``: a ``Table`` if one was added, else a ``pyarrow.Table``.

        A ``wandb.Table`` added as ``name`` comes back as a ``Table``; a DataFrame or
        Arrow table added as ``name`` (stored at ``name.parquet``) as a ``pyarrow.Table``.

        Only that entry's bytes are read (memory-mapped from the local store), never the
        rest of the artifact. Parquet, Arrow IPC/Feather and CSV entries are readable.

        Examples
        --------
        >>> table = run.use_artifact("splits:latest").get("train")  # doctest: +SKIP
        >>> df = table.to_pandas()                                     # doctest: +SKIP
        """
        from ipyartifacts.api.table import read_wandb_table, table_json_candidates
        from ipyartifacts.core.tables import read_table, table_candidates

        manifest = self.manifest
        for candidate in table_json_candidates(name):
            if candidate in manifest:
                client = self._client if self._client is not None else self._staging_client()
                return read_wandb_table(client, manifest, manifest[candidate])
        for candidate in table_candidates(name):
            if candidate in manifest:
                entry = manifest[candidate]
                client = self._client if self._client is not None else self._staging_client()
                source = self._pending.get(candidate) if self._record is None else None
                if source is not None and client.blobs.exists(entry.digest):
                    source = None
                return read_table(client, entry, source)
        tables = [e.path for e in manifest if e.path.endswith((".parquet", ".arrow", ".feather"))]
        hint = f" Its tables: {', '.join(tables[:10])}." if tables else " It has no tables."
        raise ArtifactNotFoundError(f"{self.name} has no table {name!r}.{hint}", name=name)

    def __setitem__(self, name: str, obj: Any) -> None:
        """``artifact[name] = df`` is ``artifact.add(df, name)``."""
        self.add(obj, name)

    def __getitem__(self, name: str) -> Any:
        """``artifact[name]`` is ``artifact.get(name)``."""
        return self.get(name)


def _check_policy(policy: str) -> None:
    if policy not in ("mutable", "immutable"):
        raise ValueError(f"policy must be 'mutable' or 'immutable', got {policy!r}.")
