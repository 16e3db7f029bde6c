"""An in-process change counter: bumped after every committed catalog write in this process.

Displayed widgets remember the generation they last read and re-read their records when it
moved (on their next message, or on a cheap timer the browser side runs). It is a hint, not
a lock: it says "something in some store may have changed", never what, and it sees only
writes made by this process (nothing polls the database for other processes' writes).
"""

from __future__ import annotations

import threading

__all__ = ["bump", "generation"]

_lock = threading.Lock()
_generation = 0


def generation() -> int:
    """The current generation (starts at 0; only ever grows)."""
    return _generation


def bump() -> int:
    """Count one committed write; returns the new generation."""
    global _generation
    with _lock:
        _generation += 1
        return _generation
