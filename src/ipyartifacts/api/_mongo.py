"""The MongoDB-style filters W&B's registry search takes, evaluated over plain dicts.

``{"name": {"$regex": "model"}}``, ``{"$or": [{"tag": "prod"}, {"alias": "best"}]}``,
``{"metadata.accuracy": {"$gte": 0.9}}``. A list-valued field (``tag``, ``alias``) matches
when any element does, as in MongoDB. Operators: ``$and $or $nor $not $eq $ne $in $nin
$regex $exists $gt $gte $lt $lte``; anything else raises InvalidMetadataError naming it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ipyartifacts.errors import InvalidMetadataError

__all__ = ["matches"]

_MISSING = object()


def _get(doc: Mapping[str, Any], path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _compare(op: str, value: Any, arg: Any) -> bool:
    if value is _MISSING or value is None:
        return False
    try:
        if op == "$gt":
            return bool(value > arg)
        if op == "$gte":
            return bool(value >= arg)
        if op == "$lt":
            return bool(value < arg)
        return bool(value <= arg)
    except TypeError:  # comparing a string with a number: no match, as in MongoDB
        return False


def _scalar(op: str, value: Any, arg: Any) -> bool:
    if op == "$eq":
        return value is not _MISSING and value == arg
    if op == "$regex":
        return isinstance(value, str) and re.search(str(arg), value) is not None
    if op == "$in":
        return value is not _MISSING and value in list(arg)
    if op in ("$gt", "$gte", "$lt", "$lte"):
        return _compare(op, value, arg)
    raise InvalidMetadataError(
        f"Unsupported filter operator {op!r}; use $eq $ne $in $nin $regex $exists $gt $gte "
        "$lt $lte, combined with $and $or $nor $not.",
        key=op,
    )


def _field(value: Any, cond: Any) -> bool:
    ops = cond if isinstance(cond, Mapping) and any(k.startswith("$") for k in cond) else None
    if ops is None:
        ops = {"$eq": cond}
    for op, arg in ops.items():
        if op == "$exists":
            if (value is not _MISSING) != bool(arg):
                return False
        elif op == "$not":
            if _field(value, arg):
                return False
        elif op in ("$ne", "$nin"):
            positive = "$eq" if op == "$ne" else "$in"
            if _field(value, {positive: arg}):
                return False
        elif op == "$options":
            continue
        elif isinstance(value, list):
            if not any(_scalar(op, item, arg) for item in value) and not (
                op == "$eq" and value == arg
            ):
                return False
        elif not _scalar(op, value, arg):
            return False
    return True


def matches(doc: Mapping[str, Any], filter: Mapping[str, Any] | None) -> bool:
    """Whether ``doc`` satisfies the MongoDB-style ``filter`` (None: everything)."""
    if not filter:
        return True
    if not isinstance(filter, Mapping):
        raise InvalidMetadataError(
            f"A filter is a dict such as {{'name': {{'$regex': 'model'}}}}, got "
            f"{type(filter).__name__}."
        )
    for key, cond in filter.items():
        if key == "$and":
            ok = all(matches(doc, c) for c in cond)
        elif key == "$or":
            ok = any(matches(doc, c) for c in cond)
        elif key == "$nor":
            ok = not any(matches(doc, c) for c in cond)
        elif key.startswith("$"):
            raise InvalidMetadataError(f"Unsupported top-level filter operator {key!r}.", key=key)
        else:
            ok = _field(_get(doc, key), cond)
        if not ok:
            return False
    return True
