"""Tables in artifacts: ``artifact.add(df, "train")`` stores Parquet, ``artifact.get`` reads it.

Anything that speaks Arrow goes in: a ``pyarrow.Table`` or ``RecordBatch``, a pandas
DataFrame (its index kept as pandas metadata), a polars DataFrame, or any object with
the Arrow PyCapsule stream interface (``__arrow_c_stream__``: DuckDB relations, ...).

The entry path is ``name + ".parquet"`` unless ``name`` already ends in ``.parquet``;
``get`` accepts both spellings. The entry records what it is in ``extra``:
``{"media_type": "application/vnd.apache.parquet", "rows": n, "columns": [...]}``.

Reading a table touches only its own blob: a memory-mapped local file, hashed first
(a corrupt blob is quarantined and never parsed).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipyartifacts.errors import ArtifactStateError, IntegrityError
from ipyartifacts.store.hashing import hash_file
from ipyartifacts.store.manifest import ManifestEntry
from ipyartifacts.store.paths import validate_logical_path

if TYPE_CHECKING:
    import pyarrow as pa

    from ipyartifacts.core.client import Client

__all__ = [
    "PARQUET_MEDIA_TYPE",
    "TABLE_SUFFIX",
    "read_table",
    "table_candidates",
    "table_entry",
    "table_path",
    "to_arrow",
]

TABLE_SUFFIX = ".parquet"
PARQUET_MEDIA_TYPE = "application/vnd.apache.parquet"
_READABLE = (".parquet", ".arrow", ".feather", ".ipc", ".csv")


def table_path(name: str) -> str:
    """The logical path a table named ``name`` is stored at (``"train"`` -> ``"train.parquet"``)."""
    if not isinstance(name, str):
        raise TypeError(f"A table name must be a string, got {type(name).__name__}.")
    name = name.strip("/")
    path = name if name.endswith(TABLE_SUFFIX) else name + TABLE_SUFFIX
    return validate_logical_path(path)


def table_candidates(name: str) -> list[str]:
    """Logical paths ``get(name)`` looks at, in order: ``name`` itself, then ``name.parquet``."""
    candidates = [name]
    if not name.endswith(TABLE_SUFFIX):
        candidates.append(name + TABLE_SUFFIX)
    return candidates


def to_arrow(obj: Any) -> pa.Table:
    """Turn a DataFrame-like object into a ``pyarrow.Table``; TypeError for anything else."""
    import pyarrow as pa

    source = _arrow_source(obj)
    return source if isinstance(source, pa.Table) else source.read_all()


def _arrow_source(obj: Any) -> pa.Table | pa.RecordBatchReader:
    """A Table, or a RecordBatchReader for stream sources (written batch by batch)."""
    import pyarrow as pa

    if isinstance(obj, (pa.Table, pa.RecordBatchReader)):
        return obj
    if isinstance(obj, pa.RecordBatch):
        return pa.Table.from_batches([obj])
    module = type(obj).__module__.split(".", 1)[0]
    if module == "pandas" and hasattr(obj, "columns") and hasattr(obj, "index"):
        # from_pandas keeps the index and dtypes as pandas metadata for a faithful round trip.
        return pa.Table.from_pandas(obj)
    if hasattr(obj, "__arrow_c_stream__"):
        return pa.RecordBatchReader.from_stream(obj)
    if hasattr(obj, "__arrow_c_array__"):
        return pa.table(obj)
    raise TypeError(
        f"Cannot add a {type(obj).__module__}.{type(obj).__qualname__} as a table: expected "
        "a pyarrow Table, a pandas or polars DataFrame, or an object with the Arrow PyCapsule "
        "interface (__arrow_c_stream__). Use add_file() for files."
    )


def _write_parquet(source: pa.Table | pa.RecordBatchReader, path: str) -> tuple[int, list[str]]:
    """Write ``source`` as Parquet at ``path``; return ``(rows, column names)``.

    A stream is written one batch at a time, so a table larger than memory can be
    added from a lazy source (a DuckDB relation, a dataset scanner ...).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    # zstd: smaller than snappy at similar speed; statistics let readers skip row groups.
    options: dict[str, Any] = {"compression": "zstd", "write_statistics": True}
    if isinstance(source, pa.Table):
        pq.write_table(source, path, **options)
        return source.num_rows, list(source.column_names)
    rows = 0
    with pq.ParquetWriter(path, source.schema, **options) as writer:
        for batch in source:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows, list(source.schema.names)


def table_entry(client: Client, obj: Any, name: str) -> ManifestEntry:
    """Write ``obj`` as Parquet into the blob store; return its manifest entry (not yet added)."""
    logical = table_path(name)
    source = _arrow_source(obj)
    tmp_dir = getattr(client.blobs, "tmp", None)
    fd, tmp = tempfile.mkstemp(dir=tmp_dir, prefix="table-", suffix=TABLE_SUFFIX)
    os.close(fd)
    try:
        rows, columns = _write_parquet(source, tmp)
        # Not through the stat cache: a temp file's inode is reused by later temp files.
        digest, size = client.blobs.put_file(Path(tmp))
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    extra = {"media_type": PARQUET_MEDIA_TYPE, "rows": rows, "columns": columns}
    return ManifestEntry(logical, digest, size, extra=extra)


def read_table(client: Client, entry: ManifestEntry, source: Path | None = None) -> pa.Table:
    """Read a table entry as a ``pyarrow.Table``, reading only that entry's bytes.

    ``source`` is a local file holding the bytes (a draft's not-yet-stored file);
    otherwise the blob is read from the store.
    """
    import pyarrow as pa

    suffix = "." + entry.path.rsplit(".", 1)[-1].lower() if "." in entry.path else ""
    if entry.ref is not None:
        raise ArtifactStateError(
            f"{entry.path!r} is a reference to {entry.ref}; download it with "
            f"artifact.get_entry({entry.path!r}).download() and read it from there."
        )
    if suffix not in _READABLE and entry.extra.get("media_type") != PARQUET_MEDIA_TYPE:
        raise ArtifactStateError(
            f"{entry.path!r} is not a table (tables are {', '.join(_READABLE)} files). Use "
            f"artifact.get_entry({entry.path!r}).download() to get the file."
        )
    path = source if source is not None else client.local_blob_path(entry.digest)
    if path is not None:
        digest, _size = hash_file(path)
        if digest != entry.digest:
            if source is None:
                client.blobs.quarantine(entry.digest)
            raise IntegrityError(
                f"The bytes of {entry.path!r} do not match its digest (expected "
                f"{entry.digest[:12]}..., read {digest[:12]}...). "
                + (
                    "The bad blob was moved to quarantine; log the table again to repair it."
                    if source is None
                    else f"{str(source)!r} changed after it was added; add it again."
                ),
                digest=entry.digest,
                path=entry.path,
            )
        data: Any = pa.memory_map(str(path), "r")
    else:
        from ipyartifacts.store.hashing import hash_bytes

        with client.open_blob(entry.digest) as stream:
            raw = stream.read()
        if hash_bytes(raw) != entry.digest:
            raise IntegrityError(
                f"The stored bytes of {entry.path!r} do not match its digest.",
                digest=entry.digest,
                path=entry.path,
            )
        data = pa.BufferReader(raw)
    return _parse(data, suffix, entry)


def _parse(data: Any, suffix: str, entry: ManifestEntry) -> pa.Table:
    import pyarrow as pa

    try:
        if suffix == ".parquet" or entry.extra.get("media_type") == PARQUET_MEDIA_TYPE:
            import pyarrow.parquet as pq

            return pq.read_table(data)
        if suffix in (".arrow", ".feather", ".ipc"):
            import pyarrow.feather as feather

            return feather.read_table(data)
        import pyarrow.csv as pacsv

        return pacsv.read_csv(data)
    except pa.ArrowInvalid as exc:
        raise ArtifactStateError(
            f"{entry.path!r} cannot be read as a {suffix.lstrip('.') or 'Parquet'} table: {exc}"
        ) from exc
