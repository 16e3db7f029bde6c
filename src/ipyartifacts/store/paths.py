"""Logical paths inside an artifact, and the one safe way to turn them into local paths.

A logical path is what a manifest entry is filed under: ``"images/cat.png"``.
They come from users and from manifests other people wrote to a shared store, so
every one is checked when added *and* when read back. Downloads place files through
:mod:`ipyartifacts.store.placement` (directory descriptors, links never followed);
:func:`safe_destination` is the path-level check for callers that only need a path.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

from ipyartifacts.errors import InvalidPathError

__all__ = [
    "MAX_PATH_LENGTH",
    "MAX_SEGMENT_LENGTH",
    "join_logical",
    "safe_destination",
    "validate_logical_path",
]

# Limits in UTF-8 bytes, as filesystems count them (Linux: NAME_MAX 255, PATH_MAX 4096).
# A path past them could be added but never downloaded, so it is refused when added.
MAX_PATH_LENGTH = 4096
MAX_SEGMENT_LENGTH = 255

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# Everything _problem() looks for, in one pass: the common (valid) case costs one search.
_ANY_PROBLEM = re.compile(r"[\x00-\x1f\x7f\\]|^/|//|/$|(?:^|/)\.{1,2}(?:/|$)|(?:^|/)[A-Za-z]:")


def _problem(path: str) -> str | None:
    """Say what is wrong with ``path`` as a logical path, or ``None`` when it is fine."""
    # An ASCII path of at most 255 characters cannot break a length limit: the common
    # case costs no encoding and no split.
    short = len(path) <= MAX_SEGMENT_LENGTH and path.isascii()
    if path and (short or _length_problem(path) is None) and not _ANY_PROBLEM.search(path):
        return None
    return _describe(path)


def _length_problem(path: str) -> str | None:
    """Say which byte limit ``path`` breaks (whole path, then the first long segment)."""
    size = len(path) if path.isascii() else len(path.encode("utf-8", "surrogatepass"))
    if size > MAX_PATH_LENGTH:
        return (
            f"it is {size:,} bytes long (UTF-8); the limit is {MAX_PATH_LENGTH} bytes for a "
            "whole path"
        )
    if size <= MAX_SEGMENT_LENGTH:
        return None
    for segment in path.split("/"):
        length = len(segment.encode("utf-8", "surrogatepass"))
        if length > MAX_SEGMENT_LENGTH:
            shown = segment[:40] + "..."
            return (
                f"segment {shown!r} is {length} bytes long (UTF-8); the limit is "
                f"{MAX_SEGMENT_LENGTH} bytes for one file or folder name"
            )
    return None


def _describe(path: str) -> str | None:
    """The slow, explicit form of the checks, which also says what is wrong."""
    if not path:
        return "it is empty"
    length = _length_problem(path)
    if length is not None:
        return length
    if _CONTROL.search(path):
        return "it contains NUL or control characters"
    if "\\" in path:
        return "it contains a backslash (use '/' to separate folders)"
    if path.startswith("/"):
        return "it is absolute (starts with '/')"
    if _DRIVE.match(path):
        return "it starts with a drive letter"
    for segment in path.split("/"):
        if segment == "":
            return "it has an empty segment ('//' or a trailing '/')"
        if segment in (".", ".."):
            return f"it has a {segment!r} segment"
        if _DRIVE.match(segment):
            return (
                f"segment {segment!r} looks like a drive letter (Windows would jump to that drive)"
            )
    return None


def validate_logical_path(path: str) -> str:
    """Return ``path`` if it is a safe logical path, else raise :class:`InvalidPathError`.

    Safe means: relative, '/'-separated, no ``.``/``..``/empty segments, no backslashes,
    drive letters, NUL or control characters, and none of these hidden behind
    percent-encoding (``%2e%2e%2f``); each segment at most :data:`MAX_SEGMENT_LENGTH`
    (255) bytes and the whole path at most :data:`MAX_PATH_LENGTH` (4096) bytes of UTF-8,
    so that every accepted path can be written to a filesystem.

    Examples
    --------
    >>> validate_logical_path("data/train.csv")
    'data/train.csv'
    """
    if not isinstance(path, str):
        raise InvalidPathError(
            f"Logical paths must be strings, got {type(path).__name__}.", path=repr(path)
        )
    problem = _problem(path)
    decoded = path
    # Decode repeatedly so double-encoded traversal (%252e%252e) is caught too.
    for _ in range(3 if "%" in path else 0):
        if problem is not None:
            break
        step = unquote(decoded)
        if step == decoded:
            break
        decoded = step
        inner = _problem(decoded)
        if inner is not None:
            problem = f"once percent-decoded ({decoded!r}) {inner}"
    if problem is not None:
        shown = repr(path) if len(path) <= 120 else f"{path[:60]!r}... ({len(path):,} characters)"
        raise InvalidPathError(
            f"Invalid path {shown} in artifact: {problem}. Use a relative path such as "
            "'folder/file.txt' with '/' between folders.",
            path=path,
        )
    return path


def join_logical(prefix: str | None, name: str) -> str:
    """Join an optional logical folder ``prefix`` and a relative ``name``."""
    if not prefix:
        return name
    return f"{prefix.rstrip('/')}/{name}"


def safe_destination(root: Path, logical: str) -> Path:
    """Return where ``logical`` goes under ``root``, refusing anything that escapes it.

    The check is made on real paths: a symlink inside ``root`` that points elsewhere
    makes the destination invalid.
    """
    validate_logical_path(logical)
    real_root = Path(os.path.realpath(root))
    dest = real_root.joinpath(*logical.split("/"))
    real_dest = Path(os.path.realpath(dest))
    if real_dest != dest and not _inside(real_dest, real_root):
        raise InvalidPathError(
            f"Refusing to write {logical!r}: it resolves to {str(real_dest)!r}, outside the "
            f"download root {str(real_root)!r} (is there a symlink in the way?). Remove the "
            "link or download into an empty directory.",
            path=logical,
        )
    if not _inside(real_dest, real_root):
        raise InvalidPathError(
            f"Refusing to write {logical!r}: it is outside the download root {str(real_root)!r}.",
            path=logical,
        )
    return real_dest


def _inside(path: Path, root: Path) -> bool:
    return path != root and path.is_relative_to(root)
