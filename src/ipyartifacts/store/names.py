"""Names, aliases, tags, metadata and artifact specs ("project/name:alias").

Everything here is pure validation and parsing: no I/O.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ipyartifacts.errors import InvalidMetadataError, InvalidNameError

__all__ = [
    "LATEST",
    "LOCAL_ORGANIZATION",
    "MAX_METADATA_BYTES",
    "MAX_METADATA_DEPTH",
    "REGISTRY_PREFIX",
    "ArtifactSpec",
    "alias_list",
    "check_metadata",
    "custom_aliases",
    "parse_spec",
    "registry_name",
    "validate_alias",
    "validate_label",
    "validate_name",
    "validate_tag",
]

LATEST = "latest"
MAX_NAME_LENGTH = 128
MAX_METADATA_DEPTH = 100  # nesting levels of dicts/lists; deeper is a bug, not a record
MAX_METADATA_BYTES = 1 << 20  # 1 MB of JSON: metadata is a description, not a payload
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_VERSION = re.compile(r"^v(\d+)$")


def _check(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidNameError(
            f"{what.capitalize()} must be a string, got {type(value).__name__}.", name=repr(value)
        )
    if not value:
        raise InvalidNameError(f"{what.capitalize()} must not be empty.", name=value)
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidNameError(
            f"{what.capitalize()} {value[:40]!r}... is {len(value)} characters long; "
            f"the limit is {MAX_NAME_LENGTH}.",
            name=value,
        )
    if not _NAME.match(value) or set(value) == {"."}:
        bad = sorted({c for c in value if not re.match(r"[A-Za-z0-9_.-]", c)})
        detail = f" (found {''.join(bad)!r})" if bad else ""
        raise InvalidNameError(
            f"Invalid {what} {value!r}: use only letters, digits, '_', '.' and '-'{detail}, "
            f"at most {MAX_NAME_LENGTH} characters.",
            name=value,
        )
    return value


def validate_name(name: object, what: str = "artifact name") -> str:
    """Return ``name`` if it is a valid project or artifact name, else raise InvalidNameError."""
    return _check(name, what)


REGISTRY_PREFIX = "wandb-registry-"
LOCAL_ORGANIZATION = "local"  # a local store has no organizations; this names its one


def registry_name(name: object) -> str:
    """A registry's short name: ``"model"`` from ``"model"`` or ``"wandb-registry-model"``."""
    if isinstance(name, str) and name.startswith(REGISTRY_PREFIX):
        name = name[len(REGISTRY_PREFIX) :]
    return validate_name(name, "registry name")


def validate_label(value: object, what: str, limit: int = MAX_NAME_LENGTH) -> str:
    """Return a free-form label (run name, job type) if valid, else raise InvalidNameError.

    W&B accepts any text here (``job_type="modify dataset"``); only control characters
    (newlines, tabs, NUL ...) and empty or over-long values are refused.
    """
    if not isinstance(value, str):
        raise InvalidNameError(
            f"{what.capitalize()} must be a string, got {type(value).__name__}.", name=repr(value)
        )
    if not value.strip():
        raise InvalidNameError(f"{what.capitalize()} must not be empty.", name=value)
    if len(value) > limit:
        raise InvalidNameError(
            f"{what.capitalize()} {value[:40]!r}... is {len(value)} characters long; "
            f"the limit is {limit}.",
            name=value,
        )
    bad = sorted({c for c in value if ord(c) < 32 or 127 <= ord(c) < 160})
    if bad:
        raise InvalidNameError(
            f"Invalid {what} {value!r}: control characters ({', '.join(repr(c) for c in bad)}) "
            "are not allowed; spaces and punctuation are.",
            name=value,
        )
    return value


def validate_tag(tag: object) -> str:
    """Return ``tag`` if valid (same rules as names)."""
    return _check(tag, "tag")


#: Why ``latest`` is never set by hand; every front end's refusal says this.
LATEST_RULE = (
    "'latest' always points at the newest version: it moves by itself when a version is "
    "logged (or the newest one is deleted) and cannot be set, moved or removed by hand"
)
_ANOTHER = "To mark a version, choose another alias, such as 'best' or 'production'."


def validate_alias(alias: object) -> str:
    """Return ``alias`` if it can be set by a user: not ``latest``, not a version like ``v3``."""
    value = _check(alias, "alias")
    if value == LATEST:
        raise InvalidNameError(f"Alias 'latest' is reserved: {LATEST_RULE}. {_ANOTHER}", name=value)
    if _VERSION.match(value):
        raise InvalidNameError(
            f"Alias {value!r} is reserved: 'vN' always names version N, given when the version "
            f"is logged, and cannot be set by hand. {_ANOTHER}",
            name=value,
        )
    return value


def custom_aliases(aliases: Iterable[object], *, newest: bool) -> list[str]:
    """The aliases to store, from aliases a user asked for; the one rule for ``latest``.

    ``latest`` is managed (:data:`LATEST_RULE`). Asking for it on a version that is the
    newest anyway changes nothing and is accepted: a version being logged (W&B code passes
    ``aliases=["latest"]`` to ``log_artifact``) or a version that held ``latest`` when it
    was read. Asking for it on any other version is refused, as is ``vN`` anywhere.
    Every front end (``log_artifact``/``save``, ``log --alias``, ``alias NAME:V latest``)
    applies this rule through here.

    Parameters
    ----------
    aliases : iterable of str
        The aliases asked for; may include ``latest``.
    newest : bool
        Whether the version is (being logged as, or was read as) the newest.

    Returns
    -------
    list of str
        The custom aliases, validated and de-duplicated, without ``latest``.
    """
    out = []
    for alias in aliases:
        if alias == LATEST and newest:
            continue
        out.append(validate_alias(alias))
    return unique(out)


def unique(values: Iterable[str]) -> list[str]:
    """Order-preserving de-duplication."""
    return list(dict.fromkeys(values))


def version_number(token: str) -> int | None:
    """``"v3"`` -> 3; anything else -> None."""
    match = _VERSION.match(token)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class ArtifactSpec:
    """A parsed ``[entity/][project/]name[:alias|:vN]``."""

    project: str | None
    name: str
    alias: str  # "latest", "v3" or a custom alias

    @property
    def number(self) -> int | None:
        return version_number(self.alias)


def parse_spec(spec: str) -> ArtifactSpec:
    """Parse ``"[entity/][project/]name[:alias|:vN]"``; no alias means ``latest``.

    An entity (W&B's user or team) is accepted for compatibility and ignored: a
    local store has no entities.

    Examples
    --------
    >>> parse_spec("mnist:v2")
    ArtifactSpec(project=None, name='mnist', alias='v2')
    >>> parse_spec("team/vision/mnist")
    ArtifactSpec(project='vision', name='mnist', alias='latest')
    """
    if not isinstance(spec, str) or not spec:
        raise InvalidNameError(_malformed(spec), name=repr(spec))
    path, sep, alias = spec.partition(":")
    if sep and not alias:
        raise InvalidNameError(
            f"{spec!r} ends with ':' but names no alias or version; write 'name:latest' or "
            "'name:v0'.",
            name=spec,
        )
    if ":" in alias:
        raise InvalidNameError(_malformed(spec, "a name has at most one ':'"), name=spec)
    if "/" in alias:
        raise InvalidNameError(_malformed(spec, "the project goes before the name"), name=spec)
    parts = path.split("/")
    if len(parts) > 3:
        raise InvalidNameError(_malformed(spec, "too many '/' parts"), name=spec)
    name = validate_name(parts[-1])
    project = validate_name(parts[-2], "project name") if len(parts) >= 2 else None
    if alias:
        _check(alias, "alias")
    return ArtifactSpec(project=project, name=name, alias=alias or LATEST)


def _malformed(spec: object, why: str = "") -> str:
    detail = f" ({why})" if why else ""
    return (
        "Malformed artifact name: expected NAME, NAME:ALIAS or NAME:vN, optionally as "
        f"PROJECT/NAME:..., got {spec!r}{detail}."
    )


def check_metadata(value: Mapping[str, Any] | None, what: str = "metadata") -> dict[str, Any]:
    """Return a JSON-safe deep copy of ``value`` or raise :class:`InvalidMetadataError`.

    Strict JSON: string keys; str, int, float, bool, None, lists/tuples and dicts;
    no NaN or Infinity. numpy scalars are accepted through ``.item()``. At most
    :data:`MAX_METADATA_DEPTH` levels of nesting (a structure that contains itself
    is refused the same way) and :data:`MAX_METADATA_BYTES` of JSON.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidMetadataError(
            f"{what.capitalize()} must be a dict, got {type(value).__name__}."
        )
    cleaned = {str(k): v for k, v in _clean(value, what, "", 0).items()}
    size = len(dumps(cleaned).encode("utf-8"))
    if size > MAX_METADATA_BYTES:
        raise InvalidMetadataError(
            f"{what.capitalize()} is {size:,} bytes of JSON; the limit is "
            f"{MAX_METADATA_BYTES:,} bytes (1 MB). Keep large data in a file of the artifact "
            "and put its path in the metadata.",
        )
    return cleaned


def _clean(value: Any, what: str, where: str, depth: int) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidMetadataError(
                f"{what.capitalize()} value at {where or 'top level'!r} is {value!r}; JSON has "
                "no NaN or Infinity. Store None or a string instead.",
                key=where,
            )
        return float(value)
    if isinstance(value, (Mapping, list, tuple)) and depth >= MAX_METADATA_DEPTH:
        shown = where if len(where) <= 60 else where[:57] + "..."
        raise InvalidMetadataError(
            f"{what.capitalize()} is nested more than {MAX_METADATA_DEPTH} levels deep (at "
            f"{shown!r}); the limit is {MAX_METADATA_DEPTH}. Flatten it, or store it as a "
            "file of the artifact. (A dict or list that contains itself never ends.)",
            key=where,
        )
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidMetadataError(
                    f"{what.capitalize()} keys must be strings; {key!r} at "
                    f"{where or 'top level'!r} is a {type(key).__name__}.",
                    key=where,
                )
            out[key] = _clean(item, what, f"{where}.{key}" if where else key, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [_clean(item, what, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item) and not isinstance(value, (bytes, bytearray)):
        try:
            return _clean(item(), what, where, depth)
        except (TypeError, ValueError):
            pass
    raise InvalidMetadataError(
        f"{what.capitalize()} value at {where or 'top level'!r} is a {type(value).__name__}, "
        "which is not JSON. Use str, int, float, bool, None, lists and dicts.",
        key=where,
    )


def dumps(value: Any) -> str:
    """Canonical JSON text for storage (sorted keys, no NaN)."""
    return json.dumps(value, sort_keys=True, allow_nan=False, separators=(",", ":"))


def alias_list(aliases: str | Iterable[str] | None) -> list[str]:
    """W&B's ``aliases`` argument as a list: a string is one alias, never its letters."""
    if aliases is None:
        return []
    if isinstance(aliases, str):
        return [aliases]
    return list(aliases)
