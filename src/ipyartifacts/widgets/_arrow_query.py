"""Arrow helpers for table previews: column kinds, typed filters, sort keys, display pages.

Everything here validates what the browser sent: a request naming a column that does not
exist, an unknown operator or a value that does not parse for the column's type raises
:class:`BadRequestError` with a message fit for the user.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ipyartifacts.widgets._messages import FILTER_OPS, BadRequestError, ColumnInfo, ColumnKind

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc

#: Largest page the front end may ask for in one request.
MAX_PAGE_ROWS = 10_000

_ORDER_OPS = {"eq", "ne", "lt", "le", "gt", "ge", "between"}
_TEXT_OPS = {"contains", "not_contains", "starts_with"}


def _value_type(type_: pa.DataType) -> pa.DataType:
    import pyarrow as pa

    return type_.value_type if pa.types.is_dictionary(type_) else type_


def column_kind(type_: pa.DataType) -> ColumnKind:
    """How a column of this Arrow type sorts, filters and displays.

    Parameters
    ----------
    type_
        The column's Arrow type (dictionary types count as their value type).

    Returns
    -------
    ColumnKind
        One of ``"number"``, ``"string"``, ``"bool"``, ``"temporal"``, ``"binary"``, ``"other"``.
    """
    import pyarrow as pa

    t = _value_type(type_)
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_temporal(t) and not pa.types.is_duration(t) and not pa.types.is_interval(t):
        return "temporal"
    if (
        pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_fixed_size_binary(t)
        or pa.types.is_binary_view(t)
    ):
        return "binary"
    return "other"


def describe_columns(schema: pa.Schema) -> list[ColumnInfo]:
    """Column names, printed types and kinds for the front end's headers."""
    return [
        ColumnInfo(
            name=field.name,
            type=str(field.type),
            kind=column_kind(field.type),
            format="bytes" if (field.metadata or {}).get(b"ipa.format") == b"bytes" else None,
        )
        for field in schema
    ]


def _field(schema: pa.Schema, name: object) -> pa.Field:
    if not isinstance(name, str):
        raise BadRequestError(f"column must be a string, got {name!r}")
    index = schema.get_field_index(name)
    if index < 0:
        raise BadRequestError(f"no column named {name!r}; columns are {schema.names}")
    return schema.field(index)


def _parse_scalar(text: str, type_: pa.DataType, column: str) -> pa.Scalar:
    """Parse filter text as a scalar of the column's (value) type."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = _value_type(type_)
    try:
        if pa.types.is_integer(t):
            try:
                return pa.scalar(int(text), pa.int64())
            except ValueError:
                return pa.scalar(float(text), pa.float64())
        if pa.types.is_floating(t):
            return pa.scalar(float(text), pa.float64())
        if pa.types.is_decimal(t):
            return pa.scalar(Decimal(text))
        if pa.types.is_boolean(t):
            lowered = text.strip().lower()
            if lowered not in ("true", "false"):
                raise ValueError(text)
            return pa.scalar(lowered == "true")
        if pa.types.is_timestamp(t) and t.tz is not None:
            naive = pa.array([text.replace("T", " ")]).cast(pa.timestamp(t.unit))
            return pc.assume_timezone(naive, t.tz)[0]
        if pa.types.is_temporal(t):
            return pa.array([text.replace("T", " ")]).cast(t)[0]
        return pa.scalar(text, pa.string())
    except (ValueError, InvalidOperation, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise BadRequestError(f"{text!r} is not a valid {t} value for column {column!r}") from exc


def _as_text(expr: pc.Expression, type_: pa.DataType) -> pc.Expression:
    import pyarrow as pa

    t = _value_type(type_)
    if pa.types.is_dictionary(type_):
        expr = expr.cast(t)
    if column_kind(t) == "string":
        return expr
    if column_kind(t) in ("number", "temporal", "bool"):
        return expr.cast(pa.string())
    raise BadRequestError(f"text filters are not supported on {t} columns")


def filter_expression(clauses: object, schema: pa.Schema) -> pc.Expression | None:
    """Build one Arrow expression (AND of all clauses) from the front end's filter list.

    Parameters
    ----------
    clauses
        The ``filter`` field of a page request: a list of :class:`FilterClause` dicts.
    schema
        Schema of the table being filtered.

    Returns
    -------
    pyarrow.compute.Expression or None
        ``None`` when there is nothing to filter.

    Raises
    ------
    BadRequestError
        On malformed clauses, unknown columns or operators, or values of the wrong type.
    """

    if not isinstance(clauses, list):
        raise BadRequestError(f"filter must be a list, got {type(clauses).__name__}")
    combined: pc.Expression | None = None
    for clause in clauses:
        expr = _clause_expression(clause, schema)
        combined = expr if combined is None else combined & expr
    return combined


def _clause_expression(clause: object, schema: pa.Schema) -> pc.Expression:
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(clause, dict):
        raise BadRequestError(f"filter clause must be an object, got {clause!r}")
    field = _field(schema, clause.get("column"))
    op = clause.get("op")
    if op not in FILTER_OPS:
        raise BadRequestError(
            f"unknown filter operator {op!r}; expected one of {sorted(FILTER_OPS)}"
        )
    ref = pc.field(field.name)
    if op == "is_null":
        return ref.is_null()
    if op == "not_null":
        return ref.is_valid()
    value = clause.get("value")
    if not isinstance(value, str):
        raise BadRequestError(f"filter {op!r} on {field.name!r} needs a text value, got {value!r}")
    if op in _TEXT_OPS:
        text = _as_text(ref, field.type)
        if op == "starts_with":
            return pc.starts_with(text, value)
        match = pc.match_substring(text, value, ignore_case=True)
        return ~match if op == "not_contains" else match
    kind = column_kind(field.type)
    if kind in ("binary", "other"):
        raise BadRequestError(f"comparisons are not supported on {field.type} columns")
    if pa.types.is_dictionary(field.type):
        ref = ref.cast(field.type.value_type)
    scalar = _parse_scalar(value, field.type, field.name)
    if op == "between":
        value2 = clause.get("value2")
        if not isinstance(value2, str):
            raise BadRequestError(f"'between' on {field.name!r} needs value2, got {value2!r}")
        upper = _parse_scalar(value2, field.type, field.name)
        return (ref >= scalar) & (ref <= upper)
    compare = {
        "eq": ref == scalar,
        "ne": ref != scalar,
        "lt": ref < scalar,
        "le": ref <= scalar,
        "gt": ref > scalar,
        "ge": ref >= scalar,
    }
    return compare[op]


def sort_keys(keys: object, schema: pa.Schema) -> list[tuple[str, str]]:
    """Validate the ``sort`` field of a page request into pyarrow sort keys."""
    if not isinstance(keys, list):
        raise BadRequestError(f"sort must be a list, got {type(keys).__name__}")
    result: list[tuple[str, str]] = []
    for key in keys:
        if not isinstance(key, dict):
            raise BadRequestError(f"sort key must be an object, got {key!r}")
        field = _field(schema, key.get("column"))
        descending = key.get("descending", False)
        if not isinstance(descending, bool):
            raise BadRequestError(f"descending must be true or false, got {descending!r}")
        if column_kind(field.type) in ("other",):
            raise BadRequestError(f"cannot sort by {field.name!r} of type {field.type}")
        result.append((field.name, "descending" if descending else "ascending"))
    return result


def _cell_text(value: Any) -> str:
    if isinstance(value, bytes):
        head = value[:16].hex(" ")
        return f"<{len(value)} bytes> {head}{' …' if len(value) > 16 else ''}"
    try:
        return json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def display_table(table: pa.Table) -> pa.Table:
    """Convert a page to the few types the front end decodes: numbers, bools and strings.

    Temporal, decimal, binary, nested and other types become display strings here, where Arrow
    formats them exactly; pages are small, so per-value Python formatting is cheap.
    """
    import pyarrow as pa

    columns: list[pa.Array | pa.ChunkedArray] = []
    for column in table.columns:
        type_ = column.type
        if pa.types.is_dictionary(type_):
            column = column.cast(type_.value_type)
            type_ = type_.value_type
        if pa.types.is_integer(type_) or pa.types.is_boolean(type_):
            columns.append(column)
        elif pa.types.is_floating(type_):
            columns.append(column.cast(pa.float64()))
        elif pa.types.is_string(type_) or pa.types.is_large_string(type_):
            columns.append(column)
        elif pa.types.is_string_view(type_):
            columns.append(column.cast(pa.string()))
        elif pa.types.is_null(type_):
            columns.append(pa.nulls(len(column), pa.string()))
        elif pa.types.is_temporal(type_) or pa.types.is_decimal(type_):
            try:
                columns.append(column.cast(pa.string()))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                columns.append(_python_text(column))
        else:
            columns.append(_python_text(column))
    return pa.table(columns, names=table.column_names)


def _python_text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    import pyarrow as pa

    return pa.array([None if v is None else _cell_text(v) for v in column.to_pylist()], pa.string())


def to_ipc(table: pa.Table) -> bytes:
    """Serialise a (small) table as one Arrow IPC stream."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()  # type: ignore[no-any-return]


def scalar_text(value: Any) -> str | None:
    """Display text of a min/max value (Arrow scalar or Python value)."""
    import pyarrow as pa

    if isinstance(value, pa.Scalar):
        value = value.as_py()
    if value is None:
        return None
    if isinstance(value, float):
        return format(value, ".6g")
    if isinstance(value, bytes):
        return _cell_text(value)
    return str(value)
