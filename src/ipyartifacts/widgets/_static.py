"""Where the built front ends live (``src/ipyartifacts/static``, produced by ``js/build.mjs``)."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"


def static_file(name: str) -> Path:
    """Path of one built front-end file.

    Parameters
    ----------
    name
        File name inside ``ipyartifacts/static``, e.g. ``"table_preview.js"``.

    Raises
    ------
    FileNotFoundError
        If the front ends were not built (a source checkout without ``pip install -e .``).
    """
    path = STATIC / name
    if not path.is_file():
        raise FileNotFoundError(
            f"widget front end {name!r} is not built (expected {path}). Reinstall with "
            "`pip install -e .` (needs node and npm), or run `npm ci && npm run build` in js/."
        )
    return path
