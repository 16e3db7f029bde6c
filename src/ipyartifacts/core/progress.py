"""Progress of long work (hashing and storing files, downloading), drawn by a front end.

The core reports; it never draws. A front end that can show progress (the CLI on a
terminal) installs a factory for the duration of a command::

    with reporting(make_bar):
        artifact.download()

``make_bar(description, files, nbytes)`` returns a :class:`Progress` (or None to stay
silent, e.g. for small jobs). Reports are made from the calling thread only, so a
factory needs no locking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

__all__ = ["Progress", "ProgressFactory", "reporting", "task"]


class Progress(Protocol):
    """One task's progress: a number of files and bytes done so far."""

    def advance(self, files: int = 1, nbytes: int = 0) -> None:
        """Record ``files`` more files (``nbytes`` more bytes) done."""
        ...

    def close(self) -> None:
        """The task is over (finished or failed)."""
        ...


ProgressFactory = Callable[[str, int, int], "Progress | None"]

_factory: ContextVar[ProgressFactory | None] = ContextVar("ipyartifacts_progress", default=None)


class _Silent:
    def advance(self, files: int = 1, nbytes: int = 0) -> None:
        del files, nbytes

    def close(self) -> None:
        pass


_SILENT = _Silent()


@contextmanager
def reporting(factory: ProgressFactory | None) -> Iterator[None]:
    """Route progress of work done inside the block to ``factory``."""
    token = _factory.set(factory)
    try:
        yield
    finally:
        _factory.reset(token)


@contextmanager
def task(description: str, files: int, nbytes: int) -> Iterator[Progress]:
    """A progress task for ``files`` files of ``nbytes`` bytes (silent unless reporting)."""
    factory = _factory.get()
    progress = factory(description, files, nbytes) if factory is not None and files else None
    progress = progress if progress is not None else _SILENT
    try:
        yield progress
    finally:
        progress.close()
