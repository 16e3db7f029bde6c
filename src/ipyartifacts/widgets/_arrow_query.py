"""Arrow helpers for table previews: column kinds, typed filters, sort keys, display pages.

Everything here validates what the browser sent: a request naming a column that does not
exist, an unknown operator or a value that does not parse for the column's type raises
:class:`BadRequestError` with a message fit for the user.
"""

from __future__ import annotations

import datetime as dt
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


def is_nested(type_: pa.DataType) -> bool:
    """True for list, struct, map and union types (no order, no comparisons)."""
    import pyarrow as pa

    return bool(pa.types.is_nested(_value_type(type_)) or pa.types.is_union(_value_type(type_)))


def sort_problem(type_: pa.DataType) -> str | None:
    """Why a column of this type cannot be sorted, or ``None`` if it can."""
    import pyarrow as pa

    t = _value_type(type_)
    if is_nested(t):
        return f"{short_type(t)} values have no order"
    if pa.types.is_interval(t) or isinstance(t, pa.ExtensionType):
        return f"{short_type(t)} values cannot be ordered here"
    return None


def _unit(type_: Any) -> str:
    return str(type_.unit)


def short_type(type_: pa.DataType) -> str:
    """A header-sized name for an Arrow type; the full one goes in the tooltip.

    Examples
    --------
    >>> import pyarrow as pa
    >>> short_type(pa.dictionary(pa.int32(), pa.string()))
    'string (dict)'
    >>> short_type(pa.timestamp("ms", tz="UTC"))
    'timestamp[ms, UTC]'
    >>> short_type(pa.list_(pa.int64()))
    'list<int64>'
    """
    import pyarrow as pa

    t = type_
    if pa.types.is_dictionary(t):
        return f"{short_type(t.value_type)} (dict)"
    if pa.types.is_timestamp(t):
        return f"timestamp[{_unit(t)}{', ' + str(t.tz) if t.tz else ''}]"
    if pa.types.is_float16(t):
        return "float16"
    if pa.types.is_float32(t):
        return "float32"
    if pa.types.is_float64(t):
        return "float64"
    if pa.types.is_decimal(t):
        return f"decimal({t.precision}, {t.scale})"
    if pa.types.is_date32(t) or pa.types.is_date64(t):
        return "date"
    if pa.types.is_time(t) or pa.types.is_duration(t):
        return f"{'time' if pa.types.is_time(t) else 'duration'}[{_unit(t)}]"
    if pa.types.is_fixed_size_list(t):
        return f"list<{short_type(t.value_type)}, {t.list_size}>"
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_list_view(t):
        return f"list<{short_type(t.value_type)}>"
    if pa.types.is_map(t):
        return f"map<{short_type(t.key_type)}, {short_type(t.item_type)}>"
    if pa.types.is_struct(t):
        inner = ", ".join(
            f"{t.field(i).name}: {short_type(t.field(i).type)}" for i in range(t.num_fields)
        )
        return f"struct<{inner}>" if len(inner) <= 40 else f"struct<{t.num_fields} fields>"
    return str(t)


def describe_columns(schema: pa.Schema) -> list[ColumnInfo]:
    """Column names, printed types and kinds for the front end's headers."""
    return [
        ColumnInfo(
            name=field.name,
            type=str(field.type),
            short_type=short_type(field.type),
            kind=column_kind(field.type),
            format="bytes" if (field.metadata or {}).get(b"ipa.format") == b"bytes" else None,
            sortable=sort_problem(field.type) is None,
        )
        for field in schema
    ]


def computable(column: Any) -> Any:
    """A column as compute kernels take it: dictionaries decoded, float16 widened."""
    import pyarrow as pa

    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_float16(column.type):
        column = column.cast(pa.float32())
    return column


def min_max(column: Any) -> tuple[Any, Any]:
    """Smallest and largest value of a column as Python values (``None`` if all null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = computable(column)
    type_ = column.type
    if pa.types.is_duration(type_):
        column = column.cast(pa.int64())
    result = pc.min_max(column)
    lo, hi = result["min"], result["max"]
    if pa.types.is_duration(type_):
        return (
            pa.scalar(lo.as_py(), type_).as_py() if lo.is_valid else None,
            pa.scalar(hi.as_py(), type_).as_py() if hi.is_valid else None,
        )
    return lo.as_py(), hi.as_py()


def _sort_projection(table: pa.Table, keys: list[tuple[str, str]]) -> tuple[pa.Table, list[Any]]:
    import pyarrow as pa

    columns = [computable(table.column(name)) for name, _ in keys]
    names = [f"k{i}" for i in range(len(keys))]
    return pa.table(columns, names=names), [
        (n, order) for n, (_, order) in zip(names, keys, strict=False)
    ]


def sort_indices(table: pa.Table, keys: list[tuple[str, str]]) -> pa.Array:
    """Indices that sort ``table`` by ``keys`` (dictionary and float16 columns included)."""
    import pyarrow.compute as pc

    projection, renamed = _sort_projection(table, keys)
    return pc.sort_indices(projection, sort_keys=renamed)


def top_k(table: pa.Table, keys: list[tuple[str, str]], k: int) -> pa.Array:
    """Indices of the first ``k`` rows of ``table`` in ``keys`` order (unordered among them)."""
    import pyarrow.compute as pc

    projection, renamed = _sort_projection(table, keys)
    return pc.select_k_unstable(projection, k=k, sort_keys=renamed)


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
        if pa.types.is_time(t):  # Arrow casts no strings to times
            return pa.scalar(dt.time.fromisoformat(text.strip()), t)
        if pa.types.is_temporal(t):
            return pa.array([text.replace("T", " ")]).cast(t)[0]
        return pa.scalar(text, pa.string())
    except (ValueError, InvalidOperation, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise BadRequestError(f"{text!r} is not a valid {t} value for column {column!r}") from exc


def _as_text(expr: pc.Expression, type_: pa.DataType, name: str) -> pc.Expression:
    import pyarrow as pa

    t = _value_type(type_)
    if pa.types.is_dictionary(type_):
        expr = expr.cast(t)
    if column_kind(t) == "string":
        return expr
    if column_kind(t) in ("number", "temporal", "bool"):
        return expr.cast(pa.string())
    raise BadRequestError(
        f"{name!r} is not filterable by text: it holds {short_type(t)} values "
        "(filter it by null / !null)"
    )


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
        text = _as_text(ref, field.type, field.name)
        if op == "starts_with":
            return pc.starts_with(text, value)
        match = pc.match_substring(text, value, ignore_case=True)
        return ~match if op == "not_contains" else match
    kind = column_kind(field.type)
    if kind in ("binary", "other"):
        raise BadRequestError(
            f"{field.name!r} is not filterable by comparison: it holds {short_type(field.type)} "
            "values (filter it by null / !null)"
        )
    if pa.types.is_dictionary(field.type):
        ref = ref.cast(field.type.value_type)
    if pa.types.is_float16(_value_type(field.type)):
        ref = ref.cast(pa.float32())
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
        problem = sort_problem(field.type)
        if problem is not None:
            raise BadRequestError(f"{field.name!r} is not sortable: {problem}")
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
        elif pa.types.is_duration(type_):
            columns.append(_python_text(column, str))
        elif pa.types.is_temporal(type_) or pa.types.is_decimal(type_):
            try:
                text = column.cast(pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                columns.append(_python_text(column))
                continue
            if pa.types.is_timestamp(type_) or pa.types.is_time(type_):
                text = _drop_zero_fraction(text)
            columns.append(text)
        else:
            columns.append(_python_text(column))
    return pa.table(columns, names=table.column_names)


def _python_text(column: pa.ChunkedArray | pa.Array, text: Any = None) -> pa.Array:
    import pyarrow as pa

    text = text or _cell_text
    return pa.array([None if v is None else text(v) for v in column.to_pylist()], pa.string())


def _drop_zero_fraction(text: Any) -> Any:
    """``12:00:00.000`` -> ``12:00:00`` (and before a zone: ``.000Z`` -> ``Z``)."""
    import pyarrow.compute as pc

    return pc.replace_substring_regex(text, r"\.0+(Z|[+-]\d\d:?\d\d)?$", r"\1")


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
