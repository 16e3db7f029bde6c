"""``Table``: W&B's ``wandb.Table`` for artifacts, stored as Parquet.

Row-oriented like W&B's (``columns`` + ``data``: a list of rows), built the same ways
(``Table(columns=, data=)``, ``Table(dataframe=df)``, ``add_data``, ``add_column``), read
the same ways (``get_column``, ``get_dataframe``, ``iterrows``, ``get_index``). In an
artifact, ``artifact.add(table, "name")`` stores ``name.table.parquet`` plus W&B's entry
name ``name.table.json`` (a small JSON saying where the rows are), and
``artifact.get("name")`` gives a ``Table`` back. A Table is also an Arrow stream
(``__arrow_c_stream__``), so ``pyarrow.table(t)`` and ``polars.DataFrame(t)`` take it.

Values are what Parquet holds: numbers, strings, booleans, None, datetimes, lists and
dicts of those. W&B media (images, audio ...) are not supported.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from ipyartifacts.core.client import Client
    from ipyartifacts.store.manifest import Manifest, ManifestEntry

__all__ = ["TABLE_JSON_SUFFIX", "TABLE_PARQUET_SUFFIX", "Table"]

TABLE_JSON_SUFFIX = ".table.json"
TABLE_PARQUET_SUFFIX = ".table.parquet"
_DEFAULT_COLUMNS = ["Input", "Output", "Expected"]
_LOG_MODES = ("IMMUTABLE", "MUTABLE", "INCREMENTAL")


class Table:
    """A table of rows (W&B's ``wandb.Table``), storable in an artifact as Parquet.

    Parameters
    ----------
    columns : list of str, optional
        Column names (W&B's default: ``["Input", "Output", "Expected"]``).
    data : list of rows, numpy 2-D array, or DataFrame, optional
    rows : list of rows, optional
        W&B's legacy spelling of ``data``.
    dataframe : pandas or polars DataFrame or pyarrow Table, optional
        When given, ``data`` and ``columns`` are ignored.
    dtype, optional, allow_mixed_types, log_mode
        Accepted as in W&B; types come from the values (Arrow's inference).

    Examples
    --------
    >>> import ipyartifacts as wandb
    >>> table = wandb.Table(columns=["a", "b"], data=[["a1", "b1"], ["a2", "b2"]])
    >>> table.add_data("a3", "b3")
    >>> table.get_column("a")
    ['a1', 'a2', 'a3']
    """

    columns: list[str]  # column names, in order
    data: list[list[Any]]  # the rows, each a list with one value per column

    def __init__(
        self,
        columns: list[str] | None = None,
        data: Any = None,
        rows: list[Sequence[Any]] | None = None,
        dataframe: Any = None,
        dtype: Any = None,
        optional: bool | list[bool] = True,
        allow_mixed_types: bool = False,
        log_mode: str | None = "IMMUTABLE",
    ) -> None:
        del dtype, optional, allow_mixed_types
        if log_mode not in (*_LOG_MODES, None):
            raise ValueError(f"log_mode must be one of {', '.join(_LOG_MODES)}, got {log_mode!r}.")
        self.log_mode = log_mode
        if columns is not None and not isinstance(columns, list):
            raise TypeError(f"columns must be a list of names, got {type(columns).__name__}.")
        self.columns: list[str] = list(columns) if columns is not None else list(_DEFAULT_COLUMNS)
        self.data: list[list[Any]] = []
        if dataframe is not None:
            self._from_frame(dataframe)
        elif data is not None:
            if _is_frame(data):
                self._from_frame(data)
            elif hasattr(data, "tolist") and getattr(data, "ndim", None) == 2:  # numpy
                self._from_rows(data.tolist())
            else:
                self._from_rows(data)
        elif rows is not None:
            self._from_rows(rows)

    def _from_rows(self, rows: Any) -> None:
        if not isinstance(rows, list):
            raise TypeError(
                f"data must be a list of rows, a 2-D numpy array or a DataFrame, got "
                f"{type(rows).__name__}."
            )
        for row in rows:  # each checked against the columns, as W&B does
            self.add_data(*row)

    def _from_frame(self, frame: Any) -> None:
        table = to_arrow_table(frame)
        self.columns = [str(n) for n in table.column_names]
        self.data = [list(r.values()) for r in table.to_pylist()]

    # -- W&B's building methods ------------------------------------------------------

    def add_data(self, *data: Any) -> None:
        """Append one row; it must have one value per column (ValueError otherwise)."""
        if len(data) != len(self.columns):
            raise ValueError(
                f"This table expects {len(self.columns)} columns: {self.columns}, found {len(data)}"
            )
        self.data.append(list(data))

    def add_column(self, name: str, data: Any, optional: bool = False) -> None:
        """Add a column (a list or 1-D numpy array with one value per row)."""
        del optional
        if not isinstance(name, str) or name in self.columns:
            raise ValueError(
                f"Column name must be a new string; {name!r} is not (has {self.columns})."
            )
        values = data.tolist() if hasattr(data, "tolist") else list(data)
        if self.columns and len(values) != len(self.data):
            raise ValueError(f"Expected length {len(self.data)}, found {len(values)}")
        if not self.columns:
            self.data = [[] for _ in values]
        for row, value in zip(self.data, values, strict=False):
            row.append(value)
        self.columns.append(name)

    # -- reading -----------------------------------------------------------------------

    def get_column(self, name: str, convert_to: str | None = None) -> Any:
        """A column's values as a list (``convert_to="numpy"``: a numpy array)."""
        if name not in self.columns:
            raise KeyError(f"No column {name!r}; the columns are {self.columns}.")
        if convert_to not in (None, "numpy"):
            raise ValueError(f"convert_to must be None or 'numpy', got {convert_to!r}.")
        ndx = self.columns.index(name)
        column = [row[ndx] for row in self.data]
        if convert_to == "numpy":
            return importlib.import_module("numpy").array(column)
        return column

    def get_index(self) -> list[int]:
        """The row indexes ``0 .. len-1`` (W&B uses them to link tables)."""
        return list(range(len(self.data)))

    def get_dataframe(self) -> Any:
        """The table as a ``pandas.DataFrame``."""
        pd = import_pandas("Table.get_dataframe()", "table.data or pyarrow.table(table)")
        return pd.DataFrame.from_records(self.data, columns=self.columns)

    def iterrows(self) -> Iterator[tuple[int, list[Any]]]:
        """``(index, row)`` for every row, in order."""
        yield from enumerate(self.data)

    # -- Arrow ---------------------------------------------------------------------------

    def to_arrow(self) -> pa.Table:
        """The table as a ``pyarrow.Table`` (column types inferred from the values)."""
        import pyarrow as pa

        if not self.columns:
            return pa.table({})
        columns = {name: [row[i] for row in self.data] for i, name in enumerate(self.columns)}
        try:
            return pa.table(columns)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise TypeError(
                f"This table's values cannot be stored as columns ({exc}). Keep one kind "
                "of value per column (numbers, strings, booleans, lists, dicts)."
            ) from exc

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The Arrow PyCapsule stream interface: ``pa.table(t)``, ``pl.DataFrame(t)``."""
        return self.to_arrow().__arrow_c_stream__(requested_schema)

    # -- python ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Table) and (self.columns, self.data) == (
            other.columns,
            other.data,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Table {len(self.data)} rows x {len(self.columns)} columns {self.columns}>"


def import_pandas(needed_by: str, instead: str) -> Any:
    """pandas, or an ImportError saying what needs it and what works without it."""
    try:
        return importlib.import_module("pandas")
    except ImportError as exc:
        raise ImportError(
            f"{needed_by} returns a pandas DataFrame, and pandas is not installed: "
            f"pip install pandas, or use {instead}."
        ) from exc


def _is_frame(value: Any) -> bool:
    kind = type(value)
    return (kind.__module__.split(".")[0], kind.__name__) in {
        ("pandas", "DataFrame"),
        ("polars", "DataFrame"),
        ("pyarrow", "Table"),
    }


def to_arrow_table(frame: Any) -> pa.Table:
    """A DataFrame (pandas: without its index) or Arrow table as a ``pyarrow.Table``."""
    import pyarrow as pa

    if isinstance(frame, pa.Table):
        return frame
    if type(frame).__module__.split(".")[0] == "pandas":
        return pa.Table.from_pandas(frame, preserve_index=False)
    return pa.table(frame)


# -- in artifacts ---------------------------------------------------------------------


def table_entries(client: Client, table: Table, name: str) -> tuple[ManifestEntry, ManifestEntry]:
    """Store ``table`` as Parquet; return its ``(json entry, parquet entry)`` (not yet added).

    The JSON entry is W&B's name (``name.table.json``); its bytes say where the rows are::

        {"_type": "table-file", "format": "parquet", "path": "name.table.parquet",
         "columns": [...], "ncols": 2, "nrows": 3}
    """
    import json

    from ipyartifacts.core.tables import table_entry
    from ipyartifacts.store.manifest import ManifestEntry
    from ipyartifacts.store.paths import validate_logical_path

    if not isinstance(name, str):
        raise TypeError(f"A table name must be a string, got {type(name).__name__}.")
    base = name.strip("/")
    for suffix in (TABLE_JSON_SUFFIX, TABLE_PARQUET_SUFFIX):
        base = base.removesuffix(suffix)
    parquet = table_entry(client, table, base + ".table")
    pointer = {
        "_type": "table-file",
        "format": "parquet",
        "path": parquet.path,
        "columns": list(table.columns),
        "ncols": len(table.columns),
        "nrows": len(table.data),
    }
    data = json.dumps(pointer, sort_keys=True).encode()
    digest = client.blobs.put_bytes(data)
    logical = validate_logical_path(base + TABLE_JSON_SUFFIX)
    return ManifestEntry(logical, digest, len(data), extra={"table": "parquet"}), parquet


def table_json_candidates(name: str) -> list[str]:
    """Where ``artifact.get(name)`` looks for a W&B table: ``name`` or ``name.table.json``."""
    return [name] if name.endswith(TABLE_JSON_SUFFIX) else [name + TABLE_JSON_SUFFIX]


def read_wandb_table(client: Client, manifest: Manifest, json_entry: ManifestEntry) -> Table:
    """The ``Table`` a ``name.table.json`` entry points at (its Parquet read once)."""
    import json

    from ipyartifacts.core.tables import read_table
    from ipyartifacts.errors import ArtifactNotFoundError

    with client.open_blob(json_entry.digest) as handle:
        pointer = json.loads(handle.read())
    path = pointer.get("path") if isinstance(pointer, dict) else None
    if not isinstance(path, str) or path not in manifest:
        raise ArtifactNotFoundError(
            f"{json_entry.path!r} names rows at {path!r}, which the artifact does not have.",
            name=json_entry.path,
        )
    return Table(dataframe=read_table(client, manifest[path]))
