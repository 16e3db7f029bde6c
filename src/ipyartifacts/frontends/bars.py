"""Progress bars on a terminal: rich bars drawn for the core's progress reports.

The core reports progress through :mod:`ipyartifacts.core.progress`; a front end that may
draw (the CLI on a terminal) installs :func:`bars_for` as the factory for one command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ipyartifacts.core.progress import ProgressFactory
    from ipyartifacts.frontends.frontend import Frontend

__all__ = ["PROGRESS_MIN_BYTES", "PROGRESS_MIN_FILES", "bars_for"]

# Transfers smaller than this finish in a blink: no progress bar for them.
PROGRESS_MIN_BYTES = 16 * 1024 * 1024
PROGRESS_MIN_FILES = 200


def bars_for(fe: Frontend) -> ProgressFactory | None:
    """Rich progress bars on a terminal, for jobs big enough to be worth one."""
    if not fe.progress:
        return None
    return _rich_bar


def _rich_bar(description: str, files: int, nbytes: int) -> _RichBar | None:
    from ipyartifacts.frontends import bars

    if nbytes < bars.PROGRESS_MIN_BYTES and files < bars.PROGRESS_MIN_FILES:
        return None
    return _RichBar(description, files, nbytes)


class _RichBar:
    """A transient rich bar on stderr: bytes drive the bar; files done are counted beside it."""

    def __init__(self, description: str, files: int, nbytes: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[files]}"),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._total_files = files
        self._done_files = 0
        self._bar.start()
        self._task = self._bar.add_task(description, total=max(nbytes, 1), files=self._count())

    def _count(self) -> str:
        return f"{self._done_files:,}/{self._total_files:,} files"

    def advance(self, files: int = 1, nbytes: int = 0) -> None:
        self._done_files += files
        self._bar.update(self._task, advance=nbytes, files=self._count())

    def close(self) -> None:
        self._bar.stop()
