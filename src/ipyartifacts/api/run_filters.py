"""W&B's run filters (MongoDB-style) and orders, for ``Api().runs(path, filters, order)``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ipyartifacts.api.run import Run

__all__ = ["order_runs", "run_matches"]

_MISSING = object()


def _field(run: Run, key: str) -> Any:
    if key in ("display_name", "name", "displayName"):
        return run.name
    if key in ("jobType", "job_type"):
        return run.job_type
    if key in ("createdAt", "created_at"):
        return run.created_at
    if key in ("state", "group", "tags", "notes", "id", "project"):
        value = getattr(run, key)
        return list(value) if key == "tags" else value
    for prefix, attribute in (("config.", "config"), ("summary_metrics.", "summary")):
        if key.startswith(prefix):
            found: Any = getattr(run, attribute)  # read only when filtered on
            for part in key[len(prefix) :].removesuffix(".value").split("."):
                if not isinstance(found, Mapping) or part not in found:
                    return _MISSING
                found = found[part]
            return found
    raise ValueError(
        f"Cannot filter runs on {key!r}: use state, display_name, group, jobType, tags, "
        "notes, createdAt, config.KEY or summary_metrics.KEY."
    )


def _compare(op: str, value: Any, wanted: Any) -> bool:
    if op == "$in":
        return any(_equal(value, w) for w in wanted)
    if op == "$nin":
        return not any(_equal(value, w) for w in wanted)
    if op == "$ne":
        return not _equal(value, wanted)
    if op == "$eq":
        return _equal(value, wanted)
    if op == "$exists":
        return (value is not _MISSING) == bool(wanted)
    if op == "$regex":
        import re

        return isinstance(value, str) and re.search(str(wanted), value) is not None
    if value is _MISSING or value is None:
        return False
    try:
        if op == "$gt":
            return bool(value > wanted)
        if op == "$gte":
            return bool(value >= wanted)
        if op == "$lt":
            return bool(value < wanted)
        if op == "$lte":
            return bool(value <= wanted)
    except TypeError:
        return False
    raise ValueError(
        f"Unknown run filter operator {op!r}: use $in, $nin, $ne, $eq, $exists, $regex, "
        "$gt, $gte, $lt or $lte."
    )


def _equal(value: Any, wanted: Any) -> bool:
    if isinstance(value, list) and not isinstance(wanted, list):
        return wanted in value  # tags: a run matches when it has the tag
    return bool(value == wanted)


def run_matches(run: Run, filters: Mapping[str, Any]) -> bool:
    """Whether ``run`` satisfies every condition of W&B's ``filters``."""
    for key, cond in filters.items():
        if key == "$and":
            if not all(run_matches(run, f) for f in cond):
                return False
            continue
        if key == "$or":
            if not any(run_matches(run, f) for f in cond):
                return False
            continue
        value = _field(run, key)
        if isinstance(cond, Mapping) and cond and all(str(k).startswith("$") for k in cond):
            if not all(_compare(op, value, wanted) for op, wanted in cond.items()):
                return False
        elif value is _MISSING or not _equal(value, cond):
            return False
    return True


def order_runs(runs: list[Run], order: str | None) -> list[Run]:
    """Sort by W&B's ``order``: ``[+|-]created_at`` (``+``: oldest first, the default)."""
    text = order or "+created_at"
    descending = text.startswith("-")
    key = text.lstrip("+-")
    if key not in ("created_at", "createdAt"):
        raise ValueError(f"order must be '+created_at' or '-created_at', got {order!r}.")
    return sorted(runs, key=lambda r: (r.started_at, r.id), reverse=descending)
