"""Small helpers for tests (import as ``from tests.helpers import write``)."""

from __future__ import annotations

from pathlib import Path


def write(path: Path, data: bytes | str) -> Path:
    """Create ``path`` (and its folders) holding ``data``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path
