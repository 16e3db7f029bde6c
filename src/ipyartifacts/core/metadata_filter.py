"""Metadata filters: the conditions of ``Api().artifacts(..., metadata=...)``.

``Api().artifacts(..., metadata=...)`` takes a dict; every condition must hold::

    {"split": "train"}                          # equal (JSON equality: 1 == 1.0, True != 1)
    {"accuracy": {">=": 0.9}}                   # ==  !=  <  <=  >  >=
    {"accuracy": {">": 0.8, "<": 0.95}}         # several operators: all must hold
    {"split": {"in": ["train", "val"]}}         # one of
    {"notes": {"exists": False}}                # key present / absent
    {"eval.f1": {">": 0.5}}                     # dotted keys reach into nested dicts

A dict whose keys are all operators is a condition; any other dict is a value compared
for equality. Ordering operators compare numbers with numbers and strings with strings;
a version whose value has another type (or lacks the key) does not match. The SQL query
narrows by project, collection, type, tags and liveness; metadata conditions are then
checked in Python, exactly, on versions streamed in batches.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ipyartifacts.errors import InvalidMetadataError

__all__ = ["OPERATORS", "MetadataFilter", "compile_metadata_filter", "json_equal"]

_MISSING = object()
_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
OPERATORS = frozenset({"==", "!=", "in", "exists", *_ORDERING})


def _lookup(metadata: Mapping[str, Any], key: str) -> Any:
    if key in metadata:
        return metadata[key]
    value: Any = metadata
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON sees it: numbers by value, booleans apart from numbers."""
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def _comparable(a: Any, b: Any) -> bool:
    return (_is_number(a) and _is_number(b)) or (isinstance(a, str) and isinstance(b, str))


@dataclass(frozen=True)
class _Condition:
    key: str
    op: str
    value: Any

    def holds(self, metadata: Mapping[str, Any]) -> bool:
        found = _lookup(metadata, self.key)
        if self.op == "exists":
            return (found is not _MISSING) is bool(self.value)
        if found is _MISSING:
            return False
        if self.op == "==":
            return json_equal(found, self.value)
        if self.op == "!=":
            return not json_equal(found, self.value)
        if self.op == "in":
            return any(json_equal(found, v) for v in self.value)
        return _comparable(found, self.value) and _ORDERING[self.op](found, self.value)


@dataclass(frozen=True)
class MetadataFilter:
    """A compiled metadata filter: ``matches(metadata)`` is True when every condition holds."""

    conditions: tuple[_Condition, ...]

    def matches(self, metadata: Mapping[str, Any]) -> bool:
        return all(c.holds(metadata) for c in self.conditions)

    def required_texts(self) -> list[str]:
        """Texts the stored (canonical, compact) metadata JSON must contain to match.

        Only for equality with a string, boolean or null at a top-level key without dots:
        its ``"key":value`` pair then appears verbatim. Numbers are left out (``1`` and
        ``1.0`` are equal but print differently). A SQL LIKE on these narrows the
        candidates; :meth:`matches` still decides.
        """
        from ipyartifacts.store.names import dumps

        texts = []
        for c in self.conditions:
            if c.op == "==" and "." not in c.key and isinstance(c.value, (str, bool, type(None))):
                texts.append(f"{dumps(c.key)}:{dumps(c.value)}")
        return texts


def _is_operator_dict(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and all(k in OPERATORS for k in value)


def compile_metadata_filter(spec: Mapping[str, Any]) -> MetadataFilter:
    """Check a metadata filter (syntax in this module's docstring) and compile it.

    Raises InvalidMetadataError for an unknown operator or an operand of the wrong kind.

    Examples
    --------
    >>> f = compile_metadata_filter({"split": "train", "acc": {">=": 0.9}})
    >>> f.matches({"split": "train", "acc": 0.93}), f.matches({"split": "train", "acc": "high"})
    (True, False)
    """
    if not isinstance(spec, Mapping):
        raise InvalidMetadataError(
            f"A metadata filter is a dict like {{'split': 'train', 'acc': {{'>=': 0.9}}}}, "
            f"got {type(spec).__name__}."
        )
    conditions: list[_Condition] = []
    for key, value in spec.items():
        if not isinstance(key, str) or not key:
            raise InvalidMetadataError(f"Metadata filter keys must be non-empty strings: {key!r}.")
        if not _is_operator_dict(value):
            if isinstance(value, Mapping) and any(
                isinstance(k, str) and k[:1] in "<>=!" for k in value
            ):
                bad = [k for k in value if k not in OPERATORS]
                raise InvalidMetadataError(
                    f"Unknown operator {bad[0]!r} in the metadata filter for {key!r}; use "
                    f"{', '.join(sorted(OPERATORS))}.",
                    key=key,
                )
            conditions.append(_Condition(key, "==", value))
            continue
        for op, operand in value.items():
            if op in _ORDERING and not (_is_number(operand) or isinstance(operand, str)):
                raise InvalidMetadataError(
                    f"Operator {op!r} for {key!r} compares numbers or strings, got {operand!r}.",
                    key=key,
                )
            if op in _ORDERING and _is_number(operand) and not math.isfinite(operand):
                raise InvalidMetadataError(
                    f"Operator {op!r} for {key!r} needs a finite number, got {operand!r}.",
                    key=key,
                )
            if op == "in" and (
                isinstance(operand, (str, bytes, Mapping)) or not isinstance(operand, Sequence)
            ):
                raise InvalidMetadataError(
                    f"Operator 'in' for {key!r} takes a list of values, got {operand!r}.",
                    key=key,
                )
            if op == "exists" and not isinstance(operand, bool):
                raise InvalidMetadataError(
                    f"Operator 'exists' for {key!r} takes True or False, got {operand!r}.",
                    key=key,
                )
            conditions.append(_Condition(key, op, operand))
    return MetadataFilter(tuple(conditions))
